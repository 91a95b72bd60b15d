"""Trainer overhead: `run_training` vs bare lstmtraining for the same iterations.

Both fine-tune the same start model on the same lstmf lists; the bare run is the exact
lstmtraining command tesskit builds, run without tesskit's streaming, parsing, progress
bar and manifest writes. Target: <= 1.05x. Usage: python bench/overhead.py [--iterations 400]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

from trainer.tools import find_tool, tool_env
from trainer.train import TrainConfig, run_training

from fixtures import float_tessdata, synthetic_lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--iterations", type=int, default=400)
    parser.add_argument("--lines", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tessdata = float_tessdata(tmp)
        data = synthetic_lines(tmp, args.lines)
        config = TrainConfig(
            model_name="bench",
            data_dir=data,
            start_model="fra",
            tessdata=tessdata,
            output_dir=tmp / "runs",
            max_iterations=args.iterations,
            target_error_rate=0.0,
            show_progress=True,
        )
        start = time.perf_counter()
        result = run_training(config)
        tesskit_total = time.perf_counter() - start
        manifest = json.loads((result.run_dir / "manifest.json").read_text())
        tesskit_train = manifest["timings"]["lstmtraining_s"]

        run_dir = result.run_dir
        bare_out = tmp / "bare"
        bare_out.mkdir()
        starter = run_dir / "starter"
        command = [
            str(find_tool("lstmtraining")),
            "--traineddata",
            str(starter / "bench" / "bench.traineddata"),
            "--model_output",
            str(bare_out / "bench"),
            "--learning_rate",
            "0.0001",
            "--train_listfile",
            str(run_dir / "lists" / "train.txt"),
            "--eval_listfile",
            str(run_dir / "lists" / "eval.txt"),
            "--max_iterations",
            str(args.iterations),
            "--target_error_rate",
            "0.0",
            "--continue_from",
            str(starter / "start.lstm"),
            "--old_traineddata",
            str(tessdata / "fra.traineddata"),
        ]
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True, env=tool_env(tessdata))
        bare = time.perf_counter() - start
    print(f"iterations: {args.iterations}, lines: {args.lines}")
    print(f"bare lstmtraining:                      {bare:7.2f} s")
    print(f"tesskit, lstmtraining phase (streamed): {tesskit_train:7.2f} s")
    print(f"tesskit, whole run (lstmf, starter, eval, export): {tesskit_total:7.2f} s")
    print(f"overhead ratio, training phase: {tesskit_train / bare:.3f}x (target <= 1.05x)")


if __name__ == "__main__":
    main()
