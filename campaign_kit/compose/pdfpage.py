"""Compose one-page PDFs from a precomputed background and a few operators drawn on top.

The background (everything that is the same for every store of a carrier: colours, the banner
wording, logos, small print) is laid out once by WeasyPrint. Its page is parsed once into
serialized PDF objects; each store's file is then those bytes, a new content stream and a fresh
cross-reference table. No layout engine runs per store.
"""

from __future__ import annotations

import hashlib
import io
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pypdf reads a background once; composing a page (a cached background) needs none
    from pypdf.generic import DictionaryObject, PdfObject

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

    def compose(self, overlay: str, title: str = "") -> bytes:
        """A one-page PDF: the background, then `overlay` (PDF operators, in points)."""
        n = len(self.objects)
        contents = zlib.compress(f"q /BG Do Q\n{overlay}\n".encode("ascii"), 1)  # fast: per store
        media = " ".join(_num(v) for v in self.media_box)
        extra = [
            b"<< /Type /Catalog /Pages %d 0 R >>" % (n + 2),
            b"<< /Type /Pages /Kids [%d 0 R] /Count 1 >>" % (n + 3),
            (f"<< /Type /Page /Parent {n + 2} 0 R /MediaBox [{media}] "
             f"/TrimBox [{' '.join(_num(v) for v in self.trim_box)}] "
             f"/BleedBox [{' '.join(_num(v) for v in self.bleed_box)}] "
             f"/Resources << /XObject << /BG 1 0 R >> >> /Contents {n + 4} 0 R >>").encode("ascii"),
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(contents) + contents + b"\nendstream",
            b"<< /Title " + _text_string(title) + b" >>",
        ]
        return _write_pdf(list(self.objects) + extra, root=n + 1, info=n + 5)


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
