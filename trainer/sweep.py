"""Hyperparameter sweeps: a grid of training runs in parallel, ranked by eval CER.

Each run is a separate `tesskit train` process (lstmtraining is single-threaded here, so
processes are what use the cores); the content-addressed lstmf cache is filled once
before the pool starts, so runs never redo or race on data preparation.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import dataset, lstmf
from trainer.manifest import copy_atomic, write_json_atomic
from trainer.tools import TesskitError, resolve_tessdata


@dataclass(frozen=True)
class SweepRun:
    name: str
    learning_rate: float
    max_iterations: int

    def args(self) -> list[str]:
        return [
            "--model-name",
            self.name,
            "--learning-rate",
            str(self.learning_rate),
            "--max-iterations",
            str(self.max_iterations),
        ]


def grid(model_name: str, learning_rates: list[float], iterations: list[int]) -> list[SweepRun]:
    return [
        SweepRun(f"{model_name}_lr{lr:g}_it{it}", lr, it)
        for lr, it in itertools.product(learning_rates, iterations)
    ]


def _run_one(run: SweepRun, common: list[str], output_dir: Path) -> dict[str, Any]:
    log = output_dir / f"{run.name}.sweep.log"
    with log.open("w") as fh:
        code = subprocess.call(
            [sys.executable, "-m", "trainer.cli", "train", *run.args(), *common, "--no-progress"],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "120"},
        )
    manifest_path = output_dir / run.name / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    best = manifest.get("best_checkpoint") or {}
    return {
        "name": run.name,
        "learning_rate": run.learning_rate,
        "max_iterations": run.max_iterations,
        "exit_code": code,
        "eval_cer": best.get("cer"),
        "eval_wer": best.get("wer"),
        "model": str(output_dir / run.name / f"{run.name}.traineddata"),
        "log": str(log),
    }


def run_sweep(
    runs: list[SweepRun],
    common: list[str],
    data_dir: Path,
    output_dir: Path,
    tessdata: Path | None,
    psm: int,
    jobs: int,
    lang: str | None,
) -> list[dict[str, Any]]:
    """Run the grid ``jobs`` at a time; returns results sorted best (lowest eval CER) first."""
    output_dir.mkdir(parents=True, exist_ok=True)
    samples, _, _ = dataset.discover(data_dir)
    lstmf.build_lstmf(
        samples,
        output_dir.resolve() / ".cache" / "lstmf",
        resolve_tessdata(tessdata),
        psm,
        jobs,
        lang=lang,
    )
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda r: _run_one(r, common, output_dir), runs))
    results.sort(key=lambda r: (r["eval_cer"] is None, r["eval_cer"] or 0.0))
    write_json_atomic(output_dir / "sweep.json", results)
    return results


def keep_best(results: list[dict[str, Any]], dest: Path) -> Path:
    """Copy the winner to ``dest`` atomically (a failed sweep never replaces a good model)."""
    finished = [r for r in results if r["eval_cer"] is not None and Path(r["model"]).is_file()]
    if not finished:
        raise TesskitError("no run of the sweep finished", "see the *.sweep.log files")
    return copy_atomic(Path(finished[0]["model"]), dest)


def plot_sweep(results: list[dict[str, Any]], dest: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    done = [r for r in results if r["eval_cer"] is not None]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(done) + 1.5), dpi=110)
    ax.barh(
        [r["name"] for r in done][::-1], [r["eval_cer"] for r in done][::-1], color="tab:orange"
    )
    ax.set_xlabel("best eval CER (%)")
    ax.set_title("sweep: runs ranked by eval CER")
    fig.tight_layout()
    fig.savefig(dest)
    plt.close(fig)
    return dest
