"""The README's "Training your own model" commands, run as written on a provisioned machine.

The shell block of that section is read from README.md and run line by line in a folder
holding `my-data/` and `held-out/` (real printed lines), with the machine's TESSDATA_PREFIX:
if the README and the behaviour drift apart, this fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from trainer import dataset

from cloud.hosts import needs_provisioned_machine
from conftest import REPO, SHARED_DATA, tree_digest

TESSDATA = Path("/usr/local/share/tessdata")
pytestmark = [pytest.mark.cloud, pytest.mark.slow, *needs_provisioned_machine]


def readme_commands(section: str) -> list[str]:
    """The commands of the first ```sh block under the heading ``section``."""
    text = (REPO / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", body, re.S)
    assert block, f"no sh block under '{section}'"
    return [line.split("  #")[0].strip() for line in block.group(1).splitlines() if line.strip()]


def copy_lines(book: str, start: int, count: int, dest: Path) -> None:
    samples, _, _ = dataset.discover(SHARED_DATA / "early-printed-books-gt" / "Books" / book)
    dest.mkdir()
    for sample in samples[start : start + count]:
        shutil.copy(sample.image, dest)
        shutil.copy(sample.gt, dest)


@pytest.fixture
def workdir(tmp_path: Path) -> Iterator[Path]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    copy_lines("1505", 0, 24, tmp_path / "my-data")
    copy_lines("1505", 100, 12, tmp_path / "held-out")
    yield tmp_path
    for leftover in TESSDATA.glob("handwriting*.traineddata"):
        leftover.unlink()


def test_training_section_runs_as_written(workdir: Path) -> None:
    commands = readme_commands("Training your own model")
    assert any(c.startswith("tesskit train ") for c in commands), commands
    data = tree_digest(workdir / "my-data")
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": os.environ.get("HOME", "/root"),
        "TESSDATA_PREFIX": str(TESSDATA),
        "COLUMNS": "100",
    }
    for command in commands:
        proc = subprocess.run(
            ["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True,
            timeout=1800, check=False,
        )  # fmt: skip
        assert proc.returncode == 0, (
            f"`{command}` failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
        )
    run = workdir / "runs" / "handwriting"
    assert (run / "handwriting.traineddata").is_file()
    assert (TESSDATA / "handwriting.traineddata").is_file()  # tesskit install
    assert tree_digest(workdir / "my-data") == data  # ground truth never written
    # The README's last comment: the installed model reads a line with plain tesseract.
    line = next((workdir / "held-out").glob("*.png"))
    read = subprocess.run(
        ["tesseract", str(line), "-", "--psm", "13", "-l", "handwriting"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert read.stdout.strip()
