"""Shrink-to-fit for data-driven text (store names, addresses, titles): the largest font size at
which the text fits its box on one line, down to a minimum; then wrap at the minimum size up to
a number of lines; past that the text does not fit and the caller reports the row and field.

Widths come from the font's advance widths (no kerning, which only ever tightens Latin text), with
a small safety margin so WeasyPrint's own line breaking agrees with ours. Cheap enough for 20,000
stores, and it needs no layout pass.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from .fonts import advance_table

PT_PER_MM = 72 / 25.4
SAFETY = 0.94
"""Only this share of the box width is used: room for shaping differences."""


@dataclass(frozen=True)
class Fit:
    size_pt: float
    lines: int


@dataclass(frozen=True)
class FitRule:
    """How a field may shrink: from `max_pt` down to `min_pt` (in `step_pt` steps), then wrap."""

    max_pt: float
    min_pt: float
    max_lines: int = 2
    step_pt: float = 2

    def scaled(self, k: float) -> FitRule:
        """The same rule for a format `k` times the size the design was drawn for."""
        return FitRule(self.max_pt * k, self.min_pt * k, self.max_lines, self.step_pt * k)


def text_width_mm(text: str, font_file: str, size_pt: float) -> float:
    return _units(text, font_file) * size_pt / PT_PER_MM


@functools.lru_cache(maxsize=1 << 16)  # words repeat: Vietnamese is written in syllables
def _units(text: str, font_file: str) -> float:
    """Advance width of `text` in ems (no kerning)."""
    advances, upem = advance_table(font_file)
    fallback = advances.get(ord("M"), upem)
    return sum(advances.get(ord(ch), fallback) for ch in text) / upem


def _count_lines(words: list[float], space: float, size_pt: float, width_mm: float) -> int:
    """Lines a greedy word wrap needs for words of these widths (ems); a word wider than the
    box counts as too many."""
    usable = width_mm * SAFETY * PT_PER_MM / size_pt  # the box, in ems at this size
    lines, current = 1, 0.0
    for w in words:
        if w > usable:
            return 10**6
        if current and current + space + w > usable:
            lines, current = lines + 1, w
        else:
            current = current + space + w if current else w
    return lines


def count_lines(text: str, font_file: str, size_pt: float, width_mm: float) -> int:
    """Lines a greedy word wrap needs; a single word wider than the box counts as too many."""
    return _count_lines([_units(w, font_file) for w in text.split()], _units(" ", font_file),
                        size_pt, width_mm)


@functools.lru_cache(maxsize=1 << 12)
def fit_text(text: str, font_file: str, width_mm: float, rule: FitRule) -> Fit | None:
    """The font size and line count for `text` in a box `width_mm` wide, or None if it cannot fit."""
    # Word widths are measured once, in ems: each size tried only scales them.
    words = [_units(w, font_file) for w in text.split()]
    space = _units(" ", font_file)
    size = rule.max_pt
    while size >= rule.min_pt:
        if _count_lines(words, space, size, width_mm) == 1:
            return Fit(size_pt=round(size, 2), lines=1)
        size -= rule.step_pt
    lines = _count_lines(words, space, rule.min_pt, width_mm)
    return Fit(size_pt=round(rule.min_pt, 2), lines=lines) if lines <= rule.max_lines else None
