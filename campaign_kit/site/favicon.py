"""The site's icon: the Bluetooth rune, white on the campaign's primary colour, drawn here (no
image to ship): `favicon.ico` at the site root (browsers ask for it on pages that name none, like
the go pages did) and a PNG the theme's pages link."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

ICO_SIZES = ((16, 16), (32, 32), (48, 48))


def _icon(size: int, colour: str) -> Image.Image:
    scale = 4  # drawn large, then reduced: smooth edges without anti-aliased drawing calls
    s = size * scale
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=colour)
    # The rune: a vertical stroke with two arrow heads to the right and two tails to the left.
    x0, x1, top, bottom, mid = s * 0.32, s * 0.70, s * 0.16, s * 0.84, s * 0.5
    q1, q3 = s * 0.33, s * 0.67
    points = [(x0, q1), (x1, q3), (mid, bottom), (mid, top), (x1, q1), (x0, q3)]
    draw.line(points, fill="#ffffff", width=max(scale, round(s * 0.09)), joint="curve")
    return image.resize((size, size), Image.Resampling.LANCZOS)


def favicon_png(colour: str, size: int = 48) -> bytes:
    buffer = io.BytesIO()
    _icon(size, colour).save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def favicon_ico(colour: str) -> bytes:
    buffer = io.BytesIO()
    _icon(48, colour).save(buffer, "ICO", sizes=list(ICO_SIZES))
    return buffer.getvalue()
