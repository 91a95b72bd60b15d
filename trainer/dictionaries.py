"""Word, punctuation and number lists for the model's dictionaries (lstm-*-dawg).

A fine-tune keeps the start model's dictionaries: they are read back to plain lists with
``dawg2wordlist`` and rebuilt by ``combine_lang_model`` over the new unicharset (without
this a fine-tune silently drops them, and often reads worse than its start). The user's own
lists are added on top.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer.tools import TesskitError, find_tool, run, tool_env

#: combine_lang_model option -> the component of an unpacked traineddata it comes from.
KINDS = {"words": "lstm-word-dawg", "puncs": "lstm-punc-dawg", "numbers": "lstm-number-dawg"}


@dataclass(frozen=True)
class UserLists:
    """Lists the user adds (--wordlist/--punc/--numbers) and whether to keep any at all."""

    words: Path | None = None
    puncs: Path | None = None
    numbers: Path | None = None
    enabled: bool = True

    def given(self) -> dict[str, Path]:
        chosen = {"words": self.words, "puncs": self.puncs, "numbers": self.numbers}
        return {kind: path for kind, path in chosen.items() if path is not None}


def check_user_lists(lists: UserLists) -> None:
    """Fail before training on a list that is missing or that --no-dictionaries contradicts."""
    given = lists.given()
    if given and not lists.enabled:
        raise TesskitError(
            "--no-dictionaries cannot be combined with --wordlist/--punc/--numbers",
            "drop one of them",
        )
    for kind, path in given.items():
        if not path.is_file():
            raise TesskitError(f"{kind} list {path} not found", "give an existing text file")


def start_model_lists(unpacked_prefix: Path, dest: Path, tessdata: Path) -> dict[str, Path]:
    """The start model's dictionaries as word lists, from files ``combine_tessdata -u`` wrote
    as ``<prefix>.lstm-word-dawg`` etc.; kinds the model lacks are left out."""
    unicharset = Path(f"{unpacked_prefix}.lstm-unicharset")
    lists: dict[str, Path] = {}
    for kind, component in KINDS.items():
        dawg = Path(f"{unpacked_prefix}.{component}")
        if not dawg.is_file():
            continue
        out = dest / f"start.{kind}.txt"
        run(
            [find_tool("dawg2wordlist"), unicharset, dawg, out],
            env=tool_env(tessdata),
            timeout=600,
        )
        lists[kind] = out
    return lists


def merged_lists(start: dict[str, Path], lists: UserLists, dest: Path) -> dict[str, Path]:
    """One file per kind: the start model's entries then the user's, duplicates dropped.

    combine_lang_model builds no dictionary from words alone: it needs punctuation patterns
    too, so giving words (or numbers) without any punc list is an error that says so.
    """
    if not lists.enabled:
        return {}
    user = lists.given()
    merged: dict[str, Path] = {}
    for kind in KINDS:
        sources = [p for p in (start.get(kind), user.get(kind)) if p is not None]
        if not sources:
            continue
        entries: dict[str, None] = {}
        for source in sources:
            # Spaces are part of punc/number patterns (a space stands for the word): keep them.
            for line in source.read_text(encoding="utf-8", errors="replace").split("\n"):
                if line.strip(" \r") or (kind != "words" and line):
                    entries[line.rstrip("\r")] = None
        out = dest / f"{kind}.txt"
        out.write_text("".join(f"{entry}\n" for entry in entries), encoding="utf-8")
        merged[kind] = out
    if merged and "puncs" not in merged:
        raise TesskitError(
            "a dictionary needs punctuation patterns, and neither the start model nor "
            "--punc gives any",
            "add --punc FILE (one pattern per line, e.g. langdata's eng.punc), or "
            "--no-dictionaries",
        )
    return merged
