"""``tesskit sweep``: train a grid of settings in parallel and keep the best model.

On this machine (``--jobs`` runs at a time), or spread over the hosts of an Ansible
inventory group (``--inventory``; each host runs its ``--shard`` of the grid).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
from click.core import ParameterSource
from rich.console import Console
from rich.table import Table

from trainer.atomic import write_json_atomic
from trainer.cli.config import (
    PARAMETER_FOR_FIELD,
    PSM,
    config_default,
    config_file_option,
    read_config_file,
)
from trainer.cli.train import config_from_table
from trainer.html_report import write_sweep_html_report
from trainer.names import MODEL_NAME, MODEL_NAME_OR_EMPTY
from trainer.remote import hosts as remote_hosts
from trainer.sweep import (
    Shard,
    SweepRun,
    grid,
    keep_best,
    plot_sweep,
    run_sweep,
)
from trainer.tools import TesskitError
from trainer.train import TrainConfig


def _positive_list(convert: type, value: str, option: str) -> list:
    """``"0.001,0.01"`` -> ``[0.001, 0.01]``: every value a number above 0, checked up front."""
    try:
        values = [convert(v) for v in value.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or any(v <= 0 for v in values):
        kind = "whole numbers" if convert is int else "numbers"
        raise click.BadParameter(
            f"{value!r}: give comma-separated {kind} above 0, e.g. "
            + ("1000,2000" if convert is int else "0.0001,0.001"),
            param_hint=option,
        )
    return values


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _print_table(console: Console, title: str, results: list[dict[str, Any]]) -> None:
    with_host = any(r.get("host") for r in results)
    table = Table(title=title)
    columns = ["rank", "run", "learning rate", "iterations", "eval CER %", "eval WER %"]
    widest = {
        "run": max((len(r["name"]) for r in results), default=3),
        "host": max((len(r.get("host", "")) for r in results), default=4),
    }
    for column in [*columns[:2], *(["host"] if with_host else []), *columns[2:]]:
        # Run and host names are what the table is read for: never cut or broken mid-name;
        # the number columns give way (and wrap at their own width) on a narrow terminal.
        if column in widest:
            table.add_column(column, no_wrap=True, min_width=widest[column])
        else:
            table.add_column(column, overflow="fold")
    for rank, r in enumerate(results, 1):
        cer = "failed" if r["eval_cer"] is None else f"{r['eval_cer']:.2f}"
        wer = "" if r["eval_wer"] is None else f"{r['eval_wer']:.2f}"
        host = [r.get("host", "")] if with_host else []
        table.add_row(
            str(rank),
            r["name"],
            *host,
            f"{r['learning_rate']:g}",
            str(r["max_iterations"]),
            cer,
            wer,
        )
    console.print(table)


#: TrainConfig fields `tesskit sweep` has options for, set for every run (the option of
#: each is named as `tesskit train`'s: PARAMETER_FOR_FIELD).
RUN_FIELDS = (
    "model_name", "data_dir", "start_model", "net_spec", "tessdata", "output_dir", "psm", "fresh"
)  # fmt: skip
#: The grid: TrainConfig field -> (the option listing its values, their default, type).
GRID_AXES: dict[str, tuple[str, str, type]] = {
    "learning_rate": ("learning_rates", "0.0001,0.0005,0.001", float),
    "max_iterations": ("iterations", "1000", int),
}
#: What the playbook gives every host on its command line (names and paths there).
HOST_OWNED_FIELDS = ("model_name", "data_dir", "output_dir")


@click.command(context_settings={"show_default": True})
@config_file_option(
    "`tesskit train --config` file: its settings go to every run; learning_rate and "
    "max_iterations there may be lists (the grid). Options given here override it"
)
@click.option(
    "--model-name", type=MODEL_NAME, help="prefix of every run's name (or model_name in --config)"
)
@click.option(
    "--data",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="ground-truth folder (or data_dir in --config)",
)
@click.option(
    "--learning-rate",
    "learning_rates",
    default=None,
    help=f"comma-separated values  [default: {GRID_AXES['learning_rate'][1]}]",
)
@click.option(
    "--max-iterations",
    "iterations",
    default=None,
    help=f"comma-separated values  [default: {GRID_AXES['max_iterations'][1]}]",
)
@click.option(
    "--start-model",
    type=MODEL_NAME_OR_EMPTY,
    default=config_default("start_model"),
    help="float model to fine-tune ('' = scratch)",
)
@click.option(
    "--net-spec", default=config_default("net_spec"), help="network for runs from scratch"
)
@click.option("--tessdata", type=click.Path(path_type=Path), default=config_default("tessdata"))
@click.option("--output-dir", type=click.Path(path_type=Path), default=config_default("output_dir"))
@click.option("--psm", type=PSM, default=config_default("psm"))
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="runs at the same time (per host with --inventory; `jobs` in --config means the "
    "same)  [default: the machine's cores]",
)
@click.option(
    "--shard",
    default=None,
    metavar="K/N",
    help="run only part K of N (0-based) of the grid, dealt so parts have about equal "
    "iterations (what each host of --inventory runs); no best model is copied then",
)
@click.option(
    "--inventory",
    type=click.Path(path_type=Path),
    default=None,
    help="Ansible inventory: spread the runs over the hosts of --group (playbooks/sweep.yml)",
)
@click.option("--group", default="all", help="inventory group whose hosts train (--inventory)")
@click.option(
    "--playbook",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="sweep playbook for --inventory  [default: playbooks/sweep.yml of the checkout]",
)
@click.option(
    "--fresh",
    is_flag=True,
    default=config_default("fresh"),
    help="train every run from the start (each run's `train --fresh`); without it, runs "
    "finished with the same settings are kept and unfinished ones resume",
)
def sweep(config_file: Path | None, **options: Any) -> None:
    """Train every combination of the given settings, rank runs by eval CER."""
    table, axes, jobs = sweep_settings(click.get_current_context(), config_file, options)
    base = config_from_table(config_file or Path("(options)"), table)
    runs = grid(base.model_name, axes["learning_rate"], axes["max_iterations"])
    if options["inventory"] is None:
        shard = options["shard"]
        part = Shard.parse(shard) if shard is not None else None
        here = replace(base, data_dir=base.data_dir.resolve(), output_dir=base.output_dir.resolve())
        _sweep_here(runs, here, jobs, part)
        return
    _refuse_local_options(options["shard"], base.tessdata)
    # Every host's `tesskit sweep --config`: the grid and the runs' settings, without the
    # names and paths the playbook sets per host.
    host_config = {k: v for k, v in table.items() if k not in HOST_OWNED_FIELDS}
    host_config.update(axes, **({"jobs": jobs} if jobs is not None else {}))
    job = remote_hosts.HostsSweep(
        inventory=options["inventory"],
        group=options["group"],
        model_name=base.model_name,
        data_dir=base.data_dir,
        output_dir=base.output_dir,
        sweep_config=host_config,
        playbook=options["playbook"] or remote_hosts.find_playbook(),
    )
    _sweep_on_hosts(job, len(runs))


def sweep_settings(
    ctx: click.Context, config_file: Path | None, options: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[Any]], int | None]:
    """The runs' shared settings as a config table (the --config file's, options given on
    the command line winning), the grid's values per axis, and the runs at a time."""
    table = dict(read_config_file(config_file)) if config_file else {}
    if "epochs" in table:
        raise TesskitError(
            f"config file {config_file}: epochs in a sweep (its grid sets max_iterations)",
            "remove epochs, or list iteration counts: max_iterations = [1000, 2000]",
        )
    given = {
        name for name in options if ctx.get_parameter_source(name) is not ParameterSource.DEFAULT
    }
    for name in RUN_FIELDS:
        option = PARAMETER_FOR_FIELD.get(name, name)
        value = options[option]
        if option in given and value in ("", None):  # --start-model '': from scratch
            table.pop(name, None)
        elif option in given:
            table[name] = str(value) if isinstance(value, Path) else value
    axes = {
        name: _axis(options[option] if option in given else table.get(name), default, kind, name)
        for name, (option, default, kind) in GRID_AXES.items()
    }
    if not table.get("model_name"):
        raise click.UsageError("--model-name (or model_name in --config) is required")
    for name in GRID_AXES:
        table.pop(name, None)  # each run has its own grid point
    file_jobs = table.pop("jobs", None)  # the sweep's: its runs take one process each
    if file_jobs is not None and (type(file_jobs) is not int or file_jobs < 1):
        raise TesskitError(f"config file {config_file}: jobs = {file_jobs!r} is not 1 or more", "")
    return table, axes, options["jobs"] if "jobs" in given else file_jobs


def _axis(value: Any, default: str, kind: type, name: str) -> list[Any]:
    """One axis of the grid from an option's ``"a,b"``, a config file's list or number."""
    if value is None:
        value = default
    elif isinstance(value, list):
        value = ",".join(str(v) for v in value)
    option = "--" + name.replace("_", "-")
    return _positive_list(kind, str(value), option)


def _refuse_local_options(shard: str | None, tessdata: Path | None) -> None:
    """Options that name this machine's share or paths make no sense with --inventory."""
    if shard is not None:
        raise TesskitError(
            "--shard and --inventory together",
            "leave --shard out: the playbook gives every host its own shard",
        )
    if tessdata is not None:
        raise TesskitError(
            "--tessdata is a path on this machine; the hosts use their own TESSDATA_PREFIX",
            "leave --tessdata out with --inventory (site.yml sets TESSDATA_PREFIX there)",
        )


def _sweep_here(
    runs: list[SweepRun], base: TrainConfig, jobs: int | None, part: Shard | None
) -> None:
    """The grid (or ``part`` of it) on this machine, ``jobs`` runs at a time."""
    jobs = jobs or os.cpu_count() or 1
    if part is not None:
        runs = part.select(runs)
    console = Console()
    console.print(f"{len(runs)} runs, {jobs} at a time" + (f" (shard {part})" if part else ""))
    output_dir, model_name = base.output_dir, base.model_name
    if not runs:  # more hosts than runs: this shard has nothing to do
        output_dir.mkdir(parents=True, exist_ok=True)
        write_json_atomic(output_dir / "sweep.json", [])
        return
    results = run_sweep(runs, base, jobs)
    _print_table(console, f"sweep {model_name}: ranked by eval CER", results)
    if part is not None:
        console.print(f"table: {output_dir / 'sweep.json'}")
        return
    best = keep_best(results, output_dir / f"{model_name}_best.traineddata")
    plot = plot_sweep(results, output_dir / f"{model_name}_sweep.png")
    page = write_sweep_html_report(output_dir / f"{model_name}_sweep.html", results, plot)
    console.print(
        f"best: {results[0]['name']} -> {best}\nplot: {plot}\ntable: {output_dir / 'sweep.json'}"
        f"\nreport: {page}\nre-run one run: tesskit train --config {results[0]['config']}"
    )


def _sweep_on_hosts(job: remote_hosts.HostsSweep, total_runs: int) -> None:
    ansible_playbook = remote_hosts.find_ansible_tool("ansible-playbook")
    ansible_inventory = remote_hosts.find_ansible_tool("ansible-inventory")
    hosts = remote_hosts.group_hosts(job.inventory, job.group, ansible_inventory)
    console = Console()
    console.print(
        f"{total_runs} runs over {_count(len(hosts), 'host')} of {job.group!r} "
        f"({', '.join(hosts)}); play output also in {job.log}"
    )
    remote_hosts.run_playbook(job, hosts, ansible_playbook, click.echo)
    results, failures = remote_hosts.collect_results(job, hosts)
    write_json_atomic(job.output_dir / "sweep.json", results)
    done = _count(len(hosts) - len(failures), "host")
    title = f"sweep {job.model_name} on {done}: ranked by eval CER"
    if results:
        _print_table(console, title, results)
    if failures:
        raise remote_hosts.failure_error(job, failures, len(hosts))
    best = keep_best(results, job.output_dir / f"{job.model_name}_best.traineddata")
    plot = plot_sweep(results, job.output_dir / f"{job.model_name}_sweep.png")
    page = write_sweep_html_report(job.output_dir / f"{job.model_name}_sweep.html", results, plot)
    console.print(
        f"best: {results[0]['name']} on {results[0]['host']} -> {best}\nplot: {plot}\n"
        f"table: {job.output_dir / 'sweep.json'}\nreport: {page}\n"
        f"models and logs per host: {job.output_dir}/<host>/{job.model_name}/"
    )
