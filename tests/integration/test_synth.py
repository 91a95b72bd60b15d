"""`tesskit synth` with Debian's real text2image and fonts, then a short fine-tune on its lines."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from trainer.dataset import discover, validate
from trainer.render import SynthOptions, synthesize
from trainer.tools import TesskitError
from trainer.train import TrainResult

from conftest import sample_lines, tesskit, tree_digest

FONTS_DIR = Path("/usr/share/fonts")
LIBERATION = FONTS_DIR / "truetype" / "liberation2"


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "training.txt"
    path.write_text("The quick brown fox.\n\n   \nΕλληνικά и русский 42\n", encoding="utf-8")
    return path


def test_synth_two_fonts_three_exposures(text_file: Path, tmp_path: Path) -> None:
    if not LIBERATION.is_dir():
        pytest.skip("fonts-liberation2 not installed")
    before = text_file.read_bytes()
    out = tmp_path / "gt"
    args = ["synth", "--text", str(text_file), "--out", str(out), "--jobs", "2"]
    args += ["--fonts", "DejaVu Serif,Liberation Mono", "--exposures", "-1,0,1"]
    proc = tesskit(*args)
    assert proc.returncode == 0, proc.stderr
    samples = discover(out)[0]
    # 2 non-empty lines x 2 fonts x 3 exposures; the empty lines 2 and 3 give nothing.
    assert len(samples) == 12
    assert {s.name.rsplit("_", 2)[1] for s in samples} == {"00001", "00004"}
    assert (out / "Liberation_Mono_00004_exp0.gt.txt").read_text() == "Ελληνικά и русский 42\n"
    assert not validate(samples).errors
    exposures = {(out / f"DejaVu_Serif_00001_exp{e}.png").read_bytes() for e in (-1, 0, 1)}
    assert len(exposures) == 3
    with Image.open(out / "DejaVu_Serif_00001_exp0.png") as img:
        assert 40 < img.height < 120 and img.width > 5 * img.height  # one cropped line
    assert text_file.read_bytes() == before

    first = tree_digest(out)
    again = tesskit(*args)
    assert again.returncode == 0 and "0 files written, 24 already there" in again.stdout
    assert tree_digest(out) == first


def test_unknown_font_lists_close_names(text_file: Path, tmp_path: Path) -> None:
    proc = tesskit(
        "synth", "--text", str(text_file), "--fonts", "DejaVu Serf", "--out", str(tmp_path / "gt")
    )
    assert proc.returncode == 2
    assert "'DejaVu Serf' (close: DejaVu Serif" in proc.stderr
    assert not (tmp_path / "gt").exists()


def test_missing_characters_reported_per_font(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("plain latin\nشكرا जी\nsnow ☃ man\n", encoding="utf-8")
    result = synthesize(
        text, ["DejaVu Serif", "DejaVu Sans"], tmp_path / "gt", SynthOptions(), FONTS_DIR
    )
    assert result.rendered == {"DejaVu Serif": 1, "DejaVu Sans": 2}
    assert set(result.missing["DejaVu Serif"]) == set("شكرا") | set("जी") | {"☃"}
    assert set(result.missing["DejaVu Sans"]) == set("जी")  # Sans has Arabic and ☃
    assert all(r.startswith("font lacks") for _, r in result.skipped)


def test_line_taller_than_page_and_timeout_skip_not_hang(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("a line\n", encoding="utf-8")
    tiny_page = synthesize(
        text, ["DejaVu Sans"], tmp_path / "a", SynthOptions(page_ems=0), FONTS_DIR
    )
    assert [r for _, r in tiny_page.skipped] == [
        "text2image rendered nothing (line taller than the page?)"
    ]
    too_slow = synthesize(
        text, ["DejaVu Sans"], tmp_path / "b", SynthOptions(timeout=0.001), FONTS_DIR
    )
    assert "timed out" in too_slow.skipped[0][1]


def test_empty_text_refused(tmp_path: Path) -> None:
    text = tmp_path / "t.txt"
    text.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(TesskitError, match="no non-empty lines"):
        synthesize(text, ["DejaVu Sans"], tmp_path / "gt", SynthOptions(), FONTS_DIR)


@pytest.mark.slow
def test_fine_tune_on_synth_lines(tmp_path: Path, fine_tune: Callable[..., TrainResult]) -> None:
    text = tmp_path / "t.txt"
    text.write_text("\n".join(sample_lines(16)) + "\n", encoding="utf-8")
    data = tmp_path / "gt"
    proc = tesskit("synth", "--text", str(text), "--fonts", "DejaVu Sans", "--out", str(data))
    assert proc.returncode == 0, proc.stderr
    before = tree_digest(data)
    result = fine_tune(
        "synth",
        data,
        max_iterations=60,
    )
    assert result.model.is_file() and result.best_eval_cer < 50
    assert tree_digest(data) == before
