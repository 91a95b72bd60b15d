"""Reports: report.md + report.json, the training plot, and a training run's report/ folder.

The plot shows train BCER, eval CER per checkpoint and the model handed back; a run's
report/ holds those and report.html.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainer.atomic import write_json_atomic
from trainer.dataset import Sample
from trainer.evaluate import Scores
from trainer.html_report import start_model_baseline, write_html_report
from trainer.manifest import read_manifest


def scores_table_md(scores: Sequence[Scores]) -> str:
    rows = ["| model | CER % | WER % | lines | chars |", "|---|---:|---:|---:|---:|"]
    rows += [
        f"| {s.model} | {s.cer:.2f} | {s.wer:.2f} | {len(s.lines)} | {s.chars} |" for s in scores
    ]
    return "\n".join(rows)


def write_train_report(
    run_dir: Path, scores: Sequence[Scores], verdict: str, samples: Sequence[Sample], title: str
) -> None:
    """``train``'s report on its eval split in ``run_dir/report``: start model vs the chosen
    (or best) checkpoint, with the training curves."""
    out_dir = run_dir / "report"
    plot = plot_training(run_dir, out_dir / "training.png")
    write_report(out_dir, scores, plot=plot, title="tesskit training: eval split", verdict=verdict)
    write_html_report(out_dir, scores, samples, plot, title=title)


def write_report(
    out_dir: Path,
    scores: Sequence[Scores],
    worst: int = 10,
    plot: Path | None = None,
    title: str = "tesskit evaluation",
    verdict: str = "",
) -> tuple[Path, Path]:
    """Write report.md and report.json into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = [f"# {title}", "", *([verdict, ""] if verdict else []), scores_table_md(scores), ""]
    if plot is not None:
        md += [f"![training curves]({plot.name})", ""]
    for s in scores:
        md += [
            f"## Worst lines: {s.model}",
            "",
            "| line | edits | reference | recognised |",
            "|---|---:|---|---|",
        ]
        md += [
            f"| {r.name} | {r.char_errors} | {r.reference} | {r.hypothesis} |"
            for r in s.worst(worst)
        ]
        md.append("")
    md_path, json_path = out_dir / "report.md", out_dir / "report.json"
    md_path.write_text("\n".join(md), encoding="utf-8")
    write_json_atomic(
        json_path,
        {
            **({"verdict": verdict} if verdict else {}),
            "models": [
                {
                    "model": s.model,
                    "cer": s.cer,
                    "wer": s.wer,
                    "chars": s.chars,
                    "words": s.words,
                    "lines": [vars(r) for r in s.lines],
                }
                for s in scores
            ],
        },
    )
    return md_path, json_path


def write_eval_report(
    out_dir: Path,
    scores: Sequence[Scores],
    samples: Sequence[Sample],
    run_dir: Path | None = None,
    title: str = "tesskit evaluation",
) -> list[Path]:
    """report.html, report.md and report.json of ``tesskit eval`` (and the demo), with a
    training run's curves when ``run_dir`` is given; returns the files written."""
    plot = None
    if run_dir:
        baseline = start_model_baseline(run_dir, scores)
        plot = plot_training(run_dir, out_dir / "training.png", baseline=baseline)
    md, js = write_report(out_dir, scores, plot=plot)
    html = write_html_report(out_dir, scores, samples, plot=plot, title=title)
    return [html, md, js, *([plot] if plot else [])]


def plot_training(
    run_dir: Path, dest: Path, baseline: tuple[str, float] | None = None
) -> Path | None:
    """Train BCER per progress line and eval CER per checkpoint, the exported one marked;
    ``baseline`` (label, CER %) drawn as a horizontal line, e.g. a model scored by
    ``tesskit eval`` on other lines than the run's eval split."""
    fig = training_figure(run_dir, baseline)
    if fig is None:
        return None
    import matplotlib.pyplot as plt

    dest.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(dest)
    plt.close(fig)
    return dest


def training_figure(run_dir: Path, baseline: tuple[str, float] | None = None) -> Any:
    """The matplotlib Figure of plot_training (None without progress or evals)."""
    progress_path, evals_path = run_dir / "progress.json", run_dir / "evals.json"
    if not progress_path.is_file() and not evals_path.is_file():
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    progress: list[dict[str, Any]] = (
        json.loads(progress_path.read_text()) if progress_path.is_file() else []
    )
    evals: list[dict[str, Any]] = json.loads(evals_path.read_text()) if evals_path.is_file() else []
    manifest = read_manifest(run_dir)
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    if progress:
        ax.plot(
            [p["training_iteration"] for p in progress],
            [p["bcer_train"] for p in progress],
            ".-",
            label="train BCER (lstmtraining)",
            color="tab:blue",
        )
    if evals:
        iterations = [e["iteration"] for e in evals]
        ax.plot(
            iterations,
            [e["cer"] for e in evals],
            "o-",
            label="eval CER (tesseract)",
            color="tab:orange",
        )
        bcer = [
            (e["iteration"], e["lstmeval_bcer"])
            for e in evals
            if e.get("lstmeval_bcer") is not None
        ]
        if bcer:
            ax.plot(*zip(*bcer), "x:", label="eval BCER (lstmeval)", color="tab:gray")
    _mark_choice(ax, manifest)
    if baseline:
        label, cer = baseline
        ax.axhline(cer, color="tab:gray", linestyle="-.", label=f"{label}: {cer:.2f}%")
    ax.set_xlim(left=-0.02 * max([1, *(e["iteration"] for e in evals)]))
    ax.set_xlabel("training iteration")
    ax.set_ylabel("character error rate (%)")
    ax.set_title(f"{run_dir.name}: training curves")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def _mark_choice(ax: Any, manifest: dict[str, Any]) -> None:
    """The start model's eval CER as a line, and a star on the model handed back."""
    start = manifest.get("start_model_eval")
    if start:
        ax.axhline(
            start["cer"],
            color="tab:green",
            linestyle="--",
            label=f"start model eval CER ({start['cer']:.2f}%)",
        )
    chosen = manifest.get("chosen") or {}
    if not chosen:
        return
    # A kept start model sits at iteration 0: it is what training started from.
    exported = chosen.get("model") == "checkpoint"
    ax.plot(
        [chosen["iteration"] if exported else 0],
        [chosen["cer"]],
        marker="*",
        markersize=16,
        color="tab:red",
        linestyle="none",
        label=(
            f"exported: {chosen['checkpoint']} ({chosen['cer']:.2f}%)"
            if exported
            else f"kept the start model ({chosen['cer']:.2f}%)"
        ),
    )
