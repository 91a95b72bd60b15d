"""Ground-truth discovery, splitting and validation (reads only, never writes)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from trainer.dataset import (
    ctc_capacity,
    ctc_steps_needed,
    dataset_hash,
    discover,
    split,
    validate,
)

from conftest import tree_digest


def test_discover_pairs_recursively_and_prefers_compound_suffix(tmp_path: Path) -> None:
    (tmp_path / "book" / "p1").mkdir(parents=True)
    for stem in ("book/p1/a", "book/b"):
        (tmp_path / f"{stem}.gt.txt").write_text("x\n")
    (tmp_path / "book/p1/a.png").write_bytes(b"png")
    (tmp_path / "book/p1/a.bin.png").write_bytes(b"bin")  # same stem: the compound one wins
    (tmp_path / "book/b.nrm.png").write_bytes(b"nrm")
    (tmp_path / "lonely.tif").write_bytes(b"tif")
    (tmp_path / "orphan.gt.txt").write_text("y\n")
    samples, lonely_images, lonely_gts = discover(tmp_path)
    assert [(s.name, s.image.name) for s in samples] == [
        ("book/b", "b.nrm.png"),
        ("book/p1/a", "a.bin.png"),
    ]
    assert [p.name for p in lonely_images] == ["lonely.tif"]
    assert [p.name for p in lonely_gts] == ["orphan.gt.txt"]


def test_split_is_deterministic_and_keeps_both_sides(make_lines: Callable[..., Path]) -> None:
    samples, _, _ = discover(make_lines(10))
    train, held = split(samples, 0.9, seed=3)
    assert (train, held) == split(list(reversed(samples)), 0.9, seed=3)
    assert len(train) == 9 and len(held) == 1
    assert set(train).isdisjoint(held) and set(train) | set(held) == set(samples)
    tiny_train, tiny_eval = split(samples[:2], 0.99)
    assert len(tiny_train) == 1 and len(tiny_eval) == 1
    with pytest.raises(ValueError):
        split(samples, 1.0)


def test_dataset_hash_changes_with_any_transcription(make_lines: Callable[..., Path]) -> None:
    root = make_lines(4)
    before = dataset_hash(discover(root)[0])
    gt = root / "line_0002.gt.txt"
    gt.write_text(gt.read_text() + " changed")
    assert dataset_hash(discover(root)[0]) != before


def test_ctc_capacity_rule() -> None:
    # 36 px high after scaling, /3 by max-pooling: a 300x36 line has room for 100 steps.
    assert ctc_capacity(300, 36) == 100
    assert ctc_capacity(300, 72) == 50
    assert ctc_steps_needed("abc") == 3
    assert ctc_steps_needed("aab") == 4  # CTC needs a blank between repeated labels


BAD_CASES: dict[str, Callable[[Path], None]] = {
    "empty-gt": lambda d: (d / "line_0000.gt.txt").write_text("  \n"),
    "multi-line-gt": lambda d: (d / "line_0000.gt.txt").write_text("one\ntwo\n"),
    "not-utf8": lambda d: (d / "line_0000.gt.txt").write_bytes(b"caf\xe9\n"),
    "empty-image": lambda d: (d / "line_0000.png").write_bytes(b""),
    "unreadable-image": lambda d: (d / "line_0000.png").write_bytes(b"<html>not an image"),
    "text-too-long": lambda d: (d / "line_0000.gt.txt").write_text("w" * 400 + "\n"),
    "missing-gt": lambda d: (d / "line_0000.gt.txt").unlink(),
    "missing-image": lambda d: (d / "line_0000.png").unlink(),
}


@pytest.mark.parametrize("kind", sorted(BAD_CASES))
def test_bad_dataset_matrix(kind: str, make_lines: Callable[..., Path]) -> None:
    root = make_lines(3)
    BAD_CASES[kind](root)
    before = tree_digest(root)
    report = validate(*discover(root))
    assert [i.kind for i in report.issues] == [kind]
    expected = "warning" if kind.startswith("missing") else "error"
    assert report.issues[0].severity == expected
    assert tree_digest(root) == before


def test_unknown_characters_are_counted(make_lines: Callable[..., Path]) -> None:
    root = make_lines(2)
    (root / "line_0001.gt.txt").write_text("ŋŋ ab\n")
    report = validate(*discover(root), unicharset=set("abcdefghijklmnopqrstuvwxyz0123456789"))
    assert report.unknown_chars == {"ŋ": 2}
    assert not report.errors and report.warnings[0].kind == "unknown-chars"
