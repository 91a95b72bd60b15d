"""The run manifest: what a run did and chose, kept in its folder's manifest.json.

The report, the sweep's ranking and a rerun that may skip finished work read it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from trainer.atomic import write_json_atomic

MANIFEST = "manifest.json"


def read_manifest(run_dir: Path) -> dict[str, Any]:
    path = run_dir / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def update_manifest(run_dir: Path, **fields: Any) -> dict[str, Any]:
    data = read_manifest(run_dir)
    data.update(fields)
    write_json_atomic(run_dir / MANIFEST, data)
    return data
