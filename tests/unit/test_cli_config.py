"""`tesskit train --config FILE`: TrainConfig's defaults, then the file, then the command line;
a bad file is one line naming the key."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click
import pytest

from trainer.cli.config import PARAMETER_FOR_FIELD, config_default
from trainer.cli.train import build_config, train
from trainer.dataset import LINE_PSM
from trainer.dictionaries import UserLists
from trainer.tools import TesskitError
from trainer.train import TrainConfig


def resolve(args: list[str]) -> TrainConfig:
    """The TrainConfig `tesskit train ARGS` would run (parsed as click parses it)."""
    with train.make_context("train", args) as ctx:
        options = dict(ctx.params)
        return build_config(ctx, options.pop("tesstrain_vars"), options.pop("config_file"), options)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "gt"
    folder.mkdir()
    return folder


def test_defaults_are_train_configs(data: Path) -> None:
    config = resolve(["--model-name", "hw", "--data", str(data)])
    expected = TrainConfig(model_name="hw", data_dir=data)
    assert config == expected
    assert config.psm == LINE_PSM


def test_every_option_default_is_the_fields() -> None:
    """No option re-types a default: each one that sets a field shows the field's default."""
    params = {p.name: p for p in train.params}
    checked = 0
    for field in dataclasses.fields(TrainConfig):
        name = PARAMETER_FOR_FIELD.get(field.name, field.name)
        if name in params and config_default(field.name) is not dataclasses.MISSING:
            assert params[name].default == config_default(field.name), field.name
            checked += 1
    assert checked >= 15


def test_file_overrides_defaults_and_command_line_overrides_file(
    tmp_path: Path, data: Path
) -> None:
    words = tmp_path / "words.txt"
    settings = tmp_path / "run.toml"
    settings.write_text(
        f'model_name = "from_file"\ndata_dir = "{data}"\npsm = 7\nseed = 3\n'
        "show_progress = false\nlearning_rate = 0.001\n"
        f'[dictionaries]\nwords = "{words}"\nenabled = true\n'
    )
    config = resolve(["--config", str(settings), "--seed", "5", "PSM=6"])
    assert config.model_name == "from_file" and config.data_dir == data
    assert (config.psm, config.seed, config.learning_rate) == (6, 5, 0.001)
    assert config.show_progress is False
    assert config.dictionaries == UserLists(words=words)
    assert config.ratio_train == config_default("ratio_train")


def test_yaml_file(tmp_path: Path, data: Path) -> None:
    settings = tmp_path / "run.yml"
    settings.write_text(f"model_name: hw\ndata_dir: {data}\nmax_iterations: 300\nfresh: true\n")
    config = resolve(["--config", str(settings)])
    assert (config.max_iterations, config.fresh) == (300, True)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("pms = 7", "unknown key 'pms'"),
        ("psm = 14", r"psm = 14: 14 is not in the range 0<=x<=13"),
        ('seed = "three"', "seed = 'three'"),
        ("fresh = 1", "fresh = 1 is not true or false"),
        ("psm = true", "psm = True is not"),
        ("[dictionaries]\nwordlist = 'w.txt'", "unknown key 'dictionaries.wordlist'"),
        ("dictionaries = 'none'", "dictionaries must be a table"),
        ("psm = = 7", "config file"),
    ],
)
def test_bad_file_names_the_key(tmp_path: Path, data: Path, content: str, message: str) -> None:
    settings = tmp_path / "run.toml"
    settings.write_text(content + "\n")
    with pytest.raises(TesskitError, match=message) as raised:
        resolve(["--model-name", "hw", "--data", str(data), "--config", str(settings)])
    assert "\n" not in raised.value.message


def test_missing_file_and_unknown_format(tmp_path: Path, data: Path) -> None:
    args = ["--model-name", "hw", "--data", str(data), "--config"]
    with pytest.raises(TesskitError, match="pass an existing file"):
        resolve([*args, str(tmp_path / "absent.toml")])
    (tmp_path / "run.ini").write_text("psm=7\n")
    with pytest.raises(TesskitError, match=r"unknown format \.ini"):
        resolve([*args, str(tmp_path / "run.ini")])


def test_model_name_still_required(tmp_path: Path, data: Path) -> None:
    settings = tmp_path / "run.toml"
    settings.write_text(f'data_dir = "{data}"\n')
    with pytest.raises(click.UsageError, match="model_name in --config"):
        resolve(["--config", str(settings)])
