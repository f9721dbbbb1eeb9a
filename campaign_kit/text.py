"""Vietnamese-first text helpers: NFC, diacritic folding, slugs and heading anchors."""

from __future__ import annotations

import functools
import re
import unicodedata

from slugify import slugify as _slugify

# đ/Đ are letters of their own, not d + a mark: NFD leaves them alone, so fold them by hand.
_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def nfc(text: str) -> str:
    """NFC-normalise and trim: the one form all text takes inside the pipeline."""
    return unicodedata.normalize("NFC", text).strip()


_LATIN_DECOMPOSED = re.compile(r"[\u0000-\u024f\u0300-\u036f]*")
_LATIN_MARKS = re.compile(r"[\u0300-\u036f]+")


def _latin_fold_table() -> dict[int, str]:
    """Each precomposed Latin letter -> its base letter (what dropping its marks leaves)."""
    table = dict(_FOLD_EXTRA)
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):
        decomposed = unicodedata.normalize("NFD", chr(cp))
        base, marks = decomposed[0], decomposed[1:]
        if marks and base < "\u0250" and all(map(unicodedata.combining, marks)):
            table[cp] = base
    return table


_FOLD_TABLE = _latin_fold_table()


def fold(text: str) -> str:
    """Drop Vietnamese diacritics so that "đăng ký" and "dang ky" compare equal."""
    folded = text.translate(_FOLD_TABLE)  # NFC Vietnamese (every store row): one pass in C
    return folded if folded.isascii() else _fold_marks(text)


@functools.lru_cache(maxsize=1 << 16)
def _fold_marks(text: str) -> str:
    """`fold` for any text: marks on Latin letters go, other scripts keep theirs."""
    decomposed = unicodedata.normalize("NFD", text.translate(_FOLD_EXTRA))
    if _LATIN_DECOMPOSED.fullmatch(decomposed):  # the common case, at C speed
        return _LATIN_MARKS.sub("", decomposed)
    out: list[str] = []
    latin_base = False
    for char in decomposed:
        if unicodedata.combining(char):
            # Only marks on Latin letters are diacritics; Khmer vowel signs are letters' parts.
            if not latin_base:
                out.append(char)
            continue
        latin_base = char < "\u0250"
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


_PLAIN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
"""Already a slug but for its case."""


@functools.lru_cache(maxsize=1 << 16)
def slug(text: str, max_length: int = 80) -> str:
    """An ASCII file/URL name for any text: "Bưu cục Đình Lập" -> "buu-cuc-dinh-lap".

    Never empty, never contains a path separator or "..": safe to join under an output folder.
    """
    if len(text) <= max_length and _PLAIN.fullmatch(text):
        return text.lower()  # "VNPT-LS-00001": what slugify gives, 30 times faster (20,000 ids)
    value = _slugify(fold(text), max_length=max_length, word_boundary=True, lowercase=True)
    return value or "x"


def anchor_slug(value: str, separator: str = "-") -> str:
    """Heading anchors for the guide site (mkdocs ``toc.slugify``): keeps đ as d, drops other marks.

    Non-Latin headings (Khmer, Chinese) keep their letters, so anchors stay unique and readable.
    """
    value = fold(unicodedata.normalize("NFC", value)).lower()
    # Keep letters, digits and marks (Khmer vowel signs are marks); drop punctuation.
    value = "".join(c for c in value if c.isalnum() or c in " -_" or unicodedata.category(c)[0] == "M")
    value = value.strip()
    return re.sub(r"[\s_-]+", separator, value)
