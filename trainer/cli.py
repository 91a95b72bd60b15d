"""``tesskit``: a small CLI over the pipeline stages.

Each command group lives beside the stage it drives (``cli_data``, ``cli_train``,
``cli_eval``, ``cli_sweep``, ``cli_vm``); this module only assembles them and turns
:class:`~trainer.tools.TesskitError` into a clear message and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

import click

from trainer import __version__
from trainer.tools import TesskitError

#: (module, attribute) of every command registered on the top-level group.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("trainer.cli_data", "check"),
    ("trainer.cli_data", "dataset"),
    ("trainer.cli_data", "clean"),
    ("trainer.cli_synth", "synth"),
    ("trainer.cli_train", "train"),
    ("trainer.cli_eval", "evaluate"),
    ("trainer.cli_eval", "ocr"),
    ("trainer.cli_eval", "install"),
    ("trainer.cli_eval", "demo"),
    ("trainer.cli_sweep", "sweep"),
    ("trainer.cli_vm", "vm"),
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(__version__, prog_name="tesskit")
def cli() -> None:
    """Fine-tune Tesseract LSTM models: validate data, train, evaluate, export."""


def _register() -> None:
    for module_name, attr in COMMANDS:
        cli.add_command(getattr(importlib.import_module(module_name), attr))


_register()


def main(argv: list[str] | None = None) -> int:
    try:
        # Without standalone mode click returns the code of a click.exceptions.Exit.
        returned = cli.main(args=argv, prog_name="tesskit", standalone_mode=False)
    except TesskitError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.fix:
            click.echo(f"  fix: {exc.fix}", err=True)
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


if __name__ == "__main__":
    sys.exit(main())
