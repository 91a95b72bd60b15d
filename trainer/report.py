"""Reports: report.md + report.json, and the training plot (train BCER, eval CER, chosen)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trainer.evaluate import Scores
from trainer.manifest import read_manifest, write_json_atomic


def scores_table_md(scores: Sequence[Scores]) -> str:
    rows = ["| model | CER % | WER % | lines | chars |", "|---|---:|---:|---:|---:|"]
    rows += [
        f"| {s.model} | {s.cer:.2f} | {s.wer:.2f} | {len(s.lines)} | {s.chars} |" for s in scores
    ]
    return "\n".join(rows)


def write_report(
    out_dir: Path, scores: Sequence[Scores], worst: int = 10, plot: Path | None = None
) -> tuple[Path, Path]:
    """Write report.md and report.json into ``out_dir``; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    md = ["# tesskit evaluation", "", scores_table_md(scores), ""]
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


def plot_training(
    run_dir: Path, dest: Path, baseline: tuple[str, float] | None = None
) -> Path | None:
    """Train BCER per progress line and eval CER per checkpoint, the exported one marked;
    ``baseline`` (label, CER %) drawn as a horizontal line, e.g. the start model's CER."""
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
    chosen = read_manifest(run_dir).get("best_checkpoint") or {}
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=110)
    if progress:
        ax.plot(
            [p["training_iteration"] for p in progress],
            [p["bcer_train"] for p in progress],
            label="train BCER (lstmtraining)",
            color="tab:blue",
        )
    if evals:
        ax.plot(
            [e["iteration"] for e in evals],
            [e["cer"] for e in evals],
            "o-",
            label="eval CER per checkpoint (lstmeval)",
            color="tab:orange",
        )
    if chosen:
        ax.plot(
            [chosen["iteration"]],
            [chosen["cer"]],
            marker="*",
            markersize=16,
            color="tab:red",
            linestyle="none",
            label=f"exported: {chosen['checkpoint']} ({chosen['cer']:.2f}%)",
        )
    if baseline:
        label, cer = baseline
        ax.axhline(cer, color="tab:gray", linestyle="--", label=f"{label}: {cer:.2f}%")
    ax.set_xlabel("training iteration")
    ax.set_ylabel("character error rate (%)")
    ax.set_title(f"{run_dir.name}: training curves")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    dest.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(dest)
    plt.close(fig)
    return dest
