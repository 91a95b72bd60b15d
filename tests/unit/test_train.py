"""The training run's defaults that depend on what tesskit measured before training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from trainer.train import (
    FAR_FROM_START_CER,
    FAR_LEARNING_RATE,
    FINE_TUNE_LEARNING_RATE,
    SCRATCH_LEARNING_RATE,
    TrainConfig,
)


def config(**overrides: Any) -> TrainConfig:
    return TrainConfig(model_name="m", data_dir=Path("data"), **overrides)


@pytest.mark.parametrize(
    ("start_cer", "expected"),
    [
        (None, FINE_TUNE_LEARNING_RATE),  # before START_MODEL is scored
        (0.2, FINE_TUNE_LEARNING_RATE),  # clean print
        (33.0, FINE_TUNE_LEARNING_RATE),  # an early printed book
        (FAR_FROM_START_CER, FINE_TUNE_LEARNING_RATE),
        (68.8, FAR_LEARNING_RATE),  # a hand the print model cannot read
    ],
)
def test_fine_tune_rate_rises_for_lines_far_from_start_model(
    start_cer: float | None, expected: float
) -> None:
    assert config(start_model="fra").effective_learning_rate(start_cer) == expected


def test_given_rate_and_scratch_ignore_the_start_cer() -> None:
    assert config(start_model="fra", learning_rate=0.001).effective_learning_rate(90.0) == 0.001
    assert config().effective_learning_rate(90.0) == SCRATCH_LEARNING_RATE
