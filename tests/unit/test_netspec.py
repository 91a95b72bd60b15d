"""The layer table of a float model, from `combine_tessdata -l` output."""

from __future__ import annotations

import pytest
from rich.console import Console

from trainer.netspec import check_append_index, layer_table, parse_layers
from trainer.tools import TesskitError

#: What Debian's combine_tessdata 5.3.0 prints for tessdata_best/fra.traineddata.
FRA_LISTING = (
    "LSTM: network=[1,36,0,1Ct3,3,16Mp3,3Lfys48Lfx96Lrx96Lfx192O1c1], int_mode=0, "
    "recoding=1, iteration=3486400, sample_iteration=3486632, null_char=139, "
    "learning_rate=0.001, momentum=0.5, adam_beta=0.999\n"
    "Layer Learning Rates: :0(Input)=0.001, :1:0(Convolve)=0.001, :1:1(ConvNL)=0.000125, "
    ":2(Maxpool)=0.001, :3:0(Lfys48)=0.000125, :4(Lfx96)=0.000125, :5:0(Lrx96)=0.000125, "
    ":6(Lfx192)=0.000125, :7(Output)=0.000125\n"
)


def test_parse_layers_groups_by_outer_index() -> None:
    layers = parse_layers(FRA_LISTING)
    assert layers.spec == "[1,36,0,1Ct3,3,16Mp3,3Lfys48Lfx96Lrx96Lfx192O1c1]"
    assert layers.names[1] == ["Convolve", "ConvNL"] and layers.names[6] == ["Lfx192"]
    assert layers.last == 7


def test_table_marks_kept_and_replaced_layers() -> None:
    console = Console(width=120, record=True)
    console.print(layer_table(parse_layers(FRA_LISTING), "fra", 5))
    rows = [line for line in console.export_text().splitlines() if "│" in line]
    assert len(rows) == 8
    assert "Lrx96" in rows[5] and "kept" in rows[5]
    assert "Lfx192" in rows[6] and "replaced" in rows[6]


@pytest.mark.parametrize("index", [0, 5, 6])
def test_indices_below_the_output_are_accepted(index: int) -> None:
    check_append_index(parse_layers(FRA_LISTING), index, "fra")


@pytest.mark.parametrize("index", [7, 8, 40])
def test_output_layer_and_beyond_are_refused(index: int) -> None:
    with pytest.raises(TesskitError, match=rf"--append-index {index} is outside fra's layers 0-6"):
        check_append_index(parse_layers(FRA_LISTING), index, "fra")


def test_a_listing_without_layers_is_an_error() -> None:
    with pytest.raises(TesskitError, match="no LSTM network layers"):
        parse_layers("Version:4.00.00alpha:fra\n")
