"""playbooks/train.yml on this machine: with a local connection (inventory/localhost.yml),
and over a real SSH connection that drops mid-training.

This machine is provisioned by `make demo` (the test-demo phase runs first); over SSH it is
reached through an sshd of the test's own on a loopback port, so Ansible, synchronize and
fetch go over SSH exactly as to a cloud instance.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from cloud.hosts import (
    PUSH_STAGING,
    REMOTE_DATA,
    ansible_env,
    needs_provisioned_machine,
    playbook_command,
    record_timing,
    remove_remote_leftovers,
    run_play,
    staging_copy,
)
from conftest import REPO, tree_digest

pytestmark = [pytest.mark.cloud, *needs_provisioned_machine]


def train_vars(model: str, data: Path, settings: str, runs: Path) -> dict[str, str]:
    """playbooks/train.yml's variables: train ``model`` on ``data`` with the run settings
    ``settings`` (a config file's TOML, written beside ``runs``), results into ``runs``."""
    config = runs.parent / f"{model}.toml"
    config.write_text(settings)
    return {
        "train_model_name": model,
        "train_data_dir": str(data),
        "train_config_file": str(config),
        "train_local_runs_dir": str(runs),
    }


@pytest.fixture
def model() -> Iterator[str]:
    """A model name of this test only; its run and pushed ground truth are removed after."""
    name = f"cloud{os.getpid()}{time.monotonic_ns() % 100_000}"
    yield name
    remove_remote_leftovers("runs", name)


@pytest.mark.slow
def test_train_playbook_with_a_local_connection(
    make_lines: Callable[..., Path], tmp_path: Path, model: str
) -> None:
    data = make_lines(12)
    digest = tree_digest(data)
    runs = tmp_path / "runs"
    # The file reaches the host as it is: never templated (a lookup would run as root here).
    canary = tmp_path / "templated"
    settings = f'# {{{{ lookup("pipe", "touch {canary}") }}}}\nstart_model = "eng"\n'
    settings += "max_iterations = 100\n"
    extra = train_vars(model, data, settings, runs)
    started = time.monotonic()
    proc = run_play(REPO / "inventory" / "localhost.yml", "train.yml", extra, tmp_path / "play.log")
    record_timing("train.yml local connection", "play (100 iterations)", started)
    assert proc.returncode == 0, proc.stdout[-3000:]
    remote_config = REMOTE_DATA / "configs" / f"{model}.toml"
    assert remote_config.read_text() == settings and not canary.exists()
    assert remote_config.stat().st_uid == pwd.getpwnam("tesskit").pw_uid  # the user's own
    fetched = runs / "localhost" / model
    assert json.loads((fetched / "manifest.json").read_text())["status"] == "finished"
    assert (fetched / f"{model}.traineddata").stat().st_size > 0
    assert (fetched / f"{model}_fast.traineddata").stat().st_size > 0
    assert (fetched / "report" / "training.png").is_file()
    assert tree_digest(data) == digest  # ground truth never written to
    assert tree_digest(REMOTE_DATA / "ground-truth" / model) == digest  # pushed as it is


def test_a_failing_command_fails_the_play_and_names_its_log(
    make_lines: Callable[..., Path], tmp_path: Path, model: str
) -> None:
    data = make_lines(4)
    stale, recent = plant_staging_copies()
    extra = train_vars(model, data, 'start_model = "nosuchmodel"\n', tmp_path / "runs")
    proc = run_play(REPO / "inventory" / "localhost.yml", "train.yml", extra, tmp_path / "play.log")
    assert proc.returncode != 0
    # The push's staging copy: root's, readable by the training user's group only.
    stage = os.stat(staging_copy(model))
    assert (stage.st_uid, stage.st_gid) == (0, pwd.getpwnam("tesskit").pw_gid)
    assert stat.S_IMODE(stage.st_mode) == 0o750
    # Copies no push used for 14 days are pruned; younger ones are kept.
    assert not stale.exists()
    assert recent.is_dir()
    shutil.rmtree(recent)
    log = REMOTE_DATA / "runs" / f"{model}.log"
    assert "on localhost exited with status 2" in proc.stdout, proc.stdout[-3000:]
    assert f"its log there: {log}" in proc.stdout
    assert "START_MODEL nosuchmodel" in log.read_text()


def test_options_as_argv_are_refused_with_the_way_to_pass_them(
    make_lines: Callable[..., Path], tmp_path: Path, model: str
) -> None:
    extra = {
        "train_model_name": model,
        "train_data_dir": str(make_lines(2)),
        "train_args": "--start-model eng",
    }
    proc = run_play(REPO / "inventory" / "localhost.yml", "train.yml", extra, tmp_path / "play.log")
    assert proc.returncode != 0
    assert "train_config_file=/path/to/run.toml (train_args is no longer read)" in proc.stdout
    assert not (REMOTE_DATA / "ground-truth" / model).exists()  # refused before the push


def plant_staging_copies() -> tuple[Path, Path]:
    """Two staging copies of earlier pushes: one last used 30 days ago, one 2 days ago."""
    copies = []
    for days in (30, 2):
        copy = PUSH_STAGING / f"test-{os.getpid()}-{days}d"
        copy.mkdir(parents=True)
        (copy / "line.gt.txt").write_text("old push\n")
        then = time.time() - days * 86400
        os.utime(copy, (then, then))
        copies.append(copy)
    return copies[0], copies[1]


def test_links_planted_by_the_training_user_give_root_nothing(
    make_lines: Callable[..., Path], tmp_path: Path, model: str
) -> None:
    """The training user controls its ground-truth folder: links it plants there must not
    make root write to, or change the owner of, what they point at."""
    data = make_lines(4)
    canary = tmp_path / "root-only"
    canary.mkdir(mode=0o755)
    (canary / "secret").write_text("root's\n")
    before = tree_digest(canary), os.stat(canary).st_uid, os.stat(canary / "secret").st_uid
    user = pwd.getpwnam("tesskit")
    pushed = REMOTE_DATA / "ground-truth" / model
    pushed.mkdir(parents=True)
    os.chown(pushed, user.pw_uid, user.pw_gid)
    # Where the push writes (a name the data has) and a folder link, both to the canary.
    first_image = sorted(data.glob("*.png"))[0].name
    for name, target in ((first_image, canary / "secret"), ("sub", canary)):
        (pushed / name).symlink_to(target)
        os.lchown(pushed / name, user.pw_uid, user.pw_gid)
    extra = train_vars(model, data, 'start_model = "nosuchmodel"\n', tmp_path / "runs")
    proc = run_play(REPO / "inventory" / "localhost.yml", "train.yml", extra, tmp_path / "play.log")
    assert "Copy the ground truth into the training user's folder" in proc.stdout
    after = tree_digest(canary), os.stat(canary).st_uid, os.stat(canary / "secret").st_uid
    assert after == before


def play(inventory: Path, extra: Mapping[str, object], runs: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        playbook_command(
            inventory,
            "train.yml",
            {**extra, "train_local_runs_dir": str(runs)},
            runs.parent / "train-vars.json",
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=REPO,
        env=ansible_env(),
    )


@pytest.mark.slow
def test_train_over_ssh_survives_a_dropped_connection(
    ssh_host: tuple[Path, subprocess.Popen[bytes]],
    make_lines: Callable[..., Path],
    tmp_path: Path,
    model: str,
) -> None:
    inventory, sshd = ssh_host
    data = make_lines(16)
    runs = tmp_path / "runs"
    settings = 'start_model = "eng"\nmax_iterations = 2000\ntarget_error_rate = 0\n'
    extra = train_vars(model, data, settings, runs)
    remote_run = REMOTE_DATA / "runs" / model
    started = time.monotonic()
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
    record_timing("train.yml over SSH", "drop + re-attach (2000 iterations)", started)
    assert second.returncode == 0, output[-3000:]
    fetched = runs / "cloud1" / model
    manifest = json.loads((fetched / "manifest.json").read_text())
    assert manifest["status"] == "finished"
    assert (fetched / f"{model}.traineddata").stat().st_size > 0
    assert (fetched / "report" / "training.png").is_file()
    log = (remote_run.parent / f"{model}.log").read_text()
    assert log.count("done") == 1  # one training, attached to twice
    assert (remote_run.parent / f"{model}.rc").read_text().strip() == "0"
