"""training.png: the chosen checkpoint is marked, a single point is visible."""

from __future__ import annotations

import json
from pathlib import Path

from trainer.report import training_figure


def _run_dir(tmp_path: Path, chosen: dict[str, object]) -> Path:
    run_dir = tmp_path / "m"
    run_dir.mkdir()
    (run_dir / "progress.json").write_text(
        json.dumps([{"training_iteration": 100, "bcer_train": 3.0}])
    )
    evals = [{"checkpoint": "m_checkpoint", "iteration": 100, "cer": 2.0, "lstmeval_bcer": 1.5}]
    (run_dir / "evals.json").write_text(json.dumps(evals))
    manifest = {"chosen": chosen, "start_model_eval": {"cer": 4.0}}
    (run_dir / "manifest.json").write_text(json.dumps(manifest))
    return run_dir


def test_chosen_checkpoint_marked_and_single_points_visible(tmp_path: Path) -> None:
    chosen = {"model": "checkpoint", "checkpoint": "m_checkpoint", "iteration": 100, "cer": 2.0}
    fig = training_figure(_run_dir(tmp_path, chosen))
    lines = fig.axes[0].get_lines()
    labels = [line.get_label() for line in lines]
    assert any(label.startswith("exported: m_checkpoint") for label in labels)
    assert any(label.startswith("start model eval CER") for label in labels)
    for line in lines:
        if len(line.get_xdata()) == 1:
            assert line.get_marker() not in (None, "None", "")


def test_kept_start_model_is_marked(tmp_path: Path) -> None:
    fig = training_figure(_run_dir(tmp_path, {"model": "start_model", "cer": 4.0}))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert any(label.startswith("kept the start model") for label in labels)
