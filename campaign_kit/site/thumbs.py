"""Small thumbnails of the previews for the Downloads page.

The previews are full renders (60–200 KB each: a page that showed 30 of them weighed 3 MB on a
phone). A thumbnail fits in 160×160 pixels (80 CSS pixels at twice the density), a JPEG of a few
KB, kept in the cache by the preview's hash: a rebuild makes none again. Its bytes carry no
timestamp or metadata, so the same preview always gives the same file.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import PIL
from PIL import Image

from ..cache import cached_path, content_key, store_in_cache

BOX = 160
"""The thumbnail fits in BOX × BOX pixels."""
QUALITY = 80
THUMBS = "downloads/thumbs/"
_VERSION = "1"
"""Part of the cache key: bump it when the encoding below changes."""


@dataclass(frozen=True)
class Thumb:
    path: str
    """Output-relative, `downloads/thumbs/...jpg`."""
    width: int
    height: int


def thumb_path(preview: str) -> str:
    """`downloads/previews/print/vi/poster-a4.png` -> `downloads/thumbs/print/vi/poster-a4.jpg`
    (a screen image is its own preview: `downloads/screens/vi/x.png` ->
    `downloads/thumbs/screens/vi/x.jpg`)."""
    rel = preview.removeprefix("downloads/").removeprefix("previews/")
    return THUMBS + rel.rpartition(".")[0] + ".jpg"


def make_thumb(data: bytes) -> tuple[bytes, int, int]:
    """A preview's bytes -> the thumbnail's JPEG bytes, width and height."""
    with Image.open(io.BytesIO(data)) as source:
        image = source.convert("RGB")  # also drops the source's metadata (ICC profile, dpi, text)
    image.thumbnail((BOX, BOX), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # 4:4:4: at this size the posters' red text bleeds with chroma subsampling.
    image.save(out, "JPEG", quality=QUALITY, optimize=True, subsampling=0)
    return out.getvalue(), image.width, image.height


def cached_thumb(cache: Path, preview_sha256: str, read: Callable[[], bytes]) -> tuple[str, int, int]:
    """The cache file of the thumbnail of a preview (made from `read()` on a miss), width, height."""
    key = content_key("thumb", _VERSION, str(BOX), str(QUALITY), PIL.__version__, preview_sha256)
    path = cached_path(cache, "site-thumbs", key, ".jpg")
    if os.path.isfile(path):
        with Image.open(path) as image:  # reads the header only
            return path, image.width, image.height
    data, width, height = make_thumb(read())
    store_in_cache(Path(path), data)
    return path, width, height

