"""`tesskit dataset import` on real PAGE/ALTO exports, then the real tesseract on its output."""

from __future__ import annotations

import shutil
from pathlib import Path

from PIL import Image

from trainer.dataset import discover, validate
from trainer.lstmf import build_lstmf

from conftest import tesskit, tree_digest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"


def test_import_real_exports_then_lstmf(tmp_path: Path, float_tessdata: Path) -> None:
    before = tree_digest(FIXTURES)
    out = tmp_path / "gt"
    proc = tesskit("dataset", "import", str(FIXTURES), "--out", str(out), "--padding", "4")
    assert proc.returncode == 0, proc.stderr
    assert "46 lines from 2 pages" in proc.stdout
    samples, lonely_images, lonely_gts = discover(out)
    assert len(samples) == 46 and not lonely_images and not lonely_gts
    line = out / "transkribus" / "170025120000003_0074_line_1469098653078_465"
    assert (
        line.with_suffix(".gt.txt").read_text() == "y salvedades alli expressadas; Y fue acetada;\n"
    )
    with Image.open(line.with_suffix(".png")) as img:
        # Coords x 786..2432, y 313..372, plus 4 px padding on each side.
        assert img.size == (2432 - 786 + 1 + 8, 372 - 313 + 1 + 8)
    assert not validate(samples).errors
    lstmf = build_lstmf(samples, tmp_path / "cache", float_tessdata, jobs=2)
    assert len(lstmf) == 46 and all(p.stat().st_size > 0 for p in lstmf.values())
    assert tree_digest(FIXTURES) == before


def test_rerun_keeps_identical_files_and_refuses_different_ones(tmp_path: Path) -> None:
    out = tmp_path / "gt"
    assert tesskit("dataset", "import", str(FIXTURES), "--out", str(out)).returncode == 0
    first = tree_digest(out)
    again = tesskit("dataset", "import", str(FIXTURES), "--out", str(out))
    assert again.returncode == 0 and "0 files written, 92 already there" in again.stdout
    assert tree_digest(out) == first

    edited = out / "escriptorium" / "0014_eSc_line_d9c33ce2.gt.txt"
    edited.write_text("a hand correction\n", encoding="utf-8")
    (out / "transkribus" / "170025120000003_0074_line_1469098653078_465.png").unlink()
    edited_tree = tree_digest(out)
    refused = tesskit("dataset", "import", str(FIXTURES), "--out", str(out), "--polygon")
    assert refused.returncode == 2
    assert "already holds" in refused.stderr and "nothing was written" in refused.stderr
    assert tree_digest(out) == edited_tree  # not even the deleted image came back


def test_polygon_crops_differ_from_boxes(tmp_path: Path) -> None:
    boxes, polygons = tmp_path / "boxes", tmp_path / "polygons"
    assert tesskit("dataset", "import", str(FIXTURES), "--out", str(boxes)).returncode == 0
    proc = tesskit("dataset", "import", str(FIXTURES), "--out", str(polygons), "--polygon")
    assert proc.returncode == 0, proc.stderr
    name = "transkribus/170025120000003_0074_line_1469098653078_465.png"
    with Image.open(boxes / name) as box, Image.open(polygons / name) as poly:
        assert box.size == poly.size
        # The line polygon is a slanted quadrilateral: its top-right corner lies outside.
        assert poly.getpixel((poly.width - 1, 0)) == 255
        assert box.getpixel((box.width - 1, 0)) != 255


def test_skipped_lines_are_tabled(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(FIXTURES, pages)
    (pages / "escriptorium" / "0014.jpg").unlink()
    (pages / "mets.xml").write_text('<mets xmlns="http://www.loc.gov/METS/"/>', encoding="utf-8")
    proc = tesskit("dataset", "import", str(pages), "--out", str(tmp_path / "gt"))
    assert proc.returncode == 0, proc.stderr
    assert "3 skipped" in proc.stdout
    assert proc.stdout.count("image missing: 0014.jpg") == 2
    assert "not PAGE-XML or ALTO" in proc.stdout
    assert "44 lines from 2 pages" in proc.stdout


def test_entity_declarations_refused_in_one_line(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(FIXTURES, pages)
    evil = pages / "evil.xml"
    evil.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE alto [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        '<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Layout>&x;</Layout></alto>\n',
        encoding="utf-8",
    )
    out = tmp_path / "gt"
    proc = tesskit("dataset", "import", str(pages), "--out", str(out))
    assert proc.returncode == 2
    error = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(error) == 1 and "evil.xml: refused" in error[0]
    assert "Traceback" not in proc.stderr and "root:" not in proc.stderr
    assert not out.exists()


def test_out_inside_pages_refused(tmp_path: Path) -> None:
    pages = tmp_path / "pages"
    shutil.copytree(FIXTURES, pages)
    before = tree_digest(pages)
    proc = tesskit("dataset", "import", str(pages), "--out", str(pages / "gt"))
    assert proc.returncode == 2 and "overlaps the pages folder" in proc.stderr
    assert tree_digest(pages) == before
