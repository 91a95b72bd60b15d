"""CI phase timings against the budget: what each phase of `make test` cost, and the run's
ratio to its target: 60 minutes for a fresh run (empty cache: Tesseract is compiled), 35 for
a warm one; CI's hard limit is 90 either way.

tests/ci/test-all.sh records one `phase seconds status` row per phase in
$TESSKIT_CACHE_DIR/phases.tsv and the run's wall time in phases.wall (test-vm runs in the
background beside the later phases, so the wall time is less than the phases' sum); the VM
test adds its steps to vm-phases.tsv.
Usage: python bench/ci_phases.py [--cache DIR]   (default: $TESSKIT_CACHE_DIR, as make sets it)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

TARGET_MINUTES = {"fresh": 60.0, "warm": 35.0}
CI_LIMIT_MINUTES = 90


def read_rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("TESSKIT_CACHE_DIR") or Path(__file__).parents[1] / ".cache"),
    )
    args = parser.parse_args()
    phases = read_rows(args.cache / "phases.tsv")
    if not phases:
        raise SystemExit(f"no {args.cache / 'phases.tsv'}: run `make test` first")
    phase_sum = sum(float(row[1]) for row in phases)
    wall_file = args.cache / "phases.wall"
    # Runs recorded before phases ran side by side have no wall time: their sum is it.
    total = float(wall_file.read_text()) if wall_file.is_file() else phase_sum
    kind_file = args.cache / "phases.kind"
    kind = kind_file.read_text().strip() if kind_file.is_file() else "unknown"
    print(f"{'phase':<24}{'seconds':>9}{'share':>8}  exit")
    for row in phases:
        seconds = float(row[1])
        status = row[2] if len(row) > 2 else ""
        print(f"{row[0]:<24}{seconds:>9.0f}{seconds / total:>8.0%}  {status}")
    print(f"{'sum of phases':<24}{phase_sum:>9.0f}   = {phase_sum / 60:.1f} min")
    print(f"{'wall time':<24}{total:>9.0f}   = {total / 60:.1f} min  ({kind} cache)")
    for name, minutes in TARGET_MINUTES.items():
        mark = "  <- this run" if name == kind else ""
        print(
            f"ratio to the {name} target of {minutes:.0f} min: {total / (minutes * 60):.2f}x{mark}"
        )
    limit = CI_LIMIT_MINUTES * 60
    print(f"ratio to CI's hard limit of {CI_LIMIT_MINUTES} min: {total / limit:.2f}x")
    steps = read_rows(args.cache / "vm-phases.tsv")
    if steps:
        print("\nVM phase steps (tests/vm):")
        for step, seconds in steps:
            print(f"  {float(seconds):7.0f}  {step[:90]}")


if __name__ == "__main__":
    main()
