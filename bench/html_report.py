"""report.html at scale: page size and time to write and to open for N lines (default 5,000).

Lines are the demo's text, rendered with the bundled renderer (a few distinct images reused), two
models read them with deterministic random edits (~4% and ~0.5% of characters). Prints the
HTML size, bytes per line, the time to write the report, and, when Debian's chromium is
installed, the time headless Chromium takes to load the page and run its script, against a
one-page (200-line) report: the ratio is what the page size costs the reader.
Usage: python bench/html_report.py [--lines 5000]
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from trainer.dataset import Sample
from trainer.demo import demo_lines
from trainer.evaluate import score
from trainer.html_report import IMAGES_DIR, write_html_report
from trainer.synth import find_font, render_line

ALPHABET = "abcdefghijklmnopqrstuvwxyz ,.;:!?0123456789ſéü"


def misread(text: str, rate: float, rng: random.Random) -> str:
    out = []
    for char in text:
        roll = rng.random()
        if roll < rate / 3:
            continue  # deleted
        out.append(rng.choice(ALPHABET) if roll < 2 * rate / 3 else char)
        if rate / 3 * 2 <= roll < rate:
            out.append(rng.choice(ALPHABET))  # inserted
    return "".join(out)


def make_samples(root: Path, count: int, distinct: int = 40) -> list[Sample]:
    """``count`` ground-truth lines (the demo's text), sharing ``distinct`` rendered images."""
    font = find_font()
    images = []
    for i, text in enumerate(demo_lines(distinct)):
        images.append(root / f"img{i}.png")
        render_line(text, font).save(images[-1])
    samples = []
    for i, text in enumerate(demo_lines(count)):
        gt = root / f"line_{i:05d}.gt.txt"
        gt.write_text(f"{text} {i}\n", encoding="utf-8")
        samples.append(Sample(gt.name.removesuffix(".gt.txt"), images[i % distinct], gt))
    return samples


def chromium_seconds(page: Path, profile: Path) -> float | None:
    chromium = shutil.which("chromium")
    if chromium is None:
        return None
    started = time.monotonic()
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, check=True, timeout=600,
    )  # fmt: skip
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tesskit-bench-html-") as tmp:
        root = Path(tmp)
        (root / "gt").mkdir()
        samples = make_samples(root / "gt", args.lines)
        refs, names = [s.text() for s in samples], [s.name for s in samples]
        rng = random.Random(1)
        scores = [
            score(names, refs, [misread(r, rate, rng) for r in refs], model)
            for model, rate in (("base", 0.04), ("tuned", 0.005))
        ]
        started = time.monotonic()
        page = write_html_report(root / "out", scores, samples)
        write_s = time.monotonic() - started
        html = page.stat().st_size
        images = sum(p.stat().st_size for p in (root / "out" / IMAGES_DIR).iterdir())
        print(f"lines: {args.lines}, models: {len(scores)}")
        print(f"report.html: {html / 1e6:.2f} MB = {html / args.lines:.0f} bytes per line")
        print(f"{IMAGES_DIR}/: {images / 1e6:.2f} MB (beside; fetched per shown page)")
        print(f"write_html_report: {write_s:.2f} s = {1000 * write_s / args.lines:.2f} ms per line")
        first_page = [
            score(names[:200], refs[:200], [r.hypothesis for r in s.lines[:200]], s.model)
            for s in scores
        ]
        small = write_html_report(root / "small", first_page, samples[:200])
        load = chromium_seconds(page, root / "profile")
        load_small = chromium_seconds(small, root / "profile-small")
        if load is not None and load_small is not None:
            print(f"headless chromium, load + script: {load:.2f} s; one page of 200 lines: "
                  f"{load_small:.2f} s; ratio {load / load_small:.1f}x")  # fmt: skip


if __name__ == "__main__":
    main()
