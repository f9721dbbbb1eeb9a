"""Shrink to fit, then wrap: set a text in a box, or say that it cannot be done."""

from __future__ import annotations

from dataclasses import dataclass

from .glyphs import OutlineFont


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[str, ...]
    line_height: float
    """Distance between baselines, in points."""


def fit_text(text: str, font: OutlineFont, width: float, height: float, max_size: float,
             min_size: float, line_height: float = 1.15, max_lines: int = 3) -> Fitted | None:
    """The largest size in [min_size, max_size] at which `text` fits the box.

    First on one line, shrinking down to `min_size`; only then wrapped onto up to `max_lines`
    lines, again as large as possible. None when even that does not fit.
    """
    one_line = font.width(text, 1.0)
    if one_line > 0:
        size = min(max_size, width / one_line, height / line_height)
        if size >= min_size:
            return Fitted(_floor(size), (text,), _floor(size) * line_height)
    words = text.split()
    steps = 24
    for i in range(steps + 1):
        size = max_size - (max_size - min_size) * i / steps
        lines = _wrap(words, font, size, width)
        if lines is not None and 1 < len(lines) <= max_lines and len(lines) * size * line_height <= height:
            return Fitted(_floor(size), tuple(lines), _floor(size) * line_height)
    return None


def _wrap(words: list[str], font: OutlineFont, size: float, width: float) -> list[str] | None:
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if font.width(candidate, size) <= width:
            current = candidate
            continue
        if not current or font.width(word, size) > width:
            return None  # a single word wider than the box: wrapping cannot help
        lines.append(current)
        current = word
    if current:
        lines.append(current)
    return lines


def _floor(size: float) -> float:
    # Round down to 0.1 pt so the result is stable across platforms and never overflows.
    return int(size * 10) / 10
