"""Merging the start model's lists with the user's: order, duplicates, patterns' spaces."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.dictionaries import UserLists, check_user_lists, merged_lists
from trainer.tools import TesskitError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_start_then_user_entries_without_duplicates(tmp_path: Path) -> None:
    start = {
        "words": write(tmp_path / "sw", "alpha\nbeta\n"),
        "puncs": write(tmp_path / "sp", " \n .\n"),
    }
    user = UserLists(words=write(tmp_path / "uw", "beta\ngamma\n"))
    merged = merged_lists(start, user, tmp_path)
    assert merged["words"].read_text().split() == ["alpha", "beta", "gamma"]
    assert merged["puncs"].read_text() == " \n .\n"  # a space stands for the word: kept
    assert "numbers" not in merged


def test_words_without_any_punc_list_say_what_to_add(tmp_path: Path) -> None:
    user = UserLists(words=write(tmp_path / "uw", "gamma\n"))
    with pytest.raises(TesskitError, match="punctuation patterns") as err:
        merged_lists({}, user, tmp_path)
    assert "--punc" in err.value.fix


def test_disabled_gives_nothing_and_contradictions_are_refused(tmp_path: Path) -> None:
    start = {"words": write(tmp_path / "sw", "alpha\n")}
    assert merged_lists(start, UserLists(enabled=False), tmp_path) == {}
    with pytest.raises(TesskitError, match="--no-dictionaries"):
        check_user_lists(UserLists(words=tmp_path / "sw", enabled=False))
    with pytest.raises(TesskitError, match="not found"):
        check_user_lists(UserLists(puncs=tmp_path / "missing"))
