"""Fine-tuning quality on real early printed books: start model vs fine-tuned, per book.

For each book of ../shared/data/early-printed-books-gt: fine-tune START_MODEL (fra) on the
book's first --train-lines lines with `tesskit train`'s code, then score the start model
and the result on --held-lines later lines the training never saw (the book's last ones).
Prints a table, the median CER factor (start CER / tuned CER; target >= 3x, never < 1x)
and the wall time of each fine-tune (target <= 10 min on 2 cores).

Each --setting runs every book once: NAME=default (tesskit train's defaults) or
NAME=lr:ITERATIONS:AUGMENT, e.g. old=0.0001:3000:0 (lr "own" is not possible: fine-tuning
now always resets the rate). Books run --parallel at a time, each with one core.

Measured 2026-11-26 on the shared 2-core machine (fra 25-33 % CER on most books):
  new defaults (lr 0.002, 1000 it, --augment 2): 1476 27.85 -> 3.71 %, 1495 32.22 -> 6.23,
  1505 25.52 -> 5.97, 1572 12.68 -> 1.67; median 6.34x, slowest 4.9 min; unseen books
  1488 6.18x, 1500 6.75x, 1509 3.04x. Same without augmentation: median 5.63x. The code
  before (lr not reset, lstmeval choice, no dictionaries), 1000 it: median 2.36x.

Usage: python bench/quality.py [--books 1476,1495,1505,1572] [--setting new=default]
       [--parallel 2] [--out /tmp/tesskit-quality]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from trainer import dataset
from trainer.evaluate import ModelRef, evaluate_model
from trainer.train import TrainConfig, run_training

from fixtures import SHARED, float_tessdata

BOOKS = SHARED / "early-printed-books-gt" / "Books"


@dataclass(frozen=True)
class Setting:
    name: str
    learning_rate: float | None
    max_iterations: int | None
    augment: int | None

    @classmethod
    def parse(cls, spec: str) -> Setting:
        name, _, value = spec.partition("=")
        if value in ("", "default"):
            return cls(name, None, None, None)
        lr, iterations, augment = value.split(":")
        return cls(name, float(lr), int(iterations), int(augment))


def copy_lines(samples: list[dataset.Sample], dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        stem = Path(sample.name).name
        shutil.copy(sample.image, dest / f"{stem}{sample.image.name[len(stem) :]}")
        shutil.copy(sample.gt, dest / f"{stem}.gt.txt")
    return dest


def one_book(
    book: str, setting: Setting, args: argparse.Namespace, tessdata: Path, root: Path
) -> dict[str, object]:
    samples, _, _ = dataset.discover(BOOKS / book)
    work = root / setting.name / book
    train = copy_lines(samples[: args.train_lines], work / "train")
    held, _, _ = dataset.discover(copy_lines(samples[-args.held_lines :], work / "held"))
    config = TrainConfig(
        model_name=f"q{book}",
        data_dir=train,
        start_model="fra",
        tessdata=tessdata,
        output_dir=work / "runs",
        jobs=1,
        augment=setting.augment,
        show_progress=False,
        fresh=True,
    )
    if setting.learning_rate is not None:
        config.learning_rate = setting.learning_rate
    if setting.max_iterations is not None:
        config.max_iterations = setting.max_iterations
    started = time.monotonic()
    result = run_training(config, Console(stderr=True, quiet=True))
    minutes = (time.monotonic() - started) / 60
    base = evaluate_model(held, ModelRef.parse("fra", tessdata), jobs=1)
    tuned = evaluate_model(held, ModelRef.parse(str(result.model), None), jobs=1)
    row = {
        "setting": setting.name,
        "book": book,
        "base": base.cer,
        "tuned": tuned.cer,
        "factor": base.cer / max(tuned.cer, 1e-9),
        "minutes": minutes,
        "verdict": result.verdict,
        "held": len(held),
    }
    print_row(row)
    return row


def print_row(row: dict[str, object]) -> None:
    print(
        f"{row['setting']:>10} {row['book']:>5} {row['base']:8.2f} {row['tuned']:8.2f} "
        f"{row['factor']:6.2f}x {row['minutes']:6.1f}   {row['verdict']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--books", default="1476,1495,1505,1572")
    parser.add_argument("--setting", action="append", default=None)
    parser.add_argument("--train-lines", type=int, default=40)
    parser.add_argument("--held-lines", type=int, default=60)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/tesskit-quality"))
    args = parser.parse_args()
    settings = [Setting.parse(s) for s in args.setting or ["new=default"]]
    books = args.books.split(",")
    shutil.rmtree(args.out / "tessdata", ignore_errors=True)
    tessdata = float_tessdata(args.out)
    print(f"{'setting':>10} {'book':>5} {'base %':>8} {'tuned %':>8} {'factor':>7} {'min':>6}")
    jobs = [(book, setting) for book in books for setting in settings]
    with ThreadPoolExecutor(max_workers=args.parallel) as pool:
        rows = list(pool.map(lambda j: one_book(j[0], j[1], args, tessdata, args.out), jobs))
    for setting in settings:
        mine = [r for r in rows if r["setting"] == setting.name]
        factors = [float(r["factor"]) for r in mine]  # type: ignore[arg-type]
        worse = [r["book"] for r in mine if float(r["tuned"]) > float(r["base"])]  # type: ignore[arg-type]
        slowest = max(float(r["minutes"]) for r in mine)  # type: ignore[arg-type]
        print(
            f"{setting.name}: median CER factor {statistics.median(factors):.2f}x "
            f"(target >= 3x); worse than base on: {', '.join(worse) or 'none'}; "
            f"slowest fine-tune {slowest:.1f} min (target <= 10)"
        )


if __name__ == "__main__":
    main()
