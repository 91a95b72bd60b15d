"""Shared fixtures: real data from ../shared (skipped when absent), synthetic line sets."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from trainer.synth import find_font, write_synthetic_dataset
from trainer.train import TrainConfig, TrainResult, run_training

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
SYSTEM_CONFIGS = Path("/usr/share/tesseract-ocr/5/tessdata/configs")
# Build artefact, ccache, wheelhouse, box: kept between runs. The Makefile sets it (.ci/run
# outside the clone); pytest run by hand gets the Makefile's default.
CACHE = Path(os.environ.get("TESSKIT_CACHE_DIR") or REPO / ".cache")
# The debootstrap image tests/ci/podman-setup.sh builds (Molecule's target).
PODMAN_IMAGE = os.environ.get("TESSKIT_PODMAN_IMAGE", "localhost/tesskit-bookworm-systemd")

WORDS = tuple(
    [
        "amber",
        "bridge",
        "cobalt",
        "delta",
        "ember",
        "fjord",
        "gravel",
        "harbor",
        "ivory",
        "jolly",
        "kayak",
        "lumen",
        "mosaic",
        "nimbus",
        "orbit",
        "prism",
        "quartz",
        "relic",
        "solar",
        "tundra",
        "umber",
        "vivid",
        "wander",
        "yarrow",
    ]
)


def sample_lines(count: int, seed: int = 0) -> list[str]:
    """Deterministic short lines over a fixed small alphabet."""
    lines = []
    for i in range(count):
        picks = [WORDS[(i * 7 + k * 3 + seed) % len(WORDS)] for k in range(3 + i % 3)]
        lines.append(" ".join(picks) + f" {i % 97}")
    return lines


def tesskit(
    *args: str, timeout: float = 900, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the tesskit CLI as a user would, with a wide terminal; a plain PATH unless
    ``env`` gives the environment."""
    base = env if env is not None else {"PATH": "/usr/local/bin:/usr/bin:/bin"}
    return subprocess.run(
        [sys.executable, "-m", "trainer.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**base, "COLUMNS": "200"},
    )


def tree_digest(root: Path) -> dict[str, str]:
    """Path -> sha256 of every file below root: proof that nothing was written or deleted."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present (../shared beside the repo)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def font() -> Path:
    return find_font()


@pytest.fixture
def make_lines(tmp_path: Path, font: Path) -> Callable[..., Path]:
    def make(count: int = 12, name: str = "gt", seed: int = 0) -> Path:
        out = tmp_path / name
        write_synthetic_dataset(out, sample_lines(count, seed), font)
        return out

    return make


@pytest.fixture(scope="session")
def float_tessdata(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """A tessdata dir like the playbook makes: float fra (stand-in for eng best), the
    integer eng from tessdata_fast, configs/lstm.train and langdata."""
    if not SYSTEM_CONFIGS.is_dir():
        pytest.skip("Debian's tesseract-ocr configs not installed")
    tessdata = tmp_path_factory.mktemp("tessdata")
    shutil.copy(shared_data / "tessdata_best" / "fra.traineddata", tessdata)
    shutil.copy(shared_data / "tessdata_fast" / "eng.traineddata", tessdata / "engfast.traineddata")
    shutil.copytree(SYSTEM_CONFIGS, tessdata / "configs")
    (tessdata / "langdata").symlink_to(shared_data / "langdata")
    return tessdata


@pytest.fixture
def fine_tune(float_tessdata: Path, tmp_path: Path) -> Callable[..., TrainResult]:
    """Fine-tune the float stand-in (fra) quietly into tmp_path/runs: ``fine_tune(name,
    data, **fields)``, the keyword arguments overriding TrainConfig's fields."""

    def run(model_name: str, data_dir: Path, **fields: Any) -> TrainResult:
        config = TrainConfig(
            model_name=model_name,
            data_dir=data_dir,
            start_model="fra",
            tessdata=float_tessdata,
            output_dir=tmp_path / "runs",
            show_progress=False,
            **fields,
        )
        return run_training(config)

    return run
