"""Scoring: corpus-level CER/WER with rapidfuzz, normalisation."""

from __future__ import annotations

import pytest

from trainer.evaluate import normalise, score


def test_cer_is_edits_over_reference_characters() -> None:
    s = score(["a", "b"], ["abcd", "xy"], ["abed", "xy"], "m")
    assert s.chars == 6 and s.cer == pytest.approx(100 / 6)
    assert s.lines[0].char_errors == 1 and s.lines[1].char_errors == 0


def test_wer_counts_word_edits() -> None:
    s = score(["a"], ["the quick brown fox"], ["the quack brown"], "m")
    assert s.words == 4 and s.wer == pytest.approx(50.0)


def test_normalisation_ignores_encoding_and_spacing_variants() -> None:
    decomposed = "cafe\u0301  au   lait "
    assert normalise(decomposed) == "café au lait"
    assert score(["a"], ["café au lait"], [decomposed], "m").cer == 0.0


def test_worst_lines_ordering() -> None:
    s = score(["a", "b", "c"], ["aaaa", "bbbb", "cccc"], ["aaaa", "b", "cc"], "m")
    assert [r.name for r in s.worst(2)] == ["b", "c"]
