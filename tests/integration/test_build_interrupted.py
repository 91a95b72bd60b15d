"""A Tesseract build killed mid-compile, then the play run again: it must recover.

The real roles (tesseract_deps with build tools, tesseract_build) compile the real 5.3.0
source from a loopback mirror on this machine, into a prefix inside a temp dir. The first
run is killed once the compiler has produced objects (as a reboot or Ctrl-C would); nothing
may be installed and no artefact published. The second run must clear the partial tree,
finish, install a working tesseract and publish a complete artefact; ccache (kept under
$TESSKIT_CACHE_DIR) makes the objects of the killed run hits.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from mirror import Mirror, build_tree

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "data"
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
CACHE = Path(os.environ.get("TESSKIT_CACHE_DIR", "/var/tmp/tesskit-cache"))
# A fixed tree path: ccache hits only when the sources sit at the same path.
BUILD_DIR = Path("/var/tmp/tesskit-test-build")
BUILD_USER = "tesseract-build"
KILL_AFTER_OBJECTS = 60

pytestmark = [
    pytest.mark.infra,
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="installs build packages and a build user"),
    pytest.mark.skipif(not ANSIBLE_PLAYBOOK.exists(), reason="ansible not installed in this venv"),
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data not present"),
]


def _objects(tree: Path) -> int:
    return sum(1 for _ in tree.rglob("*.o")) if tree.is_dir() else 0


def _kill_build() -> None:
    """Stop the compile the way a reboot would: every process of the build user."""
    subprocess.run(["pkill", "-KILL", "-u", BUILD_USER], check=False)
    for _ in range(50):
        if subprocess.run(["pgrep", "-u", BUILD_USER], capture_output=True).returncode != 0:
            return
        time.sleep(0.2)


def test_rerun_after_killed_build_recovers(tmp_path: Path) -> None:
    source = subprocess.run(
        [str(REPO / "scripts/fetch-tesseract-source.sh"), str(CACHE / "src")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    tarball, sha, version = Path(source[0]), source[1], source[2]
    prefix = tmp_path / "prefix"
    artifacts = tmp_path / "artifacts"
    playbook = tmp_path / "build.yml"
    playbook.write_text(
        "- hosts: localhost\n  connection: local\n  gather_facts: true\n"
        "  roles: [tesseract_deps, tesseract_build]\n"
    )
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
        "ANSIBLE_ROLES_PATH": str(REPO / "roles"),
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
    }
    with Mirror(build_tree(tmp_path / "mirror", SHARED, tarball, version)) as mirror:
        variables = tmp_path / "vars.json"
        variables.write_text(
            json.dumps(
                {
                    "tesseract_version": version,
                    "tesseract_build_source_url": (
                        f"{mirror.url}/tesseract/archive/refs/tags/{version}.tar.gz"
                    ),
                    "tesseract_build_source_sha256": sha,
                    "tesseract_build_prefix": str(prefix),
                    "tesseract_build_dir": str(BUILD_DIR),
                    "tesseract_build_ccache_dir": str(CACHE / "ccache-host"),
                    "tesseract_build_artifact_cache_dir": str(artifacts),
                    "tesseract_deps_build_tools": True,
                }
            )
        )
        argv = [str(ANSIBLE_PLAYBOOK), "-i", "localhost,", str(playbook), "-e", f"@{variables}"]

        # First run: killed once the compiler has written some objects.
        first_log = tmp_path / "first.log"
        with first_log.open("w") as log:
            first = subprocess.Popen(
                argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            started = time.monotonic()
            while _objects(BUILD_DIR / "src") < KILL_AFTER_OBJECTS:
                assert first.poll() is None, (
                    f"the play ended before the compile could be interrupted:\n"
                    f"{first_log.read_text()[-4000:]}"
                )
                assert time.monotonic() - started < 3600, "no compile started within an hour"
                time.sleep(0.5)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait()
            _kill_build()
        killed_after = time.monotonic() - started
        assert not (prefix / "bin" / "tesseract").exists(), "a killed build installed something"
        assert not list(artifacts.glob("*.tar.gz")), "a killed build published an artefact"

        # Second run: the same play, to the end.
        started = time.monotonic()
        second = subprocess.run(
            argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=7200, check=False
        )
        rerun_took = time.monotonic() - started
        assert second.returncode == 0, second.stdout[-6000:]

    version_out = subprocess.run(
        [str(prefix / "bin" / "tesseract"), "--version"],
        capture_output=True,
        text=True,
        env={"LD_LIBRARY_PATH": str(prefix / "lib")},
        check=True,
    )
    assert f"tesseract {version}" in version_out.stdout + version_out.stderr
    assert (prefix / "bin" / "lstmtraining").is_file()
    (artefact,) = artifacts.glob("*.tar.gz")
    assert not list(artifacts.glob("*.part")), "the artefact was left under its temporary name"
    with tarfile.open(artefact) as archive:  # complete: gzip stream and members read to the end
        names = archive.getnames()
    relative_prefix = str(prefix).lstrip("/")
    assert f"./{relative_prefix}/bin/lstmtraining" in names
    print(f"\nkilled after {killed_after:.0f} s; full re-run {rerun_took:.0f} s")
