"""Augmented copies: deterministic per seed, same text, ground truth only read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PIL import Image

from trainer import dataset
from trainer.augment import augmented_samples
from trainer.train import split_lines

from conftest import tree_digest


def test_deterministic_per_seed_and_text_kept(
    make_lines: Callable[..., Path], tmp_path: Path
) -> None:
    samples, _, _ = dataset.discover(make_lines(3))
    first = augmented_samples(samples, 2, seed=1, cache_dir=tmp_path / "a")
    again = augmented_samples(samples, 2, seed=1, cache_dir=tmp_path / "b")
    other = augmented_samples(samples, 2, seed=2, cache_dir=tmp_path / "c")
    assert len(first) == 6
    assert [s.image.read_bytes() for s in first] == [s.image.read_bytes() for s in again]
    assert [s.image.read_bytes() for s in first] != [s.image.read_bytes() for s in other]
    by_name = {s.name: s for s in samples}
    for copy in first:
        source = by_name[copy.name.rsplit(".aug", 1)[0]]
        assert copy.text() == source.text()
        with Image.open(copy.image) as img, Image.open(source.image) as src:
            assert img.size != src.size or img.tobytes() != src.convert("L").tobytes()


def test_ground_truth_untouched(make_lines: Callable[..., Path], tmp_path: Path) -> None:
    data = make_lines(3)
    before = tree_digest(data)
    samples, _, _ = dataset.discover(data)
    made = augmented_samples(samples, 3, seed=0, cache_dir=tmp_path / "cache")
    assert tree_digest(data) == before
    assert all(tmp_path / "cache" in s.image.parents for s in made)


def test_eval_lines_are_never_augmented(make_lines: Callable[..., Path], tmp_path: Path) -> None:
    samples, _, _ = dataset.discover(make_lines(40))
    train, held = split_lines(samples, None, 0.9, seed=0)
    assert len(held) == 8  # the minimum, though 10 % would be 4
    made = augmented_samples(train, 1, seed=0, cache_dir=tmp_path / "cache")
    sources = {s.name.rsplit(".aug", 1)[0] for s in made}
    assert sources == {s.name for s in train}
    assert not sources & {s.name for s in held}
    held_bytes = {s.image.read_bytes() for s in held}
    assert not any(s.image.read_bytes() in held_bytes for s in made)


def test_zero_copies_writes_nothing(make_lines: Callable[..., Path], tmp_path: Path) -> None:
    samples, _, _ = dataset.discover(make_lines(2))
    assert augmented_samples(samples, 0, seed=0, cache_dir=tmp_path / "cache") == []
    assert not (tmp_path / "cache").exists()
