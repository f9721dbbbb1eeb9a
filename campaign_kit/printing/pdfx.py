"""PDF/X-4 print files: what the build checks in each one, and its colour separations (tests).

No PDF/X validator can be installed on this project's machines (veraPDF validates PDF/A and
PDF/UA, not PDF/X; Ghostscript and qpdf validate nothing of it). `problems` reads the file and
checks the rules of ISO 15930-7 (PDF/X-4) that a file made here could break: version, /ID and no
encryption; the XMP identification (GTS_PDFXVersion, dates, DocumentID, VersionID, RenditionClass)
and its agreement with the Info dictionary; one GTS_PDFX output intent embedding a CMYK output
profile; TrimBox inside BleedBox inside MediaBox on every page; every font embedded; no
DeviceRGB anywhere (content streams, forms, images, shadings, patterns, transparency groups); no
transfer functions or annotations on the sheet. It also checks this project's own print rule:
black and grey text under `SMALL_TEXT_PT` prints in K alone. It does not check what a RIP
would also refuse in general (JPEG2000 details, OPI, optional content configurations,
PostScript XObjects: this build makes none of them, so they are reported as unexpected).

`separation` gives one ink's plate of such a file, as a PDF in DeviceGray (ink = dark): the
tests read the QR code from the K plate and see nothing of it on C, M and Y. `use_spot_inks`
paints a campaign colour that names a spot ink in that ink (WeasyPrint has no spot colours).
"""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any, Sequence

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ContentStream,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    StreamObject,
)

from ..errors import BuildError
from ..model import CarrierPrint, PrintColours

K_ONLY = "device-cmyk(0 0 0 1)"
"""100 % K: QR codes and body text (one plate: nothing to register)."""
PAPER = "device-cmyk(0 0 0 0)"
"""No ink (a knockout to the paper)."""
SMALL_TEXT_PT = 12.0
"""Text below this size whose colour is black or grey (K of 50 % or more) must use K alone: in
four-colour black (up to 300 % ink) thin strokes blur when the plates are out of register."""
INKS = "CMYK"
Spots = tuple[tuple[tuple[float, ...], str], ...]
"""Spot inks: (the CMYK stand-in as fractions of 1, the ink's name)."""

Matrix = tuple[float, float, float, float, float, float]
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def require_pdfx4(pdf: bytes, what: str, walk: Sequence[int] | None = None) -> None:
    """Fail the build when `pdf` breaks a PDF/X-4 rule `problems` checks (`walk`: as there)."""
    found = problems(pdf, walk)
    if found:
        more = f" (and {len(found) - 3} more)" if len(found) > 3 else ""
        raise BuildError(f"{what}: not PDF/X-4: {'; '.join(found[:3])}{more}")


def problems(pdf: bytes, walk: Sequence[int] | None = None) -> list[str]:
    """Every PDF/X-4 rule (of those this module checks) that `pdf` breaks, in words.

    `walk`: the page numbers (from 1) whose content is read for colours and fonts; every page's
    boxes and annotations are checked all the same. Reading content costs about 0.2 s a store
    page (its outlined text): a print batch, whose pages are copies of one background with
    overlays CMYK by construction (`compose.pdfpage.compose_pages`), reads a sample."""
    reader = PdfReader(io.BytesIO(pdf))
    found: list[str] = []
    version = re.fullmatch(r"%PDF-1\.([0-7])", reader.pdf_header)
    if not version or int(version.group(1)) > 6:
        found.append(f"header {reader.pdf_header!r}: PDF/X-4 is PDF 1.6 at most")
    if "/Encrypt" in reader.trailer:
        found.append("the file is encrypted")
    if "/ID" not in reader.trailer:
        found.append("no file identifier (/ID) in the trailer")
    catalog: Any = reader.trailer["/Root"]
    found += _identification(reader, catalog)
    found += _output_intent(catalog)
    for key in ("/OCProperties", "/AcroForm", "/Names", "/OpenAction", "/AA"):
        if key in catalog and not (key == "/Names" and set(catalog[key]) <= {"/Dests"}):
            found.append(f"catalog {key}: not made by this build, not checked for PDF/X")
    walker = _Walker()
    for number, page in enumerate(reader.pages, 1):
        found += [f"page {number}: {p}" for p in _boxes(page)]
        for annot in page.get("/Annots") or []:
            subtype = annot.get_object().get("/Subtype")
            if subtype not in ("/PrinterMark", "/TrapNet"):
                found.append(f"page {number}: a {subtype} annotation (PDF/X: none on the sheet)")
        if walk is None or number in walk:
            walker.page(page, number)
    return found + walker.problems


def _identification(reader: PdfReader, catalog: Any) -> list[str]:
    """XMP metadata naming PDF/X-4, with the dates and ids the standard asks for, agreeing with
    the Info dictionary."""
    found = []
    metadata = catalog.get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata else ""
    if not xmp:
        return ["no XMP metadata stream in the catalog"]
    if _xmp(xmp, "pdfxid:GTS_PDFXVersion") not in ("PDF/X-4", "PDF/X-4p"):
        found.append("XMP pdfxid:GTS_PDFXVersion is not PDF/X-4")
    for name in ("xmp:CreateDate", "xmp:ModifyDate", "xmp:MetadataDate", "xmpMM:DocumentID",
                 "xmpMM:VersionID", "xmpMM:RenditionClass"):
        if not _xmp(xmp, name):
            found.append(f"XMP {name} is missing")
    info = reader.trailer.get("/Info")
    info = info.get_object() if info else {}
    if info.get("/Trapped") not in ("/True", "/False"):
        found.append("Info /Trapped must be /True or /False")
    if info.get("/Title") and not _xmp(xmp, "dc:title"):
        found.append("Info /Title has no XMP dc:title")
    for key, name in (("/CreationDate", "xmp:CreateDate"), ("/ModDate", "xmp:ModifyDate")):
        if key in info and _xmp(xmp, name) and _pdf_date(str(info[key])) != _xmp_date(_xmp(xmp, name)):
            found.append(f"Info {key} {info[key]} is not XMP {name} {_xmp(xmp, name)}")
    return found


def _xmp(xmp: str, name: str) -> str:
    """The value of XMP property `name` (element or attribute form; an rdf:Alt's first item)."""
    element = re.search(rf"<{name}\b[^>]*>(.*?)</{name}>", xmp, re.S)
    if element:
        return re.sub(r"<[^>]+>", "", element.group(1)).strip()
    attribute = re.search(rf'\b{name}="([^"]*)"', xmp)
    return attribute.group(1).strip() if attribute else ""


def _pdf_date(value: str) -> str:
    """D:20200801000000+07'00' -> 20200801000000+0700 (what the two forms share)."""
    return value.removeprefix("D:").replace("'", "").replace("Z00", "Z")


def _xmp_date(value: str) -> str:
    """2020-08-01T00:00:00+07:00 -> 20200801000000+0700."""
    return re.sub(r"[-:T]", "", value)


def _output_intent(catalog: Any) -> list[str]:
    intents = [i.get_object() for i in catalog.get("/OutputIntents") or []]
    pdfx = [i for i in intents if i.get("/S") == "/GTS_PDFX"]
    if len(pdfx) != 1:
        return [f"{len(pdfx)} GTS_PDFX output intents, PDF/X-4 needs exactly one"]
    intent = pdfx[0]
    found = []
    if not str(intent.get("/OutputConditionIdentifier") or ""):
        found.append("the output intent has no OutputConditionIdentifier")
    profile = intent.get("/DestOutputProfile")
    if profile is None:
        return found + ["the output intent embeds no DestOutputProfile"]
    data = profile.get_object().get_data()
    if len(data) < 40 or data[36:40] != b"acsp" or data[12:16] != b"prtr" or data[16:20] != b"CMYK":
        found.append("the output intent's profile is not a CMYK output (prtr) ICC profile")
    if profile.get_object().get("/N") != 4:
        found.append("the output intent's profile stream does not say /N 4")
    return found


def _boxes(page: Any) -> list[str]:
    if "/TrimBox" not in page or "/ArtBox" in page:
        return ["PDF/X-4 needs a TrimBox (and no ArtBox)"]
    media, trim = _box(page["/MediaBox"]), _box(page["/TrimBox"])
    bleed = _box(page["/BleedBox"]) if "/BleedBox" in page else trim
    found = []
    if not _inside(trim, bleed):
        found.append(f"TrimBox {trim} is not inside BleedBox {bleed}")
    if not _inside(bleed, media):
        found.append(f"BleedBox {bleed} is not inside MediaBox {media}")
    return found


def _box(value: Any) -> tuple[float, ...]:
    x0, y0, x1, y1 = (float(v) for v in value)
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _inside(inner: tuple[float, ...], outer: tuple[float, ...]) -> bool:
    eps = 0.01  # points: rounding of boxes written as decimals
    return (inner[0] >= outer[0] - eps and inner[1] >= outer[1] - eps and
            inner[2] <= outer[2] + eps and inner[3] <= outer[3] + eps)


# --- content -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Colour:
    space: str
    """"cmyk", "gray", "rgb", "Separation:<ink>", or another family's name ("Lab", "Pattern")."""
    values: tuple[float, ...] = ()


_INITIAL = {"cmyk": (0.0, 0.0, 0.0, 1.0), "gray": (0.0,), "rgb": (0.0, 0.0, 0.0)}


@dataclass(frozen=True)
class _State:
    ctm: Matrix = _IDENTITY
    fill: _Colour = _Colour("gray", (0.0,))
    stroke: _Colour = _Colour("gray", (0.0,))
    font_size: float = 0.0


@dataclass
class _Walker:
    """Reads every content stream a page paints with (forms, patterns, soft masks, Type 3
    glyphs) once each, with the graphics state the rules need: colour, CTM, text size."""

    problems: list[str] = field(default_factory=list)
    _seen: set[tuple[int, int]] = field(default_factory=set)
    _where: str = ""

    def page(self, page: Any, number: int) -> None:
        self._where = f"page {number}"
        self._group(page.get("/Group"))
        resources = page.get("/Resources") or DictionaryObject()
        self._fonts(resources)
        if page.get("/Contents") is not None:
            self._stream(ContentStream(page.get_contents(), None), resources, _State())

    def _problem(self, text: str) -> None:
        message = f"{self._where}: {text}"
        if message not in self.problems:
            self.problems.append(message)

    def _once(self, ref: Any) -> bool:
        """True the first time a shared object (a form, a font) is met."""
        if not isinstance(ref, IndirectObject):
            return True
        key = (ref.idnum, ref.generation)
        if key in self._seen:
            return False
        self._seen.add(key)
        return True

    def _group(self, group: Any) -> None:
        if group is not None and "/CS" in group.get_object():
            self._space(group.get_object()["/CS"], None, "a transparency group")

    def _space(self, value: Any, resources: Any, what: str) -> str:
        """The family of colour space `value` (a name or an array), reporting DeviceRGB."""
        value = value.get_object() if isinstance(value, IndirectObject) else value
        if isinstance(value, NameObject) and resources is not None:
            named = (resources.get("/ColorSpace") or {}).get(value)
            if named is not None:
                return self._space(named, None, what)
        family = str(value[0] if isinstance(value, ArrayObject) else value)
        if family in ("/DeviceRGB", "/RGB"):
            self._problem(f"{what} in DeviceRGB")
            return "rgb"
        if family == "/ICCBased":
            n = value[1].get_object().get("/N")
            return {4: "cmyk", 1: "gray"}.get(n, f"ICCBased N={n}")
        if family in ("/Indexed", "/I"):
            self._space(value[1], resources, f"{what} (indexed)")
        elif family in ("/Separation", "/DeviceN"):
            self._space(value[2], resources, f"{what} (alternate)")
            if family == "/Separation":
                return f"Separation:{str(value[1]).lstrip('/')}"
        elif family == "/Pattern" and isinstance(value, ArrayObject) and len(value) > 1:
            self._space(value[1], resources, f"{what} (pattern)")
        return {"/DeviceCMYK": "cmyk", "/CMYK": "cmyk", "/DeviceGray": "gray", "/G": "gray"}.get(
            family, family.lstrip("/"))

    def _fonts(self, resources: Any) -> None:
        for name, ref in (resources.get("/Font") or {}).items():
            if not self._once(ref):
                continue
            font = ref.get_object()
            descriptor_of = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            if font.get("/Subtype") == "/Type3":
                for glyph in (font.get("/CharProcs") or {}).values():
                    self._form(glyph, font.get("/Resources") or resources, _State())
                continue
            descriptor = descriptor_of.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                self._problem(f"font {font.get('/BaseFont', name)} is not embedded")

    def _form(self, ref: Any, resources: Any, state: _State) -> None:
        if not self._once(ref):
            return
        form = ref.get_object()
        self._group(form.get("/Group"))
        own = form.get("/Resources") or resources
        self._fonts(own)
        matrix = tuple(float(v) for v in form.get("/Matrix", _IDENTITY))
        self._stream(ContentStream(form, None), own, replace(state, ctm=_times(matrix, state.ctm)))  # type: ignore[arg-type]

    def _stream(self, content: ContentStream, resources: Any, state: _State) -> None:
        stack: list[_State] = []
        text_matrix = _IDENTITY
        for operands, op in content.operations:
            operator = op.decode("latin-1") if isinstance(op, bytes) else str(op)
            if operator == "q":
                stack.append(state)
            elif operator == "Q" and stack:
                state = stack.pop()
            elif operator == "cm":
                state = replace(state, ctm=_times(tuple(float(v) for v in operands), state.ctm))  # type: ignore[arg-type]
            elif operator in ("rg", "RG"):
                self._problem("a colour in DeviceRGB (rg)")
                state = _set(state, operator == "RG", _Colour("rgb", tuple(map(float, operands))))
            elif operator in ("k", "K", "g", "G"):
                space = "cmyk" if operator in ("k", "K") else "gray"
                state = _set(state, operator.isupper(), _Colour(space, tuple(map(float, operands))))
            elif operator in ("cs", "CS"):
                space = self._space(operands[0], resources, "a colour space")
                state = _set(state, operator == "CS", _Colour(space, _INITIAL.get(space, ())))
            elif operator in ("sc", "scn", "SC", "SCN"):
                stroke = operator.isupper()
                current = state.stroke if stroke else state.fill
                numbers = tuple(float(v) for v in operands if not isinstance(v, NameObject))
                state = _set(state, stroke, _Colour(current.space, numbers))
                if operands and isinstance(operands[-1], NameObject):  # a pattern
                    self._pattern((resources.get("/Pattern") or {}).get(operands[-1]), resources, state)
            elif operator == "Tf":
                state = replace(state, font_size=float(operands[1]))
            elif operator == "BT":
                text_matrix = _IDENTITY
            elif operator == "Tm":
                text_matrix = tuple(float(v) for v in operands)  # type: ignore[assignment]
            elif operator in ("Tj", "TJ", "'", '"'):
                self._text(state, text_matrix)
            elif operator == "Do":
                self._xobject((resources.get("/XObject") or {}).get(operands[0]), resources, state)
            elif operator == "sh":
                shading = (resources.get("/Shading") or {}).get(operands[0])
                if shading is not None:
                    self._space(shading.get_object().get("/ColorSpace"), resources, "a shading")
            elif operator == "gs":
                self._ext_gstate((resources.get("/ExtGState") or {}).get(operands[0]), resources, state)
            elif operator == "INLINE IMAGE":
                settings = (operands.get("settings") or {}) if isinstance(operands, dict) else {}
                image_space = settings.get("/CS", settings.get("/ColorSpace"))
                if image_space is not None and not settings.get("/IM", settings.get("/ImageMask")):
                    self._space(image_space, resources, "an inline image")

    def _text(self, state: _State, text_matrix: Matrix) -> None:
        colour = state.fill
        size = state.font_size * _scale(_times(text_matrix, state.ctm))
        if size >= SMALL_TEXT_PT or colour.space != "cmyk" or len(colour.values) != 4:
            return
        c, m, y, k = colour.values
        if k >= 0.5 and (c, m, y) != (0, 0, 0):
            self._problem(f"{size:.2f} pt text in {'/'.join(f'{v * 100:g}' for v in colour.values)} "
                          f"CMYK: black text under {SMALL_TEXT_PT:g} pt must be K alone")

    def _xobject(self, ref: Any, resources: Any, state: _State) -> None:
        if ref is None:
            return
        xobject = ref.get_object()
        subtype = xobject.get("/Subtype")
        if subtype == "/Form":
            self._form(ref, resources, state)
        elif subtype == "/Image":
            if self._once(ref):
                self._image(xobject, resources)
        else:
            self._problem(f"a {subtype} XObject (PDF/X: none)")

    def _image(self, image: Any, resources: Any) -> None:
        if "/OPI" in image or "/Alternates" in image:
            self._problem("an image with OPI or alternates")
        if not image.get("/ImageMask") and "/ColorSpace" in image:
            self._space(image["/ColorSpace"], resources, "an image")
        if "/SMask" in image:
            self._image(image["/SMask"].get_object(), resources)

    def _pattern(self, ref: Any, resources: Any, state: _State) -> None:
        if ref is None:
            return
        pattern = ref.get_object()
        if pattern.get("/PatternType") == 2:
            self._space(pattern["/Shading"].get_object().get("/ColorSpace"), resources, "a shading pattern")
        elif isinstance(pattern, StreamObject):
            self._form(ref, resources, state)

    def _ext_gstate(self, ref: Any, resources: Any, state: _State) -> None:
        if ref is None:
            return
        gstate = ref.get_object()
        if "/TR" in gstate or gstate.get("/TR2", "/Default") != "/Default":
            self._problem("a transfer function (PDF/X: none)")
        if "/HTP" in gstate:
            self._problem("a halftone phase (HTP)")
        mask = gstate.get("/SMask")
        if isinstance(mask, DictionaryObject) and "/G" in mask:
            self._form(mask["/G"], resources, state)


def _set(state: _State, stroke: bool, colour: _Colour) -> _State:
    return replace(state, stroke=colour) if stroke else replace(state, fill=colour)


def _times(m: Matrix, n: Matrix) -> Matrix:
    """m × n, as PDF composes matrices (m applied first)."""
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (a * a2 + b * c2, a * b2 + b * d2, c * a2 + d * c2, c * b2 + d * d2,
            e * a2 + f * c2 + e2, e * b2 + f * d2 + f2)


def _scale(m: Matrix) -> float:
    """How much `m` enlarges lengths (the square root of its area factor)."""
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


# --- separations ---------------------------------------------------------------------------

def separation(pdf: bytes, ink: str) -> bytes:
    """The plate of `ink` (C, M, Y, K or a spot ink's name) as a PDF in DeviceGray: 0 where the
    plate prints solid, 1 where it leaves the paper. DeviceCMYK (and ICC-based CMYK, at its
    values), DeviceGray (the K plate) and Separation (its ink's plate) separate here; anything
    else raises ValueError (`problems` reports DeviceRGB; Lab would need the profile, and this
    build's files never use it)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    done: set[int] = set()
    for page in writer.pages:
        resources = page.get("/Resources") or DictionaryObject()
        content = ContentStream(page.get_contents(), writer)
        _separate(content, resources, ink, writer, done)
        page.replace_contents(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _separate(content: ContentStream, resources: Any, ink: str, writer: PdfWriter, done: set[int]) -> None:
    spaces = {"fill": "gray", "stroke": "gray"}

    def grey(values: tuple[float, ...], space: str) -> float:
        """The plate's tint as a DeviceGray value (1 = no ink)."""
        if space == "cmyk":
            return 1 - values[INKS.index(ink)] if ink in INKS else 1.0
        if space == "gray":
            return values[0] if ink == "K" else 1.0
        if space.startswith("Separation:"):  # the registration colour (All) is on every plate
            return 1 - values[0] if space in (f"Separation:{ink}", "Separation:All") else 1.0
        raise ValueError(f"cannot separate a colour in {space}")

    operations: list[tuple[list[Any], bytes]] = []
    for operands, op in content.operations:
        operator = op.decode("latin-1")
        stroke = operator.isupper()
        side = "stroke" if stroke else "fill"
        if operator in ("k", "K", "g", "G"):
            space = "cmyk" if operator in ("k", "K") else "gray"
            spaces[side] = space
            operations.append(([FloatObject(grey(tuple(map(float, operands)), space))], b"G" if stroke else b"g"))
        elif operator in ("cs", "CS"):
            space = _Walker()._space(operands[0], resources, "")  # its family; DeviceRGB raises below
            spaces[side] = space
            initial = (1.0,) if space.startswith("Separation:") else _INITIAL.get(space, ())
            operations.append(([FloatObject(grey(initial, space))], b"G" if stroke else b"g"))
        elif operator in ("sc", "scn", "SC", "SCN"):
            operations.append(([FloatObject(grey(tuple(map(float, operands)), spaces[side]))],
                               b"G" if stroke else b"g"))
        elif operator in ("rg", "RG", "sh", "INLINE IMAGE"):
            raise ValueError(f"cannot separate the operator {operator}")
        else:
            if operator == "Do":
                xobjects = resources.get("/XObject") or DictionaryObject()
                _separate_xobject(xobjects.raw_get(operands[0]), resources, ink, writer, done)
            operations.append((operands, op))
    content.operations = operations


def _separate_xobject(ref: Any, resources: Any, ink: str, writer: PdfWriter, done: set[int]) -> None:
    xobject = ref.get_object()
    if xobject.get("/Subtype") != "/Form":
        raise ValueError(f"cannot separate a {xobject.get('/Subtype')} XObject")
    if ref.idnum in done:
        return
    done.add(ref.idnum)
    content = ContentStream(xobject, writer)
    _separate(content, xobject.get("/Resources") or resources, ink, writer, done)
    xobject.set_data(content.get_data())



# --- spot inks -----------------------------------------------------------------------------

def spot_inks(*groups: PrintColours | CarrierPrint | None) -> Spots:
    """The spot inks of some groups of print colours (campaign.yml's `colours.print`, a carrier's
    `print`), once each: the model gives each spot ink a CMYK stand-in of its own."""
    found: dict[str, tuple[float, ...]] = {}
    for group in groups:
        for name in type(group).model_fields if group is not None else ():
            colour = getattr(group, name)
            if colour.spot:
                found.setdefault(colour.spot, tuple(v / 100 for v in colour.cmyk))
    return tuple((cmyk, ink) for ink, cmyk in found.items())


def use_spot_inks(pdf: Any, spots: Spots) -> None:
    """Paint each spot ink where WeasyPrint paints its CMYK stand-in: `/DeviceCMYK cs` and
    `c m y k scn` (one item each of a pydyf stream, as WeasyPrint writes a colour) become
    `/spot1 cs` and `1 scn`, spot1 a Separation colour space of that ink, the stand-in its
    alternate. `pdf`: the pydyf document, before it is written (a WeasyPrint finisher)."""
    if not spots:
        return
    import pydyf

    objects = {o.reference: o for o in pdf.objects[1:]}
    # Every page's resources, and every group and pattern WeasyPrint makes, name one ColorSpace.
    spaces = {}
    for page in (o for o in pdf.objects if isinstance(o, dict) and o.get("Type") == "/Page"):
        space = objects[objects[page["Resources"]]["ColorSpace"]]
        spaces[id(space)] = space
    names = []
    for i, (cmyk, ink) in enumerate(spots, 1):
        names.append(f"spot{i}")
        tint = pydyf.Dictionary({"FunctionType": 2, "Domain": pydyf.Array([0, 1]), "N": 1,
                                 "C0": pydyf.Array([0, 0, 0, 0]), "C1": pydyf.Array(cmyk)})
        for space in spaces.values():
            space[names[-1]] = pydyf.Array(["/Separation", pydyf.name(ink), "/DeviceCMYK", tint])
    for stream in (o for o in pdf.objects if isinstance(o, pydyf.Stream)):
        items = stream.stream
        for i in range(len(items) - 1):
            if items[i] not in (b"/DeviceCMYK cs", b"/DeviceCMYK CS") or not isinstance(items[i + 1], bytes):
                continue
            *values, op = items[i + 1].split()
            for name, (cmyk, _) in zip(names, spots):
                if len(values) == 4 and all(abs(float(v) - c) < 1e-4 for v, c in zip(values, cmyk)):
                    items[i], items[i + 1] = f"/{name} {items[i][-2:].decode()}".encode(), b"1 " + op
