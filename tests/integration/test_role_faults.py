"""Provisioning faults against the real roles: bad checksums, HTML answers, truncated
downloads. Each must fail the play with a message naming the fix, and leave nothing
half-installed. Runs the roles on this machine with every path inside a temp dir."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mirror import PINNED_CHECKSUMS, Mirror, build_tree

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")

pytestmark = [
    pytest.mark.infra,
    pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="ansible not installed in this venv"),
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present"),
]


@pytest.fixture(scope="module")
def mirror_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("mirror")
    source = tmp_path_factory.mktemp("src") / "tesseract.tar.gz"
    source.write_bytes(b"not really a tarball, only its checksum matters here")
    return build_tree(root, SHARED, source, "9.9.9")


def play(tmp_path: Path, role: str, extra: dict[str, object]) -> subprocess.CompletedProcess[str]:
    playbook = tmp_path / "play.yml"
    playbook.write_text(
        f"- hosts: localhost\n  connection: local\n  gather_facts: true\n  roles: [{role}]\n"
    )
    vars_file = tmp_path / "vars.json"
    vars_file.write_text(json.dumps(extra))
    return subprocess.run(
        [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", str(playbook), "-e", f"@{vars_file}"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=600,
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        },
    )


def tessdata_vars(tmp_path: Path, url: str, **overrides: object) -> dict[str, object]:
    configs = tmp_path / "configs-src"
    configs.mkdir(exist_ok=True)
    (configs / "lstm.train").write_text("tessedit_pageseg_mode 6\n")
    base = {
        "tessdata_dir": str(tmp_path / "tessdata"),
        "tessdata_configs_source": str(configs),
        "tessdata_languages": ["eng"],
        "tessdata_variants": ["best", "fast"],
        "tessdata_best_base_url": f"{url}/tessdata_best/raw/main",
        "tessdata_fast_base_url": f"{url}/tessdata_fast/raw/main",
        "tessdata_langdata_base_url": f"{url}/langdata_lstm/raw/main",
        "tessdata_langdata_files": ["radical-stroke.txt"],
        "tessdata_unpinned_policy": "fail",
        "tessdata_checksums": {
            key: PINNED_CHECKSUMS[key]
            for key in (
                "best/eng.traineddata",
                "fast/eng.traineddata",
                "langdata/radical-stroke.txt",
            )
        },
    }
    base.update(overrides)
    return base


def test_tessdata_installs_then_changes_nothing(mirror_root: Path, tmp_path: Path) -> None:
    with Mirror(mirror_root) as mirror:
        first = play(tmp_path, "tessdata", tessdata_vars(tmp_path, mirror.url))
        assert first.returncode == 0, first.stdout[-3000:]
        second = play(tmp_path, "tessdata", tessdata_vars(tmp_path, mirror.url))
    assert "changed=0" in second.stdout, second.stdout[-3000:]
    tessdata = tmp_path / "tessdata"
    assert (tessdata / "eng.traineddata").read_bytes() == (
        SHARED / "tessdata_best" / "fra.traineddata"
    ).read_bytes()
    assert (tessdata / "fast" / "eng.traineddata").is_file()
    assert (tessdata / "configs" / "lstm.train").is_file()
    assert (tessdata / "langdata" / "radical-stroke.txt").is_file()


@pytest.mark.parametrize(
    ("fault", "checksums", "expected"),
    [
        ("", {"best/eng.traineddata": "0" * 64}, "tessdata_checksums"),
        ("/html", None, "Could not install best/eng.traineddata"),
        ("/truncate", None, "Could not install best/eng.traineddata"),
        ("/404", None, "Could not install best/eng.traineddata"),
    ],
)
def test_bad_model_downloads_fail_clearly_and_leave_nothing(
    mirror_root: Path,
    tmp_path: Path,
    fault: str,
    checksums: dict[str, str] | None,
    expected: str,
) -> None:
    with Mirror(mirror_root) as mirror:
        extra = tessdata_vars(tmp_path, mirror.url + fault)
        if checksums:
            extra["tessdata_checksums"] = {**extra["tessdata_checksums"], **checksums}
        result = play(tmp_path, "tessdata", extra)
    assert result.returncode != 0
    assert expected in result.stdout, result.stdout[-3000:]
    assert not (tmp_path / "tessdata" / "eng.traineddata").exists()


def test_unpinned_html_is_rejected_even_without_checksum(mirror_root: Path, tmp_path: Path) -> None:
    with Mirror(mirror_root) as mirror:
        extra = tessdata_vars(
            tmp_path, mirror.url, tessdata_unpinned_policy="record", tessdata_checksums={}
        )
        extra["tessdata_best_base_url"] = f"{mirror.url}/html/tessdata_best/raw/main"
        result = play(tmp_path, "tessdata", extra)
    assert result.returncode != 0
    assert "returned an HTML page" in result.stdout, result.stdout[-3000:]
    assert not (tmp_path / "tessdata" / "eng.traineddata").exists()


def test_wrong_source_checksum_fails_before_anything_is_installed(
    mirror_root: Path, tmp_path: Path
) -> None:
    prefix = tmp_path / "prefix"
    with Mirror(mirror_root) as mirror:
        source_url = f"{mirror.url}/tesseract/archive/refs/tags/9.9.9.tar.gz"
        result = play(
            tmp_path,
            "tesseract_build",
            {
                "tesseract_version": "9.9.9",
                "tesseract_build_source_url": source_url,
                "tesseract_build_source_sha256": "1" * 64,
                "tesseract_build_prefix": str(prefix),
                "tesseract_build_dir": str(tmp_path / "build"),
                "tesseract_build_artifact_cache_dir": str(tmp_path / "artifacts"),
            },
        )
    assert result.returncode != 0
    assert "Could not get Tesseract 9.9.9 source" in result.stdout, result.stdout[-3000:]
    assert "Nothing was installed" in result.stdout
    assert not prefix.exists()
    assert not (tmp_path / "build" / "tesseract-9.9.9.tar.gz").exists()
