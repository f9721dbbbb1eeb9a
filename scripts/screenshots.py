#!/usr/bin/env python3
"""The README's pictures, made again from a built site (nothing here is drawn by hand):

    .venv/bin/python build_posters.py build --out /tmp/site
    .venv/bin/python scripts/screenshots.py /tmp/site

Print items are rasterised with poppler's `pdftoppm` (cropped to the trim); the site's home page
is photographed in Debian's Chromium at 360 px and 1280 px. Writes docs/screenshots/.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "docs" / "screenshots"
PRINT = {  # picture -> (file in the output, width in px)
    "store-banner.png": ("downloads/stores/viettel/*/*-banner.pdf", 1200),
    "store-card.png": ("downloads/stores/vnpost/*/*-card.pdf", 600),
    "poster-a4-vi.png": ("downloads/print/vi/poster-a4.pdf", 600),
    "leaflet-a5-vi.png": ("downloads/print/vi/leaflet-a5.pdf", 600),
    "standee-60x160-km.png": ("downloads/print/km/standee-60x160.pdf", 400),
    "screen-tv-km.png": ("downloads/screens/km/screen-tv.png", 0),
    "print-shop-card.png": ("downloads/print-shop/*/vnpt-card-pdfx4.pdf", 600),
}


def print_pictures(site: Path) -> None:
    (SHOTS / "print").mkdir(parents=True, exist_ok=True)
    for name, (pattern, width) in PRINT.items():
        source = sorted(site.glob(pattern))[0]
        target = SHOTS / "print" / name
        if source.suffix == ".png":
            target.write_bytes(source.read_bytes())
            continue
        pages = 2 if "leaflet" in name else 1  # both sides, side by side
        with tempfile.TemporaryDirectory() as temp:
            subprocess.run(["pdftoppm", "-png", "-f", "1", "-l", str(pages), "-scale-to-x", str(width),
                            "-scale-to-y", "-1", str(source), f"{temp}/p"], check=True)
            images = [Image.open(p) for p in sorted(Path(temp).glob("p*.png"))]
            sheet = Image.new("RGB", (sum(i.width for i in images) + 16 * (len(images) - 1),
                                      max(i.height for i in images)), "white")
            x = 0
            for image in images:
                sheet.paste(image, (x, 0))
                x += image.width + 16
            sheet.save(target, optimize=True)
        print(f"{target.relative_to(ROOT)} <- {source.relative_to(site)}")


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def site_pictures(site: Path) -> None:
    from playwright.sync_api import sync_playwright

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium",
                                        args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
            for name, width, height in (("home-phone-360.png", 360, 740), ("home-desktop-1280.png", 1280, 800)):
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(url, wait_until="networkidle")
                page.screenshot(path=str(SHOTS / name))
                page.close()
                print(f"docs/screenshots/{name} <- {url} at {width} px")
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    built = Path(sys.argv[1]).resolve()
    print_pictures(built)
    site_pictures(built)
