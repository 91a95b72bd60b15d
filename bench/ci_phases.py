"""CI phase timings against the budget: what each phase of `make test` cost, and the share
of the 75-minute target (CI's hard limit is 90) the whole run used.

scripts/test-all.sh records one `phase seconds status` row per phase in
$TESSKIT_CACHE_DIR/phases.tsv; the VM test adds its steps to vm-phases.tsv.
Usage: python bench/ci_phases.py [--cache /var/tmp/tesskit-cache] [--budget-minutes 75]
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path


def read_rows(path: Path) -> list[list[str]]:
    if not path.is_file():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(os.environ.get("TESSKIT_CACHE_DIR", "/var/tmp/tesskit-cache")),
    )
    parser.add_argument("--budget-minutes", type=float, default=75.0)
    args = parser.parse_args()
    phases = read_rows(args.cache / "phases.tsv")
    if not phases:
        raise SystemExit(f"no {args.cache / 'phases.tsv'}: run `make test` first")
    total = sum(float(row[1]) for row in phases)
    budget = args.budget_minutes * 60
    print(f"{'phase':<24}{'seconds':>9}{'share':>8}  exit")
    for row in phases:
        seconds = float(row[1])
        status = row[2] if len(row) > 2 else ""
        print(f"{row[0]:<24}{seconds:>9.0f}{seconds / total:>8.0%}  {status}")
    print(f"{'total':<24}{total:>9.0f}   = {total / 60:.1f} min")
    print(f"ratio to the {args.budget_minutes:.0f}-minute budget: {total / budget:.2f}x")
    steps = read_rows(args.cache / "vm-phases.tsv")
    if steps:
        print("\nVM phase steps (tests/vm):")
        for step, seconds in steps:
            print(f"  {float(seconds):7.0f}  {step[:90]}")


if __name__ == "__main__":
    main()
