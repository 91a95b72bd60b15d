"""The tessdata role's defaults: every file they download is pinned, at a commit, and the
pins agree with the upstream files copied to ../shared (SOURCES.md names their commits)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import yaml

from trainer.scripts import LANGDATA_SCRIPTS

from conftest import REPO, SHARED_DATA
from mirror import PINNED_CHECKSUMS, build_tree

DEFAULTS = yaml.safe_load((REPO / "roles/tessdata/defaults/main.yml").read_text())


def test_every_default_download_is_pinned() -> None:
    checksums = DEFAULTS["tessdata_checksums"]
    wanted = [
        f"{variant}/{language}.traineddata"
        for variant in DEFAULTS["tessdata_variants"]
        for language in DEFAULTS["tessdata_languages"]
    ] + [f"langdata/{name}" for name in DEFAULTS["tessdata_langdata_files"]]
    assert [key for key in wanted if key not in checksums] == []
    assert all(re.fullmatch(r"[0-9a-f]{64}", value) for value in checksums.values())


def test_base_urls_name_a_commit_not_a_branch() -> None:
    for key in ("tessdata_best_base_url", "tessdata_fast_base_url", "tessdata_langdata_base_url"):
        assert re.search(r"/raw/[0-9a-f]{40}$", DEFAULTS[key]), DEFAULTS[key]


def test_pins_match_the_upstream_files_at_those_commits() -> None:
    sources = SHARED_DATA / "SOURCES.md"
    if not sources.is_file():
        pytest.skip(f"{sources} not present")
    repo_of = {"best": "tessdata_best", "fast": "tessdata_fast", "langdata": "langdata_lstm"}
    base_of = {
        "best": DEFAULTS["tessdata_best_base_url"],
        "fast": DEFAULTS["tessdata_fast_base_url"],
        "langdata": DEFAULTS["tessdata_langdata_base_url"],
    }
    compared = 0
    for key, pinned in DEFAULTS["tessdata_checksums"].items():
        variant, name = key.split("/")
        local = (
            SHARED_DATA / repo_of[variant] if variant != "langdata" else SHARED_DATA / "langdata"
        )
        copy = local / name
        if not copy.is_file():
            continue  # not copied here (eng/osd best): pinned from published sums
        # SOURCES.md: "- <path> | <sha256> | <size> | github:<repo> | <commit> | ..."
        row = next(
            line.split(" | ")
            for line in sources.read_text().splitlines()
            if line.startswith(f"- {copy.relative_to(SHARED_DATA)} |")
        )
        assert hashlib.sha256(copy.read_bytes()).hexdigest() == pinned, key
        assert base_of[variant].endswith(f"/raw/{row[4].strip()}"), (key, row[4])
        compared += 1
    assert compared >= 5  # fast eng, best fra, the langdata files


def test_every_script_unicharset_of_langdata_lstm_is_installed() -> None:
    """The trainer refuses data whose script unicharset is missing: the role installs them all."""
    wanted = {"radical-stroke.txt", *(f"{name}.unicharset" for name in LANGDATA_SCRIPTS)}
    assert len(LANGDATA_SCRIPTS) == 33
    assert set(DEFAULTS["tessdata_langdata_files"]) == wanted


def test_loopback_mirror_serves_and_pins_every_default_langdata_file(tmp_path: Path) -> None:
    if not (SHARED_DATA / "langdata").is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    root = build_tree(tmp_path / "mirror", SHARED_DATA)
    for name in DEFAULTS["tessdata_langdata_files"]:
        served = root / "langdata_lstm/raw/main" / name
        key = f"langdata/{name}"
        assert PINNED_CHECKSUMS[key] == DEFAULTS["tessdata_checksums"][key], key
        assert hashlib.sha256(served.read_bytes()).hexdigest() == PINNED_CHECKSUMS[key], key
