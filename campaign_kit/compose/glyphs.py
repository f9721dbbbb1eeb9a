"""Text as vector outlines: glyph paths and advances read once from a TrueType/OpenType font.

Store names and addresses vary per page; laying them out with a full HTML engine for each of
20,000 stores is what makes naive rendering slow. Here each glyph's outline is turned into PDF
path operators once, and a line of text is just those paths placed side by side.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont


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


@dataclass(frozen=True)
class OutlineFont:
    """One font file's metrics and outlines, enough to set and draw a line of text."""

    path: str
    units_per_em: int
    ascender: int
    descender: int
    _font: TTFont

    @classmethod
    @functools.lru_cache(maxsize=16)
    def load(cls, path: str | Path, font_number: int = 0) -> "OutlineFont":
        font = TTFont(str(path), fontNumber=font_number, lazy=True)
        hhea = font["hhea"]
        return cls(str(path), font["head"].unitsPerEm, hhea.ascent, hhea.descent, font)

    @functools.cached_property
    def _cmap(self) -> dict[int, str]:
        cmap: dict[int, str] = self._font.getBestCmap()
        return cmap

    @functools.cached_property
    def _advances(self) -> dict[str, int]:
        return {name: adv for name, (adv, _lsb) in self._font["hmtx"].metrics.items()}

    def missing(self, text: str) -> list[str]:
        """Characters of `text` this font has no glyph for (spaces and controls aside)."""
        return sorted({c for c in text if ord(c) not in self._cmap and not c.isspace()})

    @functools.cached_property
    def _char_advances(self) -> "_Advances":
        return _Advances(self)

    def width(self, text: str, size: float) -> float:
        """Advance width of `text` at `size` points (no kerning: close enough for fitting)."""
        return sum(map(self._char_advances.__getitem__, text)) * size / self.units_per_em

    @functools.lru_cache(maxsize=4096)
    def outline(self, char: str) -> str:
        """PDF path operators of one character's glyph, in font units."""
        name = self._cmap.get(ord(char))
        if name is None:
            return ""
        glyph_set = self._font.getGlyphSet()
        pen = _PdfPen(glyph_set)
        glyph_set[name].draw(pen)
        return " ".join(pen.ops)

    @functools.cached_property
    def _glyph_ops(self) -> "_GlyphOps":
        return _GlyphOps(self)

    def draw(self, text: str, x: float, baseline: float, size: float) -> str:
        """PDF operators that fill `text` starting at (x, baseline), in points."""
        scale = size / self.units_per_em
        glyphs = "".join(map(self._glyph_ops.__getitem__, text))
        return f"q {scale:.5f} 0 0 {scale:.5f} {x:.2f} {baseline:.2f} cm\n{glyphs}Q"


class _Advances(dict[str, int]):
    """Advance width per character (0 for one the font lacks), filled as characters come."""

    def __init__(self, font: OutlineFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> int:
        name = self.font._cmap.get(ord(char))
        advance = self[char] = self.font._advances[name] if name is not None else 0
        return advance


class _GlyphOps(dict[str, str]):
    """Per character: its glyph filled, then the origin moved by its advance (font units). A line
    of text is these pieces one after another, with no number formatted per character."""

    def __init__(self, font: OutlineFont):
        super().__init__()
        self.font = font

    def __missing__(self, char: str) -> str:
        if ord(char) not in self.font._cmap:
            ops = ""
        else:
            path = self.font.outline(char)
            move = f"1 0 0 1 {self.font._char_advances[char]} 0 cm\n"
            ops = f"{path} f {move}" if path else move
        self[char] = ops
        return ops
