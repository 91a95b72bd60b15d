"""Choosing the model to hand back: checkpoints and the start model scored by true CER.

Every candidate is turned into a traineddata and recognises the eval lines with
``tesseract``, scored by the same code as ``tesskit eval`` (NFC, whitespace-collapsed,
rapidfuzz). lstmeval's bag-of-characters BCER is kept for the curves only: it can rank a
checkpoint first that reads worse. Scores are cached in evals.json by checkpoint sha256.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trainer import progress
from trainer.atomic import sha256_file, write_json_atomic
from trainer.dataset import Sample
from trainer.evaluate import ModelRef, Scores, evaluate_model
from trainer.export import checkpoint_iteration, export_model
from trainer.tools import TesskitError, find_tool, run, tool_env

#: Checkpoints scored at most (evenly spread over the run, the last always among them):
#: each costs a conversion and a pass over the eval lines.
MAX_SCORED_CHECKPOINTS = 12
#: When fewer than half the scored checkpoints read the eval lines better than START_MODEL,
#: the best one must still beat it by this many standard deviations of the difference in
#: character errors (sqrt of the summed counts, as for two Poisson counts).
START_MODEL_MARGIN_SIGMAS = 2.0


@dataclass(frozen=True)
class EvalSet:
    """What every candidate is scored on, and how."""

    samples: Sequence[Sample]
    lstmf_list: Path
    tessdata: Path
    psm: int
    jobs: int | None


def score_traineddata(model: Path, eval_set: EvalSet, label: str) -> Scores:
    ref = ModelRef(label, model.name.removesuffix(".traineddata"), model.parent)
    scores = evaluate_model(eval_set.samples, ref, eval_set.psm, eval_set.jobs)
    scores.model = label
    return scores


def score_checkpoint(checkpoint: Path, starter_traineddata: Path, eval_set: EvalSet) -> Scores:
    """Convert ``checkpoint`` to a float traineddata (as export does) and score it."""
    with tempfile.TemporaryDirectory(prefix="tesskit-candidate-") as tmp:
        model = Path(tmp) / "candidate.traineddata"
        export_model(checkpoint, starter_traineddata, model, eval_set.tessdata, False)
        return score_traineddata(model, eval_set, checkpoint.name)


def lstmeval_scores(
    checkpoint: Path, starter_traineddata: Path, eval_set: EvalSet
) -> tuple[float, float] | None:
    proc = run(
        [
            find_tool("lstmeval"),
            "--model",
            checkpoint,
            "--traineddata",
            starter_traineddata,
            "--eval_listfile",
            eval_set.lstmf_list,
        ],
        env=tool_env(eval_set.tessdata),
        timeout=3600,
        check=False,
    )
    return progress.parse_eval(proc.stdout + proc.stderr)


def candidates(ckpt_dir: Path, model_name: str, last_iteration: int) -> list[tuple[Path, int]]:
    """(checkpoint, iteration) pairs, one per distinct file, at most MAX_SCORED_CHECKPOINTS."""
    found = [(p, checkpoint_iteration(p)) for p in ckpt_dir.glob(f"{model_name}_*.checkpoint")]
    found.sort(key=lambda c: c[1])
    last = ckpt_dir / f"{model_name}_checkpoint"
    if last.is_file() and not any(it == last_iteration for _, it in found):
        found.append((last, last_iteration))
    if len(found) <= MAX_SCORED_CHECKPOINTS:
        return found
    step = (len(found) - 1) / (MAX_SCORED_CHECKPOINTS - 1)
    return [found[round(i * step)] for i in range(MAX_SCORED_CHECKPOINTS)]


def score_checkpoints(
    run_dir: Path,
    model_name: str,
    starter_traineddata: Path,
    eval_set: EvalSet,
    last_iteration: int,
) -> list[dict[str, Any]]:
    """Score the candidate checkpoints; cached in run_dir/evals.json by sha256."""
    evals_path = run_dir / "evals.json"
    cached = json.loads(evals_path.read_text()) if evals_path.is_file() else []
    known = {e["sha256"]: e for e in cached if "lstmeval_bcer" in e}
    evals: list[dict[str, Any]] = []
    for path, iteration in candidates(run_dir / "checkpoints", model_name, last_iteration):
        digest = sha256_file(path)
        if digest in known:
            evals.append({**known[digest], "checkpoint": path.name, "iteration": iteration})
            continue
        scores = score_checkpoint(path, starter_traineddata, eval_set)
        bcer = lstmeval_scores(path, starter_traineddata, eval_set)
        evals.append(
            {
                "checkpoint": path.name,
                "iteration": iteration,
                "cer": scores.cer,
                "wer": scores.wer,
                "lstmeval_bcer": bcer[0] if bcer else None,
                "lstmeval_bwer": bcer[1] if bcer else None,
                "sha256": digest,
            }
        )
        write_json_atomic(evals_path, sorted(evals, key=lambda e: e["iteration"]))
    evals.sort(key=lambda e: e["iteration"])
    write_json_atomic(evals_path, evals)
    return evals


def best_checkpoint(evals: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """Lowest true CER; on a tie the later checkpoint (it has seen more data)."""
    return min(evals, key=lambda e: (e["cer"], -e["iteration"]), default=None)


def error_counts(best: dict[str, Any], start: Scores) -> tuple[float, float]:
    """(START_MODEL's, the checkpoint's) character errors on the eval lines."""
    return start.cer * start.chars / 100, best["cer"] * start.chars / 100


def checkpoints_better(evals: Sequence[dict[str, Any]], start: Scores) -> int:
    """How many scored checkpoints read the eval lines better than START_MODEL."""
    return sum(e["cer"] < start.cer for e in evals)


def beats_start(
    best: dict[str, Any] | None, start: Scores | None, evals: Sequence[dict[str, Any]]
) -> bool:
    """Whether ``best`` replaces START_MODEL: lower CER on the eval lines, and not by luck.

    The lowest of a dozen noisy scores flatters its checkpoint. On 8 eval lines of clean
    print START_MODEL made 4 errors, one checkpoint of ten made 2 and the rest 4-6; that one
    read 30 unseen lines at 0.46 % CER against START_MODEL's 0.20 % (bench/quality.py,
    print-uw3). So the gain must show in most scored checkpoints (training helped, as on
    typewriting: 9 of 10 better), or be clear enough alone (START_MODEL_MARGIN_SIGMAS)."""
    if best is None:
        return False
    if start is None:
        return True
    if best["cer"] >= start.cer:
        return False
    better = checkpoints_better(evals, start)
    start_errors, best_errors = error_counts(best, start)
    clear = start_errors - best_errors > START_MODEL_MARGIN_SIGMAS * math.sqrt(
        start_errors + best_errors
    )
    return 2 * better >= len(evals) or clear


def verdict_line(
    start_model: str | None,
    best: dict[str, Any] | None,
    start: Scores | None,
    lines: int,
    evals: Sequence[dict[str, Any]],
) -> str:
    """One line saying which model is handed back and why, with the CERs that decided it."""
    if start is None:
        assert best is not None
        return f"chose {best['checkpoint']}: CER {best['cer']:.2f} % on {lines} eval lines"
    name = start_model
    if not beats_start(best, start, evals):
        best_cer = f"{best['cer']:.2f} %" if best else "none"
        within = ""
        if best and best["cer"] < start.cer:
            better = checkpoints_better(evals, start)
            within = f" but only {better} of {len(evals)} checkpoints better: luck, not gain"
        return (
            f"no checkpoint beat START_MODEL {name} on {lines} eval lines "
            f"(CER {start.cer:.2f} % vs best {best_cer}{within}); keeping {name}"
        )
    assert best is not None
    return (
        f"{best['checkpoint']} beat START_MODEL {name} on {lines} eval lines: "
        f"CER {start.cer:.2f} % -> {best['cer']:.2f} %"
    )


@dataclass(frozen=True)
class Selection:
    """The scored checkpoints and the decision: the best one, or START_MODEL kept."""

    best: dict[str, Any]
    evals: list[dict[str, Any]]
    #: START_MODEL reads the eval lines at least as well as the best checkpoint.
    keep_start: bool
    verdict: str


def choose(
    run_dir: Path,
    model_name: str,
    starter_traineddata: Path,
    eval_set: EvalSet,
    start: tuple[str | None, Scores | None],
    last_iteration: int,
) -> Selection:
    """Score the run's checkpoints and choose between the best and START_MODEL (``start``:
    its name and scores, or ``(None, None)`` from scratch)."""
    evals = score_checkpoints(run_dir, model_name, starter_traineddata, eval_set, last_iteration)
    best = best_checkpoint(evals)
    if best is None:
        raise TesskitError(f"lstmtraining wrote no checkpoint in {run_dir / 'checkpoints'}")
    start_model, start_scores = start
    return Selection(
        best,
        evals,
        keep_start=start_scores is not None and not beats_start(best, start_scores, evals),
        verdict=verdict_line(start_model, best, start_scores, len(eval_set.samples), evals),
    )
