"""What tesskit may write into and delete: only run directories it made itself.

A run dir gets a marker file when tesskit creates it. ``--fresh`` and ``tesskit clean``
delete only inside marked dirs, and never where ground truth (an image beside its
``.gt.txt``) lies below: a mistyped ``--output-dir`` or ground truth kept inside
``runs/NAME/`` must never cost the user their transcriptions.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from trainer import dataset
from trainer.names import is_sweep_run
from trainer.tools import TesskitError

RUN_MARKER = ".tesskit-run"
#: Below --output-dir, shared by all its runs and never stale (content-addressed names):
#: ``lstmf/`` and the augmented lines of ``augment/``.
CACHE_DIR = ".cache"


def cache_dir(output_dir: Path, kind: str) -> Path:
    """The ``kind`` ("lstmf", "augment") cache of an output dir, as an absolute path."""
    return output_dir.resolve() / CACHE_DIR / kind


def is_inside(path: Path, parent: Path) -> bool:
    return path.resolve().is_relative_to(parent.resolve())


def claim(run_dir: Path, data_dir: Path) -> None:
    """Make ``run_dir`` (marked as tesskit's) or check that an existing one is tesskit's."""
    if is_inside(data_dir, run_dir):
        raise TesskitError(
            f"the ground truth {data_dir} is inside the run dir {run_dir}",
            "keep ground truth outside runs/ (e.g. data/NAME-ground-truth): tesskit "
            "replaces and cleans run dirs",
        )
    marker = run_dir / RUN_MARKER
    if run_dir.is_dir() and not marker.is_file() and any(run_dir.iterdir()):
        raise TesskitError(
            f"{run_dir} exists and was not made by tesskit (no {RUN_MARKER} in it); left alone",
            "choose another --model-name or --output-dir; if it is a run of an older "
            f"tesskit, mark it as one: touch {marker}",
        )
    run_dir.mkdir(parents=True, exist_ok=True)
    marker.touch()


def check_deletable(path: Path) -> None:
    """Raise unless ``path`` is a marked run dir with no ground truth anywhere below it."""
    if not (path / RUN_MARKER).is_file():
        raise TesskitError(
            f"{path} was not made by tesskit (no {RUN_MARKER} in it); nothing deleted",
            f"delete it yourself if it is yours to delete: rm -r {path}",
        )
    check_no_ground_truth(path)


def check_no_ground_truth(path: Path) -> None:
    samples, _, _ = dataset.discover(path)
    if samples:
        raise TesskitError(
            f"{path} holds ground truth ({len(samples)} image + .gt.txt pairs, e.g. "
            f"{samples[0].gt}); nothing deleted",
            "move the ground truth out of the run dir first",
        )


def remove(path: Path, entries: Iterable[str] | None = None) -> None:
    """Delete a run dir (or only the named ``entries`` of it), after :func:`check_deletable`."""
    check_deletable(path)
    if entries is None:
        shutil.rmtree(path)
        return
    for name in entries:
        target = path / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)


#: What tesskit keeps in <output-dir>/.cache: lstmf files (lstmf.py), augmented line images
#: (augment.py). Anything else there is not tesskit's, and stops `tesskit clean --cache`.
CACHE_PARTS = frozenset({"lstmf", "augment"})


def clean_targets(output_dir: Path, name: str, with_cache: bool = False) -> list[Path]:
    """What ``tesskit clean NAME`` removes: the run dir, its sweep log, and when NAME is a
    sweep's prefix that sweep's runs, best model, plot, logs and table. Raises when any
    directory among them is not tesskit's to delete."""
    # A sweep's runs, found by their directories or by their logs (a run that failed early).
    found = {p.name.removesuffix(".sweep.log") for p in output_dir.glob(f"{name}_lr*_it*")}
    runs = [name, *sorted(r for r in found if is_sweep_run(r, name))]
    targets: list[Path] = []
    for run in runs:
        run_dir = output_dir / run
        if run_dir.is_dir():
            check_deletable(run_dir)
            targets.append(run_dir)
        targets.append(output_dir / f"{run}.sweep.log")
    for sweep_file in ("_best.traineddata", "_sweep.png", "_sweep.html", "_sweep-ansible.log"):
        targets.append(output_dir / f"{name}{sweep_file}")
    targets.append(output_dir / f".{name}_sweep-vars.yml")
    if _is_table_of_sweep(output_dir / "sweep.json", name):
        targets.append(output_dir / "sweep.json")
    cache = output_dir / CACHE_DIR
    if with_cache and cache.is_dir():
        if {p.name for p in cache.iterdir()} - CACHE_PARTS:
            raise TesskitError(f"{cache} holds more than tesskit's caches; nothing deleted")
        check_no_ground_truth(cache)
        targets.append(cache)
    return [t for t in targets if t.is_dir() or t.is_file()]


def _is_table_of_sweep(table: Path, prefix: str) -> bool:
    """sweep.json is the output dir's last sweep table: this sweep's when every row is."""
    try:
        rows = json.loads(table.read_text())
    except (OSError, ValueError):
        return False
    return bool(rows) and all(is_sweep_run(str(r.get("name")), prefix) for r in rows)


def delete(target: Path) -> None:
    """Remove one of :func:`clean_targets`' paths (run dirs checked again just before)."""
    if target.is_dir() and not target.is_symlink():
        if target.name != CACHE_DIR:
            check_deletable(target)
        shutil.rmtree(target)
    else:
        target.unlink(missing_ok=True)
