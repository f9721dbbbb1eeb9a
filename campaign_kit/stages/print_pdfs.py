"""Stage 'print': posters, leaflets and standees per language, and, when a directive makes stores
support points, a banner and a counter card for every store, each with its own QR code, and
(with a print profile) the print shops' batches of them: `downloads/print-shop/<province>/
<carrier>-banner-pdfx4.pdf` (`-card`), one PDF/X-4 file per carrier, province and format, a
page per store with marks and a slug (kind `print-batch`, meta carrier, province, format,
directive, pages).

Every item is checked before it is written: glyphs covered by the fonts, the designed page count
(more pages means text ran over), text inside the trim box (store items: the safe area), and each
QR code decoded back from the rendered page. Rendered files live in the memo (`ctx.memo`), keyed by all that
shapes them, and are linked into the output: a rebuild with nothing changed renders nothing.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from ..artifacts import Made
from ..context import BuildContext
from ..memo import Key, keep_content
from ..model import Format, PrintColours, Project, Store
from ..printing import marks
from ..printing.checks import check_glyphs, check_qr_pdf, check_text_inside, strings
from ..printing.general import GENERAL_KINDS, general_directive, texts
from ..printing.pdfx import K_ONLY, PAPER, Spots, require_pdfx4, spot_inks
from ..printing.qr import ErrorLevel, QrPayload, draw, min_module_mm
from ..printing.render import PDFX, Renderer, output_intent, parallel_map, preview, require_pages, shares
from ..printing.stores import (
    Batch,
    StorePrinter,
    batch_check,
    batch_title,
    plan_batches,
    plan_store_items,
    render_batches,
    render_store_items,
    store_directive,
)

log = logging.getLogger("campaign_kit")

PAGES = {"poster": 1, "leaflet": 2, "standee": 1}
QR_ERROR: dict[str, ErrorLevel] = {"poster": "M", "leaflet": "M", "standee": "Q"}
"""Standees stand in doorways and get scuffed: a higher error-correction level pays off there."""


def run(ctx: BuildContext, made: Made) -> None:
    project = ctx.project
    renderer = Renderer()  # this build's: templates, fonts and stylesheet read once, passed down
    for item in _general_items(ctx, renderer):
        directive = general_directive(project, item.lang)
        ctx.out.link(item.rel, item.pdf, item.kind,
                     lang=item.lang, format=item.format_name, directive=directive.reference if directive else None,
                     variant=item.variant)
        if item.png is not None:
            ctx.out.link(preview_rel(item.rel), item.png, "preview", preview_of=item.rel)
    if project.settings.support_points and project.stores:
        _store_items(ctx, renderer)


def _general_items(ctx: BuildContext, renderer: Renderer) -> list[KeptItem]:
    """Posters, leaflets and standees in the memo: rendered if missing. They read no store, so
    while materials/ (store lists aside), templates, fonts and code are the same, the last
    build's list is used as it is (laying out 20 pages of HTML to find their keys takes 1-2 s)."""
    project = ctx.project
    profile = Path(project.print_profile).read_bytes() if project.print_profile else b""
    key = ctx.memo.key("print-general", renderer=renderer.digest,
                       fonts=tuple(renderer.fonts.digest([lang.code]) for lang in project.languages),
                       materials=ctx.materials_digest(stores=False), profile=hashlib.sha256(profile).hexdigest())
    kept = ctx.memo.load("print-general", key)
    if isinstance(kept, list) and all(ctx.memo.check(*k.pdf) is not None
                                      and (k.png is None or ctx.memo.check(*k.png) is not None) for k in kept):
        log.info("print: general items: 0 rendered, %d reused", len(kept))
        return kept
    variants: tuple[str | None, ...] = (None, PDFX) if project.print_profile else (None,)
    items = [_general_item(ctx, renderer, name, fmt, lang.code, variant)
             for name, fmt in sorted(project.formats.items()) if fmt.kind in GENERAL_KINDS
             for lang in project.languages for variant in variants]
    todo = [item for item in items
            if not (ctx.memo.get(item.key) and (item.variant or ctx.memo.get(item.png_key)))]
    log.info("print: general items: %d rendered, %d reused", len(todo), len(items) - len(todo))
    tasks = [(renderer, share, str(ctx.memo.root)) for share in shares(todo, ctx.options.jobs)]
    for made_now in ctx.progress(parallel_map(render_general, tasks, ctx.options.jobs),
                                 "print: posters, leaflets, standees", total=len(tasks)):
        for item_key, (sha256, size) in made_now:
            ctx.memo.remember(item_key, sha256, size)
    kept = []
    for i in items:
        pdf, png = ctx.memo.get(i.key), None if i.variant else ctx.memo.get(i.png_key)
        assert pdf is not None and (i.variant or png is not None), i.rel  # made just now
        kept.append(KeptItem(i.rel, i.kind, i.lang, i.format_name, i.variant, pdf[1], png[1] if png else None))
    ctx.memo.save("print-general", key, kept)
    return kept


@dataclass(frozen=True)
class KeptItem:
    """What linking a general item into the output needs (`GeneralItem` without its HTML)."""

    rel: str
    kind: str
    lang: str
    format_name: str
    variant: str | None
    pdf: tuple[str, int]
    """sha256 and size of the checked PDF in the memo's store."""
    png: tuple[str, int] | None
    """The same of its preview (none for a print variant)."""


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
    """None for the sRGB file (screens, office printers); "pdf/x-4" for the press: every colour in
    CMYK (campaign.yml's `print` values), under the kit's CMYK profile as output intent."""
    spots: Spots
    """The spot inks of the campaign's print colours (PDF/X only)."""
    fmt: Format
    slug: str
    """The press file's slug line (`printing.marks`), its build id from `key`; "" for the sRGB file."""
    key: Key
    png_key: Key
    """Of the checked PDF and of its preview, in the memo."""


def type_scale(fmt: Format) -> float:
    """Type grows with the sheet: 1 on A4, so one design serves A5 to a 2 m standee."""
    assert fmt.width_mm and fmt.height_mm
    return min(fmt.width_mm / 210, fmt.height_mm / 297)


def _general_item(ctx: BuildContext, renderer: Renderer, name: str, fmt: Format, lang: str,
                  variant: str | None = None) -> GeneralItem:
    project = ctx.project
    directive = general_directive(project, lang)
    rel = f"downloads/print/{lang}/{name}{'-pdfx4' if variant else ''}.pdf"
    qr = draw(project.go_url(), min_module_mm(fmt.viewing_distance_m), QR_ERROR[fmt.kind],
              dark=K_ONLY if variant else "#000000", light=PAPER if variant else "#ffffff")
    intent = output_intent(project, directive) if variant else None
    context = {
        "title": f"{fmt.title} ({lang})", "fmt": fmt, "lang": lang, "t": texts(project, lang),
        "app_name": project.settings.app_name, "hotline": project.settings.hotline,
        "official_site": project.settings.official_site,
        "directive": directive.reference if directive else None,
        "department": project.campaign.campaign.department,
        "colours": _colours(project, cmyk=variant is not None),
        "font_family": renderer.fonts.css_family(lang), "type_scale": type_scale(fmt), "qr": qr,
        "output_intent": intent,
        "identity": project.identity,
    }
    check_glyphs(renderer.fonts, lang, strings(context), rel)
    html = renderer.html(fmt.template, context)
    profile = Path(project.print_profile).read_bytes() if variant and project.print_profile else b""
    spots = spot_inks(project.campaign.colours.print) if variant else ()
    # The profile counts by its sha256, not by where the checkout is (its file URL in the HTML):
    # the slug's build id is the same wherever the kit is built.
    keyed_html = html.replace(str(intent["profile_url"]), "<print_profile>") if intent else html
    key = ctx.memo.key("print-item", renderer=renderer.digest, fonts=renderer.fonts.digest([lang]), html=keyed_html,
                       variant=variant, profile=hashlib.sha256(profile).hexdigest(), spots=spots)
    slug = marks.slug_text(f"{fmt.title} ({lang})", name, marks.format_line(fmt),
                           directive.reference if directive else None,
                           f"build {marks.build_id(key)}") if variant else ""
    return GeneralItem(rel=rel, kind=fmt.kind, lang=lang, format_name=name, html=html,
                       pages=PAGES[fmt.kind], qr=qr.payload, qr_symbol_mm=qr.symbol_mm,
                       variant=variant, spots=spots, fmt=fmt, slug=slug, key=key,
                       png_key=ctx.memo.key("preview", of=key))


def _colours(project: Project, cmyk: bool) -> dict[str, str]:
    """The campaign's colours as CSS values: sRGB, or their print values in device-cmyk()."""
    colours = project.campaign.colours
    if not cmyk:
        return {name: getattr(colours, name) for name in PrintColours.model_fields}
    assert colours.print is not None  # the model requires them when a kit has a print_profile
    return {name: getattr(colours.print, name).css() for name in PrintColours.model_fields}


def render_general(task: tuple[Renderer, list[GeneralItem], str]) -> list[tuple[Key, tuple[str, int]]]:
    """Render and check general items into the memo's store (runs in a worker process): each
    key and the sha256 and size of what it made, for the build to record."""
    renderer, items, root = task
    made: list[tuple[Key, tuple[str, int]]] = []
    for item in items:
        pdf = renderer.pdf(item.html, item.rel, item.variant, item.spots)
        require_pages(pdf, item.pages, item.rel)
        # The code is on the front and, on a leaflet, on the back too.
        names = [f"{item.rel} page {i + 1}" for i in range(item.pages)]
        check_qr_pdf(pdf, [(item.qr, item.qr_symbol_mm)] * item.pages, names)
        check_text_inside(pdf, 0, names)
        if item.variant:  # marks and slug outside the bleed, once the page itself is checked
            pdf = marks.with_marks(pdf, item.fmt, marks.slug_font(renderer.fonts), item.slug, item.key)
            require_pdfx4(pdf, item.rel)
        else:
            made.append((item.png_key, keep_content(root, preview(pdf))[1]))
        made.append((item.key, keep_content(root, pdf)[1]))
    return made


def _store_items(ctx: BuildContext, renderer: Renderer) -> None:
    project = ctx.project
    directive = store_directive(project)
    reference = directive.reference if directive else None
    sampled: set[tuple[str, str]] = set()
    keys: dict[str, str] = {}
    pages: list[tuple[Store, str, str]] = []
    for store, fmt_name, fmt, _path, claim, rel in render_store_items(
            project, project.stores, jobs=ctx.options.jobs, memo=ctx.memo,
            progress=ctx.progress, context=ctx.materials_digest(stores=False), renderer=renderer,
            item_keys=keys):
        pages.append((store, fmt_name, keys[rel]))
        ctx.out.link(rel, claim, fmt.kind, store_id=store.store_id,
                     carrier=store.carrier, district=store.district, province=store.province, format=fmt_name,
                     directive=reference)
        # One preview per carrier and format shows what every store of that carrier gets.
        if (store.carrier, fmt_name) not in sampled:
            sampled.add((store.carrier, fmt_name))
            # From the output's copy, checked as it was linked.
            ctx.memo.link(ctx.out, preview_rel(rel), ctx.memo.key("preview", of=claim[0]),
                          functools.partial(_preview_of, ctx.out.root / rel), "preview", preview_of=rel)
    if project.print_profile:
        _print_batches(ctx, renderer, plan_batches(pages), reference)


def _print_batches(ctx: BuildContext, renderer: Renderer, batches: list[Batch], reference: str | None) -> None:
    """The print shops' files: one PDF/X-4 file per carrier, province and store format, a page
    per store (`printing.stores.Batch`). Keyed by its pages' item keys: a one-store edit
    composes the batch holding that store again, and no other."""
    project = ctx.project
    keyed = {ctx.memo.key("print-batch", rel=b.rel, title=batch_title(project, b), pages=b.page_keys): b
             for b in batches}
    render_batches(project, keyed, ctx.options.jobs, ctx.memo, renderer, ctx.progress)
    for key, batch in keyed.items():
        # Made just now or before; composed here only if its entry went missing since.
        make = functools.partial(_compose_batch, ctx, renderer, batch, key)
        ctx.memo.link(ctx.out, batch.rel, key, make, "print-batch", carrier=batch.carrier,
                      province=batch.province, format=batch.format_name, directive=reference,
                      pages=len(batch.stores))


def _compose_batch(ctx: BuildContext, renderer: Renderer, batch: Batch, key: Key) -> bytes:
    printer = StorePrinter(ctx.project.default_lang, renderer, ctx.memo)
    items = {(i.store_id, i.format_name): i for i in plan_store_items(ctx.project, batch.stores, printer)}
    pdf = printer.compose_batch([items[s.store_id, batch.format_name] for s in batch.stores],
                                batch_title(ctx.project, batch), key)
    batch_check(pdf, batch.rel)
    return pdf


def _preview_of(pdf: Path) -> bytes:
    return preview(pdf.read_bytes())


def preview_rel(pdf_rel: str) -> str:
    """`downloads/print/vi/poster-a4.pdf` -> `downloads/previews/print/vi/poster-a4.png`."""
    return "downloads/previews/" + pdf_rel.removeprefix("downloads/").removesuffix(".pdf") + ".png"
