"""`tesskit vm`: the command run inside the VM and Vagrant's failures as messages."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from trainer.remote.vm import guest_train_command, machine, remote_shell
from trainer.tools import TesskitError

from conftest import REPO, tesskit


def test_guest_command_trains_on_the_synced_folder() -> None:
    command = guest_train_command("hw", ["--start-model", "eng", "--net-spec", "[1,36 O1c###]"])
    assert command == (
        "cd && tesskit train --model-name hw --data tesskit-data/ground-truth "
        "--output-dir tesskit-data/runs --start-model eng --net-spec '[1,36 O1c###]'"
    )


@pytest.mark.parametrize(
    "hostile",
    ["~/x;touch /tmp/PWNED", "~/$(touch /tmp/PWNED)", "`touch /tmp/PWNED`", "a b", "~", "*"],
)
def test_every_guest_argument_is_quoted(hostile: str, tmp_path: Path) -> None:
    args = ["--tessdata", hostile, "--net-spec", hostile]
    command = guest_train_command("hw", args)
    words = shlex.split(command)
    assert words[:2] == ["cd", "&&"]
    assert words[2:] == [
        "tesskit",
        "train",
        "--model-name",
        "hw",
        "--data",
        "tesskit-data/ground-truth",
        "--output-dir",
        "tesskit-data/runs",
        *args,
    ]
    # What the guest's shell makes of it: the arguments arrive as they were written.
    probe = tmp_path / "argv"
    script = command.replace("tesskit train", f"printf '%s\\n' >{shlex.quote(str(probe))}", 1)
    subprocess.run(["bash", "-c", script], check=True, env={"HOME": str(tmp_path)})
    assert probe.read_text().splitlines()[-len(args) :] == args
    assert not Path("/tmp/PWNED").exists()


@pytest.mark.parametrize("name", ["../x", "/abs/x", "a;b", "~x", ""])
def test_guest_command_refuses_bad_model_names(name: str) -> None:
    with pytest.raises(TesskitError, match="not a valid model name"):
        guest_train_command(name, [])


def test_remote_shell_survives_vagrants_single_quotes() -> None:
    command = guest_train_command("hw", ["--net-spec", "it's", "--start-model", ""])
    wrapped = remote_shell(command)
    assert "'" not in wrapped
    # What Vagrant runs in the guest: bash -c '<wrapped>'; decode it the same way.
    result = subprocess.run(
        ["bash", "-c", wrapped.replace("bash -l", "cat")], capture_output=True, text=True
    )
    assert result.stdout == command


def test_missing_vagrantfile_is_explained(tmp_path: Path) -> None:
    with pytest.raises(TesskitError, match=r"no Vagrantfile|vagrant is not installed"):
        machine(tmp_path)


@pytest.mark.skipif(shutil.which("vagrant") is None, reason="vagrant not installed")
def test_a_vagrant_failure_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    shutil.copy(REPO / "Vagrantfile", tmp_path / "Vagrantfile")
    # The Vagrantfile itself refuses this; Vagrant exits 1 before touching any provider.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "TESSKIT_PROVISIONER": "puppet"}
    result = tesskit("vm", "up", "--root", str(tmp_path), timeout=300, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "TESSKIT_PROVISIONER must be ansible or ansible_local" in result.stderr
    assert "error: starting the VM failed: `vagrant up --provision` exited 1" in result.stderr
    assert "Traceback" not in result.stderr
