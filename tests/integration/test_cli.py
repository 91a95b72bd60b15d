"""The tesskit command as users run it: check, dataset check, eval, install, clean."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trainer.train import TrainConfig, run_training

from conftest import tesskit, tree_digest


def test_check_green_with_float_model(float_tessdata: Path) -> None:
    proc = tesskit("check", "--tessdata", str(float_tessdata), "--start-model", "fra")
    assert proc.returncode == 0, proc.stdout
    assert "ready to train" in proc.stdout


def test_check_refuses_integer_model(float_tessdata: Path) -> None:
    proc = tesskit("check", "--tessdata", str(float_tessdata), "--start-model", "engfast")
    assert proc.returncode == 1
    flat = " ".join(proc.stdout.split())
    assert "is an integer (tessdata_fast) model and cannot be fine-tuned; install" in flat


def test_check_detects_html_saved_as_model(float_tessdata: Path, tmp_path: Path) -> None:
    tessdata = tmp_path / "td"
    tessdata.mkdir()
    (tessdata / "configs").symlink_to(float_tessdata / "configs")
    (tessdata / "eng.traineddata").write_text("<!DOCTYPE html><html>blob page</html>")
    proc = tesskit("check", "--tessdata", str(tessdata))
    assert proc.returncode == 1
    assert "HTML page, not a model" in " ".join(proc.stdout.split())


def test_check_without_tessdata_says_how_to_fix(tmp_path: Path) -> None:
    proc = tesskit("check", "--tessdata", str(tmp_path / "nope"))
    assert proc.returncode == 1
    assert "does not exist" in proc.stdout


def test_dataset_check_reports_and_never_writes(
    make_lines: Callable[..., Path], float_tessdata: Path
) -> None:
    data = make_lines(3)
    (data / "line_0001.gt.txt").write_text("two\nlines\n")
    (data / "extra.png").write_bytes((data / "line_0000.png").read_bytes())
    before = tree_digest(data)
    proc = tesskit(
        "dataset", "check", str(data), "--tessdata", str(float_tessdata), "--start-model", "fra"
    )
    assert proc.returncode == 1
    assert "multi-line-gt" in proc.stdout and "missing-gt" in proc.stdout
    without_model = tesskit("dataset", "check", str(data), "--start-model", "", "--json")
    assert without_model.returncode == 1  # the multi-line error stands without a model too
    assert '"unknown_chars": {}' in without_model.stdout
    assert tree_digest(data) == before


@pytest.mark.slow
def test_eval_install_and_clean(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(10)
    runs = tmp_path / "runs"
    result = run_training(
        TrainConfig(
            model_name="cli",
            data_dir=data,
            start_model="fra",
            tessdata=float_tessdata,
            output_dir=runs,
            max_iterations=100,
            show_progress=False,
        )
    )
    out = tmp_path / "report"
    proc = tesskit(
        "eval",
        "--model",
        "fra",
        "--model",
        str(result.model),
        "--data",
        str(data),
        "--tessdata",
        str(float_tessdata),
        "--out",
        str(out),
        "--run-dir",
        str(result.run_dir),
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.md").is_file() and (out / "training.png").stat().st_size > 10_000
    assert "| fra |" in (out / "report.md").read_text()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<tr data-name=") == 10 and 'src="data:image/png;base64,' in page

    target = tmp_path / "tessdata-install"
    target.mkdir()
    assert tesskit("install", str(result.run_dir), "--tessdata", str(target)).returncode == 0
    assert (target / "cli.traineddata").read_bytes() == result.model.read_bytes()
    other = tesskit("install", str(result.fast_model), "--tessdata", str(target))
    assert other.returncode == 2 and "--force" in other.stderr

    (runs / "notarun").mkdir()
    assert tesskit("clean", "notarun", "--output-dir", str(runs), "--yes").returncode == 2
    assert (runs / "notarun").is_dir()
    assert tesskit("clean", "cli", "--output-dir", str(runs), "--yes").returncode == 0
    assert not result.run_dir.exists() and data.is_dir()
