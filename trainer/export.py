"""Turning a checkpoint into installable models, never clobbering a good one on failure."""

from __future__ import annotations

import os
from pathlib import Path

from trainer.tools import TesskitError, find_tool, run, tool_env


def export_model(
    checkpoint: Path, starter_traineddata: Path, dest: Path, tessdata: Path, convert_to_int: bool
) -> Path:
    """``lstmtraining --stop_training`` into a temp file, checked, then renamed onto ``dest``."""
    partial = dest.with_name(f".{dest.name}.tmp{os.getpid()}")
    args = [
        find_tool("lstmtraining"),
        "--stop_training",
        "--continue_from",
        checkpoint,
        "--traineddata",
        starter_traineddata,
        "--model_output",
        partial,
    ]
    if convert_to_int:
        args.append("--convert_to_int")
    try:
        run(args, env=tool_env(tessdata), timeout=600)
        if not partial.is_file() or partial.stat().st_size == 0:
            raise TesskitError(f"lstmtraining wrote no model for {checkpoint}")
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)
    return dest
