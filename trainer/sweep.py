"""Hyperparameter sweeps: a grid of training runs in parallel, ranked by eval CER.

Each run is a separate `tesskit train` process (lstmtraining is single-threaded here, so
processes are what use the cores); the content-addressed lstmf cache is filled once
before the pool starts, so runs never redo or race on data preparation.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from trainer import dataset, lstmf, rundir
from trainer.atomic import copy_atomic, write_json_atomic
from trainer.manifest import MANIFEST, read_manifest
from trainer.names import sweep_run_name
from trainer.tools import TesskitError, resolve_tessdata
from trainer.train import TrainConfig, find_start_model

#: Each run's settings, beside its log: `tesskit train --config` reads it.
RUN_CONFIG_SUFFIX = ".config.json"


@dataclass(frozen=True)
class SweepRun:
    name: str
    learning_rate: float
    max_iterations: int

    def config(self, base: TrainConfig) -> TrainConfig:
        """This run: the sweep's settings with its grid point, and one process (``run_sweep``
        makes the lstmf once for every run, so a run has no data preparation to share out)."""
        return replace(
            base,
            model_name=self.name,
            learning_rate=self.learning_rate,
            max_iterations=self.max_iterations,
            epochs=None,
            jobs=1,
            show_progress=False,
        )


def grid(model_name: str, learning_rates: list[float], iterations: list[int]) -> list[SweepRun]:
    """Every combination, always in the same order (shards rely on that order)."""
    return [
        SweepRun(sweep_run_name(model_name, lr, it), lr, it)
        for lr, it in itertools.product(learning_rates, iterations)
    ]


@dataclass(frozen=True)
class Shard:
    """Host ``index`` of ``count``: its part of the grid, the same on every host.

    Runs are dealt longest first, each to the host with the fewest iterations so far (ties:
    lowest index), so hosts finish at about the same time. Plain round-robin would not:
    the grid lists a learning rate's iteration counts together, so with two hosts and
    ``--max-iterations 1000,3000`` one host would get every long run. With equal
    iteration counts this is round-robin: run i goes to host i % count.
    """

    index: int
    count: int

    @classmethod
    def parse(cls, spec: str) -> Shard:
        index, sep, count = spec.partition("/")
        if sep and index.strip().isdigit() and count.strip().isdigit():
            shard = cls(int(index), int(count))
            if shard.index < shard.count:
                return shard
        raise TesskitError(
            f"--shard {spec!r} is not K/N with 0 <= K < N",
            "e.g. --shard 0/2 and --shard 1/2 split a sweep over two hosts",
        )

    def select(self, runs: list[SweepRun]) -> list[SweepRun]:
        load = [0] * self.count
        mine: list[int] = []
        for i in sorted(range(len(runs)), key=lambda i: (-runs[i].max_iterations, i)):
            host = min(range(self.count), key=lambda h: (load[h], h))
            load[host] += runs[i].max_iterations
            if host == self.index:
                mine.append(i)
        return [runs[i] for i in sorted(mine)]

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def _run_one(run: SweepRun, base: TrainConfig) -> dict[str, Any]:
    """One `tesskit train --config RUN.config.json` process: the file also lets the user
    re-run (or resume) this one run by hand with the same settings."""
    output_dir = base.output_dir
    config_file = output_dir / f"{run.name}{RUN_CONFIG_SUFFIX}"
    write_json_atomic(config_file, run.config(base).settings())
    log = output_dir / f"{run.name}.sweep.log"
    with log.open("w") as fh:
        code = subprocess.call(
            [sys.executable, "-m", "trainer.cli", "train", "--config", str(config_file)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "120"},
        )
    manifest = read_manifest(output_dir / run.name)
    # A run that failed this time may have left the manifest and model of an earlier
    # attempt: only one that ended well now, with a finished manifest, is ranked.
    finished = code == 0 and manifest.get("status") == "finished"
    # What the run handed back: a checkpoint, or its START_MODEL when none beat it.
    best = (manifest.get("chosen") or manifest.get("best_checkpoint") or {}) if finished else {}
    return {
        "name": run.name,
        "learning_rate": run.learning_rate,
        "max_iterations": run.max_iterations,
        "exit_code": code,
        "eval_cer": best.get("cer"),
        "eval_wer": best.get("wer"),
        "model": str(output_dir / run.name / f"{run.name}.traineddata"),
        "log": str(log),
        "config": str(config_file),
        "files": files_to_bring_back(run.name, finished),
    }


def files_to_bring_back(name: str, finished: bool) -> list[str]:
    """What a host's run hands back to ``tesskit sweep --inventory`` (paths relative to the
    sweep's output dir; playbooks/sweep.yml fetches exactly these): every run's log, and a
    finished run's models, manifest, evals and run-dir marker."""
    if not finished:
        return [f"{name}.sweep.log"]
    run_files = [f"{name}.traineddata", f"{name}_fast.traineddata", MANIFEST, "evals.json"]
    return [f"{name}.sweep.log", *(f"{name}/{file}" for file in [*run_files, rundir.RUN_MARKER])]


def run_sweep(runs: list[SweepRun], base: TrainConfig, jobs: int) -> list[dict[str, Any]]:
    """Run the grid ``jobs`` at a time, each run with ``base``'s settings and its own grid
    point; returns results sorted best (lowest eval CER) first."""
    tessdata_dir = resolve_tessdata(base.tessdata)
    # Checked once here, not failed once per run.
    find_start_model(base.start_model, tessdata_dir)
    base.output_dir.mkdir(parents=True, exist_ok=True)
    samples, _, _ = dataset.discover(base.data_dir)
    lstmf.build_lstmf(
        samples,
        rundir.cache_dir(base.output_dir, "lstmf"),
        tessdata_dir,
        base.psm,
        jobs,
        lang=base.start_model,
    )
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda run: _run_one(run, base), runs))
    results = rank(results)
    write_json_atomic(base.output_dir / "sweep.json", results)
    return results


def rank(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best (lowest eval CER) first, failed runs last."""
    return sorted(results, key=lambda r: (r["eval_cer"] is None, r["eval_cer"] or 0.0))


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
    # Runs from a multi-host sweep say where they trained.
    labels = [f"{r['name']} @ {r['host']}" if r.get("host") else r["name"] for r in done]
    fig, ax = plt.subplots(figsize=(8, 0.5 * len(done) + 1.5), dpi=110)
    ax.barh(labels[::-1], [r["eval_cer"] for r in done][::-1], color="tab:orange")
    ax.set_xlabel("best eval CER (%)")
    ax.set_title("sweep: runs ranked by eval CER")
    fig.tight_layout()
    fig.savefig(dest)
    plt.close(fig)
    return dest
