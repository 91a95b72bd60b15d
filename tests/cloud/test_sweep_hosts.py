"""`tesskit sweep --inventory`: one sweep over two machines through Ansible.

cloud1 is this machine through an sshd on a loopback port; cloud2 is a podman container
with its own filesystem, provisioned here over SSH by playbooks/site.yml (loopback mirror,
cached build artefact and wheelhouse, so nothing compiles and nothing comes from GitHub).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from trainer import dataset
from trainer.sweep import Shard, grid

from cloud.hosts import (
    REMOTE_DATA,
    SshHost,
    free_port,
    needs_provisioned_machine,
    podman,
    record_timing,
    remove_remote_leftovers,
    run_play,
    tesskit_cli,
    write_inventory,
)
from conftest import CACHE, SHARED_DATA, tree_digest
from mirror import TESSERACT_VERSION, Mirror, build_tree, build_wheelhouse, site_vars

pytestmark = [pytest.mark.cloud, *needs_provisioned_machine]


@pytest.fixture
def model() -> Iterator[str]:
    """A sweep name of this test only; what it leaves on this machine is removed after."""
    name = f"sw{time.monotonic_ns() % 10_000_000}"
    yield name
    remove_remote_leftovers("sweeps", name)


def provision(inventory: Path, tmp_path: Path) -> None:
    """playbooks/site.yml on every host of the inventory, one fork per host."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present (the mirror serves models from it)")
    artefacts = list((CACHE / "artifacts").glob(f"tesseract-{TESSERACT_VERSION}-debian12-*.tar.gz"))
    if not artefacts:
        pytest.skip(f"no build artefact in {CACHE} (make test-molecule makes it)")
    build_wheelhouse(CACHE)
    root = build_tree(tmp_path / "mirror", SHARED_DATA)
    with Mirror(root) as mirror:
        proc = run_play(
            inventory,
            "site.yml",
            site_vars(mirror.url, CACHE),
            tmp_path / "site.log",
            "--forks",
            "2",
        )
    assert proc.returncode == 0, proc.stdout[-4000:]


def book_lines(dest: Path, count: int) -> Path:
    """Real printed lines (synthetic ones reach 0% CER at every setting: no ranking)."""
    dest.mkdir()
    samples, _, _ = dataset.discover(SHARED_DATA / "early-printed-books-gt" / "Books" / "1505")
    for sample in samples[:count]:
        shutil.copy(sample.image, dest)
        shutil.copy(sample.gt, dest)
    return dest


@pytest.mark.slow
def test_sweep_over_two_machines_ranks_runs_from_both(
    local_ssh: tuple[SshHost, subprocess.Popen[bytes]],
    container_host: SshHost,
    tmp_path: Path,
    model: str,
) -> None:
    cloud1, _ = local_ssh
    inventory = write_inventory(tmp_path / "cloud.yml", [cloud1, container_host])
    started = time.monotonic()
    provision(inventory, tmp_path)
    record_timing("sweep on 2 hosts", "site.yml on both (parallel)", started)

    data = book_lines(tmp_path / "gt", 20)
    digest = tree_digest(data)
    runs = tmp_path / "runs"
    learning_rates, iterations = [0.0005, 0.001, 0.002], [100]
    # The grid and the runs' settings reach the hosts as one config file (no argv).
    config = tmp_path / "sweep.toml"
    config.write_text(f'start_model = "eng"\naugment = 1\nlearning_rate = {learning_rates}\n')
    started = time.monotonic()
    proc = tesskit_cli(
        "sweep", "--inventory", str(inventory), "--group", "trainers", "--config", str(config),
        "--model-name", model, "--data", str(data),
        "--max-iterations", ",".join(map(str, iterations)),
        "--jobs", "1", "--output-dir", str(runs),
    )  # fmt: skip
    record_timing("sweep on 2 hosts", "tesskit sweep --inventory (3 runs)", started)
    (tmp_path / "sweep.out").write_text(proc.stdout + proc.stderr)  # to read after a failure
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

    results = json.loads((runs / "sweep.json").read_text())
    cers = [r["eval_cer"] for r in results]
    assert None not in cers and cers == sorted(cers)  # one table, ranked over both hosts
    assert len(set(cers)) > 1  # the learning rates made a difference worth ranking
    # Each host trained exactly its shard (inventory order: cloud1 is 0/2, cloud2 is 1/2).
    runs_by_host = {h: {r["name"] for r in results if r["host"] == h} for h in ("cloud1", "cloud2")}
    all_runs = grid(model, learning_rates, iterations)
    for index, host in enumerate(("cloud1", "cloud2")):
        assert runs_by_host[host] == {r.name for r in Shard(index, 2).select(all_runs)}
    assert "host" in proc.stdout and "cloud2" in proc.stdout  # the printed table's host column

    # cloud2 trained in the container, not on this machine's filesystem.
    for r in results:
        on_this_machine = (REMOTE_DATA / "sweeps" / model / r["name"]).is_dir()
        assert on_this_machine == (r["host"] == "cloud1"), r["name"]
        manifest = json.loads((Path(r["model"]).parent / "manifest.json").read_text())
        assert manifest["status"] == "finished"
        assert manifest["best_checkpoint"]["cer"] == r["eval_cer"]
        assert manifest["settings"]["augment"] == 1  # the config file's, on both hosts
    container_runs = podman(
        "exec", container_host.container, "ls", f"{REMOTE_DATA}/sweeps/{model}"
    ).split()
    assert runs_by_host["cloud2"] <= set(container_runs)

    best = runs / f"{model}_best.traineddata"
    assert best.read_bytes() == Path(results[0]["model"]).read_bytes()
    assert (runs / f"{model}_sweep.png").stat().st_size > 5_000
    tessdata = tmp_path / "tessdata"
    tessdata.mkdir()
    shutil.copy(best, tessdata / "best.traineddata")
    image = next(p for p in sorted(data.iterdir()) if p.suffix == ".png")
    ocr = subprocess.run(
        ["tesseract", str(image), "stdout", "--tessdata-dir", str(tessdata), "-l", "best",
         "--psm", "13"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert ocr.returncode == 0 and ocr.stdout.strip(), ocr.stderr

    assert tree_digest(data) == digest  # ground truth never written to
    assert tree_digest(REMOTE_DATA / "ground-truth" / model) == digest  # pushed as it is


def test_failed_hosts_are_named_with_their_logs(
    local_ssh: tuple[SshHost, subprocess.Popen[bytes]],
    make_lines: Callable[..., Path],
    tmp_path: Path,
    model: str,
) -> None:
    cloud1, _ = local_ssh
    ghost = SshHost("ghost", free_port(), cloud1.key)  # nothing listens there
    inventory = write_inventory(tmp_path / "cloud.yml", [cloud1, ghost])
    runs = tmp_path / "runs"
    started = time.monotonic()
    proc = tesskit_cli(
        "sweep", "--inventory", str(inventory), "--group", "trainers",
        "--model-name", model, "--data", str(make_lines(4)), "--start-model", "nosuchmodel",
        "--learning-rate", "0.001", "--max-iterations", "10", "--output-dir", str(runs),
    )  # fmt: skip
    record_timing("sweep with failing hosts", "tesskit sweep --inventory", started)
    assert proc.returncode == 2, proc.stdout[-3000:]
    error = proc.stderr
    assert "the sweep failed on 2 of 2 hosts (cloud1, ghost)" in error, error
    host_log = REMOTE_DATA / "sweeps" / f"{model}.log"
    assert f"its log there: {host_log}" in error  # cloud1: tesskit failed there
    assert "START_MODEL nosuchmodel" in host_log.read_text()
    assert "ghost: no result came back (unreachable" in error
    assert str(runs / f"{model}_sweep-ansible.log") in error
    assert not (runs / f"{model}_best.traineddata").exists()
