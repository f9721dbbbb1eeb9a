"""Fonts and line breaking, one of each for planning a store's text and for drawing it.

`OutlineFont` reads a font file once: its code points, advance widths, ascender and descender,
and each glyph's outline as PDF path operators (a line of text is those paths placed side by
side: laying out 20,000 stores' names with an HTML engine is what makes naive rendering slow).
`wrap` breaks text greedily between words (`campaign_kit.words`: the syllables of a Vietnamese
word, "cộng đồng", and names such as "CH Play" stay on one line; at its syllables only where
keeping words whole would cost a line) into lines no wider than a box, and leaves no word alone
on the last line when the word before it fits there too. The planner (`fit_text`: the largest
size at which a text fits its slot on one line, down to a minimum, then wrapped at the minimum up
to a number of lines) and the composer that draws the lines (`compose.slots`) both measure and break with these, so what
was planned is what is drawn. Widths are sums of advances (no kerning, which only ever tightens
Latin text): cheap enough for 20,000 stores, no layout pass.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any, Callable, Sequence

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont

from ..words import split_words

PT_PER_MM = 72 / 25.4
SAFETY = 0.94
"""The planner uses only this share of a slot's width: the page drawn at the full width then
never needs more lines than planned, and WeasyPrint (which shapes and kerns, in the benchmark's
whole-page render) breaks the same lines as ours."""


@dataclass(frozen=True, eq=False)
class OutlineFont:
    """One font file's metrics (a collection's face `number`)."""

    path: str
    number: int
    units_per_em: int
    ascender: int
    descender: int
    _font: Any = field(repr=False)
    """fontTools' TTFont, read lazily (fontTools ships no type hints)."""

    @classmethod
    @functools.lru_cache(maxsize=16)  # a font file's metrics: read once, whatever asks
    def load(cls, path: str | Path, number: int = 0) -> OutlineFont:
        font = TTFont(str(path), fontNumber=number, lazy=True)
        hhea = font["hhea"]
        return cls(str(path), number, font["head"].unitsPerEm, hhea.ascent, hhea.descent, font)

    @functools.cached_property
    def cmap(self) -> dict[int, str]:
        """Code point -> glyph name."""
        cmap: dict[int, str] = self._font.getBestCmap()
        return cmap

    @functools.cached_property
    def advances(self) -> dict[int, int]:
        """Advance width by code point, in font units."""
        hmtx = self._font["hmtx"].metrics
        return {cp: hmtx[name][0] for cp, name in self.cmap.items()}

    @functools.cached_property
    def _ems(self) -> _Ems:
        return _Ems(self)

    def missing(self, text: str) -> list[str]:
        """Characters of `text` this font has no glyph for (spaces and controls aside)."""
        return sorted({c for c in text if ord(c) not in self.cmap and not c.isspace()})

    def ems(self, text: str) -> float:
        """Advance width of `text` in ems (a character the font lacks: none, as it draws)."""
        return self._ems[text]

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points."""
        return self._ems[text] * size

    @functools.cached_property
    def _glyph_ops(self) -> _GlyphOps:
        return _GlyphOps(self)

    def draw(self, text: str, x: float, baseline: float, size: float) -> str:
        """PDF operators that fill `text` starting at (x, baseline), in points."""
        scale = size / self.units_per_em
        glyphs = "".join(map(self._glyph_ops.__getitem__, text))
        return f"q {scale:.5f} 0 0 {scale:.5f} {x:.2f} {baseline:.2f} cm\n{glyphs}Q"

    @functools.cached_property
    def bbox(self) -> tuple[int, int, int, int]:
        """Every glyph's bounds together (font units), as the font's head table gives them."""
        head = self._font["head"]
        return head.xMin, head.yMin, head.xMax, head.yMax


class _Ems(dict[str, float]):
    """Width in ems of each word measured so far: words repeat, so a 20,000-store plan measures
    each one once. Lines (more spaces than a word has) are measured, not kept."""

    def __init__(self, font: OutlineFont):
        super().__init__()
        self.advances, self.units_per_em = font.advances, font.units_per_em

    def __missing__(self, text: str) -> float:
        advances = self.advances
        width = sum(map(advances.get, map(ord, text), repeat(0))) / self.units_per_em
        if text.count(" ") < 4:  # a word: at most 4 syllables (`words.LONGEST`)
            self[text] = width
        return width


class _GlyphOps(dict[str, str]):
    """Per character: its glyph filled, then the origin moved by its advance (font units). A line
    of text is these pieces one after another, with no number formatted per character."""

    def __init__(self, font: OutlineFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> str:
        name = self.font.cmap.get(ord(char))
        if name is None:
            ops = ""
        else:
            glyph_set = self.font._font.getGlyphSet()
            pen = _PdfPen(glyph_set)
            glyph_set[name].draw(pen)
            move = f"1 0 0 1 {self.font.advances[ord(char)]} 0 cm\n"
            ops = f"{' '.join(pen.ops)} f {move}" if pen.ops else move
        self[char] = ops
        return ops


class _PdfPen(BasePen):  # type: ignore[misc]  # fontTools ships no type hints
    """Records a glyph outline as PDF path operators, in font units."""

    def __init__(self, glyph_set: object):
        super().__init__(glyph_set)
        self.ops: list[str] = []

    def _moveTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(f"{_n(pt[0])} {_n(pt[1])} m")

    def _lineTo(self, pt: tuple[float, float]) -> None:
        self.ops.append(f"{_n(pt[0])} {_n(pt[1])} l")

    def _curveToOne(self, p1: tuple[float, float], p2: tuple[float, float], p3: tuple[float, float]) -> None:
        self.ops.append(" ".join(f"{_n(x)} {_n(y)}" for x, y in (p1, p2, p3)) + " c")

    def _closePath(self) -> None:
        self.ops.append("h")


def _n(value: float) -> str:
    return str(round(value)) if abs(value - round(value)) < 0.05 else f"{value:.1f}"


def breaks(widths: Sequence[float], space: float, usable: float) -> list[int] | None:
    """Greedy word wrap of words of these widths into lines at most `usable` wide (any unit):
    the index of the word that starts each line after the first; None when a single word is
    wider than `usable` (no wrapping can help). A last line of one word takes the word before it
    when both fit (the line above keeps at least two): no line count changes."""
    starts: list[int] = []
    current = -1.0  # the line's width so far; negative: nothing on it yet
    for i, w in enumerate(widths):
        if w > usable:
            return None
        if current < 0:
            current = w
        elif current + space + w <= usable:
            current += space + w
        else:
            starts.append(i)
            current = w
    if starts and starts[-1] == len(widths) - 1 and starts[-1] - ([0, *starts][-2]) >= 3 \
            and widths[-2] + space + widths[-1] <= usable:
        starts[-1] -= 1
    return starts


def units(text: str) -> list[str]:
    """The pieces a line may break between: the words of `text` (`words.split_words`)."""
    return split_words(text)


def lay_out(text: str, ems: Callable[[str], float], space: float, usable: float,
            max_lines: int | None = None) -> tuple[list[str], list[int] | None]:
    """The pieces of `text` and where its lines start (`breaks`), in ems (`usable`: the box's
    width in ems at the size set). Words are kept whole while they fit in `max_lines` lines (the
    slot's); past that, or unless that costs a line when no limit is given, or when one word is
    wider than the box, the text breaks at its syllables, as it did before words were known: only
    a text that would not fit otherwise."""
    words = units(text)
    found = breaks([ems(w) for w in words], space, usable)
    if found is not None and max_lines is not None and len(found) + 1 <= max_lines:
        return words, found
    if found is None or found:
        syllables = text.split()
        if len(syllables) != len(words):
            fewer = breaks([ems(w) for w in syllables], space, usable)
            if fewer is not None and (found is None or len(fewer) < len(found)):
                return syllables, fewer
    return words, found


def wrap(text: str, font: OutlineFont, size: float, width: float, max_lines: int | None = None) -> list[str] | None:
    """`text` at `size` points in lines at most `width` points wide (`lay_out`, words whole in up
    to `max_lines` lines); None when a single syllable is wider than the box."""
    words, found = lay_out(text, font.ems, font.ems(" "), width / size, max_lines)
    if found is None:
        return None
    if not words:
        return []
    return [" ".join(words[a:b]) for a, b in zip([0, *found], [*found, len(words)])]


@dataclass(frozen=True)
class Fit:
    size_pt: float
    lines: int


@dataclass(frozen=True)
class FitRule:
    """How a slot's text may shrink: from `max_pt` down to `min_pt` (in `step_pt` steps), then
    wrap, up to `max_lines`. A template gives it with the slot (`data-fit`, `data-max-lines`)."""

    max_pt: float
    min_pt: float
    max_lines: int = 2
    step_pt: float = 2


def count_lines(text: str, font_file: str, size_pt: float, width_mm: float, font_number: int = 0,
                max_lines: int | None = None) -> int:
    """Lines the planner gives `text` at this size (words whole in up to `max_lines`); a single
    syllable wider than the box counts as too many."""
    font = OutlineFont.load(font_file, font_number)
    found = lay_out(text, font.ems, font.ems(" "), _usable(size_pt, width_mm), max_lines)[1]
    return 10**6 if found is None else len(found) + 1


def _usable(size_pt: float, width_mm: float) -> float:
    """The planner's share of the box (`SAFETY`), in ems at this size."""
    return width_mm * SAFETY * PT_PER_MM / size_pt


def fit_text(text: str, font_file: str, width_mm: float, rule: FitRule, font_number: int = 0) -> Fit | None:
    """The font size and line count for `text` in a box `width_mm` wide, or None if it cannot fit."""
    font = OutlineFont.load(font_file, font_number)
    # On one line words do not matter: the text's width is measured once, in ems, and each size
    # tried only scales it.
    one_line = font.ems(" ".join(text.split()))
    steps = 0
    while (size := round(rule.max_pt - steps * rule.step_pt, 2)) >= rule.min_pt:
        if one_line <= _usable(size, width_mm):
            return Fit(size_pt=size, lines=1)
        steps += 1
    size = round(rule.min_pt, 2)
    lines = count_lines(text, font_file, size, width_mm, font_number, rule.max_lines)
    return Fit(size_pt=size, lines=lines) if lines <= rule.max_lines else None
