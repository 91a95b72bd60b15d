"""Character alignment of a reference and a reading: the edits behind the CER, as segments.

The CER counts ``Levenshtein.distance`` edits; the segments here come from rapidfuzz's
``Levenshtein.opcodes`` of the same two strings, so the marked characters in a report are
exactly the edits that were counted (``edit_count(segments) == distance``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rapidfuzz.distance import Levenshtein

Kind = Literal["equal", "replace", "insert", "delete"]


@dataclass(frozen=True)
class Segment:
    """A run of one kind: ``reference`` holds the reference's characters (empty for an
    insertion), ``reading`` the recognised ones (empty for a deletion)."""

    kind: Kind
    reference: str
    reading: str

    @property
    def edits(self) -> int:
        return 0 if self.kind == "equal" else max(len(self.reference), len(self.reading))


def segments(reference: str, reading: str) -> list[Segment]:
    """The reading aligned to the reference, equal runs and edit runs in order."""
    return [
        Segment(op.tag, reference[op.src_start : op.src_end], reading[op.dest_start : op.dest_end])
        for op in Levenshtein.opcodes(reference, reading)
    ]


def edit_count(aligned: Iterable[Segment]) -> int:
    return sum(s.edits for s in aligned)


def substitutions(reference: str, reading: str) -> Counter[tuple[str, str]]:
    """(reference char, recognised char) -> how often one was read as the other."""
    return Counter(
        (reference[op.src_pos], reading[op.dest_pos])
        for op in Levenshtein.editops(reference, reading)
        if op.tag == "replace"
    )


def confusions(pairs: Sequence[tuple[str, str]], top: int = 20) -> list[tuple[str, str, int]]:
    """The ``top`` most frequent substitutions over (reference, reading) pairs, as
    (reference char, recognised char, count), most frequent first (ties by characters)."""
    total: Counter[tuple[str, str]] = Counter()
    for reference, reading in pairs:
        total.update(substitutions(reference, reading))
    ranked = sorted(total.items(), key=lambda item: (-item[1], item[0]))
    return [(ref, got, count) for (ref, got), count in ranked[:top]]
