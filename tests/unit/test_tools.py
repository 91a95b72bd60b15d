"""tools.py: model inspection with the real combine_tessdata, tessdata resolution."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trainer.tools import (
    TesskitError,
    inspect_model,
    require_float_model,
    resolve_tessdata,
    run,
    tool_env,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
BEST_FRA = SHARED / "tessdata_best" / "fra.traineddata"
FAST_ENG = SHARED / "tessdata_fast" / "eng.traineddata"

needs_shared = pytest.mark.skipif(not BEST_FRA.exists(), reason="../shared/data not present")
needs_tools = pytest.mark.skipif(
    shutil.which("combine_tessdata") is None, reason="tesseract training tools not installed"
)


@needs_shared
@needs_tools
def test_float_model_is_fine_tunable() -> None:
    info = require_float_model(BEST_FRA)
    assert info.is_float and info.has_lstm
    assert "lstm-unicharset" in info.components
    assert info.network.startswith("[1,36,0,1") and info.network.endswith("]")


@needs_shared
@needs_tools
def test_integer_model_is_refused_with_the_fix(tmp_path: Path) -> None:
    model = tmp_path / "eng.traineddata"
    shutil.copy(FAST_ENG, model)
    with pytest.raises(TesskitError) as err:
        require_float_model(model)
    assert str(err.value.message) == (
        "eng.traineddata is an integer (tessdata_fast) model and cannot be fine-tuned; "
        "install tessdata_best"
    )
    assert "tessdata_best" in err.value.fix


@needs_tools
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "is empty"),
        (b"\n<!DOCTYPE html><html><head><title>GitHub</title>", "HTML page"),
        (b"\x00\x01garbage that is no traineddata", "not a readable .traineddata"),
    ],
)
def test_broken_model_files_are_named(tmp_path: Path, content: bytes, expected: str) -> None:
    model = tmp_path / "eng.traineddata"
    model.write_bytes(content)
    with pytest.raises(TesskitError, match=expected):
        inspect_model(model)
    assert model.read_bytes() == content  # inspection never rewrites the file


def test_tessdata_precedence_and_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_env = tmp_path / "env"
    explicit = tmp_path / "explicit"
    from_env.mkdir()
    explicit.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TESSDATA_PREFIX", "env")  # relative: must come back absolute
    assert resolve_tessdata() == from_env.resolve()
    assert resolve_tessdata("explicit") == explicit.resolve()


def test_missing_tessdata_says_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TESSDATA_PREFIX", "/nonexistent/tessdata")
    with pytest.raises(TesskitError, match=r"from TESSDATA_PREFIX\) does not exist"):
        resolve_tessdata()


def test_tool_env_pins_tessdata_and_threads(tmp_path: Path) -> None:
    env = tool_env(tmp_path)
    assert env["TESSDATA_PREFIX"] == str(tmp_path)
    assert env["OMP_THREAD_LIMIT"] == "1"


def test_failing_command_reports_exit_code_and_output() -> None:
    with pytest.raises(TesskitError, match=r"exit code 3[\s\S]*boom"):
        run(["sh", "-c", "echo boom >&2; exit 3"])


def test_missing_tool_gets_provisioning_fix() -> None:
    with pytest.raises(TesskitError) as err:
        run(["tesskit-no-such-tool-xyz"])
    assert "not found on PATH" in err.value.message
    assert "site.yml" in err.value.fix
