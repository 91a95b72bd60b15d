"""Synthetic text-line images rendered with Pillow (demo data and test fixtures)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from trainer.tools import TesskitError

#: Where Debian, Ubuntu and macOS keep TrueType fonts; searched in order.
FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
)
PREFERRED_FONTS = ("DejaVuSans.ttf", "DejaVuSerif.ttf", "LiberationSerif-Regular.ttf")


def find_font(explicit: Path | None = None) -> Path:
    """A TrueType font on this machine: ``explicit``, a preferred one, else any .ttf."""
    if explicit is not None:
        if not explicit.is_file():
            raise TesskitError(f"font {explicit} does not exist", "pass --font PATH to a .ttf file")
        return explicit
    candidates = [p for d in FONT_DIRS if d.is_dir() for p in sorted(d.rglob("*.ttf"))]
    for name in PREFERRED_FONTS:
        for path in candidates:
            if path.name == name:
                return path
    if candidates:
        return candidates[0]
    raise TesskitError(
        "no TrueType font found for synthetic lines",
        "install one (Debian/Ubuntu: apt-get install fonts-dejavu-core) or pass --font PATH",
    )


def render_line(
    text: str,
    font_path: Path,
    height: int = 48,
    padding: int = 8,
    noise: float = 0.0,
    seed: int = 0,
) -> Image.Image:
    """One grey-scale line image the way a scanner would crop it: dark text, light margin."""
    font = ImageFont.truetype(str(font_path), size=int(height * 0.62))
    left, top, right, bottom = font.getbbox(text)
    width = right - left + 2 * padding
    image = Image.new("L", (max(width, 16), height), color=255)
    draw = ImageDraw.Draw(image)
    draw.text((padding - left, (height - (bottom - top)) // 2 - top), text, font=font, fill=0)
    if noise > 0:
        rng = random.Random(seed)
        pixels = image.load()
        for _ in range(int(image.width * image.height * noise)):
            x, y = rng.randrange(image.width), rng.randrange(image.height)
            pixels[x, y] = 255 - pixels[x, y]
    return image


def write_synthetic_dataset(
    out_dir: Path, lines: Sequence[str], font_path: Path, height: int = 48, noise: float = 0.0
) -> list[Path]:
    """Write ``line_0000.png`` + ``line_0000.gt.txt`` pairs; returns the image paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = []
    for index, text in enumerate(lines):
        stem = out_dir / f"line_{index:04d}"
        render_line(text, font_path, height=height, noise=noise, seed=index).save(
            stem.with_suffix(".png")
        )
        stem.with_suffix(".gt.txt").write_text(text + "\n", encoding="utf-8")
        images.append(stem.with_suffix(".png"))
    return images
