"""QR codes, one stack for every printed item: the payload (which URL, which error correction,
which version), its matrix of modules, two writers of that matrix (an SVG image for the HTML
templates, PDF operators for the store pages drawn by `compose`) and the read-back.

zxing-cpp encodes (it picks the mask by the standard's penalty rules, in C++: 0.05 ms a code,
where segno takes 6.6 ms choosing it in Python; README, Decisions). Both writers draw the same
runs of dark modules as exact rectangles, inside one quiet zone.

How big a code prints (issue 16) follows from one model of the phone that reads it. A phone
decodes its camera's preview stream: `PREVIEW_PX` = 1920 pixels across a field of view of
`PREVIEW_FOV_DEG` = 65 degrees (the 1080p stream's long side; held upright that side is vertical,
the same pixels per degree), so from d metres one printed millimetre covers 1507 / (1000 d)
preview pixels (1.88 at 0.8 m, 0.30 at 5 m). zbar, the weaker of two decoders, reads every frame
once a module covers 3 preview pixels, with the field's blur (sigma 0.3 module), the sheet
tilted 15-20 degrees and turned, sensor noise and JPEG; 92-95% at 2.5-2.75, 60% at 2.25, 5% at
2, where sharp and facing it needs only 2 (zxing-cpp: every field frame from 2.5;
`benchmarks/qr_field.py --sweep`). A code asks for `PREVIEW_PX_PER_MODULE` = 4, a third more:
every format's code then reads in 99% of frames from a third further than its stated distance
and 95% from 1.6 times (`benchmarks/qr_field.py`). So the module is 4 d / 1.507 mm, rounded up
to 0.1 mm (`min_module_mm`), and the symbol is its version's modules of that size plus the
quiet zone (`printed_size_mm`): a longer link prints larger with the same modules, where the
10:1 rule (symbol = d / 10) gave it smaller ones. `tests/test_qr_field.py` photographs every
format's code so and decodes it with zbar and zxing-cpp.
"""

from __future__ import annotations

import base64
import functools
import math
import re
from dataclasses import dataclass, replace
from typing import Iterator, Literal

import zxingcpp
from PIL import Image

from ..compose.pdfpage import single_page_pdf

QUIET_ZONE = 4
"""Light modules around the symbol, as ISO/IEC 18004 asks."""
LEVELS = "LMQH"
PX_PER_MODULE = 6
"""Render resolution for the build's decode-back: a clean, facing render (what a phone sees at
the viewing distance is the model above, 4 blurred and tilted pixels a module)."""
PREVIEW_PX = 1920
"""Pixels across the long side of the phone's preview stream (1080p), the frames it decodes."""
PREVIEW_FOV_DEG = 65.0
"""The camera's field of view across that side (a main camera of about 26 mm equivalent)."""
PREVIEW_PX_PER_MODULE = 4.0
"""Preview pixels a module covers at the viewing distance: zbar reads every frame from 3 under
the field test's blur and tilt (`benchmarks/qr_field.py --sweep`), and a third more is the margin."""
ROOM_VERSION = 6
"""The largest version a store card's box makes room for: a go link of up to 74 characters at
level Q (today's are 49-58, version 5). Version 7 would take 6.4 mm more of an A5 card that has
none to spare; a longer link fails the build, naming the format."""

ErrorLevel = Literal["L", "M", "Q", "H"]
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class QrPayload:
    url: str
    error: str
    """The level actually used: at least the one asked for (raised when it costs no size)."""
    version: int
    modules: int
    """Modules across the symbol, without the quiet zone."""

    @property
    def modules_with_quiet_zone(self) -> int:
        return self.modules + 2 * QUIET_ZONE


@dataclass(frozen=True)
class QrCode:
    payload: QrPayload
    rows: tuple[bytes, ...]
    """The symbol's rows of modules, 1 = dark, no quiet zone."""
    pdf_runs: str
    """`runs` as PDF rectangles (y up): the same for every size the code is printed at."""

    def runs(self) -> Iterator[tuple[int, int, int]]:
        """Each run of dark modules in a row: (x, y from the top, length) in modules, quiet zone
        included. What both writers draw, one rectangle a run (exact edges, little to write)."""
        for y, row in enumerate(self.rows):
            for run in _RUN.finditer(row):
                yield run.start() + QUIET_ZONE, y + QUIET_ZONE, run.end() - run.start()


def payload(url: str, error: str = "M") -> tuple[QrPayload, tuple[bytes, ...]]:
    """The code for `url` and its rows of modules."""
    code = encode(url, error)
    return code.payload, code.rows


@functools.lru_cache(maxsize=64)  # pure; a store's banner and card carry one code, encoded once
def encode(url: str, error: str = "M") -> QrCode:
    """The smallest version that holds `url` at `error`, at a higher level when that costs no size
    (free extra correction)."""
    level = error.upper()
    image, used = _image(url, level), level
    for higher in LEVELS[LEVELS.index(level) + 1:]:
        boosted = _image(url, higher)
        if boosted.shape != image.shape:
            break
        image, used = boosted, higher
    height, width = image.shape
    modules = bytes(memoryview(image)).translate(_DARK)  # type: ignore[arg-type]  # 0 dark, 255 light
    rows = tuple(modules[y * width:(y + 1) * width] for y in range(height))
    code = QrCode(QrPayload(url=url, error=used, version=(width - 17) // 4, modules=width), rows, "")
    top = width + 2 * QUIET_ZONE - 1
    return replace(code, pdf_runs="\n".join(f"{x} {top - y} {w} 1 re" for x, y, w in code.runs()))


_DARK = bytes([1] + [0] * 255)
_RUN = re.compile(b"\x01+")


def _image(url: str, level: str) -> zxingcpp.Image:
    return zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level=level).to_image(
        scale=1, add_quiet_zones=False)


@dataclass(frozen=True)
class QrDrawing:
    """A code as an SVG image, for a template's `<img>`."""

    payload: QrPayload
    size_mm: float
    """The printed width including the quiet zone."""
    symbol_mm: float
    """The printed width of the symbol alone, without the quiet zone."""
    data_uri: str
    """An SVG (one path, no raster)."""

    @property
    def short_url(self) -> str:
        return short_url(self.payload.url)


def draw(url: str, module_mm: float, error: ErrorLevel = "M", dark: str = "#000000",
         light: str = "#ffffff") -> QrDrawing:
    """A vector QR code of `module_mm` modules (`min_module_mm` of the viewing distance), `dark`
    on a `light` quiet zone (CSS colours: a print variant gives `device-cmyk(...)`)."""
    code = encode(url, error)
    count = code.payload.modules_with_quiet_zone
    path = "".join(f"M{x} {y}h{w}v1h-{w}z" for x, y, w in code.runs())
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {count} {count}">'
           f'<path fill="{light}" d="M0 0h{count}v{count}h-{count}z"/>'
           f'<path fill="{dark}" stroke="none" d="{path}"/></svg>')
    return QrDrawing(payload=code.payload, size_mm=printed_size_mm(code.payload.modules, module_mm),
                     symbol_mm=round(module_mm * code.payload.modules, 2),
                     data_uri="data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii"))


@dataclass(frozen=True)
class QrOperators:
    """A code as PDF operators, for a page composed without a layout engine."""

    ops: str
    modules: int
    """Modules across, quiet zone included."""
    box: Box
    """x, y, width, height in points, quiet zone included."""
    symbol: str
    """The symbol's operators in module units (quiet zone included): `ops` draws them scaled into `box`."""


def draw_operators(url: str, x: float, y: float, size: float, error: str = "M",
                   dark: str = "0 0 0", light: str = "1 1 1") -> QrOperators:
    """Operators filling a `size`-point square at (x, y) (bottom-left) with the code of `url`,
    its quiet zone painted light so it reads on any background colour."""
    code = encode(url, error)
    count = code.payload.modules_with_quiet_zone
    module = size / count
    symbol = f"{light} rg 0 0 {count} {count} re f\n{dark} rg\n{code.pdf_runs}\nf"
    ops = f"q {module:.6f} 0 0 {module:.6f} {x:.3f} {y:.3f} cm\n{symbol} Q"
    return QrOperators(ops, count, (x, y, size, size), symbol)


def preview_focal_px() -> float:
    """The preview stream's focal length in pixels: a length L at distance D covers L/D of it."""
    return PREVIEW_PX / 2 / math.tan(math.radians(PREVIEW_FOV_DEG / 2))


def preview_px_per_mm(viewing_distance_m: float) -> float:
    """Preview pixels one printed millimetre covers, seen face on from `viewing_distance_m`."""
    return preview_focal_px() / (viewing_distance_m * 1000)


def min_module_mm(viewing_distance_m: float) -> float:
    """The module size for a code read from `viewing_distance_m`: `PREVIEW_PX_PER_MODULE` preview
    pixels, rounded up to a tenth of a millimetre so modules fall on a clean grid."""
    exact = PREVIEW_PX_PER_MODULE / preview_px_per_mm(viewing_distance_m)
    return math.ceil(round(exact * 10, 6)) / 10  # round first: 2.0000000001 is 2.0, not 2.1


def printed_size_mm(modules: int, module_mm: float) -> float:
    """The printed width, quiet zone included, of a symbol `modules` wide."""
    return round(module_mm * (modules + 2 * QUIET_ZONE), 2)


def room_mm(module_mm: float) -> float:
    """The box that holds a store's code at this module size, whatever its link: the code of
    `ROOM_VERSION`, the largest a go link takes."""
    return printed_size_mm(17 + 4 * ROOM_VERSION, module_mm)


def short_url(url: str) -> str:
    """The URL as printed under the code: without the scheme and trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")


def decode_image(image: Image.Image) -> list[str]:
    """The text of every QR code found in `image`."""
    formats = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    return [result.text for result in zxingcpp.read_barcodes(image, formats=formats)]


def decode_drawing(qr: QrOperators, px_per_module: float) -> list[str]:
    """Decode a drawn code from its own operators, rendered alone.

    The composer draws the code last, quiet zone painted light: on the store's page the pixels
    of its box are these operators and nothing else, so this reads back exactly what prints,
    without parsing the whole page (which costs more than the rest of composing it). The
    operators are the symbol in module units under one scale-and-move: rendered at
    `px_per_module` it is the same image at any printed size."""
    return _decode_symbol(qr.symbol, qr.modules, px_per_module)


@functools.lru_cache(maxsize=16)  # pure; a store's banner and card (one symbol) are decoded once
def _decode_symbol(symbol: str, modules: int, px_per_module: float) -> list[str]:
    box = (0.0, 0.0, float(modules), float(modules))
    return decode_region(single_page_pdf(symbol, box), box, px_per_module, modules)


def decode_region(pdf: bytes, box: Box, px_per_module: float, modules: int,
                  page_origin: tuple[float, float] = (0.0, 0.0)) -> list[str]:
    """Render only `box` of the PDF's first page and decode every QR code found in it.

    `box` is in the page's user space; `page_origin` is the lower-left corner of its MediaBox."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        x, y, w, h = box
        left, bottom = x - page_origin[0], y - page_origin[1]
        crop = (left, bottom, width - left - w, height - bottom - h)
        image = page.render(scale=px_per_module * modules / w, crop=crop, grayscale=True).to_pil()
    finally:
        document.close()
    return decode_image(image)
