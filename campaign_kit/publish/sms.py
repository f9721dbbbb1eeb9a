"""SMS segment counting: GSM-7 (160 / 153 septets) or UCS-2 (70 / 67 UTF-16 units).

A message that only uses the GSM 03.38 alphabet travels in 7-bit septets; characters of the
extension table (``^ { } [ ] ~ \\ | €`` and form feed) take an escape plus the character, two
septets. One character outside the alphabet (any Vietnamese letter with a diacritic but a few,
Khmer, Chinese, curly quotes) switches the whole message to UCS-2. A message longer than one
segment is split, and each part loses room to the concatenation header; a two-unit character
(an extension escape, a UTF-16 surrogate pair) is never split across parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

Encoding = Literal["GSM-7", "UCS-2"]

# (single-segment capacity, per-part capacity of a concatenated message), in units of the encoding.
CAPACITY: dict[Encoding, tuple[int, int]] = {"GSM-7": (160, 153), "UCS-2": (70, 67)}


@dataclass(frozen=True)
class SmsCount:
    """How a text travels as SMS."""

    encoding: Encoding
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""
    segments: int
    per_segment: int
    """Units one segment holds for this message (160/153 or 70/67)."""

    @property
    def characters(self) -> int:
        return self.units


def _char_units(char: str, encoding: Encoding) -> int:
    if encoding == "GSM-7":
        return len(char.encode("gsm03.38"))  # 2 for extension-table characters
    return len(char.encode("utf-16-le")) // 2  # 2 for characters outside the BMP


def is_gsm7(text: str) -> bool:
    """True when every character is in the GSM 03.38 alphabet (basic or extension table)."""
    try:
        text.encode("gsm03.38")
    except UnicodeEncodeError:
        return False
    return True


def count_segments(text: str) -> SmsCount:
    """Segments `text` takes as one SMS (empty text: one empty segment)."""
    encoding: Encoding = "GSM-7" if is_gsm7(text) else "UCS-2"
    single, part = CAPACITY[encoding]
    sizes = [_char_units(c, encoding) for c in text]
    units = sum(sizes)
    if units <= single:
        return SmsCount(encoding, units, 1, single)
    segments, used = 1, 0
    for size in sizes:
        if used + size > part:  # the character does not fit whole: it opens the next part
            segments, used = segments + 1, 0
        used += size
    return SmsCount(encoding, units, segments, part)
