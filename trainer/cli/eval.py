"""``tesskit eval``, ``ocr``, ``install`` and ``demo``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trainer import dataset
from trainer.cli.config import PSM
from trainer.demo import run_demo
from trainer.evaluate import ModelRef, Scores, evaluate_models, recognize_line
from trainer.export import install_model
from trainer.names import MODEL_NAME, MODEL_NAME_OR_EMPTY
from trainer.report import write_eval_report
from trainer.tools import TesskitError, user_tessdata

console = Console()


def print_scores(scores: Sequence[Scores], worst: int = 5) -> None:
    table = Table(title="character / word error rates (lower is better)")
    for column in ("model", "CER %", "WER %", "lines", "chars"):
        table.add_column(column, justify="left" if column == "model" else "right")
    for s in scores:
        table.add_row(s.model, f"{s.cer:.2f}", f"{s.wer:.2f}", str(len(s.lines)), str(s.chars))
    console.print(table)
    for s in scores:
        bad = [r for r in s.worst(worst) if r.char_errors]
        if bad:
            console.print(f"[bold]worst lines, {s.model}[/bold]")
            for r in bad:
                console.print(
                    f"  {r.name} ({r.char_errors} edits)\n    ref: {r.reference}\n"
                    f"    got: {r.hypothesis}",
                    markup=False,
                    highlight=False,
                )


@click.command("eval", context_settings={"show_default": True})
@click.option(
    "--model",
    "models",
    multiple=True,
    required=True,
    help="model name in tessdata or .traineddata path; repeat to compare",
)
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    required=True,
    help="line images + .gt.txt to score on",
)
@click.option("--tessdata", type=click.Path(path_type=Path), default=None)
@click.option("--psm", type=PSM, default=dataset.LINE_PSM)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="parallel tesseract processes [all cores]",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("report"),
    help="where report.md, report.json, report.html and plots go",
)
@click.option(
    "--run-dir",
    type=click.Path(path_type=Path),
    default=None,
    help="a training run dir: adds its training curves plot",
)
@click.option(
    "--without-dictionaries",
    is_flag=True,
    help="also score every model with its word/punctuation/number dictionaries unloaded, "
    "to see what they add",
)
def evaluate(
    models: tuple[str, ...],
    data: Path,
    tessdata: Path | None,
    psm: int,
    jobs: int | None,
    out: Path,
    run_dir: Path | None,
    without_dictionaries: bool,
) -> None:
    """CER/WER of one or more models on a ground-truth folder, side by side."""
    refs = [ModelRef.parse(m, tessdata) for m in models]
    samples, _, _ = dataset.discover(data)
    if not samples:
        raise TesskitError(f"no NAME.png + NAME.gt.txt pairs in {data}")
    scores = evaluate_models(samples, refs, psm, jobs, without_dictionaries)
    written = write_eval_report(out, scores, samples, run_dir)
    print_scores(scores)
    console.print("report: " + ", ".join(map(str, written)))


@click.command(context_settings={"show_default": True})
@click.argument("image", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", required=True, help="model name in tessdata or .traineddata path")
@click.option("--tessdata", type=click.Path(path_type=Path), default=None)
@click.option("--psm", type=PSM, default=7, help="7: one text line; 6: a block; 3: a page")
def ocr(image: Path, model: str, tessdata: Path | None, psm: int) -> None:
    """Recognise one image with a model."""
    click.echo(recognize_line(image, ModelRef.parse(model, tessdata), psm))


@click.command(context_settings={"show_default": True})
@click.argument("model", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--tessdata",
    type=click.Path(path_type=Path),
    default=None,
    help="destination [default: $TESSDATA_PREFIX]",
)
@click.option(
    "--name",
    type=MODEL_NAME,
    default=None,
    help="install as NAME.traineddata [default: its file name]",
)
@click.option("--fast", is_flag=True, help="install the _fast (integer) export of a run")
@click.option("--force", is_flag=True, help="replace a different model of the same name")
def install(model: Path, tessdata: Path | None, name: str | None, fast: bool, force: bool) -> None:
    """Copy a trained model (file or run dir) into tessdata so `tesseract -l NAME` works.

    Without write access to tessdata (a root-owned one, as provisioning makes it) the model
    goes to your own tessdata (~/.local/share/tesskit/tessdata), which `tesskit ocr` and
    `tesskit eval` search too; tesseract needs --tessdata-dir for it.
    """
    target = install_model(model, tessdata, name, fast, force)
    click.echo(f"installed {target}")
    if target.parent == user_tessdata():
        click.echo(
            f"(the shared tessdata is not writable; this is your own)\n"
            f"  tesseract IMAGE out --tessdata-dir {target.parent} -l {target.stem}\n"
            f"  tesskit ocr IMAGE --model {target.stem}"
        )
    else:
        click.echo(f"  tesseract IMAGE out -l {target.stem}")


@click.command(context_settings={"show_default": True})
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("runs"))
@click.option("--lines", type=click.IntRange(min=2), default=150, help="synthetic lines to render")
@click.option("--max-iterations", type=click.IntRange(min=1), default=400)
@click.option(
    "--start-model",
    type=MODEL_NAME_OR_EMPTY,
    default="eng",
    help="float model to fine-tune ('' = scratch)",
)
@click.option("--tessdata", type=click.Path(path_type=Path), default=None)
@click.option(
    "--font",
    type=click.Path(path_type=Path),
    default=None,
    help="TrueType font [default: DejaVu Sans or any found]",
)
@click.option("--noise", type=click.FloatRange(0, 1), default=0.04, help="share of speckled pixels")
@click.option("--jobs", type=click.IntRange(min=1), default=None)
def demo(
    output_dir: Path,
    lines: int,
    max_iterations: int,
    start_model: str,
    tessdata: Path | None,
    font: Path | None,
    noise: float,
    jobs: int | None,
) -> None:
    """The bundled default: render lines, fine-tune briefly, print the CER report."""
    result = run_demo(
        output_dir,
        lines,
        max_iterations,
        start_model or None,
        tessdata,
        font,
        noise,
        jobs,
        Console(stderr=True),
    )
    print_scores(result.scores)
    console.print(
        f"models: {result.train.model}, {result.train.fast_model}\n"
        f"report: {result.html_report}, {result.report}"
    )
