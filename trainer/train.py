"""Fine-tuning / training with lstmtraining: data prep, live progress, checkpoint evaluation,
best-checkpoint export and resume.

Resume works because lstmtraining itself reloads ``<model_output>_checkpoint`` when it
exists; tesskit keeps everything else (lists, starter, lstmf cache) content-addressed or
deterministic, so re-running the same command picks up where it stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Column

from trainer import dataset, lstmf, progress, rundir, starter
from trainer.export import export_model
from trainer.manifest import read_manifest, sha256_file, update_manifest, write_json_atomic
from trainer.names import validate_model_name
from trainer.report import plot_training
from trainer.tools import (
    TesskitError,
    find_tool,
    require_float_model,
    resolve_tessdata,
    run,
    tesseract_version,
    tool_env,
)

FINE_TUNE_LEARNING_RATE = 0.0001
SCRATCH_LEARNING_RATE = 0.002
#: Settings that make an existing checkpoint incompatible with the requested run.
RESUME_KEYS = ("start_model", "net_spec", "psm", "ratio_train", "seed", "dataset_hash")
GENERATED = (
    "lists",
    "starter",
    "checkpoints",
    "logs",
    "report",
    "evals.json",
    "progress.json",
    "manifest.json",
)


@dataclass
class TrainConfig:
    """One training run; names follow tesstrain's variables (MODEL_NAME -> model_name...)."""

    model_name: str
    data_dir: Path
    start_model: str | None = None
    tessdata: Path | None = None
    output_dir: Path = Path("runs")
    max_iterations: int = 10000
    epochs: int | None = None
    learning_rate: float | None = None
    psm: int = 13
    ratio_train: float = 0.9
    target_error_rate: float = 0.01
    net_spec: str = starter.DEFAULT_NET_SPEC
    seed: int = 0
    jobs: int | None = None
    langdata: Path | None = None
    fresh: bool = False
    show_progress: bool = True
    box_format: str = "line"  # for lines without their own NAME.box (see trainer.boxes)

    @property
    def run_dir(self) -> Path:
        return (self.output_dir / self.model_name).resolve()

    def effective_learning_rate(self) -> float:
        if self.learning_rate is not None:
            return self.learning_rate
        return FINE_TUNE_LEARNING_RATE if self.start_model else SCRATCH_LEARNING_RATE


@dataclass
class TrainResult:
    run_dir: Path
    model: Path
    fast_model: Path
    best_checkpoint: Path
    best_eval_cer: float
    evals: list[dict[str, Any]] = field(default_factory=list)
    iterations: int = 0
    resumed_from: int = 0
    #: Nothing was trained: the same run had finished before and was left untouched.
    already_finished: bool = False


def _prepare_run_dir(config: TrainConfig, settings: dict[str, Any]) -> int:
    """Create/validate the run dir; returns the iteration an existing checkpoint is at (or 0)."""
    run_dir = config.run_dir
    rundir.claim(run_dir, config.data_dir)
    previous = read_manifest(run_dir)
    if config.fresh:
        rundir.remove(run_dir, GENERATED)
        previous = {}
    checkpoint = run_dir / "checkpoints" / f"{config.model_name}_checkpoint"
    if previous and checkpoint.exists():
        changed = [k for k in RESUME_KEYS if previous.get("settings", {}).get(k) != settings[k]]
        if changed:
            raise TesskitError(
                f"{run_dir} holds a run with different {', '.join(changed)}; it cannot resume",
                "add --fresh to start over (ground truth is untouched), or use another "
                "--model-name",
            )
        records = previous.get("last_progress") or {}
        return int(records.get("training_iteration", 0)) or 1
    for sub in ("lists", "starter", "checkpoints", "logs"):
        (run_dir / sub).mkdir(parents=True, exist_ok=True)
    return 0


def _already_finished(
    config: TrainConfig, settings: dict[str, Any], max_iterations: int
) -> TrainResult | None:
    """The recorded result when this exact run finished before (its manifest stays as is)."""
    manifest = read_manifest(config.run_dir)
    models = [config.run_dir / name for name in manifest.get("models", {})]
    finished = (
        manifest.get("status") == "finished"
        and manifest.get("settings") == settings
        and manifest.get("max_iterations") == max_iterations
        and len(models) == 2
        and all(m.is_file() and sha256_file(m) == manifest["models"][m.name] for m in models)
    )
    if not finished:
        return None
    best = manifest["best_checkpoint"]
    evals_path = config.run_dir / "evals.json"
    return TrainResult(
        run_dir=config.run_dir,
        model=config.run_dir / f"{config.model_name}.traineddata",
        fast_model=config.run_dir / f"{config.model_name}_fast.traineddata",
        best_checkpoint=config.run_dir / "checkpoints" / best["checkpoint"],
        best_eval_cer=best["cer"],
        evals=json.loads(evals_path.read_text()) if evals_path.is_file() else [],
        iterations=int(manifest.get("iterations", 0)),
        already_finished=True,
    )


def _planned_iterations(config: TrainConfig, train_lines: int) -> int:
    return config.epochs * train_lines if config.epochs else config.max_iterations


def _progress_bar(console: Console, enabled: bool) -> Progress:
    # Unwrapped columns: at 80 columns the stats text gives way, never the times.
    return Progress(
        TextColumn("[bold]{task.description}", table_column=Column(no_wrap=True)),
        BarColumn(bar_width=20),
        MofNCompleteColumn(table_column=Column(no_wrap=True)),
        TextColumn("{task.fields[stats]}", table_column=Column(no_wrap=True, overflow="ellipsis")),
        TimeElapsedColumn(table_column=Column(no_wrap=True)),
        TimeRemainingColumn(table_column=Column(no_wrap=True)),
        console=console,
        disable=not enabled,
        transient=False,
    )


def _stream_lstmtraining(
    args: list[str],
    config: TrainConfig,
    tessdata: Path,
    max_iterations: int,
    console: Console,
    start_iteration: int,
) -> list[dict[str, Any]]:
    """Run lstmtraining, tee its output to the log, parse progress into progress.json."""
    run_dir = config.run_dir
    log_path = run_dir / "logs" / "lstmtraining.log"
    progress_path = run_dir / "progress.json"
    records: list[dict[str, Any]] = (
        json.loads(progress_path.read_text()) if progress_path.is_file() else []
    )
    best = min((r["bcer_train"] for r in records), default=None)
    with _progress_bar(console, config.show_progress) as bar, log_path.open("a") as log:
        task = bar.add_task("training", total=max_iterations, completed=start_iteration, stats="")
        log.write(f"\n# {time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(args)}\n")
        proc = subprocess.Popen(
            args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            env=tool_env(tessdata),
            cwd=run_dir,
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                log.write(line)
                record = progress.parse_iteration(line)
                if record is None:
                    continue
                records.append(record.to_dict())
                best = record.bcer_train if best is None else min(best, record.bcer_train)
                write_json_atomic(progress_path, records)
                update_manifest(run_dir, last_progress=record.to_dict())
                bar.update(
                    task,
                    completed=record.training_iteration,
                    # Training-set rates: checkpoints are chosen later, by eval CER.
                    stats=f"train BCER {record.bcer_train:.2f}% (lowest {best:.2f}%) "
                    f"BWER {record.bwer_train:.2f}%",
                )
            returncode = proc.wait()
        except BaseException:
            # Ctrl-C: let lstmtraining die with the checkpoint it already wrote.
            proc.terminate()
            proc.wait(timeout=30)
            raise
    if returncode != 0:
        tail = "".join(log_path.read_text(errors="replace").splitlines(keepends=True)[-15:])
        raise TesskitError(
            f"lstmtraining failed with exit code {returncode}:\n{tail}", f"full log: {log_path}"
        )
    return records


def _checkpoint_iteration(path: Path) -> int:
    # MODEL_<bcer>_<learning_iteration>_<training_iteration>.checkpoint
    try:
        return int(path.stem.rsplit("_", 1)[1])
    except (IndexError, ValueError):
        return -1


def evaluate_checkpoints(
    config: TrainConfig,
    starter_traineddata: Path,
    eval_list: Path,
    tessdata: Path,
    last_iteration: int,
) -> list[dict[str, Any]]:
    """lstmeval every checkpoint on the eval split; cached in evals.json by checkpoint sha."""
    ckpt_dir = config.run_dir / "checkpoints"
    last = ckpt_dir / f"{config.model_name}_checkpoint"
    candidates = sorted(ckpt_dir.glob(f"{config.model_name}_*.checkpoint"))
    # The final checkpoint is usually also saved as MODEL_<bcer>_<li>_<ti>.checkpoint.
    if last.is_file() and all(_checkpoint_iteration(c) != last_iteration for c in candidates):
        candidates.append(last)
    evals_path = config.run_dir / "evals.json"
    known = (
        {e["sha256"]: e for e in json.loads(evals_path.read_text())} if evals_path.is_file() else {}
    )

    def one(path: Path) -> dict[str, Any]:
        digest = sha256_file(path)
        if digest in known:
            return known[digest]
        proc = run(
            [
                find_tool("lstmeval"),
                "--model",
                path,
                "--traineddata",
                starter_traineddata,
                "--eval_listfile",
                eval_list,
            ],
            env=tool_env(tessdata),
            timeout=3600,
        )
        scores = progress.parse_eval(proc.stdout + proc.stderr)
        if scores is None:
            raise TesskitError(f"lstmeval printed no BCER for {path}")
        iteration = last_iteration if path == last else _checkpoint_iteration(path)
        return {
            "checkpoint": path.name,
            "iteration": iteration,
            "cer": scores[0],
            "wer": scores[1],
            "sha256": digest,
        }

    with ThreadPoolExecutor(max_workers=config.jobs or os.cpu_count() or 1) as pool:
        evals = list(pool.map(one, candidates))
    evals.sort(key=lambda e: e["iteration"])
    write_json_atomic(evals_path, evals)
    return evals


def find_start_model(start_model: str | None, tessdata: Path) -> Path | None:
    """START_MODEL's traineddata, checked to be a float model (None: from scratch)."""
    if not start_model:
        return None
    path = tessdata / f"{start_model}.traineddata"
    if not path.is_file():
        raise TesskitError(
            f"START_MODEL {start_model}: {path} not found",
            "install the tessdata_best model (playbook role tessdata) or pass --tessdata",
        )
    require_float_model(path)
    return path


def _config_record(config: TrainConfig) -> dict[str, Any]:
    """The config as JSON values (paths as strings); no from-scratch network for a fine-tune."""
    record = {k: str(v) if isinstance(v, Path) else v for k, v in asdict(config).items()}
    if config.start_model:
        record["net_spec"] = None
    return record


def run_training(config: TrainConfig, console: Console | None = None) -> TrainResult:
    validate_model_name(config.model_name)
    console = console or Console(stderr=True)
    started = time.monotonic()
    timings: dict[str, float] = {}
    tessdata = resolve_tessdata(config.tessdata)
    samples, lonely_images, lonely_gts = dataset.discover(config.data_dir)
    report = dataset.validate(samples, lonely_images, lonely_gts)
    if report.errors:
        raise TesskitError(
            f"{len(report.errors)} problems in {config.data_dir}:\n  "
            + "\n  ".join(str(i) for i in report.errors[:15]),
            f"run `tesskit dataset check {config.data_dir}` for the full table",
        )
    if len(samples) < 2:
        raise TesskitError(
            f"{config.data_dir} has {len(samples)} usable lines; need at least 2",
            "add NAME.png + NAME.gt.txt pairs",
        )
    start_path = find_start_model(config.start_model, tessdata)
    langdata = starter.resolve_langdata(config.langdata, tessdata)
    settings = {
        "start_model": config.start_model or "",
        "net_spec": "" if config.start_model else config.net_spec,
        "psm": config.psm,
        "ratio_train": config.ratio_train,
        "seed": config.seed,
        "dataset_hash": dataset.dataset_hash(samples),
        "learning_rate": config.effective_learning_rate(),
        "target_error_rate": config.target_error_rate,
        "box_format": config.box_format,
    }
    resumed_from = _prepare_run_dir(config, settings)
    run_dir = config.run_dir
    train_lines = len(dataset.split(samples, config.ratio_train, config.seed)[0])
    done_before = (
        None
        if config.fresh
        else _already_finished(config, settings, _planned_iterations(config, train_lines))
    )
    if done_before is not None:
        return done_before
    update_manifest(
        run_dir,
        model_name=config.model_name,
        status="preparing",
        settings=settings,
        config=_config_record(config),
        tesseract_version=tesseract_version(),
        tessdata=str(tessdata),
        start_model_path=str(start_path) if start_path else None,
        start_model_sha256=sha256_file(start_path) if start_path else None,
        data_dir=str(config.data_dir.resolve()),
        lines=len(samples),
    )

    t0 = time.monotonic()
    with _progress_bar(console, config.show_progress) as bar:
        task = bar.add_task("lstmf", total=len(samples), stats="")
        lstmf_paths = lstmf.build_lstmf(
            samples,
            config.output_dir.resolve() / ".cache" / "lstmf",
            tessdata,
            config.psm,
            config.jobs,
            lang=config.start_model or None,
            on_progress=lambda done, total: bar.update(task, completed=done),
            box_format=config.box_format,
        )
    timings["lstmf_s"] = round(time.monotonic() - t0, 2)

    train_samples, eval_samples = dataset.split(samples, config.ratio_train, config.seed)
    lists = run_dir / "lists"
    train_list, eval_list = lists / "train.txt", lists / "eval.txt"
    train_list.write_text("".join(f"{lstmf_paths[s.name]}\n" for s in train_samples))
    eval_list.write_text("".join(f"{lstmf_paths[s.name]}\n" for s in eval_samples))

    t0 = time.monotonic()
    files = starter.build_starter(
        run_dir / "starter", config.model_name, samples, start_path, langdata, tessdata
    )
    timings["starter_s"] = round(time.monotonic() - t0, 2)

    max_iterations = _planned_iterations(config, len(train_samples))
    model_output = run_dir / "checkpoints" / config.model_name
    args = [
        str(find_tool("lstmtraining")),
        "--traineddata",
        str(files.traineddata),
        "--model_output",
        str(model_output),
        "--learning_rate",
        str(config.effective_learning_rate()),
        "--train_listfile",
        str(train_list),
        "--eval_listfile",
        str(eval_list),
        "--max_iterations",
        str(max_iterations),
        "--target_error_rate",
        str(config.target_error_rate),
    ]
    if files.start_lstm is not None:
        args += ["--continue_from", str(files.start_lstm), "--old_traineddata", str(start_path)]
        # Continuing from a model, lstmtraining keeps that model's own learning rates unless
        # told to reset them: without this an explicit --learning-rate (every sweep run's)
        # would change nothing. The default stays the start model's rates, as in tesstrain.
        if config.learning_rate is not None:
            args.append("--reset_learning_rate")
    else:
        args += ["--net_spec", starter.net_spec_for(config.net_spec, files.unicharset)]
    update_manifest(
        run_dir,
        status="training",
        max_iterations=max_iterations,
        split={"train": len(train_samples), "eval": len(eval_samples)},
    )
    t0 = time.monotonic()
    try:
        records = _stream_lstmtraining(
            args, config, tessdata, max_iterations, console, resumed_from
        )
    except KeyboardInterrupt:
        update_manifest(run_dir, status="interrupted")
        raise
    timings["lstmtraining_s"] = round(time.monotonic() - t0, 2)
    last_iteration = records[-1]["training_iteration"] if records else max_iterations

    t0 = time.monotonic()
    evals = evaluate_checkpoints(config, files.traineddata, eval_list, tessdata, last_iteration)
    if not evals:
        raise TesskitError(f"lstmtraining wrote no checkpoint in {run_dir / 'checkpoints'}")
    best = min(evals, key=lambda e: (e["cer"], -e["iteration"]))
    timings["eval_s"] = round(time.monotonic() - t0, 2)

    best_ckpt = run_dir / "checkpoints" / best["checkpoint"]
    model = export_model(
        best_ckpt, files.traineddata, run_dir / f"{config.model_name}.traineddata", tessdata, False
    )
    fast = export_model(
        best_ckpt,
        files.traineddata,
        run_dir / f"{config.model_name}_fast.traineddata",
        tessdata,
        True,
    )
    plot_training(run_dir, run_dir / "report" / "training.png")
    timings["total_s"] = round(time.monotonic() - started, 2)
    update_manifest(
        run_dir,
        status="finished",
        timings=timings,
        iterations=last_iteration,
        best_checkpoint=best,
        resumed_from=resumed_from,
        models={p.name: sha256_file(p) for p in (model, fast)},
    )
    return TrainResult(
        run_dir, model, fast, best_ckpt, best["cer"], evals, last_iteration, resumed_from
    )
