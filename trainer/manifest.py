"""The run manifest: what was trained, from what, with which settings, and how it went."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON via a temp file + rename, so a crash never leaves half a file."""
    partial = path.with_name(f".{path.name}.tmp{os.getpid()}")
    partial.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
    partial.replace(path)


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def update_manifest(run_dir: Path, **fields: Any) -> dict[str, Any]:
    data = read_manifest(run_dir)
    data.update(fields)
    write_json_atomic(run_dir / MANIFEST, data)
    return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
