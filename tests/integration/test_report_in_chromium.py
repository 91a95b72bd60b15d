"""report.html from a real `tesskit eval`, rendered by headless Chromium (Debian's package).

The page is loaded from disk with the network-facing features off; a probe script appended
to a copy of the page writes what the browser saw (images decoded, rows, marks, the title a
hostile ground truth would change) into the DOM, read back with --dump-dom.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from trainer.dataset import Sample
from trainer.evaluate import score
from trainer.html_report import PAGE_SIZE, write_html_report

from conftest import tesskit

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
HOSTILE = '<script>document.title="pwned"</script>'
PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  var images = Array.from(document.querySelectorAll("#lines img"));
  var probe = document.createElement("pre");
  probe.id = "probe";
  probe.textContent = JSON.stringify({
    images: images.map(function (i) { return i.complete && i.naturalWidth > 0; }),
    title: document.title,
    scores: document.querySelectorAll("#scores tbody tr").length,
    rows: document.querySelectorAll("#lines tbody tr:not([hidden])").length,
    subs: Array.from(document.querySelectorAll("#lines .sub")).map(function (s) {
      return [s.querySelector("del").textContent, s.querySelector("ins").textContent]; }),
    controls: !document.querySelector(".controls").hidden
  });
  document.body.appendChild(probe);
}, 1000); });
</script>
"""


PAGING_PROBE = """<script>
window.addEventListener("load", function () { setTimeout(function () {
  function state() {
    var rows = Array.from(document.querySelectorAll("#lines tbody tr:not([hidden])"));
    return {rows: rows.length, first: rows[0].dataset.name, images: rows.filter(function (r) {
      var i = r.querySelector("img"); return i.complete && i.naturalWidth > 0; }).length};
  }
  var before = state();
  document.getElementById("next").click();
  setTimeout(function () {
    var probe = document.createElement("pre");
    probe.id = "probe";
    probe.textContent = JSON.stringify({before: before, after: state(),
      page: document.getElementById("page").textContent});
    document.body.appendChild(probe);
  }, 1000);
}, 500); });
</script>
"""


def probe(page: Path, script: str, profile: Path) -> dict[str, object]:
    """Load a copy of ``page`` with ``script`` appended; what the script wrote as JSON."""
    probe_page = page.with_name("probe.html")
    probe_page.write_text(page.read_text().replace("</body>", script + "</body>"))
    proc = chromium(probe_page, profile, "--dump-dom")
    found = re.search(r'<pre id="probe">(.*?)</pre>', proc.stdout, re.S)
    assert found, proc.stderr[-2000:]
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def chromium(page: Path, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--hide-scrollbars",
            "--window-size=1200,3000",
            "--virtual-time-budget=5000",
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def report(make_lines: Callable[..., Path], float_tessdata: Path, tmp_path: Path) -> Path:
    """`tesskit eval` of the integer eng model on 4 clean lines whose ground truth has a
    known error (first letter made 'q': the page must mark "q read as <letter>") and one
    line of ground truth that is a script."""
    data = make_lines(4)
    first = data / "line_0000.gt.txt"
    text = first.read_text(encoding="utf-8").strip()
    first.write_text("q" + text[1:] + "\n", encoding="utf-8")
    (data / "line_0003.gt.txt").write_text(HOSTILE + "\n", encoding="utf-8")
    out = tmp_path / "report"
    model = float_tessdata / "engfast.traineddata"
    proc = tesskit("eval", "--model", str(model), "--data", str(data), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "report.html" in " ".join(proc.stdout.split())
    (out / "expected.txt").write_text(text[0])
    return out / "report.html"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_report_renders_in_chromium(report: Path, tmp_path: Path) -> None:
    seen = probe(report, PROBE, tmp_path / "profile")
    assert seen["images"] == [True] * 4
    assert seen["scores"] == 1 and seen["rows"] == 4 and seen["controls"]
    assert ["q", report.with_name("expected.txt").read_text()] in seen["subs"]
    assert seen["title"] == "tesskit evaluation"  # the ground truth's script did not run

    shot = tmp_path / "report.png"
    proc = chromium(report, tmp_path / "profile2", f"--screenshot={shot}")
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1200, 3000)
        # Not blank: the page drew text and line images (many distinct grey levels).
        assert len(image.convert("L").getcolors(maxcolors=256) or []) > 20


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get install chromium)")
def test_second_page_fetches_its_images(tmp_path: Path) -> None:
    count = PAGE_SIZE + 5
    samples = []
    for i in range(count):
        image, gt = tmp_path / f"l{i:04d}.png", tmp_path / f"l{i:04d}.gt.txt"
        Image.new("L", (40 + i % 7, 10), 200).save(image)
        gt.write_text(f"line {i}\n")
        samples.append(Sample(image.stem, image, gt))
    # Line i has i edits: the worst (last) lines come first, l0000 is on page 2.
    readings = ["x" * i + f"line {i}" for i in range(count)]
    scores = score([s.name for s in samples], [s.text() for s in samples], readings, "m")
    page = write_html_report(tmp_path / "out", [scores], samples)
    seen = probe(page, PAGING_PROBE, tmp_path / "profile")
    assert seen["before"] == {"rows": PAGE_SIZE, "first": f"l{count - 1:04d}", "images": PAGE_SIZE}
    assert seen["after"] == {"rows": 5, "first": "l0004", "images": 5}
    assert seen["page"] == f"page 2 of 2 ({count} lines)"
