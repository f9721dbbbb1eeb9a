"""Stage 'print': posters, leaflets and standees per language, and, when a directive makes stores
support points, a banner and a counter card for every store, each with its own QR code.

Every item is checked before it is written: glyphs covered by the fonts, the designed page count
(more pages means text ran over), text inside the trim box (store items: the safe area), and each
QR code decoded back from the rendered page. Rendered files live in `ctx.cache`, keyed by all that
shapes them, and are linked into the output: a rebuild with nothing changed renders nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..cache import cached_file, code_version, content_key, store_in_cache
from ..errors import BuildError
from ..model import Directive, Format, Project
from ..pipeline import BuildContext
from ..printing.checks import check_glyphs, check_qr_pdf, check_text_inside, strings
from ..printing.qr import ErrorLevel, QrPayload, draw, min_symbol_mm
from ..printing.render import Renderer, parallel_map, preview, require_pages, shared_renderer
from ..printing.stores import naive_store_pdfs, render_store_items, store_directive

log = logging.getLogger("campaign_kit")

__all__ = ["run", "naive_store_pdfs"]  # the baseline of benchmarks/scale.py

GENERAL_KINDS = ("poster", "leaflet", "standee")
PAGES = {"poster": 1, "leaflet": 2, "standee": 1}
QR_ERROR: dict[str, ErrorLevel] = {"poster": "M", "leaflet": "M", "standee": "Q"}
"""Standees stand in doorways and get scuffed: a higher error-correction level pays off there."""


def run(ctx: BuildContext) -> None:
    project = ctx.project
    items = _general_items(ctx)
    for item in items:
        directive = general_directive(project, item.lang)
        ctx.out.link(item.rel, item.pdf_file, item.kind, keyed=True, lang=item.lang, format=item.format_name,
                     directive=directive.reference if directive else None, variant=item.variant)
        if item.variant is None:
            ctx.out.link(preview_rel(item.rel), item.png_file, "preview", keyed=True, preview_of=item.rel)
    if project.settings.support_points and project.stores:
        _store_items(ctx)


def _general_items(ctx: BuildContext) -> list[KeptItem]:
    """Posters, leaflets and standees in the cache: rendered if missing. They read no store, so
    while materials/ (store lists aside), templates, fonts and code are the same, the last
    build's list is used as it is (laying out 20 pages of HTML to find their keys takes 1-2 s)."""
    project = ctx.project
    renderer = shared_renderer()
    profile = Path(project.print_profile).read_bytes() if project.print_profile else b""
    memo = cached_file(ctx.cache, "print-general", content_key(
        code_version(), renderer.digest, *(renderer.fonts.digest([lang.code]) for lang in project.languages),
        ctx.materials_digest(stores=False), hashlib.sha256(profile).hexdigest()), ".json")
    try:
        kept = [KeptItem(**entry) for entry in json.loads(memo.read_text(encoding="utf-8"))]
        if all(os.path.exists(k.pdf_file) and (k.variant or os.path.exists(k.png_file)) for k in kept):
            log.info("print: general items: 0 rendered, %d reused", len(kept))
            return kept
    except (OSError, ValueError, TypeError):
        pass
    variants: tuple[str | None, ...] = (None, PDFX) if project.print_profile else (None,)
    items = [_general_item(ctx, renderer, name, fmt, lang.code, variant)
             for name, fmt in sorted(project.formats.items()) if fmt.kind in GENERAL_KINDS
             for lang in project.languages for variant in variants]
    todo = [item for item in items
            if not (item.pdf_file.exists() and (item.variant or item.png_file.exists()))]
    log.info("print: general items: %d rendered, %d reused", len(todo), len(items) - len(todo))
    for _ in ctx.progress(parallel_map(render_general, todo, ctx.options.jobs),
                          "print: posters, leaflets, standees", total=len(todo)):
        pass
    kept = [KeptItem(i.rel, i.kind, i.lang, i.format_name, i.variant, str(i.pdf_file), str(i.png_file))
            for i in items]
    store_in_cache(memo, json.dumps([asdict(k) for k in kept]).encode("utf-8"))
    return kept


@dataclass(frozen=True)
class KeptItem:
    """What linking a general item into the output needs (`GeneralItem` without its HTML)."""

    rel: str
    kind: str
    lang: str
    format_name: str
    variant: str | None
    pdf_file: str
    png_file: str


@dataclass(frozen=True)
class GeneralItem:
    """A poster, leaflet or standee, laid out as HTML: what a worker process needs to render it."""

    rel: str
    kind: str
    lang: str
    format_name: str
    html: str
    pages: int
    qr: QrPayload
    qr_symbol_mm: float
    variant: str | None
    """None for the RGB file; "pdf/x-4" for the print shop's CMYK output intent."""
    pdf_file: Path
    png_file: Path
    """Where the checked PDF and its preview go in the cache (their name is the content key)."""


PRINT_TEXTS = ("tagline", "poster_headline", "poster_lead", "steps", "why", "scan_caption",
               "lookalike_warning", "hotline_label", "official_site_label", "follows_directive",
               "why_title", "how_title", "leaflet_back_hint")
"""The texts posters, leaflets, standees and screens print (only these are checked for glyphs)."""


GENERAL_SETTINGS = frozenset({"app_name", "hotline", "official_site"})
"""The settings the general items' and screens' templates show besides their texts' placeholders."""


def texts(project: Project, lang: str) -> dict[str, Any]:
    """The printed texts of a language, placeholders filled (Vietnamese where one is missing)."""
    return {key: project.text(lang, key) for key in PRINT_TEXTS}


def general_directive(project: Project, lang: str) -> Directive | None:
    """The letter a poster, leaflet, standee or screen of `lang` names: the newest that set a
    setting it shows."""
    return project.cite(GENERAL_SETTINGS | project.settings_in(lang, PRINT_TEXTS))


def type_scale(fmt: Format) -> float:
    """Type grows with the sheet: 1 on A4, so one design serves A5 to a 2 m standee."""
    assert fmt.width_mm and fmt.height_mm
    return min(fmt.width_mm / 210, fmt.height_mm / 297)


PDFX = "pdf/x-4"


def _general_item(ctx: BuildContext, renderer: Renderer, name: str, fmt: Format, lang: str,
                  variant: str | None = None) -> GeneralItem:
    project = ctx.project
    directive = general_directive(project, lang)
    rel = f"downloads/print/{lang}/{name}{'-pdfx4' if variant else ''}.pdf"
    qr = draw(project.go_url(), min_symbol_mm(fmt.viewing_distance_m), QR_ERROR[fmt.kind])
    context = {
        "title": f"{fmt.title} ({lang})", "fmt": fmt, "lang": lang, "t": texts(project, lang),
        "app_name": project.settings.app_name, "hotline": project.settings.hotline,
        "official_site": project.settings.official_site,
        "directive": directive.reference if directive else None,
        "department": project.campaign.campaign.department,
        "colours": project.campaign.colours, "page_background": project.campaign.colours.background,
        "font_family": renderer.fonts.css_family(lang), "type_scale": type_scale(fmt), "qr": qr,
        "output_intent": _output_intent(project, directive) if variant else None,
    }
    check_glyphs(renderer.fonts, lang, strings(context), rel)
    html = renderer.html(fmt.template, context)
    profile = Path(project.print_profile).read_bytes() if variant and project.print_profile else b""
    key = content_key(code_version(), renderer.digest, renderer.fonts.digest([lang]), html, variant or "",
                      hashlib.sha256(profile).hexdigest())
    pdf_file = cached_file(ctx.cache, "print-general", key, ".pdf")
    return GeneralItem(rel=rel, kind=fmt.kind, lang=lang, format_name=name, html=html,
                       pages=PAGES[fmt.kind], qr=qr.payload, qr_symbol_mm=qr.symbol_mm,
                       variant=variant, pdf_file=pdf_file, png_file=pdf_file.with_suffix(".png"))


def _output_intent(project: Project, directive: Any) -> dict[str, Markup]:
    """The PDF/X-4 head: the CMYK profile as WeasyPrint's `device-cmyk` output intent, and fixed
    document dates (the directive's), since PDF/X requires dates and outputs must not vary."""
    assert project.print_profile
    url = Path(project.print_profile).resolve().as_uri()
    if not re.fullmatch(r"file:///[A-Za-z0-9_.~%/-]+", url):
        raise BuildError(f"print_profile: unusual characters in its path: {url}")
    day = (directive.date if directive else dt.date(2020, 1, 1)).isoformat()
    return {"profile_url": Markup(url), "date": Markup(f"{day}T00:00:00+07:00")}


def render_general(item: GeneralItem) -> str:
    """Render and check one general item into the cache (runs in a worker process)."""
    pdf = shared_renderer().pdf(item.html, item.rel, item.variant)
    require_pages(pdf, item.pages, item.rel)
    # The code is on the front and, on a leaflet, on the back too.
    names = [f"{item.rel} page {i + 1}" for i in range(item.pages)]
    check_qr_pdf(pdf, [(item.qr, item.qr_symbol_mm)] * item.pages, names)
    check_text_inside(pdf, 0, names)
    if item.variant is None:
        store_in_cache(item.png_file, preview(pdf))
    store_in_cache(item.pdf_file, pdf)
    return item.rel


def _store_items(ctx: BuildContext) -> None:
    project = ctx.project
    directive = store_directive(project)
    reference = directive.reference if directive else None
    sampled: set[tuple[str, str]] = set()
    for store, fmt_name, fmt, pdf_path, rel in render_store_items(
            project, project.stores, jobs=ctx.options.jobs, cache=ctx.cache,
            progress=ctx.progress, context=ctx.materials_digest(stores=False), kept=ctx.out.keeps):
        ctx.out.link(rel, pdf_path, fmt.kind, keyed=True, store_id=store.store_id, carrier=store.carrier,
                     district=store.district, province=store.province, format=fmt_name,
                     directive=reference)
        # One preview per carrier and format shows what every store of that carrier gets.
        if (store.carrier, fmt_name) not in sampled:
            sampled.add((store.carrier, fmt_name))
            png = Path(pdf_path).with_suffix(".png")
            if not png.exists():  # from the output's copy: the cache may have lost the PDF
                store_in_cache(png, preview((ctx.out.root / rel).read_bytes()))
            ctx.out.link(preview_rel(rel), png, "preview", keyed=True, preview_of=rel)


def preview_rel(pdf_rel: str) -> str:
    """`downloads/print/vi/poster-a4.pdf` -> `downloads/previews/print/vi/poster-a4.png`."""
    return "downloads/previews/" + pdf_rel.removeprefix("downloads/").removesuffix(".pdf") + ".png"
