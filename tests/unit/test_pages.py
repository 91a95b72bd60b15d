"""PAGE-XML / ALTO parsing and line cropping on the real fixtures (tests/fixtures/pages)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from trainer import pages
from trainer.tools import TesskitError

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "pages"
TRANSKRIBUS = FIXTURES / "transkribus" / "170025120000003,0074.xml"
ESCRIPTORIUM = FIXTURES / "escriptorium" / "0014.xml"
PAGE_2013 = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"
PAGE_2019 = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
ALTO_V4 = "http://www.loc.gov/standards/alto/ns-v4#"


def renamespaced(src: Path, dest_dir: Path, old: str, new: str) -> Path:
    """The real export with another schema version's namespace, its image beside it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / src.name
    dest.write_text(src.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    for image in src.parent.glob(src.stem + ".jpg"):
        shutil.copy(image, dest_dir)
    return dest


def test_transkribus_page_2013_lines_and_text() -> None:
    page = pages.read_page(TRANSKRIBUS)
    assert page.kind == "page"
    assert page.image == TRANSKRIBUS.with_suffix(".jpg")
    assert len(page.lines) == 44 and not page.skipped
    texts = [line.text for line in page.lines]
    assert "y salvedades alli expressadas; Y fue acetada;" in texts
    # Trailing spaces of the export are not part of the line.
    assert all(t == t.strip() and "  " not in t for t in texts)


@pytest.mark.parametrize("version", ["2019-07-15", "2017-07-15", "2010-03-19"])
def test_any_page_version_is_detected(tmp_path: Path, version: str) -> None:
    xml = renamespaced(TRANSKRIBUS, tmp_path, PAGE_2013, PAGE_2013.replace("2013-07-15", version))
    page = pages.read_page(xml)
    assert page.kind == "page" and len(page.lines) == 44


@pytest.mark.parametrize("version", ["v2", "v3", "v4"])
def test_escriptorium_alto_lines(tmp_path: Path, version: str) -> None:
    xml = renamespaced(ESCRIPTORIUM, tmp_path, ALTO_V4, ALTO_V4.replace("v4", version))
    page = pages.read_page(xml)
    assert page.kind == "alto"
    assert [(line.line_id, line.text) for line in page.lines] == [
        ("eSc_line_0e5809e0", "Ꝙesãsͥ"),
        ("eSc_line_d9c33ce2", "a9"),
    ]
    # Without --polygon the line is its HPOS/VPOS/WIDTH/HEIGHT box.
    assert page.lines[0].polygon == ((4, 41), (223, 41), (223, 51), (4, 51))


def test_alto_polygon_from_shape() -> None:
    page = pages.read_page(ESCRIPTORIUM, polygon=True)
    assert len(page.lines[0].polygon) > 4


def test_format_filter_skips_the_other_kind() -> None:
    page = pages.read_page(ESCRIPTORIUM, kind_wanted="page")
    assert not page.lines and page.skipped[0].reason == "alto, not page"


def test_missing_image_skips_every_line(tmp_path: Path) -> None:
    xml = tmp_path / TRANSKRIBUS.name
    shutil.copy(TRANSKRIBUS, xml)
    page = pages.read_page(xml)
    assert not page.lines and len(page.skipped) == 44
    assert page.skipped[0].reason.startswith("image missing: 170025120000003,0074.jpg")


def _page_with_line(tmp_path: Path, line_xml: str) -> Path:
    xml = tmp_path / "p.xml"
    xml.write_text(
        f'<PcGts xmlns="{PAGE_2019}"><Page imageFilename="p.png" imageWidth="60" '
        f'imageHeight="20"><TextRegion id="r"><TextLine id="l1">{line_xml}</TextLine>'
        "</TextRegion></Page></PcGts>",
        encoding="utf-8",
    )
    Image.new("L", (60, 20), 0).save(tmp_path / "p.png")
    return xml


def test_words_joined_when_line_has_no_text_equiv(tmp_path: Path) -> None:
    words = "".join(
        f'<Word id="w{i}"><Coords points="0,0 1,1"/><TextEquiv><Unicode>{w}</Unicode>'
        "</TextEquiv></Word>"
        for i, w in enumerate(["Kant", "1784"])
    )
    xml = _page_with_line(tmp_path, f'<Coords points="2,2 50,2 50,15 2,15"/>{words}')
    assert pages.read_page(xml).lines[0].text == "Kant 1784"


def test_textequiv_index_picks_the_indexed_variant(tmp_path: Path) -> None:
    equivs = (
        '<TextEquiv index="1"><Unicode>second</Unicode></TextEquiv>'
        '<TextEquiv index="0"><Unicode>first</Unicode></TextEquiv>'
    )
    xml = _page_with_line(tmp_path, f'<Coords points="2,2 50,2 50,15 2,15"/>{equivs}')
    assert pages.read_page(xml, index=0).lines[0].text == "first"
    assert pages.read_page(xml, index=1).lines[0].text == "second"
    assert pages.read_page(xml, index=2).skipped[0].reason == "no text"


@pytest.mark.parametrize("coords", ['<Coords points=""/>', '<Coords points="5,5 5,5"/>', ""])
def test_empty_or_degenerate_coords_skipped(tmp_path: Path, coords: str) -> None:
    xml = _page_with_line(tmp_path, f"{coords}<TextEquiv><Unicode>x</Unicode></TextEquiv>")
    page = pages.read_page(xml)
    assert not page.lines and page.skipped[0].reason == "empty or degenerate coordinates"


def test_polygon_mask_is_white_outside() -> None:
    image = Image.new("L", (40, 20), 0)
    triangle = ((0.0, 0.0), (39.0, 0.0), (0.0, 19.0))
    masked = pages.crop_line(image, triangle, polygon=True)
    boxed = pages.crop_line(image, triangle)
    assert masked is not None and boxed is not None
    assert masked.size == boxed.size == (40, 20)
    assert masked.getpixel((39, 19)) == 255 and masked.getpixel((1, 1)) == 0
    assert boxed.getpixel((39, 19)) == 0


def test_padding_is_clipped_to_the_page() -> None:
    image = Image.new("L", (40, 20), 0)
    crop = pages.crop_line(image, ((2.0, 2.0), (10.0, 8.0)), padding=5)
    assert crop is not None and crop.size == (16, 14)


XXE = """<?xml version="1.0"?>
<!DOCTYPE PcGts [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<PcGts xmlns="{ns}"><Page imageFilename="p.png"><TextRegion id="r"><TextLine id="l">
<Coords points="0,0 9,9"/><TextEquiv><Unicode>&xxe;</Unicode></TextEquiv>
</TextLine></TextRegion></Page></PcGts>
"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<PcGts xmlns="{ns}"><Page imageFilename="p.png"><TextRegion id="r"><TextLine id="l">
<Coords points="0,0 9,9"/><TextEquiv><Unicode>&lol3;</Unicode></TextEquiv>
</TextLine></TextRegion></Page></PcGts>
"""


@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "billion-laughs"])
def test_dtd_and_entities_refused(tmp_path: Path, payload: str) -> None:
    xml = tmp_path / "evil.xml"
    xml.write_text(payload.format(ns=PAGE_2019), encoding="utf-8")
    with pytest.raises(TesskitError) as caught:
        pages.read_page(xml)
    assert "refused" in caught.value.message and "\n" not in caught.value.message


def test_not_well_formed_is_one_line(tmp_path: Path) -> None:
    xml = tmp_path / "broken.xml"
    xml.write_text(f'<PcGts xmlns="{PAGE_2019}"><Page>', encoding="utf-8")
    with pytest.raises(TesskitError, match="not well-formed XML"):
        pages.read_page(xml)


def test_safe_name() -> None:
    assert pages.safe_name("170025120000003,0074") == "170025120000003_0074"
    assert pages.safe_name("r1/l:2 x") == "r1_l_2_x"


def test_image_named_by_a_windows_path_is_found_beside_the_xml(tmp_path: Path) -> None:
    xml = tmp_path / ESCRIPTORIUM.name
    text = ESCRIPTORIUM.read_text(encoding="utf-8")
    xml.write_text(text.replace("<fileName>0014.jpg", r"<fileName>C:\scans\0014.jpg"), "utf-8")
    shutil.copy(ESCRIPTORIUM.with_suffix(".jpg"), tmp_path)
    assert pages.read_page(xml).image == tmp_path / "0014.jpg"


def test_unreadable_image_and_off_page_lines_are_skipped(tmp_path: Path) -> None:
    src = tmp_path / "src"
    renamespaced(ESCRIPTORIUM, src, ALTO_V4, ALTO_V4)
    off_page = src / "off.xml"
    off_page.write_text(
        ESCRIPTORIUM.read_text(encoding="utf-8").replace('HPOS="19"', 'HPOS="900"'), "utf-8"
    )
    result = pages.import_pages(src, tmp_path / "a")
    assert [s.reason for s in result.skipped] == ["coordinates off the image"]
    (src / "0014.jpg").write_bytes(b"not an image")
    result = pages.import_pages(src, tmp_path / "b")
    assert len(result.skipped) == 4 and "not a readable image" in result.skipped[0].reason


def test_page_2010_point_elements(tmp_path: Path) -> None:
    points = '<Coords><Point x="2" y="2"/><Point x="50" y="2"/><Point x="50" y="15"/></Coords>'
    xml = _page_with_line(tmp_path, f"{points}<TextEquiv><Unicode>old</Unicode></TextEquiv>")
    assert pages.read_page(xml).lines[0].polygon == ((2, 2), (50, 2), (50, 15))
    broken = _page_with_line(
        tmp_path, '<Coords><Point x="2"/></Coords><TextEquiv><Unicode>o</Unicode></TextEquiv>'
    )
    assert pages.read_page(broken).skipped[0].reason == "empty or degenerate coordinates"


def test_image_one_folder_up_as_in_ocrd_workspaces(tmp_path: Path) -> None:
    (tmp_path / "OCR-D-GT").mkdir()
    xml = tmp_path / "OCR-D-GT" / TRANSKRIBUS.name
    shutil.copy(TRANSKRIBUS, xml)
    shutil.copy(TRANSKRIBUS.with_suffix(".jpg"), tmp_path)
    assert pages.read_page(xml).image == tmp_path / TRANSKRIBUS.with_suffix(".jpg").name
