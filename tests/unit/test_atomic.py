"""The atomic swap of a whole tree (how a run comes back from the VM): never a mix of old
and new files, and the old tree kept when the new one is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer.atomic import replace_tree

from conftest import tree_digest


def test_replace_tree_swaps_whole_trees(tmp_path: Path) -> None:
    dest = tmp_path / "runs" / "hw"
    (dest / "checkpoints").mkdir(parents=True)
    (dest / "hw.traineddata").write_text("old model")
    (dest / "checkpoints" / "only-in-old").write_text("x")
    new = tmp_path / "incoming" / "hw"
    new.mkdir(parents=True)
    (new / "hw.traineddata").write_text("new model")

    replace_tree(new, dest)
    assert tree_digest(dest).keys() == {"hw.traineddata"}  # no mix of old and new files
    assert (dest / "hw.traineddata").read_text() == "new model"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["hw"]  # the old one is gone


def test_replace_tree_keeps_the_old_tree_when_the_new_one_is_missing(tmp_path: Path) -> None:
    dest = tmp_path / "hw"
    dest.mkdir()
    (dest / "hw.traineddata").write_text("good model")
    before = tree_digest(tmp_path)
    with pytest.raises(FileNotFoundError):
        replace_tree(tmp_path / "never-extracted" / "hw", dest)
    assert tree_digest(tmp_path) == before
