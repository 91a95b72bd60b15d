"""The layers of a float model, for layer training (tessdoc "Training just a few layers").

``lstmtraining --append_index N --net_spec '[...]'`` keeps the start model's layers 0..N
and puts the new spec on top. The indices are those of the network's outermost series,
which ``combine_tessdata -l`` lists with every layer's learning rate (``:5:0(Lrx96)`` is
layer 5): the cheapest real source, it reads the model without training anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from trainer.tools import TesskitError, find_tool, run

_NETWORK = re.compile(r"network=(\[[^\]]*\])")
#: ``:1:0(Convolve)=0.001`` -> outer index 1, layer Convolve.
_LAYER = re.compile(r":(\d+)(?::\d+)*\(([^)]*)\)=")


@dataclass(frozen=True)
class Layers:
    spec: str
    #: Outer index -> names of the layers at that index (a convolution is two).
    names: dict[int, list[str]]

    @property
    def last(self) -> int:
        return max(self.names)


def parse_layers(listing: str) -> Layers:
    """``combine_tessdata -l`` output -> the model's layers."""
    network = _NETWORK.search(listing)
    names: dict[int, list[str]] = {}
    for index, name in _LAYER.findall(listing):
        names.setdefault(int(index), []).append(name)
    if network is None or not names:
        raise TesskitError("combine_tessdata -l listed no LSTM network layers")
    return Layers(network.group(1), names)


def read_layers(model: Path) -> Layers:
    try:
        proc = run([find_tool("combine_tessdata"), "-l", model], timeout=120)
        return parse_layers(proc.stdout + proc.stderr)
    except TesskitError as exc:
        raise TesskitError(f"cannot list the layers of {model}: {exc.message}") from exc


def print_layers(
    console: Console, layers: Layers, model_name: str, append_index: int | None = None
) -> None:
    """The layer table, then the network spec on a line of its own (never wrapped)."""
    console.print(layer_table(layers, model_name, append_index))
    console.print(f"network: {layers.spec}", soft_wrap=True, highlight=False)


def layer_table(layers: Layers, model_name: str, append_index: int | None = None) -> Table:
    table = Table(title=f"layers of {model_name}")
    table.add_column("index", justify="right")
    table.add_column("layer")
    if append_index is not None:
        table.add_column(f"--append-index {append_index}")
    for index, names in sorted(layers.names.items()):
        row = [str(index), " + ".join(names)]
        if append_index is not None:
            row.append("kept" if index <= append_index else "replaced")
        table.add_row(*row)
    return table


def check_append_index(layers: Layers, append_index: int, model_name: str) -> None:
    """The output layer (the last) has to go: the new unicharset needs an output of its size."""
    if not 0 <= append_index < layers.last:
        raise TesskitError(
            f"--append-index {append_index} is outside {model_name}'s layers 0-{layers.last - 1} "
            f"(network {layers.spec}; {layers.last} is its output layer, always replaced)",
            "pick the last layer to keep from the table above, e.g. "
            f"--append-index {max(0, layers.last - 2)} to retrain the top LSTM and the output",
        )


def prepare_layer_training(
    console: Console,
    start_model: Path | None,
    model_name: str | None,
    append_index: int,
    net_spec: str,
) -> None:
    """Print the start model's layer table, then refuse what layer training cannot run."""
    if start_model is None or model_name is None:
        raise TesskitError(
            "--append-index replaces the top layers of a start model, and none was given",
            "add --start-model NAME (a float model), or drop --append-index to train from scratch",
        )
    layers = read_layers(start_model)
    print_layers(console, layers, model_name, append_index)
    check_append_index(layers, append_index, model_name)
    if net_spec.startswith("[1,"):
        raise TesskitError(
            f"--net-spec {net_spec} is a whole network; with --append-index it goes on top",
            "pass only the new top layers, e.g. --net-spec '[Lfx192 O1c###]' (### becomes "
            "the unicharset size)",
        )
