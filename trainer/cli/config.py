"""TrainConfig behind the click options: their defaults, ``--config FILE``, the config built.

One source of defaults: an option of ``tesskit train`` (or a training option of ``tesskit
sweep``) takes its default from the TrainConfig field of the same name. A config file
(TOML, YAML when PyYAML is installed, or JSON: what ``tesskit sweep`` writes for each of its
runs) holds a run's settings under those field names; options given on the command line
override it, and it overrides the defaults.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from trainer.dictionaries import UserLists
from trainer.tools import TesskitError
from trainer.train import TrainConfig

#: TrainConfig field -> the click parameter that sets it, where their names differ.
PARAMETER_FOR_FIELD = {"data_dir": "data"}
#: TrainConfig field -> the flag that sets it to false.
INVERTED_FLAGS = {"show_progress": "no_progress"}
#: UserLists field (under ``[dictionaries]``) -> the click parameter that sets it.
DICTIONARY_KEYS = {"words": "wordlist", "puncs": "punc", "numbers": "numbers"}
CONFIG_SUFFIXES = (".toml", ".yml", ".yaml", ".json")
#: Tesseract's page segmentation modes (the default, trainer.dataset.LINE_PSM, is 13 too).
PSM = click.IntRange(0, 13)


def config_file_option(help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The ``--config FILE`` option of ``train`` and ``sweep`` (parameter ``config_file``)."""
    return click.option(
        "--config",
        "config_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=help,
    )


def config_default(name: str) -> Any:
    """The default of TrainConfig's field ``name``: what the option of that name shows and uses."""
    field = {f.name: f for f in dataclasses.fields(TrainConfig)}[name]
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return field.default


def read_config_file(path: Path) -> dict[str, Any]:
    """The table in a TOML / YAML config file, or a one-line error."""
    if path.suffix not in CONFIG_SUFFIXES:
        raise TesskitError(
            f"config file {path}: unknown format {path.suffix or '(no suffix)'}",
            "name it *.toml (or *.yml / *.yaml / *.json)",
        )
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TesskitError(f"config file {path}: {exc.strerror}", "pass an existing file") from exc
    parse = {".toml": _parse_toml, ".json": _parse_json}.get(path.suffix, _parse_yaml)
    data = parse(path, text)
    if not isinstance(data, dict):
        raise TesskitError(
            f"config file {path} is not a table of settings",
            "write one `key = value` line per setting (keys: TrainConfig's field names)",
        )
    return data


def _parse_toml(path: Path, text: str) -> Any:
    try:
        import tomllib
    except ImportError:  # Python < 3.11
        import tomli as tomllib
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TesskitError(f"config file {path}: {exc}", "fix the TOML syntax there") from exc


def _parse_json(path: Path, text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TesskitError(f"config file {path}: {exc}", "fix the JSON syntax there") from exc


def _parse_yaml(path: Path, text: str) -> Any:
    try:
        import yaml
    except ImportError as exc:
        raise TesskitError(
            f"config file {path}: reading YAML needs PyYAML", "pip install pyyaml, or use TOML"
        ) from exc
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        raise TesskitError(
            f"config file {path}: invalid YAML" + (f" at line {where.line + 1}" if where else ""),
            "fix the YAML syntax there",
        ) from exc


def _known_keys() -> list[str]:
    return [f.name for f in dataclasses.fields(TrainConfig)]


def _convert(path: Path, key: str, value: Any, param: click.Parameter, ctx: click.Context) -> Any:
    """``value`` as ``param`` takes it (its range checks included), or an error naming ``key``."""
    flag = isinstance(param, click.Option) and param.is_flag
    if value is None and not flag:
        return None
    if flag != isinstance(value, bool) or isinstance(value, (dict, list)):
        wanted = "true or false" if flag else f"a {param.type.name} value"
        raise TesskitError(f"config file {path}: {key} = {value!r} is not {wanted}", "")
    try:
        return param.type.convert(value, param, ctx)
    except click.BadParameter as exc:
        raise TesskitError(f"config file {path}: {key} = {value!r}: {exc.message}", "") from exc


def _file_values(
    path: Path, data: Mapping[str, Any], params: Mapping[str, click.Parameter], ctx: click.Context
) -> dict[str, Any]:
    """The config file's settings as click parameter values (``{"data": Path(...), ...}``)."""
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key == "dictionaries":
            values.update(_dictionary_values(path, value, params, ctx))
        elif key in INVERTED_FLAGS:
            name = INVERTED_FLAGS[key]
            values[name] = not _convert(path, key, value, params[name], ctx)
        elif PARAMETER_FOR_FIELD.get(key, key) in params and key in _known_keys():
            name = PARAMETER_FOR_FIELD.get(key, key)
            values[name] = _convert(path, key, value, params[name], ctx)
        else:
            raise TesskitError(
                f"config file {path}: unknown key {key!r}",
                "known keys (TrainConfig's fields): " + ", ".join(_known_keys()),
            )
    return values


def _dictionary_values(
    path: Path, table: Any, params: Mapping[str, click.Parameter], ctx: click.Context
) -> dict[str, Any]:
    """``[dictionaries]`` (wordlist, punc, numbers, enabled) as the options that set them."""
    if not isinstance(table, dict):
        raise TesskitError(
            f"config file {path}: dictionaries must be a table",
            "e.g. [dictionaries] with words/puncs/numbers = path, enabled = true/false",
        )
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key == "enabled":
            enabled = _convert(path, "dictionaries.enabled", value, params["no_dictionaries"], ctx)
            values["no_dictionaries"] = not enabled
        elif key in DICTIONARY_KEYS:
            name = DICTIONARY_KEYS[key]
            values[name] = _convert(path, f"dictionaries.{key}", value, params[name], ctx)
        else:
            raise TesskitError(
                f"config file {path}: unknown key 'dictionaries.{key}'",
                "known there: words, puncs, numbers, enabled",
            )
    return values


def apply_config_file(
    path: Path, options: dict[str, Any], ctx: click.Context, explicit: set[str]
) -> None:
    """Set ``options`` from the config file, except those in ``explicit`` or given on the
    command line: the command line wins over the file, the file over the defaults."""
    apply_config_table(path, read_config_file(path), options, ctx, explicit)


def apply_config_table(
    path: Path,
    table: Mapping[str, Any],
    options: dict[str, Any],
    ctx: click.Context,
    explicit: set[str],
) -> None:
    """``apply_config_file`` for a table already read (from ``path``, named in errors)."""
    params = {p.name: p for p in ctx.command.params if p.name}
    for name, value in _file_values(path, table, params, ctx).items():
        source = ctx.get_parameter_source(name)
        if name not in explicit and source in (None, click.core.ParameterSource.DEFAULT):
            options[name] = value


def config_from_options(options: Mapping[str, Any]) -> TrainConfig:
    """The TrainConfig that the parsed options of ``tesskit train`` describe."""
    values = {
        field.name: options[PARAMETER_FOR_FIELD.get(field.name, field.name)]
        for field in dataclasses.fields(TrainConfig)
        if PARAMETER_FOR_FIELD.get(field.name, field.name) in options
    }
    values["show_progress"] = not options["no_progress"]
    values["dictionaries"] = UserLists(
        **{key: options[name] for key, name in DICTIONARY_KEYS.items()},
        enabled=not options["no_dictionaries"],
    )
    return TrainConfig(**values)
