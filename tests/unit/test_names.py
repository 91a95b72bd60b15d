"""One model-name rule for every command: names become paths, so none may climb out."""

from __future__ import annotations

import pytest

from trainer.names import is_sweep_run, sweep_run_name, validate_model_name
from trainer.tools import TesskitError


@pytest.mark.parametrize(
    "name", ["eng", "chi_sim", "deu-1572", "hw.v2", "0x", "m1572_lr1e-05_it200"]
)
def test_tesseract_shaped_names_pass(name: str) -> None:
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "../escaped",
        "..",
        "a..b",
        "/abs/x",
        "a/b",
        ".hidden",
        "-x",
        "_x",
        "a b",
        "a;b",
        "~x",
        "x\n",
        "{{ lookup('pipe', 'id') }}",
        "é",
    ],
)
def test_everything_else_is_refused_with_the_rule(name: str) -> None:
    with pytest.raises(TesskitError, match="not a valid model name") as info:
        validate_model_name(name)
    assert "letters, digits" in info.value.fix


def test_sweep_run_names_belong_to_their_sweep_only() -> None:
    name = sweep_run_name("hw", 0.00001, 200)
    assert name == "hw_lr1e-05_it200"
    assert is_sweep_run(name, "hw")
    assert not is_sweep_run(name, "h")
    assert not is_sweep_run("hw_lr0.001_it200_extra", "hw")
    assert not is_sweep_run("hw", "hw")
