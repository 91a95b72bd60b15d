"""Only what tesskit made is deleted: marked run dirs without ground truth, sweep outputs."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from trainer import rundir
from trainer.tools import TesskitError

from conftest import tree_digest


def _run_dir(parent: Path, name: str) -> Path:
    run = parent / name
    (run / "checkpoints").mkdir(parents=True)
    (run / rundir.RUN_MARKER).touch()
    (run / "manifest.json").write_text("{}")
    return run


def test_claim_marks_a_new_dir_and_refuses_a_foreign_one(tmp_path: Path) -> None:
    data = tmp_path / "gt"
    data.mkdir()
    rundir.claim(tmp_path / "runs" / "new", data)
    assert (tmp_path / "runs" / "new" / rundir.RUN_MARKER).is_file()
    foreign = tmp_path / "foreign"
    (foreign / "logs").mkdir(parents=True)
    (foreign / "evals.json").write_text("mine")
    before = tree_digest(foreign)
    with pytest.raises(TesskitError, match="was not made by tesskit"):
        rundir.claim(foreign, data)
    assert tree_digest(foreign) == before


def test_claim_refuses_ground_truth_inside_the_run_dir(tmp_path: Path) -> None:
    with pytest.raises(TesskitError, match="is inside the run dir"):
        rundir.claim(tmp_path / "runs" / "hw", tmp_path / "runs" / "hw" / "gt")
    assert not (tmp_path / "runs").exists()


def test_marked_dir_holding_ground_truth_is_not_removed(
    tmp_path: Path, make_lines: Callable[..., Path]
) -> None:
    run = _run_dir(tmp_path, "hw")
    gt = make_lines(2, name="hw/gt")
    before = tree_digest(tmp_path)
    with pytest.raises(TesskitError, match="holds ground truth"):
        rundir.remove(run)
    with pytest.raises(TesskitError, match="holds ground truth"):
        rundir.clean_targets(tmp_path, "hw")
    assert tree_digest(tmp_path) == before and gt.is_dir()


def test_clean_targets_cover_a_sweep_and_its_logs(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for name in ("hw_lr0.001_it200", "hw_lr1e-05_it200"):
        _run_dir(runs, name)
        (runs / f"{name}.sweep.log").write_text("log")
    (runs / "hw_lr0.01_it200.sweep.log").write_text("failed before its run dir existed")
    for name in ("hw_best.traineddata", "hw_sweep.png", "hw_sweep.html", ".hw_sweep-vars.yml"):
        (runs / name).write_text("x")
    (runs / "sweep.json").write_text(json.dumps([{"name": "hw_lr0.001_it200"}]))
    other = _run_dir(runs, "hwx")  # another model sharing the prefix's letters
    (runs / "hw_notes.txt").write_text("the user's")

    targets = rundir.clean_targets(runs, "hw")
    assert sorted(t.name for t in targets) == sorted(
        [
            "hw_lr0.001_it200",
            "hw_lr0.001_it200.sweep.log",
            "hw_lr0.01_it200.sweep.log",
            "hw_lr1e-05_it200",
            "hw_lr1e-05_it200.sweep.log",
            "hw_best.traineddata",
            "hw_sweep.png",
            "hw_sweep.html",
            ".hw_sweep-vars.yml",
            "sweep.json",
        ]
    )
    for target in targets:
        rundir.delete(target)
    assert sorted(p.name for p in runs.iterdir()) == ["hw_notes.txt", "hwx"]
    assert other.is_dir()


def test_cleaning_one_sweep_run_takes_its_log(tmp_path: Path) -> None:
    run = _run_dir(tmp_path, "hw_lr0.001_it200")
    (tmp_path / "hw_lr0.001_it200.sweep.log").write_text("log")
    (tmp_path / "sweep.json").write_text(json.dumps([{"name": "hw_lr0.001_it200"}]))
    targets = rundir.clean_targets(tmp_path, "hw_lr0.001_it200")
    # sweep.json is the whole sweep's table: not this run's to remove
    assert targets == [run, tmp_path / "hw_lr0.001_it200.sweep.log"]


def test_unmarked_sweep_run_stops_the_whole_clean(tmp_path: Path) -> None:
    (tmp_path / "hw_lr0.001_it200").mkdir()
    (tmp_path / "hw_best.traineddata").write_text("x")
    with pytest.raises(TesskitError, match="was not made by tesskit"):
        rundir.clean_targets(tmp_path, "hw")


def test_clean_with_cache_takes_lstmf_and_augmented_images_only(tmp_path: Path) -> None:
    _run_dir(tmp_path, "hw")
    cache = tmp_path / ".cache"
    for part in ("lstmf", "augment"):
        (cache / part).mkdir(parents=True)
        (cache / part / "x.bin").write_bytes(b"made by tesskit")
    assert cache in rundir.clean_targets(tmp_path, "hw", with_cache=True)
    (cache / "notes").mkdir()
    with pytest.raises(TesskitError, match="holds more than tesskit's caches"):
        rundir.clean_targets(tmp_path, "hw", with_cache=True)
