"""Line images from fonts with Tesseract's own ``text2image`` (``tesskit synth``).

One call per text line, font and exposure, each in a private temp dir, then the rendered
page is cropped to the union of the character boxes text2image reports. Known traps of the
tool are handled here: it hangs when a line is taller than ``--ysize`` minus the margins
(generous ysize and a timeout per call), wraps lines wider than ``--xsize`` (xsize from the
line length, and wrapped results refused), silently drops characters the font lacks (the
line is skipped and the characters reported per font) and writes nothing for empty lines
(they are not sent).
"""

from __future__ import annotations

import difflib
import os
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from trainer.atomic import replacing
from trainer.pages import png_bytes, safe_name
from trainer.synth import FONT_DIRS
from trainer.tools import TesskitError, find_tool, run

RESOLUTION = 300  # text2image's default dpi; ptsize is converted to pixels with it


@dataclass(frozen=True)
class SynthOptions:
    ptsize: int = 12
    exposures: tuple[int, ...] = (0,)
    distort: bool = False
    timeout: float = 60.0
    #: page height in ems: a line taller than the page minus margins renders nothing
    page_ems: int = 10

    @property
    def em_pixels(self) -> int:
        return max(round(self.ptsize * RESOLUTION / 72), 8)


@dataclass(frozen=True)
class Job:
    number: int  # 1-based line number in the text file: stable output names
    text: str
    font: str
    exposure: int

    @property
    def name(self) -> str:
        return f"{safe_name(self.font)}_{self.number:05d}_exp{self.exposure}"


@dataclass
class SynthResult:
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[tuple[Job, str]] = field(default_factory=list)
    rendered: Counter[str] = field(default_factory=Counter)  # font -> line images
    #: font -> character -> number of lines skipped because the font lacks it
    missing: dict[str, Counter[str]] = field(default_factory=dict)


def default_fonts_dir() -> Path:
    for candidate in FONT_DIRS:
        if candidate.is_dir():
            return candidate
    raise TesskitError(
        "no fonts folder found (" + ", ".join(map(str, FONT_DIRS)) + ")",
        "install fonts (Debian/Ubuntu: apt-get install fonts-dejavu-core fonts-noto-core) "
        "or pass --fonts-dir",
    )


def available_fonts(fonts_dir: Path, fontconfig_tmp: Path) -> list[str]:
    """Font names text2image knows in ``fonts_dir`` (``--list_available_fonts``)."""
    proc = run(
        [
            find_tool("text2image"),
            "--list_available_fonts",
            f"--fonts_dir={fonts_dir}",
            f"--fontconfig_tmpdir={fontconfig_tmp}",
        ],
        timeout=300,
    )
    # "  3: DejaVu Sans Bold Oblique"
    return re.findall(r"^\s*\d+: (.+?)\s*$", proc.stdout + proc.stderr, flags=re.MULTILINE)


def check_fonts(requested: Sequence[str], available: Sequence[str], fonts_dir: Path) -> None:
    """Every requested font must be one text2image knows; else name the close ones."""
    unknown = [f for f in requested if f not in available]
    if not unknown:
        return
    hints = []
    for font in unknown:
        close = difflib.get_close_matches(font, available, n=5, cutoff=0.5)
        hints.append(f"{font!r} (close: {', '.join(close) if close else 'none'})")
    raise TesskitError(
        f"unknown font(s) in {fonts_dir}: " + "; ".join(hints),
        "use a name from `text2image --list_available_fonts --fonts_dir "
        f"{fonts_dir}`, or install the font (Debian: fonts-noto-core, fonts-liberation2)",
    )


def read_lines(text_file: Path, max_lines: int | None) -> list[tuple[int, str]]:
    """(line number, text) of the non-empty lines, whitespace runs made single spaces."""
    try:
        raw = text_file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise TesskitError(f"{text_file} is not UTF-8 ({exc})", "re-save it as UTF-8") from exc
    lines = [(n, " ".join(t.split())) for n, t in enumerate(raw.splitlines(), start=1)]
    lines = [(n, t) for n, t in lines if t]
    return lines[:max_lines] if max_lines else lines


def _fontconfig_dir(tmp: Path) -> Path:
    """One fontconfig dir per worker thread: text2image rewrites its fonts.conf on every
    call, so parallel calls must not share one (each builds its cache once, ~2 s)."""
    mine = tmp / f"fontconfig-{threading.get_ident()}"
    mine.mkdir(exist_ok=True)
    return mine


def text2image_args(job: Job, options: SynthOptions, fonts_dir: Path, work: Path) -> list[str]:
    em = options.em_pixels
    margin = em
    args = [
        str(find_tool("text2image")),
        f"--text={work / 'line.txt'}",
        f"--outputbase={work / 'line'}",
        f"--font={job.font}",
        f"--fonts_dir={fonts_dir}",
        f"--fontconfig_tmpdir={_fontconfig_dir(work.parent)}",
        f"--ptsize={options.ptsize}",
        f"--resolution={RESOLUTION}",
        f"--exposure={job.exposure}",
        f"--margin={margin}",
        # Wide enough never to wrap (1.5 em per character), tall enough never to hang.
        f"--xsize={2 * margin + int(em * 1.5 * max(len(job.text), 8))}",
        f"--ysize={2 * margin + options.page_ems * em}",
        "--max_pages=1",  # without it a line taller than the page loops forever
        "--strip_unrenderable_words=false",  # drop only the uncovered characters: countable
        "--degrade_image=true",  # exposure only acts through the degradation step
        f"--rotate_image={'true' if options.distort else 'false'}",
        f"--distort_image={'true' if options.distort else 'false'}",
        "--invert=false",
    ]
    return args


def parse_boxes(box_text: str) -> list[tuple[str, int, int, int, int]]:
    """``char left bottom right top page`` rows (the character may be a space)."""
    boxes = []
    for row in box_text.splitlines():
        parts = row.rsplit(" ", 5)
        if len(parts) == 6:
            char, left, bottom, right, top, _page = parts
            boxes.append((char, int(left), int(bottom), int(right), int(top)))
    return boxes


def missing_characters(text: str, rendered: str) -> Counter[str]:
    """Characters of ``text`` that did not come out (the font lacks them)."""
    wanted = Counter(c for c in text if not c.isspace())
    got = Counter(c for c in rendered if not c.isspace())
    return wanted - got


def crop_to_boxes(
    page: Image.Image, boxes: Sequence[tuple[str, int, int, int, int]], pad: int
) -> Image.Image:
    height = page.height
    left = max(min(b[1] for b in boxes) - pad, 0)
    right = min(max(b[3] for b in boxes) + pad, page.width)
    top = max(height - max(b[4] for b in boxes) - pad, 0)  # box y counts from the bottom
    bottom = min(height - min(b[2] for b in boxes) + pad, height)
    return page.crop((left, top, right, bottom)).convert("L")


Rendered = tuple[bytes | None, str, Counter[str]]


def render(job: Job, options: SynthOptions, fonts_dir: Path, tmp: Path) -> Rendered:
    """(png bytes, "", no missing) or (None, why not, characters the font lacks)."""
    with tempfile.TemporaryDirectory(dir=tmp) as work_name:
        work = Path(work_name)
        (work / "line.txt").write_text(job.text + "\n", encoding="utf-8")
        try:
            proc = run(text2image_args(job, options, fonts_dir, work), timeout=options.timeout)
        except TesskitError as exc:
            return None, exc.message.splitlines()[-1][:200], Counter()
        box_path, image_path = work / "line.box", work / "line.tif"
        boxes = parse_boxes(box_path.read_text(encoding="utf-8")) if box_path.is_file() else []
        rendered = "".join(b[0] for b in boxes)
        # "WARNING: Dropped 6 uncovered characters": the font lacks them.
        if re.search(r"Dropped [1-9]\d* uncovered", proc.stderr + proc.stdout):
            missing = missing_characters(job.text, rendered)
            return None, "font lacks " + "".join(sorted(missing)), missing
        if not boxes or not image_path.is_file():
            # With --max_pages=1 a line that does not fit the page gives an empty result
            # (without it, text2image loops forever).
            return None, "text2image rendered nothing (line taller than the page?)", Counter()
        if max(b[4] for b in boxes) - min(b[2] for b in boxes) > 3 * options.em_pixels:
            return None, "text2image wrapped the line (too long)", Counter()
        with Image.open(image_path) as page:
            return png_bytes(crop_to_boxes(page, boxes, options.em_pixels // 4)), "", Counter()


def _store(job: Job, png: bytes, out_dir: Path, result: SynthResult) -> str:
    """Write NAME.png + NAME.gt.txt unless identical files are there; "" or why not."""
    outputs = {
        out_dir / f"{job.name}.png": png,
        out_dir / f"{job.name}.gt.txt": (job.text + "\n").encode("utf-8"),
    }
    for path, data in outputs.items():
        if path.exists() and path.read_bytes() != data:
            return f"a different {path.name} is already in the output folder (left as is)"
    for path, data in outputs.items():
        if path.exists():
            result.unchanged.append(path)
            continue
        with replacing(path) as partial:
            partial.write_bytes(data)
        result.written.append(path)
    return ""


def synthesize(
    text_file: Path,
    fonts: Sequence[str],
    out_dir: Path,
    options: SynthOptions,
    fonts_dir: Path | None = None,
    max_lines: int | None = None,
    jobs: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SynthResult:
    """Render every non-empty line of ``text_file`` in every font and exposure."""
    if not fonts:
        raise TesskitError("no font given", 'pass --fonts "DejaVu Serif,Liberation Mono"')
    fonts_dir = fonts_dir or default_fonts_dir()
    lines = read_lines(text_file, max_lines)
    if not lines:
        raise TesskitError(f"{text_file} has no non-empty lines")
    result = SynthResult(missing={f: Counter() for f in fonts})
    todo = [Job(n, t, f, e) for f in fonts for n, t in lines for e in options.exposures]
    with tempfile.TemporaryDirectory(prefix="tesskit-synth-") as tmp_name:
        tmp = Path(tmp_name)
        check_fonts(fonts, available_fonts(fonts_dir, tmp / "fontconfig"), fonts_dir)
        out_dir.mkdir(parents=True, exist_ok=True)
        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            rendered = pool.map(lambda j: render(j, options, fonts_dir, tmp), todo)
            for done, (job, (png, reason, missing)) in enumerate(zip(todo, rendered), start=1):
                if png is not None:
                    reason = _store(job, png, out_dir, result)
                if reason:
                    result.skipped.append((job, reason))
                    result.missing[job.font].update(set(missing))
                else:
                    result.rendered[job.font] += 1
                if on_progress:
                    on_progress(done, len(todo))
    return result
