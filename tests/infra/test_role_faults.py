"""Provisioning faults against the real roles: bad checksums, HTML answers, truncated
downloads. Each must fail the play with a message naming the fix, and leave nothing
half-installed. Runs the roles on this machine with every path inside a temp dir."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mirror import PINNED_CHECKSUMS, TESSERACT_VERSION, Mirror, build_tree, playbook_vars

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
    return build_tree(tmp_path_factory.mktemp("mirror"), SHARED)


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
        # The real archive against a wrong pin: what a tampered download looks like.
        result = play(
            tmp_path,
            "tesseract_build",
            build_vars(tmp_path, mirror.url, tesseract_build_source_sha256="1" * 64),
        )
    assert result.returncode != 0
    assert f"Could not get Tesseract {TESSERACT_VERSION} source" in result.stdout, result.stdout[
        -3000:
    ]
    assert "Nothing was installed" in result.stdout
    assert not prefix.exists()
    assert not list((tmp_path / "build").glob("*.tar.gz"))


@pytest.fixture
def local_user() -> Iterator[str]:
    """A throwaway login account standing for another person on the machine."""
    name = f"tkother{os.getpid() % 100000}"
    subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="creates accounts: needs root")


def build_vars(tmp_path: Path, url: str, **overrides: object) -> dict[str, object]:
    return {
        "tesseract_build_source_url": playbook_vars(url)["tesseract_build_source_url"],
        "tesseract_build_prefix": str(tmp_path / "prefix"),
        "tesseract_build_dir": str(tmp_path / "build"),
        "tesseract_build_artifact_cache_dir": str(tmp_path / "artifacts"),
        **overrides,
    }


@needs_root
def test_build_dir_made_by_another_user_is_refused(
    mirror_root: Path, tmp_path: Path, local_user: str
) -> None:
    # Another user got there first (a world-writable /var/tmp makes that easy) and left a
    # link to /etc where root would unpack the source.
    hostile = tmp_path / "build"
    hostile.mkdir()
    (hostile / "src").symlink_to("/etc")
    shutil.chown(hostile, local_user, local_user)
    etc_owner = os.stat("/etc").st_uid
    with Mirror(mirror_root) as mirror:
        result = play(tmp_path, "tesseract_build", build_vars(tmp_path, mirror.url))
    assert result.returncode != 0
    assert "must be a real directory owned by root" in result.stdout, result.stdout[-3000:]
    assert os.stat(hostile).st_uid == pwd.getpwnam(local_user).pw_uid  # left as it was
    assert os.stat("/etc").st_uid == etc_owner
    assert not (tmp_path / "prefix").exists()


@needs_root
def test_build_dir_that_is_a_link_is_refused(mirror_root: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    (tmp_path / "build").symlink_to(target)
    with Mirror(mirror_root) as mirror:
        result = play(tmp_path, "tesseract_build", build_vars(tmp_path, mirror.url))
    assert result.returncode != 0
    assert "(it is a link)" in result.stdout, result.stdout[-3000:]
    assert list(target.iterdir()) == []


@needs_root
def test_an_existing_login_account_is_never_taken_as_build_user(
    mirror_root: Path, tmp_path: Path, local_user: str
) -> None:
    before = pwd.getpwnam(local_user)
    with Mirror(mirror_root) as mirror:
        result = play(
            tmp_path,
            "tesseract_build",
            build_vars(tmp_path, mirror.url, tesseract_build_user=local_user),
        )
    assert result.returncode != 0
    assert f"The account {local_user} exists and was not made by this role" in result.stdout, (
        result.stdout[-3000:]
    )
    assert pwd.getpwnam(local_user) == before  # shell, home, comment untouched
    assert not (tmp_path / "build").exists()
