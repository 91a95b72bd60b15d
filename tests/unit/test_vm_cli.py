"""`tesskit vm`: the command run inside the VM, and errors without Vagrant."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from trainer.tools import TesskitError
from trainer.vm import guest_train_command, machine, remote_shell


def test_guest_command_trains_on_the_synced_folder() -> None:
    command = guest_train_command("hw", ["--start-model", "eng", "--net-spec", "[1,36 O1c###]"])
    assert command == (
        "tesskit train --model-name hw --data ~/tesskit-data/ground-truth "
        "--output-dir ~/tesskit-data/runs --start-model eng --net-spec '[1,36 O1c###]'"
    )


def test_remote_shell_survives_vagrants_single_quotes() -> None:
    command = guest_train_command("it's", ["--start-model", ""])
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
