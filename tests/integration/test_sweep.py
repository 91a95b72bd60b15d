"""`tesskit sweep`: parallel runs ranked by eval CER, the winner kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import tesskit

pytestmark = pytest.mark.slow


def test_sweep_ranks_runs_and_keeps_the_best(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(12)
    runs = tmp_path / "runs"
    proc = tesskit(
        "sweep",
        "--model-name",
        "sw",
        "--data",
        str(data),
        "--learning-rate",
        "0.0001,0.001",
        "--max-iterations",
        "100",
        "--start-model",
        "fra",
        "--tessdata",
        str(float_tessdata),
        "--output-dir",
        str(runs),
        "--jobs",
        "2",
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((runs / "sweep.json").read_text())
    assert {r["name"] for r in results} == {"sw_lr0.0001_it100", "sw_lr0.001_it100"}
    cers = [r["eval_cer"] for r in results]
    assert None not in cers and cers == sorted(cers)
    for r in results:  # ranking matches what each run's own evaluation says
        manifest = json.loads((runs / r["name"] / "manifest.json").read_text())
        assert manifest["best_checkpoint"]["cer"] == r["eval_cer"]
    # Fine-tuning keeps the start model's learning rates unless told to reset them: the
    # settings must really differ, so must the training curves.
    curves = [(runs / r["name"] / "progress.json").read_text() for r in results]
    assert curves[0] != curves[1]
    best = (runs / "sw_best.traineddata").read_bytes()
    assert best == Path(results[0]["model"]).read_bytes()
    assert (runs / "sw_sweep.png").stat().st_size > 5_000
    page = (runs / "sw_sweep.html").read_text(encoding="utf-8")
    assert all(f"<td>{r['name']}</td>" in page for r in results)
    assert page.count('src="data:image/png;base64,') == 2  # every run's curve + the ranking
