"""Templates to PDF and PDF to PNG. One `Renderer` per build, passed down: the Jinja environment,
the WeasyPrint FontConfiguration and the compiled shared stylesheet are made once and reused for
every document (reloading them per document costs several times the layout itself). A worker
process gets a copy that makes its own (`Renderer.__getstate__`): send it many items at once."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import hashlib
import io
import multiprocessing
import os
import re
import signal
import unicodedata
import zlib
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence, TypeVar

import jinja2
import pypdfium2 as pdfium
from markupsafe import Markup
from PIL import Image

from .. import words
from ..errors import BuildError, logged_warnings
from ..faults import STOPPING, die_with_parent
from ..model import Directive, Project
from .fonts import FontTable, load_font_table
from .pdfx import Spots, use_spot_inks

PDFX = "pdf/x-4"
"""The WeasyPrint variant of every press file (`Renderer.pdf`)."""
TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "print"
"""The print design: templates, print.css and fonts.yml (`templates/` also holds other stages' files)."""
SHARED_CSS = "print.css"


def templates_digest(root: Path = TEMPLATES) -> str:
    """Changes whenever any template, stylesheet or the font table changes (cache keys)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    h.update(words.digest().encode())  # where lines may break is part of the design
    return h.hexdigest()


_CSS_SAFE = re.compile(r'^[A-Za-z0-9 #.,"%()-]*$')


def css_value(value: object) -> Markup:
    """A value for a `<style>` block, where HTML escaping would break it: colours (validated by
    the model) and font stacks (from fonts.yml). Anything else is refused."""
    text = str(value)
    if not _CSS_SAFE.match(text):
        raise BuildError(f"refusing to put {text!r} into a stylesheet")
    return Markup(text)


@dataclass
class Renderer:
    root: Path = TEMPLATES
    fonts: FontTable = field(init=False)
    digest: str = field(init=False)
    """Of every template, stylesheet and the font table (part of every cache key)."""
    _env: jinja2.Environment = field(init=False)
    _css: Any = field(init=False)
    _font_config: Any = field(init=False)

    def __post_init__(self) -> None:
        self.fonts = load_font_table(self.root)
        self.digest = templates_digest(self.root)
        self._start()

    def _start(self) -> None:
        self._env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.root), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
        self._env.filters["css"] = css_value
        self._env.filters.update(words.FILTERS)  # keep_words, heading
        self._css = self._font_config = None

    def __getstate__(self) -> dict[str, Any]:
        """A worker's copy: the font table and digest as this build read them; the Jinja and
        WeasyPrint state is made again there (none of it pickles)."""
        return {"root": self.root, "fonts": self.fonts, "digest": self.digest}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._start()

    def _weasyprint(self) -> tuple[Any, Any]:
        """WeasyPrint's font configuration and the compiled shared stylesheet, made on first use
        (a rebuild whose pages are all cached never imports WeasyPrint: 2 s saved)."""
        if self._css is None:
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            mark_actual_text()
            self._font_config = FontConfiguration()
            self._css = CSS(filename=str(self.root / SHARED_CSS), font_config=self._font_config)
        return self._css, self._font_config

    def html(self, template: str, context: Mapping[str, Any]) -> str:
        return self._env.get_template(template).render(**context)

    def pdf(self, html: str, what: str, variant: str | None = None, spots: Spots = (),
            searchable: bool = True) -> bytes:
        """Render one HTML document; any WeasyPrint warning fails the build, naming `what`.
        `variant`: a WeasyPrint PDF variant such as "pdf/x-4"; `spots`: its spot inks, each
        painted where the document paints its CMYK stand-in (`pdfx.spot_inks`); `searchable`:
        False for a page that is only rasterised (a screen, a clip's card): no ActualText, whose
        characters PDFium places off the page (the build's text-inside check reads them)."""
        token = _ACTUAL_TEXT.set(searchable)
        try:
            return self.document(html, what, variant, spots)[1]
        finally:
            _ACTUAL_TEXT.reset(token)

    def document(self, html: str, what: str, variant: str | None = None,
                 spots: Spots = ()) -> tuple[Any, bytes]:
        """The laid-out WeasyPrint document (its boxes can be read) and its PDF."""
        from weasyprint import HTML

        css, font_config = self._weasyprint()
        with logged_warnings("weasyprint") as warnings:  # what it could not do (a font, an image)
            doc = HTML(string=html, base_url=str(self.root)).render(stylesheets=[css], font_config=font_config)
            finisher = functools.partial(_print_finisher, spots=spots) if variant else _full_bleed_box
            data = doc.write_pdf(finisher=finisher, pdf_variant=variant)
        if warnings:
            raise BuildError(f"{what}: WeasyPrint: {'; '.join(warnings[:3])}")
        assert isinstance(data, bytes)
        return doc, _stable_id(data) if variant else data


REORDERING = re.compile("[\u0900-\u0DFF\u0F00-\u0FFF\u1000-\u109F\u1780-\u17FF\u19E0-\u19FF]")
"""Scripts whose shaping reorders or stacks glyphs (Indic, Tibetan, Myanmar, Khmer): every run
drawn in them carries its text (`mark_actual_text`), whatever its own glyphs would give."""


_ACTUAL_TEXT = contextvars.ContextVar("actual_text", default=True)
"""Whether the PDF being drawn now marks its runs' text (`Renderer.pdf`'s `searchable`)."""


def mark_actual_text() -> None:
    """Make WeasyPrint draw a text run (a line of a text box) inside a marked-content
    `/Span <</ActualText (its text)>> BDC ... EMC` when its glyphs would not give its text back:
    poppler and PDFium then extract that text instead of the glyphs' ToUnicode. WeasyPrint maps
    each glyph once, to the text of the cluster where it first appeared, and Khmer shaping reorders
    and stacks glyphs (a pre-base vowel drawn before its consonant, coeng and consonant one glyph):
    no mapping per glyph is right everywhere. So a run is marked when it is in a `REORDERING`
    script, when a cluster of it is drawn as several glyphs, or when its glyphs' mappings differ
    from its text. Once per process, before anything is drawn."""
    from weasyprint.draw import text

    if getattr(text.draw_first_line, "actual_text", False):
        return
    draw_first_line = text.draw_first_line

    @functools.wraps(draw_first_line)
    def drawing_actual_text(stream: Any, textbox: Any, *args: Any, **kwargs: Any) -> Any:
        start = len(stream.stream)
        emojis = draw_first_line(stream, textbox, *args, **kwargs)
        if _ACTUAL_TEXT.get() and len(stream.stream) > start:  # a line was drawn: its layout is there
            drawn, mapped, stacked = _drawn_line(stream, textbox.pango_layout)
            if drawn.strip() and (stacked or mapped != drawn or REORDERING.search(drawn)):
                stream.stream.insert(start, b"/Span <</ActualText " + _text_string(drawn) + b">> BDC")
                stream.stream.append(b"EMC")
        return emojis

    drawing_actual_text.actual_text = True  # type: ignore[attr-defined]
    text.draw_first_line = drawing_actual_text


def _drawn_line(stream: Any, layout: Any) -> tuple[str, str, bool]:
    """Of the line `draw_first_line` has just drawn: its text (with any ellipsis or hyphen it
    added) and what its glyphs' ToUnicode mappings give, in the order drawn, both `readable`;
    and whether a cluster of it was drawn as several glyphs. The mappings are made `readable`
    too: a no-break space then extracts as the space the source has."""
    from weasyprint.text.ffi import ffi, pango

    line = pango.pango_layout_get_line_readonly(layout.layout, 0)
    drawn = layout.text.encode()[line.start_index:line.start_index + line.length].decode()
    mapped, stacked = [], False
    run = line.runs
    while run != ffi.NULL:
        font, _ = stream.add_font(run.data.item.analysis.font)  # the stream's font just drawn with
        glyphs = run.data.glyphs
        clusters = glyphs.log_clusters[0:glyphs.num_glyphs]
        stacked = stacked or len(set(clusters)) < len(clusters)
        for info in glyphs.glyphs[0:glyphs.num_glyphs]:
            glyph = info.glyph
            if glyph == pango.PANGO_GLYPH_EMPTY:
                continue
            text = readable(font.to_unicode.get(glyph, "\ufffd"))  # none: a missing glyph (a warning)
            if text:  # written to the ToUnicode map at the end (an empty one would be invalid)
                font.to_unicode[glyph] = text
            mapped.append(text)
        run = run.next
    return readable(drawn), unicodedata.normalize("NFC", "".join(mapped)), stacked


def readable(text: str) -> str:
    """`text` as its source has it: NFC, without the no-break spaces and word joiners the
    typesetting filters put in (`words.keep_words`, `words.heading`) and the zero-width spaces
    that only mark where Khmer may break."""
    return unicodedata.normalize("NFC", text.replace(words.NBSP, " ").replace(words.WORD_JOINER, "")
                                 .replace(words.ZWSP, ""))


def _text_string(text: str) -> bytes:
    """A PDF text string in UTF-16BE, hex-coded (nothing to escape; deflated with the stream)."""
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode("ascii") + b">"


_PDF_ID = re.compile(rb"/ID \[\(([0-9a-f]{32})\) \(([0-9a-f]{32})\)\]")
_XMP_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")


def _stable_id(pdf: bytes) -> bytes:
    """PDF/X needs a file /ID and an XMP DocumentID; WeasyPrint makes the latter a random UUID
    (and the /ID hashes it). Replace both in place (same lengths, offsets unchanged) with a hash
    of the rest of the file, so the same input gives the same bytes."""
    spans = [m.span() for m in (*_XMP_ID.finditer(pdf), *_PDF_ID.finditer(pdf))]
    if not spans:
        return pdf
    rest, last = bytearray(), 0
    for start, end in sorted(spans):
        rest += pdf[last:start]
        last = end
    digest = hashlib.md5(bytes(rest + pdf[last:])).hexdigest()
    uuid = f"{digest[:8]}-{digest[8:12]}-{digest[12:16]}-{digest[16:20]}-{digest[20:]}".encode()
    pdf = _XMP_ID.sub(b"xmp.did:" + uuid, pdf)
    return _PDF_ID.sub(b"/ID [(" + digest.encode() + b") (" + digest.encode() + b")]", pdf)


def _print_finisher(document: Any, pdf: Any, spots: Spots) -> None:
    """A PDF/X file: the full bleed box, its spot inks, and its output profile compressed once
    per process (WeasyPrint deflates the 1 MB profile at level 9 for every file: 0.5 s of 0.6 s)."""
    _full_bleed_box(document, pdf)
    use_spot_inks(pdf, spots)
    for intent in pdf.catalog.get("OutputIntents") or []:
        profile = next(o for o in pdf.objects if getattr(o, "reference", None) == intent["DestOutputProfile"])
        if profile.compress and len(profile.stream) == 1:
            profile.stream, profile.compress = [_deflated(bytes(profile.stream[0]))], False
            profile.extra["Filter"] = "/FlateDecode"


@functools.lru_cache(maxsize=2)
def _deflated(data: bytes) -> bytes:
    return zlib.compress(data, 9)


def _full_bleed_box(document: Any, pdf: Any) -> None:
    """BleedBox = MediaBox: WeasyPrint caps it 10 pt outside the trim, too little for a banner
    hem; the print shop reads the whole bleed from it."""
    for obj in pdf.objects:
        if isinstance(obj, dict) and obj.get("Type") == "/Page" and "BleedBox" in obj:
            obj["BleedBox"] = obj["MediaBox"]


def output_intent(project: Project, directive: Directive | None) -> dict[str, Markup]:
    """The PDF/X-4 head of a press file's template: the CMYK profile as WeasyPrint's
    `device-cmyk` output intent (and its sha256, for cache keys), and fixed document dates (the
    directive's), since PDF/X requires dates and outputs must not vary."""
    assert project.print_profile
    path = Path(project.print_profile).resolve()
    url = path.as_uri()
    if not re.fullmatch(r"file:///[A-Za-z0-9_.~%/-]+", url):
        raise BuildError(f"print_profile: unusual characters in its path: {url}")
    day = (directive.date if directive else dt.date(2020, 1, 1)).isoformat()
    return {"profile_url": Markup(url), "date": Markup(f"{day}T00:00:00+07:00"),
            "profile_sha256": Markup(hashlib.sha256(path.read_bytes()).hexdigest())}


def page_count(pdf: bytes) -> int:
    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def raster_pages(pdf: bytes, px_per_mm: float | None = None, width_px: int | None = None,
                 crop_to_trim: bool = True, box: str | None = None) -> Iterator[Image.Image]:
    """Every page as an RGB image, at `px_per_mm` or `width_px` wide: its trim box by default
    (a preview shows the item, not the press marks around it), `box` "bleed" or "media" else
    (`crop_to_trim=False`: the media box)."""
    box = box or ("trim" if crop_to_trim else "media")
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            left, bottom, right, top = page.get_mediabox()
            tl, tb, tr, tt = {"trim": page.get_trimbox, "bleed": page.get_bleedbox,
                              "media": page.get_mediabox}[box]()
            width_pt = tr - tl
            scale = (px_per_mm / (72 / 25.4)) if px_per_mm else (width_px or 800) / width_pt
            bitmap = page.render(scale=scale, crop=(tl - left, tb - bottom, right - tr, top - tt))
            yield bitmap.to_pil().convert("RGB")
            page.close()
    finally:
        doc.close()


def png_bytes(image: Image.Image) -> bytes:
    """PNG without metadata, so the same image always gives the same bytes."""
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def preview(pdf: bytes, width_px: int = 480) -> bytes:
    """A small PNG of a PDF: its pages side by side (a leaflet shows both sides)."""
    pages = list(raster_pages(pdf, width_px=width_px))
    gap = 12 if len(pages) > 1 else 0
    sheet = Image.new("RGB", (sum(p.width for p in pages) + gap * (len(pages) - 1),
                              max(p.height for p in pages)), "#ffffff")
    x = 0
    for p in pages:
        sheet.paste(p, (x, 0))
        x += p.width + gap
    return png_bytes(sheet)


def require_pages(pdf: bytes, expected: int, what: str) -> None:
    """More pages than designed means some content ran over: fail rather than print it."""
    found = page_count(pdf)
    if found != expected:
        raise BuildError(f"{what}: expected {expected} page(s), the layout gave {found} "
                         "(some text does not fit the page)")


T = TypeVar("T")
R = TypeVar("R")


def shares(items: Sequence[T], jobs: int) -> list[list[T]]:
    """`items` dealt round-robin into one task per process (`parallel_map`): a worker then makes
    its renderer once for all its items (making one costs 0.2 s; a task per item paid it each time)."""
    n = max(1, min(jobs, len(items)))
    return [list(items[i::n]) for i in range(n)] if items else []


def parallel_map(fn: Callable[[T], R], items: Sequence[T], jobs: int, alone: int = 1) -> Iterator[R]:
    """`map(fn, items)` on up to `jobs` processes; in this process when there are at most `alone`
    items (starting a worker costs about 2 s: it imports WeasyPrint and reads the fonts).

    `fn` must be a module-level function and the items picklable. Processes are spawned, not
    forked: the parent already holds Pango/fontconfig state that must not be shared. They end with
    the build: when it stops early (an error, Ctrl+C, SIGTERM) they are killed, not left to render
    the rest, and a parent killed outright takes them with it (`faults.die_with_parent`)."""
    if jobs <= 1 or len(items) <= alone:
        return map(fn, items)

    def results() -> Iterator[R]:
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(items)),
                                   mp_context=multiprocessing.get_context("spawn"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        try:
            # Ctrl+C reaches the whole process group, and so may SIGTERM (systemd, docker): blocked
            # while the workers are spawned, they stay blocked in them (a mask is inherited), so only
            # this process handles them, and stops the workers.
            mask = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
            try:
                mapped = pool.map(fn, items)  # spawns the workers
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            yield from mapped
        except BrokenProcessPool:
            raise BuildError("a worker process ended abruptly (out of memory? build with fewer --jobs)") \
                from None
        except BaseException:
            # `shutdown` alone would wait for every item already queued; 3.14 has `kill_workers()`.
            for worker in list((pool._processes or {}).values()):
                worker.kill()
            raise
        finally:
            pool.shutdown(cancel_futures=True)
    return results()
