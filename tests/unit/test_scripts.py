"""Language type detection from the ground truth's Unicode scripts, and what each type sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.scripts import (
    SETTINGS,
    check_script_unicharsets,
    choose,
    detect,
    script_counts,
    tesseract_script_names,
)
from trainer.tools import TesskitError


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (["Le renard brun, 1505."], "latin"),
        (["Ελληνικά и русский"], "latin"),  # left-to-right, not Indic: trained as Latin is
        (["שלום עולם 2024"], "rtl"),
        (["مرحبا بالعالم"], "rtl"),
        (["ܫܠܡܐ"], "rtl"),  # Syriac: RTL from Unicode's script data, not from a list
        (["नमस्ते दुनिया"], "indic"),
        (["வணக்கம்"], "indic"),
        (["12, 34."], "latin"),  # digits and punctuation have no script
    ],
)
def test_detect(texts: list[str], expected: str) -> None:
    assert detect(script_counts(texts)) == expected


def test_the_script_with_most_letters_decides() -> None:
    texts = ["ספר Tesseract OCR", "עברית עם מילים באנגלית", "שורה"]
    counts = script_counts(texts)
    assert counts["Latn"] == len("TesseractOCR") and counts["Hebr"] > counts["Latn"]
    assert detect(counts) == "rtl"


def test_choose_prints_the_scripts_and_the_choice() -> None:
    lang, line = choose(None, ["नमस्ते", "abc"])
    assert lang is SETTINGS["indic"]
    assert line.startswith("scripts in the ground truth: Devanagari 6, Latin 3 -> lang type indic")
    assert "detected" in line
    lang, line = choose("latin", ["नमस्ते"])
    assert lang is SETTINGS["latin"] and line.endswith("(--lang-type latin)")


def test_settings_follow_tesstrain() -> None:
    rtl, indic, latin = SETTINGS["rtl"], SETTINGS["indic"], SETTINGS["latin"]
    assert (rtl.norm_mode, rtl.recoder_args) == (3, ("--pass_through_recoder", "--lang_is_rtl"))
    assert (indic.norm_mode, indic.recoder_args) == (2, ("--pass_through_recoder",))
    assert (latin.norm_mode, latin.recoder_args) == (1, ())
    assert rtl.box_format("line") == "wordstr-rtl" and indic.box_format("line") == "wordstr"
    assert latin.box_format("line") == "line" and latin.box_format("wordstr") == "wordstr"


def test_tesseract_names_of_scripts() -> None:
    counts = script_counts(["ᐊᐃ", "ଓଡ଼ିଆ", "한국어"])
    assert tesseract_script_names(counts) == {"Canadian_Aboriginal", "Oriya", "Hangul"}


def test_missing_script_unicharset_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Latin.unicharset").write_text("3\n")
    check_script_unicharsets(tmp_path, ["abc", "ދިވެހި"])  # Thaana: langdata has none
    with pytest.raises(TesskitError, match=r"lacks Arabic\.unicharset, Hebrew\.unicharset"):
        check_script_unicharsets(tmp_path, ["abc", "שלום", "سلام"])
