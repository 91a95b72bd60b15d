"""Ground-truth discovery and train/eval splitting (tesstrain layout).

A sample is ``NAME.<image ext>`` beside ``NAME.gt.txt``, anywhere below the data
directory. Ground truth is only ever read here, never written.
"""

from __future__ import annotations

import hashlib
import random
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: Image suffixes tesstrain accepts; compound ones first so ``x.bin.png`` has stem ``x``.
IMAGE_SUFFIXES: tuple[str, ...] = (".bin.png", ".nrm.png", ".png", ".tif", ".tiff", ".jpg", ".jpeg")
GT_SUFFIX = ".gt.txt"
#: Tesseract's page segmentation mode for ground-truth lines: 13, one raw line without layout
#: analysis (tesstrain's PSM); lstmf files, evaluation and training read lines this way.
LINE_PSM = 13


@dataclass(frozen=True, order=True)
class Sample:
    """One line image with its transcription; ``name`` is the path stem relative to the data dir."""

    name: str
    image: Path
    gt: Path

    def text(self) -> str:
        """The transcription (one line, surrounding whitespace stripped)."""
        return self.gt.read_text(encoding="utf-8").strip()

    def content_hash(self, *extra: str) -> str:
        """sha256 over image bytes, gt bytes and ``extra`` (settings that change the output)."""
        digest = hashlib.sha256()
        for part in (self.image.read_bytes(), self.gt.read_bytes(), *(e.encode() for e in extra)):
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()


def strip_image_suffix(path: Path) -> str | None:
    """``a/b.nrm.png`` -> ``a/b``; None when the file is not an image tesstrain accepts."""
    name = path.name
    lowered = name.lower()
    for suffix in IMAGE_SUFFIXES:
        if lowered.endswith(suffix):
            return str(path.with_name(name[: -len(suffix)]))
    return None


def discover(data_dir: Path) -> tuple[list[Sample], list[Path], list[Path]]:
    """Pair images with ``.gt.txt`` files below ``data_dir``.

    Returns ``(samples, images_without_gt, gt_without_image)``, each sorted. When several
    images share one stem (``x.png`` and ``x.bin.png``), the first suffix in
    IMAGE_SUFFIXES order wins, as one transcription belongs to one image.
    """
    data_dir = data_dir.resolve()
    images: dict[str, Path] = {}
    gts: dict[str, Path] = {}
    for path in sorted(data_dir.rglob("*")):
        if not path.is_file():
            continue
        if path.name.endswith(GT_SUFFIX):
            gts[str(path)[: -len(GT_SUFFIX)]] = path
            continue
        stem = strip_image_suffix(path)
        if stem is None:
            continue
        current = images.get(stem)
        if current is None or _suffix_rank(path) < _suffix_rank(current):
            images[stem] = path
    samples = [
        Sample(name=str(Path(stem).relative_to(data_dir)), image=images[stem], gt=gts[stem])
        for stem in sorted(images.keys() & gts.keys())
    ]
    lonely_images = sorted(images[s] for s in images.keys() - gts.keys())
    lonely_gts = sorted(gts[s] for s in gts.keys() - images.keys())
    return samples, lonely_images, lonely_gts


def _suffix_rank(path: Path) -> int:
    lowered = path.name.lower()
    return next(i for i, s in enumerate(IMAGE_SUFFIXES) if lowered.endswith(s))


def split(
    samples: Sequence[Sample], ratio_train: float = 0.9, seed: int = 0
) -> tuple[list[Sample], list[Sample]]:
    """Deterministic shuffle-and-cut into (train, eval); both non-empty when len >= 2."""
    if not 0.0 < ratio_train < 1.0:
        raise ValueError(f"ratio_train must be between 0 and 1, got {ratio_train}")
    ordered = sorted(samples)
    random.Random(seed).shuffle(ordered)
    cut = round(len(ordered) * ratio_train)
    if len(ordered) >= 2:
        cut = min(max(cut, 1), len(ordered) - 1)
    return ordered[:cut], ordered[cut:]


def dataset_hash(samples: Iterable[Sample]) -> str:
    """One sha256 for a whole dataset: names plus content hashes, order-independent."""
    digest = hashlib.sha256()
    for sample in sorted(samples):
        digest.update(sample.name.encode())
        digest.update(sample.content_hash().encode())
    return digest.hexdigest()


# --- validation -----------------------------------------------------------------------------

#: Line height tesseract scales every line image to before the LSTM sees it.
NETWORK_INPUT_HEIGHT = 36
#: Horizontal downscaling of the standard networks (the Mp3,3 max-pool layer).
NETWORK_X_REDUCTION = 3


@dataclass(frozen=True)
class Issue:
    severity: str  # "error" stops training; "warning" does not (unless --strict)
    kind: str
    path: Path
    detail: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.kind}: {self.path}: {self.detail}"


@dataclass
class ValidationReport:
    samples: list[Sample]
    issues: list[Issue]
    unknown_chars: dict[str, int]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


def ctc_capacity(width: int, height: int) -> int:
    """How many output steps a line image gives the network after scaling and pooling.

    CTC needs at least one step per label, plus a blank between two equal neighbours; a
    transcription longer than that cannot be aligned and training skips or chokes on it.
    """
    return int(width * NETWORK_INPUT_HEIGHT / max(height, 1)) // NETWORK_X_REDUCTION


def ctc_steps_needed(text: str) -> int:
    return len(text) + sum(1 for a, b in zip(text, text[1:]) if a == b)


#: Unicode categories of characters that must not be in a transcription: controls (TAB,
#: NUL, form feed, ...) and the line/paragraph separators. Tesseract's list files and
#: lstmf labels treat them as separators or terminators: a TAB splits one line in two.
FORBIDDEN_CATEGORIES = ("Cc", "Zl", "Zp")


def control_characters(text: str) -> list[tuple[int, int, str]]:
    """(line, column, character) of every forbidden character; lines end at LF (CRLF too)."""
    found = []
    for line_no, line in enumerate(text.split("\n"), 1):
        for column, char in enumerate(line.removesuffix("\r"), 1):
            if unicodedata.category(char) in FORBIDDEN_CATEGORIES:
                found.append((line_no, column, char))
    return found


def _describe(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, _CONTROL_NAMES.get(char, 'control'))}"


_CONTROL_NAMES = {"\t": "TAB", "\0": "NUL", "\f": "FORM FEED", "\v": "VERTICAL TAB", "\r": "CR"}


def _check_gt(sample: Sample) -> tuple[list[Issue], str | None]:
    try:
        raw = sample.gt.read_bytes()
    except OSError as exc:
        return [Issue("error", "unreadable-gt", sample.gt, exc.strerror or str(exc))], None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [
            Issue(
                "error",
                "not-utf8",
                sample.gt,
                f"byte {exc.start} is not UTF-8; re-save the file as UTF-8",
            )
        ], None
    controls = control_characters(text)
    if controls:
        line, column, char = controls[0]
        more = f" (and {len(controls) - 1} more)" if len(controls) > 1 else ""
        return [
            Issue(
                "error",
                "control-char",
                sample.gt,
                f"line {line}, column {column}: control character {_describe(char)}{more}; "
                "use a plain space",
            )
        ], None
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return [Issue("error", "empty-gt", sample.gt, "transcription is empty")], None
    if len(lines) > 1:
        return [
            Issue(
                "error",
                "multi-line-gt",
                sample.gt,
                f"{len(lines)} lines; one image must hold one text line",
            )
        ], None
    return [], lines[0].strip()


def _check_image(sample: Sample, text: str | None) -> list[Issue]:
    from PIL import Image, UnidentifiedImageError

    if sample.image.stat().st_size == 0:
        return [Issue("error", "empty-image", sample.image, "file is 0 bytes")]
    try:
        with Image.open(sample.image) as img:
            width, height = img.size
            # A header claiming e.g. 100000x100000 pixels: tesseract would try to allocate it.
            if width * height > Image.MAX_IMAGE_PIXELS:
                return [
                    Issue(
                        "error",
                        "image-too-large",
                        sample.image,
                        f"{width}x{height} pixels is not one text line; crop it to the line",
                    )
                ]
            img.verify()
    except Image.DecompressionBombError as exc:
        return [Issue("error", "image-too-large", sample.image, str(exc))]
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        return [Issue("error", "unreadable-image", sample.image, str(exc))]
    if text is not None:
        needed, capacity = ctc_steps_needed(text), ctc_capacity(width, height)
        if needed > capacity:
            return [
                Issue(
                    "error",
                    "text-too-long",
                    sample.image,
                    f"{needed} characters for a {width}x{height} image (room for "
                    f"{capacity}); wrong transcription or image cropped?",
                )
            ]
    return []


def validate(
    samples: Sequence[Sample],
    images_without_gt: Sequence[Path] = (),
    gt_without_image: Sequence[Path] = (),
    unicharset: set[str] | None = None,
) -> ValidationReport:
    """Check every pair; reads files only. ``unicharset``: the START_MODEL's characters."""
    issues = [
        Issue("warning", "missing-gt", p, "image without NAME.gt.txt (not used)")
        for p in images_without_gt
    ]
    issues += [
        Issue("warning", "missing-image", p, "transcription without image (not used)")
        for p in gt_without_image
    ]
    unknown: dict[str, int] = {}
    for sample in samples:
        gt_issues, text = _check_gt(sample)
        issues += gt_issues
        issues += _check_image(sample, text)
        if text is not None and unicharset is not None:
            for char in text:
                if char not in unicharset and not char.isspace():
                    unknown[char] = unknown.get(char, 0) + 1
    if unknown:
        listed = ", ".join(f"{c!r}×{n}" for c, n in sorted(unknown.items(), key=lambda x: -x[1]))
        issues.append(
            Issue(
                "warning",
                "unknown-chars",
                Path("."),
                f"not in the START_MODEL unicharset (learned from scratch, need "
                f"many examples): {listed}",
            )
        )
    return ValidationReport(list(samples), issues, unknown)
