"""`tesskit export`: any checkpoint of a run as a model, beside the run's chosen ones."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from trainer.export import checkpoint_iteration
from trainer.tools import find_tool
from trainer.train import TrainResult

from conftest import tesskit

pytestmark = pytest.mark.slow


def int_mode(model: Path) -> str:
    listing = subprocess.run(
        [str(find_tool("combine_tessdata")), "-l", str(model)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return listing.split("int_mode=", 1)[1][0]


def test_export_a_chosen_checkpoint(
    make_lines: Callable[..., Path], float_tessdata: Path, fine_tune: Callable[..., TrainResult]
) -> None:
    result = fine_tune(
        "ex",
        make_lines(12),
        max_iterations=60,
        augment=0,
    )
    run = result.run_dir
    chosen = {p: p.read_bytes() for p in (result.model, result.fast_model)}
    last = run / "checkpoints" / "ex_checkpoint"
    tessdata = ["--tessdata", str(float_tessdata)]

    by_name = tesskit("export", str(run), "--checkpoint", last.name, *tessdata)
    assert by_name.returncode == 0, by_name.stderr
    exported = run / f"ex_it{checkpoint_iteration(last)}.traineddata"
    assert exported.name in by_name.stdout and int_mode(exported) == "0"

    numbered = sorted((run / "checkpoints").glob("ex_*_*.checkpoint"))
    if numbered:  # lstmtraining writes these when the training error improves
        iteration = checkpoint_iteration(numbered[0])
        fast = tesskit("export", str(run), "--iteration", str(iteration), "--fast", *tessdata)
        assert fast.returncode == 0, fast.stderr
        assert int_mode(run / f"ex_it{iteration}_fast.traineddata") == "1"

    missing = tesskit("export", str(run), "--iteration", "999999", *tessdata)
    assert missing.returncode == 2
    assert "has no checkpoint at iteration 999999" in missing.stderr
    assert "its checkpoints: " in missing.stderr and "ex_checkpoint" in missing.stderr

    clobber = tesskit(
        "export", str(run), "--checkpoint", last.name, "--out", str(result.model), *tessdata
    )
    assert clobber.returncode == 2 and "chosen model" in clobber.stderr
    assert {p: p.read_bytes() for p in chosen} == chosen  # the run's models untouched
