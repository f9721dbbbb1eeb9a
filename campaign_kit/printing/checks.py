"""Checks every printed item passes before it is written: each QR code decodes back, from the
rendered page, to exactly its intended URL; every character has a glyph; nothing ran over."""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import pypdfium2 as pdfium
from PIL import Image

from ..errors import BuildError
from .fonts import FontTable
from .qr import PX_PER_MODULE, QrPayload, decode_image
from .render import Renderer, png_bytes, raster_pages

PX_PER_PT = 96 / 72
"""CSS pixels per point: a screen page's px sizes are its image's pixels."""


def check_qr_image(image: Image.Image, expected: Sequence[str], what: str) -> None:
    """The QR codes found in `image` are exactly `expected` (order aside)."""
    found = decode_image(image)
    if sorted(found) != sorted(expected):
        raise BuildError(f"{what}: QR code decodes to {found or 'nothing'}, expected {list(expected)}")


def check_qr_pdf(pdf: bytes, pages: Sequence[tuple[QrPayload, float]], what: Sequence[str]) -> None:
    """Page i carries one QR code: `pages[i]` = (payload, printed symbol width in mm)."""
    images = raster_pages(pdf, px_per_mm=_px_per_mm(pages))
    for (info, _), image, name in zip(pages, images, what, strict=True):
        check_qr_image(image, [info.url], name)


def _px_per_mm(pages: Sequence[tuple[QrPayload, float]]) -> float:
    # One resolution for the document: the one its smallest module needs.
    return max(PX_PER_MODULE * info.modules / symbol_mm for info, symbol_mm in pages)


def check_glyphs(fonts: FontTable, lang: str, texts: Iterable[str], what: str) -> None:
    missing = fonts.missing_glyphs(lang, texts)
    if missing:
        shown = ", ".join(f"{ch!r} U+{ord(ch):04X}" for ch in sorted(missing))
        raise BuildError(f"{what}: no font in templates/print/fonts.yml for {lang!r} has a glyph for {shown}")


def strings(value: object) -> Iterable[str]:
    """Every string in a template context (texts, lists of texts, nested mappings)."""
    if isinstance(value, str):
        if not value.startswith("data:"):
            yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from strings(v)
    elif hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            yield from strings(getattr(value, name))


def check_text_inside(pdf: bytes, inset_mm: float, what: Sequence[str]) -> None:
    """Every character of page i lies inside its trim box shrunk by `inset_mm` (0: the trim box
    itself, the safe margin for store items): nothing runs off the sheet or into a hem."""
    inset = inset_mm * 72 / 25.4 * 0.99  # a hair of tolerance for glyph bounding boxes
    doc = pdfium.PdfDocument(pdf)
    try:
        for page, name in zip(doc, what, strict=True):
            left, bottom, right, top = page.get_trimbox()
            textpage = page.get_textpage()
            for i in range(textpage.count_chars()):
                x0, b, r, t = textpage.get_charbox(i)
                if r - x0 <= 0 or (x0 >= left + inset and r <= right - inset
                                  and b >= bottom + inset and t <= top - inset):
                    continue
                ch = textpage.get_text_range(i, 1)
                if ch.strip():
                    raise BuildError(f"{name}: text runs outside the {'safe area' if inset else 'trim box'} "
                                     f"near {textpage.get_text_range(max(0, i - 10), 20)!r}")
    finally:
        doc.close()


def pixel_page(renderer: Renderer, html: str, what: str, size: tuple[int, int], urls: Sequence[str],
               check_text: Callable[[bytes], None]) -> bytes:
    """A screen-sized page (a screen image, a clip's card) as PNG, checked: its text by
    `check_text(pdf)`, one page of exactly `size` pixels, its QR codes read back as `urls`."""
    pdf = renderer.pdf(html, what, searchable=False)
    check_text(pdf)
    pages = list(raster_pages(pdf, px_per_mm=PX_PER_PT * 72 / 25.4, crop_to_trim=False))
    if len(pages) != 1:
        raise BuildError(f"{what}: the layout gave {len(pages)} pages (some text does not fit)")
    image = pages[0]
    if image.size != size:
        raise BuildError(f"{what}: rendered {image.size}, expected {size[0]}×{size[1]}")
    check_qr_image(image, urls, what)
    return png_bytes(image)
