"""Self-hosted fonts: Noto subsets (woff2) holding just the characters a language's pages use.

Which faces a language gets follows from the characters its built pages contain, so adding a
language in another script is content only (as long as its script is in SCRIPTS below).
Vietnamese/Latin is always complete (every Vietnamese letter, so typed search queries render too);
complex scripts keep their whole block (shaping needs the marks). Chinese gets no webfont: every
Android phone and iPhone has a CJK font, and a subset of only the ideographs the site uses was still
137 KB (more than the rest of a page), so `FAMILY_STACK` names the phones' own fonts after ours.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from fontTools.ttLib import TTFont

from ..errors import BuildError
from ..memo import Memo

NOTO = Path("/usr/share/fonts/truetype/noto")
NOTO_CJK = Path("/usr/share/fonts/opentype/noto")
FAMILY = "Site Sans"
# After our faces, the systems' CJK fonts by name (iOS/macOS, Android/Linux, the Adobe build,
# Windows), then the theme's own stack: Chinese text falls through to the first one the phone has.
FAMILY_STACK = (f'"{FAMILY}","PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Noto Sans SC",'
                '"Source Han Sans SC","Microsoft YaHei"')


def _chars(*ranges: tuple[int, int]) -> str:
    return "".join(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))


# ASCII, every precomposed Vietnamese letter and the combining tone marks (for NFD input).
_VIETNAMESE = (_chars((0x20, 0x7E)) + "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúýĂăĐđĨĩŨũƠơƯư"
               + _chars((0x1EA0, 0x1EF9)) + "\u0300\u0301\u0303\u0309\u0323\u20ab")


@dataclass(frozen=True)
class Script:
    name: str
    ranges: tuple[tuple[int, int], ...]
    regular: Path
    bold: Path
    index: int = 0
    """Face number inside a .ttc collection."""
    whole_block: bool = True
    """Keep every character of the ranges (complex shaping), not only the ones used."""
    always: str = ""
    webfont: bool = True
    """False: the phone's own font shows it (`FAMILY_STACK`); no face is served."""

    def covers(self, char: str) -> bool:
        c = ord(char)
        return any(lo <= c <= hi for lo, hi in self.ranges)

    @property
    def unicode_range(self) -> str:
        return ", ".join(f"U+{lo:04X}-{hi:04X}" for lo, hi in self.ranges)


LATIN = Script("latin", ((0x0000, 0x036F), (0x1E00, 0x1EFF), (0x2000, 0x20CF), (0x2100, 0x21FF),
                         (0x2212, 0x2212), (0x25CF, 0x25CF)),
               NOTO / "NotoSans-Regular.ttf", NOTO / "NotoSans-Bold.ttf", whole_block=False,
               always=_VIETNAMESE)
SCRIPTS: tuple[Script, ...] = (
    Script("khmer", ((0x1780, 0x17FF), (0x19E0, 0x19FF)), NOTO / "NotoSansKhmer-Regular.ttf",
           NOTO / "NotoSansKhmer-Bold.ttf", always="\u200b\u200c\u200d\u25cc"),
    Script("thai", ((0x0E00, 0x0E7F),), NOTO / "NotoSansThai-Regular.ttf", NOTO / "NotoSansThai-Bold.ttf"),
    Script("lao", ((0x0E80, 0x0EFF),), NOTO / "NotoSansLao-Regular.ttf", NOTO / "NotoSansLao-Bold.ttf"),
    Script("cjk", ((0x2E80, 0x2FFF), (0x3000, 0x303F), (0x3400, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF)),
           NOTO_CJK / "NotoSansCJK-Regular.ttc", NOTO_CJK / "NotoSansCJK-Bold.ttc", index=2,  # 2: the SC face
           whole_block=False, always="，。：；！？（）、", webfont=False),
)


@dataclass(frozen=True)
class Face:
    script: Script
    weight: int
    part: str = ""
    """For a split script: which slice of its characters ("home", "rest")."""
    chars: frozenset[str] | None = None
    """The slice's characters: its unicode-range, and all the subset keeps."""

    @property
    def file(self) -> str:
        return f"{self.script.name}{'-' + self.part if self.part else ''}-{self.weight}.woff2"

    @property
    def source(self) -> Path:
        return self.script.regular if self.weight == 400 else self.script.bold

    @property
    def unicode_range(self) -> str:
        if self.chars is None:
            return self.script.unicode_range
        points = sorted(ord(c) for c in self.chars)
        runs: list[list[int]] = []
        for p in points:
            if runs and p == runs[-1][1] + 1:
                runs[-1][1] = p
            else:
                runs.append([p, p])
        return ", ".join(f"U+{lo:X}" if lo == hi else f"U+{lo:X}-{hi:X}" for lo, hi in runs)


def faces_for(used: set[str], home: set[str]) -> tuple[Face, ...]:
    """Latin in two weights; every other script that occurs in the pages in one (the browser
    synthesises bold), which halves what a Khmer or Chinese reader downloads. Chinese is split
    in two: the ideographs of the home page, and the rest, so the page a QR code opens stays light."""
    faces = [Face(LATIN, 400), Face(LATIN, 700)]
    for script in SCRIPTS:
        mine = {c for c in used if script.covers(c)}
        if not mine or not script.webfont:
            continue
        if script.whole_block:
            faces.append(Face(script, 400))
            continue
        first = frozenset({c for c in home if script.covers(c)} | set(script.always))
        rest = frozenset(mine - first)
        faces.append(Face(script, 400, "home", first))
        if rest:
            faces.append(Face(script, 400, "rest", rest))
    return tuple(faces)


def font_css(faces: tuple[Face, ...], prefix: str, names: Mapping[str, str] | None = None) -> str:
    """@font-face rules; `prefix` is the path from the stylesheet to the fonts folder, `names`
    each face's file name there (its content-hashed name), else `Face.file`."""
    names = names or {}
    return "\n".join(
        f'@font-face{{font-family:"{FAMILY}";font-style:normal;font-weight:{f.weight};font-display:swap;'
        f'src:url("{prefix}{names.get(f.file, f.file)}") format("woff2");unicode-range:{f.unicode_range}}}'
        for f in faces)


def subset_font(face: Face, used: set[str], memo: Memo) -> bytes:
    """The woff2 subset of `face` for the characters in `used` (kept in the memo)."""
    script = face.script
    if face.chars is not None:
        keep = set(face.chars)
    else:
        keep = {c for c in used if script.covers(c)} | set(script.always)
    if script.whole_block:
        keep |= {chr(c) for lo, hi in script.ranges for c in range(lo, hi + 1)}
    chars = "".join(sorted(keep))
    key = memo.key("font-subset", source=str(face.source), index=script.index, chars=chars,
                   whole_block=script.whole_block)
    return memo.read(key, lambda: _subset(face, chars))


def _subset(face: Face, chars: str) -> bytes:
    script = face.script
    if not face.source.is_file():
        raise BuildError(f"font {face.source} not found: install Debian's fonts-noto-core and "
                         "fonts-noto-cjk (bash scripts/run build does)")
    # recalcTimestamp=False: the head table keeps the source's date, so builds are byte-identical.
    font = TTFont(face.source, fontNumber=script.index, recalcTimestamp=False, lazy=False)
    from fontTools import subset  # here: a rebuild whose subsets are cached needs none

    options = subset.Options()
    options.flavor = "woff2"
    if script.whole_block:
        options.layout_features = ["*"]  # complex scripts need every GSUB/GPOS feature to shape
    options.hinting = False  # phones render unhinted; hints were a quarter of the bytes
    options.name_IDs = [0, 1, 2, 3, 4, 5, 6]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()
