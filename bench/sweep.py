"""Sweep throughput: N runs with --jobs N vs the same runs one after another (--jobs 1).

Both in this process, same data, same lstmf cache (warm for both). Target >= 1.7x for
N=2 on 2 cores. Usage: python bench/sweep.py [--runs 2] [--iterations 300]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from trainer.sweep import grid, run_sweep
from trainer.train import TrainConfig

from fixtures import float_tessdata, synthetic_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tessdata = float_tessdata(tmp)
        data = synthetic_lines(tmp, 40)
        rates = [0.0001 * (i + 1) for i in range(args.runs)]
        timings = {}
        for jobs in (1, args.runs):
            # Target 0: every run trains its full iterations, so both timings do the same work.
            base = TrainConfig(
                model_name="bench",
                data_dir=data,
                start_model="fra",
                tessdata=tessdata,
                output_dir=tmp / f"runs-{jobs}",
                target_error_rate=0,
            )
            runs = grid("bench", rates, [args.iterations])
            start = time.perf_counter()
            results = run_sweep(runs, base, jobs)
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
