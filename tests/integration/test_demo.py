"""`tesskit demo`, the bundled default, end to end: renders, fine-tunes, reports."""

from __future__ import annotations

import json
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
