"""The training VM, through python-vagrant: up, snapshots, training inside, destroy.

The ground-truth folder `data/` beside the Vagrantfile is synced into the VM as
~/tesskit-data; `train` runs tesskit there and streams the run directory back as a tar
(no rsync-back plugin needed).
"""

from __future__ import annotations

import base64
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from trainer.atomic import replace_tree
from trainer.names import validate_model_name
from trainer.tools import TesskitError

#: Relative to the guest user's home: commands run there (`cd` first), so paths need no
#: ``~``, which only expands unquoted, and every word can be quoted.
GUEST_DATA = "tesskit-data"


def _vagrant_binary() -> str:
    found = shutil.which("vagrant")
    if found is None:
        raise TesskitError(
            "vagrant is not installed",
            "install Vagrant (Debian/Ubuntu: apt-get install vagrant) and a "
            "provider: VirtualBox, or vagrant-libvirt",
        )
    return found


def machine(root: Path):  # -> vagrant.Vagrant (untyped library)
    """A python-vagrant handle on the Vagrantfile in ``root``."""
    _vagrant_binary()
    if not (root / "Vagrantfile").is_file():
        raise TesskitError(
            f"no Vagrantfile in {root}", "run from the tesskit checkout or pass --root"
        )
    try:
        import vagrant
    except ImportError as exc:
        raise TesskitError("python-vagrant is not installed", "pip install 'tesskit[vm]'") from exc
    return vagrant.Vagrant(str(root), quiet_stdout=False, quiet_stderr=False)


@contextmanager
def vagrant_step(what: str) -> Iterator[None]:
    """Turn a failed Vagrant command (python-vagrant raises CalledProcessError) into an
    error message instead of a traceback; Vagrant has printed its own reason above."""
    try:
        yield
    except subprocess.CalledProcessError as exc:
        command = shlex.join([Path(str(exc.cmd[0])).name, *map(str, exc.cmd[1:])])
        raise TesskitError(
            f"{what} failed: `{command}` exited {exc.returncode} (Vagrant's reason is above)",
            "`vagrant status` shows the VM's state; if Vagrant says a domain or VM name is "
            "already taken, a VM from an earlier .vagrant/ still exists: remove it with your "
            "provider's tools (virsh undefine NAME --remove-all-storage, or VirtualBox), "
            "then retry",
        ) from exc


def guest_train_command(model_name: str, train_args: list[str]) -> str:
    """The shell command run in the VM: train on the synced ground truth."""
    validate_model_name(model_name)
    args = [
        "tesskit",
        "train",
        "--model-name",
        model_name,
        "--data",
        f"{GUEST_DATA}/ground-truth",
        "--output-dir",
        f"{GUEST_DATA}/runs",
        *train_args,
    ]
    # Every word quoted: an argument is data, never shell syntax (`~/x;touch y` included).
    return "cd && " + shlex.join(args)


def remote_shell(command: str, login: bool = True) -> str:
    """``command`` as `vagrant ssh -c` can carry it: Vagrant wraps it in single quotes
    (``bash -c '...'``), so any quote inside would end the string early. The script travels
    base64-encoded; a login shell reads profile.d (TESSDATA_PREFIX, PATH)."""
    encoded = base64.b64encode(command.encode()).decode()
    return f"echo {encoded} | base64 -d | bash{' -l' if login else ''}"


def ssh(root: Path, command: str | None = None) -> int:
    argv = [_vagrant_binary(), "ssh"] + (["-c", remote_shell(command)] if command else [])
    return subprocess.call(argv, cwd=root)


def push_data(root: Path) -> None:
    """Send data/ to the VM (`vagrant rsync`; the Vagrantfile syncs without --delete)."""
    if subprocess.call([_vagrant_binary(), "rsync"], cwd=root) != 0:
        raise TesskitError(
            "could not copy data/ into the VM", "is it running? `tesskit vm up`, then retry"
        )


def fetch_run(root: Path, model_name: str, dest: Path) -> Path:
    """Copy runs/<model> out of the VM into ``dest`` (streamed tar over vagrant ssh).

    The tar lands in a temp directory first: a connection lost halfway leaves an earlier
    copy of the run in ``dest`` as it was, never half-overwritten.
    """
    dest.mkdir(parents=True, exist_ok=True)
    remote = "cd && " + shlex.join(["tar", "-C", f"{GUEST_DATA}/runs", "-c", model_name])
    incoming = Path(tempfile.mkdtemp(prefix=f".{model_name}.incoming-", dir=dest))
    try:
        # No login shell and no tty: nothing but the tar stream may reach stdout.
        with subprocess.Popen(
            [_vagrant_binary(), "ssh", "--no-tty", "-c", remote_shell(remote, login=False)],
            cwd=root,
            stdout=subprocess.PIPE,
        ) as source:
            untar = subprocess.run(
                ["tar", "-C", str(incoming), "-x", "--no-same-owner"],
                stdin=source.stdout,
                check=False,
            )
        if source.returncode != 0 or untar.returncode != 0:
            raise TesskitError(
                f"could not copy runs/{model_name} out of the VM",
                f"it is still in the VM: `tesskit vm ssh` and look in ~/{GUEST_DATA}/runs; "
                "re-run the same `tesskit vm train` to resume and copy it again",
            )
        return replace_tree(incoming / model_name, dest / model_name)
    finally:
        shutil.rmtree(incoming, ignore_errors=True)
