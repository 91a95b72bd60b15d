"""Own NAME.box files and WordStr boxes through the real tesseract (lstm.train) and training."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from trainer.boxes import wordstr_box
from trainer.dataset import discover
from trainer.lstmf import build_lstmf
from trainer.tools import TesskitError
from trainer.train import TrainResult

from conftest import tree_digest


def hand_boxes(text: str, width: int, height: int) -> str:
    """Per-character boxes spread over the width, like a box editor's output."""
    step = width // max(len(text), 1)
    rows = [f"{c} {i * step} 0 {(i + 1) * step} {height} 0" for i, c in enumerate(text)]
    return "\n".join([*rows, f"\t {width} 0 {width + 1} {height} 0"]) + "\n"


def test_own_box_file_is_used_and_keyed(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(3)
    cache = tmp_path / "cache"
    generated = build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2)
    name = "line_0001"
    image = data / f"{name}.png"
    with Image.open(image) as img:
        width, height = img.size
    text = (data / f"{name}.gt.txt").read_text().strip()
    (data / f"{name}.box").write_text(hand_boxes(text, width, height), encoding="utf-8")
    before = tree_digest(data)

    own = build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2)
    assert own[name] != generated[name]  # the box file is part of the key
    assert own[name].read_bytes() != generated[name].read_bytes()  # and of the lstmf
    assert {n: own[n] for n in own if n != name} == {n: generated[n] for n in own if n != name}
    assert build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2) == own
    assert tree_digest(data) == before

    (data / f"{name}.box").write_text(hand_boxes("wrong", width, height), encoding="utf-8")
    with pytest.raises(TesskitError, match=r"line_0001\.box spells 'wrong'"):
        build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2)


def test_wordstr_boxes_make_other_lstmf(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    samples = discover(make_lines(2))[0]
    line = build_lstmf(samples, tmp_path / "c", float_tessdata, jobs=2)
    wordstr = build_lstmf(samples, tmp_path / "c", float_tessdata, jobs=2, box_format="wordstr")
    for s in samples:
        assert wordstr[s.name] != line[s.name]
        assert s.text().encode() in wordstr[s.name].read_bytes()


@pytest.mark.slow
def test_fine_tune_with_own_wordstr_boxes(
    make_lines: Callable[..., Path], fine_tune: Callable[..., TrainResult]
) -> None:
    data = make_lines(12)
    for sample in discover(data)[0][::2]:
        with Image.open(sample.image) as img:
            box = wordstr_box(sample.text(), *img.size)
        sample.image.with_suffix(".box").write_text(box, encoding="utf-8")
    before = tree_digest(data)
    result = fine_tune(
        "boxes",
        data,
        max_iterations=40,
        box_format="wordstr",
    )
    assert result.model.is_file() and result.best_eval_cer < 50
    assert tree_digest(data) == before
