"""The checks and merging of `tesskit sweep --inventory` (real ansible-inventory)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from trainer.remote.hosts import (
    FAILURE_NOTE,
    HostsSweep,
    collect_results,
    failure_error,
    find_ansible_tool,
    group_hosts,
)
from trainer.tools import TesskitError

from conftest import tesskit

ANSIBLE_INVENTORY = Path(sys.executable).with_name("ansible-inventory")
needs_ansible = pytest.mark.skipif(
    not ANSIBLE_INVENTORY.exists(), reason="ansible not installed in this venv"
)


def test_missing_ansible_playbook_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(TesskitError, match="ansible-playbook not found") as err:
        find_ansible_tool("ansible-playbook", search_path=str(tmp_path))
    assert "make bootstrap" in err.value.fix


@needs_ansible
def test_missing_inventory_is_a_clear_error(tmp_path: Path) -> None:
    proc = tesskit(
        "sweep", "--model-name", "m", "--data", str(tmp_path),
        "--inventory", str(tmp_path / "cloud.yml"),
    )  # fmt: skip
    assert proc.returncode == 2
    assert "cloud.yml does not exist" in proc.stderr
    assert "inventory/cloud.example.yml" in proc.stderr


@needs_ansible
def test_hosts_come_from_the_group_and_its_children(tmp_path: Path) -> None:
    inventory = tmp_path / "cloud.yml"
    inventory.write_text(
        "all:\n  children:\n    empty: {}\n    trainers:\n"
        "      hosts: {a: {}, b: {}}\n      children:\n        gpus:\n          hosts: {c: {}}\n"
        "    other:\n      hosts: {d: {}}\n"
    )
    assert group_hosts(inventory, "trainers", ANSIBLE_INVENTORY) == ["a", "b", "c"]
    with pytest.raises(TesskitError, match=r"'empty' in .* has no hosts"):
        group_hosts(inventory, "empty", ANSIBLE_INVENTORY)
    with pytest.raises(TesskitError, match=r"'gpu' is not in .*groups there: .*trainers"):
        group_hosts(inventory, "gpu", ANSIBLE_INVENTORY)
    inventory.write_text("all: [\n")
    with pytest.raises(TesskitError, match="Ansible cannot read the inventory"):
        group_hosts(inventory, "all", ANSIBLE_INVENTORY)


def test_host_tables_merge_into_one_ranking_with_failures_named(tmp_path: Path) -> None:
    sweep = HostsSweep(
        inventory=tmp_path / "inv.yml",
        group="all",
        model_name="m",
        data_dir=tmp_path,
        output_dir=tmp_path / "runs",
        sweep_config={},
        playbook=tmp_path / "sweep.yml",
    )

    def row(name: str, cer: float | None) -> dict[str, object]:
        return {
            "name": name, "learning_rate": 0.001, "max_iterations": 100,
            "exit_code": 0 if cer is not None else 1, "eval_cer": cer, "eval_wer": cer,
            "model": f"/remote/{name}.traineddata", "log": f"/remote/{name}.sweep.log",
        }  # fmt: skip

    for host, rows in {"h1": [row("m_a", 4.0), row("m_c", None)], "h2": [row("m_b", 2.0)]}.items():
        sweep.host_dir(host).mkdir(parents=True)
        (sweep.host_dir(host) / "sweep.json").write_text(json.dumps(rows))
    sweep.host_dir("h3").mkdir(parents=True)
    (sweep.host_dir("h3") / FAILURE_NOTE).write_text("tesskit exited with status 2; log: /x\n")
    results, failures = collect_results(sweep, ["h1", "h2", "h3", "h4"])
    ranking = [(r["name"], r["host"]) for r in results]
    assert ranking == [("m_b", "h2"), ("m_a", "h1"), ("m_c", "h1")]  # failed runs last
    assert results[0]["model"] == str(sweep.host_dir("h2") / "m_b" / "m_b.traineddata")
    assert results[0]["log"] == str(sweep.host_dir("h2") / "m_b.sweep.log")
    assert failures["h3"] == "tesskit exited with status 2; log: /x"
    assert "unreachable" in failures["h4"]
    error = failure_error(sweep, failures, 4)
    assert "2 of 4 hosts (h3, h4)" in error.message
    assert str(sweep.log) in error.fix


def test_tessdata_is_refused_with_inventory(tmp_path: Path) -> None:
    proc = tesskit(
        "sweep", "--model-name", "m", "--data", str(tmp_path),
        "--inventory", str(tmp_path / "i.yml"), "--tessdata", str(tmp_path),
    )  # fmt: skip
    assert proc.returncode == 2
    assert "--tessdata is a path on this machine" in proc.stderr
