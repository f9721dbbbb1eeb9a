"""Printer's marks for every print file: crop marks at the trim corners and registration
targets outside the bleed, a slug line, and a banner's eyelet positions.

One implementation for both item families: `Marks` is made per format and page (its boxes and
the slug's font) and drawn by the composer (`compose.pdfpage`), which grows the MediaBox by
`ZONE_MM` beyond the BleedBox; TrimBox and BleedBox stay as designed. Marks are in the
registration colour (a Separation named All: every plate, as PDF/X expects of marks); the slug
is in K alone, set as text in an embedded subset of the slug font, so it can be searched
(`pdftotext` gives the store id). Its build id is a short hash of the file's own cache
key: a one-store edit changes that store's slug and no other file.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .fit import PT_PER_MM, OutlineFont

if TYPE_CHECKING:
    from ..compose.pdfpage import TextLayer
    from ..model import Format
    from .fonts import FontTable

Box = tuple[float, float, float, float]
"""x0, y0, x1, y1 in points."""

ZONE_MM = 13.0
"""The mark zone beyond the bleed box, on every side."""
GAP_MM = 2.0
"""From the bleed edge to where a crop mark starts: no mark reaches into the bleed."""
CROP_MM = 6.0
LINE_PT = 0.3
SLUG_PT = 6.0
TARGET_MM = 2.5
"""Radius of a registration target."""
REGISTRATION = "Reg"
"""The page's name for the registration colour space."""
REGISTRATION_SPACE = ("[/Separation /All /DeviceCMYK << /FunctionType 2 /Domain [0 1] /N 1 "
                      "/C0 [0 0 0 0] /C1 [1 1 1 1] >>]")
BUILD_ID_CHARS = 10


def build_id(key: str) -> str:
    """The slug's build id: the start of the file's own cache key (that key hashes every input
    of the file and nothing else)."""
    return key[:BUILD_ID_CHARS]


def eyelets_mm(fmt: Format) -> tuple[tuple[float, float], ...]:
    """Eyelet centres (mm from the trim's bottom-left corner): one at each corner, `eyelet_inset_mm`
    in from both edges, and the rest spread evenly along each edge at most `eyelet_spacing_mm`
    apart. None when the format has no eyelets."""
    if not fmt.eyelet_spacing_mm or not fmt.width_mm or not fmt.height_mm:
        return ()
    inset, spacing = fmt.eyelet_inset_mm, fmt.eyelet_spacing_mm
    found: dict[tuple[float, float], None] = {}

    def along(length: float) -> list[float]:
        span = length - 2 * inset
        count = max(1, math.ceil(round(span / spacing, 6)))
        return [round(inset + span * i / count, 3) for i in range(count + 1)]

    for x in along(fmt.width_mm):
        found[(x, inset)] = found[(x, round(fmt.height_mm - inset, 3))] = None
    for y in along(fmt.height_mm):
        found[(inset, y)] = found[(round(fmt.width_mm - inset, 3), y)] = None
    return tuple(sorted(found))


def slug_text(*parts: str | None) -> str:
    """The slug line: its parts that are given, in order."""
    return "  ·  ".join(p for p in parts if p)


def format_line(fmt: Format) -> str:
    """Trim size, bleed and (banners) hem and eyelets, as the slug says them."""
    assert fmt.width_mm and fmt.height_mm
    line = f"{_mm(fmt.width_mm)}×{_mm(fmt.height_mm)} mm, bleed {_mm(fmt.bleed_mm)} mm"
    if fmt.eyelet_spacing_mm:
        line += (f", hem {_mm(fmt.bleed_mm)} mm, eyelets at most {_mm(fmt.eyelet_spacing_mm)} mm apart, "
                 f"{_mm(fmt.eyelet_inset_mm)} mm in")
    return line


def _mm(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Marks:
    """The marks of one page: its trim and bleed boxes, the slug's font, the eyelets."""

    trim: Box
    bleed: Box
    font_file: str
    eyelets: tuple[tuple[float, float], ...] = ()
    """Eyelet centres in mm from the trim's bottom-left corner (`eyelets_mm`)."""

    @property
    def media_box(self) -> Box:
        z = ZONE_MM * PT_PER_MM
        x0, y0, x1, y1 = self.bleed
        return (x0 - z, y0 - z, x1 + z, y1 + z)

    def draw(self, slug: str, layer: TextLayer) -> str:
        """The page's marks and its slug line (set in `layer` as text too)."""
        return _fixed_ops(self) + "\n" + self._slug(slug, layer)

    def _slug(self, text: str, layer: TextLayer) -> str:
        if not text:
            return ""
        font = OutlineFont.load(self.font_file)
        missing = font.missing(text)
        if missing:
            text = "".join("?" if c in missing else c for c in text)
        x0, _, x1, _ = self.trim
        room = x1 - x0 - 2 * GAP_MM * PT_PER_MM  # between the bottom crop marks
        size = min(SLUG_PT, SLUG_PT * room / max(font.width(text, SLUG_PT), 1e-6))
        x = x0 + GAP_MM * PT_PER_MM
        baseline = self.bleed[1] - (GAP_MM + CROP_MM) * PT_PER_MM - size
        # Real text in an embedded subset (a batch's pages share it): outlines of a 150-character
        # line would be 95 KB of operators on every page.
        return "q 0 0 0 1 k\n" + layer.print_text(font, text, size, x, baseline) + "\nQ"


@functools.lru_cache(maxsize=64)
def _fixed_ops(marks: Marks) -> str:
    """Crop marks, registration targets and eyelet ticks: the same on every page of a format."""
    mm = PT_PER_MM
    tx0, ty0, tx1, ty1 = marks.trim
    bx0, by0, bx1, by1 = marks.bleed
    near, far = GAP_MM * mm, (GAP_MM + CROP_MM) * mm
    lines = []
    for x, side in ((tx0, -1), (tx1, 1)):  # horizontal marks at each trim corner, left and right
        edge = bx0 if side < 0 else bx1
        for y in (ty0, ty1):
            lines.append((edge + side * near, y, edge + side * far, y))
    for y, side in ((ty0, -1), (ty1, 1)):  # vertical marks, below and above
        edge = by0 if side < 0 else by1
        for x in (tx0, tx1):
            lines.append((x, edge + side * near, x, edge + side * far))
    middle = (GAP_MM + CROP_MM / 2) * mm
    centres = [((tx0 + tx1) / 2, by1 + middle), (bx0 - middle, (ty0 + ty1) / 2),
               (bx1 + middle, (ty0 + ty1) / 2)]  # top, left, right: the slug runs along the bottom
    r = TARGET_MM * mm
    for cx, cy in centres:
        lines += [(cx - 1.4 * r, cy, cx + 1.4 * r, cy), (cx, cy - 1.4 * r, cx, cy + 1.4 * r)]
    tick = 3 * mm
    for ex, ey in marks.eyelets:  # a tick pointing at each eyelet, from the nearest mark zone
        x, y = tx0 + ex * mm, ty0 + ey * mm
        if abs(y - ty0) < 1 or abs(y - ty1) < 1:
            edge, side = (by0, -1) if abs(y - ty0) < 1 else (by1, 1)
            if abs(x - tx0) > 1 and abs(x - tx1) > 1:
                lines.append((x, edge + side * near / 2, x, edge + side * (near / 2 + tick)))
        if abs(x - tx0) < 1 or abs(x - tx1) < 1:
            edge, side = (bx0, -1) if abs(x - tx0) < 1 else (bx1, 1)
            if abs(y - ty0) > 1 and abs(y - ty1) > 1:
                lines.append((edge + side * near / 2, y, edge + side * (near / 2 + tick), y))
    ops = [f"q /{REGISTRATION} CS 1 SCN {LINE_PT} w 0 J"]
    ops += [f"{_n(a)} {_n(b)} m {_n(c)} {_n(d)} l S" for a, b, c, d in lines]
    ops += [_circle(cx, cy, r) + " S" for cx, cy in centres]
    ops.append("Q")
    return "\n".join(ops)


def _circle(cx: float, cy: float, r: float) -> str:
    k = 0.5523 * r  # four Bézier quarter arcs
    return (f"{_n(cx + r)} {_n(cy)} m {_n(cx + r)} {_n(cy + k)} {_n(cx + k)} {_n(cy + r)} {_n(cx)} {_n(cy + r)} c "
            f"{_n(cx - k)} {_n(cy + r)} {_n(cx - r)} {_n(cy + k)} {_n(cx - r)} {_n(cy)} c "
            f"{_n(cx - r)} {_n(cy - k)} {_n(cx - k)} {_n(cy - r)} {_n(cx)} {_n(cy - r)} c "
            f"{_n(cx + k)} {_n(cy - r)} {_n(cx + r)} {_n(cy - k)} {_n(cx + r)} {_n(cy)} c h")


def _n(value: float) -> str:
    return f"{value:.2f}"


def slug_font(fonts: FontTable) -> str:
    """The slug's font: the default language's regular face (slugs name formats in Vietnamese)."""
    return fonts.files("vi")[0]


def for_page(trim: Box, bleed: Box, fmt: Format, font_file: str) -> Marks:
    return Marks(trim=trim, bleed=bleed, font_file=font_file, eyelets=eyelets_mm(fmt))


def with_marks(pdf: bytes, fmt: Format, font_file: str, slug: str, build: str) -> bytes:
    """A WeasyPrint PDF/X-4 file with marks and a slug on every page, outside the bleed: its
    pages become forms on pages grown by the mark zone (`compose.pdfpage`), boxes, output
    intent, dates and title kept; XMP and Info written as for store items."""
    from ..compose.pdfpage import Background, compose_pages

    pages = [(replace(bg, marks=for_page(bg.trim_box, bg.bleed_box, fmt, font_file), slug=slug,
                      build_id=build), "") for bg in Background.pages_of(pdf)]
    return compose_pages(pages)
