"""tesstrain VAR=value spellings map onto tesskit options."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from trainer.cli.train import parse_tesstrain_vars


def test_tesstrain_variables_convert() -> None:
    parsed = parse_tesstrain_vars(
        (
            "MODEL_NAME=hw",
            "START_MODEL=eng",
            "MAX_ITERATIONS=500",
            "LEARNING_RATE=0.001",
            "GROUND_TRUTH_DIR=data/hw-ground-truth",
            "RATIO_TRAIN=0.8",
            "PSM=7",
        )
    )
    assert parsed == {
        "model_name": "hw",
        "start_model": "eng",
        "max_iterations": 500,
        "learning_rate": 0.001,
        "data": Path("data/hw-ground-truth"),
        "ratio_train": 0.8,
        "psm": 7,
    }


@pytest.mark.parametrize(
    ("arg", "message"),
    [
        ("FOO=1", "unknown tesstrain variable FOO"),
        ("MAX_ITERATIONS=many", "not a valid int"),
        ("stray", "tesstrain variables look like"),
    ],
)
def test_bad_variables_are_explained(arg: str, message: str) -> None:
    with pytest.raises(click.UsageError, match=message):
        parse_tesstrain_vars((arg,))


@pytest.mark.parametrize(("value", "expected"), [("RTL", "rtl"), ("Indic", "indic")])
def test_tesstrain_lang_type_spellings(value: str, expected: str) -> None:
    assert parse_tesstrain_vars((f"LANG_TYPE={value}",)) == {"lang_type": expected}
