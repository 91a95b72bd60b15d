"""Shape of the trainer's code: functions short enough to read at once, modules that say
what they are for in their first line."""

from __future__ import annotations

import ast
from pathlib import Path

TRAINER = Path(__file__).resolve().parents[2] / "trainer"
#: Lines from ``def`` to the end of the body (decorators not counted).
MAX_LINES = 60
#: "module.py:function" -> why it is longer (the same reason stands beside it in the code).
LONGER = {
    "starter.py:build_starter": "four tool calls, each on the one before's output, read best "
    "in order",
}


def function_lengths() -> dict[str, int]:
    lengths = {}
    for path in sorted(TRAINER.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                assert node.end_lineno is not None
                key = f"{path.relative_to(TRAINER).as_posix()}:{node.name}"
                lengths[key] = max(lengths.get(key, 0), node.end_lineno - node.lineno + 1)
    return lengths


def test_functions_are_short_or_say_why() -> None:
    lengths = function_lengths()
    too_long = {k: n for k, n in lengths.items() if n > MAX_LINES and k not in LONGER}
    assert not too_long, f"over {MAX_LINES} lines without a reason in LONGER: {too_long}"
    # An exception that is no longer needed (or names a function that is gone) goes.
    stale = [k for k in LONGER if lengths.get(k, 0) <= MAX_LINES]
    assert not stale, f"no longer over {MAX_LINES} lines: remove from LONGER: {stale}"


def test_longer_functions_say_why_beside_them() -> None:
    for key in LONGER:
        module, name = key.split(":")
        source = (TRAINER / module).read_text(encoding="utf-8").splitlines()
        line = next(i for i, text in enumerate(source) if text.startswith(f"def {name}("))
        assert source[line - 1].startswith("# Longer than"), key


def test_every_module_opens_with_its_purpose() -> None:
    for path in sorted(TRAINER.rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
        assert doc, f"{path} has no docstring"
        first = doc.splitlines()[0]
        # One line, a whole statement: the next line is blank or there is none.
        assert len(doc.splitlines()) == 1 or doc.splitlines()[1] == "", f"{path}: {first}"
