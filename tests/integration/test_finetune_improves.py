"""Fine-tuning on real early printed books must beat the start model on held-back lines."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from trainer import dataset
from trainer.evaluate import ModelRef, evaluate_model
from trainer.train import TrainResult

BOOKS = ("1488", "1505")
LINES_PER_BOOK = 70
HELD_BACK_PER_BOOK = 15


@pytest.mark.slow
def test_fine_tuning_improves_cer_on_held_back_lines(
    shared_data: Path, float_tessdata: Path, tmp_path: Path, fine_tune: Callable[..., TrainResult]
) -> None:
    train_dir, held_dir = tmp_path / "train", tmp_path / "held"
    for book in BOOKS:
        samples, _, _ = dataset.discover(shared_data / "early-printed-books-gt" / "Books" / book)
        chosen = samples[:LINES_PER_BOOK]
        for index, sample in enumerate(chosen):
            dest = (held_dir if index < HELD_BACK_PER_BOOK else train_dir) / book
            dest.mkdir(parents=True, exist_ok=True)
            image_suffix = sample.image.name[len(Path(sample.name).name) :]
            shutil.copy(sample.image, dest / f"{Path(sample.name).name}{image_suffix}")
            shutil.copy(sample.gt, dest / f"{Path(sample.name).name}.gt.txt")
    result = fine_tune(
        "incunabula",
        train_dir,
        max_iterations=600,
    )
    held, _, _ = dataset.discover(held_dir)
    assert len(held) == HELD_BACK_PER_BOOK * len(BOOKS)
    base = evaluate_model(held, ModelRef.parse("fra", float_tessdata))
    tuned = evaluate_model(held, ModelRef.parse(str(result.model), None))
    print(f"held-back CER: fra {base.cer:.2f}% -> fine-tuned {tuned.cer:.2f}%")
    assert tuned.cer < base.cer * 0.9, (base.cer, tuned.cer)
