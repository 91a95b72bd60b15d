"""report.html: rows worst first, marks from the CER's alignment, confusions, escaping."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from PIL import Image

from trainer.atomic import write_json_atomic
from trainer.dataset import Sample
from trainer.evaluate import Scores, score
from trainer.html_report import (
    IMAGES_DIR,
    PAGE_SIZE,
    confusion_table,
    line_rows,
    start_model_baseline,
    write_html_report,
    write_sweep_html_report,
)

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'


class Elements(HTMLParser):
    """Every start tag with its attributes, and all text, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


def make_samples(root: Path, texts: dict[str, str], suffix: str = ".png") -> list[Sample]:
    root.mkdir(parents=True, exist_ok=True)
    samples = []
    for name, text in texts.items():
        image, gt = root / f"{name}{suffix}", root / f"{name}.gt.txt"
        Image.new("L", (60, 12), 255).save(image)
        gt.write_text(text + "\n", encoding="utf-8")
        samples.append(Sample(name, image, gt))
    return samples


def scored(samples: list[Sample], readings: list[str], model: str) -> Scores:
    return score([s.name for s in samples], [s.text() for s in samples], readings, model)


def test_rows_worst_first_with_marks_matching_the_counted_edits(tmp_path: Path) -> None:
    samples = make_samples(tmp_path / "gt", {"a": "hello", "b": "lumen", "c": "cat"})
    base = scored(samples, ["hello", "lumn", "cXt"], "base")
    tuned = scored(samples, ["he1lo", "lumen", "cat"], "tuned")
    rows = line_rows([base, tuned], {})
    assert [r.name for r in rows] == ["c", "a", "b"]  # c 33%; a and b 20%, one edit each: by name
    for row in rows:
        for reading, s in zip(row.readings, (base, tuned)):
            counted = next(r for r in s.lines if r.name == row.name)
            assert reading.edits == counted.char_errors


def test_confusion_table_ranks_per_model(tmp_path: Path) -> None:
    samples = make_samples(tmp_path / "gt", {"a": "hello", "b": "lll"})
    base = scored(samples, ["he11o", "111"], "base")
    tuned = scored(samples, ["hello", "lI1"], "tuned")
    table = confusion_table([base, tuned])
    assert table[0] == [("l", "1", 5), ("l", "1", 1)]
    assert table[1] == [("", "", 0), ("l", "I", 1)]


def test_page_marks_substitution_insertion_deletion(tmp_path: Path) -> None:
    samples = make_samples(tmp_path / "gt", {"a": "hello", "b": "cat", "c": "lumen"})
    page = write_html_report(
        tmp_path / "out", [scored(samples, ["he1lo", "cart", "lumn"], "m")], samples
    ).read_text(encoding="utf-8")
    assert '<span class="sub" title="read 1 for l"><del>l</del><ins>1</ins></span>' in page
    assert '<ins class="ins" title="extra r">r</ins>' in page
    assert '<del class="del" title="missing e">e</del>' in page
    assert "l → 1 ×1" in page


def test_ground_truth_html_is_shown_as_text_not_markup(tmp_path: Path) -> None:
    samples = make_samples(tmp_path / "gt", {"evil": HOSTILE, "<b>name": "fine"})
    s = scored(samples, [HOSTILE.replace("pwned", "pwn3d"), "fine"], '<i>model"</i>')
    page = write_html_report(tmp_path / "out", [s], samples).read_text(encoding="utf-8")
    parsed = parse(page)
    scripts = [attrs for tag, attrs in parsed.tags if tag == "script"]
    assert len(scripts) == 1  # the page's own sort/filter script, nothing from the data
    assert not any("onerror" in attrs for _, attrs in parsed.tags)
    assert not any(tag in ("b", "i") for tag, _ in parsed.tags)
    text = "".join(parsed.text)
    assert HOSTILE in text and "<b>name" in text and '<i>model"</i>' in text


def test_images_copied_beside_the_page_tiff_as_png(tmp_path: Path) -> None:
    samples = make_samples(tmp_path / "gt", {"p": "one"}) + make_samples(
        tmp_path / "gt", {"t": "two"}, suffix=".tif"
    )
    Image.new("CMYK", (60, 12)).save(samples[1].image)  # PNG has no CMYK: converted
    out = tmp_path / "out"
    page = write_html_report(out, [scored(samples, ["one", "tw0"], "m")], samples)
    images = sorted(p.name for p in (out / IMAGES_DIR).iterdir())
    assert images == ["00000.png", "00001.png"]
    with Image.open(out / IMAGES_DIR / "00001.png") as png:
        assert png.format == "PNG" and png.size == (60, 12)
    srcs = [a["src"] for tag, a in parse(page.read_text()).tags if tag == "img"]
    assert srcs == [f"{IMAGES_DIR}/00001.png", f"{IMAGES_DIR}/00000.png"]  # worst first
    assert (tmp_path / "gt" / "t.tif").is_file()  # ground truth untouched


def test_only_the_first_page_of_images_is_fetched_on_load(tmp_path: Path) -> None:
    texts = {f"l{i:04d}": "same" for i in range(PAGE_SIZE + 3)}
    samples = make_samples(tmp_path / "gt", texts)
    page = write_html_report(
        tmp_path / "out", [scored(samples, list(texts.values()), "m")], samples
    )
    images = [attrs for tag, attrs in parse(page.read_text()).tags if tag == "img"]
    assert sum("src" in a for a in images) == PAGE_SIZE
    assert sum("data-src" in a and "src" not in a for a in images) == 3


def test_baseline_is_the_start_model_when_it_was_scored(tmp_path: Path) -> None:
    samples = make_samples(tmp_path / "gt", {"a": "hello"})
    base, tuned = scored(samples, ["he1lo"], "eng"), scored(samples, ["hello"], "demo")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    assert start_model_baseline(run_dir, [base, tuned]) is None
    write_json_atomic(run_dir / "manifest.json", {"start_model_path": "/td/eng.traineddata"})
    assert start_model_baseline(run_dir, [base, tuned]) == ("start model eng (tesskit eval)", 20.0)
    assert start_model_baseline(run_dir, [tuned]) is None


def sweep_result(root: Path, name: str, cer: float | None, **extra: object) -> dict[str, object]:
    run = root / name
    run.mkdir(parents=True)
    if cer is not None:
        evals = [{"iteration": 100, "cer": cer + 1.0}, {"iteration": 200, "cer": cer}]
        write_json_atomic(run / "evals.json", evals)
    return {
        "name": name,
        "learning_rate": 0.001,
        "max_iterations": 200,
        "exit_code": 0 if cer is not None else 1,
        "eval_cer": cer,
        "eval_wer": None if cer is None else 2 * cer,
        "model": str(run / f"{name}.traineddata"),
        "log": str(root / f"{name}.sweep.log"),
        **extra,
    }


def test_sweep_page_ranks_runs_and_shows_failures(tmp_path: Path) -> None:
    results = [
        sweep_result(tmp_path, "m_lr0.001_it200", 1.5, host="alpha"),
        sweep_result(tmp_path, "<m>_lr0.01_it200", 3.0, host="beta"),
        sweep_result(tmp_path, "m_lr0.1_it200", None, host="alpha"),
    ]
    page = write_sweep_html_report(tmp_path / "m_sweep.html", results).read_text()
    parsed = parse(page)
    rows = page.split("<tbody>")[1].split("</tbody>")[0].split("<tr")[1:]
    assert [("m_lr0.001" in r, "&lt;m&gt;_lr0.01" in r, "failed (exit 1)" in r) for r in rows] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ]
    assert 'class="best"' in rows[0] and "<td>alpha</td>" in rows[0]
    assert not any(tag == "m" for tag, _ in parsed.tags)
    assert [tag for tag, _ in parsed.tags].count("img") == 1  # the curves; no ranking plot given
    assert (tmp_path / "m_sweep_curves.png").stat().st_size > 5_000
