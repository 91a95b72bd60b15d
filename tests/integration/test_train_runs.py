"""Real training runs with Debian's lstmtraining: scratch, fine-tune, resume, refusals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from trainer.tools import TesskitError, find_tool, run
from trainer.train import TrainConfig, TrainResult, run_training

from conftest import tree_digest

TINY_NET = "[1,36,0,1 Ct3,3,16 Mp3,3 Lfys32 Lfx48 O1c###]"
pytestmark = pytest.mark.slow


def loads_in_tesseract(model: Path, image: Path) -> str:
    proc = run(
        [
            find_tool("tesseract"),
            image,
            "stdout",
            "--psm",
            "13",
            "-l",
            model.stem,
            "--tessdata-dir",
            model.parent,
        ]
    )
    return proc.stdout


def test_from_scratch_produces_loadable_models(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(20)
    result = run_training(
        TrainConfig(
            model_name="scratch",
            data_dir=data,
            tessdata=float_tessdata,
            output_dir=tmp_path / "runs",
            net_spec=TINY_NET,
            max_iterations=200,
            show_progress=False,
        )
    )
    assert result.model.is_file() and result.fast_model.is_file()
    assert result.fast_model.stat().st_size < result.model.stat().st_size  # int vs float
    loads_in_tesseract(result.model, next(data.glob("*.png")))
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["status"] == "finished" and manifest["settings"]["start_model"] == ""
    assert manifest["best_checkpoint"]["cer"] == min(e["cer"] for e in result.evals)
    assert manifest["models"]["scratch.traineddata"]


def test_fine_tune_exports_lowest_eval_cer(
    make_lines: Callable[..., Path], fine_tune: Callable[..., TrainResult]
) -> None:
    data = make_lines(16)
    before = tree_digest(data)
    result = fine_tune(
        "ft",
        data,
        max_iterations=200,
    )
    assert result.best_eval_cer == min(e["cer"] for e in result.evals)
    progress = json.loads((result.run_dir / "progress.json").read_text())
    assert progress[-1]["training_iteration"] == 200
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert len(manifest["start_model_sha256"]) == 64
    image = next(data.glob("*.png"))
    recognised = loads_in_tesseract(result.model, image)
    assert recognised.strip()  # the exported model loads and reads something
    assert tree_digest(data) == before  # ground truth untouched


def test_integer_start_model_is_refused_before_anything_is_written(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4)
    with pytest.raises(TesskitError) as err:
        run_training(
            TrainConfig(
                model_name="x",
                data_dir=data,
                start_model="engfast",
                tessdata=float_tessdata,
                output_dir=tmp_path / "runs",
            )
        )
    assert (
        "is an integer (tessdata_fast) model and cannot be fine-tuned; install "
        "tessdata_best" in err.value.message
    )
    assert not (tmp_path / "runs").exists()


def test_bad_dataset_stops_training_and_changes_nothing(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4)
    (data / "line_0001.gt.txt").write_bytes(b"\xff\xfe bad\n")
    before = tree_digest(data)
    with pytest.raises(TesskitError, match="not-utf8"):
        run_training(
            TrainConfig(
                model_name="x",
                data_dir=data,
                start_model="fra",
                tessdata=float_tessdata,
                output_dir=tmp_path / "runs",
            )
        )
    assert tree_digest(data) == before


def test_resume_after_sigkill(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(16)
    runs = tmp_path / "runs"
    args = [
        sys.executable,
        "-m",
        "trainer.cli",
        "train",
        "MODEL_NAME=rs",
        f"GROUND_TRUTH_DIR={data}",
        f"TESSDATA={float_tessdata}",
        "START_MODEL=fra",
        "MAX_ITERATIONS=3000",
        "--output-dir",
        str(runs),
        "--no-progress",
        "--target-error-rate",
        "0",
    ]
    progress = runs / "rs" / "progress.json"
    proc = subprocess.Popen(
        args, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        records = json.loads(progress.read_text() or "[]") if progress.is_file() else []
        if records and records[-1]["training_iteration"] >= 300:
            break
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)  # the trainer and its lstmtraining child
    proc.wait()
    killed_at = json.loads(progress.read_text())[-1]["training_iteration"]
    assert 0 < killed_at < 3000
    assert (runs / "rs" / "checkpoints" / "rs_checkpoint").is_file()
    assert not (runs / "rs" / "rs.traineddata").exists()

    resumed = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "resumed at iteration" in resumed.stderr
    records = json.loads(progress.read_text())
    first_after_kill = next(r for r in records if r["training_iteration"] > killed_at)
    assert first_after_kill["training_iteration"] <= killed_at + 200  # continued, not from 0
    # It runs until MAX_ITERATIONS or until lstmtraining reaches a zero training error.
    assert records[-1]["training_iteration"] > killed_at
    log = (runs / "rs" / "logs" / "lstmtraining.log").read_text()
    assert "Successfully restored trainer from" in log
    assert (runs / "rs" / "rs.traineddata").is_file()


def test_changed_settings_refuse_to_resume(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(8)
    config = TrainConfig(
        model_name="cs",
        data_dir=data,
        start_model="fra",
        tessdata=float_tessdata,
        output_dir=tmp_path / "runs",
        max_iterations=100,
        show_progress=False,
    )
    run_training(config)
    config.seed = 5
    with pytest.raises(TesskitError, match="different seed"):
        run_training(config)
    config.fresh = True
    assert run_training(config).resumed_from == 0


def test_a_config_file_trains_and_the_command_line_wins(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    """`tesskit train --config run.yml`: the file's settings make the run (the manifest
    records them), an option given on the command line overrides the file."""
    data = make_lines(10)
    runs = tmp_path / "runs"
    settings = tmp_path / "run.yml"
    settings.write_text(
        f"model_name: cfg\ndata_dir: {data}\nstart_model: fra\ntessdata: {float_tessdata}\n"
        f"output_dir: {runs}\nmax_iterations: 60\nseed: 4\nshow_progress: false\n"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "trainer.cli", "train", "--config", str(settings), "--seed", "5"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    manifest = json.loads((runs / "cfg" / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert (manifest["max_iterations"], manifest["settings"]["seed"]) == (60, 5)
    assert manifest["start_model_path"] == str(float_tessdata / "fra.traineddata")
    assert (runs / "cfg" / "cfg.traineddata").is_file()
