"""Line breaking for text drawn into a slot at a size the planner already chose."""

from __future__ import annotations

from .glyphs import OutlineFont


def wrap(text: str, font: OutlineFont, size: float, width: float) -> list[str] | None:
    """Greedy word wrap of `text` at `size` points into lines at most `width` points wide;
    None when a single word is wider than the box (no wrapping can help)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if font.width(candidate, size) <= width:
            current = candidate
            continue
        if not current or font.width(word, size) > width:
            return None
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines
