"""Randomised copies of training lines, so a few dozen lines teach more than their pixels.

Each copy gets a small rotation and shear, a scale, thinner or bolder strokes, blur,
contrast and noise: variations a scan of the same book really shows. Copies are written
to a cache dir (never beside the ground truth) with a copy of the transcription, and are
deterministic per seed and line content, so the lstmf cache, keyed by image bytes, reuses
them on the next run. Only training lines are ever augmented.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter, ImageOps

from trainer.atomic import replacing
from trainer.dataset import Sample


def _seed_for(sample: Sample, seed: int, copy: int) -> int:
    digest = hashlib.sha256(f"{sample.content_hash()}:{seed}:{copy}".encode()).digest()
    return int.from_bytes(digest[:8], "little")


def _geometry(img: Image.Image, rng: random.Random) -> Image.Image:
    """Rotate by at most 1 degree, shear by at most 0.15, rescale by 0.85-1.15."""
    height = img.size[1]
    shear = rng.uniform(-0.15, 0.15)
    pad = int(abs(shear) * height) + 2
    img = ImageOps.expand(img, border=(pad, 2), fill=255)
    img = img.transform(
        img.size,
        Image.Transform.AFFINE,
        (1, shear, -shear * img.size[1] / 2, 0, 1, 0),
        resample=Image.Resampling.BILINEAR,
        fillcolor=255,
    )
    img = img.rotate(rng.uniform(-1.0, 1.0), Image.Resampling.BILINEAR, expand=True, fillcolor=255)
    scale = rng.uniform(0.85, 1.15)
    size = (max(1, round(img.size[0] * scale)), max(1, round(img.size[1] * scale)))
    return img.resize(size, Image.Resampling.BILINEAR)


def _ink(img: Image.Image, rng: random.Random) -> Image.Image:
    """Stroke weight (erode/dilate), blur, contrast and noise."""
    stroke = rng.choice(("thin", "bold", "same", "same"))
    if stroke == "bold":
        img = img.filter(ImageFilter.MinFilter(3))  # dark ink on light paper grows
    elif stroke == "thin":
        img = img.filter(ImageFilter.MaxFilter(3))
    if rng.random() < 0.5:
        img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))
    pixels = np.asarray(img, dtype=np.float32)
    contrast = rng.uniform(0.6, 1.0)
    pixels = 255 - (255 - pixels) * contrast + rng.uniform(-10, 10)
    noise = np.random.default_rng(rng.getrandbits(32)).normal(0, rng.uniform(0, 12), pixels.shape)
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))


def augment_image(image: Path, rng: random.Random) -> Image.Image:
    with Image.open(image) as src:
        img = src.convert("L")
    return _ink(_geometry(img, rng), rng)


def augmented_samples(
    samples: Sequence[Sample], copies: int, seed: int, cache_dir: Path
) -> list[Sample]:
    """``copies`` augmented versions of every sample, written into ``cache_dir`` (reused
    when already there); the source files are only read."""
    if copies <= 0:
        return []
    out_dir = cache_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[Sample] = []
    for sample in samples:
        text = sample.gt.read_bytes()
        for copy in range(copies):
            key = _seed_for(sample, seed, copy)
            stem = out_dir / f"{key:016x}"
            image, gt = stem.with_suffix(".png"), stem.with_suffix(".gt.txt")
            if not (image.is_file() and gt.is_file()):  # the name is a hash of the content
                with replacing(image) as partial:
                    augment_image(sample.image, random.Random(key)).save(partial, format="PNG")
                with replacing(gt) as partial:
                    partial.write_bytes(text)
            made.append(Sample(f"{sample.name}.aug{copy}", image, gt))
    return made
