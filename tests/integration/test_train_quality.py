"""The model handed back: never worse than START_MODEL, chosen by true CER, dictionaries kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from trainer import dataset, starter
from trainer.atomic import sha256_file
from trainer.dictionaries import UserLists
from trainer.tools import TesskitError, find_tool, run, tool_env
from trainer.train import (
    AUGMENT_SMALL,
    FINE_TUNE_LEARNING_RATE,
    TrainConfig,
    TrainResult,
    run_training,
)

from conftest import tree_digest

pytestmark = pytest.mark.slow
DAWGS = ("lstm-word-dawg", "lstm-punc-dawg", "lstm-number-dawg")


def components(model: Path) -> str:
    return (
        run([find_tool("combine_tessdata"), "-d", model]).stderr
        + run([find_tool("combine_tessdata"), "-d", model]).stdout
    )


def listed_words(model: Path, tmp_path: Path) -> set[str]:
    prefix = tmp_path / "unpacked" / "m"
    prefix.parent.mkdir(exist_ok=True)
    run([find_tool("combine_tessdata"), "-u", model, f"{prefix}."])
    out = tmp_path / "words.txt"
    run(
        [
            find_tool("dawg2wordlist"),
            f"{prefix}.lstm-unicharset",
            f"{prefix}.lstm-word-dawg",
            out,
        ]
    )
    return set(out.read_text(encoding="utf-8").split())


def test_degrading_fine_tune_keeps_the_start_model(
    make_lines: Callable[..., Path], float_tessdata: Path, fine_tune: Callable[..., TrainResult]
) -> None:
    data = make_lines(12)
    result = fine_tune(
        "blowup",
        data,
        max_iterations=60,
        learning_rate=5.0,  # wrecks the network within a few iterations,
    )
    assert sha256_file(result.model) == sha256_file(float_tessdata / "fra.traineddata")
    assert result.best_checkpoint is None
    assert result.verdict.startswith("no checkpoint beat START_MODEL fra on 3 eval lines")
    assert result.verdict.endswith("keeping fra")
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["chosen"]["model"] == "start_model"
    assert manifest["verdict"] == result.verdict
    assert manifest["best_checkpoint"]["cer"] > manifest["start_model_eval"]["cer"]
    assert "lstm" in components(result.fast_model)  # the start model, as integer
    assert result.fast_model.stat().st_size < result.model.stat().st_size
    report = json.loads((result.run_dir / "report" / "report.json").read_text())
    assert report["verdict"] == result.verdict


def test_fine_tune_chosen_by_true_cer_with_report_and_dictionaries(
    make_lines: Callable[..., Path], fine_tune: Callable[..., TrainResult]
) -> None:
    data = make_lines(16)
    before = tree_digest(data)
    result = fine_tune(
        "good",
        data,
        max_iterations=200,
        augment=1,
    )
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["chosen"]["model"] == "checkpoint"
    assert result.best_eval_cer == min(e["cer"] for e in result.evals)
    assert result.start_eval_cer is not None and result.best_eval_cer < result.start_eval_cer
    assert all("lstmeval_bcer" in e for e in result.evals)  # kept for the curves
    assert manifest["split"] == {"train": 12, "augmented": 12, "eval": 4}
    eval_list = (result.run_dir / "lists" / "eval.txt").read_text().split()
    assert len(eval_list) == 4  # augmented copies never reach the eval side
    report = json.loads((result.run_dir / "report" / "report.json").read_text())
    assert [m["model"] for m in report["models"]] == ["fra (start model)", "good (exported)"]
    assert report["models"][1]["cer"] == pytest.approx(result.best_eval_cer)
    assert (result.run_dir / "report" / "training.png").is_file()
    # The page of tesskit eval, for the eval split: both readings of every eval line.
    page = (result.run_dir / "report" / "report.html").read_text(encoding="utf-8")
    assert "fra (start model)" in page and "good (exported)" in page
    log = (result.run_dir / "logs" / "lstmtraining.log").read_text()
    # The recorded rate is the one lstmtraining used: it replaces the start model's own.
    assert f"--learning_rate {FINE_TUNE_LEARNING_RATE} " in log and "--reset_learning_rate" in log
    # fra reads these rendered lines well: the ordinary rate, chosen after it was scored.
    assert manifest["learning_rate"] == FINE_TUNE_LEARNING_RATE
    assert manifest["settings"]["learning_rate"] is None
    found = components(result.model)
    assert all(dawg in found for dawg in DAWGS), found
    assert tree_digest(data) == before


def test_wordlist_adds_words_and_no_dictionaries_drops_them(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    samples, _, _ = dataset.discover(make_lines(4))
    words = tmp_path / "mine.wordlist"
    words.write_text("zqxfoobar\nwumblefrotz\n", encoding="utf-8")
    langdata = float_tessdata / "langdata"
    fra = float_tessdata / "fra.traineddata"
    with_words = starter.build_starter(
        tmp_path / "a",
        "a",
        samples,
        fra,
        langdata,
        float_tessdata,
        user_lists=UserLists(words=words),
    )
    listed = listed_words(with_words.traineddata, tmp_path)
    assert {"zqxfoobar", "wumblefrotz"} <= listed
    assert len(listed) > 50000  # fra's own words are kept too
    without = starter.build_starter(
        tmp_path / "b",
        "b",
        samples,
        fra,
        langdata,
        float_tessdata,
        user_lists=UserLists(enabled=False),
    )
    assert not any(dawg in components(without.traineddata) for dawg in DAWGS)
    assert tool_env(float_tessdata)  # the same environment the trainer uses


def test_eval_data_dir_is_the_eval_side(
    make_lines: Callable[..., Path], fine_tune: Callable[..., TrainResult]
) -> None:
    train, held = make_lines(6, name="train"), make_lines(5, name="held", seed=3)
    result = fine_tune(
        "ed",
        train,
        eval_data=held,
        max_iterations=30,
    )
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    # A small set gets AUGMENT_SMALL copies of each training line by default, never of eval.
    assert manifest["split"] == {"train": 6, "augmented": 6 * AUGMENT_SMALL, "eval": 5}
    assert result.eval_lines == 5 and " on 5 eval lines" in result.verdict


def test_eval_data_inside_training_data_is_refused(
    make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path
) -> None:
    data = make_lines(4)
    with pytest.raises(TesskitError, match="overlaps --data"):
        run_training(
            TrainConfig(
                model_name="x",
                data_dir=data.parent,
                eval_data=data,
                start_model="fra",
                tessdata=float_tessdata,
                output_dir=tmp_path / "runs",
            )
        )
    assert not (tmp_path / "runs").exists()
