"""``tesskit check``: is this machine ready to fine-tune? Every problem comes with its fix."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from trainer.starter import resolve_langdata
from trainer.tools import (
    OPTIONAL_TOOLS,
    TRAINING_TOOLS,
    TesskitError,
    find_tool,
    inspect_model,
    require_float_model,
    resolve_tessdata,
    tool_version,
)


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _tool_checks() -> list[CheckResult]:
    results = []
    for name in TRAINING_TOOLS + OPTIONAL_TOOLS:
        required = name in TRAINING_TOOLS
        try:
            path = find_tool(name)
            version = tool_version(name) if name in ("tesseract", "lstmtraining") else ""
            results.append(CheckResult(name, True, f"{path} {version}".strip(), "", required))
        except TesskitError as exc:
            results.append(CheckResult(name, False, exc.message, exc.fix, required))
    return results


# Imported in a child process: a CPU without the instructions a wheel was built for kills
# the interpreter (SIGILL), which must become a check result, not a crash of `check`.
PYTHON_LIBRARIES = ("numpy", "matplotlib", "rapidfuzz", "PIL", "rich")


def _library_check() -> CheckResult:
    probe = subprocess.run(
        [sys.executable, "-c", f"import {', '.join(PYTHON_LIBRARIES)}"],
        capture_output=True,
        text=True,
        check=False,
    )
    name = "python libraries"
    if probe.returncode == 0:
        return CheckResult(name, True, ", ".join(PYTHON_LIBRARIES))
    if probe.returncode == -signal.SIGILL:
        return CheckResult(
            name,
            False,
            "importing numpy/matplotlib kills Python with 'Illegal instruction': this CPU "
            "lacks x86-64-v2 (SSE4.2), which the wheels need",
            "give the VM a newer CPU model (libvirt/QEMU: TESSKIT_LIBVIRT_CPU_MODEL=Nehalem "
            "or host-passthrough instead of qemu64)",
        )
    last = (probe.stderr.strip().splitlines() or ["failed"])[-1]
    return CheckResult(name, False, last, "reinstall tesskit: pip install --force-reinstall .")


def _langdata_check(langdata: Path | None, tessdata: Path) -> CheckResult:
    """combine_lang_model needs radical-stroke.txt for every run, fine-tuning included."""
    try:
        found = resolve_langdata(langdata, tessdata)
    except TesskitError as exc:
        return CheckResult("langdata", False, exc.message, exc.fix)
    return CheckResult("langdata", True, str(found))


def run_checks(
    tessdata: Path | None = None, start_model: str | None = "eng", langdata: Path | None = None
) -> list[CheckResult]:
    """Everything `tesskit train` needs; stops descending where a prerequisite is missing."""
    results = [*_tool_checks(), _library_check()]
    prefix = os.environ.get("TESSDATA_PREFIX")
    if prefix and not Path(prefix).is_absolute() and tessdata is None:
        results.append(
            CheckResult(
                "TESSDATA_PREFIX",
                False,
                f"{prefix!r} is relative: it breaks in other directories",
                f"export TESSDATA_PREFIX={Path(prefix).resolve()}",
            )
        )
    try:
        resolved = resolve_tessdata(tessdata)
    except TesskitError as exc:
        return [*results, CheckResult("tessdata", False, exc.message, exc.fix)]
    results.append(CheckResult("tessdata", True, str(resolved)))
    lstm_train = resolved / "configs" / "lstm.train"
    results.append(
        CheckResult(
            "configs/lstm.train",
            lstm_train.is_file(),
            str(lstm_train),
            ""
            if lstm_train.is_file()
            else "provision with the tessdata role, or copy configs/ "
            "from tesseract's share/tessdata",
        )
    )
    results.append(_langdata_check(langdata, resolved))
    for model in sorted(resolved.glob("*.traineddata")):
        if start_model and model.stem == start_model:
            continue  # checked below, more strictly
        try:
            inspect_model(model)
        except TesskitError as exc:
            results.append(CheckResult(model.name, False, exc.message, exc.fix))
    if start_model:
        results.append(_start_model_check(start_model, resolved))
    return results


def _start_model_check(start_model: str, tessdata: Path) -> CheckResult:
    """START_MODEL is there and a float model (only those can be fine-tuned)."""
    name = f"START_MODEL {start_model}"
    path = tessdata / f"{start_model}.traineddata"
    if not path.is_file():
        return CheckResult(
            name,
            False,
            f"{path} not found",
            f"install tessdata_best {start_model}.traineddata into {tessdata}",
        )
    try:
        info = require_float_model(path)
    except TesskitError as exc:
        return CheckResult(name, False, exc.message, exc.fix)
    return CheckResult(name, True, f"float model, network {info.network}")
