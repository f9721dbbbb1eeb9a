"""Compose one-page PDFs from a precomputed background and a few operators drawn on top.

The background (everything that is the same for every store of a carrier: colours, the banner
wording, logos, small print) is laid out once by WeasyPrint. Its page is parsed once into
serialized PDF objects; each store's file is then those bytes, a new content stream (its texts
as glyph outlines with the same words under them as invisible text, `TextLayer`, so that the
file can be searched, proofread and read aloud) and a fresh cross-reference table. No layout
engine runs per store.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pypdf reads a background once; composing a page (a cached background) needs none
    from pypdf.generic import DictionaryObject, PdfObject

    from ..printing.fit import OutlineFont

Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class Background:
    """A page to draw on: its boxes and its content as a ready-to-use Form XObject."""

    media_box: Box
    trim_box: Box
    bleed_box: Box
    objects: tuple[bytes, ...]
    """Serialized objects 1..n; object 1 is the Form XObject of the whole page."""
    digest: str
    """sha256 of the source PDF: part of every cache key built on this background."""

    @classmethod
    def from_pdf(cls, pdf: bytes, page_number: int = 0) -> "Background":
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject

        reader = PdfReader(io.BytesIO(pdf))
        page = reader.pages[page_number]
        boxes: list[Box] = [(float(box[0]), float(box[1]), float(box[2]), float(box[3]))
                            for box in (page.mediabox, page.trimbox, page.bleedbox)]
        content = page.get_contents()
        data = content.get_data() if content is not None else b""
        resources = page.get("/Resources", DictionaryObject())
        numbers: dict[int, int] = {}
        order: list[PdfObject] = []
        _collect(resources, numbers, order, next_number=2)
        form = DictionaryObject({
            NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(page.mediabox), NameObject("/Resources"): resources,
        })
        serialized = [_stream(form, zlib.compress(data, 6), numbers)]
        serialized += [_serialize(obj, numbers) for obj in order]
        media, trim, bleed = boxes
        return cls(media, trim, bleed, objects=tuple(serialized), digest=hashlib.sha256(pdf).hexdigest())

    def compose(self, overlay: str, title: str = "", text: TextLayer | None = None) -> bytes:
        """A one-page PDF: the background, then `overlay` (PDF operators, in points) whose
        invisible text is set in `text`'s fonts."""
        n = len(self.objects)
        contents = zlib.compress(f"q /BG Do Q\n{overlay}\n".encode("ascii"), 1)  # fast: per store
        media = " ".join(_num(v) for v in self.media_box)
        font_names, font_objects = text.objects(n + 6) if text else (b"", [])
        extra = [
            b"<< /Type /Catalog /Pages %d 0 R >>" % (n + 2),
            b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 3),
            (f"<< /Type /Page /Parent {n + 2} 0 R /MediaBox [{media}] "
             f"/TrimBox [{' '.join(_num(v) for v in self.trim_box)}] "
             f"/BleedBox [{' '.join(_num(v) for v in self.bleed_box)}] "
             f"/Resources << /XObject << /BG 1 0 R >>").encode("ascii")
            + (b" /Font << " + font_names + b" >>" if font_names else b"") + b" >> /Contents %d 0 R >>" % (n + 4),
            _flate_stream(contents),
            b"<< /Title " + _text_string(title) + b" >>",
        ]
        return _write_pdf(list(self.objects) + extra + font_objects, root=n + 1, info=n + 5)


class TextLayer:
    """The words of a page's outlined text, as invisible text a reader finds.

    Store texts are drawn as glyph outlines (fast, and exactly the template's font), which no
    reader can search, copy or read aloud. Each outlined line is therefore also set as invisible
    text (rendering mode 3) at the same place, size and advances, in a font that has no glyphs
    (what OCR tools put under a scanned page): character codes are the text's own code points
    and a ToUnicode map gives them back, so `pdftotext`, PDFium, a preflight tool or a screen
    reader gets the NFC text itself, and a selection covers the outlines. One font per outline
    font (its advances and vertical metrics), listing only the characters the page uses."""

    def __init__(self) -> None:
        self._fonts: dict[OutlineFont, dict[str, None]] = {}
        """Each outline font used (/T0, /T1, ...) and its characters, in order of first use."""

    def show(self, font: OutlineFont, text: str, size: float, x: float, baseline: float) -> str:
        """Operators that set `text` invisibly at `size` points from (x, baseline), where
        `font.draw` draws its outlines."""
        if max(text, default="") >= "\ud800":  # a code is two bytes: a character past U+FFFF
            text = _NOT_ONE_CODE.sub("\ufffd", text)  # is U+FFFD (no print font draws one anyway)
        self._fonts.setdefault(font, {}).update(dict.fromkeys(text))
        index = list(self._fonts).index(font)
        return (f"BT 3 Tr /T{index} {size:.3f} Tf {x:.2f} {baseline:.2f} Td "
                f"<{text.encode('utf-16-be').hex()}> Tj ET")

    def objects(self, first: int) -> tuple[bytes, list[bytes]]:
        """The page's /Font entries and the objects they refer to, numbered from `first`."""
        if not self._fonts:
            return b"", []
        font_file, cid_to_gid = _glyphless()
        blocks = sorted({ord(c) >> 8 for chars in self._fonts.values() for c in chars})
        objects = [font_file, cid_to_gid, _to_unicode(tuple(blocks))]
        names = []
        for index, (font, chars) in enumerate(self._fonts.items()):
            number = first + len(objects)
            names.append(b"/T%d %d 0 R" % (index, number))
            entries = _font_entries(font)
            objects += [
                (f"<< /Type /Font /Subtype /Type0 /BaseFont /GlyphLessFont /Encoding /Identity-H "
                 f"/DescendantFonts [{number + 1} 0 R] /ToUnicode {first + 2} 0 R >>").encode("ascii"),
                (f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /GlyphLessFont "
                 f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                 f"/FontDescriptor {number + 2} 0 R /CIDToGIDMap {first + 1} 0 R /DW 0 "
                 f"/W [{' '.join(map(entries.__getitem__, chars))}] >>").encode("ascii"),
                (f"<< /Type /FontDescriptor /FontName /GlyphLessFont /Flags 4 {entries.metrics} "
                 f"/FontFile2 {first} 0 R >>").encode("ascii"),
            ]
        return b" ".join(names), objects


_NOT_ONE_CODE = re.compile("[\ud800-\udfff\U00010000-\U0010ffff]")


class _FontEntries(dict[str, str]):
    """An outline font's part of a text layer, formatted once: per character its /W entry (its
    code and its advance as `font.draw` moves, nothing for a character the font lacks), and its
    metrics (a selection's height)."""

    def __init__(self, font: OutlineFont):
        super().__init__()
        self.advances, self.em = font.advances, 1000 / font.units_per_em  # PDF fonts: 1/1000 em
        x0, y0, x1, y1 = (round(v * self.em) for v in font.bbox)
        ascent, descent = round(font.ascender * self.em), round(font.descender * self.em)
        self.metrics = (f"/FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 /Ascent {ascent} "
                        f"/Descent {descent} /CapHeight {ascent} /StemV 80")

    def __missing__(self, char: str) -> str:
        entry = self[char] = f"{ord(char)} [{_num(self.advances.get(ord(char), 0) * self.em)}]"
        return entry


@functools.lru_cache(maxsize=16)  # as many as `OutlineFont.load` keeps
def _font_entries(font: OutlineFont) -> _FontEntries:
    return _FontEntries(font)


@functools.lru_cache(maxsize=64)  # a few combinations of scripts: most pages share one
def _to_unicode(blocks: tuple[int, ...]) -> bytes:
    """A ToUnicode CMap stream mapping each code (a code point) of these blocks of 256 to its
    character."""
    ranges = [f"<{b:02x}00> <{b:02x}ff> <{b:02x}00>" for b in blocks]
    cmap = ("/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
            + "".join(f"{len(ranges[i:i + 100])} beginbfrange\n" + "\n".join(ranges[i:i + 100])
                      + "\nendbfrange\n" for i in range(0, len(ranges), 100))  # at most 100 a block
            + "endcmap CMapName currentdict /CMap defineresource pop end end\n")
    return _flate_stream(zlib.compress(cmap.encode("ascii"), 9))


@functools.lru_cache(maxsize=1)
def _glyphless() -> tuple[bytes, bytes]:
    """A TrueType font whose one glyph is empty and the map of every code to that glyph, as
    stream objects: the same bytes in every file (the font carries no date)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.misc.timeTools import timestampSinceEpoch
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    builder = FontBuilder(1000, isTTF=True)
    builder.font.recalcTimestamp = False
    builder.setupGlyphOrder([".notdef", "empty"])
    builder.setupCharacterMap({})
    empty = TTGlyphPen(None).glyph()
    builder.setupGlyf({".notdef": empty, "empty": empty})
    builder.setupHorizontalMetrics({".notdef": (0, 0), "empty": (0, 0)})
    builder.setupHorizontalHeader(ascent=1000, descent=0)
    builder.updateHead(created=timestampSinceEpoch(0), modified=timestampSinceEpoch(0))
    builder.setupNameTable({"familyName": "GlyphLessFont", "styleName": "Regular"})
    builder.setupOS2()
    builder.setupPost()
    out = io.BytesIO()
    builder.save(out)
    font = out.getvalue()
    packed = zlib.compress(font, 9)
    font_file = (b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n" % (len(packed), len(font))
                 + packed + b"\nendstream")
    return font_file, _flate_stream(zlib.compress(b"\x00\x01" * 65536, 9))


def _flate_stream(deflated: bytes) -> bytes:
    """A stream object of data already deflated."""
    return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(deflated) + deflated + b"\nendstream"


def single_page_pdf(ops: str, box: Box) -> bytes:
    """A PDF of one page the size of `box` (x, y, width, height in points) showing `ops`."""
    x, y, w, h = box
    contents = f"{ops}\n".encode("ascii")
    return _write_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [{_num(x)} {_num(y)} {_num(x + w)} {_num(y + h)}] "
        f"/Resources << >> /Contents 4 0 R >>".encode("ascii"),
        b"<< /Length %d >>\nstream\n" % len(contents) + contents + b"\nendstream",
    ], root=1, info=None)


def _write_pdf(objects: list[bytes], root: int, info: int | None) -> bytes:
    """Objects 1..n, a cross-reference table and a trailer whose file id is derived from the
    bytes (same objects, same file)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1))
    out.writelines(b"%010d 00000 n \n" % o for o in offsets)
    file_id = hashlib.md5(out.getvalue()).hexdigest().encode()
    info_entry = b" /Info %d 0 R" % info if info else b""
    out.write(b"trailer\n<< /Size %d /Root %d 0 R%s /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(offsets) + 1, root, info_entry, file_id, file_id, xref))
    return out.getvalue()


def _collect(obj: PdfObject, numbers: dict[int, int], order: list[PdfObject], next_number: int) -> int:
    """Number every indirect object reachable from `obj`, depth first, in a stable order."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    if isinstance(obj, IndirectObject):
        if obj.idnum in numbers:
            return next_number
        numbers[obj.idnum] = next_number
        next_number += 1
        target = obj.get_object()
        assert target is not None, f"object {obj.idnum} is missing"
        order.append(target)
        return _collect(target, numbers, order, next_number)
    if isinstance(obj, DictionaryObject):
        for key in sorted(obj):
            next_number = _collect(obj.raw_get(key), numbers, order, next_number)
    elif isinstance(obj, ArrayObject):
        for item in obj:
            next_number = _collect(item, numbers, order, next_number)
    return next_number


def _serialize(obj: PdfObject, numbers: dict[int, int]) -> bytes:
    from pypdf.generic import StreamObject

    if isinstance(obj, StreamObject):
        return _stream(obj, obj._data, numbers)  # still encoded: copied as it is
    return _value(obj, numbers)


def _stream(header: DictionaryObject, data: bytes, numbers: dict[int, int]) -> bytes:
    from pypdf.generic import NameObject, StreamObject

    entries = [(NameObject(k), header.raw_get(k)) for k in sorted(header) if k != "/Length"]
    if not isinstance(header, StreamObject):  # a dictionary we made: its data is deflated here
        entries.append((NameObject("/Filter"), NameObject("/FlateDecode")))
    body = b"<<" + b" ".join(_value(k, numbers) + b" " + _value(v, numbers) for k, v in entries)
    return body + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _value(obj: PdfObject, numbers: dict[int, int]) -> bytes:
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    if isinstance(obj, IndirectObject):
        return b"%d 0 R" % numbers[obj.idnum]
    if isinstance(obj, DictionaryObject):
        return b"<<" + b" ".join(_value(NameObject(k), numbers) + b" " + _value(obj.raw_get(k), numbers)
                                 for k in sorted(obj)) + b">>"
    if isinstance(obj, ArrayObject):
        return b"[" + b" ".join(_value(item, numbers) for item in obj) + b"]"
    buffer = io.BytesIO()
    obj.write_to_stream(buffer)
    return buffer.getvalue()


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _text_string(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"
