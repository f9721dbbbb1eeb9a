"""Store items in two parts: a background laid out once, and slots filled for each store.

A template marks the places that change per store with `data-slot="name"` (or address, qr, url,
...): boxes of fixed size in the template's CSS. WeasyPrint lays the page out once with the slots
empty; their rectangles and computed style (font family and weight, line height, colour,
alignment, and for text fitted to the slot its `data-fit` rule and `data-max-lines`) are read
from its layout tree: the template is the one place the design's boxes are given. The planner
fits each store's text to those slots and each store's page is the background plus that text
set in the slots, wrapped by the same `printing.fit`, and a vector QR code: no layout engine
runs per store. Each line is drawn as glyph outlines and set again, at the same place, as
invisible text (`pdfpage.TextLayer`): a reader, `pdftotext` or a screen reader finds the store's
name, address and link, in the template's reading order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..printing.fit import FitRule, OutlineFont, wrap
from ..printing.qr import QrOperators, draw_operators
from ..words import lonely as lonely_line
from ..words import lonely_last_lines
from .pdfpage import Background, TextLayer

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
    css_size: float
    """The slot's CSS font size in points (for text drawn at the template's own size)."""
    line_height: float
    """Of the slot's CSS, as a multiple of the font size."""
    max_lines: int
    """`data-max-lines` (default 1)."""
    colour: tuple[float, float, float]
    align: str
    fit: FitRule | None = None
    """`data-fit="max min step"` (points): text the planner sizes for each store."""

    def inside(self, box: tuple[float, float, float, float]) -> bool:
        """Whether the slot lies within `box` (x0, y0, x1, y1)."""
        x0, y0, x1, y1 = box
        eps = 0.01
        return (self.x >= x0 - eps and self.y >= y0 - eps and self.x + self.width <= x1 + eps
                and self.y + self.height <= y1 + eps)


class SlotOverflow(Exception):
    """A store's text does not fit its slot at the size it was planned for."""

    def __init__(self, slot: str, text: str, size: float):
        self.slot, self.text, self.size = slot, text, size
        super().__init__(f"'{text}' does not fit its place ({slot}) at {size:g} pt")


@dataclass(frozen=True)
class StoreLayout:
    """One carrier's background for one format, and where each store's parts go."""

    background: Background
    slots: Mapping[str, Slot]
    text_sizes: Mapping[str, float] = field(default_factory=dict)
    """The largest size (points) of each text the background itself sets, by its element
    (`text_sizes`): what the store's name must outsize (`printing.stores.check_hierarchy`)."""

    def render(self, texts: Mapping[str, tuple[str, float]], qr_url: str, qr_size: float,
               qr_error: str = "M") -> tuple[bytes, QrOperators]:
        """The page for one store: `texts` maps a slot to (text, size in points); the QR code
        is `qr_size` points wide (quiet zone included), centred in the `qr` slot."""
        ops: list[str] = []
        layer = TextLayer()
        order = {name: n for n, name in enumerate(self.slots)}  # the template's: a reader's order
        for name, (text, size) in sorted(texts.items(), key=lambda entry: order[entry[0]]):
            if text:
                ops.append(set_text(self.slots[name], text, size, layer))
        slot = self.slots["qr"]
        if qr_size > min(slot.width, slot.height) + 0.01:
            raise SlotOverflow("qr", qr_url, qr_size)
        qr = draw_operators(qr_url, slot.x + (slot.width - qr_size) / 2,
                            slot.y + (slot.height - qr_size) / 2, qr_size, qr_error)
        ops.append(qr.ops)
        title = texts.get("name", ("", 0))[0]
        return self.background.compose("\n".join(ops), title=title, text=layer), qr


def set_text(slot: Slot, text: str, size: float, layer: TextLayer) -> str:
    """PDF operators that draw `text` at `size` points in `slot`, wrapped as the planner wrapped
    it (`printing.fit.wrap`), in the slot's colour and alignment, and set it again in `layer` as
    invisible text; `SlotOverflow` if it takes more lines or height than the slot has."""
    font = OutlineFont.load(slot.font_file, slot.font_number)
    lines = wrap(text, font, size, slot.width, slot.max_lines)
    leading = size * slot.line_height
    if lines is None or len(lines) > slot.max_lines or len(lines) * leading > slot.height + 0.01:
        raise SlotOverflow(slot.name, text, size)
    # CSS puts each line's glyphs in the middle of its line box; the block sits at the slot's
    # vertical centre, which is where WeasyPrint would put the same text in a flex box.
    content = (font.ascender - font.descender) / font.units_per_em * size
    top = slot.y + slot.height - (slot.height - len(lines) * leading) / 2
    baseline = top - (leading - content) / 2 - font.ascender / font.units_per_em * size
    r, g, b = slot.colour
    parts = [f"{r:.4f} {g:.4f} {b:.4f} rg"]
    for line in lines:
        width = font.width(line, size)
        x = {"left": slot.x, "start": slot.x, "right": slot.x + slot.width - width,
             "end": slot.x + slot.width - width}.get(slot.align, slot.x + (slot.width - width) / 2)
        parts.append(font.draw(line, x, baseline, size))
        parts.append(layer.show(font, line, size, x, baseline))
        baseline -= leading
    return "\n".join(parts)


FontResolver = Callable[[tuple[str, ...], int], tuple[str, int]]
"""(CSS font families, weight) -> (font file, index in a collection)."""


def layout_from_document(document: Any, pdf: bytes, resolve_font: FontResolver) -> StoreLayout:
    """Read the slots of a rendered WeasyPrint document (first page) and keep its PDF as the
    background. `document` is `weasyprint.HTML(...).render(...)`, `pdf` its `write_pdf()`."""
    return StoreLayout(Background.from_pdf(pdf), read_slots(document, resolve_font))


def read_slots(document: Any, resolve_font: FontResolver) -> dict[str, Slot]:
    """The slots of a rendered WeasyPrint document's first page; a slot whose content (text the
    template itself sets in it) is taller than its box is refused, and so is a heading of the
    background, or a text set in a slot (the title), whose last line is one word alone
    (`words.lonely_last_lines`, `words.lonely`)."""
    page = document.pages[0]
    page_height = page.height  # CSS px, trim box
    slots: dict[str, Slot] = {}
    lang = ""
    for box in _boxes(page._page_box):
        element: Any = getattr(box, "element", None)
        lang = lang or (element.get("lang", "") if element is not None else "")
        name = element.get("data-slot") if element is not None else None
        if not name or name in slots:
            continue
        if sum(child.margin_height() for child in getattr(box, "children", ())) > box.height + 0.5:
            raise ValueError(f"the text in slot {name!r} runs over its box")
        lines = [line for line in map(_line_text, _line_boxes(box)) if line.strip()]
        if len(lines) > 1 and lonely_line(lines[-1], lang):  # the title, set in its slot (a flex box)
            raise ValueError(f"slot {name!r} ({lang}): last line {lines[-1].strip()!r} is one word alone "
                             f"({' | '.join(lines)}): keep its last two words together (the `heading` filter)")
        style = box.style
        file, number = resolve_font(tuple(style["font_family"]), int(style["font_weight"]))
        red, green, blue = (float(c) for c in style["color"].to("srgb").coordinates)
        max_lines = int(element.get("data-max-lines", "1"))
        slots[name] = Slot(
            name=name, x=box.content_box_x() * PX_TO_PT,
            y=(page_height - box.content_box_y() - box.height) * PX_TO_PT,
            width=box.width * PX_TO_PT, height=box.height * PX_TO_PT,
            font_file=file, font_number=number, css_size=style["font_size"] * PX_TO_PT,
            line_height=_line_height(style),
            max_lines=max_lines, colour=(red, green, blue), align=str(style["text_align_all"]),
            fit=_fit_rule(name, element.get("data-fit"), max_lines))
    if "qr" not in slots:
        raise ValueError("a store template needs an element with data-slot=\"qr\"")
    lonely = lonely_last_lines(document)  # the title, subtitle and steps the background sets
    if lonely:
        raise ValueError(f"{lonely[0]}: keep its last two words together (the `heading` filter) or reword it")
    return slots


WATERMARKS = frozenset({"sample-mark"})
"""Classes of marks laid over the page, not texts of its hierarchy (`text_sizes` leaves them out)."""


def text_sizes(document: Any) -> dict[str, float]:
    """The largest font size (points) of the text set in each element of a rendered WeasyPrint
    document's first page, by `tag.class` (watermarks left out: `WATERMARKS`)."""
    found: dict[str, float] = {}

    def walk(box: Any, what: str) -> None:
        box = getattr(box, "_box", box)
        element: Any = getattr(box, "element", None)
        if element is not None and getattr(box, "element_tag", None) is not None:
            classes = (element.get("class") or "").split()
            if WATERMARKS & set(classes):
                return
            if classes or not what:
                what = ".".join([element.tag, *sorted(classes)])
        text = getattr(box, "text", None)
        if isinstance(text, str) and text.strip():
            found[what] = max(found.get(what, 0.0), round(float(box.style["font_size"]) * PX_TO_PT, 2))
        for child in getattr(box, "children", ()):
            walk(child, what)

    walk(document.pages[0]._page_box, "")
    return found


def _fit_rule(slot: str, value: str | None, max_lines: int) -> FitRule | None:
    if value is None:
        return None
    try:
        largest, smallest, step = (float(v) for v in value.split())
    except ValueError:
        raise ValueError(f"slot {slot!r}: data-fit is 'max min step' in points, not {value!r}") from None
    if not 0 < smallest <= largest or step <= 0 or max_lines < 1:
        raise ValueError(f"slot {slot!r}: data-fit {value!r} (max lines {max_lines}) cannot fit anything")
    return FitRule(largest, smallest, max_lines, step)


def _boxes(box: Any) -> Any:
    """Every box of a layout tree, absolutely positioned ones included (WeasyPrint keeps those
    behind placeholders that `descendants()` does not open)."""
    box = getattr(box, "_box", box)
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def _line_boxes(box: Any) -> Any:
    return (b for b in _boxes(box) if type(b).__name__ == "LineBox")


def _line_text(box: Any) -> str:
    text = getattr(box, "text", None)
    return text if isinstance(text, str) else "".join(_line_text(child) for child in getattr(box, "children", ()))


def _line_height(style: Any) -> float:
    value = style["line_height"]
    if isinstance(value, (int, float)):
        return float(value)  # a plain number: a multiple of the font size
    if getattr(value, "unit", None) == "px":
        return float(value.value) / float(style["font_size"])
    return 1.2  # "normal"
