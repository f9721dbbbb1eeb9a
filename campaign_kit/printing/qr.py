"""QR codes: the payload (which URL, which error correction, which version) is decided apart
from drawing it (an SVG path sized in millimetres), like segno's helpers vs writers.

segno was chosen over qrcode by measurement: see the README (Decisions).
"""

from __future__ import annotations

import base64
import io
import math
from dataclasses import dataclass
from typing import Literal

import segno

QUIET_ZONE = 4
"""Light modules around the symbol, as ISO/IEC 18004 asks."""

ErrorLevel = Literal["L", "M", "Q", "H"]


@dataclass(frozen=True)
class QrPayload:
    url: str
    error: str
    """The level actually used: at least the one asked for (segno raises it when free)."""
    version: int
    modules: int
    """Modules across the symbol, without the quiet zone."""

    @property
    def modules_with_quiet_zone(self) -> int:
        return self.modules + 2 * QUIET_ZONE


def payload(url: str, error: ErrorLevel = "M") -> tuple[QrPayload, segno.QRCode]:
    """The code for `url`: the smallest version that holds it at `error` (or better, for free)."""
    code = segno.make_qr(url, error=error.lower(), boost_error=True)
    width = int(code.symbol_size(scale=1, border=0)[0])
    return QrPayload(url=url, error=code.error, version=int(code.version), modules=width), code


@dataclass(frozen=True)
class QrDrawing:
    payload: QrPayload
    size_mm: float
    """The printed width including the quiet zone."""
    symbol_mm: float
    """The printed width of the symbol alone (what the viewing-distance rule measures)."""
    data_uri: str
    """An SVG (one path, no raster) to put in an `<img>`."""

    @property
    def short_url(self) -> str:
        return short_url(self.payload.url)


def draw(url: str, min_symbol_mm: float, error: ErrorLevel = "M",
         dark: str = "#000000") -> QrDrawing:
    """A vector QR code whose symbol is at least `min_symbol_mm` wide, on a white quiet zone.

    The module size is rounded up to a tenth of a millimetre so modules fall on a clean grid."""
    info, code = payload(url, error)
    module_mm = module_size_mm(info.modules, min_symbol_mm)
    out = io.BytesIO()
    code.save(out, kind="svg", border=QUIET_ZONE, scale=1, dark=dark, light="#ffffff",
              xmldecl=False, svgns=True, nl=False, omitsize=True)
    uri = "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")
    return QrDrawing(payload=info, size_mm=round(module_mm * info.modules_with_quiet_zone, 2),
                     symbol_mm=round(module_mm * info.modules, 2), data_uri=uri)


def module_size_mm(modules: int, min_symbol_mm: float) -> float:
    """The module size: rounded up to a tenth of a millimetre so modules fall on a clean grid."""
    return math.ceil(min_symbol_mm / modules * 10) / 10


def printed_size_mm(modules: int, min_symbol_mm: float) -> float:
    """The printed width, quiet zone included, of a symbol `modules` wide."""
    return round(module_size_mm(modules, min_symbol_mm) * (modules + 2 * QUIET_ZONE), 2)


def min_symbol_mm(viewing_distance_m: float) -> float:
    """The 10:1 rule: a code read from d metres away is at least d/10 wide."""
    return viewing_distance_m * 100


def short_url(url: str) -> str:
    """The URL as printed under the code: without the scheme and trailing slash."""
    return url.split("://", 1)[-1].rstrip("/")

