"""Small thumbnails of the previews for the Downloads page.

The previews are full renders (60–200 KB each: a page that showed 30 of them weighed 3 MB on a
phone). A thumbnail fits in 160×160 pixels (80 CSS pixels at twice the density), a JPEG of a few
KB, kept in the cache by the preview's hash: a rebuild makes none again. Its bytes carry no
timestamp or metadata, so the same preview always gives the same file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Callable

import PIL
from PIL import Image

from ..memo import Memo

BOX = 160
"""The thumbnail fits in BOX × BOX pixels."""
QUALITY = 80
THUMBS = "downloads/thumbs/"


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


def cached_thumb(memo: Memo, preview_sha256: str,
                 read: Callable[[], bytes]) -> tuple[str, tuple[str, int], int, int]:
    """The kept file of the thumbnail of a preview (made from `read()` on a miss), its sha256 and
    size, its width and height."""
    key = memo.key("thumb", box=BOX, quality=QUALITY, preview=preview_sha256)
    found = memo.get(key)
    if found is not None:
        try:
            with Image.open(found[0]) as image:  # reads the header only; linking checks the bytes
                return found[0], found[1], image.width, image.height
        except (OSError, PIL.UnidentifiedImageError):
            memo.discard(found[0])  # damaged: made again below
    data, width, height = make_thumb(read())
    return *memo.put(key, data), width, height
