"""Sweep grids, their sharding over hosts, and what every run of a sweep is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainer.dataset import LINE_PSM
from trainer.sweep import RunSettings, Shard, grid, train_args
from trainer.tools import TesskitError

from conftest import tesskit


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


def test_runs_share_the_training_settings(tmp_path: Path) -> None:
    shared = RunSettings(LINE_PSM, "eng", None, fresh=True)
    args = train_args(shared, tmp_path / "gt", tmp_path / "runs", None)
    assert args == [
        "--data", str(tmp_path / "gt"), "--output-dir", str(tmp_path / "runs"),
        "--psm", "13", "--start-model", "eng", "--fresh", "--jobs", "1",
    ]  # fmt: skip
    scratch = RunSettings(7, "", "[1,36 O1c###]", fresh=False)
    assert scratch.args() == ["--psm", "7", "--net-spec", "[1,36 O1c###]"]
    with_tessdata = train_args(scratch, tmp_path, tmp_path, tmp_path / "tessdata")
    assert with_tessdata[-2:] == ["--tessdata", str(tmp_path / "tessdata")]
