"""``tesskit vm``: the training VM from the Vagrantfile (python-vagrant)."""

from __future__ import annotations

from pathlib import Path

import click

from trainer.names import MODEL_NAME
from trainer.remote import vm as training_vm
from trainer.tools import TesskitError

root_option = click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="directory holding the Vagrantfile",
)


@click.group()
def vm() -> None:
    """Create, snapshot, train in and destroy the training VM."""


@vm.command()
@root_option
@click.option("--provision/--no-provision", default=True, show_default=True)
def up(root: Path, provision: bool) -> None:
    """Boot the VM (provisioning it with playbooks/site.yml the first time)."""
    handle = training_vm.machine(root)
    with training_vm.vagrant_step("starting the VM"):
        handle.up(provision=provision)


@vm.command()
@root_option
@click.option("-c", "--command", default=None, help="run this instead of a login shell")
def ssh(root: Path, command: str | None) -> None:
    """Open a shell in the VM."""
    raise click.exceptions.Exit(training_vm.ssh(root, command))


@vm.group()
def snapshot() -> None:
    """Save and restore VM states (e.g. `provisioned`)."""


@snapshot.command("save")
@root_option
@click.argument("name")
def snapshot_save(root: Path, name: str) -> None:
    handle = training_vm.machine(root)
    with training_vm.vagrant_step(f"saving snapshot {name}"):
        handle.snapshot_save(name)
    click.echo(f"saved snapshot {name}")


@snapshot.command("restore")
@root_option
@click.argument("name")
def snapshot_restore(root: Path, name: str) -> None:
    handle = training_vm.machine(root)
    with training_vm.vagrant_step(f"restoring snapshot {name}"):
        known = handle.snapshot_list()
        if name not in known:
            raise TesskitError(f"no snapshot {name!r}", "see `tesskit vm snapshot list`")
        handle.snapshot_restore(name)
    click.echo(f"restored snapshot {name}")


@snapshot.command("list")
@root_option
def snapshot_list(root: Path) -> None:
    handle = training_vm.machine(root)
    with training_vm.vagrant_step("listing snapshots"):
        names = handle.snapshot_list()
    for name in names:
        click.echo(name)


@vm.command(context_settings={"ignore_unknown_options": True})
@root_option
@click.option("--model-name", type=MODEL_NAME, required=True)
@click.argument("train_args", nargs=-1, type=click.UNPROCESSED)
def train(root: Path, model_name: str, train_args: tuple[str, ...]) -> None:
    """Train inside the VM on data/ground-truth; copy the run back to data/runs.

    Extra arguments go to `tesskit train`, e.g. --start-model eng --max-iterations 2000.
    """
    command = training_vm.guest_train_command(model_name, list(train_args))
    training_vm.push_data(root)
    code = training_vm.ssh(root, command)
    if code != 0:
        raise TesskitError(
            f"training in the VM failed (exit {code})",
            "re-run the same command to resume from the last checkpoint",
        )
    run = training_vm.fetch_run(root, model_name, root / "data" / "runs")
    click.echo(f"models and report in {run}")


@vm.command()
@root_option
@click.option("--yes", is_flag=True, help="do not ask")
def destroy(root: Path, yes: bool) -> None:
    """Delete the VM (data/ on the host is kept)."""
    if not yes and not click.confirm("destroy the training VM?"):
        click.echo("left as it is")
        raise click.exceptions.Exit(1)
    handle = training_vm.machine(root)
    with training_vm.vagrant_step("destroying the VM"):
        handle.destroy()
