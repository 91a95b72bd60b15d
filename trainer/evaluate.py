"""Recognise line images with a model and score them: CER and WER with rapidfuzz.

CER = character edits / reference characters over the whole set (not a mean of per-line
rates, which would overweight short lines); WER likewise on whitespace tokens. Both texts
are NFC-normalised and whitespace-collapsed first, so encoding variants are not errors.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rapidfuzz.distance import Levenshtein

from trainer.dataset import LINE_PSM, Sample
from trainer.names import validate_model_name
from trainer.tools import (
    TesskitError,
    find_model,
    find_tool,
    inspect_model,
    resolve_tessdata,
    run,
    tool_env,
    user_tessdata,
)

#: The components of a traineddata that are its LSTM dictionaries.
DICTIONARY_COMPONENTS = ("lstm-word-dawg", "lstm-punc-dawg", "lstm-number-dawg")


@dataclass(frozen=True)
class ModelRef:
    """A model given as a tessdata name (``eng``) or a ``.traineddata`` path."""

    label: str
    lang: str
    tessdata: Path

    def without_dictionaries(self, workdir: Path) -> ModelRef:
        """A copy in ``workdir`` without its word/punctuation/number dictionaries: what the
        network reads alone. (tesseract's load_*_dawg settings do not unload LSTM dawgs.)"""
        parts = workdir / self.lang
        parts.mkdir(parents=True, exist_ok=True)
        combine = find_tool("combine_tessdata")
        run([combine, "-u", self.tessdata / f"{self.lang}.traineddata", f"{parts}/{self.lang}."])
        for component in DICTIONARY_COMPONENTS:
            (parts / f"{self.lang}.{component}").unlink(missing_ok=True)
        run([combine, f"{parts}/{self.lang}."])
        return ModelRef(f"{self.label} (no dictionaries)", self.lang, parts)

    @classmethod
    def parse(cls, spec: str, tessdata: Path | None) -> ModelRef:
        path = Path(spec)
        if spec.endswith(".traineddata") or path.is_file():
            if not path.is_file():
                raise TesskitError(f"model file {path} does not exist")
            inspect_model(path)
            return cls(path.stem, path.stem, path.resolve().parent)
        found = find_model(validate_model_name(spec, "--model"), tessdata)
        if found is None:
            searched = resolve_tessdata(tessdata)
            also = f" or {user_tessdata()}" if tessdata is None else ""
            raise TesskitError(
                f"model {spec} not found in {searched}{also}",
                "give a .traineddata path or the right --tessdata",
            )
        return cls(spec, spec, found.parent)


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


@dataclass
class LineResult:
    name: str
    reference: str
    hypothesis: str
    char_errors: int
    word_errors: int


@dataclass
class Scores:
    model: str
    cer: float
    wer: float
    chars: int
    words: int
    lines: list[LineResult] = field(default_factory=list)

    def worst(self, count: int = 10) -> list[LineResult]:
        return sorted(self.lines, key=lambda r: (-r.char_errors, r.name))[:count]


def score(names: Sequence[str], refs: Sequence[str], hyps: Sequence[str], model: str) -> Scores:
    lines, char_errors, word_errors, chars, words = [], 0, 0, 0, 0
    for name, ref, hyp in zip(names, refs, hyps):
        ref_n, hyp_n = normalise(ref), normalise(hyp)
        ce = Levenshtein.distance(ref_n, hyp_n)
        we = Levenshtein.distance(ref_n.split(), hyp_n.split())
        lines.append(LineResult(name, ref_n, hyp_n, ce, we))
        char_errors, word_errors = char_errors + ce, word_errors + we
        chars, words = chars + len(ref_n), words + len(ref_n.split())
    return Scores(
        model=model,
        cer=100.0 * char_errors / max(chars, 1),
        wer=100.0 * word_errors / max(words, 1),
        chars=chars,
        words=words,
        lines=lines,
    )


def recognize_line(image: Path, model: ModelRef, psm: int) -> str:
    proc = run(
        [
            find_tool("tesseract"),
            image,
            "stdout",
            "--psm",
            str(psm),
            "-l",
            model.lang,
            "--tessdata-dir",
            model.tessdata,
        ],
        env=tool_env(model.tessdata),
        timeout=300,
    )
    return proc.stdout.strip()


def recognize(
    samples: Sequence[Sample], model: ModelRef, psm: int = LINE_PSM, jobs: int | None = None
) -> list[str]:
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(lambda s: recognize_line(s.image, model, psm), samples))


def evaluate_models(
    samples: Sequence[Sample],
    models: Sequence[ModelRef],
    psm: int = LINE_PSM,
    jobs: int | None = None,
    without_dictionaries: bool = False,
) -> list[Scores]:
    """Scores of every model, each followed by its copy without dictionaries if asked."""
    with tempfile.TemporaryDirectory(prefix="tesskit-nodict-") as scratch:
        if without_dictionaries:
            models = [v for m in models for v in (m, m.without_dictionaries(Path(scratch)))]
        return [evaluate_model(samples, model, psm, jobs) for model in models]


def evaluate_model(
    samples: Sequence[Sample], model: ModelRef, psm: int = LINE_PSM, jobs: int | None = None
) -> Scores:
    hyps = recognize(samples, model, psm, jobs)
    return score([s.name for s in samples], [s.text() for s in samples], hyps, model.label)
