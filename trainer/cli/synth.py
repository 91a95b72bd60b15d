"""``tesskit synth``: line images + transcriptions rendered from fonts with text2image."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from trainer.render import SynthOptions, synthesize

console = Console()


def _int_list(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[int, ...]:
    try:
        return tuple(dict.fromkeys(int(v) for v in value.split(",") if v.strip()))
    except ValueError as exc:
        raise click.BadParameter(f"{value!r}: comma-separated integers, e.g. -1,0,1") from exc


@click.command(context_settings={"show_default": True})
@click.option(
    "--text",
    "text_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="UTF-8 training text, one line per image",
)
@click.option("--fonts", required=True, help='comma-separated font names, e.g. "DejaVu Serif"')
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder for the line pairs, e.g. data/MODEL-ground-truth",
)
@click.option("--exposures", default="0", callback=_int_list, help="e.g. -1,0,1")
@click.option("--ptsize", type=click.IntRange(min=1), default=12)
@click.option("--distort", is_flag=True, help="noise, blur and rotation (text2image)")
@click.option(
    "--max-lines", type=click.IntRange(min=1), default=None, help="only the first N non-empty lines"
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="parallel text2image calls [default: cores]",
)
@click.option(
    "--fonts-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="[default: /usr/share/fonts, or /Library/Fonts on macOS]",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    help="seconds per text2image call",
)
def synth(
    text_file: Path,
    fonts: str,
    out_dir: Path,
    exposures: tuple[int, ...],
    ptsize: int,
    distort: bool,
    max_lines: int | None,
    jobs: int | None,
    fonts_dir: Path | None,
    timeout: float,
) -> None:
    """Render one NAME.png + NAME.gt.txt per text line, font and exposure (text2image)."""
    font_names = [f.strip() for f in fonts.split(",") if f.strip()]
    options = SynthOptions(
        ptsize=ptsize, exposures=exposures or (0,), distort=distort, timeout=timeout
    )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("text2image", total=None)
        result = synthesize(
            text_file,
            font_names,
            out_dir,
            options,
            fonts_dir,
            max_lines,
            jobs,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    table = Table(title=f"tesskit synth -> {out_dir}")
    for column in ("font", "lines", "skipped", "characters the font lacks (lines)"):
        table.add_column(column, overflow="fold")
    for font in font_names:
        skipped = sum(1 for job, _ in result.skipped if job.font == font)
        lacks = ", ".join(f"{c!r}×{n}" for c, n in result.missing[font].most_common())
        table.add_row(font, str(result.rendered[font]), str(skipped), lacks)
    console.print(table)
    other = [(job, why) for job, why in result.skipped if not why.startswith("font lacks")]
    for job, why in other[:20]:
        console.print(f"[yellow]skipped[/yellow] {job.name} (line {job.number}): {why}")
    console.print(
        f"{sum(result.rendered.values())} line images ({len(result.written)} files written, "
        f"{len(result.unchanged)} already there and identical)"
    )
    if not result.rendered:
        raise click.exceptions.Exit(1)
