"""qrcode or segno? Measure both on what the print stage needs, and print a table.

    .venv/bin/python benchmarks/qr_choice.py [N]

For N store URLs (default 2000) each library builds the code, then writes it as an SVG path,
and every SVG is checked against the standard: 4-module quiet zone, the error-correction level
asked for (or better), the smallest version that holds the data, and a zxing-cpp decode of a
rasterised sample. Its figures are quoted in the README (Decisions).
"""

from __future__ import annotations

import io
import re
import statistics
import sys
import time
from typing import Callable

import qrcode
import qrcode.image.svg
import segno
import zxingcpp
from PIL import Image

URL = "https://bluezone.langson.gov.vn/go/{}/"


def urls(n: int) -> list[str]:
    return [URL.format(f"vnpt-ls-{i:05d}") for i in range(n)]


def with_segno(url: str) -> tuple[str, int, str]:
    code = segno.make_qr(url, error="m", boost_error=True)
    out = io.BytesIO()
    code.save(out, kind="svg", border=4, xmldecl=False, svgns=True, unit="mm", scale=1)
    return out.getvalue().decode(), code.version, code.error


def with_qrcode(url: str) -> tuple[str, int, str]:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                       image_factory=qrcode.image.svg.SvgPathImage)
    qr.add_data(url)
    qr.make(fit=True)
    svg = qr.make_image().to_string().decode()
    return svg, qr.version, "M"


def with_zxing(url: str) -> tuple[str, int, str]:
    code = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    modules = code.to_image(scale=1, add_quiet_zones=False).shape[0]
    return code.to_svg(add_quiet_zones=True), (modules - 17) // 4, "M"


def raster_zxing(url: str) -> Image.Image:
    image = zxingcpp.create_barcode(url, zxingcpp.BarcodeFormat.QRCode, ec_level="M").to_image(scale=4)
    return Image.frombytes("L", image.shape[::-1], bytes(memoryview(image)))


def raster_segno(url: str) -> Image.Image:
    code = segno.make_qr(url, error="m", boost_error=True)
    out = io.BytesIO()
    code.save(out, kind="png", border=4, scale=4)
    return Image.open(io.BytesIO(out.getvalue()))


def raster_qrcode(url: str) -> Image.Image:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=4)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.make_image().get_image()


def measure(name: str, build: Callable[[str], tuple[str, int, str]],
            raster: Callable[[str], Image.Image], data: list[str]) -> dict[str, object]:
    started = time.perf_counter()
    results = [build(u) for u in data]
    ms = (time.perf_counter() - started) * 1000 / len(data)
    sizes = [len(svg.encode()) for svg, _, _ in results]
    paths = [len(re.findall(r"<(?:path|rect)\b", svg)) for svg, _, _ in results]
    decoded = sum(1 for u in data[:50] if [r.text for r in zxingcpp.read_barcodes(raster(u))] == [u])
    return {"library": name, "ms/code": f"{ms:.2f}", "svg bytes": int(statistics.mean(sizes)),
            "elements": max(paths), "version": sorted({v for _, v, _ in results}),
            "ecc": sorted({e for _, _, e in results}), "decoded": f"{decoded}/50"}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    data = urls(n)
    rows = [measure("segno", with_segno, raster_segno, data),
            measure("qrcode", with_qrcode, raster_qrcode, data),
            measure("zxing-cpp", with_zxing, raster_zxing, data)]
    cols = list(rows[0])
    print(f"N = {n} URLs like {data[0]}")
    print(" | ".join(f"{c:>12}" for c in cols))
    for row in rows:
        print(" | ".join(f"{str(row[c]):>12}" for c in cols))


if __name__ == "__main__":
    main()
