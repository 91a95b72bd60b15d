"""The training user's data folder is one name across the three languages that spell it:
the training_env role (Ansible), the VM driver (Python) and the Vagrantfile (Ruby)."""

from __future__ import annotations

import re

import yaml

from trainer.remote.vm import GUEST_DATA

from conftest import REPO


def test_the_role_the_vm_driver_and_the_vagrantfile_name_the_same_data_folder() -> None:
    defaults = yaml.safe_load((REPO / "roles/training_env/defaults/main.yml").read_text())
    assert defaults["training_env_data_dir"] == "{{ training_env_home }}/" + GUEST_DATA
    synced = re.findall(r'synced_folder "data", "([^"]+)"', (REPO / "Vagrantfile").read_text())
    assert synced == [f"/home/vagrant/{GUEST_DATA}"]


def test_the_playbooks_take_the_data_folder_from_the_role() -> None:
    for playbook in ("train.yml", "sweep.yml"):
        text = (REPO / "playbooks" / playbook).read_text()
        assert GUEST_DATA not in text, f"{playbook} spells the folder; use training_env_data_dir"
