"""Model names: one rule for every command, because names become paths.

A name ends up as ``runs/NAME/``, ``tessdata/NAME.traineddata`` and, on remote hosts, in
paths a root-run play creates and chowns; ``../x`` or ``/abs`` would escape all of them.
The allowed shape is the one Tesseract language names have (``eng``, ``chi_sim``,
``deu_latf``, ``script/Latin`` excepted: no separators at all).
"""

from __future__ import annotations

import re

import click

from trainer.tools import TesskitError

#: Also in playbooks/train.yml and playbooks/sweep.yml (their asserts): keep them equal.
MODEL_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
_MODEL_NAME = re.compile(MODEL_NAME_PATTERN)


def validate_model_name(name: str, what: str = "model name") -> str:
    """``name`` if it is a safe model name, else a TesskitError saying what is allowed."""
    if not _MODEL_NAME.fullmatch(name) or ".." in name:
        raise TesskitError(
            f"{what} {name!r} is not a valid model name",
            "use letters, digits, '_', '.' and '-' only, starting with a letter or digit, "
            "without '..' (e.g. eng_hw or deu-1572); it becomes a file and directory name",
        )
    return name


class ModelName(click.ParamType):
    """A click type: ``--model-name ../x`` fails as a usage error, before any work."""

    name = "NAME"

    def __init__(self, allow_empty: bool = False) -> None:
        #: '' is a value of its own for some options (``--start-model ''``: from scratch).
        self.allow_empty = allow_empty

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> str:
        if value == "" and self.allow_empty:
            return ""
        try:
            return validate_model_name(str(value))
        except TesskitError as exc:
            self.fail(f"{exc.message} ({exc.fix})", param, ctx)


MODEL_NAME = ModelName()
MODEL_NAME_OR_EMPTY = ModelName(allow_empty=True)


def sweep_run_name(prefix: str, learning_rate: float, iterations: int) -> str:
    """The name of one run of sweep ``prefix``: ``hw_lr0.001_it2000``."""
    return f"{prefix}_lr{learning_rate:g}_it{iterations}"


def is_sweep_run(name: str, prefix: str) -> bool:
    return re.fullmatch(rf"{re.escape(prefix)}_lr[0-9.e+-]+_it[0-9]+", name) is not None
