"""Shrink-to-fit for data-driven text (store names, addresses, titles): the largest font size at
which the text fits its box on one line, down to a minimum; then wrap at the minimum size up to
a number of lines; past that the text does not fit and the caller reports the row and field.

Widths come from the font's advance widths (no kerning, which only ever tightens Latin text), with
a small safety margin so WeasyPrint's own line breaking agrees with ours. Cheap enough for 20,000
stores, and it needs no layout pass.
"""

from __future__ import annotations

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
    advances, upem = advance_table(font_file)
    fallback = advances.get(ord("M"), upem)
    units = sum(advances.get(ord(ch), fallback) for ch in text)
    return units / upem * size_pt / PT_PER_MM


def count_lines(text: str, font_file: str, size_pt: float, width_mm: float) -> int:
    """Lines a greedy word wrap needs; a single word wider than the box counts as too many."""
    usable = width_mm * SAFETY
    space = text_width_mm(" ", font_file, size_pt)
    lines, current = 1, 0.0
    for word in text.split():
        w = text_width_mm(word, font_file, size_pt)
        if w > usable:
            return 10**6
        if current and current + space + w > usable:
            lines, current = lines + 1, w
        else:
            current = current + space + w if current else w
    return lines


def fit_text(text: str, font_file: str, width_mm: float, rule: FitRule) -> Fit | None:
    """The font size and line count for `text` in a box `width_mm` wide, or None if it cannot fit."""
    size = rule.max_pt
    while size >= rule.min_pt:
        if count_lines(text, font_file, size, width_mm) == 1:
            return Fit(size_pt=round(size, 2), lines=1)
        size -= rule.step_pt
    lines = count_lines(text, font_file, rule.min_pt, width_mm)
    return Fit(size_pt=round(rule.min_pt, 2), lines=lines) if lines <= rule.max_lines else None
