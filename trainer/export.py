"""Checkpoints into installable models, and models into tessdata (``tesskit install``).

A good model is never clobbered on failure: every model is written beside its place and
renamed onto it.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from trainer.atomic import copy_atomic, replacing, sha256_file
from trainer.names import validate_model_name
from trainer.tools import (
    TesskitError,
    find_tool,
    inspect_model,
    resolve_tessdata,
    run,
    tool_env,
    user_tessdata,
)


def checkpoint_iteration(path: Path) -> int:
    """The training iteration in lstmtraining's checkpoint name (-1 for MODEL_checkpoint)."""
    # MODEL_<bcer>_<learning_iteration>_<training_iteration>.checkpoint
    try:
        return int(path.stem.rsplit("_", 1)[1])
    except (IndexError, ValueError):
        return -1


def export_model(
    checkpoint: Path, starter_traineddata: Path, dest: Path, tessdata: Path, convert_to_int: bool
) -> Path:
    """``lstmtraining --stop_training`` into a temp file, checked, then renamed onto ``dest``."""
    with replacing(dest) as partial:
        _stop_training(checkpoint, starter_traineddata, partial, tessdata, convert_to_int)
    return dest


def export_pair(
    checkpoint: Path, starter_traineddata: Path, model: Path, fast: Path, tessdata: Path
) -> None:
    """The float model (tessdata_best style) and its integer form (tessdata_fast style)."""
    export_model(checkpoint, starter_traineddata, model, tessdata, False)
    export_model(checkpoint, starter_traineddata, fast, tessdata, True)


def keep_start_model(start: Path, model: Path, fast: Path) -> None:
    """The start model unchanged (same bytes) as MODEL, and its integer form as MODEL_fast."""
    copy_atomic(start, model)
    with replacing(fast) as partial:
        shutil.copyfile(start, partial)
        run([find_tool("combine_tessdata"), "-c", partial], timeout=600)


def _stop_training(
    checkpoint: Path, starter_traineddata: Path, out: Path, tessdata: Path, convert_to_int: bool
) -> None:
    args = [
        find_tool("lstmtraining"),
        "--stop_training",
        "--continue_from",
        checkpoint,
        "--traineddata",
        starter_traineddata,
        "--model_output",
        out,
    ]
    if convert_to_int:
        args.append("--convert_to_int")
    run(args, env=tool_env(tessdata), timeout=600)
    if not out.is_file() or out.stat().st_size == 0:
        raise TesskitError(f"lstmtraining wrote no model for {checkpoint}")


def find_checkpoint(
    run_dir: Path, model_name: str, name: str | None, iteration: int | None
) -> Path:
    """The checkpoint of a run named ``name`` (a file in checkpoints/), or the one written
    at training ``iteration``; an error lists what there is."""
    ckpt_dir = run_dir / "checkpoints"
    found = {p.name: p for p in ckpt_dir.glob(f"{model_name}_*checkpoint")}
    if name is not None:
        if name in found:
            return found[name]
        wanted = f"no checkpoint {name!r}"
    else:
        by_iteration = {checkpoint_iteration(p): p for p in found.values()}
        if iteration in by_iteration:
            return by_iteration[iteration]
        wanted = f"no checkpoint at iteration {iteration}"
    listing = ", ".join(sorted(found)) or "none"
    raise TesskitError(f"{run_dir} has {wanted}", f"its checkpoints: {listing}")


def export_checkpoint(
    run_dir: Path, checkpoint: Path, tessdata: Path, fast: bool, dest: Path | None = None
) -> Path:
    """Export any checkpoint of a finished or stopped run, beside its models by default
    (``MODEL_it<N>[_fast].traineddata``): the run's own models are never replaced."""
    model_name = run_dir.name
    starter = run_dir / "starter" / model_name / f"{model_name}.traineddata"
    if not starter.is_file():
        raise TesskitError(
            f"{run_dir} has no starter traineddata ({starter})",
            "export works on run dirs made by tesskit train",
        )
    suffix = "_fast" if fast else ""
    dest = (
        dest or run_dir / f"{model_name}_it{checkpoint_iteration(checkpoint)}{suffix}.traineddata"
    )
    reserved = {run_dir / f"{model_name}.traineddata", run_dir / f"{model_name}_fast.traineddata"}
    if dest.resolve() in {p.resolve() for p in reserved}:
        raise TesskitError(f"{dest} is the run's chosen model", "pass another --out")
    return export_model(checkpoint, starter, dest, tessdata, fast)


def install_model(
    model: Path, tessdata: Path | None, name: str | None, fast: bool, force: bool
) -> Path:
    """Copy a model (file, or a run dir's model) into tessdata as ``NAME.traineddata``;
    returns where it went (the user's own tessdata when the shared one is not writable)."""
    if model.is_dir():
        model = model / f"{model.name}{'_fast' if fast else ''}.traineddata"
    inspect_model(model)
    # A run's _fast export keeps its suffix: it is a different model from the float one.
    target_name = name or validate_model_name(model.stem, f"the file name of {model}")
    target = _install_dir(tessdata) / f"{target_name}.traineddata"
    if target.exists() and sha256_file(target) != sha256_file(model) and not force:
        raise TesskitError(
            f"{target} exists and is a different model",
            f"install under another name (--name {target_name}_2), or add --force to replace it",
        )
    return copy_atomic(model, target)


def _install_dir(tessdata: Path | None) -> Path:
    """The tessdata to install into: the given/shared one if writable, else the user's."""
    shared = resolve_tessdata(tessdata)
    if os.access(shared, os.W_OK):
        return shared
    own = user_tessdata()
    if tessdata is not None:
        raise TesskitError(
            f"cannot write to {shared} (permission denied)",
            f"omit --tessdata to install into your own {own}, or install as the directory's owner",
        )
    own.mkdir(parents=True, exist_ok=True)
    return own
