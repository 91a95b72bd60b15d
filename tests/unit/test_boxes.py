"""Box file helpers: WordStr boxes, the text a box file spells, what goes into cache keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.boxes import (
    box_text,
    cache_extra,
    checked_own_box,
    rtl_wordstr_box,
    visual_order,
    wordstr_box,
)
from trainer.dataset import Sample
from trainer.lstmf import line_box
from trainer.tools import TesskitError


def sample(tmp_path: Path, text: str = "ab c", image: str = "x.bin.png") -> Sample:
    (tmp_path / image).write_bytes(b"not read here")
    (tmp_path / "x.gt.txt").write_text(text + "\n", encoding="utf-8")
    return Sample("x", tmp_path / image, tmp_path / "x.gt.txt")


def test_wordstr_box_is_tesstrains_format() -> None:
    assert (
        wordstr_box(" ne\u0301 a ", 120, 30) == "WordStr 0 0 120 30 0 #n\u00e9 a\n\t 0 0 120 30 0\n"
    )


@pytest.mark.parametrize("make", [line_box, wordstr_box])
def test_box_text_reads_both_formats(make: object) -> None:
    assert box_text(make("ab c", 50, 20)) == "abc"  # type: ignore[operator]


def test_own_box_beside_a_compound_suffix_image(tmp_path: Path) -> None:
    s = sample(tmp_path)
    assert checked_own_box(s) is None and cache_extra(s, "line") == []
    assert cache_extra(s, "wordstr") == ["box_format=wordstr"]
    (tmp_path / "x.box").write_text("a 0 0 5 9 0\nb 5 0 9 9 0\nc 12 0 20 9 0\n", encoding="utf-8")
    assert checked_own_box(s) == tmp_path / "x.box"
    first = cache_extra(s, "line")
    assert first[0].startswith("box=") and cache_extra(s, "wordstr") == first
    (tmp_path / "x.box").write_text("a 0 0 5 9 0\nb 5 0 9 9 0\nc 12 0 21 9 0\n", encoding="utf-8")
    assert cache_extra(s, "line") != first


def test_own_box_spelling_another_text_is_refused(tmp_path: Path) -> None:
    s = sample(tmp_path)
    (tmp_path / "x.box").write_text(wordstr_box("ab d", 20, 9), encoding="utf-8")
    with pytest.raises(TesskitError, match=r"x\.box spells 'abd' but its \.gt\.txt 'abc'"):
        checked_own_box(s)


@pytest.mark.parametrize(
    ("logical", "visual"),
    [
        ("שלום עולם", "םלוע םולש"),
        # Digits and a Latin word keep their own left-to-right order inside RTL text, and the
        # final "!" lies at the left end: the bidi algorithm, not a plain reversal.
        ("שנת 2024 היא Tesseract!", "!Tesseract איה 2024 תנש"),
        ("مرحبا 12", "12 ابحرم"),  # code points, not the presentation forms a shaper makes
    ],
)
def test_rtl_wordstr_box_is_in_visual_order(logical: str, visual: str) -> None:
    assert visual_order(logical) == visual
    assert rtl_wordstr_box(f" {logical} ", 90, 20) == (
        f"WordStr 0 0 90 20 0 #{visual}\n\t 0 0 90 20 0\n"
    )


def test_own_rtl_box_in_visual_order_is_accepted(tmp_path: Path) -> None:
    s = sample(tmp_path, "שנת 2024")
    (tmp_path / "x.box").write_text(rtl_wordstr_box("שנת 2024", 50, 9), encoding="utf-8")
    assert checked_own_box(s) == tmp_path / "x.box"
    (tmp_path / "x.box").write_text(wordstr_box("תנש 4202", 50, 9), encoding="utf-8")
    with pytest.raises(TesskitError, match="spells"):
        checked_own_box(s)
