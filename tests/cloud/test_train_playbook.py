"""playbooks/train.yml over a real SSH connection, including a dropped connection.

The SSH host is this machine, provisioned by `make demo` (the test-demo phase runs first),
reached through an sshd of the test's own on a loopback port, so Ansible, synchronize and
fetch go over SSH exactly as to a cloud instance.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")
SSHD = Path("/usr/sbin/sshd")
USER_HOME = Path("/home/tesskit")

pytestmark = [
    pytest.mark.cloud,
    pytest.mark.skipif(not SSHD.exists(), reason="openssh-server not installed"),
    pytest.mark.skipif(
        not Path("/usr/local/bin/tesskit").exists() or not USER_HOME.is_dir(),
        reason="this machine is not provisioned (run `make test-demo` first)",
    ),
]


@pytest.fixture
def ssh_host(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    """An sshd on 127.0.0.1 with a key of the test's own; yields (inventory, sshd)."""
    key = tmp_path / "id_ed25519"
    host_key = tmp_path / "host_ed25519"
    for path in (key, host_key):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    authorized = tmp_path / "authorized_keys"
    shutil.copy(key.with_suffix(".pub"), authorized)
    authorized.chmod(0o600)
    port = 22000 + os.getpid() % 1000
    Path("/run/sshd").mkdir(exist_ok=True)
    sshd = subprocess.Popen(
        [
            str(SSHD),
            "-D",
            "-e",
            "-p",
            str(port),
            "-o",
            "ListenAddress=127.0.0.1",
            "-o",
            f"HostKey={host_key}",
            "-o",
            f"AuthorizedKeysFile={authorized}",
            "-o",
            "StrictModes=no",
            "-o",
            "UsePAM=no",
            "-o",
            "PermitRootLogin=prohibit-password",
            "-o",
            f"PidFile={tmp_path / 'sshd.pid'}",
        ],
        stderr=subprocess.DEVNULL,
    )
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(
        "all:\n  hosts:\n    cloud1:\n"
        f"      ansible_host: 127.0.0.1\n      ansible_port: {port}\n"
        "      ansible_user: root\n"
        "      ansible_python_interpreter: /usr/bin/python3\n"
        f"      ansible_ssh_private_key_file: {key}\n"
        "      ansible_ssh_common_args: >-\n"
        "        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null\n"
    )
    time.sleep(1)
    yield inventory, sshd
    sshd.terminate()
    sshd.wait(timeout=10)


def play(inventory: Path, extra: dict[str, object], runs: Path) -> subprocess.Popen[str]:
    vars_file = runs.parent / "train-vars.json"
    vars_file.write_text(json.dumps({**extra, "train_local_runs_dir": str(runs)}))
    return subprocess.Popen(
        [
            str(ANSIBLE_PLAYBOOK),
            "-i",
            str(inventory),
            str(REPO / "playbooks" / "train.yml"),
            "-e",
            f"@{vars_file}",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1", "ANSIBLE_CONFIG": str(REPO / "ansible.cfg")},
    )


def test_train_over_ssh_survives_a_dropped_connection(
    ssh_host: tuple[Path, subprocess.Popen[bytes]],
    make_lines: Callable[..., Path],
    tmp_path: Path,
) -> None:
    inventory, sshd = ssh_host
    data = make_lines(16)
    model = f"cloud{os.getpid()}"
    runs = tmp_path / "runs"
    extra = {
        "train_model_name": model,
        "train_data_dir": str(data),
        "train_args": "--start-model eng --max-iterations 2000 --target-error-rate 0",
    }
    remote_run = USER_HOME / "tesskit-data" / "runs" / model
    first = play(inventory, extra, runs)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (remote_run / "progress.json").is_file():
        assert first.poll() is None, first.stdout.read() if first.stdout else ""
        time.sleep(1)
    assert (remote_run / "progress.json").is_file(), "training never started"
    # Drop every SSH session of our sshd (the listener stays): the play loses its host.
    subprocess.run(["pkill", "-KILL", "-P", str(sshd.pid)], check=False)
    output = first.communicate(timeout=300)[0]
    assert first.returncode != 0, output[-3000:]
    pid = int((remote_run.parent / f"{model}.pid").read_text())
    os.kill(pid, 0)  # the detached training survived the dropped connection

    second = play(inventory, extra, runs)  # re-attaches, waits, fetches
    output = second.communicate(timeout=900)[0]
    assert second.returncode == 0, output[-3000:]
    fetched = runs / "cloud1" / model
    manifest = json.loads((fetched / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert (fetched / f"{model}.traineddata").stat().st_size > 0
    assert (fetched / "report" / "training.png").is_file()
    log = (remote_run.parent / f"{model}.log").read_text()
    assert log.count("done") == 1  # one training, attached to twice
    shutil.rmtree(remote_run, ignore_errors=True)
