"""Helpers of the cloud tests: SSH targets on loopback ports, inventories, plays."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from mirror import playbook_vars

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
SSHD = Path("/usr/sbin/sshd")
USER_HOME = Path("/home/tesskit")
PODMAN_IMAGE = os.environ.get("TESSKIT_PODMAN_IMAGE", "localhost/tesskit-bookworm-systemd")
CACHE = Path(os.environ.get("TESSKIT_CACHE_DIR") or "/var/tmp/tesskit-cache")

needs_provisioned_machine = [
    pytest.mark.skipif(not SSHD.exists(), reason="openssh-server not installed"),
    pytest.mark.skipif(
        not Path("/usr/local/bin/tesskit").exists() or not USER_HOME.is_dir(),
        reason="this machine is not provisioned (run `make test-demo` first)",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.3)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


@dataclass(frozen=True)
class SshHost:
    """An inventory host reached as root with the test's key on a loopback port."""

    name: str
    port: int
    key: Path
    #: podman container name, for a host that is one
    container: str = ""

    def host_vars(self) -> dict[str, object]:
        return {
            "ansible_host": "127.0.0.1",
            "ansible_port": self.port,
            "ansible_user": "root",
            "ansible_python_interpreter": "/usr/bin/python3",
            "ansible_ssh_private_key_file": str(self.key),
            "ansible_ssh_common_args": (
                "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
            ),
        }


def write_inventory(path: Path, hosts: Sequence[SshHost], group: str = "trainers") -> Path:
    """A YAML inventory (JSON is YAML) with ``hosts`` in ``group``, in this order."""
    inventory = {"all": {"children": {group: {"hosts": {h.name: h.host_vars() for h in hosts}}}}}
    path.write_text(json.dumps(inventory, indent=2) + "\n")
    return path


def ansible_env() -> dict[str, str]:
    return {**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")}


def podman(*args: str, timeout: float = 600) -> str:
    proc = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"podman {' '.join(args)}: {proc.stderr[-2000:]}")
    return proc.stdout


def run_play(
    inventory: Path,
    playbook: str,
    extra: Mapping[str, object],
    log: Path,
    *args: str,
    timeout: float = 1800,
) -> subprocess.CompletedProcess[str]:
    """ansible-playbook playbooks/<playbook> with ``extra`` as a vars file; output to ``log``."""
    vars_file = log.with_suffix(".vars.json")
    vars_file.write_text(json.dumps(extra))
    proc = subprocess.run(
        [
            str(ANSIBLE_PLAYBOOK),
            "-i",
            str(inventory),
            str(REPO / "playbooks" / playbook),
            "-e",
            f"@{vars_file}",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env=ansible_env(),
        timeout=timeout,
        check=False,
    )
    log.write_text(proc.stdout)
    return proc


def tesskit_cli(*args: str, timeout: float = 1800) -> subprocess.CompletedProcess[str]:
    """The tesskit CLI of this checkout, with a full environment (Ansible needs HOME)."""
    return subprocess.run(
        [sys.executable, "-m", "trainer.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**ansible_env(), "COLUMNS": "200"},
        check=False,
    )


def site_vars(mirror: str, source_sha256: str, version: str) -> dict[str, object]:
    """playbooks/site.yml's variables as the Molecule scenarios set them: downloads from
    the loopback mirror, Tesseract unpacked from the cached build artefact (nothing
    compiles), Python packages from the cached wheelhouse."""
    return {
        **playbook_vars(mirror, source_sha256, version),
        "tesseract_build_artifact_cache_dir": str(CACHE / "artifacts"),
        "training_env_wheelhouse": str(CACHE / "wheelhouse"),
    }


def record_timing(test: str, part: str, since: float) -> None:
    """Print and keep ($TESSKIT_CACHE_DIR/cloud-timings.tsv) how long a part took since
    ``since`` (a time.monotonic() value)."""
    seconds = time.monotonic() - since
    print(f"timing: {test}: {part}: {seconds:.0f} s")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "cloud-timings.tsv").open("a") as fh:
        fh.write(f"{test}\t{part}\t{seconds:.0f}\n")
