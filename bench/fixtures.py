"""What the benchmarks share: a tessdata dir with a float start model, synthetic lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from trainer.synth import find_font, write_synthetic_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
WORDS = ("amber", "bridge", "cobalt", "delta", "ember", "fjord", "gravel", "harbor", "ivory")


def float_tessdata(root: Path) -> Path:
    """tessdata with the float fra model (stand-in for eng best), lstm.train and langdata."""
    tessdata = root / "tessdata"
    (tessdata / "configs").mkdir(parents=True)
    shutil.copy(SHARED / "tessdata_best" / "fra.traineddata", tessdata)
    shutil.copy("/usr/share/tesseract-ocr/5/tessdata/configs/lstm.train", tessdata / "configs")
    (tessdata / "langdata").symlink_to(SHARED / "langdata")
    return tessdata


def synthetic_lines(root: Path, count: int, noise: float = 0.04) -> Path:
    lines = [
        " ".join(WORDS[(i * 3 + k) % len(WORDS)] for k in range(5)) + f" {i}" for i in range(count)
    ]
    write_synthetic_dataset(root / "gt", lines, find_font(), noise=noise)
    return root / "gt"
