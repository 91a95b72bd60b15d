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


@pytest.mark.parametrize(
    ("text", "line", "column", "named"),
    [
        ("one\ttwo\n", 1, 4, "U+0009"),
        ("trunc\0ated\n", 1, 6, "U+0000"),
        ("page\fbreak\n", 1, 5, "U+000C"),
        ("line\u2028sep\n", 1, 5, "U+2028 LINE SEPARATOR"),
        ("para\u2029sep", 1, 5, "U+2029 PARAGRAPH SEPARATOR"),
        ("\nnel\x85x", 2, 4, "U+0085"),
    ],
)
def test_control_characters_are_errors_with_line_and_column(
    make_lines: Callable[..., Path], text: str, line: int, column: int, named: str
) -> None:
    data = make_lines(2)
    (data / "line_0000.gt.txt").write_text(text, encoding="utf-8")
    samples, _, _ = discover(data)
    errors = validate(samples).errors
    assert [e.kind for e in errors] == ["control-char"]
    assert errors[0].path.name == "line_0000.gt.txt"
    assert f"line {line}, column {column}: control character {named}" in errors[0].detail


def test_crlf_line_ending_is_not_a_control_character(make_lines: Callable[..., Path]) -> None:
    data = make_lines(2)
    (data / "line_0000.gt.txt").write_bytes(b"amber bridge\r\n")
    samples, _, _ = discover(data)
    assert validate(samples).issues == []


def test_unreadable_transcription_is_an_error_not_a_traceback(
    make_lines: Callable[..., Path],
) -> None:
    data = make_lines(2)
    gt = data / "line_0000.gt.txt"
    gt.unlink()
    gt.symlink_to("/proc/self/mem")  # a regular file that fails every read (EIO), even for root
    samples, _, _ = discover(data)
    errors = validate(samples).errors
    assert [(e.kind, e.path) for e in errors] == [("unreadable-gt", gt)]


def _png_header(width: int, height: int) -> bytes:
    """A small PNG file whose header claims ``width`` x ``height`` pixels (no pixel data)."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_huge_image_header_is_an_error_naming_the_file(make_lines: Callable[..., Path]) -> None:
    data = make_lines(2)
    image = data / "line_0000.png"
    image.write_bytes(_png_header(100_000, 100_000))
    samples, _, _ = discover(data)
    errors = validate(samples).errors
    assert [(e.kind, e.path) for e in errors] == [("image-too-large", image)]
