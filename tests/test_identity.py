"""The campaign's marks (issue 16, part 6): SVG files of materials/identity/ are data. Every
hostile construct is named with file, line and element; what passes is inlined in the prints, is
part of their keys (an edited file re-renders the poster), draws in the poster and keeps the
PDF/X-4 twin free of RGB.

The print tests plan and render the A4 poster in Vietnamese with the print stage's own code
(`print_pdfs._general_item`: its memo key and HTML), from a copy of materials/.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from campaign_kit.identity import FILES, MAX_BYTES, read_svg, sanitize
from campaign_kit.materials import load_project
from campaign_kit.memo import Key, Memo
from campaign_kit.printing.pdfx import problems as pdfx_problems
from campaign_kit.printing.render import Renderer
from campaign_kit.stages.print_pdfs import PDFX, _general_item

from .conftest import MATERIALS, problems

HEAD = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 48 48">'
GOOD = HEAD + '<title>ok</title><g fill="none" stroke="currentColor"><path d="M1 1H47"/></g></svg>'


def found(svg: str) -> list[str]:
    mark, problems = sanitize(svg.encode(), "x.svg", "m")
    assert (mark is None) == bool(problems)
    return [str(p) for p in problems]


def test_the_bundled_marks_pass_and_are_written_out_again() -> None:
    for name in FILES:
        mark, problems = read_svg(MATERIALS / "identity" / name, name, "m")
        assert problems == [] and mark is not None, name
        assert "<path" in mark.body or "<rect" in mark.body, name
        assert "<title" not in mark.body and "<!--" not in mark.body and mark.body.isascii(), name
    text = (MATERIALS / "identity" / "app-icon.svg").read_text(encoding="utf-8")
    readme = (MATERIALS / "identity" / "README.md").read_text(encoding="utf-8")
    assert "PLACEHOLDER" in text and "NOT the Bluezone logo" in text and "not the Bluezone logo" in readme
    assert "PLACEHOLDER" in (MATERIALS / "identity" / "department-mark.svg").read_text(encoding="utf-8")


def test_a_good_file_is_inlined_in_the_colour_given() -> None:
    mark, problems = sanitize(GOOD.encode(), "x.svg", "scan")
    assert problems == [] and mark is not None
    html = mark.inline("device-cmyk(0.96 0.65 0 0)", "step-pictogram")
    assert html == ('<svg xmlns="http://www.w3.org/2000/svg" class="mark mark-scan step-pictogram" '
                    'viewBox="0 0 48 48" color="device-cmyk(0.96 0.65 0 0)" aria-hidden="true">'
                    '<g fill="none" stroke="currentColor"><path d="M1 1H47"></path></g></svg>')
    with pytest.raises(ValueError):
        mark.inline('red" onload="alert(1)')
    ids, _ = sanitize((HEAD + '<g id="a"><path id="b" d="M0 0"/></g></svg>').encode(), "x.svg", "scan")
    assert ids is not None and 'id="scan-a"' in ids.body and 'id="scan-b"' in ids.body  # one page, five marks


HOSTILE = [
    (HEAD + "<script>alert(1)</script></svg>",
     ["x.svg, line 1, <script>: a script is not allowed (a mark is a drawing)"]),
    (HEAD.replace(">", ' onload="alert(1)">', 1) + "</svg>",
     ["x.svg, line 1, <svg> onload: 'onload=' is an event handler (it runs script): not allowed"]),
    (HEAD + '\n<path d="M0 0" onclick="x()"/></svg>',
     ["x.svg, line 2, <path> onclick: 'onclick=' is an event handler (it runs script): not allowed"]),
    (HEAD.replace("<svg ", '<svg xmlns:xlink="http://www.w3.org/1999/xlink" ')
     + '<path d="M0 0" xlink:href="https://evil.example/x.svg"/></svg>',
     ["x.svg, line 1, <path> xlink:href: external reference 'https://evil.example/x.svg': only a local '#id' "
      "is allowed"]),
    (HEAD + '<image href="file:///etc/passwd"/></svg>',
     ["x.svg, line 1, <image>: not an allowed element (allowed: svg, g, path, circle, rect, ellipse, line, "
      "polyline, polygon, title, desc; save it as plain SVG)",
      "x.svg, line 1, <image> href: external reference 'file:///etc/passwd': only a local '#id' is allowed"]),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n'
     + HEAD + "<title>&lol2;</title></svg>",
     ["x.svg, line 2, DOCTYPE: a DOCTYPE is not allowed (its entities can expand or read files): remove it"]),
    ('<?xml version="1.0"?>\n<!DOCTYPE svg SYSTEM "http://evil.example/x.dtd">\n' + HEAD + "</svg>",
     ["x.svg, line 2, DOCTYPE: a DOCTYPE is not allowed (its entities can expand or read files): remove it"]),
    (HEAD + "<title>&ext;</title></svg>",
     ["x.svg, line 1: not well-formed XML: undefined entity"]),
    (HEAD + '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">hi</div></foreignObject></svg>',
     ["x.svg, line 1, <foreignObject>: <foreignObject> embeds HTML: not allowed",
      "x.svg, line 1, <{http://www.w3.org/1999/xhtml}div>: not an allowed element (allowed: svg, g, path, "
      "circle, rect, ellipse, line, polyline, polygon, title, desc; save it as plain SVG)"]),
    (HEAD + '<path d="M0 0" style="fill:url(https://evil.example/)"/></svg>',
     ["x.svg, line 1, <path> style: style= is not allowed: use presentation attributes (fill=, stroke=, "
      "stroke-width=)"]),
    (HEAD + '<path d="M0 0" fill="#ff0000"/><path d="M0 0" fill="url(#g)"/></svg>',
     ["x.svg, line 1, <path> fill: '#ff0000': only currentColor or none (the prints colour a mark, in RGB or in "
      "CMYK for the press)",
      "x.svg, line 1, <path> fill: 'url(#g)': only currentColor or none (the prints colour a mark, in RGB or in "
      "CMYK for the press)"]),
    (HEAD + '<path d="javascript:alert(1)" transform="url(x)"/></svg>',
     ["x.svg, line 1, <path> d: 'javascript:alert(1)' is not a valid d value",
      "x.svg, line 1, <path> transform: 'url(x)' is not a valid transform value"]),
    ('<?xml-stylesheet href="https://evil.example/x.css"?>' + GOOD,
     ["x.svg, line 1, <?xml-stylesheet?>: a processing instruction is not allowed (a stylesheet is not read)"]),
    (HEAD + "<text>Sở</text></svg>",
     ["x.svg, line 1, <text>: text is not allowed in a mark (its font is not the print's): convert it to paths"]),
    (HEAD + "<g>Sở</g></svg>",
     ["x.svg, line 1, <g>: text outside <title> and <desc> is not allowed: convert it to paths"]),
    ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0 0"/></svg>',
     ['x.svg, line 1, <svg>: no viewBox: the prints size a mark by it (viewBox="0 0 48 48")']),
    ('<html/>', ["x.svg, line 1, <html>: the root element must be <svg>"]),
    (HEAD + "<path d='M0 0'>", ["x.svg, line 1: not well-formed XML: no element found"]),
    (HEAD + "<g>" * 40 + "</g>" * 40 + "</svg>", ["x.svg, line 1, <g>: nested deeper than 32 elements"]),
]


@pytest.mark.parametrize("svg, expected", HOSTILE, ids=[
    "script", "onload", "onclick", "external-href", "image", "entities", "external-dtd", "undefined-entity",
    "foreignObject", "style", "fixed-colour", "bad-values", "stylesheet", "text", "loose-text", "no-viewbox", "root",
    "not-xml", "depth"])
def test_every_hostile_construct_is_named(svg: str, expected: list[str]) -> None:
    assert found(svg) == expected


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "scan.svg"
    path.write_bytes(GOOD.encode() + b" " * (MAX_BYTES + 1 - len(GOOD)))
    mark, problems = read_svg(path, "materials/identity/scan.svg", "scan")
    assert mark is None and [str(p) for p in problems] == [
        "materials/identity/scan.svg: 100,001 bytes: at most 100,000 are allowed (simplify the drawing, or save "
        "it as plain SVG)"]


def test_check_reports_them_with_the_other_problems(materials: Path) -> None:
    scan = materials / "identity" / "scan.svg"
    lines = scan.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if "<title>" in line)
    lines.insert(at + 1, '  <script>fetch("https://evil.example/")</script>')
    scan.write_text("\n".join(lines), encoding="utf-8")
    (materials / "identity" / "logo.svg").write_text(GOOD, encoding="utf-8")
    assert problems(materials) == [
        f"materials/identity/logo.svg: unknown identity file (known: {', '.join(FILES)})",
        f"materials/identity/scan.svg, line {at + 2}, <script>: a script is not allowed (a mark is a drawing)"]


def test_a_kit_has_its_own_department_mark(materials: Path) -> None:
    own = materials / "kits" / "lang-son" / "identity"
    own.mkdir()
    (own / "department-mark.svg").write_text(GOOD, encoding="utf-8")
    project = load_project(materials)
    assert project.identity.department_mark is not None
    assert project.identity.department_mark.body == '<g fill="none" stroke="currentColor"><path d="M1 1H47"></path></g>'
    assert project.identity.scan is not None and "<rect" in project.identity.scan.body  # the shared one


# --- in the prints ------------------------------------------------------------------------------

KIT = "binh-phuoc"
"""Its kit has the print profile: the poster comes with its PDF/X-4 twin."""


def _poster(materials: Path, cache: Path, variant: str | None = None) -> tuple[Key, bytes]:
    """The A4 poster in Vietnamese as the print stage plans it (its memo key) and renders it."""
    project = load_project(materials, kit=KIT)
    ctx = SimpleNamespace(project=project, memo=Memo(cache))
    renderer = Renderer()
    item = _general_item(ctx, renderer, "poster-a4", project.formats["poster-a4"], "vi", variant)  # type: ignore[arg-type]
    return item.key, renderer.pdf(item.html, item.rel, item.variant, item.spots)


def _path_objects(pdf: bytes) -> int:
    doc = pdfium.PdfDocument(pdf)
    try:
        return sum(1 for obj in doc[0].get_objects(max_depth=8) if obj.type == pdfium_c.FPDF_PAGEOBJ_PATH)
    finally:
        doc.close()


def _drawn(folder: Path) -> int:
    """The shapes the marks draw (each is one path object of the page)."""
    shapes = ("<path", "<rect", "<circle", "<ellipse", "<line", "<polyline", "<polygon")
    return sum(p.read_text(encoding="utf-8").count(s) for p in folder.glob("*.svg") for s in shapes)


def test_an_edited_mark_is_a_new_poster(materials: Path, tmp_path: Path) -> None:
    key, pdf = _poster(materials, tmp_path)
    assert _poster(materials, tmp_path)[0] == key  # the same files: the same key
    scan = materials / "identity" / "scan.svg"
    scan.write_text(scan.read_text(encoding="utf-8").replace('rx="4.5"', 'rx="6"'), encoding="utf-8")
    edited_key, edited = _poster(materials, tmp_path)
    assert edited_key != key and edited != pdf


def test_the_marks_draw_in_the_poster(materials: Path, tmp_path: Path) -> None:
    _, pdf = _poster(materials, tmp_path)
    drawn = _drawn(materials / "identity")
    shutil.rmtree(materials / "identity")  # no marks: the same poster less their shapes
    _, bare = _poster(materials, tmp_path)
    assert drawn > 30 and _path_objects(pdf) - _path_objects(bare) == drawn


def test_the_press_twin_paints_the_marks_in_cmyk(materials: Path, tmp_path: Path) -> None:
    _, twin = _poster(materials, tmp_path, PDFX)
    assert pdfx_problems(twin) == []  # no DeviceRGB anywhere, the marks drawn in it included
    drawn = _drawn(materials / "identity")
    shutil.rmtree(materials / "identity")
    _, bare = _poster(materials, tmp_path, PDFX)
    assert _path_objects(twin) - _path_objects(bare) == drawn
