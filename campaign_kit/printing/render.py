"""Templates to PDF and PDF to PNG. One `Renderer` per build, passed down: the Jinja environment,
the WeasyPrint FontConfiguration and the compiled shared stylesheet are made once and reused for
every document (reloading them per document costs several times the layout itself). A worker
process gets a copy that makes its own (`Renderer.__getstate__`): send it many items at once."""

from __future__ import annotations

import functools
import hashlib
import io
import multiprocessing
import os
import re
import signal
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

from ..errors import BuildError, logged_warnings
from ..faults import STOPPING, die_with_parent
from .fonts import FontTable, load_font_table
from .pdfx import Spots, use_spot_inks

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "print"
"""The print design: templates, print.css and fonts.yml (`templates/` also holds other stages' files)."""
SHARED_CSS = "print.css"


def templates_digest(root: Path = TEMPLATES) -> str:
    """Changes whenever any template, stylesheet or the font table changes (cache keys)."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
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

            self._font_config = FontConfiguration()
            self._css = CSS(filename=str(self.root / SHARED_CSS), font_config=self._font_config)
        return self._css, self._font_config

    def html(self, template: str, context: Mapping[str, Any]) -> str:
        return self._env.get_template(template).render(**context)

    def pdf(self, html: str, what: str, variant: str | None = None, spots: Spots = ()) -> bytes:
        """Render one HTML document; any WeasyPrint warning fails the build, naming `what`.
        `variant`: a WeasyPrint PDF variant such as "pdf/x-4"; `spots`: its spot inks, each
        painted where the document paints its CMYK stand-in (`pdfx.spot_inks`)."""
        return self.document(html, what, variant, spots)[1]

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


def page_count(pdf: bytes) -> int:
    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def raster_pages(pdf: bytes, px_per_mm: float | None = None, width_px: int | None = None,
                 crop_to_trim: bool = True) -> Iterator[Image.Image]:
    """Every page as an RGB image, at `px_per_mm` or `width_px` wide (trim box only by default)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            left, bottom, right, top = page.get_mediabox()
            tl, tb, tr, tt = page.get_trimbox() if crop_to_trim else (left, bottom, right, top)
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


def parallel_map(fn: Callable[[T], R], items: Sequence[T], jobs: int) -> Iterator[R]:
    """`map(fn, items)` on up to `jobs` processes (in this process when one is enough).

    `fn` must be a module-level function and the items picklable. Processes are spawned, not
    forked: the parent already holds Pango/fontconfig state that must not be shared. They end with
    the build: when it stops early (an error, Ctrl+C, SIGTERM) they are killed, not left to render
    the rest, and a parent killed outright takes them with it (`faults.die_with_parent`)."""
    if jobs <= 1 or len(items) <= 1:
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
