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
from typing import TYPE_CHECKING, Any, NamedTuple, Sequence

if TYPE_CHECKING:  # pypdf reads a background once; composing a page (a cached background) needs none
    from pypdf.generic import DictionaryObject, PdfObject

    from ..printing.fit import OutlineFont
    from ..printing.marks import Marks

Box = tuple[float, float, float, float]
Ink = tuple[tuple[float, float, float], str]
"""A colour the overlay paints in DeviceRGB (`r g b rg`, rounded to 3 decimals) and the CMYK
(`c m y k`) it prints in on a press page."""


@dataclass(frozen=True)
class Press:
    """What makes a composed page a PDF/X-4 file: the background's output intent (an object of
    the background, its profile embedded), the documents' date and language, and the print
    colour of every colour the overlay may paint."""

    intent: int
    """The GTS_PDFX output intent's object number among the background's objects."""
    date: str
    """xmp:CreateDate of the background (ISO 8601): every file made on it has this date."""
    lang: str
    title: str = ""
    """The source's Info /Title: the file's title unless `compose` is given one."""
    inks: tuple[Ink, ...] = ()

    @functools.cached_property
    def table(self) -> dict[tuple[float, float, float], str]:
        return dict(self.inks)


@dataclass(frozen=True)
class Background:
    """A page to draw on: its boxes and its content as a ready-to-use Form XObject."""

    media_box: Box
    trim_box: Box
    bleed_box: Box
    objects: tuple[bytes, ...]
    """Serialized objects 1..n; object `form` is the Form XObject of the whole page (a document's
    pages share one tuple: `Background.pages_of`)."""
    digest: str
    """sha256 of the source PDF: part of every cache key built on this background."""
    form: int = 1
    press: Press | None = None
    """Set: every file composed on this background is PDF/X-4 (version, intent, XMP, Info)."""
    marks: Marks | None = None
    """Set: crop and registration marks and a slug line outside the bleed (`printing.marks`)."""
    slug: str = ""
    """Of the one page composed on this copy (`dataclasses.replace`): its slug line."""
    build_id: str = ""
    """Of a one-file copy: what the XMP ids derive from (`compose_pages`'s `document_id`)."""

    @classmethod
    def from_pdf(cls, pdf: bytes, page_number: int = 0, inks: tuple[Ink, ...] = ()) -> "Background":
        return cls.pages_of(pdf, inks)[page_number]

    @classmethod
    def pages_of(cls, pdf: bytes, inks: tuple[Ink, ...] = ()) -> list["Background"]:
        """Every page of `pdf`, sharing one set of objects (fonts used on both sides of a
        leaflet are kept once). A PDF/X file's output intent is kept (`Press`)."""
        from pypdf import PdfReader
        from pypdf.generic import ArrayObject, DictionaryObject, NameObject

        reader = PdfReader(io.BytesIO(pdf))
        numbers: dict[int, int] = {}
        order: list[PdfObject] = []
        next_number = len(reader.pages) + 1
        forms, all_boxes = [], []
        for page in reader.pages:
            all_boxes.append([(float(box[0]), float(box[1]), float(box[2]), float(box[3]))
                              for box in (page.mediabox, page.trimbox, page.bleedbox)])
            content = page.get_contents()
            data = content.get_data() if content is not None else b""
            resources = page.get("/Resources", DictionaryObject())
            next_number = _collect(resources, numbers, order, next_number)
            forms.append((DictionaryObject({
                NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(page.mediabox), NameObject("/Resources"): resources,
            }), data))
        catalog: Any = reader.trailer["/Root"]
        intents = [i.get_object() for i in catalog.get("/OutputIntents") or []]
        intent = next((i for i in intents if i.get("/S") == "/GTS_PDFX"), None)
        if intent is not None:
            next_number = _collect(intent, numbers, order, next_number)
        serialized = [_stream(form, zlib.compress(data, 6), numbers) for form, data in forms]
        serialized += [_serialize(obj, numbers) for obj in order]
        press = None
        if intent is not None:
            serialized.append(_value(intent, numbers))
            metadata = catalog.get("/Metadata")
            xmp = metadata.get_object().get_data().decode("utf-8") if metadata is not None else ""
            date = re.search(r"<xmp:CreateDate>([^<]+)</xmp:CreateDate>", xmp)
            info: Any = reader.trailer.get("/Info")
            press = Press(intent=len(serialized), date=date.group(1) if date else "2020-01-01T00:00:00+07:00",
                          lang=str(catalog.get("/Lang") or ""),
                          title=str((info.get_object() if info else {}).get("/Title") or ""), inks=inks)
        digest = hashlib.sha256(pdf).hexdigest()
        objects = tuple(serialized)
        return [cls(media, trim, bleed, objects=objects, digest=digest, form=n, press=press)
                for n, (media, trim, bleed) in enumerate(all_boxes, 1)]

    def compose(self, overlay: str, title: str = "", text: TextLayer | None = None) -> bytes:
        """A one-page PDF: the background, then `overlay` (PDF operators, in points) whose
        invisible text is set in `text`'s fonts."""
        return compose_pages([(self, overlay)], title, text)


def compose_pages(pages: Sequence[tuple[Background, str]], title: str = "",
                  text: TextLayer | None = None, document_id: str = "") -> bytes:
    """A PDF of these pages (backgrounds of one document, `Background.pages_of`, or copies of
    one background: a print batch's pages, each with its own slug), each with its overlay; the
    first page's press settings hold for the file, each page's marks and slug for that page.
    On a press page the overlay's DeviceRGB colours print in their CMYK (`Press.inks`): any
    other colour is refused, so a store's page is CMYK by construction. `document_id`: what
    the XMP ids derive from (the file's own cache key; else the first page's build id)."""
    first = pages[0][0]
    objects, press = first.objects, first.press
    title = title or (press.title if press else "")
    assert all(bg.objects is objects for bg, _ in pages), "pages of one document only"
    n, count = len(objects), len(pages)
    layer = text if text is not None else TextLayer()
    info = n + 3 + 2 * count
    media_boxes, streams = [], []
    for bg, overlay in pages:
        if press is not None:
            overlay = _in_cmyk(overlay, press.table)
        marks = bg.marks.draw(bg.slug, layer) if bg.marks else ""
        media_boxes.append(bg.marks.media_box if bg.marks else bg.media_box)
        streams.append(_flate_stream(zlib.compress(f"q /BG Do Q\n{overlay}\n{marks}\n".encode("ascii"), 1)))
    metadata = info + 1 if press else None
    font_names, font_objects = layer.objects((metadata or info) + 1)
    fonts = b" /Font << " + font_names + b" >>" if font_names else b""
    spaces = b""
    if first.marks:
        from ..printing.marks import REGISTRATION, REGISTRATION_SPACE

        spaces = f" /ColorSpace << /{REGISTRATION} {REGISTRATION_SPACE} >>".encode("ascii")
    catalog = b"<< /Type /Catalog /Pages %d 0 R" % (n + 2)
    if press:
        catalog += b" /OutputIntents [%d 0 R] /Metadata %d 0 R" % (press.intent, info + 1)
        if press.lang:
            catalog += b" /Lang " + _text_string(press.lang)
    extra = [catalog + b" >>",
             b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
                 b" ".join(b"%d 0 R" % (n + 3 + 2 * i) for i in range(count)), count)]
    for i, ((bg, _), media, stream) in enumerate(zip(pages, media_boxes, streams)):
        extra += [
            (f"<< /Type /Page /Parent {n + 2} 0 R /MediaBox [{_box(media)}] "
             f"/TrimBox [{_box(bg.trim_box)}] /BleedBox [{_box(bg.bleed_box)}] "
             f"/Resources << /XObject << /BG {bg.form} 0 R >>").encode("ascii")
            + spaces + fonts + b" >> /Contents %d 0 R >>" % (n + 4 + 2 * i),
            stream,
        ]
    if press:
        day = _pdf_date(press.date)
        extra.append(b"<< /Title " + _text_string(title) + b" /Producer (campaign_kit) /CreationDate ("
                     + day + b") /ModDate (" + day + b") /Trapped /False >>")
        extra.append(_xmp(title, press.date, document_id or first.build_id or first.digest))
    else:
        extra.append(b"<< /Title " + _text_string(title) + b" >>")
    return _write_pdf(list(objects) + extra + font_objects, root=n + 1, info=info,
                      version="1.6" if press else "1.7", fixed=(n, first.digest))


def _in_cmyk(overlay: str, table: dict[tuple[float, float, float], str]) -> str:
    """`overlay` with each `r g b rg` (and `RG`) replaced by its print colour's `c m y k k`."""
    parts, last = [], 0
    for operator, cmyk_operator in ((" rg", "k"), (" RG", "K")):
        start = overlay.find(operator)
        while start >= 0:  # a plain search: a regex over every number of the outlines costs 17 ms
            end = start + 3
            if end == len(overlay) or overlay[end].isspace():
                begin = start
                for _ in range(3):
                    begin = overlay.rfind(" ", 0, begin) if begin > 0 else -1
                head = max(begin, overlay.rfind("\n", 0, start)) + 1
                values = overlay[head:start].split()
                try:
                    key: tuple[float, ...] = tuple(round(float(v), 3) for v in values)
                except ValueError:
                    key = ()
                cmyk = table.get(key) if len(key) == 3 else None
                if cmyk is None:
                    raise ValueError(f"the overlay paints DeviceRGB {overlay[head:start]!r}, which has no print colour")
                parts.append((head, end, f"{cmyk} {cmyk_operator}"))
            start = overlay.find(operator, end)
    out = []
    for head, end, replacement in sorted(parts):
        out += [overlay[last:head], replacement]
        last = end
    return "".join(out) + overlay[last:]


def _box(box: Box) -> str:
    return " ".join(f"{v:.6f}".rstrip("0").rstrip(".") for v in box)  # as the source gave them


def _pdf_date(iso: str) -> bytes:
    """2020-08-01T00:00:00+07:00 -> D:20200801000000+07'00'."""
    found = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)([+-])(\d\d):(\d\d)", iso)
    if not found:
        raise ValueError(f"not an ISO 8601 time with a zone: {iso!r}")
    g = found.groups()
    return f"D:{''.join(g[:6])}{g[6]}{g[7]}'{g[8]}'".encode("ascii")


def _xmp(title: str, date: str, seed: str) -> bytes:
    """The XMP packet of a PDF/X-4 file (ISO 15930-7: version, dates, ids, rendition class),
    agreeing with its Info dictionary; the ids are derived from `seed` (the file's build id)."""
    digest = hashlib.md5(seed.encode()).hexdigest()
    uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}"
    safe = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/" '
        'xmlns:pdf="http://ns.adobe.com/pdf/1.3/" xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">'
        f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{safe}</rdf:li></rdf:Alt></dc:title>'
        f"<xmp:CreateDate>{date}</xmp:CreateDate><xmp:ModifyDate>{date}</xmp:ModifyDate>"
        f"<xmp:MetadataDate>{date}</xmp:MetadataDate><xmp:CreatorTool>campaign_kit</xmp:CreatorTool>"
        f"<xmpMM:DocumentID>uuid:{uuid}</xmpMM:DocumentID><xmpMM:InstanceID>uuid:{uuid}</xmpMM:InstanceID>"
        "<xmpMM:VersionID>1</xmpMM:VersionID><xmpMM:RenditionClass>default</xmpMM:RenditionClass>"
        "<pdf:Producer>campaign_kit</pdf:Producer><pdf:Trapped>False</pdf:Trapped>"
        "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>\n<?xpacket end=\"r\"?>").encode("utf-8")
    return (b"<< /Type /Metadata /Subtype /XML /Length %d >>\nstream\n" % len(packet)
            + packet + b"\nendstream")


class TextLayer:
    """The words of a page's outlined text, as invisible text a reader finds.

    Store texts are drawn as glyph outlines (fast, and exactly the template's font), which no
    reader can search, copy or read aloud. Each outlined line is therefore also set as invisible
    text (rendering mode 3) at the same place, size and advances, in a font that has no glyphs
    (what OCR tools put under a scanned page): character codes are the text's own code points
    and a ToUnicode map gives them back, so `pdftotext`, PDFium, a preflight tool or a screen
    reader gets the NFC text itself, and a selection covers the outlines. One font per outline
    font (its advances and vertical metrics), listing only the characters the page uses.

    `print_text` sets visible text in a subset of the real font instead (a print batch's slug
    lines: as outlines they would be most of each page's bytes)."""

    def __init__(self) -> None:
        self._fonts: dict[OutlineFont, dict[str, None]] = {}
        """Each outline font used (/T0, /T1, ...) and its characters, in order of first use."""
        self._printed: dict[OutlineFont, dict[str, None]] = {}
        """The same of the fonts embedded for visible text (/S0, ...)."""

    def show(self, font: OutlineFont, text: str, size: float, x: float, baseline: float) -> str:
        """Operators that set `text` invisibly at `size` points from (x, baseline), where
        `font.draw` draws its outlines."""
        text = self._use(self._fonts, font, text)
        return (f"BT 3 Tr /T{list(self._fonts).index(font)} {size:.3f} Tf {x:.2f} {baseline:.2f} Td "
                f"<{text.encode('utf-16-be').hex()}> Tj ET")

    def print_text(self, font: OutlineFont, text: str, size: float, x: float, baseline: float) -> str:
        """Operators that fill `text` (in the current colour) at `size` points from (x,
        baseline) in `font`, embedded as a subset of the characters the file uses."""
        text = self._use(self._printed, font, text)
        return (f"BT 0 Tr /S{list(self._printed).index(font)} {size:.3f} Tf {x:.2f} {baseline:.2f} Td "
                f"<{text.encode('utf-16-be').hex()}> Tj ET")

    @staticmethod
    def _use(fonts: dict[OutlineFont, dict[str, None]], font: OutlineFont, text: str) -> str:
        if max(text, default="") >= "\ud800":  # a code is two bytes: a character past U+FFFF
            text = _NOT_ONE_CODE.sub("\ufffd", text)  # is U+FFFD (no print font draws one anyway)
        fonts.setdefault(font, {}).update(dict.fromkeys(text))
        return text

    def objects(self, first: int) -> tuple[bytes, list[bytes]]:
        """The page's /Font entries and the objects they refer to, numbered from `first`."""
        if not self._fonts and not self._printed:
            return b"", []
        font_file, cid_to_gid = _glyphless()
        blocks = sorted({ord(c) >> 8 for fonts in (self._fonts, self._printed)
                         for chars in fonts.values() for c in chars})
        objects = [font_file, cid_to_gid, _to_unicode(tuple(blocks))]
        names = []
        for index, (font, chars) in enumerate(self._printed.items()):
            number = first + len(objects)
            names.append(b"/S%d %d 0 R" % (index, number))
            entries = _font_entries(font)
            subset, gids = _subset(font, "".join(chars))
            objects += [
                (f"<< /Type /Font /Subtype /Type0 /BaseFont /{subset.name} /Encoding /Identity-H "
                 f"/DescendantFonts [{number + 1} 0 R] /ToUnicode {first + 2} 0 R >>").encode("ascii"),
                (f"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /{subset.name} "
                 f"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
                 f"/FontDescriptor {number + 2} 0 R /CIDToGIDMap {number + 4} 0 R /DW 0 "
                 f"/W [{' '.join(map(entries.__getitem__, chars))}] >>").encode("ascii"),
                (f"<< /Type /FontDescriptor /FontName /{subset.name} /Flags 4 {entries.metrics} "
                 f"/FontFile2 {number + 3} 0 R >>").encode("ascii"),
                subset.stream, gids,
            ]
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


class _Subset(NamedTuple):
    name: str
    """The PDF font name: a tag from the characters (`ABCDEF+Family`, as PDF subsets are named)."""
    stream: bytes


def _subset(font: OutlineFont, chars: str) -> tuple[_Subset, bytes]:
    """`font` cut down to `chars` (hinting and layout tables dropped: the characters are placed
    one by one at the advances the text layer gives), and the map of each code (its code point)
    to its glyph in the subset, as stream objects. The same characters give the same bytes."""
    from fontTools import subset
    from fontTools.ttLib import TTFont

    tt = TTFont(font.path, fontNumber=font.number, recalcTimestamp=False, recalcBBoxes=False)
    for tag in ("GSUB", "GPOS", "GDEF", "kern"):  # unread: decoding them is most of the time
        if tag in tt:
            del tt[tag]
    options = subset.Options()
    options.layout_features, options.hinting, options.name_IDs = [], False, ["*"]
    options.notdef_outline, options.glyph_names = True, False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in chars])
    subsetter.subset(tt)
    out = io.BytesIO()
    tt.save(out)
    data = out.getvalue()
    order = {name: gid for gid, name in enumerate(tt.getGlyphOrder())}
    codes = {ord(c): order.get(tt.getBestCmap().get(ord(c), ".notdef"), 0) for c in chars}
    table = bytearray(2 * (max(codes) + 1))
    for code, gid in codes.items():
        table[2 * code:2 * code + 2] = gid.to_bytes(2, "big")
    tag = "".join(chr(65 + b % 26) for b in hashlib.sha256(data).digest()[:6])
    family = re.sub(r"[^A-Za-z0-9-]", "", str(tt["name"].getDebugName(6) or "Font")) or "Font"
    packed = zlib.compress(data, 9)
    stream = (b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n" % (len(packed), len(data))
              + packed + b"\nendstream")
    return _Subset(f"{tag}+{family}", stream), _flate_stream(zlib.compress(bytes(table), 9))


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


def _write_pdf(objects: list[bytes], root: int, info: int | None, version: str = "1.7",
               fixed: tuple[int, str] = (0, "")) -> bytes:
    """Objects 1..n, a cross-reference table and a trailer whose file id is derived from the
    bytes (same objects, same file). `fixed`: the first objects are a background's, known by
    its digest: hashed as that digest (its profile alone is 0.8 MB)."""
    count, digest = fixed
    out = io.BytesIO()
    out.write(b"%%PDF-%s\n%%\xe2\xe3\xcf\xd3\n" % version.encode("ascii"))
    file_hash = hashlib.md5(digest.encode("ascii"))
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        chunk = b"%d 0 obj\n" % number + body + b"\nendobj\n"
        out.write(chunk)
        if number > count:
            file_hash.update(chunk)
    xref = out.tell()
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1) + b"".join(
        b"%010d 00000 n \n" % o for o in offsets)
    out.write(table)
    file_hash.update(table)
    file_id = file_hash.hexdigest().encode()
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
