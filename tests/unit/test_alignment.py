"""Alignment segments and substitution counts: the edits the CER counts, as marks."""

from __future__ import annotations

import pytest
from rapidfuzz.distance import Levenshtein

from trainer.alignment import Segment, confusions, edit_count, segments, substitutions
from trainer.evaluate import score


def test_substitution_segment() -> None:
    assert segments("hello", "he1lo") == [
        Segment("equal", "he", "he"),
        Segment("replace", "l", "1"),
        Segment("equal", "lo", "lo"),
    ]


def test_insertion_segment() -> None:
    assert segments("cat", "cart") == [
        Segment("equal", "ca", "ca"),
        Segment("insert", "", "r"),
        Segment("equal", "t", "t"),
    ]


def test_deletion_segment() -> None:
    assert segments("lumen", "lumn") == [
        Segment("equal", "lum", "lum"),
        Segment("delete", "e", ""),
        Segment("equal", "n", "n"),
    ]


def test_empty_reading_and_empty_reference() -> None:
    assert segments("ab", "") == [Segment("delete", "ab", "")]
    assert segments("", "xy") == [Segment("insert", "", "xy")]
    assert segments("", "") == []


def test_segments_rebuild_both_texts() -> None:
    ref, got = "The quick brown fox", "Tho  quik brawn fox!"
    aligned = segments(ref, got)
    assert "".join(s.reference for s in aligned) == ref
    assert "".join(s.reading for s in aligned) == got


@pytest.mark.parametrize(
    ("ref", "got"),
    [
        ("kitten", "sitting"),
        ("Quiver nectar feather pepper!", "-Qüiver nectar feäther peépper!."),
        ("abc", "xyz"),
        ("", "abc"),
        ("same", "same"),
        ("ſchöne Grüße", "schone GruBe"),
    ],
)
def test_marked_edits_are_the_cer_edits(ref: str, got: str) -> None:
    counted = score(["x"], [ref], [got], "m").lines[0]
    marked = edit_count(segments(counted.reference, counted.hypothesis))
    assert marked == counted.char_errors == Levenshtein.distance(ref, got)


def test_substitutions_count_pairs() -> None:
    assert substitutions("hello world", "he11o wor1d") == {("l", "1"): 3}
    assert substitutions("cat", "cart") == {}


def test_confusions_rank_by_count_then_characters() -> None:
    pairs = [("hello", "he11o"), ("rn", "m"), ("bed", "bcd"), ("abe", "abc")]
    # rn -> m is one substitution (r -> m) and one deletion (n): only r -> m is counted.
    assert confusions(pairs) == [("e", "c", 2), ("l", "1", 2), ("r", "m", 1)]
    assert confusions(pairs, top=1) == [("e", "c", 2)]
