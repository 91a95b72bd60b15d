"""A Tesseract build killed mid-compile, then the play run again: it must recover.

The target is a fresh podman container from the same debootstrap image as the Molecule
scenario (tests/ci/podman-setup.sh), with the same build path and the same ccache volume, so
the compile reuses the Molecule phase's objects (a cold compile is 7-28 minutes here). The
real roles (tesseract_deps with build tools, tesseract_build) compile the real source of the
pinned release (5.3.4) from a loopback mirror. The first ansible-playbook is killed once the
compiler has produced objects, as Ctrl-C or a lost SSH session would: the compile it started
keeps running in the container. Nothing may be installed and no artefact published. The
second run must stop the orphaned compile, clear the partial tree, finish, install a working
tesseract and publish a complete artefact.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import CACHE, PODMAN_IMAGE, REPO, SHARED_DATA
from mirror import TESSERACT_VERSION, Mirror, build_tree, playbook_vars

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
# Same path and ccache volume as molecule/default: ccache hits only at the same tree path.
BUILD_DIR = "/var/cache/tesskit/tesseract-build"
BUILD_USER = "tesseract-build"
KILL_AFTER_OBJECTS = 60


def _podman_image_present() -> bool:
    if shutil.which("podman") is None:
        return False
    return subprocess.run(["podman", "image", "exists", PODMAN_IMAGE], check=False).returncode == 0


pytestmark = [
    pytest.mark.infra,
    pytest.mark.slow,
    pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="ansible not installed in this venv"),
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/data not present"),
    pytest.mark.skipif(
        not _podman_image_present(),
        reason=f"no podman image {PODMAN_IMAGE} (tests/ci/podman-setup.sh)",
    ),
]


def in_container(name: str, command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", "exec", name, "bash", "-c", command], capture_output=True, text=True
    )


@pytest.fixture
def container() -> Iterator[str]:
    name = f"tesskit-interrupted-{os.getpid()}"
    (CACHE / "ccache").mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["podman", "run", "-d", "--name", name, "--network", "host", "--systemd", "always",
         "-v", f"{CACHE / 'ccache'}:{BUILD_DIR}/ccache", PODMAN_IMAGE, "/sbin/init"],
        check=True, capture_output=True,
    )  # fmt: skip
    try:
        yield name
    finally:
        subprocess.run(["podman", "rm", "-f", "-t", "0", name], capture_output=True)


def test_rerun_after_killed_build_recovers(container: str, tmp_path: Path) -> None:
    artifacts = tmp_path / "artifacts"  # empty: this test must compile
    playbook = tmp_path / "build.yml"
    playbook.write_text(
        "- hosts: all\n  gather_facts: true\n  roles: [tesseract_deps, tesseract_build]\n"
    )
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
    }
    with Mirror(build_tree(tmp_path / "mirror", SHARED_DATA)) as mirror:
        variables = tmp_path / "vars.json"
        variables.write_text(
            json.dumps(
                {
                    "tesseract_build_source_url": playbook_vars(mirror.url)[
                        "tesseract_build_source_url"
                    ],
                    "tesseract_build_artifact_cache_dir": str(artifacts),
                    "tesseract_deps_build_tools": True,
                }
            )
        )
        argv = [
            str(ANSIBLE_PLAYBOOK), "-i", f"{container},", "-c", "containers.podman.podman",
            str(playbook), "-e", f"@{variables}",
        ]  # fmt: skip

        # First run: killed once the compiler has written some objects.
        first_log = tmp_path / "first.log"
        with first_log.open("w") as log:
            first = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            started = time.monotonic()
            while True:
                count = in_container(
                    container, f"find {BUILD_DIR}/src -name '*.o' 2>/dev/null | wc -l"
                ).stdout.strip()
                if int(count or 0) >= KILL_AFTER_OBJECTS:
                    break
                assert first.poll() is None, (
                    "the play ended before the compile could be interrupted:\n"
                    + first_log.read_text()[-4000:]
                )
                assert time.monotonic() - started < 3600, "no compile started within an hour"
                time.sleep(1)
            # Like Ctrl-C or a lost SSH session: the play dies, the compile it started in
            # the container keeps running, and the re-run must deal with it.
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
        orphans = in_container(container, f"pgrep -u {BUILD_USER} | wc -l").stdout.strip()
        killed_after = time.monotonic() - started
        assert in_container(container, "test -e /usr/local/bin/tesseract").returncode != 0, (
            "a killed build installed something"
        )
        assert not list(artifacts.glob("*.tar.gz")), "a killed build published an artefact"

        # Second run: the same play, to the end.
        started = time.monotonic()
        second = subprocess.run(
            argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=7200, check=False
        )
        rerun_took = time.monotonic() - started
        assert second.returncode == 0, second.stdout[-6000:]

    tools = in_container(container, "tesseract --version && lstmtraining --version")
    assert tools.returncode == 0, tools.stderr
    assert f"tesseract {TESSERACT_VERSION}" in tools.stdout + tools.stderr
    (artefact,) = artifacts.glob("*.tar.gz")
    assert not list(artifacts.glob("*.part")), "the artefact was left under its temporary name"
    recorded = (artifacts / f"{artefact.name}.sha256").read_text().split()[0]
    assert recorded == hashlib.sha256(artefact.read_bytes()).hexdigest()
    with tarfile.open(artefact) as archive:  # complete: the gzip stream reads to its end
        members = archive.getmembers()
    # Paths below the prefix only, root's, never group/world-writable.
    assert "bin/lstmtraining" in {m.name for m in members}
    assert all(m.uid == 0 and m.gid == 0 and not m.mode & 0o022 for m in members)
    assert not any(m.name in (".", "./") or m.name.startswith(("/", "..")) for m in members)
    print(
        f"\nplay killed after {killed_after:.0f} s ({orphans} build processes left running);"
        f" full re-run {rerun_took:.0f} s"
    )
