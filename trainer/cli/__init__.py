"""``tesskit``: a small CLI over the pipeline stages.

Each command group has a module of its own in this package (``data``, ``synth``, ``train``,
``eval``, ``sweep``, ``vm``; ``config`` turns TrainConfig into their training options);
this module only assembles them and turns :class:`~trainer.tools.TesskitError` into a clear
message and exit code 2.
"""

from __future__ import annotations

import errno
import importlib

import click

from trainer import __version__
from trainer.tools import TesskitError

#: (module, attribute) of every command registered on the top-level group.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("trainer.cli.data", "check"),
    ("trainer.cli.data", "dataset"),
    ("trainer.cli.data", "clean"),
    ("trainer.cli.synth", "synth"),
    ("trainer.cli.train", "train"),
    ("trainer.cli.train", "export"),
    ("trainer.cli.train", "layers"),
    ("trainer.cli.eval", "evaluate"),
    ("trainer.cli.eval", "ocr"),
    ("trainer.cli.eval", "install"),
    ("trainer.cli.eval", "demo"),
    ("trainer.cli.sweep", "sweep"),
    ("trainer.cli.vm", "vm"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="tesskit")
def cli() -> None:
    """Fine-tune Tesseract LSTM models: validate data, train, evaluate, export."""


def _register() -> None:
    for module_name, attr in COMMANDS:
        cli.add_command(getattr(importlib.import_module(module_name), attr))


_register()


def _show_os_error(exc: OSError) -> None:
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
    reason = exc.strerror or str(exc)
    click.secho(f"error: {reason}" + (f": {where}" if where else ""), fg="red", err=True)
    fixes = {
        errno.ENOSPC: "free space on that filesystem (or write elsewhere: --output-dir, "
        "--tessdata), then re-run the same command; a training resumes",
        errno.EACCES: "check the permissions of that path, or choose a path of your own",
        errno.EROFS: "that filesystem is read-only: choose a writable path",
    }
    if exc.errno in fixes:
        click.echo(f"  fix: {fixes[exc.errno]}", err=True)


def main(argv: list[str] | None = None) -> int:
    try:
        # Without standalone mode click returns the code of a click.exceptions.Exit.
        returned = cli.main(args=argv, prog_name="tesskit", standalone_mode=False)
    except TesskitError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.fix:
            click.echo(f"  fix: {exc.fix}", err=True)
        return 2
    except OSError as exc:
        # A full disk, a permission, a file gone: one line naming the file, no traceback.
        _show_os_error(exc)
        return 2
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    return returned if isinstance(returned, int) else 0
