"""The tesskit command as users run it: check, dataset check, eval, install, clean."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest

from trainer.train import TrainConfig, run_training

from conftest import REPO, tesskit, tree_digest


def test_check_green_with_float_model(float_tessdata: Path) -> None:
    proc = tesskit("check", "--tessdata", str(float_tessdata), "--start-model", "fra")
    assert proc.returncode == 0, proc.stdout
    assert "ready to train" in proc.stdout


def test_check_refuses_integer_model(float_tessdata: Path) -> None:
    proc = tesskit("check", "--tessdata", str(float_tessdata), "--start-model", "engfast")
    assert proc.returncode == 1
    flat = " ".join(proc.stdout.split())
    assert "is an integer (tessdata_fast) model and cannot be fine-tuned; install" in flat


def test_check_detects_html_saved_as_model(float_tessdata: Path, tmp_path: Path) -> None:
    tessdata = tmp_path / "td"
    tessdata.mkdir()
    (tessdata / "configs").symlink_to(float_tessdata / "configs")
    (tessdata / "eng.traineddata").write_text("<!DOCTYPE html><html>blob page</html>")
    proc = tesskit("check", "--tessdata", str(tessdata))
    assert proc.returncode == 1
    assert "HTML page, not a model" in " ".join(proc.stdout.split())


def test_check_without_tessdata_says_how_to_fix(tmp_path: Path) -> None:
    proc = tesskit("check", "--tessdata", str(tmp_path / "nope"))
    assert proc.returncode == 1
    assert "does not exist" in proc.stdout


def test_dataset_check_reports_and_never_writes(
    make_lines: Callable[..., Path], float_tessdata: Path
) -> None:
    data = make_lines(3)
    (data / "line_0001.gt.txt").write_text("two\nlines\n")
    (data / "extra.png").write_bytes((data / "line_0000.png").read_bytes())
    before = tree_digest(data)
    proc = tesskit(
        "dataset", "check", str(data), "--tessdata", str(float_tessdata), "--start-model", "fra"
    )
    assert proc.returncode == 1
    assert "multi-line-gt" in proc.stdout and "missing-gt" in proc.stdout
    without_model = tesskit("dataset", "check", str(data), "--start-model", "", "--json")
    assert without_model.returncode == 1  # the multi-line error stands without a model too
    assert '"unknown_chars": {}' in without_model.stdout
    assert tree_digest(data) == before


@pytest.mark.slow
def test_eval_install_and_clean(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(10)
    runs = tmp_path / "runs"
    result = run_training(
        TrainConfig(
            model_name="cli",
            data_dir=data,
            start_model="fra",
            tessdata=float_tessdata,
            output_dir=runs,
            max_iterations=100,
            show_progress=False,
        )
    )
    out = tmp_path / "report"
    proc = tesskit(
        "eval",
        "--model",
        "fra",
        "--model",
        str(result.model),
        "--data",
        str(data),
        "--tessdata",
        str(float_tessdata),
        "--out",
        str(out),
        "--run-dir",
        str(result.run_dir),
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / "report.md").is_file() and (out / "training.png").stat().st_size > 10_000
    assert "| fra |" in (out / "report.md").read_text()
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<tr data-name=") == 10 and 'src="data:image/png;base64,' in page

    # The record: a config file's table (JSON types, unset fields left out), no from-scratch
    # network for a fine-tune, no checkpoint twice.
    manifest_path = result.run_dir / "manifest.json"
    config = json.loads(manifest_path.read_text())["config"]
    assert config["max_iterations"] == 100 and "epochs" not in config
    assert config["fresh"] is False and config["ratio_train"] == 0.9
    assert "net_spec" not in config and config["tessdata"] == str(float_tessdata)
    evals = json.loads((result.run_dir / "evals.json").read_text())
    iterations = [e["iteration"] for e in evals]
    assert len(iterations) == len(set(iterations)), evals

    # Re-running a finished run trains nothing and leaves its record as it was.
    manifest_before = manifest_path.read_bytes()
    again = tesskit(
        "train",
        "--model-name",
        "cli",
        "--start-model",
        "fra",
        "--data",
        str(data),
        "--tessdata",
        str(float_tessdata),
        "--output-dir",
        str(runs),
        "--max-iterations",
        "100",
        "--no-progress",
    )
    assert again.returncode == 0, again.stderr
    assert "already finished" in again.stderr and "resumed" not in again.stderr
    assert manifest_path.read_bytes() == manifest_before

    target = tmp_path / "tessdata-install"
    target.mkdir()
    assert tesskit("install", str(result.run_dir), "--tessdata", str(target)).returncode == 0
    assert (target / "cli.traineddata").read_bytes() == result.model.read_bytes()
    # The fast export is another model: it gets its own name, never replaces the float one.
    fast = tesskit("install", str(result.run_dir), "--fast", "--tessdata", str(target))
    assert fast.returncode == 0, fast.stderr
    assert (target / "cli_fast.traineddata").read_bytes() == result.fast_model.read_bytes()
    assert (target / "cli.traineddata").read_bytes() == result.model.read_bytes()
    other = tesskit("install", str(result.fast_model), "--name", "cli", "--tessdata", str(target))
    assert other.returncode == 2 and "--force" in other.stderr

    (runs / "notarun").mkdir()
    assert tesskit("clean", "notarun", "--output-dir", str(runs), "--yes").returncode == 2
    assert (runs / "notarun").is_dir()
    assert tesskit("clean", "cli", "--output-dir", str(runs), "--yes").returncode == 0
    assert not result.run_dir.exists() and data.is_dir()


def test_bad_model_names_are_refused_by_every_command(tmp_path: Path) -> None:
    model_file = tmp_path / "m.traineddata"
    model_file.write_bytes(b"x")
    image = tmp_path / "line.png"
    image.write_bytes(b"x")
    folder = str(tmp_path)
    commands = [
        ("train", "--model-name", "../escaped", "--data", folder),
        ("train", "--model-name", "/abs/x", "--data", folder),
        ("train", "MODEL_NAME=../../x", "--data", folder),
        ("train", "--model-name", "ok", "--start-model", "../x", "--data", folder),
        ("install", str(model_file), "--name", "../../x"),
        ("eval", "--model", "../x", "--data", folder),
        ("ocr", str(image), "--model", "../../x"),
        ("sweep", "--model-name", "../x", "--data", folder),
        ("vm", "train", "--model-name", "../../..", "--root", folder),
        ("clean", "../x", "--output-dir", folder, "--yes"),
    ]
    before = sorted(p.name for p in tmp_path.parent.iterdir())
    for command in commands:
        proc = tesskit(*command)
        assert proc.returncode == 2, (command, proc.stdout, proc.stderr)
        assert "not a valid model name" in proc.stderr, (command, proc.stderr)
        assert "Traceback" not in proc.stderr
    assert sorted(p.name for p in tmp_path.parent.iterdir()) == before


@pytest.mark.parametrize(
    "args",
    [
        ("--max-iterations", "0"),
        ("--max-iterations", "-5"),
        ("--jobs", "0"),
        ("--jobs", "-1"),
        ("--ratio-train", "1.5"),
        ("--ratio-train", "1"),
        ("--epochs", "0"),
        ("--learning-rate", "0"),
        ("--target-error-rate", "-1"),
        ("MAX_ITERATIONS=0",),
        ("RATIO_TRAIN=0",),
    ],
)
def test_train_numbers_out_of_range_fail_before_any_work(
    args: tuple[str, ...], make_lines: Callable[..., Path], tmp_path: Path
) -> None:
    data = make_lines(2)
    runs = tmp_path / "runs"
    proc = tesskit(
        "train", "--model-name", "m", "--data", str(data), "--output-dir", str(runs), *args
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and ("range" in proc.stderr or "above" in proc.stderr)
    assert not runs.exists()


@pytest.mark.parametrize(
    "args",
    [
        ("--jobs", "0"),
        ("--max-iterations", "0"),
        ("--max-iterations", "100,x"),
        ("--learning-rate", "-0.001"),
    ],
)
def test_sweep_numbers_out_of_range_fail_before_any_work(
    args: tuple[str, ...], make_lines: Callable[..., Path], tmp_path: Path
) -> None:
    data = make_lines(2)
    runs = tmp_path / "runs"
    proc = tesskit(
        "sweep", "--model-name", "m", "--data", str(data), "--output-dir", str(runs), *args
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert not runs.exists()


def test_target_error_rate_is_documented_in_percent() -> None:
    help_text = " ".join(tesskit("train", "--help").stdout.split())
    assert "in percent" in help_text and "fraction" not in help_text


def _train_args(data: Path, runs: Path, tessdata: Path, name: str) -> list[str]:
    return [
        "train",
        "--model-name",
        name,
        "--data",
        str(data),
        "--start-model",
        "fra",
        "--tessdata",
        str(tessdata),
        "--output-dir",
        str(runs),
        "--max-iterations",
        "5",
        "--no-progress",
    ]


def test_ground_truth_inside_the_run_dir_survives_train_and_clean(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4, name="runs/hw/gt")
    runs = tmp_path / "runs"
    before = tree_digest(runs)
    trained = tesskit(*_train_args(data, runs, float_tessdata, "hw"))
    assert trained.returncode == 2 and "is inside the run dir" in trained.stderr
    cleaned = tesskit("clean", "hw", "--output-dir", str(runs), "--yes")
    assert cleaned.returncode == 2 and "not made by tesskit" in cleaned.stderr
    (runs / "hw" / ".tesskit-run").touch()  # even a tesskit run dir: its ground truth stays
    cleaned = tesskit("clean", "hw", "--output-dir", str(runs), "--yes")
    assert cleaned.returncode == 2 and "holds ground truth" in cleaned.stderr
    (runs / "hw" / ".tesskit-run").unlink()
    assert tree_digest(runs) == before


def test_fresh_on_a_foreign_dir_deletes_nothing(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4)
    foreign = tmp_path / "mine"
    for name in ("logs", "report"):
        (foreign / name).mkdir(parents=True)
        (foreign / name / "keep.txt").write_text("not tesskit's")
    (foreign / "evals.json").write_text("not tesskit's")
    before = tree_digest(tmp_path)
    by_path = tesskit(*_train_args(data, tmp_path, float_tessdata, str(foreign)), "--fresh")
    assert by_path.returncode == 2 and "not a valid model name" in by_path.stderr
    by_name = tesskit(*_train_args(data, tmp_path, float_tessdata, "mine"), "--fresh")
    assert by_name.returncode == 2 and "was not made by tesskit" in by_name.stderr
    assert tree_digest(tmp_path) == before


def test_control_character_in_ground_truth_is_named_with_line_and_column(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4)
    (data / "line_0002.gt.txt").write_text("amber\tbridge\n")
    proc = tesskit(*_train_args(data, tmp_path / "runs", float_tessdata, "tab"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    flat = " ".join(proc.stderr.split())
    assert "line_0002.gt.txt: line 1, column 6: control character U+0009" in flat


def test_dataset_check_says_when_the_unknown_chars_check_is_skipped(
    make_lines: Callable[..., Path], float_tessdata: Path
) -> None:
    data = make_lines(3)
    # The default START_MODEL eng is not in this tessdata.
    proc = tesskit("dataset", "check", str(data), "--tessdata", str(float_tessdata))
    assert proc.returncode == 0
    flat = " ".join(proc.stdout.split())
    assert "unknown-characters check skipped" in flat and "eng.traineddata not found" in flat
    assert "3 lines, 0 errors, 1 warning" in flat
    as_json = tesskit("dataset", "check", str(data), "--tessdata", str(float_tessdata), "--json")
    report = json.loads(as_json.stdout)
    assert report["unknown_chars"] is None
    assert [i["kind"] for i in report["issues"]] == ["unknown-chars-skipped"]
    checked = tesskit(
        "dataset", "check", str(data), "--tessdata", str(float_tessdata), "--start-model", "fra"
    )
    assert "skipped" not in checked.stdout


def test_check_fails_without_the_langdata_train_needs(float_tessdata: Path, tmp_path: Path) -> None:
    tessdata = tmp_path / "td"
    tessdata.mkdir()
    (tessdata / "configs").symlink_to(float_tessdata / "configs")
    (tessdata / "fra.traineddata").symlink_to(float_tessdata / "fra.traineddata")
    proc = tesskit("check", "--tessdata", str(tessdata), "--start-model", "fra")
    assert proc.returncode == 1
    assert "FAIL langdata: langdata with radical-stroke.txt not found" in proc.stdout
    with_langdata = tesskit(
        "check",
        "--tessdata",
        str(tessdata),
        "--start-model",
        "fra",
        "--langdata",
        str(float_tessdata / "langdata"),
    )
    assert with_langdata.returncode == 0 and "ready to train" in with_langdata.stdout


def test_answering_no_to_clean_exits_1_and_removes_nothing(tmp_path: Path) -> None:
    run = tmp_path / "runs" / "hw"
    run.mkdir(parents=True)
    (run / ".tesskit-run").touch()
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trainer.cli",
            "clean",
            "hw",
            "--output-dir",
            str(tmp_path / "runs"),
        ],
        input="n\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert run.is_dir()


@pytest.fixture
def unprivileged_user(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A throwaway login user (and its home), removed afterwards; needs root."""
    if os.geteuid() != 0 or shutil.which("useradd") is None:
        pytest.skip("creating a throwaway user needs root and useradd")
    name = f"tk{uuid.uuid4().hex[:8]}"
    home = Path(f"/tmp/{name}-home")
    subprocess.run(["useradd", "-m", "-d", str(home), "-s", "/bin/sh", name], check=True)
    try:
        yield name, home
    finally:
        subprocess.run(["userdel", "-r", name], check=False, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


def _as_user(user: str, home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """tesskit as ``user``: the system Python of this version, with this checkout and the
    venv's packages on PYTHONPATH (the venv's own interpreter may sit in /root)."""
    python = Path(f"/usr/bin/python{sys.version_info.major}.{sys.version_info.minor}")
    if not python.is_file():
        pytest.skip(f"{python} (to run tesskit as another user) not installed")
    site = Path(click.__file__).parents[1]
    environment = {
        "HOME": str(home),
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": f"{REPO}:{site}",
        "COLUMNS": "200",
        **env,
    }
    return subprocess.run(
        [
            "runuser",
            "-u",
            user,
            "--",
            "env",
            *(f"{k}={v}" for k, v in environment.items()),
            str(python),
            "-m",
            "trainer.cli",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=home,
    )


def test_install_as_a_user_without_write_access_to_tessdata(
    unprivileged_user: tuple[str, Path], make_lines: Callable[..., Path], shared_data: Path
) -> None:
    user, home = unprivileged_user
    public = Path(tempfile.mkdtemp(prefix="tesskit-public-"))
    try:
        public.chmod(0o755)
        shared = public / "tessdata"  # root-owned, as the tessdata role makes it
        shared.mkdir(mode=0o755)
        model = public / "hw.traineddata"
        shutil.copy(shared_data / "tessdata_fast" / "eng.traineddata", model)
        image = public / "line.png"
        shutil.copy(make_lines(2) / "line_0000.png", image)
        for path in (model, image):
            path.chmod(0o644)

        installed = _as_user(user, home, "install", str(model), TESSDATA_PREFIX=str(shared))
        assert installed.returncode == 0, installed.stderr
        assert "Traceback" not in installed.stderr
        own = home / ".local" / "share" / "tesskit" / "tessdata"
        assert (own / "hw.traineddata").read_bytes() == model.read_bytes()
        assert f"--tessdata-dir {own} -l hw" in installed.stdout
        assert list(shared.iterdir()) == []

        # tesskit finds it there; tesseract with the printed --tessdata-dir too.
        read = _as_user(user, home, "ocr", str(image), "--model", "hw", TESSDATA_PREFIX=str(shared))
        assert read.returncode == 0 and read.stdout.strip(), read.stderr
        tesseract = subprocess.run(
            [
                "runuser",
                "-u",
                user,
                "--",
                "tesseract",
                str(image),
                "stdout",
                "--psm",
                "7",
                "--tessdata-dir",
                str(own),
                "-l",
                "hw",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert tesseract.returncode == 0 and tesseract.stdout.strip() == read.stdout.strip()

        # Asked for the shared dir explicitly: a one-line error with the fix.
        refused = _as_user(
            user, home, "install", str(model), "--name", "hw2", "--tessdata", str(shared)
        )
        assert refused.returncode == 2 and "Traceback" not in refused.stderr
        assert f"cannot write to {shared}" in refused.stderr and "omit --tessdata" in refused.stderr
    finally:
        shutil.rmtree(public)


@pytest.fixture
def tiny_filesystem(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs: a full disk on demand (needs root)."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_is_one_line_naming_the_file_and_leaves_no_partial_model(
    tiny_filesystem: Path, shared_data: Path
) -> None:
    model = shared_data / "tessdata_fast" / "eng.traineddata"  # 4 MB into 64 KiB
    proc = tesskit("install", str(model), "--name", "hw", "--tessdata", str(tiny_filesystem))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    first, *rest = proc.stderr.splitlines()
    assert first.startswith("error: No space left on device: ") and str(tiny_filesystem) in first
    assert rest and rest[0].startswith("  fix: free space")
    assert list(tiny_filesystem.iterdir()) == []


@pytest.mark.slow
def test_eval_shows_what_the_dictionaries_add(
    shared_data: Path, float_tessdata: Path, tmp_path: Path
) -> None:
    """Real printed lines, where fra's word list changes some readings."""
    lines = tmp_path / "lines"
    lines.mkdir()
    book = shared_data / "early-printed-books-gt" / "Books" / "1572" / "GT"
    for gt in sorted(book.glob("*.gt.txt"))[:40]:
        for path in book.glob(gt.name.removesuffix(".gt.txt") + ".*"):
            shutil.copy(path, lines)
    before = tree_digest(float_tessdata)
    out = tmp_path / "report"
    proc = tesskit(
        "eval", "--model", "fra", "--tessdata", str(float_tessdata), "--data", str(lines),
        "--without-dictionaries", "--out", str(out),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = {m["model"]: m for m in json.loads((out / "report.json").read_text())["models"]}
    assert set(rows) == {"fra", "fra (no dictionaries)"}
    assert rows["fra"]["cer"] != rows["fra (no dictionaries)"]["cer"]
    assert tree_digest(float_tessdata) == before  # the installed model is left as it was


def test_layers_prints_the_table_append_index_uses_without_training(
    float_tessdata: Path, tmp_path: Path
) -> None:
    shown = tesskit("layers", "fra", "--tessdata", str(float_tessdata), "--append-index", "5")
    assert shown.returncode == 0, shown.stderr
    rows = [line for line in shown.stdout.splitlines() if "│" in line]
    assert "Lrx96" in rows[5] and "kept" in rows[5] and "replaced" in rows[6]
    assert "network: [1,36,0,1Ct3,3,16Mp3,3Lfys48Lfx96Lrx96Lfx192O1c1]" in shown.stdout
    by_path = tesskit("layers", str(float_tessdata / "fra.traineddata"))
    assert by_path.returncode == 0 and "layers of fra" in by_path.stdout
    too_high = tesskit("layers", "fra", "--tessdata", str(float_tessdata), "--append-index", "7")
    assert too_high.returncode == 2 and "7 is its output layer" in too_high.stderr
    for integer_model in ("engfast", str(float_tessdata / "engfast.traineddata")):
        integer = tesskit("layers", integer_model, "--tessdata", str(float_tessdata))
        assert integer.returncode == 2 and "integer (tessdata_fast) model" in integer.stderr
    missing = tesskit("layers", str(tmp_path / "none.traineddata"))
    assert missing.returncode == 2 and "not found" in missing.stderr
    assert "Traceback" not in too_high.stderr + integer.stderr + missing.stderr
