"""A training run: ``run_training`` runs the pipeline's stages in order, with resume.

The stages: checked inputs, the run dir, lines split and made into lstmf, the starter
traineddata, START_MODEL's score, lstmtraining with live progress, the checkpoint chosen
(trainer.select) and exported (trainer.export), the report (trainer.report).

Resume works because lstmtraining itself reloads ``<model_output>_checkpoint`` when it
exists; tesskit keeps everything else (lists, starter, lstmf cache) content-addressed or
deterministic, so re-running the same command picks up where it stopped.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from rich.console import Console

from trainer import (
    augment,
    dataset,
    dictionaries,
    lstmf,
    netspec,
    progress,
    rundir,
    scripts,
    select,
    starter,
)
from trainer.atomic import sha256_file, write_json_atomic
from trainer.evaluate import Scores
from trainer.export import export_pair, keep_start_model
from trainer.manifest import MANIFEST, read_manifest, update_manifest
from trainer.names import validate_model_name
from trainer.report import write_train_report
from trainer.tools import (
    TesskitError,
    find_tool,
    require_float_model,
    resolve_tessdata,
    tesseract_version,
    tool_env,
)

#: Fine-tuning rate, replacing the start model's own. On 40 lines of book 1505 (fra 25.5 % CER
#: on 60 unseen lines): 0.0001 -> 17.6 % after 1000 iterations, 0.001 -> 8.5 %, 0.002 -> 7.9 %
#: already after 600 (bench/quality.py and the commit log have the rest).
FINE_TUNE_LEARNING_RATE = 0.002
#: Lines START_MODEL misreads this much (CER % on the eval lines) are far from what it learnt,
#: handwriting for a print model: fra reads two WWI hands at 65-77 % CER, early printed books
#: at 12-33 %. They get FAR_LEARNING_RATE: the weights have further to go in the same
#: iterations (at 0.002 the training error was still 22 % at the end). On 40 lines of both
#: hands, 3 seeds each, held-out CER fell in 5 of 6 runs, by 2.4 points on average
#: (1.37x -> 1.42x and 1.50x -> 1.60x; bench/quality.py).
FAR_FROM_START_CER = 50.0
FAR_LEARNING_RATE = 0.004
#: Fine-tuning iterations unless given: this many per training line, within the bounds below.
FINE_TUNE_ITERATIONS_PER_LINE = 25
FINE_TUNE_ITERATIONS = (1000, 10000)
SCRATCH_ITERATIONS = 10000
#: Augmented copies per training line unless --augment is given: AUGMENT_SMALL for sets of
#: fewer than SMALL_SET_LINES lines, none for larger ones (they vary enough by themselves).
AUGMENT_SMALL = 2
SMALL_SET_LINES = 100
SCRATCH_LEARNING_RATE = 0.002
#: Settings that make an existing checkpoint incompatible with the requested run.
RESUME_KEYS = (
    "start_model",
    "net_spec",
    "psm",
    "ratio_train",
    "seed",
    "dataset_hash",
    "eval_hash",
    "augment",
    "lang_type",
    "append_index",
)
#: Settings of runs recorded before the key existed (they trained this way).
RECORDED_BEFORE = {"lang_type": "latin"}
#: With a split, at least this many eval lines (but never more than a quarter of the data):
#: the model handed back is chosen on them, and 2-4 lines make that choice a coin toss.
MIN_EVAL_LINES = 8
GENERATED = (
    "lists",
    "starter",
    "checkpoints",
    "logs",
    "report",
    "evals.json",
    "progress.json",
    MANIFEST,
)


@dataclass
class TrainConfig:
    """One training run; names follow tesstrain's variables (MODEL_NAME -> model_name...)."""

    model_name: str
    data_dir: Path
    start_model: str | None = None
    tessdata: Path | None = None
    output_dir: Path = Path("runs")
    max_iterations: int | None = None
    epochs: int | None = None
    learning_rate: float | None = None
    psm: int = dataset.LINE_PSM
    ratio_train: float = 0.9
    target_error_rate: float = 0.01
    net_spec: str = starter.DEFAULT_NET_SPEC
    seed: int = 0
    jobs: int | None = None
    langdata: Path | None = None
    fresh: bool = False
    show_progress: bool = True
    box_format: str = "line"  # for lines without their own NAME.box (see trainer.boxes)
    eval_data: Path | None = None
    augment: int | None = None
    dictionaries: dictionaries.UserLists = field(default_factory=dictionaries.UserLists)
    #: latin, rtl or indic (trainer.scripts); None: detected from the ground truth's scripts.
    lang_type: str | None = None
    #: Layer training: keep the start model's layers 0..N, put net_spec on top.
    append_index: int | None = None

    @property
    def run_dir(self) -> Path:
        return (self.output_dir / self.model_name).resolve()

    def settings(self) -> dict[str, Any]:
        """This run as a config file's table (``tesskit train --config``): the fields that
        are set, paths as strings; ``tesskit train`` reads it back as this config."""
        table: dict[str, Any] = {}
        for name, value in asdict(self).items():
            if isinstance(value, dict):  # the dictionaries' table
                value = {key: v for key, v in value.items() if v is not None}
            if value is not None:
                table[name] = _plain(value)
        return table

    def effective_iterations(self, trained_on: int, train_lines: int) -> int:
        """--epochs (over lines and augmented copies), else --max-iterations, else a default
        that grows with the recorded lines (copies add variety, not time)."""
        if self.epochs:
            return self.epochs * trained_on
        if self.max_iterations:
            return self.max_iterations
        if not self.start_model:
            return SCRATCH_ITERATIONS
        low, high = FINE_TUNE_ITERATIONS
        return min(high, max(low, FINE_TUNE_ITERATIONS_PER_LINE * train_lines))

    def effective_augment(self, lines: int) -> int:
        if self.augment is not None:
            return self.augment
        return AUGMENT_SMALL if lines < SMALL_SET_LINES else 0

    def effective_learning_rate(self, start_cer: float | None = None) -> float:
        """The given rate, else one for the run's kind; ``start_cer``: START_MODEL's CER on
        the eval lines (None before it is known or from scratch)."""
        if self.learning_rate is not None:
            return self.learning_rate
        if not self.start_model:
            return SCRATCH_LEARNING_RATE
        if start_cer is not None and start_cer > FAR_FROM_START_CER:
            return FAR_LEARNING_RATE
        return FINE_TUNE_LEARNING_RATE


def _plain(value: Any) -> Any:
    """A setting as JSON / TOML hold it: paths as strings, tables and scalars as they are."""
    if isinstance(value, dict):
        return {key: _plain(v) for key, v in value.items()}
    return str(value) if isinstance(value, Path) else value


@dataclass
class TrainResult:
    run_dir: Path
    model: Path
    fast_model: Path
    #: None when no checkpoint beat the start model and the start model was kept.
    best_checkpoint: Path | None
    best_eval_cer: float
    evals: list[dict[str, Any]] = field(default_factory=list)
    iterations: int = 0
    resumed_from: int = 0
    #: Nothing was trained: the same run had finished before and was left untouched.
    already_finished: bool = False
    start_eval_cer: float | None = None
    eval_lines: int = 0
    verdict: str = ""


class SettingsChanged(TesskitError):
    """The run folder holds a run made with other settings: it can only start over."""


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
        recorded = {**RECORDED_BEFORE, **previous.get("settings", {})}
        changed = [k for k in RESUME_KEYS if recorded.get(k) != settings[k]]
        if changed:
            raise SettingsChanged(
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
    config: TrainConfig,
    settings: dict[str, Any],
    samples: list[dataset.Sample],
    given_eval: list[dataset.Sample] | None,
) -> TrainResult | None:
    """The recorded result when this exact run finished before (its manifest stays as is)."""
    train = split_lines(samples, given_eval, config.ratio_train, config.seed)[0]
    copies = config.effective_augment(len(samples))
    max_iterations = config.effective_iterations(len(train) * (1 + copies), len(train))
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
    chosen = manifest["chosen"]
    evals_path = config.run_dir / "evals.json"
    start = manifest.get("start_model_eval") or {}
    return TrainResult(
        run_dir=config.run_dir,
        model=config.run_dir / f"{config.model_name}.traineddata",
        fast_model=config.run_dir / f"{config.model_name}_fast.traineddata",
        best_checkpoint=(
            config.run_dir / "checkpoints" / chosen["checkpoint"]
            if chosen.get("model") == "checkpoint"
            else None
        ),
        best_eval_cer=chosen["cer"],
        evals=json.loads(evals_path.read_text()) if evals_path.is_file() else [],
        iterations=int(manifest.get("iterations", 0)),
        already_finished=True,
        start_eval_cer=start.get("cer"),
        eval_lines=int(manifest.get("split", {}).get("eval", 0)),
        verdict=manifest.get("verdict", ""),
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
    with progress.progress_bar(console, config.show_progress) as bar, log_path.open("a") as log:
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
    """The config as a `tesskit train --config` table; no from-scratch network for a fine-tune."""
    record = config.settings()
    if config.start_model and config.append_index is None:
        record.pop("net_spec", None)
    return record


def load_samples(data_dir: Path) -> list[dataset.Sample]:
    """The valid line pairs of ``data_dir``; any error stops the run before anything is written."""
    samples, lonely_images, lonely_gts = dataset.discover(data_dir)
    report = dataset.validate(samples, lonely_images, lonely_gts)
    if report.errors:
        raise TesskitError(
            f"{len(report.errors)} problems in {data_dir}:\n  "
            + "\n  ".join(str(i) for i in report.errors[:15]),
            f"run `tesskit dataset check {data_dir}` for the full table",
        )
    return samples


def split_lines(
    samples: list[dataset.Sample],
    eval_samples: list[dataset.Sample] | None,
    ratio_train: float,
    seed: int,
) -> tuple[list[dataset.Sample], list[dataset.Sample]]:
    """(train, eval): all lines and ``eval_samples`` when given, else a seeded split that
    keeps at least MIN_EVAL_LINES for eval (never more than a quarter of the lines)."""
    if eval_samples is not None:
        return list(samples), list(eval_samples)
    train, held = dataset.split(samples, ratio_train, seed)
    wanted = min(MIN_EVAL_LINES, len(samples) // 4)
    if len(held) < wanted:
        train, held = dataset.split(samples, 1 - wanted / len(samples), seed)
    return train, held


def _check_eval_dir(config: TrainConfig) -> None:
    if config.eval_data is None:
        return
    data, held = config.data_dir.resolve(), config.eval_data.resolve()
    if not held.is_dir():
        raise TesskitError(f"eval folder {held} does not exist", "pass --eval-data DIR")
    if held == data or data in held.parents or held in data.parents:
        raise TesskitError(
            f"--eval-data {held} overlaps --data {data}: eval lines would be trained on",
            "keep the eval lines in a folder of their own, outside the training data",
        )


def _build_all_lstmf(
    config: TrainConfig,
    tessdata: Path,
    console: Console,
    groups: list[list[dataset.Sample]],
) -> list[list[Path]]:
    """lstmf of each group of samples (groups may reuse names: train and --eval-data)."""
    out: list[list[Path]] = []
    with progress.progress_bar(console, config.show_progress) as bar:
        task = bar.add_task("lstmf", total=sum(map(len, groups)), stats="")
        offset = 0
        for group in groups:
            paths = lstmf.build_lstmf(
                group,
                rundir.cache_dir(config.output_dir, "lstmf"),
                tessdata,
                config.psm,
                config.jobs,
                lang=config.start_model or None,
                on_progress=lambda done, _total, base=offset: bar.update(
                    task, completed=base + done
                ),
                box_format=config.box_format,
            )
            out.append([paths[s.name] for s in group])
            offset += len(group)
    return out


def _lstmtraining_args(
    config: TrainConfig,
    files: starter.StarterFiles,
    train_list: Path,
    eval_list: Path,
    max_iterations: int,
    learning_rate: float,
) -> list[str]:
    args = [
        str(find_tool("lstmtraining")),
        "--traineddata",
        str(files.traineddata),
        "--model_output",
        str(config.run_dir / "checkpoints" / config.model_name),
        "--learning_rate",
        str(learning_rate),
        "--train_listfile",
        str(train_list),
        "--eval_listfile",
        str(eval_list),
        "--max_iterations",
        str(max_iterations),
        "--target_error_rate",
        str(config.target_error_rate),
    ]
    if files.start_lstm is not None and config.append_index is not None:
        # Layer training: the top is new, so no --old_traineddata to map the output from.
        args += ["--continue_from", str(files.start_lstm), "--append_index"]
        args += [str(config.append_index), "--net_spec"]
        args += [starter.net_spec_for(config.net_spec, files.unicharset)]
    elif files.start_lstm is not None:
        args += ["--continue_from", str(files.start_lstm), "--old_traineddata"]
        # Without --reset_learning_rate lstmtraining keeps the start model's own stored
        # rates and ignores --learning_rate: the rate recorded in the manifest would be a lie.
        args += [str(files.start_traineddata), "--reset_learning_rate"]
    else:
        args += ["--net_spec", starter.net_spec_for(config.net_spec, files.unicharset)]
    return args


def _split_line(
    config: TrainConfig,
    train: list[dataset.Sample],
    trained_on: list[dataset.Sample],
    held: list[dataset.Sample],
) -> str:
    extra = (
        f" (+{len(trained_on) - len(train)} augmented copies)"
        if len(trained_on) > len(train)
        else ""
    )
    source = (
        f"from {config.eval_data}"
        if config.eval_data
        else f"held out of {config.data_dir} (--ratio-train {config.ratio_train}, but at "
        f"least {MIN_EVAL_LINES} or a quarter of the lines)"
    )
    return f"{len(train)} training lines{extra}; {len(held)} eval lines {source}"


def _settings(
    config: TrainConfig, samples: list[dataset.Sample], given_eval: list[dataset.Sample] | None
) -> dict[str, Any]:
    """What the run is, as recorded in the manifest (RESUME_KEYS of it must match to resume)."""
    layered = config.append_index is not None
    return {
        "start_model": config.start_model or "",
        "net_spec": config.net_spec if layered or not config.start_model else "",
        "psm": config.psm,
        "ratio_train": config.ratio_train,
        "seed": config.seed,
        "dataset_hash": dataset.dataset_hash(samples),
        "eval_hash": dataset.dataset_hash(given_eval) if given_eval else "",
        "augment": config.effective_augment(len(samples)),
        # None: chosen once START_MODEL is scored (the manifest's learning_rate says which).
        "learning_rate": config.learning_rate,
        "learning_rate_reset": bool(config.start_model) and not layered,
        "target_error_rate": config.target_error_rate,
        "box_format": config.box_format,
        "dictionaries": config.dictionaries.enabled,
        "lang_type": config.lang_type,
        "append_index": config.append_index,
    }


def _prepare_lines(
    config: TrainConfig,
    tessdata: Path,
    console: Console,
    samples: list[dataset.Sample],
    given_eval: list[dataset.Sample] | None,
) -> tuple[list[dataset.Sample], list[dataset.Sample], select.EvalSet]:
    """Split, augment the training side, make lstmf and the list files.

    Returns (training lines, training lines + augmented copies, the eval set)."""
    train_samples, eval_samples = split_lines(samples, given_eval, config.ratio_train, config.seed)
    # Augmented copies are made from training lines only: eval lines stay as recorded.
    trained_on = train_samples + augment.augmented_samples(
        train_samples,
        config.effective_augment(len(samples)),
        config.seed,
        rundir.cache_dir(config.output_dir, "augment"),
    )
    train_lstmf, eval_lstmf = _build_all_lstmf(
        config, tessdata, console, [trained_on, eval_samples]
    )
    console.print(_split_line(config, train_samples, trained_on, eval_samples))
    lists = config.run_dir / "lists"
    train_list, eval_list = lists / "train.txt", lists / "eval.txt"
    train_list.write_text("".join(f"{p}\n" for p in train_lstmf))
    eval_list.write_text("".join(f"{p}\n" for p in eval_lstmf))
    eval_set = select.EvalSet(eval_samples, eval_list, tessdata, config.psm, config.jobs)
    return train_samples, trained_on, eval_set


def run_training(config: TrainConfig, console: Console | None = None) -> TrainResult:
    """Run the pipeline's stages in order; a run that finished before is returned untouched."""
    validate_model_name(config.model_name)
    console = console or Console(stderr=True)
    times = StageTimes()
    inputs = _check_inputs(config, console)
    lang = inputs.lang
    config = replace(config, lang_type=lang.name, box_format=lang.box_format(config.box_format))
    settings = _settings(config, inputs.samples, inputs.given_eval)
    resumed_from = _prepare_run_dir(config, settings)
    done_before = (
        None
        if config.fresh
        else _already_finished(config, settings, inputs.samples, inputs.given_eval)
    )
    if done_before is not None:
        return done_before
    _record_inputs(config, inputs, settings)
    with times.stage("lstmf_s"):
        train_samples, trained_on, eval_set = _prepare_lines(
            config, inputs.tessdata, console, inputs.samples, inputs.given_eval
        )
    with times.stage("starter_s"):
        files = _build_starter(config, inputs)
    with times.stage("start_model_eval_s"):
        start_scores = _score_start_model(config, inputs.start_path, eval_set)
    max_iterations = config.effective_iterations(len(trained_on), len(train_samples))
    split = _split_record(train_samples, trained_on, eval_set.samples)
    rate = _learning_rate(config, start_scores, console)
    plan = TrainingPlan(max_iterations, rate)
    _record_plan(config, plan, split, files, start_scores)
    with times.stage("lstmtraining_s"):
        last_iteration = _train(
            config, files, eval_set, inputs.tessdata, plan, console, resumed_from
        )
    with times.stage("select_export_s"):
        choice = choose_and_export(
            config, files, eval_set, inputs.start_path, start_scores, last_iteration
        )
    update_manifest(
        config.run_dir,
        status="finished",
        timings=times.with_total(),
        iterations=last_iteration,
        resumed_from=resumed_from,
        models={p.name: sha256_file(p) for p in (choice.model, choice.fast)},
    )
    return TrainResult(
        run_dir=config.run_dir,
        model=choice.model,
        fast_model=choice.fast,
        best_checkpoint=choice.checkpoint,
        best_eval_cer=choice.cer,
        evals=choice.evals,
        iterations=last_iteration,
        resumed_from=resumed_from,
        start_eval_cer=start_scores.cer if start_scores else None,
        eval_lines=len(eval_set.samples),
        verdict=choice.verdict,
    )


class StageTimes:
    """Seconds each stage took, for the manifest's ``timings``."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.seconds: dict[str, float] = {}

    @contextmanager
    def stage(self, key: str) -> Iterator[None]:
        began = time.monotonic()
        yield
        self.seconds[key] = round(time.monotonic() - began, 2)

    def with_total(self) -> dict[str, float]:
        return {**self.seconds, "total_s": round(time.monotonic() - self.started, 2)}


@dataclass(frozen=True)
class RunInputs:
    """What a run reads, all checked before anything is written."""

    tessdata: Path
    samples: list[dataset.Sample]
    #: The --eval-data lines (None: the eval lines are split off ``samples``).
    given_eval: list[dataset.Sample] | None
    #: START_MODEL's traineddata (None: from scratch).
    start_path: Path | None
    langdata: Path
    #: How the ground truth's writing system is trained (given or detected).
    lang: scripts.LangType


def _check_inputs(config: TrainConfig, console: Console) -> RunInputs:
    """Tessdata, ground truth, eval lines, user lists, the lang type, START_MODEL (and its
    layer table for layer training) and langdata, or an error."""
    tessdata = resolve_tessdata(config.tessdata)
    samples = load_samples(config.data_dir)
    _check_eval_dir(config)
    given_eval = load_samples(config.eval_data) if config.eval_data else None
    if given_eval == []:
        raise TesskitError(
            f"--eval-data {config.eval_data} has no usable lines",
            "add NAME.png + NAME.gt.txt pairs",
        )
    if len(samples) < (1 if given_eval else 2):
        raise TesskitError(
            f"{config.data_dir} has {len(samples)} usable lines; need at least 2",
            "add NAME.png + NAME.gt.txt pairs",
        )
    dictionaries.check_user_lists(config.dictionaries)
    texts = [s.text() for s in [*samples, *(given_eval or [])]]
    lang, lang_line = scripts.choose(config.lang_type, texts)
    console.print(lang_line)
    start_path = find_start_model(config.start_model, tessdata)
    if config.append_index is not None:
        netspec.prepare_layer_training(
            console, start_path, config.start_model, config.append_index, config.net_spec
        )
    langdata = starter.resolve_langdata(config.langdata, tessdata)
    scripts.check_script_unicharsets(langdata, texts)
    return RunInputs(tessdata, samples, given_eval, start_path, langdata, lang)


def _record_inputs(config: TrainConfig, inputs: RunInputs, settings: dict[str, Any]) -> None:
    """The manifest's record of what this run is made of, before any work."""
    start_path = inputs.start_path
    update_manifest(
        config.run_dir,
        model_name=config.model_name,
        status="preparing",
        settings=settings,
        config=_config_record(config),
        tesseract_version=tesseract_version(),
        tessdata=str(inputs.tessdata),
        start_model_path=str(start_path) if start_path else None,
        start_model_sha256=sha256_file(start_path) if start_path else None,
        data_dir=str(config.data_dir.resolve()),
        eval_data_dir=str(config.eval_data.resolve()) if config.eval_data else None,
        lines=len(inputs.samples),
    )


def _build_starter(config: TrainConfig, inputs: RunInputs) -> starter.StarterFiles:
    """The starter traineddata, its unicharset covering the training and the eval lines."""
    return starter.build_starter(
        config.run_dir / "starter",
        config.model_name,
        [*inputs.samples, *(inputs.given_eval or [])],
        inputs.start_path,
        inputs.langdata,
        inputs.tessdata,
        norm_mode=inputs.lang.norm_mode,
        user_lists=config.dictionaries,
        recoder_args=inputs.lang.recoder_args,
        new_output_layer=config.append_index is not None,
    )


def _score_start_model(
    config: TrainConfig, start_path: Path | None, eval_set: select.EvalSet
) -> Scores | None:
    """START_MODEL's CER on the eval lines: what a checkpoint must beat to be handed back."""
    if start_path is None:
        return None
    return select.score_traineddata(start_path, eval_set, f"{config.start_model} (start model)")


@dataclass(frozen=True)
class TrainingPlan:
    """What lstmtraining is run with, fixed once START_MODEL is scored."""

    max_iterations: int
    learning_rate: float


def _learning_rate(config: TrainConfig, start_scores: Scores | None, console: Console) -> float:
    """The rate for lstmtraining, said aloud when START_MODEL's score raised it."""
    rate = config.effective_learning_rate(start_scores.cer if start_scores else None)
    if start_scores and rate != config.effective_learning_rate():
        console.print(
            f"{config.start_model} reads the eval lines at {start_scores.cer:.1f} % CER "
            f"(over {FAR_FROM_START_CER:g} %: far from what it learnt): learning rate {rate}"
        )
    return rate


def _split_record(
    train: list[dataset.Sample], trained_on: list[dataset.Sample], held: Sequence[dataset.Sample]
) -> dict[str, int]:
    return {"train": len(train), "augmented": len(trained_on) - len(train), "eval": len(held)}


def _record_plan(
    config: TrainConfig,
    plan: TrainingPlan,
    split: dict[str, int],
    files: starter.StarterFiles,
    start_scores: Scores | None,
) -> None:
    update_manifest(
        config.run_dir,
        status="training",
        max_iterations=plan.max_iterations,
        learning_rate=plan.learning_rate,
        split=split,
        dictionaries=sorted(files.dictionaries),
        start_model_eval=_scores_record(start_scores),
    )


def _train(
    config: TrainConfig,
    files: starter.StarterFiles,
    eval_set: select.EvalSet,
    tessdata: Path,
    plan: TrainingPlan,
    console: Console,
    resumed_from: int,
) -> int:
    """lstmtraining (resuming from its own checkpoint) as ``plan`` says; returns the last
    iteration reached."""
    max_iterations, learning_rate = plan.max_iterations, plan.learning_rate
    train_list = config.run_dir / "lists" / "train.txt"
    args = _lstmtraining_args(
        config, files, train_list, eval_set.lstmf_list, max_iterations, learning_rate
    )
    try:
        records = _stream_lstmtraining(
            args, config, tessdata, max_iterations, console, resumed_from
        )
    except KeyboardInterrupt:
        update_manifest(config.run_dir, status="interrupted")
        raise
    return records[-1]["training_iteration"] if records else max_iterations


@dataclass
class Choice:
    """The model handed back: a checkpoint's export, or START_MODEL kept (checkpoint None)."""

    model: Path
    fast: Path
    checkpoint: Path | None
    cer: float
    verdict: str
    evals: list[dict[str, Any]]


def choose_and_export(
    config: TrainConfig,
    files: starter.StarterFiles,
    eval_set: select.EvalSet,
    start_path: Path | None,
    start_scores: Scores | None,
    last_iteration: int,
) -> Choice:
    """Score the checkpoints, export the best unless START_MODEL reads the eval lines at
    least as well (then START_MODEL itself is MODEL.traineddata), write the report."""
    run_dir = config.run_dir
    selection = select.choose(
        run_dir,
        config.model_name,
        files.traineddata,
        eval_set,
        (config.start_model, start_scores),
        last_iteration,
    )
    best = selection.best
    best_ckpt = run_dir / "checkpoints" / best["checkpoint"]
    model = run_dir / f"{config.model_name}.traineddata"
    fast = run_dir / f"{config.model_name}_fast.traineddata"
    if selection.keep_start and start_path is not None and start_scores is not None:
        keep_start_model(start_path, model, fast)
        chosen = {"model": "start_model", "cer": start_scores.cer, "wer": start_scores.wer}
        # The report still shows the best checkpoint: what keeping START_MODEL avoided.
        other = select.score_checkpoint(best_ckpt, files.traineddata, eval_set)
        checkpoint = None
    else:
        export_pair(best_ckpt, files.traineddata, model, fast, eval_set.tessdata)
        chosen = {"model": "checkpoint", **best}
        other = select.score_traineddata(model, eval_set, f"{config.model_name} (exported)")
        checkpoint = best_ckpt
    update_manifest(run_dir, best_checkpoint=best, chosen=chosen, verdict=selection.verdict)
    compared = [*filter(None, [start_scores]), other]
    title = f"{config.model_name}: {selection.verdict}"
    write_train_report(run_dir, compared, selection.verdict, eval_set.samples, title)
    return Choice(model, fast, checkpoint, chosen["cer"], selection.verdict, selection.evals)


def _scores_record(scores: Scores | None) -> dict[str, Any] | None:
    if scores is None:
        return None
    return {"cer": scores.cer, "wer": scores.wer, "lines": len(scores.lines), "chars": scores.chars}
