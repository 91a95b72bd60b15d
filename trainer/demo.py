"""The bundled default: render a small dataset, fine-tune briefly, compare CER."""

from __future__ import annotations

from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from rich.console import Console

from trainer import dataset
from trainer.evaluate import ModelRef, Scores, evaluate_model
from trainer.manifest import read_manifest
from trainer.report import write_eval_report
from trainer.synth import find_font, write_synthetic_dataset
from trainer.train import SettingsChanged, TrainConfig, TrainResult, run_training


def demo_lines(count: int) -> list[str]:
    text = resources.files("trainer").joinpath("data/demo_lines.txt").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [lines[i % len(lines)] for i in range(count)]


@dataclass
class DemoResult:
    train: TrainResult
    scores: list[Scores]
    report: Path
    html_report: Path


def run_demo(
    output_dir: Path,
    lines: int,
    max_iterations: int,
    start_model: str | None,
    tessdata: Path | None,
    font: Path | None,
    noise: float,
    jobs: int | None,
    console: Console,
) -> DemoResult:
    """Synthetic lines (speckled, as from a poor scan) -> fine-tune -> base vs tuned CER."""
    data_dir = output_dir / "demo-ground-truth"
    font_path = find_font(font)
    if not any(data_dir.glob("*.gt.txt")):
        console.print(f"rendering {lines} lines with {font_path.name} into {data_dir}")
        write_synthetic_dataset(data_dir, demo_lines(lines), font_path, noise=noise)
    config = TrainConfig(
        model_name="demo",
        data_dir=data_dir,
        start_model=start_model,
        tessdata=tessdata,
        output_dir=output_dir,
        max_iterations=max_iterations,
        jobs=jobs,
        target_error_rate=0.001,
    )
    try:
        result = run_training(config, console)
    except SettingsChanged:
        # The demo's own earlier run (an older tesskit's settings): nothing of the user's is
        # in it, and `make demo` has no --fresh to pass, so it starts over. A run of the
        # user's that is named demo is left alone (the error stands).
        recorded = read_manifest(config.run_dir).get("data_dir")
        if recorded is None or Path(recorded).resolve() != data_dir.resolve():
            raise
        console.print("the earlier demo run used other settings: training it again")
        result = run_training(replace(config, fresh=True), console)
    samples, _, _ = dataset.discover(data_dir)
    _, held_out = dataset.split(samples, config.ratio_train, config.seed)
    models = [ModelRef.parse(str(result.model), None)]
    if start_model:
        models.insert(0, ModelRef.parse(start_model, tessdata))
    scores = [evaluate_model(held_out, m, config.psm, jobs) for m in models]
    html, md, *_ = write_eval_report(
        result.run_dir / "report", scores, held_out, result.run_dir, title="tesskit demo"
    )
    return DemoResult(result, scores, md, html)
