"""The sweep table at 80 columns: run names whole, never broken mid-name."""

from __future__ import annotations

import io

from rich.console import Console

from trainer.cli.sweep import _print_table


def test_run_names_stay_whole_at_80_columns() -> None:
    rows = [
        {
            "name": f"hw_lr{lr}_it2000",
            "host": "trainer-01.example.org" if lr == 0.001 else "",
            "learning_rate": lr,
            "max_iterations": 2000,
            "eval_cer": 10.3625,
            "eval_wer": 31.25,
        }
        for lr in (0.0001, 0.001)
    ]
    out = io.StringIO()
    _print_table(Console(file=out, width=80), "sweep hw: ranked by eval CER", rows)
    text = out.getvalue()
    assert max(len(line) for line in text.splitlines()) <= 80
    for row in rows:
        assert row["name"] in text
    assert "trainer-01.example.org" in text
