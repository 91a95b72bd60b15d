"""``tesskit sweep --inventory``: one sweep spread over the hosts of an Ansible group.

Ansible is the engine, not this module: ``playbooks/sweep.yml`` pushes the ground truth
and the sweep's config file, runs ``tesskit sweep --config FILE --shard K/N`` detached on
every host at once (``--forks`` = number of hosts), waits, and fetches each host's
``sweep.json`` and finished models into ``<output-dir>/<host>/<model>/``. This module checks
what the play needs, runs it, and merges what came back into one ranked table.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trainer
from trainer.atomic import replacing, write_json_atomic
from trainer.sweep import rank
from trainer.tools import TesskitError

#: Written by the playbook's rescue step when a host's part of the sweep failed.
FAILURE_NOTE = "failed.txt"


@dataclass(frozen=True)
class HostsSweep:
    """What one ``tesskit sweep --inventory`` run needs to know."""

    inventory: Path
    group: str
    model_name: str
    data_dir: Path
    output_dir: Path
    #: Every host's ``tesskit sweep --config`` table (grid, start model, ...), without the
    #: model name, --data, --output-dir and --shard, which the playbook sets per host.
    sweep_config: dict[str, Any]
    playbook: Path

    def host_dir(self, host: str) -> Path:
        return self.output_dir / host / self.model_name

    @property
    def config_file(self) -> Path:
        """``sweep_config`` as the file the playbook sends to every host."""
        return self.output_dir / f"{self.model_name}_sweep.config.json"

    @property
    def log(self) -> Path:
        return self.output_dir / f"{self.model_name}_sweep-ansible.log"


def find_ansible_tool(name: str, search_path: str | None = None) -> Path:
    """``ansible-playbook`` / ``ansible-inventory``: beside this Python first (a venv made
    with ``tesskit[provision]``), then on PATH."""
    if search_path is None:
        here = str(Path(sys.executable).parent)
        search_path = os.pathsep.join([here, os.environ.get("PATH", "")])
    found = shutil.which(name, path=search_path)
    if found is None:
        raise TesskitError(
            f"{name} not found (needed to run the sweep on an inventory's hosts)",
            "install Ansible on this machine: `make bootstrap` in the tesskit checkout, "
            "or `pip install 'tesskit[provision]'`",
        )
    return Path(found)


def find_playbook(name: str = "sweep.yml") -> Path:
    """The checkout's playbook: the package is installed from (or run in) a checkout."""
    candidates = [Path(trainer.__file__).resolve().parents[1] / "playbooks" / name]
    candidates.append(Path.cwd() / "playbooks" / name)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise TesskitError(
        f"playbooks/{name} not found (looked in {', '.join(str(c.parent) for c in candidates)})",
        "run tesskit from the tesskit checkout (its .venv, `make bootstrap`), or pass --playbook",
    )


def group_hosts(inventory: Path, group: str, ansible_inventory: Path) -> list[str]:
    """Hosts of ``group`` (with its child groups), as Ansible itself reads the inventory."""
    if not inventory.exists():
        raise TesskitError(
            f"inventory {inventory} does not exist",
            "copy inventory/cloud.example.yml to inventory/cloud.yml and list your hosts",
        )
    proc = subprocess.run(
        [str(ansible_inventory), "-i", str(inventory), "--list"],
        capture_output=True,
        text=True,
        env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )
    parsed = proc.stderr.count("Unable to parse") == 0 and proc.returncode == 0
    if not parsed:
        raise TesskitError(
            f"Ansible cannot read the inventory {inventory}: {_first_line(proc.stderr)}",
            f"check it with `ansible-inventory -i {inventory} --graph`",
        )
    groups: dict[str, Any] = json.loads(proc.stdout)
    # Groups without hosts are only named as some group's child, not listed themselves.
    known = {g for g in groups if not g.startswith("_")}
    known |= {child for info in groups.values() for child in info.get("children", [])}
    if group not in known:
        names = ", ".join(sorted(known - {"all", "ungrouped"}))
        raise TesskitError(
            f"group {group!r} is not in {inventory} (groups there: {names})",
            "pass --group with one of those, or add the group to the inventory",
        )
    hosts: list[str] = []

    def collect(name: str) -> None:
        for host in groups.get(name, {}).get("hosts", []):
            if host not in hosts:
                hosts.append(host)
        for child in groups.get(name, {}).get("children", []):
            collect(child)

    collect(group)
    if not hosts:
        raise TesskitError(
            f"group {group!r} in {inventory} has no hosts",
            "add the training machines under that group's `hosts:`",
        )
    return hosts


def _first_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else "no output"


def write_unsafe_vars(path: Path, values: dict[str, str]) -> None:
    """An extra-vars file whose values Ansible takes as data: ``!unsafe`` is never templated,
    so a ``{{ ... }}`` in a path or argument cannot run a lookup on the control host.
    (A JSON string is a valid YAML double-quoted scalar.)"""
    lines = [f"{key}: !unsafe {json.dumps(value)}" for key, value in values.items()]
    with replacing(path) as partial:
        partial.write_text("---\n" + "\n".join(lines) + "\n")


def run_playbook(
    sweep: HostsSweep,
    hosts: list[str],
    ansible_playbook: Path,
    echo: Callable[[str], None],
) -> int:
    """Run playbooks/sweep.yml over the group, all hosts at once; output to ``sweep.log``."""
    sweep.output_dir.mkdir(parents=True, exist_ok=True)
    for host in hosts:
        # Results of an earlier run must not pass for this run's.
        for stale in ("sweep.json", FAILURE_NOTE):
            (sweep.host_dir(host) / stale).unlink(missing_ok=True)
    extra = {
        "sweep_hosts": sweep.group,
        "sweep_model_name": sweep.model_name,
        "sweep_data_dir": str(sweep.data_dir.resolve()),
        "sweep_config_file": str(sweep.config_file.resolve()),
        "sweep_local_runs_dir": str(sweep.output_dir.resolve()),
    }
    write_json_atomic(sweep.config_file, sweep.sweep_config)
    vars_file = sweep.output_dir / f".{sweep.model_name}_sweep-vars.yml"
    write_unsafe_vars(vars_file, extra)
    env = {**os.environ, "ANSIBLE_NOCOLOR": "1"}
    checkout_cfg = sweep.playbook.parent.parent / "ansible.cfg"
    if "ANSIBLE_CONFIG" not in env and checkout_cfg.is_file():
        env["ANSIBLE_CONFIG"] = str(checkout_cfg)  # pipelining, host keys accepted on first use
    command = [
        str(ansible_playbook),
        "-i",
        str(sweep.inventory),
        str(sweep.playbook),
        "--forks",
        str(len(hosts)),
        "-e",
        f"@{vars_file.resolve()}",
    ]
    with sweep.log.open("w") as log:
        proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            echo(line.rstrip("\n"))
        return proc.wait()


def collect_results(
    sweep: HostsSweep, hosts: list[str]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Merge every host's fetched sweep.json into one ranked list (with a ``host`` field and
    local model and log paths); returns it and, per host that brought nothing back, why."""
    merged: list[dict[str, Any]] = []
    failures: dict[str, str] = {}
    for host in hosts:
        host_dir = sweep.host_dir(host)
        table = host_dir / "sweep.json"
        if not table.is_file():
            note = host_dir / FAILURE_NOTE
            failures[host] = (
                note.read_text().strip()
                if note.is_file()
                else "no result came back (unreachable, or the play stopped before it)"
            )
            continue
        for row in json.loads(table.read_text()):
            merged.append(
                {
                    **row,
                    "host": host,
                    "model": str(host_dir / row["name"] / f"{row['name']}.traineddata"),
                    "log": str(host_dir / f"{row['name']}.sweep.log"),
                }
            )
    return rank(merged), failures


def failure_error(sweep: HostsSweep, failures: dict[str, str], total: int) -> TesskitError:
    detail = "; ".join(f"{host}: {why}" for host, why in failures.items())
    return TesskitError(
        f"the sweep failed on {len(failures)} of {total} hosts ({', '.join(failures)}): {detail}",
        f"the play's full output is in {sweep.log}. Fix the host and run the same command "
        "again: a sweep still running there is re-attached, finished runs are kept.",
    )
