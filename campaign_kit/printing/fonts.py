"""The font table of `templates/print/fonts.yml`: which fonts each language prints in, and a glyph
check so that a character no font covers fails the build instead of printing as a box."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import yaml

from ..errors import BuildError
from .fit import OutlineFont

# Characters that never need a glyph: layout controls shaping engines handle themselves.
_IGNORABLE = {0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x0A, 0x0D, 0x09}


@dataclass(frozen=True)
class FontTable:
    families: Mapping[str, tuple[str, ...]]
    """CSS family name -> font files (regular, bold, ...)."""
    languages: Mapping[str, tuple[str, ...]]
    default: tuple[str, ...]

    def stack(self, lang: str) -> tuple[str, ...]:
        return self.languages.get(lang, self.default)

    def css_family(self, lang: str) -> str:
        """The `font-family` value for a language, quoted for CSS."""
        return ", ".join(f'"{name}"' for name in self.stack(lang)) + ", sans-serif"

    def files(self, lang: str) -> tuple[str, ...]:
        return tuple(f for name in self.stack(lang) for f in self.families[name])

    def missing_glyphs(self, lang: str, texts: Iterable[str]) -> set[str]:
        """Characters of `texts` that no font of the language's stack has a glyph for.

        Every weight is checked on its own: bold text must not fall back to another font."""
        wanted = set(map(ord, set().union(*texts))) - _IGNORABLE  # at C speed: 80,000 texts
        wanted = {cp for cp in wanted if cp > 0x20}
        missing: set[int] = set()
        for weight in range(max(len(self.families[n]) for n in self.stack(lang))):
            covered: set[int] = set()
            for name in self.stack(lang):
                files = self.families[name]
                covered |= OutlineFont.load(files[min(weight, len(files) - 1)]).cmap.keys()
            missing |= wanted - covered
        return {chr(cp) for cp in missing}

    def digest(self, langs: Iterable[str]) -> str:
        """Changes when a font file the languages use changes (part of cache keys)."""
        h = hashlib.sha256()
        for lang in sorted(set(langs)):
            for file in self.files(lang):
                st = Path(file).stat()
                h.update(f"{file}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        return h.hexdigest()


def load_font_table(templates: Path) -> FontTable:
    path = templates / "fonts.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    families = {str(k): tuple(str(f) for f in v) for k, v in data["families"].items()}
    languages = {str(k): tuple(v) for k, v in data.get("languages", {}).items()}
    default = tuple(data.get("default") or ())
    for stack in (*languages.values(), default):
        for name in stack:
            if name not in families:
                raise BuildError(f"{path}: font family {name!r} is used but not listed in families")
    for name, files in families.items():
        for file in files:
            if not Path(file).is_file():
                raise BuildError(f"{path}: font file for {name!r} not found: {file} "
                                 "(install fonts-noto-core and fonts-noto-cjk)")
    return FontTable(families=families, languages=languages, default=default)

