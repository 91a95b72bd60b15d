"""Turning a checkpoint into installable models, never clobbering a good one on failure."""

from __future__ import annotations

from pathlib import Path

from trainer.manifest import replacing
from trainer.tools import TesskitError, find_tool, run, tool_env


def export_model(
    checkpoint: Path, starter_traineddata: Path, dest: Path, tessdata: Path, convert_to_int: bool
) -> Path:
    """``lstmtraining --stop_training`` into a temp file, checked, then renamed onto ``dest``."""
    with replacing(dest) as partial:
        _stop_training(checkpoint, starter_traineddata, partial, tessdata, convert_to_int)
    return dest


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
