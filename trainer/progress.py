"""Progress: lstmtraining / lstmeval output lines parsed into records, and the live bar.

The bar shows a stage's progress (lstmf files made, training iterations with their rates).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column

_NUM = r"([0-9.]+)"
ITERATION_RE = re.compile(
    rf"At iteration (\d+)/(\d+)/(\d+), mean rms={_NUM}%, delta={_NUM}%, "
    rf"BCER train={_NUM}%, BWER train={_NUM}%",
    re.IGNORECASE,
)
EVAL_RE = re.compile(rf"BCER eval={_NUM}%?, BWER eval={_NUM}", re.IGNORECASE)
BEST_MODEL_RE = re.compile(r"wrote best model:(\S+\.checkpoint)")
FINISHED_RE = re.compile(
    rf"Finished! Selected model with minimal training error rate \(BCER\) = {_NUM}"
)


@dataclass(frozen=True)
class IterationRecord:
    """One progress line: lstmtraining prints it every 100 training iterations."""

    learning_iteration: int
    training_iteration: int
    sample_iteration: int
    mean_rms: float
    delta: float
    bcer_train: float
    bwer_train: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def parse_iteration(line: str) -> IterationRecord | None:
    match = ITERATION_RE.search(line)
    if match is None:
        return None
    lit, tit, sit = (int(match.group(i)) for i in (1, 2, 3))
    rms, delta, bcer, bwer = (float(match.group(i)) for i in (4, 5, 6, 7))
    return IterationRecord(lit, tit, sit, rms, delta, bcer, bwer)


def parse_eval(output: str) -> tuple[float, float] | None:
    """``(BCER, BWER)`` in percent from lstmeval's summary line."""
    match = EVAL_RE.search(output)
    return (float(match.group(1)), float(match.group(2))) if match else None


def parse_best_checkpoint(line: str) -> str | None:
    match = BEST_MODEL_RE.search(line)
    return match.group(1) if match else None


def parse_finished(line: str) -> float | None:
    match = FINISHED_RE.search(line)
    return float(match.group(1)) if match else None


def progress_bar(console: Console, enabled: bool) -> Progress:
    """A stage's live bar (lstmf, training); its ``stats`` field shows the latest record."""
    # Unwrapped columns: at 80 columns the stats text gives way, never the times.
    return Progress(
        TextColumn("[bold]{task.description}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=20),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TextColumn("{task.fields[stats]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
        TimeElapsedColumn(table_column=Column(no_wrap=True)),
        TimeRemainingColumn(table_column=Column(no_wrap=True)),
        console=console,
        disable=not enabled,
        transient=False,
    )
