"""Writing systems: the ground truth's Unicode scripts and the language type they imply.

The language type (latin, rtl, indic) decides normalisation, recoder and box files, as
tesstrain's ``LANG_TYPE`` does.

Scripts come from fontTools' copy of the Unicode Scripts.txt (fontTools is already
matplotlib's dependency); reading direction from Unicode's script metadata, not a list.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from fontTools import unicodedata as ucd

from trainer.tools import TesskitError

LANG_TYPES = ("latin", "rtl", "indic")
#: Brahmic scripts of India and Sri Lanka: combining vowel signs and conjuncts, for which
#: tesstrain's LANG_TYPE=Indic passes graphemes through the recoder unchanged.
INDIC_SCRIPTS = frozenset(
    {"Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu", "Knda", "Mlym", "Sinh"}
)
#: Script unicharsets langdata_lstm provides (the tessdata role installs them all);
#: combine_lang_model reads ``<name>.unicharset`` for every script in the unicharset.
# fmt: off
LANGDATA_SCRIPTS = frozenset({
    "Arabic", "Armenian", "Bengali", "Bopomofo", "Canadian_Aboriginal", "Cherokee",
    "Cuneiform", "Cyrillic", "Devanagari", "Ethiopic", "Georgian", "Greek", "Gujarati",
    "Gurmukhi", "Han", "Hangul", "Hebrew", "Hiragana", "Kannada", "Katakana", "Khmer", "Lao",
    "Latin", "Malayalam", "Myanmar", "Ogham", "Oriya", "Runic", "Sinhala", "Syriac", "Tamil",
    "Telugu", "Thai",
})
# fmt: on
#: Characters of no script of their own (digits, punctuation, combining marks shared by many).
_NO_SCRIPT = frozenset({"Zyyy", "Zinh", "Zzzz"})


@dataclass(frozen=True)
class LangType:
    """How one kind of writing system is trained (tesstrain's Makefile, LANG_TYPE)."""

    name: str
    #: unicharset_extractor --norm_mode: 1 combined graphemes, 2 pure Unicode, 3 pure
    #: Unicode with the bidi controls RTL text carries.
    norm_mode: int
    recoder_args: tuple[str, ...]

    def box_format(self, requested: str) -> str:
        """The generated box file: tesstrain uses WordStr lines for RTL and Indic; RTL's
        text goes in visual order (trainer.boxes.rtl_wordstr_box)."""
        if self.name == "rtl":
            return "wordstr-rtl"
        return "wordstr" if self.name == "indic" else requested


SETTINGS = {
    "latin": LangType("latin", 1, ()),
    "rtl": LangType("rtl", 3, ("--pass_through_recoder", "--lang_is_rtl")),
    "indic": LangType("indic", 2, ("--pass_through_recoder",)),
}


def script_counts(texts: Iterable[str]) -> Counter[str]:
    """ISO 15924 code -> number of characters of that script (script-neutral ones left out)."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(code for code in map(ucd.script, text) if code not in _NO_SCRIPT)
    return counts


def lang_type_of(script: str) -> str:
    if script in INDIC_SCRIPTS:
        return "indic"
    return "rtl" if ucd.script_horizontal_direction(script, "LTR") == "RTL" else "latin"


def detect(counts: Counter[str]) -> str:
    """The language type of the script with the most characters (latin when none)."""
    if not counts:
        return "latin"
    return lang_type_of(counts.most_common(1)[0][0])


def describe(counts: Counter[str], chosen: str, explicit: str | None) -> str:
    """One line: the scripts found and the language type chosen, and why."""
    found = ", ".join(f"{ucd.script_name(code)} {n}" for code, n in counts.most_common(5))
    how = (
        f"--lang-type {explicit}"
        if explicit
        else f"detected, --lang-type {'|'.join(LANG_TYPES)} overrides"
    )
    return f"scripts in the ground truth: {found or 'none'} -> lang type {chosen} ({how})"


def choose(explicit: str | None, texts: Iterable[str]) -> tuple[LangType, str]:
    """(the language type to train with, the line saying so)."""
    counts = script_counts(texts)
    name = explicit or detect(counts)
    if name not in SETTINGS:
        raise TesskitError(f"unknown lang type {name!r}", f"use one of {', '.join(LANG_TYPES)}")
    return SETTINGS[name], describe(counts, name, explicit)


def tesseract_script_names(counts: Counter[str]) -> set[str]:
    """The ground truth's scripts by the names Tesseract gives their unicharsets."""
    return {ucd.script_name(code).replace(" ", "_") for code in counts}


def check_script_unicharsets(langdata: Path, texts: Iterable[str]) -> None:
    """Refuse, before any work, langdata lacking a script unicharset the data needs
    (combine_lang_model only warns, and the model then lacks the script's properties)."""
    wanted = tesseract_script_names(script_counts(texts)) & LANGDATA_SCRIPTS
    missing = sorted(name for name in wanted if not (langdata / f"{name}.unicharset").is_file())
    if missing:
        raise TesskitError(
            f"{langdata} lacks {', '.join(f'{m}.unicharset' for m in missing)} "
            "(the ground truth's scripts)",
            "provision with the tessdata role (it installs all 33 script unicharsets), or "
            "copy them from https://github.com/tesseract-ocr/langdata_lstm into that folder",
        )
