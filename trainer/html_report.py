"""report.html: scores, training curves, confusions and every line's image with marked diffs.

The page is rendered with Jinja2 (autoescaped: ground truth is shown, never run). Line images
are copied beside it into ``report-lines/``; rows come in pages of 200 and an image is only
fetched when its row is shown, so a 5,000-line set is a few megabytes of HTML that opens
without reading 5,000 images; the training plot is embedded. Marks come from
``trainer.alignment``, the same rapidfuzz alignment whose edit count is the CER.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from PIL import Image

from trainer.alignment import Segment, confusions, edit_count, segments
from trainer.atomic import replace_tree, replacing
from trainer.dataset import Sample
from trainer.evaluate import Scores
from trainer.manifest import read_manifest

IMAGES_DIR = "report-lines"
#: Rows per page of the line table; images after the first page load when shown.
PAGE_SIZE = 200
BROWSER_IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
PNG_MODES = ("1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA")


@dataclass(frozen=True)
class Reading:
    """One model's reading of one line, aligned to the reference."""

    model: str
    segments: list[Segment]
    edits: int
    cer: float


@dataclass(frozen=True)
class LineRow:
    name: str
    image: str | None
    reference: str
    readings: list[Reading]

    @property
    def worst_cer(self) -> float:
        return max((r.cer for r in self.readings), default=0.0)


def line_rows(scores: Sequence[Scores], images: Mapping[str, str]) -> list[LineRow]:
    """One row per line, worst first (highest CER of any model, then most edits, then name)."""
    by_model = [{r.name: r for r in s.lines} for s in scores]
    rows = []
    for line in scores[0].lines if scores else []:
        readings = []
        for s, lines in zip(scores, by_model):
            result = lines[line.name]
            aligned = segments(result.reference, result.hypothesis)
            edits = edit_count(aligned)
            cer = 100.0 * edits / max(len(result.reference), 1)
            readings.append(Reading(s.model, aligned, edits, cer))
        rows.append(LineRow(line.name, images.get(line.name), line.reference, readings))
    return sorted(rows, key=lambda r: (-r.worst_cer, -sum(x.edits for x in r.readings), r.name))


def confusion_table(scores: Sequence[Scores], top: int = 20) -> list[list[tuple[str, str, int]]]:
    """Per rank, each model's rank-th most frequent substitution (``("", "", 0)`` past a
    model's last one)."""
    per_model = [
        confusions([(r.reference, r.hypothesis) for r in s.lines], top=top) for s in scores
    ]
    depth = max((len(c) for c in per_model), default=0)
    return [[c[i] if i < len(c) else ("", "", 0) for c in per_model] for i in range(depth)]


def copy_line_images(samples: Sequence[Sample], out_dir: Path) -> dict[str, str]:
    """Copy each line image to ``out_dir/report-lines/`` (TIFF converted to PNG: browsers
    do not show TIFF); returns sample name -> path relative to ``out_dir``. Numbered names:
    sample names may hold characters that are awkward in URLs."""
    staging = Path(tempfile.mkdtemp(prefix=f".{IMAGES_DIR}.", dir=out_dir))
    staging.chmod(0o755)  # mkdtemp makes it private; the page is meant to be shared
    paths = {}
    try:
        for index, sample in enumerate(samples):
            suffix = sample.image.suffix.lower()
            if suffix in BROWSER_IMAGE_SUFFIXES:
                name = f"{index:05d}{suffix}"
                shutil.copyfile(sample.image, staging / name)
            else:
                name = f"{index:05d}.png"
                with Image.open(sample.image) as image:
                    png = image if image.mode in PNG_MODES else image.convert("RGB")  # CMYK
                    png.save(staging / name)
            paths[sample.name] = f"{IMAGES_DIR}/{name}"
        replace_tree(staging, out_dir / IMAGES_DIR)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return paths


def start_model_baseline(run_dir: Path, scores: Sequence[Scores]) -> tuple[str, float] | None:
    """(label, CER %) of the run's start model when it is one of the models scored here."""
    start_path = read_manifest(run_dir).get("start_model_path")
    start = Path(start_path).stem if start_path else None
    for s in scores:
        if start and s.model == start:
            return f"start model {start} (tesskit eval)", s.cer
    return None


def data_uri(png: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")


def visible(text: str) -> str:
    """Spaces shown as ␣ where they are an edit: an inserted blank is otherwise invisible."""
    return text.replace(" ", "␣")


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("trainer", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["visible"] = visible
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def write_html_report(
    out_dir: Path,
    scores: Sequence[Scores],
    samples: Sequence[Sample],
    plot: Path | None = None,
    title: str = "tesskit evaluation",
) -> Path:
    """Write ``out_dir/report.html`` (+ ``report-lines/`` images) for models scored on
    ``samples``, embedding ``plot`` (a PNG: ``plot_training``'s) when given. Returns the
    page's path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    page = render(
        "report.html.j2",
        title=title,
        scores=scores,
        rows=line_rows(scores, copy_line_images(samples, out_dir)),
        confusions=confusion_table(scores),
        plot=data_uri(plot) if plot else None,
        page_size=PAGE_SIZE,
    )
    path = out_dir / "report.html"
    with replacing(path) as partial:
        partial.write_text(page, encoding="utf-8")
    return path


def plot_sweep_curves(results: Sequence[dict[str, Any]], dest: Path) -> Path | None:
    """Every run's eval CER per checkpoint on one axis (its evals.json), the best run bold."""
    curves = []
    for r in results:
        evals_path = Path(r["model"]).parent / "evals.json"
        if evals_path.is_file():
            evals = json.loads(evals_path.read_text())
            curves.append((r, [e["iteration"] for e in evals], [e["cer"] for e in evals]))
    if not curves:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    best = results[0]["name"] if results and results[0]["eval_cer"] is not None else None
    for r, iterations, cers in curves:
        label = f"{r['name']} @ {r['host']}" if r.get("host") else r["name"]
        width = 3 if r["name"] == best else 1.2
        ax.plot(iterations, cers, "o-", linewidth=width, markersize=3, label=label)
    ax.set_xlabel("training iteration")
    ax.set_ylabel("eval CER per checkpoint (%)")
    ax.set_title("sweep: eval CER of every run (best run bold)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    dest.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(dest)
    plt.close(fig)
    return dest


def relative_paths(result: dict[str, Any], page_dir: Path) -> dict[str, str]:
    """The run's model and log as paths from the page, so links work wherever it is copied
    along with its runs."""
    return {
        f"{key}_href": os.path.relpath(result[key], page_dir)
        for key in ("model", "log")
        if result.get(key)
    }


def write_sweep_html_report(
    dest: Path, results: Sequence[dict[str, Any]], ranking_plot: Path | None = None
) -> Path:
    """Write one page comparing a sweep's runs (``results`` ranked as ``sweep.rank`` does):
    the table, every run's eval CER curve, and ``ranking_plot`` (``plot_sweep``'s bars)."""
    curves = plot_sweep_curves(results, dest.with_name(dest.stem + "_curves.png"))
    page = render(
        "sweep.html.j2",
        title=f"tesskit sweep: {dest.stem.removesuffix('_sweep')}",
        results=[{**r, **relative_paths(r, dest.parent)} for r in results],
        plots=[data_uri(p) for p in (curves, ranking_plot) if p is not None],
    )
    with replacing(dest) as partial:
        partial.write_text(page, encoding="utf-8")
    return dest
