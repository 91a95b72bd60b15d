"""RTL and Indic end to end with the real tools: lines rendered by `tesskit synth` from Debian's
Noto fonts, layer training on the float French model (its unicharset has neither script, so
its top LSTM and output layer are replaced: tessdoc's advice for a new script), and the
exported model reading held-out lines in logical order."""

from __future__ import annotations

import json
import random
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from rapidfuzz.distance import Levenshtein

from trainer.dataset import discover
from trainer.lstmf import build_lstmf
from trainer.tools import TesskitError
from trainer.train import TrainConfig, run_training

from conftest import tesskit, tree_digest

HEBREW = "אבגדהולמשת"
DEVANAGARI_CONSONANTS = "कगतनपमरलसह"
DEVANAGARI_VOWEL_SIGNS = ["", "", "ा", "ि", "ी", "ु", "े"]  # "" twice: bare consonants
#: Replace fra's layers above 5 (Lrx96) with a small LSTM and the new output layer.
LAYERS = ["--append-index", "5", "--net-spec", "[Lfx64 O1c###]"]


def hebrew_line(rng: random.Random) -> str:
    words = rng.randint(2, 4)
    return " ".join("".join(rng.choices(HEBREW, k=rng.randint(2, 5))) for _ in range(words))


def devanagari_line(rng: random.Random) -> str:
    def word() -> str:
        return "".join(
            rng.choice(DEVANAGARI_CONSONANTS) + rng.choice(DEVANAGARI_VOWEL_SIGNS)
            for _ in range(rng.randint(1, 3))
        )

    return " ".join(word() for _ in range(rng.randint(2, 4)))


def cer(reading: str, reference: str) -> float:
    return 100 * Levenshtein.distance(reading, reference) / max(len(reference), 1)


def synth(tmp_path: Path, name: str, lines: list[str], font: str, exposures: str) -> Path:
    text = tmp_path / f"{name}.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / name
    args = ["synth", "--text", str(text), "--fonts", font, "--out", str(out)]
    proc = tesskit(*args, "--exposures", exposures, "--jobs", "2")
    assert proc.returncode == 0, proc.stderr
    return out


def read_line(image: Path, run_dir: Path, model: str) -> str:
    proc = subprocess.run(
        ["tesseract", str(image), "-", "--psm", "7", "--tessdata-dir", str(run_dir), "-l", model],
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip()


def train_and_read(
    tmp_path: Path,
    tessdata: Path,
    make_line: Callable[[random.Random], str],
    font: str,
    iterations: int,
    extra: tuple[str, ...] = (),
) -> tuple[str, dict[str, object], list[tuple[str, str]]]:
    """Synthesize, train (layer training on fra), read the held-out lines with the exported
    model; returns (train's output, manifest, [(reading, ground truth)])."""
    rng = random.Random(1)
    lines = [make_line(rng) for _ in range(50)]
    held = [make_line(rng) for _ in range(8)]
    data = synth(tmp_path, "gt", lines, font, "-1,0,1")
    held_dir = synth(tmp_path, "held", held, font, "0")
    before = tree_digest(data)
    proc = tesskit(
        "train", "--model-name", "script", "--start-model", "fra", "--data", str(data),
        "--tessdata", str(tessdata), "--output-dir", str(tmp_path / "runs"), *LAYERS,
        "--max-iterations", str(iterations), "--no-dictionaries", "--augment", "0",
        "--no-progress", "--jobs", "2", *extra,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert tree_digest(data) == before  # ground truth untouched
    run_dir = tmp_path / "runs" / "script"
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["chosen"]["model"] == "checkpoint"
    pairs = [
        (read_line(image, run_dir, "script"), image.with_suffix(".gt.txt").read_text().strip())
        for image in sorted(held_dir.glob("*.png"))
    ]
    return proc.stdout + proc.stderr, manifest, pairs


def assert_logical_order(pairs: list[tuple[str, str]], most: float) -> None:
    """The reading matches the ground truth, and not its reversal. A reversed reading would be
    as far from the ground truth as the reversal is (68 % for the Hebrew held-out lines, 79 %
    for the Devanagari ones), so: at most ``most`` % CER, and at least 3 times further from
    the reversal than from the ground truth."""
    reading = " ".join(r for r, _ in pairs)
    truth = " ".join(t for _, t in pairs)
    forward, backward = cer(reading, truth), cer(reading, truth[::-1])
    print(f"held-out CER {forward:.1f} % vs the ground truth, {backward:.1f} % vs its reversal")
    assert cer(truth[::-1], truth) >= 2 * most  # the lines tell the two orders apart
    assert forward <= most, pairs
    assert backward >= 3 * forward, (forward, backward, pairs)


@pytest.mark.slow
def test_hebrew_layer_training_reads_in_logical_order(float_tessdata: Path, tmp_path: Path) -> None:
    output, manifest, pairs = train_and_read(
        tmp_path, float_tessdata, hebrew_line, "Noto Sans Hebrew", 600
    )
    assert "lang type rtl (detected" in output
    assert "│     5 │ Lrx96" in output and "replaced" in output  # the layer table
    assert manifest["settings"]["lang_type"] == "rtl"
    assert manifest["settings"]["box_format"] == "wordstr-rtl"
    log = (tmp_path / "runs/script/logs/lstmtraining.log").read_text()
    assert "--append_index 5 --net_spec [Lfx64 O1c" in log
    assert "Lfx96RxLrx96Lfx64Fc" in log  # lstmtraining kept layers 0-5 and appended ours
    # Measured 1.7 % at the default rate, 0.004 here (2.6 % at 0.002; vs 67 % against the
    # reversal): a few letters of margin, not more.
    assert_logical_order(pairs, most=10)


@pytest.mark.slow
def test_devanagari_layer_training_reads_in_logical_order(
    float_tessdata: Path, tmp_path: Path
) -> None:
    output, manifest, pairs = train_and_read(
        tmp_path, float_tessdata, devanagari_line, "Noto Sans Devanagari", 1200,
        ("--learning-rate", "0.005"),
    )  # fmt: skip
    assert "lang type indic (detected" in output
    assert manifest["settings"]["lang_type"] == "indic"
    assert manifest["settings"]["box_format"] == "wordstr"
    # Measured 19.6 % (79.5 % against the reversal): vowel signs and similar consonants
    # (स/ल, न/म) are still confused after 1200 iterations; 2000 gave 18.8 %, a plateau of
    # this small set. The order check is the ratio; 30 % only says the script was learned.
    assert_logical_order(pairs, most=30)


def test_append_index_outside_the_table_is_refused_after_the_table(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4)
    proc = tesskit(
        "train", "--model-name", "x", "--start-model", "fra", "--data", str(data),
        "--tessdata", str(float_tessdata), "--output-dir", str(tmp_path / "runs"),
        "--append-index", "7", "--net-spec", "[Lfx64 O1c###]",
    )  # fmt: skip
    assert proc.returncode == 2
    assert "│     7 │ Output" in proc.stderr  # the table to pick from, then the error
    assert "--append-index 7 is outside fra's layers 0-6" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "runs" / "x" / "checkpoints").exists()


def test_rtl_lines_reach_the_lstmf_in_visual_order(float_tessdata: Path, tmp_path: Path) -> None:
    """What lstmtraining learns is the lstmf's transcription: for RTL it must run left to right
    like the image (with the logical order, 600 iterations of the Hebrew run above learn
    nothing: eval CER 100 %, measured with --lang-type indic)."""
    data = synth(tmp_path, "gt", ["שנת 2024 היא"], "DejaVu Sans", "0")  # Noto lacks digits
    samples = discover(data)[0]
    lstmf = build_lstmf(
        samples, tmp_path / "cache", float_tessdata, jobs=1, box_format="wordstr-rtl"
    )
    written = lstmf[samples[0].name].read_bytes()
    assert "איה 2024 תנש".encode() in written  # visual order, the number still 2024
    assert "שנת 2024 היא".encode() not in written  # not logical
    assert "איה 4202 תנש".encode() not in written  # not a plain reversal


def test_another_lang_type_refuses_to_resume_but_older_runs_resume(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    config = TrainConfig(
        model_name="lt",
        data_dir=make_lines(8),
        start_model="fra",
        tessdata=float_tessdata,
        output_dir=tmp_path / "runs",
        max_iterations=100,
        show_progress=False,
    )
    assert run_training(config).resumed_from == 0
    manifest_path = tmp_path / "runs/lt/manifest.json"
    manifest = json.loads(manifest_path.read_text())
    assert manifest["settings"]["lang_type"] == "latin"  # detected: Latin lines
    # A run recorded before lang types existed was trained as latin: it still resumes.
    del manifest["settings"]["lang_type"], manifest["settings"]["append_index"]
    manifest_path.write_text(json.dumps(manifest))
    assert run_training(config).resumed_from > 0
    config.lang_type = "rtl"
    with pytest.raises(TesskitError, match="different lang_type"):
        run_training(config)
