"""Training's progress bar on a narrow, non-TTY terminal (logs, CI, 80 columns)."""

from __future__ import annotations

import io

from rich.console import Console

from trainer.train import _progress_bar


def test_times_stay_readable_at_80_columns() -> None:
    out = io.StringIO()
    with _progress_bar(Console(file=out, width=80, force_terminal=False), True) as bar:
        task = bar.add_task("training", total=10000, completed=0, stats="")
        bar.update(task, completed=300, stats="train BCER 1.23% (lowest 1.00%) BWER 4.56%")
    line = out.getvalue().strip()
    assert "\n" not in line and len(line) <= 80
    assert "0:00:00" in line and "…" not in line.split("%")[-1]
    assert "train BCER" in line  # the training set's rate, not the eval CER checkpoints use
