"""Box + lstmf generation: tesskit (parallel, cached) vs a sequential per-file loop.

The baseline is what tesstrain's `make` does without -j: the same tesseract call per line,
one after another. Both run in this process on the same lines, cold cache each.
Target: >= 1.8x on 2 cores. Usage: python bench/dataprep.py [--lines 300] [--jobs N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from trainer.dataset import discover
from trainer.lstmf import _make_one, build_lstmf, cache_key
from trainer.synth import find_font, write_synthetic_dataset
from trainer.tools import tesseract_version

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def lines_dir(tmp: Path, count: int) -> Path:
    books = SHARED / "early-printed-books-gt" / "Books"
    if books.is_dir():
        return books  # real line images; the first `count` are used
    words = ["amber", "bridge", "cobalt", "delta", "ember"]
    words += ["fjord", "gravel", "harbor", "ivory", "jolly"]
    lines = [" ".join(words[(i + k) % 10] for k in range(6)) for i in range(count)]
    write_synthetic_dataset(tmp / "synthetic", lines, find_font())
    return tmp / "synthetic"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=300)
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        help="tesseract processes at once [default: tesskit's, cores + 1]",
    )
    parser.add_argument(
        "--tessdata", type=Path, default=Path("/usr/share/tesseract-ocr/5/tessdata")
    )
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        samples = discover(lines_dir(tmp, args.lines))[0][: args.lines]
        version = tesseract_version()

        sequential_runs, parallel_runs, warm_runs = [], [], []
        for round_ in range(args.repeat):  # interleaved, so machine noise hits both alike
            sequential_dir = tmp / f"sequential{round_}"
            sequential_dir.mkdir()
            start = time.perf_counter()
            for sample in samples:  # the baseline: one tool call after another
                target = sequential_dir / f"{cache_key(sample, 13, version)}.lstmf"
                _make_one(sample, target, args.tessdata, 13, "eng")
            sequential_runs.append(time.perf_counter() - start)

            cache = tmp / f"cache{round_}"
            start = time.perf_counter()
            build_lstmf(samples, cache, args.tessdata, jobs=args.jobs)
            parallel_runs.append(time.perf_counter() - start)

            start = time.perf_counter()
            build_lstmf(samples, cache, args.tessdata, jobs=args.jobs)
            warm_runs.append(time.perf_counter() - start)
            shutil.rmtree(cache)
        sequential = statistics.median(sequential_runs)
        parallel = statistics.median(parallel_runs)
        warm = statistics.median(warm_runs)

    print(
        f"lines: {len(samples)}, cores: {os.cpu_count()}, jobs: {args.jobs or 'default'}, "
        f"medians of {args.repeat} rounds"
    )
    print(f"sequential loop (tesstrain make, no -j): {sequential:7.2f} s")
    print(f"tesskit build_lstmf, cold cache:         {parallel:7.2f} s")
    print(f"tesskit build_lstmf, warm cache:         {warm:7.2f} s")
    print(f"speed-up cold: {sequential / parallel:.2f}x (target >= 1.8x on 2 cores)")
    print(f"speed-up warm: {sequential / max(warm, 1e-6):.0f}x")


if __name__ == "__main__":
    main()
