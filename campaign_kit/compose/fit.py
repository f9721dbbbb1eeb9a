"""Line breaking for text drawn into a slot at a size the planner already chose."""

from __future__ import annotations

from .glyphs import OutlineFont


def wrap(text: str, font: OutlineFont, size: float, width: float) -> list[str] | None:
    """Greedy word wrap of `text` at `size` points into lines at most `width` points wide;
    None when a single word is wider than the box (no wrapping can help)."""
    lines: list[str] = []
    current, current_width = "", 0.0
    space = font.width(" ", size)
    for word in text.split():
        word_width = font.width(word, size)  # no kerning: a line's width is the sum of its parts
        if current and current_width + space + word_width <= width:
            current, current_width = f"{current} {word}", current_width + space + word_width
            continue
        if word_width > width:
            return None
        if current:
            lines.append(current)
        current, current_width = word, word_width
    if current:
        lines.append(current)
    return lines
