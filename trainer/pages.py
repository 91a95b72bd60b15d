"""Line ground truth from page transcriptions: PAGE-XML (any schema version) and ALTO v2-v4.

Every ``TextLine`` of a page becomes ``PAGE_LINEID.png`` (its bounding box, or its polygon
with white outside) and ``PAGE_LINEID.gt.txt``. The XML is parsed with defusedxml and no DTD
at all (no external entities, no entity expansion, no network). The pages directory is only
read; outputs are written atomically, files already there with the same bytes are kept, and
an output directory holding *different* files under the same names is refused before
anything is written.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.etree.ElementTree import Element, ParseError

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from PIL import Image, ImageDraw, UnidentifiedImageError

from trainer.atomic import replacing
from trainer.tools import TesskitError

PAGE_NS = re.compile(r"^https?://schema\.primaresearch\.org/PAGE/gts/pagecontent/[\d-]+$")
ALTO_NS = re.compile(r"^https?://www\.loc\.gov/standards/alto/ns-v[234]#$")
FORMATS = ("auto", "page", "alto")
#: Characters kept in output names; anything else (":", "/", ",", spaces) becomes "_".
UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")

Point = tuple[float, float]


@dataclass(frozen=True)
class Line:
    line_id: str
    polygon: tuple[Point, ...]
    text: str


@dataclass(frozen=True)
class Skipped:
    source: Path
    line_id: str
    reason: str


@dataclass
class Page:
    """One parsed page: its XML, the image it names, its usable lines and what was skipped."""

    xml: Path
    kind: str
    image: Path | None
    lines: list[Line] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


@dataclass
class ImportResult:
    pages: int = 0
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# --- parsing --------------------------------------------------------------------------------


def parse_xml(path: Path) -> Element:
    """The root element, parsed without DTDs or entities; a one-line error otherwise."""
    try:
        return SafeET.parse(path, forbid_dtd=True).getroot()
    except DefusedXmlException as exc:
        raise TesskitError(
            f"{path}: refused: the XML declares a DTD or entities ({type(exc).__name__}); "
            "page exports never need them and they can read local files or exhaust memory",
            "re-export the page from its tool, or remove the <!DOCTYPE ...> block",
        ) from exc
    except ParseError as exc:
        raise TesskitError(f"{path}: not well-formed XML ({exc})") from exc


def namespace(element: Element) -> str:
    return element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""


def detect_kind(root: Element) -> str | None:
    """``page`` for a PAGE PcGts of any version, ``alto`` for ALTO v2-v4, else None."""
    ns, local = namespace(root), root.tag.rsplit("}", 1)[-1]
    if local == "PcGts" and PAGE_NS.match(ns):
        return "page"
    if local == "alto" and (ALTO_NS.match(ns) or ns == ""):
        return "alto"
    return None


def resolve_image(xml: Path, reference: str) -> Path | None:
    """The image a page names: beside the XML, one level up (OCR-D workspaces keep paths
    relative to the METS file), or by its bare name beside the XML (exports from another
    machine keep absolute paths)."""
    if not reference:
        return None
    parsed = urlparse(reference)
    name = unquote(parsed.path) if parsed.scheme in ("file", "http", "https") else reference
    bare = re.split(r"[\\/]", name)[-1]  # also C:\scans\p1.jpg from a Windows export
    candidates = [xml.parent / name, xml.parent.parent / name, xml.parent / bare]
    return next((c for c in candidates if c.is_file()), None)


def _points(text: str) -> tuple[Point, ...]:
    """``"x,y x,y"`` (PAGE) or ``"x y x y"`` (ALTO) -> points; malformed -> empty."""
    numbers = re.split(r"[\s,]+", text.strip())
    try:
        values = [float(n) for n in numbers if n]
    except ValueError:
        return ()
    if len(values) % 2:
        return ()
    return tuple(zip(values[::2], values[1::2]))


def _clean(text: str | None) -> str:
    """One line of text: whitespace runs (newlines included) become one space."""
    return " ".join((text or "").split())


def _page_text_equiv(element: Element, ns: str, index: int) -> str:
    """The element's own TextEquiv at ``index`` (the @index attribute, else the position)."""
    equivs = element.findall(f"{{{ns}}}TextEquiv")
    indexed = [e for e in equivs if e.get("index") is not None]
    if indexed:
        chosen = next((e for e in indexed if e.get("index") == str(index)), None)
    else:
        chosen = equivs[index] if 0 <= index < len(equivs) else None
    if chosen is None:
        return ""
    return _clean(chosen.findtext(f"{{{ns}}}Unicode"))


def _page_coords(element: Element, ns: str) -> tuple[Point, ...]:
    coords = element.find(f"{{{ns}}}Coords")
    if coords is None:
        return ()
    if coords.get("points"):
        return _points(coords.get("points", ""))
    # PAGE 2010 and older: <Coords><Point x= y=/></Coords>
    points = coords.findall(f"{{{ns}}}Point")
    return _points(" ".join(f"{p.get('x', '')},{p.get('y', '')}" for p in points))


def _page_lines(root: Element, index: int) -> Iterator[tuple[str, tuple[Point, ...], str]]:
    ns = namespace(root)
    for number, line in enumerate(root.iter(f"{{{ns}}}TextLine")):
        text = _page_text_equiv(line, ns, index)
        if not text:
            words = (_page_text_equiv(w, ns, index) for w in line.findall(f"{{{ns}}}Word"))
            text = " ".join(w for w in words if w)
        yield line.get("id") or f"line{number:04d}", _page_coords(line, ns), text


def _alto_text(line: Element, ns: str) -> str:
    """String CONTENTs joined by SP (a space is assumed between Strings without one)."""
    parts: list[str] = []
    for child in line:
        local = child.tag.rsplit("}", 1)[-1]
        if local == "SP":
            parts.append(" ")
        elif local in ("String", "HYP"):
            if parts and parts[-1] != " " and local == "String":
                parts.append(" ")
            parts.append(child.get("CONTENT", ""))
    return _clean("".join(parts))


def _alto_box(line: Element) -> tuple[Point, ...]:
    try:
        x, y = float(line.get("HPOS", "")), float(line.get("VPOS", ""))
        w, h = float(line.get("WIDTH", "")), float(line.get("HEIGHT", ""))
    except ValueError:
        return ()
    return ((x, y), (x + w, y), (x + w, y + h), (x, y + h))


def _alto_lines(root: Element, polygon: bool) -> Iterator[tuple[str, tuple[Point, ...], str]]:
    ns = namespace(root)
    prefix = f"{{{ns}}}" if ns else ""
    for number, line in enumerate(root.iter(f"{prefix}TextLine")):
        shape = line.find(f"{prefix}Shape/{prefix}Polygon")
        outline = _points(shape.get("POINTS", "")) if shape is not None else ()
        box = _alto_box(line)
        # The polygon when asked for; its bounding box when the line has no HPOS/VPOS/...
        points = outline if polygon and outline else (box or outline)
        yield line.get("ID") or f"line{number:04d}", points, _alto_text(line, ns)


def _alto_unit(root: Element) -> str:
    ns = namespace(root)
    prefix = f"{{{ns}}}" if ns else ""
    return (root.findtext(f"{prefix}Description/{prefix}MeasurementUnit") or "pixel").strip()


def read_page(xml: Path, kind_wanted: str = "auto", index: int = 0, polygon: bool = False) -> Page:
    """Parse one page file. Lines without text or coordinates are recorded as skipped."""
    root = parse_xml(xml)
    kind = detect_kind(root)
    if kind is None or kind_wanted not in ("auto", kind):
        reason = "not PAGE-XML or ALTO" if kind is None else f"{kind}, not {kind_wanted}"
        return Page(xml, "", None, skipped=[Skipped(xml, "", reason)])
    ns = namespace(root)
    prefix = f"{{{ns}}}" if ns else ""
    if kind == "page":
        element = root.find(f"{prefix}Page")
        reference = "" if element is None else element.get("imageFilename", "")
        raw_lines = list(_page_lines(root, index))
    else:
        reference = (
            root.findtext(f"{prefix}Description/{prefix}sourceImageInformation/{prefix}fileName")
            or ""
        )
        unit = _alto_unit(root)
        if unit != "pixel":
            reason = f"ALTO MeasurementUnit {unit} (only pixel is supported)"
            return Page(xml, kind, None, skipped=[Skipped(xml, "", reason)])
        raw_lines = list(_alto_lines(root, polygon))
    page = Page(xml, kind, resolve_image(xml, reference.strip()))
    for line_id, points, text in raw_lines:
        if not text:
            page.skipped.append(Skipped(xml, line_id, "no text"))
        elif len(set(points)) < 2:
            page.skipped.append(Skipped(xml, line_id, "empty or degenerate coordinates"))
        else:
            page.lines.append(Line(line_id, points, text))
    if page.image is None and page.lines:
        reason = f"image missing: {reference.strip() or '(no image named)'}"
        page.skipped += [Skipped(xml, line.line_id, reason) for line in page.lines]
        page.lines = []
    return page


# --- cropping -------------------------------------------------------------------------------


def crop_line(
    image: Image.Image, points: Sequence[Point], padding: int = 0, polygon: bool = False
) -> Image.Image | None:
    """The line's bounding box (plus padding, clipped to the page); with ``polygon``, pixels
    outside the polygon are white. None when nothing of it lies on the page."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    left = max(int(min(xs)) - padding, 0)
    top = max(int(min(ys)) - padding, 0)
    right = min(int(max(xs) + 0.999) + padding + 1, image.width)
    bottom = min(int(max(ys) + 0.999) + padding + 1, image.height)
    if right - left < 2 or bottom - top < 2:
        return None
    crop = image.crop((left, top, right, bottom))
    if not polygon or len(points) < 3:
        return crop
    mask = Image.new("L", crop.size, 0)
    ImageDraw.Draw(mask).polygon([(x - left, y - top) for x, y in points], fill=255)
    white = Image.new(crop.mode, crop.size, "white")
    white.paste(crop, mask=mask)
    return white


def _open_page_image(path: Path) -> Image.Image:
    try:
        with Image.open(path) as img:
            img.load()
            # 1-bit and palette images are cropped and masked in grey or colour.
            return img.convert("L" if img.mode in ("1", "L", "LA", "I;16", "I") else "RGB")
    except (UnidentifiedImageError, OSError) as exc:
        raise TesskitError(f"{path}: not a readable image ({exc})") from exc


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- import ---------------------------------------------------------------------------------


def find_page_files(pages_dir: Path) -> list[Path]:
    return sorted(p for p in pages_dir.rglob("*") if p.is_file() and p.suffix.lower() == ".xml")


def safe_name(text: str) -> str:
    return UNSAFE_NAME.sub("_", text).strip("._") or "x"


def _check_out_dir(pages_dir: Path, out_dir: Path) -> None:
    pages, out = pages_dir.resolve(), out_dir.resolve()
    if out == pages or pages in out.parents or out in pages.parents:
        raise TesskitError(
            f"--out {out_dir} overlaps the pages folder {pages_dir} (pages are never written to)",
            "pass an --out folder outside the pages folder, e.g. data/MODEL-ground-truth",
        )


@dataclass(frozen=True)
class _Target:
    page: Page
    line: Line
    stem: Path  # out_dir / relative dir / PAGE_LINEID


def _plan(
    pages: Sequence[Page], pages_dir: Path, out_dir: Path
) -> tuple[list[_Target], list[Skipped]]:
    targets: list[_Target] = []
    skipped: list[Skipped] = []
    seen: set[Path] = set()
    for page in pages:
        relative = page.xml.parent.relative_to(pages_dir)
        for line in page.lines:
            stem = out_dir / relative / f"{safe_name(page.xml.stem)}_{safe_name(line.line_id)}"
            if stem in seen:
                skipped.append(
                    Skipped(page.xml, line.line_id, f"duplicate output name {stem.name}")
                )
                continue
            seen.add(stem)
            targets.append(_Target(page, line, stem))
    return targets, skipped


def _render(target: _Target, image: Image.Image, padding: int, polygon: bool) -> bytes | None:
    crop = crop_line(image, target.line.polygon, padding, polygon)
    return None if crop is None else png_bytes(crop)


def _paths(target: _Target) -> tuple[Path, Path]:
    stem = target.stem
    return stem.with_name(stem.name + ".png"), stem.with_name(stem.name + ".gt.txt")


def _outputs(target: _Target, png: bytes) -> dict[Path, bytes]:
    image, gt = _paths(target)
    return {image: png, gt: (target.line.text + "\n").encode("utf-8")}


def _by_page(targets: Sequence[_Target]) -> Iterator[tuple[Page, list[_Target]]]:
    pages: dict[Path, list[_Target]] = {}
    for target in targets:
        pages.setdefault(target.page.xml, []).append(target)
    for group in pages.values():
        yield group[0].page, group


def _rendered(
    targets: Sequence[_Target], padding: int, polygon: bool, skipped: list[Skipped]
) -> Iterator[tuple[_Target, bytes]]:
    """Each target with its PNG, one page image in memory at a time; the lines of an
    unreadable image or off the page are added to ``skipped``."""
    for page, group in _by_page(targets):
        try:
            image = _open_page_image(page.image)  # type: ignore[arg-type]
        except TesskitError as exc:
            skipped += [Skipped(page.xml, t.line.line_id, exc.message) for t in group]
            continue
        for target in group:
            png = _render(target, image, padding, polygon)
            if png is None:
                skipped.append(Skipped(page.xml, target.line.line_id, "coordinates off the image"))
            else:
                yield target, png


def _refuse_conflicts(
    targets: Sequence[_Target], out_dir: Path, padding: int, polygon: bool
) -> None:
    """Lines whose outputs exist already must match byte for byte, or nothing is written."""
    existing = [t for t in targets if any(p.exists() for p in _paths(t))]
    conflicts = [
        path
        for target, png in _rendered(existing, padding, polygon, [])
        for path, data in _outputs(target, png).items()
        if path.exists() and path.read_bytes() != data
    ]
    if conflicts:
        listed = ", ".join(str(p) for p in conflicts[:5])
        raise TesskitError(
            f"{out_dir} already holds {len(conflicts)} different file(s) with the names this "
            f"import writes ({listed}); nothing was written",
            "import into an empty folder, or remove those files if they are stale",
        )


def import_pages(
    pages_dir: Path,
    out_dir: Path,
    kind: str = "auto",
    polygon: bool = False,
    textequiv_index: int = 0,
    padding: int = 0,
) -> ImportResult:
    """Crop every text line of every page below ``pages_dir`` into ``out_dir``."""
    if kind not in FORMATS:
        raise TesskitError(f"unknown format {kind!r}", f"use one of {', '.join(FORMATS)}")
    _check_out_dir(pages_dir, out_dir)
    pages = [read_page(x, kind, textequiv_index, polygon) for x in find_page_files(pages_dir)]
    result = ImportResult(pages=sum(1 for p in pages if p.kind))
    for page in pages:
        result.skipped += page.skipped
    targets, duplicates = _plan(pages, pages_dir, out_dir)
    result.skipped += duplicates
    _refuse_conflicts(targets, out_dir, padding, polygon)
    # Rendered again rather than kept: memory stays at one page image.
    for target, png in _rendered(targets, padding, polygon, result.skipped):
        _write_missing(_outputs(target, png), result)
    return result


def _write_missing(outputs: dict[Path, bytes], result: ImportResult) -> None:
    """Write each file atomically; files already there are identical (checked before)."""
    for path, data in outputs.items():
        if path.exists():
            result.unchanged.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        with replacing(path) as partial:
            partial.write_bytes(data)
        result.written.append(path)
