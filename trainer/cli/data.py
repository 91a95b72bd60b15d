"""``tesskit check``, ``tesskit dataset check`` / ``dataset import`` and ``tesskit clean``."""

from __future__ import annotations

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from trainer import dataset as ds
from trainer import pages, rundir
from trainer.check import run_checks
from trainer.names import MODEL_NAME, MODEL_NAME_OR_EMPTY
from trainer.tools import start_model_unicharset

console = Console()


@click.command(context_settings={"show_default": True})
@click.option(
    "--tessdata",
    type=click.Path(path_type=Path),
    default=None,
    help="tessdata dir [default: $TESSDATA_PREFIX]",
)
@click.option(
    "--start-model",
    type=MODEL_NAME_OR_EMPTY,
    default="eng",
    help="model to fine-tune ('' to skip)",
)
@click.option(
    "--langdata",
    type=click.Path(path_type=Path),
    default=None,
    help="dir with radical-stroke.txt [default: $TESSKIT_LANGDATA or tessdata/langdata]",
)
def check(tessdata: Path | None, start_model: str, langdata: Path | None) -> None:
    """Check everything `tesskit train` needs: tools, tessdata, configs, langdata and that
    START_MODEL is a float model."""
    results = run_checks(tessdata, start_model or None, langdata)
    table = Table(title="tesskit check")
    for column in ("", "check", "detail", "fix"):
        table.add_column(column, overflow="fold")
    for r in results:
        mark = (
            "[green]ok[/green]"
            if r.ok
            else ("[red]FAIL[/red]" if r.required else "[yellow]warn[/yellow]")
        )
        table.add_row(mark, r.name, r.detail, r.fix)
    console.print(table)
    failed = [r for r in results if not r.ok and r.required]
    if failed:
        # Unwrapped, so messages can be searched for and fixes copied.
        for r in failed:
            click.echo(f"FAIL {r.name}: {r.detail}" + (f"\n  fix: {r.fix}" if r.fix else ""))
        console.print(f"[red]{len(failed)} problem(s)[/red]")
        raise click.exceptions.Exit(1)
    console.print("[green]ready to train[/green]")


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


@click.group()
def dataset_group() -> None:
    """Inspect ground-truth folders."""


@dataset_group.command("check", context_settings={"show_default": True})
@click.argument("data_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--start-model",
    type=MODEL_NAME_OR_EMPTY,
    default="eng",
    help="report characters this model does not know ('' to skip)",
)
@click.option("--tessdata", type=click.Path(path_type=Path), default=None)
@click.option("--strict", is_flag=True, help="treat warnings as errors")
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def dataset_check(
    data_dir: Path, start_model: str, tessdata: Path | None, strict: bool, as_json: bool
) -> None:
    """Validate a ground-truth folder (NAME.png + NAME.gt.txt). Reads only; changes nothing."""
    samples, lonely_images, lonely_gts = ds.discover(data_dir)
    unicharset, skipped = start_model_unicharset(start_model, tessdata)
    report = ds.validate(samples, lonely_images, lonely_gts, unicharset)
    if skipped:
        report.issues.append(ds.Issue("warning", "unknown-chars-skipped", Path("."), skipped))
    failing = report.issues if strict else report.errors
    if as_json:
        click.echo(
            json.dumps(
                {
                    "lines": len(samples),
                    "errors": len(report.errors),
                    "warnings": len(report.warnings),
                    # null when the check did not run (see the unknown-chars-skipped issue)
                    "unknown_chars": report.unknown_chars
                    if unicharset or not start_model
                    else None,
                    "issues": [
                        {
                            "severity": i.severity,
                            "kind": i.kind,
                            "path": str(i.path),
                            "detail": i.detail,
                        }
                        for i in report.issues
                    ],
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        table = Table(title=f"{data_dir}: {len(samples)} line pairs")
        for column in ("severity", "kind", "file", "detail"):
            table.add_column(column, overflow="fold")
        for issue in report.issues:
            colour = "red" if issue.severity == "error" else "yellow"
            table.add_row(
                f"[{colour}]{issue.severity}[/{colour}]", issue.kind, str(issue.path), issue.detail
            )
        if report.issues:
            console.print(table)
        console.print(
            f"{plural(len(samples), 'line')}, {plural(len(report.errors), 'error')}, "
            f"{plural(len(report.warnings), 'warning')}"
        )
    if not samples or failing:
        raise click.exceptions.Exit(1)


dataset_group.name = "dataset"
dataset = dataset_group  # registered under this name by trainer.cli


@click.command(context_settings={"show_default": True})
@click.argument("model_name", type=MODEL_NAME)
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("runs"))
@click.option("--all", "with_cache", is_flag=True, help="also drop the shared lstmf cache")
@click.option("--yes", is_flag=True, help="do not ask")
def clean(model_name: str, output_dir: Path, with_cache: bool, yes: bool) -> None:
    """Remove what tesskit made for MODEL_NAME: its run dir (or a sweep's runs, best model,
    plot and logs). Only dirs tesskit created; ground truth is never touched."""
    targets = rundir.clean_targets(output_dir, model_name, with_cache)
    if not targets:
        console.print(f"nothing to clean for {model_name} in {output_dir}")
        return
    if not yes and not click.confirm(f"remove {', '.join(map(str, targets))}?"):
        console.print("nothing removed")
        raise click.exceptions.Exit(1)
    for target in targets:
        rundir.delete(target)
        console.print(f"removed {target}", soft_wrap=True)


# --- tesskit dataset import (PAGE-XML / ALTO pages -> line pairs) ---------------------------


@dataset_group.command("import", context_settings={"show_default": True})
@click.argument("pages_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="folder for the line pairs (outside PAGES_DIR)",
)
@click.option("--format", "kind", type=click.Choice(pages.FORMATS), default="auto")
@click.option(
    "--polygon/--bbox",
    default=False,
    help="crop the line polygon (white outside) or its bounding box",
)
@click.option(
    "--textequiv-index", type=click.IntRange(min=0), default=0, help="PAGE TextEquiv @index to use"
)
@click.option(
    "--padding", type=click.IntRange(min=0), default=0, help="pixels added around each line box"
)
def dataset_import(
    pages_dir: Path, out_dir: Path, kind: str, polygon: bool, textequiv_index: int, padding: int
) -> None:
    """Crop every TextLine of PAGE-XML / ALTO pages into NAME.png + NAME.gt.txt pairs.

    The pages folder is only read; OUT may already hold identical files from an earlier run.
    """
    result = pages.import_pages(pages_dir, out_dir, kind, polygon, textequiv_index, padding)
    if result.skipped:
        table = Table(title=f"{len(result.skipped)} skipped")
        for column in ("file", "line", "reason"):
            table.add_column(column, overflow="fold")
        for skip in result.skipped:
            table.add_row(str(skip.source), skip.line_id, skip.reason)
        console.print(table)
    lines = sum(1 for p in result.written + result.unchanged if p.name.endswith(ds.GT_SUFFIX))
    console.print(
        f"{lines} lines from {result.pages} pages in {out_dir} ({len(result.written)} files "
        f"written, {len(result.unchanged)} already there and identical)"
    )
    if not lines:
        raise click.exceptions.Exit(1)
