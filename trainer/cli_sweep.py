"""``tesskit sweep``: train a grid of settings in parallel and keep the best model."""

from __future__ import annotations

import os
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trainer.sweep import grid, keep_best, plot_sweep, run_sweep


def _floats(value: str) -> list[float]:
    return [float(v) for v in value.split(",") if v]


def _ints(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v]


@click.command(context_settings={"show_default": True})
@click.option("--model-name", required=True, help="prefix of every run's name")
@click.option(
    "--data", type=click.Path(exists=True, file_okay=False, path_type=Path), required=True
)
@click.option(
    "--learning-rate",
    "learning_rates",
    default="0.0001,0.0005,0.001",
    help="comma-separated values",
)
@click.option("--max-iterations", "iterations", default="1000", help="comma-separated values")
@click.option("--start-model", default=None, help="float model to fine-tune ('' = scratch)")
@click.option("--net-spec", default=None, help="network for runs from scratch")
@click.option("--tessdata", type=click.Path(path_type=Path), default=None)
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("runs"))
@click.option("--psm", type=int, default=13)
@click.option("--jobs", type=int, default=os.cpu_count() or 1, help="runs at the same time")
def sweep(
    model_name: str,
    data: Path,
    learning_rates: str,
    iterations: str,
    start_model: str | None,
    net_spec: str | None,
    tessdata: Path | None,
    output_dir: Path,
    psm: int,
    jobs: int,
) -> None:
    """Train every combination of the given settings, rank runs by eval CER."""
    runs = grid(model_name, _floats(learning_rates), _ints(iterations))
    common = [
        "--data",
        str(data),
        "--output-dir",
        str(output_dir),
        "--psm",
        str(psm),
        "--jobs",
        "1",
    ]
    if start_model:
        common += ["--start-model", start_model]
    if net_spec:
        common += ["--net-spec", net_spec]
    if tessdata:
        common += ["--tessdata", str(tessdata)]
    console = Console()
    console.print(f"{len(runs)} runs, {jobs} at a time")
    results = run_sweep(runs, common, data, output_dir, tessdata, psm, jobs, start_model)
    table = Table(title=f"sweep {model_name}: ranked by eval CER")
    for column in ("rank", "run", "learning rate", "iterations", "eval CER %", "eval WER %"):
        table.add_column(column)
    for rank, r in enumerate(results, 1):
        cer = "failed" if r["eval_cer"] is None else f"{r['eval_cer']:.2f}"
        wer = "" if r["eval_wer"] is None else f"{r['eval_wer']:.2f}"
        table.add_row(
            str(rank), r["name"], f"{r['learning_rate']:g}", str(r["max_iterations"]), cer, wer
        )
    console.print(table)
    best = keep_best(results, output_dir / f"{model_name}_best.traineddata")
    plot = plot_sweep(results, output_dir / f"{model_name}_sweep.png")
    console.print(
        f"best: {results[0]['name']} -> {best}\nplot: {plot}\ntable: {output_dir / 'sweep.json'}"
    )
