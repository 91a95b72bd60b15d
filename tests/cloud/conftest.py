"""Targets for the cloud tests, reached over real SSH like cloud instances.

- ``ssh_host``: this machine (provisioned by `make demo`, the test-demo phase) through an
  sshd of the test's own on a loopback port.
- ``container_host``: a second machine as far as a play is concerned: a podman container
  from the debootstrap image of tests/ci/podman-setup.sh, with its own filesystem and an
  sshd on another loopback port (host network). It comes unprovisioned; the test
  provisions it with playbooks/site.yml over SSH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud.hosts import (
    SSHD,
    SshHost,
    free_port,
    podman,
    record_timing,
    wait_for_port,
    write_inventory,
)
from conftest import PODMAN_IMAGE


@pytest.fixture(scope="session")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = tmp_path_factory.mktemp("ssh") / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    return key


@pytest.fixture
def local_ssh(tmp_path: Path, ssh_key: Path) -> Iterator[tuple[SshHost, subprocess.Popen[bytes]]]:
    """This machine as host ``cloud1``: an sshd on 127.0.0.1 taking only the test's key."""
    host_key = tmp_path / "host_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(host_key)], check=True)
    authorized = tmp_path / "authorized_keys"
    shutil.copy(ssh_key.with_suffix(".pub"), authorized)
    authorized.chmod(0o600)
    port = free_port()
    Path("/run/sshd").mkdir(exist_ok=True)
    options = {
        "ListenAddress": "127.0.0.1",
        "HostKey": host_key,
        "AuthorizedKeysFile": authorized,
        "StrictModes": "no",
        "UsePAM": "no",
        "PermitRootLogin": "prohibit-password",
        "PidFile": tmp_path / "sshd.pid",
    }
    command = [str(SSHD), "-D", "-e", "-p", str(port)]
    for option, value in options.items():
        command += ["-o", f"{option}={value}"]
    sshd = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    wait_for_port(port, timeout=10)
    yield SshHost("cloud1", port, ssh_key), sshd
    sshd.terminate()
    sshd.wait(timeout=10)


@pytest.fixture
def ssh_host(
    local_ssh: tuple[SshHost, subprocess.Popen[bytes]], tmp_path: Path
) -> tuple[Path, subprocess.Popen[bytes]]:
    """(inventory with this machine as ``cloud1``, its sshd)."""
    host, sshd = local_ssh
    return write_inventory(tmp_path / "inventory.yml", [host]), sshd


@pytest.fixture(scope="session")
def container_host(ssh_key: Path) -> Iterator[SshHost]:
    """A fresh container as host ``cloud2``: only an sshd on a loopback port is added (the
    image's systemd runs it), everything else is up to the playbooks."""
    if shutil.which("podman") is None:
        pytest.skip("podman not installed (tests/ci/podman-setup.sh)")
    if subprocess.run(["podman", "image", "exists", PODMAN_IMAGE], check=False).returncode:
        pytest.skip(f"podman image {PODMAN_IMAGE} missing (tests/ci/podman-setup.sh builds it)")
    name = f"tesskit-cloud-{os.getpid()}"
    port = free_port()
    started = time.monotonic()
    podman(
        "run", "-d", "--name", name, "--network", "host", "--systemd", "always",
        PODMAN_IMAGE, "/sbin/init",
    )  # fmt: skip
    try:
        # Let systemd finish booting first: it mounts a fresh tmpfs on /tmp, under an apt run
        # that started before ("Unknown error executing apt-key"). Until its bus is up,
        # systemctl fails at once instead of waiting, so ask again.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = subprocess.run(
                ["podman", "exec", name, "systemctl", "is-system-running", "--wait"],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            ).stdout.strip()
            if state in ("running", "degraded"):
                break
            time.sleep(0.5)
        # The drop-in is read when the package's postinst starts sshd: it never listens on
        # port 22 of this machine (shared network), only on the test's loopback port.
        setup = (
            "mkdir -p /etc/ssh/sshd_config.d /root/.ssh && chmod 700 /root/.ssh"
            f" && printf 'Port {port}\\nListenAddress 127.0.0.1\\nPasswordAuthentication no\\n'"
            " > /etc/ssh/sshd_config.d/tesskit-test.conf"
            " && apt-get update -qq"
            " && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends"
            " openssh-server >/dev/null"
        )
        podman("exec", name, "bash", "-c", setup)
        podman("cp", str(ssh_key.with_suffix(".pub")), f"{name}:/root/.ssh/authorized_keys")
        podman("exec", name, "bash", "-c", "chmod 600 /root/.ssh/authorized_keys")
        podman("exec", name, "systemctl", "restart", "ssh")
        wait_for_port(port)
        record_timing("container_host", "start + sshd", started)
        yield SshHost("cloud2", port, ssh_key, container=name)
    finally:
        podman("rm", "-f", "-t", "5", name)
