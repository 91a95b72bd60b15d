"""lstmf generation with the real tesseract: parallel, content-cached, never stale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trainer.dataset import discover
from trainer.lstmf import build_lstmf, line_box
from trainer.tools import TesskitError

from conftest import tree_digest


def test_line_box_keeps_combining_marks_with_their_base() -> None:
    box = line_box("ne\u0301 a", 120, 30).splitlines()
    assert [row.rsplit(" ", 5)[0] for row in box] == ["n", "é", " ", "a", "\t"]
    assert all(row.endswith(" 0 0 120 30 0") for row in box)


def test_cache_reuses_and_redoes_only_changed_lines(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(8)
    before = tree_digest(data)
    cache = tmp_path / "cache"
    first = build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2)
    assert len(set(first.values())) == 8 and all(p.stat().st_size > 0 for p in first.values())
    mtimes = {name: path.stat().st_mtime_ns for name, path in first.items()}

    second = build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2)
    assert second == first
    assert {n: p.stat().st_mtime_ns for n, p in second.items()} == mtimes
    assert tree_digest(data) == before  # no .box or .lstmf written beside the ground truth

    (data / "line_0003.gt.txt").write_text("a corrected transcription\n")
    third = build_lstmf(discover(data)[0], cache, float_tessdata, jobs=2)
    changed = {name for name in third if third[name] != first[name]}
    assert changed == {"line_0003"}
    assert third["line_0003"].is_file()


def test_missing_lstm_train_config_is_explained(
    make_lines: Callable[..., Path], tmp_path: Path
) -> None:
    with pytest.raises(TesskitError, match=r"configs/lstm\.train is missing"):
        build_lstmf(discover(make_lines(2))[0], tmp_path / "c", tmp_path)
