"""Ground-truth discovery and train/eval splitting (tesstrain layout).

A sample is ``NAME.<image ext>`` beside ``NAME.gt.txt``, anywhere below the data
directory. Ground truth is only ever read here, never written.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Image suffixes tesstrain accepts, longest first so ``x.bin.png`` is not read as ``x.bin`` + ``.png``.
IMAGE_SUFFIXES: tuple[str, ...] = (".bin.png", ".nrm.png", ".png", ".tif", ".tiff", ".jpg", ".jpeg")
GT_SUFFIX = ".gt.txt"


@dataclass(frozen=True, order=True)
class Sample:
    """One line image with its transcription; ``name`` is the path stem relative to the data dir."""

    name: str
    image: Path
    gt: Path

    def text(self) -> str:
        """The transcription (one line, surrounding whitespace stripped)."""
        return self.gt.read_text(encoding="utf-8").strip()

    def content_hash(self, *extra: str) -> str:
        """sha256 over image bytes, gt bytes and ``extra`` (settings that change the output)."""
        digest = hashlib.sha256()
        for part in (self.image.read_bytes(), self.gt.read_bytes(), *(e.encode() for e in extra)):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()


def strip_image_suffix(path: Path) -> str | None:
    """``a/b.nrm.png`` -> ``a/b``; None when the file is not an image tesstrain accepts."""
    name = path.name
    lowered = name.lower()
    for suffix in IMAGE_SUFFIXES:
        if lowered.endswith(suffix):
            return str(path.with_name(name[: -len(suffix)]))
    return None


def discover(data_dir: Path) -> tuple[list[Sample], list[Path], list[Path]]:
    """Pair images with ``.gt.txt`` files below ``data_dir``.

    Returns ``(samples, images_without_gt, gt_without_image)``, each sorted. When several
    images share one stem (``x.png`` and ``x.bin.png``), the first suffix in
    IMAGE_SUFFIXES order wins, as one transcription belongs to one image.
    """
    data_dir = data_dir.resolve()
    images: dict[str, Path] = {}
    gts: dict[str, Path] = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        if path.name.endswith(GT_SUFFIX):
            gts[str(path)[: -len(GT_SUFFIX)]] = path
            continue
        stem = strip_image_suffix(path)
        if stem is None:
            continue
        current = images.get(stem)
        if current is None or _suffix_rank(path) < _suffix_rank(current):
            images[stem] = path
    samples = [
        Sample(name=str(Path(stem).relative_to(data_dir)), image=images[stem], gt=gts[stem])
        for stem in sorted(images.keys() & gts.keys())
    ]
    lonely_images = sorted(images[s] for s in images.keys() - gts.keys())
    lonely_gts = sorted(gts[s] for s in gts.keys() - images.keys())
    return samples, lonely_images, lonely_gts


def _suffix_rank(path: Path) -> int:
    lowered = path.name.lower()
    return next(i for i, s in enumerate(IMAGE_SUFFIXES) if lowered.endswith(s))


def split(
    samples: Sequence[Sample], ratio_train: float = 0.9, seed: int = 0
) -> tuple[list[Sample], list[Sample]]:
    """Deterministic shuffle-and-cut into (train, eval); both non-empty when len >= 2."""
    if not 0.0 < ratio_train < 1.0:
        raise ValueError(f"ratio_train must be between 0 and 1, got {ratio_train}")
    ordered = sorted(samples)
    random.Random(seed).shuffle(ordered)
    cut = round(len(ordered) * ratio_train)
    if len(ordered) >= 2:
        cut = min(max(cut, 1), len(ordered) - 1)
    return ordered[:cut], ordered[cut:]


def dataset_hash(samples: Iterable[Sample]) -> str:
    """One sha256 for a whole dataset: names plus content hashes, order-independent."""
    digest = hashlib.sha256()
    for sample in sorted(samples):
        digest.update(sample.name.encode())
        digest.update(sample.content_hash().encode())
    return digest.hexdigest()
