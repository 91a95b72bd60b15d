"""Sweep grids, their sharding over hosts, and what every run of a sweep is given."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trainer.cli.train import config_from_table
from trainer.dictionaries import UserLists
from trainer.sweep import Shard, grid
from trainer.tools import TesskitError
from trainer.train import TrainConfig

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


def test_every_run_gets_the_sweep_settings_and_its_grid_point(tmp_path: Path) -> None:
    base = TrainConfig(
        model_name="hw", data_dir=tmp_path / "gt", start_model="eng", fresh=True, augment=3,
        epochs=4, jobs=2, dictionaries=UserLists(words=tmp_path / "words.txt"),
    )  # fmt: skip
    run = grid("hw", [0.001], [700])[0]
    config = run.config(base)
    assert (config.model_name, config.learning_rate, config.max_iterations) == (
        run.name,
        0.001,
        700,
    )
    # The grid's iterations, not the base's epochs; one process, no live bar in a log file.
    assert (config.epochs, config.jobs, config.show_progress) == (None, 1, False)
    assert (config.start_model, config.fresh, config.augment) == ("eng", True, 3)
    assert config.dictionaries.words == tmp_path / "words.txt"


def test_a_run_config_reads_back_as_the_same_run(tmp_path: Path) -> None:
    """What the sweep writes for a run is what `tesskit train --config` then trains."""
    (tmp_path / "gt").mkdir()
    base = TrainConfig(
        model_name="hw", data_dir=tmp_path / "gt", start_model="eng", tessdata=tmp_path / "td",
        augment=0, lang_type="rtl", dictionaries=UserLists(enabled=False), net_spec="[1,36 O1c###]",
    )  # fmt: skip
    config = grid("hw", [0.0005], [300])[0].config(base)
    path = tmp_path / "run.config.json"
    path.write_text(json.dumps(config.settings()))
    assert config_from_table(path, json.loads(path.read_text())) == config


def test_sweep_config_errors_are_one_line_and_name_the_key(tmp_path: Path) -> None:
    config = tmp_path / "sweep.toml"
    config.write_text(f'model_name = "m"\ndata_dir = "{tmp_path}"\nepochs = 3\n')
    proc = tesskit("sweep", "--config", str(config))
    assert proc.returncode == 2 and "epochs in a sweep" in proc.stderr
    assert "Traceback" not in proc.stderr
    config.write_text(f'model_name = "m"\ndata_dir = "{tmp_path}"\nlearning_rates = [1]\n')
    proc = tesskit("sweep", "--config", str(config))
    assert proc.returncode == 2 and "unknown key 'learning_rates'" in proc.stderr
    config.write_text(f'model_name = "m"\ndata_dir = "{tmp_path}"\nlearning_rate = [0.1, -1]\n')
    proc = tesskit("sweep", "--config", str(config))
    assert proc.returncode == 2 and "above 0" in proc.stderr
    config.write_text(f'model_name = "m"\ndata_dir = "{tmp_path}"\njobs = "two"\n')
    proc = tesskit("sweep", "--config", str(config))
    assert proc.returncode == 2 and "jobs = 'two' is not 1 or more" in proc.stderr
    unnamed = tesskit("sweep", "--data", str(tmp_path))
    assert unnamed.returncode == 2
    assert "--model-name (or model_name in --config) is required" in unnamed.stderr
