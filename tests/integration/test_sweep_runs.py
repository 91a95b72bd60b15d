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
        # What a host would hand back (playbooks/sweep.yml fetches exactly these) exists.
        assert len(r["files"]) == 6 and all((runs / f).is_file() for f in r["files"])
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


def test_stale_result_of_a_run_that_failed_now_is_not_ranked(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(6)
    runs = tmp_path / "runs"
    # What an earlier attempt left: a finished manifest and a model; this time the run fails
    # (its checkpoint was trained with other settings, so it cannot resume).
    stale = runs / "st_lr0.001_it5"
    (stale / "checkpoints").mkdir(parents=True)
    (stale / ".tesskit-run").touch()
    (stale / "checkpoints" / "st_lr0.001_it5_checkpoint").write_bytes(b"old")
    (stale / "st_lr0.001_it5.traineddata").write_bytes(b"old model")
    (stale / "manifest.json").write_text(
        json.dumps(
            {
                "status": "finished",
                "settings": {"start_model": "eng"},
                "best_checkpoint": {"cer": 0.5, "wer": 1.0, "checkpoint": "old"},
            }
        )
    )
    args = [
        "sweep",
        "--model-name",
        "st",
        "--data",
        str(data),
        "--learning-rate",
        "0.001",
        "--max-iterations",
        "5",
        "--start-model",
        "fra",
        "--tessdata",
        str(float_tessdata),
        "--output-dir",
        str(runs),
        "--jobs",
        "1",
    ]
    proc = tesskit(*args)
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "no run of the sweep finished" in proc.stderr
    [row] = json.loads((runs / "sweep.json").read_text())
    assert row["exit_code"] == 2 and row["eval_cer"] is None
    assert row["files"] == ["st_lr0.001_it5.sweep.log"]  # the stale model is not handed back
    assert not (runs / "st_best.traineddata").exists()

    fresh = tesskit(*args, "--fresh")
    assert fresh.returncode == 0, fresh.stdout[-2000:] + fresh.stderr[-2000:]
    [row] = json.loads((runs / "sweep.json").read_text())
    assert row["exit_code"] == 0 and row["eval_cer"] is not None
    best = (runs / "st_best.traineddata").read_bytes()
    assert best == (stale / "st_lr0.001_it5.traineddata").read_bytes() != b"old model"


def test_sweep_config_file_gives_every_run_its_settings(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    """A `tesskit train --config` file drives the sweep (its lists are the grid), the command
    line wins over it, and each run's own config file re-runs that run by hand."""
    data = make_lines(8)
    runs = tmp_path / "runs"
    settings = {
        "model_name": "cf", "data_dir": str(data), "start_model": "fra",
        "tessdata": str(float_tessdata), "output_dir": str(runs), "augment": 1,
        "target_error_rate": 0, "learning_rate": [0.0005, 0.001], "max_iterations": 400,
    }  # fmt: skip
    config = tmp_path / "sweep.toml"  # JSON's strings, numbers and lists are TOML's too
    config.write_text("".join(f"{key} = {json.dumps(v)}\n" for key, v in settings.items()))
    proc = tesskit("sweep", "--config", str(config), "--max-iterations", "6", "--jobs", "2")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    results = json.loads((runs / "sweep.json").read_text())
    assert {r["name"] for r in results} == {"cf_lr0.0005_it6", "cf_lr0.001_it6"}
    for row in results:
        manifest = json.loads((runs / row["name"] / "manifest.json").read_text())
        assert manifest["settings"]["augment"] == 1  # from the file, not the default
        assert manifest["settings"]["target_error_rate"] == 0
        assert manifest["max_iterations"] == 6  # the command line's, over the file's 400
        assert manifest["settings"]["learning_rate"] == row["learning_rate"]
    again = tesskit("train", "--config", results[0]["config"])
    assert again.returncode == 0, again.stderr[-2000:]
    assert "already finished" in again.stderr
