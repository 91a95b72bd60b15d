"""Parsing lstmtraining / lstmeval output (the fixture log is from a real fine-tuning run),
and the progress bar on a narrow, non-TTY terminal (logs, CI, 80 columns)."""

from __future__ import annotations

import io
from pathlib import Path

from rich.console import Console

from trainer.progress import (
    parse_best_checkpoint,
    parse_eval,
    parse_finished,
    parse_iteration,
    progress_bar,
)

LOG = Path(__file__).resolve().parents[1] / "fixtures" / "lstmtraining-finetune.log"


def test_real_log_yields_monotonic_iterations() -> None:
    records = [r for r in map(parse_iteration, LOG.read_text().splitlines()) if r]
    assert len(records) >= 2
    iterations = [r.training_iteration for r in records]
    assert iterations == sorted(iterations) and iterations[0] > 0
    assert all(
        0 <= r.bcer_train <= 100 and r.learning_iteration <= r.training_iteration for r in records
    )


def test_real_log_best_checkpoints_and_finish() -> None:
    lines = LOG.read_text().splitlines()
    best = [c for c in map(parse_best_checkpoint, lines) if c]
    assert best and all(c.endswith(".checkpoint") for c in best)
    finished = [f for f in map(parse_finished, lines) if f is not None]
    assert len(finished) == 1


def test_iteration_line_fields() -> None:
    line = (
        "At iteration 61/100/100, Mean rms=1.234000%, delta=2.5%, BCER train=4.767000%, "
        "BWER train=12.000000%, skip ratio=0.000000%,  New best BCER = 4.767000"
    )
    record = parse_iteration(line)
    assert record is not None
    assert (record.learning_iteration, record.training_iteration) == (61, 100)
    assert (record.bcer_train, record.bwer_train) == (4.767, 12.0)
    assert parse_iteration("Loaded file x.lstm, unpacking...") is None


def test_lstmeval_summary() -> None:
    assert parse_eval("noise\nBCER eval=1.073084, BWER eval=3.000000\n") == (1.073084, 3.0)
    assert parse_eval("no summary here") is None


def test_times_stay_readable_at_80_columns() -> None:
    out = io.StringIO()
    with progress_bar(Console(file=out, width=80, force_terminal=False), True) as bar:
        task = bar.add_task("training", total=10000, completed=0, stats="")
        bar.update(task, completed=300, stats="train BCER 1.23% (lowest 1.00%) BWER 4.56%")
    line = out.getvalue().strip()
    assert "\n" not in line and len(line) <= 80
    assert "0:00:00" in line and "…" not in line.split("%")[-1]
    assert "train BCER" in line  # the training set's rate, not the eval CER checkpoints use
