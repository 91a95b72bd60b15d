"""`tesskit check` turns a library that kills Python (e.g. numpy on a CPU without SSE4.2,
as QEMU's default qemu64 model is) into a failed check with its fix, not a crash."""

from __future__ import annotations

from pathlib import Path

import pytest

from trainer import check


def test_libraries_import() -> None:
    result = check._library_check()
    assert result.ok, result.detail


def test_illegal_instruction_is_explained(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # A module that dies the way numpy does on such a CPU: by SIGILL, in the child process.
    (tmp_path / "dies_by_sigill.py").write_text(
        "import os, signal\nos.kill(os.getpid(), signal.SIGILL)\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    monkeypatch.setattr(check, "PYTHON_LIBRARIES", ("dies_by_sigill",))
    result = check._library_check()
    assert not result.ok
    assert "Illegal instruction" in result.detail
    assert "TESSKIT_LIBVIRT_CPU_MODEL" in result.fix


def test_broken_library_names_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check, "PYTHON_LIBRARIES", ("no_such_module_here",))
    result = check._library_check()
    assert not result.ok
    assert "No module named 'no_such_module_here'" in result.detail
