"""Sweep sharding and the checks of `tesskit sweep --inventory` (real ansible-inventory)."""

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
from trainer.sweep import Shard, grid
from trainer.tools import TesskitError

from conftest import tesskit

ANSIBLE_INVENTORY = Path(sys.executable).with_name("ansible-inventory")
needs_ansible = pytest.mark.skipif(
    not ANSIBLE_INVENTORY.exists(), reason="ansible not installed in this venv"
)


@pytest.mark.parametrize("spec", ["0/1", "1/2", " 2 / 3 "])
def test_shard_parses_k_of_n(spec: str) -> None:
    shard = Shard.parse(spec)
    assert str(shard) == spec.replace(" ", "")


@pytest.mark.parametrize("spec", ["2/2", "-1/2", "1", "a/b", "1/0", ""])
def test_shard_rejects_what_is_not_k_of_n(spec: str) -> None:
    with pytest.raises(TesskitError, match="K/N"):
        Shard.parse(spec)


@pytest.mark.parametrize("hosts", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("iterations", [[100], [100, 400], [1000, 3000, 200]])
def test_shards_split_the_grid_exactly_once_and_evenly(hosts: int, iterations: list[int]) -> None:
    runs = grid("m", [0.0001, 0.0005, 0.001], iterations)
    shares = [Shard(k, hosts).select(runs) for k in range(hosts)]
    taken = [run for share in shares for run in share]
    assert sorted(taken, key=runs.index) == runs  # every run once, none twice
    assert all(share == sorted(share, key=runs.index) for share in shares)  # grid order kept
    loads = [sum(r.max_iterations for r in share) for share in shares]
    assert max(loads) - min(loads) <= max(iterations)  # no host waits for a second long run


def test_equal_runs_are_dealt_round_robin() -> None:
    runs = grid("m", [0.0001, 0.0005, 0.001, 0.002, 0.005], [100])
    assert Shard(1, 2).select(runs) == [runs[1], runs[3]]


def test_long_runs_are_spread_over_the_hosts() -> None:
    # Round-robin would give host 0 both 1000-iteration runs and host 1 both 3000 ones.
    runs = grid("m", [0.0005, 0.001], [1000, 3000])
    for k in (0, 1):
        assert sorted(r.max_iterations for r in Shard(k, 2).select(runs)) == [1000, 3000]


def test_an_empty_shard_writes_an_empty_table_and_trains_nothing(
    tmp_path: Path,
) -> None:
    data = tmp_path / "gt"
    data.mkdir()
    out = tmp_path / "runs"
    proc = tesskit(
        "sweep", "--model-name", "m", "--data", str(data), "--learning-rate", "0.001",
        "--output-dir", str(out), "--shard", "1/2",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "sweep.json").read_text()) == []
    assert "0 runs" in proc.stdout


def test_bad_shard_is_a_clear_error(tmp_path: Path) -> None:
    proc = tesskit("sweep", "--model-name", "m", "--data", str(tmp_path), "--shard", "2/2")
    assert proc.returncode == 2
    assert "--shard '2/2' is not K/N" in proc.stderr and "fix:" in proc.stderr


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
        sweep_args=[],
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
