"""Box files for lstmf generation: a user's own ``NAME.box``, or tesstrain's WordStr lines.

``NAME.box`` beside a line image (hand-corrected boxes, the output of tesstrain's
``generate_gt_from_box.py`` case, or WordStr boxes made elsewhere) is used as it is; its
bytes are part of the lstmf cache key. It must spell the same text as ``NAME.gt.txt``
(whitespace aside), since lstmtraining learns the box text and lstmeval scores against it.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from bidi import get_display

from trainer.dataset import Sample, strip_image_suffix
from trainer.tools import TesskitError

#: How a missing NAME.box is generated: one box per grapheme, or tesstrain's WordStr line.
BOX_FORMATS = ("line", "wordstr")


def wordstr_box(text: str, width: int, height: int) -> str:
    """tesstrain's WordStr box: the whole line as one labelled box (its choice for RTL and
    Indic lines, where a box per grapheme means little)."""
    line = unicodedata.normalize("NFC", text.strip())
    return f"WordStr 0 0 {width} {height} 0 #{line}\n\t 0 0 {width} {height} 0\n"


def visual_order(text: str) -> str:
    """``text`` (logical order) as it lies on the line from left to right: the Unicode
    bidi algorithm's reordering, so digits and Latin words inside RTL text keep their own
    order (a plain reversal, tesstrain's --rtl, turns 2024 into 4202)."""
    return get_display(unicodedata.normalize("NFC", text.strip()))


def rtl_wordstr_box(text: str, width: int, height: int) -> str:
    """A WordStr box for an RTL line. lstmtraining learns the characters in the order the
    network sees them, left to right; tesseract puts RTL words back into logical order when
    it reads, so the box text is the line in visual order."""
    return wordstr_box(visual_order(text), width, height)


#: Generated box makers by --box-format (``line`` is lstmf.line_box).
BOX_MAKERS = {"wordstr": wordstr_box, "wordstr-rtl": rtl_wordstr_box}


def own_box(sample: Sample) -> Path | None:
    """``NAME.box`` beside the line image, if there is one."""
    stem = strip_image_suffix(sample.image)
    box = Path(f"{stem}.box") if stem else None
    return box if box is not None and box.is_file() else None


def box_text(box: str) -> str:
    """The text a box file spells, whitespace removed (legacy box files have no space rows)."""
    chars = []
    for row in box.splitlines():
        if row.startswith("WordStr "):  # WordStr left bottom right top page #text
            chars.append(row.partition("#")[2])
        elif len(row.rsplit(" ", 5)) == 6:  # char left bottom right top page
            chars.append(row.rsplit(" ", 5)[0])
    return unicodedata.normalize("NFC", "".join("".join(chars).split()))


def checked_own_box(sample: Sample) -> Path | None:
    """The sample's own box file, refused when it spells another text than its .gt.txt."""
    box = own_box(sample)
    if box is None:
        return None
    spelled = box_text(box.read_text(encoding="utf-8"))
    expected = unicodedata.normalize("NFC", "".join(sample.text().split()))
    # RTL boxes spell the line in visual order.
    if spelled not in (expected, "".join(visual_order(sample.text()).split())):
        raise TesskitError(f"{box.name} spells {spelled!r} but its .gt.txt {expected!r}")
    return box


def cache_extra(sample: Sample, box_format: str) -> list[str]:
    """What the box adds to the lstmf cache key; nothing for generated line boxes, so caches
    made before box files were read stay valid."""
    box = own_box(sample)
    if box is not None:
        return [f"box={hashlib.sha256(box.read_bytes()).hexdigest()}"]
    return [] if box_format == "line" else [f"box_format={box_format}"]
