"""`tesskit demo`, the bundled default, end to end: renders, fine-tunes, reports."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import tesskit

pytestmark = pytest.mark.slow


def test_demo_fine_tunes_and_beats_the_start_model(float_tessdata: Path, tmp_path: Path) -> None:
    proc = tesskit(
        "demo",
        "--output-dir",
        str(tmp_path / "runs"),
        "--start-model",
        "fra",
        "--tessdata",
        str(float_tessdata),
        "--lines",
        "80",
        "--max-iterations",
        "300",
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    report_dir = tmp_path / "runs" / "demo" / "report"
    report = json.loads((report_dir / "report.json").read_text())
    cer = {m["model"]: m["cer"] for m in report["models"]}
    assert set(cer) == {"fra", "demo"}
    assert cer["demo"] < cer["fra"], cer
    assert "CER %" in proc.stdout  # the report table is printed
    assert (report_dir / "training.png").stat().st_size > 10_000
    page = (report_dir / "report.html").read_text(encoding="utf-8")
    assert page.count("<tr data-name=") == len(report["models"][0]["lines"])
    assert "<td>fra</td>" in page and "<td>demo</td>" in page
    assert "report.html" in proc.stdout
    assert (tmp_path / "runs" / "demo" / "demo_fast.traineddata").is_file()


def _demo(runs: Path, tessdata: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return tesskit(
        "demo", "--output-dir", str(runs), "--start-model", "fra", "--tessdata", str(tessdata),
        "--lines", "20", "--max-iterations", "20", *extra,
    )  # fmt: skip


def test_a_demo_run_from_older_settings_is_trained_again(
    float_tessdata: Path, tmp_path: Path
) -> None:
    """`make demo` after an upgrade: the demo's own earlier run, made with other settings,
    cannot resume; the demo starts it over (it has no --fresh to pass). A run of the user's
    named demo, trained on other ground truth, is left alone."""
    runs = tmp_path / "runs"
    assert _demo(runs, float_tessdata).returncode == 0
    manifest_path = runs / "demo" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["settings"]["augment"] = 7  # what an older tesskit might have recorded
    manifest_path.write_text(json.dumps(manifest))
    again = _demo(runs, float_tessdata)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "used other settings: training it again" in again.stdout + again.stderr
    assert json.loads(manifest_path.read_text())["settings"]["augment"] != 7

    manifest = json.loads(manifest_path.read_text())
    manifest["settings"]["augment"] = 7
    manifest["data_dir"] = str(tmp_path / "my-own-lines")
    manifest_path.write_text(json.dumps(manifest))
    model_before = (runs / "demo" / "demo.traineddata").read_bytes()
    refused = _demo(runs, float_tessdata)
    assert refused.returncode == 2 and "it cannot resume" in refused.stderr
    assert (runs / "demo" / "demo.traineddata").read_bytes() == model_before
