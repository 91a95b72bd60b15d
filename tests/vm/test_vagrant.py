"""`vagrant up` for real: the laptop flow on a locally built Debian box under libvirt.

A copy of the checkout (as a user's clone) is brought up with the repository's Vagrantfile
and provisioned by playbooks/site.yml, with the Tesseract source and the models served by a
mirror on this machine that the guest reaches through the libvirt bridge. The build
artefact of the Molecule phase is on this host, so the guest unpacks Tesseract instead of
compiling it (an emulated compile would take hours). Then, through `tesskit vm`: snapshot
the provisioned VM, train in it, restore the snapshot and see the training gone.

Needs root, libvirt (tests/ci/libvirt-setup.sh) and the box (tests/vm/build-box.sh); the
Makefile's test-vm target does both. Each step's time is printed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from trainer.synth import find_font, write_synthetic_dataset

from conftest import CACHE, REPO, SHARED_DATA, sample_lines
from mirror import TESSERACT_VERSION, Mirror, build_tree, build_wheelhouse, site_vars

BOX = os.environ.get("TESSKIT_TEST_BOX", "tesskit/debian12")
# vagrant-libvirt's management network: the host is .1 on 192.168.121.0/24.
HOST_ON_BRIDGE = os.environ.get("TESSKIT_BRIDGE_IP", "192.168.121.1")
VENV_BIN = Path(sys.executable).parent
# What earlier runs of this test named their VMs (the older name included).
STALE_DOMAINS = ("tesskit-vm-*_default", "vagrant-project*_default")

pytestmark = [
    pytest.mark.vm,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("vagrant") is None, reason="vagrant not installed"),
    pytest.mark.skipif(
        subprocess.run(
            ["virsh", "-c", "qemu:///system", "version"], capture_output=True, check=False
        ).returncode
        != 0
        if shutil.which("virsh")
        else True,
        reason="libvirt is not running (tests/ci/libvirt-setup.sh)",
    ),
]


@dataclass
class Timings:
    rows: list[tuple[str, float]] = field(default_factory=list)

    def record(self, step: str, seconds: float) -> None:
        self.rows.append((step, seconds))
        with (CACHE / "vm-phases.tsv").open("a") as fh:
            fh.write(f"{step}\t{seconds:.0f}\n")


TIMINGS = Timings()


@dataclass
class VagrantProject:
    root: Path
    env: dict[str, str]
    up_log: Path
    version: str  # of the Tesseract source the artefact was built from

    def run(self, *argv: str, timeout: float = 1800, check: bool = True) -> str:
        """Run a command in the project (tesskit or vagrant), timed; output also in logs/."""
        step = " ".join([Path(argv[0]).name, *argv[1:]])
        logs = self.root / "logs"
        logs.mkdir(exist_ok=True)
        log = logs / f"{len(TIMINGS.rows):02d}-{Path(argv[0]).name}-{argv[1]}.log"
        started = time.monotonic()
        with log.open("w") as out:
            code = subprocess.run(
                list(argv), cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT,
                timeout=timeout, check=False,
            ).returncode  # fmt: skip
        TIMINGS.record(step, time.monotonic() - started)
        output = log.read_text(errors="replace")
        if check and code != 0:
            raise AssertionError(f"{step} exited {code} (log {log})\n{output[-6000:]}")
        return output

    def tesskit(self, *args: str, **kwargs: object) -> str:
        return self.run(str(VENV_BIN / "tesskit"), *args, **kwargs)  # type: ignore[arg-type]

    def guest(self, command: str, check: bool = True) -> str:
        """A command in a login shell of the VM's user (TESSDATA_PREFIX from profile.d)."""
        return self.run("vagrant", "ssh", "-c", f"bash -lc {json.dumps(command)}", check=check)


def _copy_checkout(dest: Path) -> None:
    """The files a clone would have: tracked and new ones, not ignored ones."""
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (f.decode() for f in files)):
        src = REPO / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VagrantProject]:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} not present")
    artifacts = sorted((CACHE / "artifacts").glob("tesseract-*-debian12-x86_64-*.tar.gz"))
    if not artifacts:
        pytest.skip("no Tesseract build artefact on this host: run `make test-molecule` first")
    (CACHE / "vm-phases.tsv").unlink(missing_ok=True)
    started = time.monotonic()
    subprocess.run([str(REPO / "tests/vm/build-box.sh"), BOX], check=True)
    TIMINGS.record("build-box.sh (cached after the first run)", time.monotonic() - started)

    # Domains are named after the project directory: a unique one per run, so a VM that an
    # interrupted run left behind cannot collide; such leftovers are removed first.
    subprocess.run([str(REPO / "tests/vm/remove-stale-vms.sh"), *STALE_DOMAINS], check=True)
    keep = bool(os.environ.get("TESSKIT_TEST_KEEP_VM"))
    # Outside pytest's temp dirs, which it prunes: a kept VM needs its .vagrant/ to stay.
    root = Path(tempfile.mkdtemp(prefix="tesskit-vm-", dir="/var/tmp"))
    if keep:
        (root / ".kept").touch()  # remove-stale-vms.sh leaves this one alone
    _copy_checkout(root)
    tree = build_tree(tmp_path_factory.mktemp("mirror"), SHARED_DATA)
    # The guest must reach it: listen on every address (the bridge appears only during
    # `vagrant up`); it serves public files only.
    with Mirror(tree, bind="0.0.0.0") as mirror:
        port = mirror.server.server_address[1]
        build_wheelhouse(CACHE)
        variables = site_vars(f"http://{HOST_ON_BRIDGE}:{port}", CACHE)
        # Each langdata file is a module run of ~5 s under emulation, twice (the second
        # provisioning): the VM gets what its training needs; Molecule and test-demo
        # provision all 33 script unicharsets.
        variables["tessdata_langdata_files"] = ["radical-stroke.txt", "Latin.unicharset"]
        (root / "vm-vars.json").write_text(json.dumps(variables, indent=2))
        env = {
            **os.environ,
            "PATH": f"{VENV_BIN}:{os.environ['PATH']}",
            "VAGRANT_DEFAULT_PROVIDER": "libvirt",
            "TESSKIT_BOX": BOX,
            # Software emulation unless told otherwise (no usable KVM on CI machines).
            "TESSKIT_LIBVIRT_DRIVER": os.environ.get("TESSKIT_LIBVIRT_DRIVER", "qemu"),
            "TESSKIT_LIBVIRT_CPU_MODEL": os.environ.get("TESSKIT_LIBVIRT_CPU_MODEL", "Nehalem"),
            "TESSKIT_MEMORY": "3072",
            "TESSKIT_PROVISIONER": "ansible",
            "TESSKIT_EXTRA_VARS": "vm-vars.json",
            "TESSKIT_CACHE_DIR": str(CACHE),
        }
        vm = VagrantProject(root, env, root / "vagrant-up.log", TESSERACT_VERSION)
        try:
            vm.up_log.write_text(vm.tesskit("vm", "up", "--root", str(root), timeout=3600))
            yield vm
        finally:
            if keep:  # to look inside after a failure
                print(f"\nVM kept: cd {root} && vagrant ssh  (vagrant destroy -f when done)")
            else:
                vm.run("vagrant", "destroy", "--force", check=False, timeout=600)
                shutil.rmtree(root, ignore_errors=True)
            print("\nVM path, seconds per step:")
            for step, seconds in TIMINGS.rows:
                print(f"  {seconds:7.0f}  {step}")


def test_up_provisions_without_compiling(project: VagrantProject) -> None:
    log = project.up_log.read_text()
    assert "Copy the cached build artefact to the machine" in log, log[-3000:]
    assert "Compile tesseract, then the training tools" not in log
    out = project.guest("tesskit check && tesseract --version && echo PREFIX=$TESSDATA_PREFIX")
    assert f"tesseract {project.version}" in out
    assert "PREFIX=/" in out
    # A second provisioning run changes nothing.
    recap = project.run("vagrant", "provision", "--provision-with", "site")
    assert "changed=0" in recap and "failed=0" in recap, recap[-3000:]


def test_machine_checks_pass_in_the_vm(project: VagrantProject) -> None:
    """The testinfra suite of the Molecule scenarios, against the VM `vagrant up` made: the
    one emulated VM of a CI run serves both (a second one would cost ~15 minutes)."""
    ssh_config = project.root / "ssh-config"
    ssh_config.write_text(project.run("vagrant", "ssh-config"))
    project.env["TESSKIT_EXPECT_USER"] = "vagrant"  # the Vagrantfile's training user
    report = project.run(
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-v",
        "-m", "not slow",  # the tiny training: test_snapshot_train_restore trains here
        "--hosts=ssh://default", f"--ssh-config={ssh_config}", "--sudo",
        str(REPO / "tests" / "testinfra"),
    )  # fmt: skip
    assert " passed" in report, report[-5000:]  # run() fails on pytest's non-zero exit


def test_snapshot_train_restore(project: VagrantProject) -> None:
    root = project.root
    write_synthetic_dataset(root / "data" / "ground-truth", sample_lines(16), find_font())
    project.tesskit("vm", "snapshot", "save", "--root", str(root), "provisioned")
    assert "provisioned" in project.tesskit("vm", "snapshot", "list", "--root", str(root))

    # Training in the VM is the change the snapshot must undo.
    project.tesskit(
        "vm", "train", "--root", str(root), "--model-name", "tiny",
        "--start-model", "eng", "--max-iterations", "60", "--no-progress",
        "--augment", "0",  # fewer lines to prepare under emulation: this tests the VM path
        timeout=3600,
    )  # fmt: skip
    model = root / "data" / "runs" / "tiny" / "tiny.traineddata"
    assert model.stat().st_size > 100_000
    listing = subprocess.run(
        ["combine_tessdata", "-l", str(model)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "int_mode=0" in listing.stdout  # the float model, fine-tunable further
    # What the VM's run handed back, as its manifest says: the exported checkpoint, or the
    # start model itself (the mirror's eng is fra) when no checkpoint of 60 iterations beat it.
    manifest = json.loads((model.parent / "manifest.json").read_text())
    chosen = manifest["chosen"]
    if chosen["model"] == "checkpoint":
        assert f"iteration={chosen['iteration']}," in listing.stdout
    else:
        start = SHARED_DATA / "tessdata_best" / "fra.traineddata"
        assert model.read_bytes() == start.read_bytes()
        assert manifest["verdict"].startswith("no checkpoint beat START_MODEL eng")
    # The model made in the VM reads a line on this host.
    line = next((root / "data" / "ground-truth").glob("*.png"))
    text = subprocess.run(
        ["tesseract", str(line), "-", "--psm", "13",
         "--tessdata-dir", str(model.parent), "-l", "tiny"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert text.strip(), "the fetched model read nothing"
    assert "runs/tiny" in project.guest("ls -d ~/tesskit-data/runs/tiny")

    project.tesskit("vm", "snapshot", "restore", "--root", str(root), "provisioned")
    gone = project.guest("test -e ~/tesskit-data/runs/tiny && echo STILL || echo GONE")
    assert "GONE" in gone
    # Restored to a working machine, not just an older disk.
    assert f"tesseract {project.version}" in project.guest("tesseract --version")
