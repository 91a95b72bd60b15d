"""Pure parts of trainer.render: box parsing, missing characters, cropping, font names."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from trainer.render import (
    Job,
    check_fonts,
    crop_to_boxes,
    missing_characters,
    parse_boxes,
    read_lines,
)
from trainer.tools import TesskitError


def test_parse_boxes_keeps_space_rows() -> None:
    boxes = parse_boxes("H 52 383 91 419 0\n  184 382 202 410 0\n\t 0 0 1 1 0\n")
    assert boxes[0] == ("H", 52, 383, 91, 419) and boxes[1][0] == " "


def test_missing_characters_counts_what_did_not_come_out() -> None:
    assert missing_characters("snow ☃ man", "snowman") == {"☃": 1}
    assert not missing_characters("a b", "ab")


def test_crop_uses_bottom_origin_boxes() -> None:
    page = Image.new("1", (200, 100), 1)
    crop = crop_to_boxes(page, [("a", 10, 30, 50, 60)], pad=5)
    assert crop.size == (50, 40) and crop.mode == "L"  # y 100-60-5 .. 100-30+5


def test_unknown_font_names_close_ones() -> None:
    with pytest.raises(TesskitError, match=r"'Dejavu Sans' \(close: DejaVu Sans"):
        check_fonts(["Dejavu Sans"], ["DejaVu Sans", "DejaVu Serif"], Path("/f"))


def test_read_lines_numbers_and_skips_empty(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("one\n\n  two   words \n", encoding="utf-8")
    assert read_lines(text, None) == [(1, "one"), (3, "two words")]
    assert read_lines(text, 1) == [(1, "one")]
    text.write_bytes(b"\xff\xfe")
    with pytest.raises(TesskitError, match="not UTF-8"):
        read_lines(text, None)


def test_job_names_are_file_safe() -> None:
    assert Job(7, "x", "Noto Sans Devanagari", -1).name == "Noto_Sans_Devanagari_00007_exp-1"
