"""Sweep throughput: N runs with --jobs N vs the same runs one after another (--jobs 1).

Both in this process, same data, same lstmf cache (warm for both). Target >= 1.7x for
N=2 on 2 cores. Usage: python bench/sweep.py [--runs 2] [--iterations 300]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from trainer.sweep import grid, run_sweep
from trainer.synth import find_font, write_synthetic_dataset

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tessdata = tmp / "tessdata"
        (tessdata / "configs").mkdir(parents=True)
        shutil.copy(SHARED / "tessdata_best" / "fra.traineddata", tessdata)
        shutil.copy("/usr/share/tesseract-ocr/5/tessdata/configs/lstm.train", tessdata / "configs")
        (tessdata / "langdata").symlink_to(SHARED / "langdata")
        words = ["amber", "bridge", "cobalt", "delta", "ember", "fjord", "gravel", "harbor"]
        lines = [" ".join(words[(i * 3 + k) % 8] for k in range(5)) + f" {i}" for i in range(40)]
        write_synthetic_dataset(tmp / "gt", lines, find_font(), noise=0.04)
        rates = [0.0001 * (i + 1) for i in range(args.runs)]
        timings = {}
        for jobs in (1, args.runs):
            out = tmp / f"runs-{jobs}"
            common = [
                "--data",
                str(tmp / "gt"),
                "--output-dir",
                str(out),
                "--start-model",
                "fra",
                "--tessdata",
                str(tessdata),
                "--target-error-rate",
                "0",
                "--jobs",
                "1",
            ]
            runs = grid("bench", rates, [args.iterations])
            start = time.perf_counter()
            results = run_sweep(runs, common, tmp / "gt", out, tessdata, 13, jobs, "fra")
            timings[jobs] = time.perf_counter() - start
            assert all(r["exit_code"] == 0 for r in results), results
    print(f"runs: {args.runs} x {args.iterations} iterations")
    print(f"one after another (--jobs 1): {timings[1]:7.2f} s")
    print(f"in parallel (--jobs {args.runs}):      {timings[args.runs]:7.2f} s")
    print(
        f"speed-up: {timings[1] / timings[args.runs]:.2f}x (target >= 1.7x for 2 runs on 2 cores)"
    )


if __name__ == "__main__":
    main()
