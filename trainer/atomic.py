"""Atomic writes every stage uses: a temp file or tree beside the destination, then a rename.

So a crash or a failed tool never leaves half a file, or a mix of two trees, where a good
one was.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


@contextmanager
def replacing(dest: Path) -> Iterator[Path]:
    """A temp path beside ``dest``, renamed onto it if the block succeeds, removed if not.

    So a crash or a failed tool never leaves half a file where a good one was. The name is
    unique per process and thread: parallel workers may produce the same destination.
    """
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        yield partial
        partial.replace(dest)
    finally:
        partial.unlink(missing_ok=True)


def write_json_atomic(path: Path, data: Any) -> None:
    with replacing(path) as partial:
        partial.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


def copy_atomic(src: Path, dest: Path) -> Path:
    with replacing(dest) as partial:
        shutil.copyfile(src, partial)
    return dest


def replace_tree(new: Path, dest: Path) -> Path:
    """Put directory ``new`` where ``dest`` is (same filesystem), the old one moved aside first.

    Two renames: ``dest`` never holds a mix of old and new files, and if the second rename
    fails the old tree is put back.
    """
    previous = dest.with_name(f".{dest.name}.{os.getpid()}.previous")
    if dest.exists():
        dest.replace(previous)
    try:
        new.replace(dest)
    except OSError:
        if previous.exists():
            previous.replace(dest)
        raise
    shutil.rmtree(previous, ignore_errors=True)
    return dest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
