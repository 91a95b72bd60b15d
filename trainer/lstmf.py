"""Box + lstmf generation: each line image and its transcription become one ``.lstmf``.

Outputs are cached by content (image, gt and own box file bytes, psm, tesseract version), so a run
redoes exactly the changed lines and a changed ``.gt.txt`` is never stale — the reason
tesstrain users need ``make clean``. Ground truth is read, never written: the box file and
the tool's output live in a private temp dir and only the finished lstmf is renamed into
the cache.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from PIL import Image

from trainer import boxes
from trainer.atomic import copy_atomic
from trainer.dataset import LINE_PSM, Sample
from trainer.tools import TesskitError, find_tool, run, tesseract_version, tool_env

ProgressCallback = Callable[[int, int], None]


def graphemes(text: str) -> list[str]:
    """Split into base characters with their combining marks (one box per grapheme)."""
    clusters: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def line_box(text: str, width: int, height: int) -> str:
    """A line-level box file: every grapheme spans the whole image, then an end-of-line tab.

    lstm.train only needs the transcription in order; character positions are learned by CTC.
    """
    rows = [f"{g} 0 0 {width} {height} 0" for g in graphemes(text.strip())]
    rows.append(f"\t 0 0 {width} {height} 0")
    return "\n".join(rows) + "\n"


def cache_key(sample: Sample, psm: int, version: str, box_format: str = "line") -> str:
    extra = boxes.cache_extra(sample, box_format)
    return sample.content_hash(f"psm={psm}", f"tesseract={version}", *extra)


def _make_one(
    sample: Sample, dest: Path, tessdata: Path, psm: int, lang: str | None, box_format: str
) -> None:
    with tempfile.TemporaryDirectory(prefix="tesskit-lstmf-") as tmp:
        work = Path(tmp)
        suffix = "".join(sample.image.suffixes[-1:]) or ".png"
        image = work / f"line{suffix}"
        # A private link named like its box file: tesseract finds the box by the image name.
        image.symlink_to(sample.image.resolve())
        with Image.open(image) as img:
            width, height = img.size
        own = boxes.checked_own_box(sample)
        if own is not None:
            shutil.copyfile(own, work / "line.box")
        else:
            make = boxes.BOX_MAKERS.get(box_format, line_box)
            (work / "line.box").write_text(make(sample.text(), width, height), encoding="utf-8")
        args = [find_tool("tesseract"), image, work / "line", "--psm", str(psm)]
        if lang:
            args += ["-l", lang]
        run([*args, "lstm.train"], env=tool_env(tessdata), timeout=300)
        produced = work / "line.lstmf"
        if not produced.is_file() or produced.stat().st_size == 0:
            raise TesskitError(f"tesseract wrote no lstmf for {sample.image}")
        copy_atomic(produced, dest)


def _any_model(tessdata: Path) -> str:
    """lstm.train only needs *a* loadable model to start the engine; the lstmf holds just the
    image and its text, so which model does not matter."""
    if (tessdata / "eng.traineddata").is_file():
        return "eng"
    for path in sorted(tessdata.glob("*.traineddata")):
        return path.stem
    raise TesskitError(
        f"no .traineddata in {tessdata}; tesseract cannot start",
        "install at least one model (the tessdata role installs eng)",
    )


def build_lstmf(
    samples: Sequence[Sample],
    cache_dir: Path,
    tessdata: Path,
    psm: int = LINE_PSM,
    jobs: int | None = None,
    lang: str | None = None,
    on_progress: ProgressCallback | None = None,
    box_format: str = "line",
) -> dict[str, Path]:
    """Make (or reuse) the lstmf of every sample; returns ``{sample.name: lstmf path}``.

    Runs ``jobs`` tesseract processes at once (threads only wait on them). Every sample is
    attempted; failures are collected and raised together so one bad line names itself
    instead of hiding the rest.
    """
    if not (tessdata / "configs" / "lstm.train").is_file():
        raise TesskitError(
            f"{tessdata}/configs/lstm.train is missing (tesseract needs it to write lstmf files)",
            "provision with the tessdata role, or copy configs/ from tesseract's tessdata",
        )
    lang = lang or _any_model(tessdata)
    cache_dir.mkdir(parents=True, exist_ok=True)
    version = tesseract_version()
    failures: list[str] = []
    # One process more than cores by default: each call is short (~20 ms for a line), so
    # the extra one keeps both cores busy while another starts up or writes its file.
    with ThreadPoolExecutor(max_workers=jobs or (os.cpu_count() or 1) + 1) as pool:
        # Hashing reads every image: spread it over the pool too (hashlib drops the GIL).
        keys = pool.map(lambda s: cache_key(s, psm, version, box_format), samples)
        targets = {s.name: cache_dir / f"{key}.lstmf" for s, key in zip(samples, keys)}
        todo = [s for s in samples if not targets[s.name].is_file()]
        done = len(samples) - len(todo)
        if on_progress:
            on_progress(done, len(samples))
        futures = {
            pool.submit(_make_one, s, targets[s.name], tessdata, psm, lang, box_format): s
            for s in todo
        }
        for future in as_completed(futures):
            try:
                future.result()
            except TesskitError as exc:
                # The tool's last output line says why (the command line would not).
                failures.append(f"{futures[future].image}: {exc.message.splitlines()[-1]}")
            done += 1
            if on_progress:
                on_progress(done, len(samples))
    if failures:
        raise TesskitError(
            f"{len(failures)} of {len(samples)} lines could not be turned into lstmf:\n  "
            + "\n  ".join(sorted(failures)[:20]),
            "run `tesskit dataset check` on the data directory and fix or remove those lines",
        )
    return targets
