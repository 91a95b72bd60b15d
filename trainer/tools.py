"""Locating and running the Tesseract command-line tools.

Every other stage goes through this module so that a missing tool, a bad
TESSDATA_PREFIX or a failing command always becomes a :class:`TesskitError`
with a message *and* the fix, never a bare traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

#: Tools the training pipeline calls (text2image is optional: only synthetic data needs it).
TRAINING_TOOLS: tuple[str, ...] = (
    "tesseract",
    "lstmtraining",
    "lstmeval",
    "combine_tessdata",
    "combine_lang_model",
    "unicharset_extractor",
    "merge_unicharsets",
)
OPTIONAL_TOOLS: tuple[str, ...] = ("text2image",)


class TesskitError(Exception):
    """A user-facing error: what went wrong and how to fix it."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix

    def __str__(self) -> str:
        return f"{self.message}\n  fix: {self.fix}" if self.fix else self.message


def find_tool(name: str) -> Path:
    """Absolute path of a Tesseract tool on PATH, or a TesskitError saying how to get it."""
    found = shutil.which(name)
    if found is None:
        raise TesskitError(
            f"{name} not found on PATH",
            "provision the machine with `ansible-playbook -i inventory/localhost.yml "
            "playbooks/site.yml` (it builds Tesseract with its training tools), or on "
            "Debian/Ubuntu `apt-get install tesseract-ocr`; training tools are silently "
            "skipped by a source build without pango/cairo/icu development packages",
        )
    return Path(found)


def run(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run a tool, capturing output; on failure raise TesskitError with the output's tail."""
    argv = [str(a) for a in args]
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=env,
            timeout=timeout,
            capture_output=True,
            text=True,
            errors="replace",
            check=False,
        )
    except FileNotFoundError:
        find_tool(argv[0])  # raises the actionable error
        raise
    except subprocess.TimeoutExpired as exc:
        name = Path(argv[0]).name
        raise TesskitError(f"{name} timed out after {timeout} s: {' '.join(argv)}") from exc
    if check and proc.returncode != 0:
        tail = "\n".join((proc.stderr + proc.stdout).strip().splitlines()[-15:])
        name = Path(argv[0]).name
        command = " ".join(argv)
        raise TesskitError(f"{name} failed with exit code {proc.returncode}: {command}\n{tail}")
    return proc


_VERSION_RE = re.compile(r"(\d+\.\d+\.\d+(?:[-.\w]*)?)")


def tool_version(name: str) -> str:
    """Version string a tool reports (``tesseract --version`` prints ``tesseract 5.3.0``)."""
    proc = run([find_tool(name), "--version"], check=False, timeout=30)
    match = _VERSION_RE.search(proc.stdout + proc.stderr)
    return match.group(1) if match else "unknown"


def tesseract_version() -> str:
    return tool_version("tesseract")


def _tesseract_default_tessdata() -> Path | None:
    """The tessdata directory the tesseract binary uses when TESSDATA_PREFIX is unset."""
    try:
        proc = run([find_tool("tesseract"), "--list-langs"], check=False, timeout=30)
    except TesskitError:
        return None
    # First line: List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (2):
    match = re.search(r'"([^"]+)"', proc.stdout + proc.stderr)
    return Path(match.group(1)) if match else None


def resolve_tessdata(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The tessdata directory: ``--tessdata`` > ``$TESSDATA_PREFIX`` > tesseract's built-in default.

    Always returned absolute: a relative TESSDATA_PREFIX breaks as soon as a tool runs
    in another working directory, one of the classic fine-tuning pitfalls.
    """
    if explicit:
        candidate, source = Path(explicit), "--tessdata"
    elif os.environ.get("TESSDATA_PREFIX"):
        candidate, source = Path(os.environ["TESSDATA_PREFIX"]), "TESSDATA_PREFIX"
    else:
        default = _tesseract_default_tessdata()
        if default is None:
            raise TesskitError(
                "no tessdata directory: TESSDATA_PREFIX is unset and tesseract reports none",
                "export TESSDATA_PREFIX=/usr/local/share/tessdata (the directory holding "
                "*.traineddata), or pass --tessdata PATH",
            )
        candidate, source = default, "tesseract default"
    candidate = candidate.expanduser().resolve()
    if not candidate.is_dir():
        raise TesskitError(
            f"tessdata directory {candidate} (from {source}) does not exist",
            "point TESSDATA_PREFIX or --tessdata at the directory holding *.traineddata "
            "(an absolute path)",
        )
    return candidate


def user_tessdata() -> Path:
    """The per-user tessdata ``tesskit install`` uses when the shared one is not writable
    (root-owned, as the tessdata role makes it); ``ocr`` and ``eval`` search it too."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "tesskit" / "tessdata"


def find_model(name: str, explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """NAME.traineddata in the tessdata dir, else (no --tessdata given) in the user's own."""
    directories = [resolve_tessdata(explicit)]
    if explicit is None:
        directories.append(user_tessdata())
    for directory in directories:
        if (directory / f"{name}.traineddata").is_file():
            return directory / f"{name}.traineddata"
    return None


def tool_env(tessdata: Path) -> dict[str, str]:
    """Environment for tool calls: TESSDATA_PREFIX pinned, OpenMP limited to one thread.

    One thread per process: tesskit parallelises over processes, and OpenMP threads in
    lstmtraining buy little speed for twice the CPU (measured: 5.5 s vs 4.6 s per 100
    iterations at 2x CPU).
    """
    env = dict(os.environ)
    env["TESSDATA_PREFIX"] = str(tessdata)
    env.setdefault("OMP_THREAD_LIMIT", "1")
    return env


@dataclass(frozen=True)
class ModelInfo:
    """What ``combine_tessdata -l`` says of a .traineddata file."""

    path: Path
    components: tuple[str, ...]
    has_lstm: bool
    is_float: bool
    network: str


def _looks_like_html(path: Path) -> bool:
    with path.open("rb") as fh:
        head = fh.read(512).lstrip().lower()
    return head.startswith((b"<!doctype", b"<html", b"<?xml", b"<head"))


def inspect_model(path: Path) -> ModelInfo:
    """Inspect a .traineddata file; raise TesskitError for non-models (e.g. saved HTML pages)."""
    if not path.is_file():
        raise TesskitError(f"model file {path} does not exist")
    if path.stat().st_size == 0:
        raise TesskitError(f"{path} is empty", "download the model again")
    if _looks_like_html(path):
        raise TesskitError(
            f"{path} is an HTML page, not a model "
            "(a GitHub 'blob' page saved instead of the raw file)",
            "download the raw file, e.g. https://github.com/tesseract-ocr/tessdata_best/raw/main/"
            f"{path.name}",
        )
    # -d lists the components ("17:lstm:size=..."), -l prints the LSTM header (int_mode).
    listing = run([find_tool("combine_tessdata"), "-d", path], check=False, timeout=60)
    components = tuple(
        re.findall(r"^\d+:([\w-]+):size=", listing.stdout + listing.stderr, flags=re.MULTILINE)
    )
    if listing.returncode != 0 or not components:
        raise TesskitError(
            f"{path} is not a readable .traineddata file (combine_tessdata -l failed)",
            "download the model again; check its sha256",
        )
    has_lstm = "lstm" in components
    out = ""
    if has_lstm:
        header = run([find_tool("combine_tessdata"), "-l", path], check=False, timeout=60)
        out = header.stdout + header.stderr
    network_match = re.search(r"network=(\[[^\]]*\])", out)
    int_match = re.search(r"int_mode=(\d)", out)
    return ModelInfo(
        path=path,
        components=components,
        has_lstm=has_lstm,
        is_float=bool(int_match and int_match.group(1) == "0"),
        network=network_match.group(1) if network_match else "",
    )


def require_float_model(path: Path) -> ModelInfo:
    """Refuse integer (tessdata_fast / 'standard') models before lstmtraining does, cryptically."""
    info = inspect_model(path)
    if not info.has_lstm:
        raise TesskitError(
            f"{path.name} has no LSTM component (a legacy-only model) and cannot be fine-tuned",
            "use the tessdata_best model of that language",
        )
    if not info.is_float:
        raise TesskitError(
            f"{path.name} is an integer (tessdata_fast) model and cannot be fine-tuned; "
            "install tessdata_best",
            "ansible-playbook ... -e tessdata_variants=[best] , or download "
            f"https://github.com/tesseract-ocr/tessdata_best/raw/main/{path.name} into your "
            "tessdata directory",
        )
    return info


def model_unicharset(model: Path) -> set[str]:
    """Characters of a model's LSTM unicharset (extracted to a temp dir, never into tessdata)."""
    with tempfile.TemporaryDirectory(prefix="tesskit-uni-") as tmp:
        run([find_tool("combine_tessdata"), "-u", model, f"{tmp}/m."])
        path = Path(tmp) / "m.lstm-unicharset"
        if not path.is_file():
            raise TesskitError(f"{model} has no lstm-unicharset")
        lines = path.read_text(encoding="utf-8").splitlines()[1:]
    chars = {line.split(" ", 1)[0] for line in lines if line}
    return chars | {" "}


def start_model_unicharset(start_model: str, tessdata: Path | None) -> tuple[set[str] | None, str]:
    """The START_MODEL's characters, or None and why the unknown-characters check is skipped
    ('' when the user skipped it with --start-model '')."""
    if not start_model:
        return None, ""
    try:
        model = resolve_tessdata(tessdata) / f"{start_model}.traineddata"
    except TesskitError as exc:
        return None, f"unknown-characters check skipped: {exc.message}"
    if not model.is_file():
        return None, (
            f"unknown-characters check skipped: START_MODEL {model} not found; pass "
            "--start-model with the model you will fine-tune (or --start-model '' to skip)"
        )
    return model_unicharset(model), ""
