"""train.yml and sweep.yml refuse model names that would climb out of the training user's
tree (root creates and chowns those paths), and take tesskit's extra vars as data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from trainer.remote.hosts import write_unsafe_vars

from conftest import REPO

ANSIBLE_PLAYBOOK = Path(sys.executable).with_name("ansible-playbook")

pytestmark = pytest.mark.skipif(
    not ANSIBLE_PLAYBOOK.exists(), reason="ansible not installed in this venv"
)


def play(playbook: str, vars_file: Path) -> subprocess.CompletedProcess[str]:
    """The play against this machine; the first task (the assert) runs on the controller."""
    return subprocess.run(
        [
            str(ANSIBLE_PLAYBOOK),
            "-i",
            "localhost,",
            "-c",
            "local",
            str(REPO / "playbooks" / playbook),
            "-e",
            f"@{vars_file}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={
            "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
            "ANSIBLE_NOCOLOR": "1",
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        },
    )


@pytest.mark.parametrize("playbook", ["train.yml", "sweep.yml"])
@pytest.mark.parametrize("name", ["../../..", "/home", "a/../../b", "x\n", "-x", ".."])
def test_names_that_escape_are_refused_first(playbook: str, name: str, tmp_path: Path) -> None:
    prefix = playbook.removesuffix(".yml")
    vars_file = tmp_path / "vars.yml"
    write_unsafe_vars(
        vars_file, {f"{prefix}_model_name": name, f"{prefix}_data_dir": str(tmp_path)}
    )
    proc = play(playbook, vars_file)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "letters, digits, '_', '.', '-'; no '..'" in out
    assert "Push the ground truth" not in out  # nothing after the assert ran


def test_tesskits_extra_vars_are_never_templated(tmp_path: Path) -> None:
    mark = tmp_path / "templated"
    vars_file = tmp_path / "vars.yml"
    write_unsafe_vars(
        vars_file,
        {
            "sweep_model_name": f"{{{{ lookup('pipe', 'touch {mark}') }}}}",
            "sweep_data_dir": str(tmp_path),
        },
    )
    proc = play("sweep.yml", vars_file)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no '..'" in proc.stdout
    assert not mark.exists()
