"""``tesskit train``: tesstrain-compatible options, plus tesstrain's VAR=value spellings."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from trainer import netspec
from trainer.boxes import BOX_FORMATS
from trainer.cli.config import (
    PSM,
    apply_config_file,
    apply_config_table,
    config_default,
    config_file_option,
    config_from_options,
)
from trainer.export import export_checkpoint, find_checkpoint
from trainer.names import MODEL_NAME, validate_model_name
from trainer.scripts import LANG_TYPES
from trainer.tools import TesskitError, require_float_model, resolve_tessdata
from trainer.train import (
    AUGMENT_SMALL,
    FAR_FROM_START_CER,
    FAR_LEARNING_RATE,
    FINE_TUNE_ITERATIONS,
    FINE_TUNE_ITERATIONS_PER_LINE,
    FINE_TUNE_LEARNING_RATE,
    MIN_EVAL_LINES,
    SCRATCH_ITERATIONS,
    SCRATCH_LEARNING_RATE,
    SMALL_SET_LINES,
    TrainConfig,
    TrainResult,
    find_start_model,
    run_training,
)

#: tesstrain variable -> click option it sets. Paste `make training` lines as-is; values
#: are converted and range-checked by that option's own type.
TESSTRAIN_VARS: dict[str, str] = {
    "MODEL_NAME": "model_name",
    "START_MODEL": "start_model",
    "GROUND_TRUTH_DIR": "data",
    "TESSDATA": "tessdata",
    "OUTPUT_DIR": "output_dir",
    "MAX_ITERATIONS": "max_iterations",
    "EPOCHS": "epochs",
    "LEARNING_RATE": "learning_rate",
    "PSM": "psm",
    "RATIO_TRAIN": "ratio_train",
    "TARGET_ERROR_RATE": "target_error_rate",
    "NET_SPEC": "net_spec",
    "RANDOM_SEED": "seed",
    "LANG_TYPE": "lang_type",
}


def parse_tesstrain_vars(assignments: tuple[str, ...]) -> dict[str, object]:
    """``("MODEL_NAME=x", "PSM=7")`` -> ``{"model_name": "x", "psm": 7}``, with clear errors."""
    params = {p.name: p for p in train.params}
    parsed: dict[str, object] = {}
    for item in assignments:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.UsageError(
                f"unexpected argument {item!r}; tesstrain variables look like MODEL_NAME=foo"
            )
        if name not in TESSTRAIN_VARS:
            raise click.UsageError(
                f"unknown tesstrain variable {name}; known: " + ", ".join(sorted(TESSTRAIN_VARS))
            )
        param = params[TESSTRAIN_VARS[name]]
        try:
            parsed[TESSTRAIN_VARS[name]] = param.type.convert(value, param, None)
        except click.BadParameter as exc:
            raise click.UsageError(f"{name}={value}: {exc.message}") from exc
    return parsed


@click.command(context_settings={"show_default": True})
@click.argument("tesstrain_vars", nargs=-1, metavar="[VAR=value]...")
@config_file_option(
    "TOML (or YAML, JSON) file of settings, keys named as TrainConfig's fields "
    "(model_name, data_dir, psm, ...); options given here override it"
)
@click.option("--model-name", type=MODEL_NAME, help="name of the model to build (MODEL_NAME)")
@click.option(
    "--start-model",
    type=MODEL_NAME,
    default=config_default("start_model"),
    help="float model in tessdata to fine-tune, e.g. eng (START_MODEL); "
    "omit to train from scratch with --net-spec",
)
@click.option(
    "--data",
    type=click.Path(path_type=Path),
    help="ground truth: NAME.png + NAME.gt.txt pairs, searched recursively "
    "[default: data/MODEL-ground-truth]",
)
@click.option(
    "--tessdata",
    type=click.Path(path_type=Path),
    default=config_default("tessdata"),
    help="tessdata dir [default: $TESSDATA_PREFIX]",
)
@click.option("--output-dir", type=click.Path(path_type=Path), default=config_default("output_dir"))
@click.option(
    "--max-iterations",
    type=click.IntRange(min=1),
    default=config_default("max_iterations"),
    help=f"[default: fine-tuning {FINE_TUNE_ITERATIONS_PER_LINE} per training line, "
    f"{FINE_TUNE_ITERATIONS[0]}-{FINE_TUNE_ITERATIONS[1]}; from scratch {SCRATCH_ITERATIONS}]",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=config_default("epochs"),
    help="train for N passes over the training lines (overrides --max-iterations)",
)
@click.option(
    "--learning-rate",
    type=click.FloatRange(min=0, min_open=True),
    default=config_default("learning_rate"),
    help=f"[default: {FINE_TUNE_LEARNING_RATE} fine-tuning (it replaces the start model's "
    f"own rates), {FAR_LEARNING_RATE} when the start model reads the eval lines at over "
    f"{FAR_FROM_START_CER:g} % CER, {SCRATCH_LEARNING_RATE} from scratch]",
)
@click.option(
    "--psm", type=PSM, default=config_default("psm"), help="page segmentation mode for lstmf"
)
@click.option(
    "--ratio-train",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=config_default("ratio_train"),
    help=f"share of lines to train on; the rest (at least {MIN_EVAL_LINES}, at most a "
    "quarter) choose the model handed back",
)
@click.option(
    "--eval-data",
    type=click.Path(path_type=Path),
    default=config_default("eval_data"),
    help="separate folder of eval lines (NAME.png + NAME.gt.txt): train on all of --data, "
    "choose the model on these",
)
@click.option(
    "--augment",
    type=click.IntRange(min=0),
    default=config_default("augment"),
    help="randomised copies of every training line (rotation, shear, scale, stroke, blur, "
    f"noise); eval lines are never augmented [default: {AUGMENT_SMALL} under "
    f"{SMALL_SET_LINES} lines, else 0]",
)
@click.option(
    "--wordlist",
    type=click.Path(path_type=Path),
    default=config_default("dictionaries").words,
    help="words to add to the dictionary (one per line)",
)
@click.option(
    "--punc",
    type=click.Path(path_type=Path),
    default=config_default("dictionaries").puncs,
    help="punctuation patterns to add (needed for a dictionary if START_MODEL has none)",
)
@click.option(
    "--numbers",
    type=click.Path(path_type=Path),
    default=config_default("dictionaries").numbers,
    help="number patterns to add",
)
@click.option(
    "--no-dictionaries",
    is_flag=True,
    help="build the model without word/punc/number dictionaries "
    "[default: keep START_MODEL's and add --wordlist/--punc/--numbers]",
)
@click.option(
    "--target-error-rate",
    type=click.FloatRange(0, 100),
    default=config_default("target_error_rate"),
    help="stop early when the training BCER falls to this, in percent "
    "(lstmtraining's unit: 0.01 means 0.01 %, 1 means 1 %)",
)
@click.option(
    "--net-spec",
    default=config_default("net_spec"),
    help="network for training from scratch; with --append-index, the layers put on top",
)
@click.option(
    "--append-index",
    type=click.IntRange(min=0),
    default=config_default("append_index"),
    help="layer training: keep START_MODEL's layers 0..N (their table is printed) and put "
    "--net-spec on top, e.g. --append-index 5 --net-spec '[Lfx192 O1c###]'",
)
@click.option(
    "--lang-type",
    type=click.Choice(LANG_TYPES, case_sensitive=False),
    default=config_default("lang_type"),
    help="rtl: norm_mode 3, RTL recoder, WordStr boxes in visual order; indic: norm_mode 2, "
    "pass-through recoder, WordStr boxes (LANG_TYPE) [default: detected from the scripts]",
)
@click.option(
    "--seed", type=int, default=config_default("seed"), help="shuffle seed of the train/eval split"
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=config_default("jobs"),
    help="parallel processes [default: all cores, one more for data prep]",
)
@click.option(
    "--langdata",
    type=click.Path(path_type=Path),
    default=config_default("langdata"),
    help="dir with radical-stroke.txt [default: $TESSKIT_LANGDATA or tessdata/langdata]",
)
@click.option(
    "--box-format",
    type=click.Choice(BOX_FORMATS),
    default=config_default("box_format"),
    help="box files generated for lines without their own NAME.box: one box per grapheme, "
    "or tesstrain's WordStr line box",
)
@click.option(
    "--fresh",
    is_flag=True,
    default=config_default("fresh"),
    help="discard checkpoints of this model and start over",
)
@click.option("--no-progress", is_flag=True, help="no live progress bar (logs only)")
def train(tesstrain_vars: tuple[str, ...], config_file: Path | None, **options: object) -> None:
    """Fine-tune START_MODEL (or train from scratch) on a ground-truth folder.

    Re-running the same command resumes from the last checkpoint. tesstrain users can
    paste their variables: tesskit train MODEL_NAME=foo START_MODEL=eng
    """
    config = build_config(click.get_current_context(), tesstrain_vars, config_file, options)
    console = Console(stderr=True)
    try:
        result = run_training(config, console)
    except KeyboardInterrupt:
        console.print(
            "[yellow]interrupted: re-run the same command to resume from the last "
            "checkpoint[/yellow]"
        )
        raise click.exceptions.Exit(130) from None
    console.print(_summary(result))


def build_config(
    ctx: click.Context,
    tesstrain_vars: tuple[str, ...],
    config_file: Path | None,
    options: dict[str, object],
) -> TrainConfig:
    """The run the command line asks for: options and tesstrain variables given there win
    over the --config file, which wins over TrainConfig's defaults."""
    given = parse_tesstrain_vars(tesstrain_vars)
    if config_file is not None:
        apply_config_file(config_file, options, ctx, set(given))
    options = {**options, **given}
    model_name = options["model_name"]
    if not model_name:
        raise click.UsageError(
            "--model-name (or MODEL_NAME=..., or model_name in --config) is required"
        )
    data = options["data"] or Path("data") / f"{model_name}-ground-truth"
    if not Path(data).is_dir():
        raise TesskitError(
            f"ground-truth folder {data} does not exist",
            "pass --data DIR holding NAME.png + NAME.gt.txt pairs",
        )
    return config_from_options({**options, "data": Path(data)})


def config_from_table(source: Path, table: Mapping[str, Any]) -> TrainConfig:
    """The run ``tesskit train --config`` makes of ``table`` (read from ``source``, which
    errors name), checked the same way: a sweep checks its runs' settings once, up front."""
    ctx = train.make_context("train", [])
    options = {k: v for k, v in ctx.params.items() if k not in ("tesstrain_vars", "config_file")}
    apply_config_table(source, table, options, ctx, set())
    return build_config(ctx, (), None, options)


def _summary(result: TrainResult) -> str:
    if result.already_finished:
        status = "already finished, nothing trained (add --fresh to train again)"
    elif result.resumed_from:
        status = f"done (resumed at iteration {result.resumed_from})"
    else:
        status = "done"
    return (
        f"[green]{status}[/green]: {result.verdict}\n  {result.model}\n  "
        f"{result.fast_model}\n  report: {result.run_dir / 'report' / 'report.html'}"
    )


@click.command("export", context_settings={"show_default": True})
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--checkpoint", "checkpoint_name", help="checkpoint file name in RUN/checkpoints")
@click.option("--iteration", type=click.IntRange(min=0), help="the checkpoint of this iteration")
@click.option("--fast", is_flag=True, help="integer model (--convert_to_int) for fast inference")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="model file to write [default: RUN/MODEL_it<N>[_fast].traineddata]",
)
@click.option(
    "--tessdata", type=click.Path(path_type=Path), help="tessdata dir [default: $TESSDATA_PREFIX]"
)
def export(
    run_dir: Path,
    checkpoint_name: str | None,
    iteration: int | None,
    fast: bool,
    out: Path | None,
    tessdata: Path | None,
) -> None:
    """Export a checkpoint of your choice from a run (tesskit train exports the best one)."""
    if (checkpoint_name is None) == (iteration is None):
        raise click.UsageError("give exactly one of --checkpoint NAME or --iteration N")
    model_name = validate_model_name(run_dir.resolve().name, "run")
    checkpoint = find_checkpoint(run_dir, model_name, checkpoint_name, iteration)
    model = export_checkpoint(run_dir, checkpoint, resolve_tessdata(tessdata), fast, out)
    Console().print(f"exported {checkpoint.name} -> {model}", soft_wrap=True)


@click.command(context_settings={"show_default": True})
@click.argument("model")
@click.option(
    "--tessdata", type=click.Path(path_type=Path), help="tessdata dir [default: $TESSDATA_PREFIX]"
)
@click.option(
    "--append-index",
    type=click.IntRange(min=0),
    default=None,
    help="mark which layers `tesskit train --append-index N` keeps and replaces, and check N",
)
def layers(model: str, tessdata: Path | None, append_index: int | None) -> None:
    """Print a float model's layers: the indices --append-index takes. Trains nothing.

    MODEL is a model name in tessdata (e.g. eng) or a .traineddata file.
    """
    path = Path(model)
    if path.suffix != ".traineddata":
        path = find_start_model(validate_model_name(model, "MODEL"), resolve_tessdata(tessdata))
    elif not path.is_file():
        raise TesskitError(f"{path} not found", "pass a model name or an existing .traineddata")
    else:
        require_float_model(path)  # only a float model's layers can be trained
    found = netspec.read_layers(path)
    netspec.print_layers(Console(), found, path.stem, append_index)
    if append_index is not None:
        netspec.check_append_index(found, append_index, path.stem)
