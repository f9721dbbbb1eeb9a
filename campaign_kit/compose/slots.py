"""Store items in two parts: a background laid out once, and slots filled for each store.

A template marks the places that change per store with `data-slot="name"` (or address, qr, url,
...): empty boxes sized by the template's CSS. WeasyPrint lays the page out once with the slots
empty; their rectangles and computed style (font family and weight, size, colour, alignment)
are read from its layout tree. Each store's page is then the background plus text set in those
rectangles (shrunk to fit, then wrapped) and a vector QR code, with no layout engine per store.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from .fit import Fitted, fit_text
from .glyphs import OutlineFont
from .pdfpage import Background
from .qrcodes import QrDrawing, draw_qr

PX_TO_PT = 0.75


@dataclass(frozen=True)
class Slot:
    name: str
    x: float
    y: float
    """Bottom-left corner, in PDF points (trim box origin)."""
    width: float
    height: float
    font_file: str
    font_number: int
    max_size: float
    min_size: float
    """`data-min-size` in points: shrink no further, wrap instead (then fail)."""
    max_lines: int
    colour: tuple[float, float, float]
    align: str

    def spec(self) -> str:
        return repr(self)


class SlotOverflow(Exception):
    """A store's text does not fit its slot even at the minimum size, wrapped."""

    def __init__(self, slot: str, text: str, min_size: float):
        self.slot, self.text, self.min_size = slot, text, min_size
        super().__init__(f"does not fit its place on the page even at {min_size:g} pt on "
                         f"several lines ({len(text)} characters): shorten it")


@dataclass(frozen=True)
class StoreLayout:
    """One carrier's background for one format, and where each store's parts go."""

    background: Background
    slots: Mapping[str, Slot]

    @property
    def key(self) -> str:
        """Changes whenever anything but the store's own values would change the output."""
        h = hashlib.sha256(self.background.digest.encode())
        for name in sorted(self.slots):
            h.update(self.slots[name].spec().encode())
        return h.hexdigest()

    def render(self, values: Mapping[str, str], qr_url: str, qr_error: str = "m") -> tuple[bytes, QrDrawing]:
        """The page for one store: raises `SlotOverflow` naming the slot that does not fit."""
        ops: list[str] = []
        for name, slot in sorted(self.slots.items()):
            if name == "qr":
                continue
            text = values.get(name, "")
            if text:
                ops.append(_set_text(slot, text))
        qr_slot = self.slots["qr"]
        side = min(qr_slot.width, qr_slot.height)
        qr = draw_qr(qr_url, qr_slot.x + (qr_slot.width - side) / 2,
                     qr_slot.y + (qr_slot.height - side) / 2, side, qr_error)
        ops.append(qr.ops)
        return self.background.compose("\n".join(ops), title=values.get("name", "")), qr


def _set_text(slot: Slot, text: str) -> str:
    font = OutlineFont.load(slot.font_file, slot.font_number)
    fitted: Fitted | None = fit_text(text, font, slot.width, slot.height, slot.max_size, slot.min_size,
                                     max_lines=slot.max_lines)
    if fitted is None:
        raise SlotOverflow(slot.name, text, slot.min_size)
    block = len(fitted.lines) * fitted.line_height
    # Centre the block of lines vertically; the first baseline sits one ascent below its top.
    ascent = font.ascender / font.units_per_em * fitted.size
    top = slot.y + slot.height - (slot.height - block) / 2
    baseline = top - ascent - (fitted.line_height - fitted.size * (font.ascender - font.descender)
                               / font.units_per_em) / 2
    r, g, b = slot.colour
    parts = [f"{r:.4f} {g:.4f} {b:.4f} rg"]
    for line in fitted.lines:
        width = font.width(line, fitted.size)
        x = {"left": slot.x, "right": slot.x + slot.width - width}.get(
            slot.align, slot.x + (slot.width - width) / 2)
        parts.append(font.draw(line, x, baseline, fitted.size))
        baseline -= fitted.line_height
    return "\n".join(parts)


FontResolver = Callable[[tuple[str, ...], int], tuple[str, int]]
"""(CSS font families, weight) -> (font file, index in a collection)."""


def layout_from_document(document: Any, pdf: bytes, resolve_font: FontResolver) -> StoreLayout:
    """Read the slots of a rendered WeasyPrint document (first page) and keep its PDF as the
    background. `document` is `weasyprint.HTML(...).render(...)`, `pdf` its `write_pdf()`."""
    page = document.pages[0]
    page_height = page.height  # CSS px, trim box
    slots: dict[str, Slot] = {}
    for box in page._page_box.descendants():
        element = getattr(box, "element", None)
        name = element.get("data-slot") if element is not None else None
        if not name or name in slots:
            continue
        style = box.style
        size = style["font_size"] * PX_TO_PT
        file, number = resolve_font(tuple(style["font_family"]), int(style["font_weight"]))
        colour = style["color"].to("srgb").coordinates
        slots[name] = Slot(
            name=name, x=box.content_box_x() * PX_TO_PT,
            y=(page_height - box.content_box_y() - box.height) * PX_TO_PT,
            width=box.width * PX_TO_PT, height=box.height * PX_TO_PT,
            font_file=file, font_number=number, max_size=size,
            min_size=float(element.get("data-min-size", size * 0.5 / 1)),
            max_lines=int(element.get("data-max-lines", "2")),
            colour=tuple(float(c) for c in colour), align=str(style["text_align_all"]))
    if "qr" not in slots:
        raise ValueError("a store template needs an element with data-slot=\"qr\"")
    return StoreLayout(Background.from_pdf(pdf), slots)
