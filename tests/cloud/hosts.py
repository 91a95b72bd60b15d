"""Helpers of the cloud tests: SSH targets on loopback ports, inventories, plays."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from trainer.remote.vm import GUEST_DATA

from conftest import CACHE, REPO, tesskit

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
SSHD = Path("/usr/sbin/sshd")
USER_HOME = Path("/home/tesskit")
REMOTE_DATA = USER_HOME / GUEST_DATA  # the training user's data folder on this machine
PUSH_STAGING = Path("/var/cache/tesskit/push")  # root's staging copies of pushed ground truth

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
            # As ansible.cfg does for users (accept-new), with a known_hosts file of this
            # host only: a later test may get the same port with another host key.
            "ansible_ssh_common_args": (
                "-o StrictHostKeyChecking=accept-new"
                f" -o UserKnownHostsFile={self.key.parent}/known_hosts-{self.name}-{self.port}"
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


def playbook_command(
    inventory: Path, playbook: str, extra: Mapping[str, object], vars_file: Path, *args: str
) -> list[str]:
    """ansible-playbook playbooks/<playbook> with ``extra`` written to ``vars_file``."""
    vars_file.write_text(json.dumps(extra))
    return [
        str(ANSIBLE_PLAYBOOK),
        "-i",
        str(inventory),
        str(REPO / "playbooks" / playbook),
        "-e",
        f"@{vars_file}",
        *args,
    ]


def run_play(
    inventory: Path,
    playbook: str,
    extra: Mapping[str, object],
    log: Path,
    *args: str,
    timeout: float = 1800,
) -> subprocess.CompletedProcess[str]:
    """ansible-playbook playbooks/<playbook> with ``extra`` as a vars file; output to ``log``."""
    proc = subprocess.run(
        playbook_command(inventory, playbook, extra, log.with_suffix(".vars.json"), *args),
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
    return tesskit(*args, timeout=timeout, env=ansible_env())


def staging_copy(name: str) -> Path:
    """Root's staging copy of the ground truth pushed for model ``name`` (named, as the play
    names it, by the sha1 of the training user's ground-truth folder)."""
    pushed = REMOTE_DATA / "ground-truth" / name
    return PUSH_STAGING / hashlib.sha1(str(pushed).encode()).hexdigest()


def remove_remote_leftovers(kind: str, name: str) -> None:
    """What a test's run left in the training user's data folder: ``<kind>/<name>`` (kind:
    runs or sweeps), its pushed ground truth and root's staging copy of it, and the run's
    pid, log, exit-status and config files."""
    for leftover in (REMOTE_DATA / kind / name, REMOTE_DATA / "ground-truth" / name,
                     staging_copy(name)):  # fmt: skip
        shutil.rmtree(leftover, ignore_errors=True)
    for suffix in (".pid", ".log", ".rc", ".config.json"):
        (REMOTE_DATA / kind / f"{name}{suffix}").unlink(missing_ok=True)
    (REMOTE_DATA / "configs" / f"{name}.toml").unlink(missing_ok=True)


def record_timing(test: str, part: str, since: float) -> None:
    """Print and keep ($TESSKIT_CACHE_DIR/cloud-timings.tsv) how long a part took since
    ``since`` (a time.monotonic() value)."""
    seconds = time.monotonic() - since
    print(f"timing: {test}: {part}: {seconds:.0f} s")
    CACHE.mkdir(parents=True, exist_ok=True)
    with (CACHE / "cloud-timings.tsv").open("a") as fh:
        fh.write(f"{test}\t{part}\t{seconds:.0f}\n")
