"""QR codes drawn as exact vector rectangles, and read back from a rendered PDF.

The payload (URL, error correction) is decided apart from the drawing: zxing-cpp's encoder builds
the symbol (it picks the mask by the standard's penalty rules, in C++), this module turns it into
PDF operators. segno, which makes the posters' SVG codes, spends 6.6 ms per code choosing the
mask in Python: a third of a store page's time; zxing-cpp takes 0.05 ms (README, Decisions).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import zxingcpp

from .pdfpage import single_page_pdf

QUIET_ZONE = 4
"""Light modules around the symbol, as ISO/IEC 18004 requires."""
LEVELS = "LMQH"


@dataclass(frozen=True)
class QrDrawing:
    ops: str
    modules: int
    """Modules across, quiet zone included."""
    box: tuple[float, float, float, float]
    """x, y, width, height in points, quiet zone included."""
    symbol: str
    """The symbol's operators in module units (quiet zone included): `ops` draws them scaled into `box`."""


@functools.lru_cache(maxsize=64)
def qr_matrix(url: str, error: str = "m") -> tuple[bytes, ...]:
    """The symbol's rows of modules (1 = dark, no quiet zone): the smallest version that holds
    `url` at `error`, at a higher level when that costs no size (free extra correction, as
    segno's `boost_error`). Cached: a store's banner and card share one code."""
    level = error.upper()
    image = _image(url, level)
    for higher in LEVELS[LEVELS.index(level) + 1:]:
        boosted = _image(url, higher)
        if boosted.shape != image.shape:
            break
        image = boosted
    height, width = image.shape
    modules = bytes(memoryview(image)).translate(_DARK)  # type: ignore[arg-type]  # 0 dark, 255 light
    return tuple(modules[y * width:(y + 1) * width] for y in range(height))


_DARK = bytes([1] + [0] * 255)
_RUN = re.compile(b"\x01+")


def _image(url: str, level: str) -> zxingcpp.Image:
    return zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=level).to_image(
        scale=1, add_quiet_zones=False)


@functools.lru_cache(maxsize=64)
def _symbol_ops(url: str, error: str) -> tuple[int, str]:
    """The dark modules as rectangles in module units, origin at the quiet zone's lower-left
    corner: one run of dark modules per rectangle (exact edges, a small content stream).
    The same for every size the code is printed at (a store's banner and card)."""
    matrix = qr_matrix(url, error)
    count = len(matrix) + 2 * QUIET_ZONE
    ops: list[str] = []
    for row_index, row in enumerate(matrix):
        y = count - QUIET_ZONE - row_index - 1
        ops.extend(f"{run.start() + QUIET_ZONE} {y} {run.end() - run.start()} 1 re"
                   for run in _RUN.finditer(row))
    return count, "\n".join(ops)


def draw_qr(url: str, x: float, y: float, size: float, error: str = "m",
            dark: str = "0 0 0", light: str = "1 1 1") -> QrDrawing:
    """Operators filling a `size`-point square at (x, y) (bottom-left) with the code of `url`,
    its quiet zone painted light so it reads on any background colour."""
    count, runs = _symbol_ops(url, error)
    module = size / count
    symbol = f"{light} rg 0 0 {count} {count} re f\n{dark} rg\n{runs}\nf"
    ops = f"q {module:.6f} 0 0 {module:.6f} {x:.3f} {y:.3f} cm\n{symbol} Q"
    return QrDrawing(ops, count, (x, y, size, size), symbol)


def decode_drawing(qr: QrDrawing, px_per_module: float) -> list[str]:
    """Decode a drawn code from its own operators, rendered alone.

    The composer draws the code last, quiet zone painted light: on the store's page the pixels
    of its box are these operators and nothing else, so this reads back exactly what prints,
    without parsing the whole page (which costs more than the rest of composing it). The
    operators are the symbol in module units under one scale-and-move: rendered at
    `px_per_module` it is the same image at any printed size, so a store's banner and card
    (one symbol, two sizes) are decoded once."""
    return _decode_symbol(qr.symbol, qr.modules, px_per_module)


@functools.lru_cache(maxsize=16)
def _decode_symbol(symbol: str, modules: int, px_per_module: float) -> list[str]:
    box = (0.0, 0.0, float(modules), float(modules))
    return decode_region(single_page_pdf(symbol, box), box, px_per_module, modules)


def decode_region(pdf: bytes, box: tuple[float, float, float, float], px_per_module: float,
                  modules: int, page_origin: tuple[float, float] = (0.0, 0.0)) -> list[str]:
    """Render only `box` of the PDF's first page and decode every QR code found in it.

    `box` is in the page's user space; `page_origin` is the lower-left corner of its MediaBox.
    """
    import pypdfium2 as pdfium
    import zxingcpp

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        x, y, w, h = box
        left, bottom = x - page_origin[0], y - page_origin[1]
        scale = px_per_module * modules / w
        crop = (left, bottom, width - left - w, height - bottom - h)
        image = page.render(scale=scale, crop=crop, grayscale=True).to_pil()
    finally:
        document.close()
    return [result.text for result in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))]
