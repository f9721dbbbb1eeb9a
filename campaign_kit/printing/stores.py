"""Every store's banner and counter card, built for scale (tens of thousands of stores).

The shape of it:
1. `plan_store_items` resolves everything an item needs into a small picklable `StoreItem`
   (texts, colours, QR size, shrink-to-fit sizes). Text that cannot fit is collected for
   every store first and reported in one `ContentError`, naming file, row and field.
2. Items are batched by format and district: one WeasyPrint document per batch shares
   the layout set-up and font subsetting. A batch's cache key hashes its items (so every input
   that shapes them), the templates, CSS and font table, the font files and the code version.
   A cached batch is linked from the cache: a rebuild with nothing changed renders nothing, and
   an edited store re-renders only its own batch.
3. Batches to render run on `jobs` processes, each holding one `Renderer`; every page's QR code
   is drawn there, decoded back from the rendered batch, and the pages are split apart.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from pypdf import PdfReader, PdfWriter

import campaign_kit

log = logging.getLogger("campaign_kit")

from ..errors import BuildError, ContentError, Problem
from ..model import Carrier, Format, Project, Store
from ..text import slug
from .checks import check_glyphs, check_qr_pdf, check_text_inside, strings
from .fit import PT_PER_MM, FitRule, fit_text
from .qr import ErrorLevel, QrDrawing, draw, min_symbol_mm
from .render import Renderer, parallel_map, require_pages, shared_renderer, store_in_cache

STORE_KINDS = ("store-banner", "store-card")
BATCH = 24
"""At most this many stores per WeasyPrint document (the stores of one district)."""

QR_ERROR: Mapping[str, ErrorLevel] = {"store-banner": "Q", "store-card": "M"}
"""Banners hang outdoors and get dirty: level Q. Cards sit on a counter: M keeps the code small."""

# The design's text boxes (mm) and how each data-driven field may shrink. They belong with the
# templates: change them together.
FIT_RULES: Mapping[str, Mapping[str, FitRule]] = {
    "store-banner": {"title": FitRule(240, 110, 2, 4), "name": FitRule(190, 90, 2, 4),
                     "address": FitRule(110, 60, 2, 2)},
    "store-card": {"title": FitRule(15, 10, 2, 0.5), "name": FitRule(22, 11, 2, 0.5),
                   "address": FitRule(12, 8, 2, 0.5)},
}
FIELD_OF = {"title": "banner_title", "name": "name", "address": "address"}
BOLD = {"title": True, "name": True, "address": False}


@dataclass(frozen=True)
class StoreItem:
    """Everything one store's banner or card shows, resolved: the template needs nothing else."""

    store_id: str
    slug: str
    lang: str
    """Store items print in the default language (Vietnamese)."""
    carrier: Carrier
    name: str
    address: str
    district: str
    opening_hours: str
    phone: str
    format_name: str
    fmt: Format
    t: Mapping[str, str]
    steps: tuple[str, ...]
    hotline: str
    official_site: str
    directive: str | None
    sample: bool
    qr_url: str
    qr_error: ErrorLevel
    qr_min_mm: float
    qr_size_mm: float
    """Planned printed size: the worker draws the code and checks it has exactly this size."""
    sizes: Mapping[str, float]
    rel: str
    qr: QrDrawing | None = None
    """Drawn by the worker (drawing 40,000 codes in the parent would take minutes)."""

    def key(self, salt: str) -> str:
        """The cache key: this item's content plus templates, fonts and code (`salt`)."""
        data = repr(sorted(asdict(self).items())).encode("utf-8")
        return hashlib.sha256(salt.encode() + b"\0" + data).hexdigest()


def store_rel(store: Store, format_name: str) -> str:
    """`downloads/stores/<carrier>/<district>/<store>-banner.pdf` (`-card`; other sizes a
    department adds to formats.yml end in their own format name)."""
    suffix = {"store-banner": "banner", "store-card": "card"}.get(format_name, format_name)
    return f"downloads/stores/{store.carrier}/{slug(store.district)}/{store.slug}-{suffix}.pdf"


def layout(fmt: Format) -> dict[str, float]:
    """The design's boxes for a format (mm). `scale` sizes type and spacing: the design is drawn
    for a 300×80 cm banner and an A5 card; other sizes in formats.yml scale from those."""
    assert fmt.width_mm and fmt.height_mm
    s = fmt.safe_mm
    if fmt.kind == "store-banner":
        k = fmt.height_mm / 800
        panel = fmt.height_mm - 2 * s  # a square white panel holds the code and its URL
        gap = 80.0 * k
        return {"scale": k, "qr_panel_mm": panel, "text_left_mm": s + panel + gap,
                "text_width_mm": fmt.width_mm - 2 * s - panel - gap,
                "store_inner_mm": fmt.width_mm - 2 * s - panel - gap - 32 * k,  # box padding
                "qr_room_mm": panel - (8 + 64 / PT_PER_MM * 1.1 + 4) * k}
    k = min(fmt.width_mm / 148, fmt.height_mm / 210)
    return {"scale": k, "body_top_mm": 36.0 * k, "text_width_mm": fmt.width_mm - 2 * s,
            "store_inner_mm": fmt.width_mm - 2 * s}


def address_line(store: Store) -> str:
    """Address, ward and district, skipping a part the address already spells out."""
    parts = [store.address]
    for extra in (store.ward, store.district):
        if extra and extra.casefold() not in store.address.casefold():
            parts.append(extra)
    return ", ".join(parts)


def planned_qr_mm(url: str, min_mm: float, error: ErrorLevel) -> float:
    """The printed width of a store's code without encoding it: same length, same size (the
    worker verifies). Encoding is the slowest part of planning 40,000 items."""
    shape = (len(url), url.isascii(), min_mm, error)
    if shape not in _SHAPES:
        _SHAPES[shape] = draw(url, min_mm, error).size_mm
    return _SHAPES[shape]


_SHAPES: dict[tuple[int, bool, float, str], float] = {}


def plan_store_items(project: Project, stores: Sequence[Store], renderer: Renderer) -> list[StoreItem]:
    """Resolve every store item; raise one ContentError for every text that cannot fit."""
    lang = project.default_lang
    directive = project.effective.directive_for("stores")
    t = {k: str(project.text(lang, k)) for k in (
        "banner_title", "banner_subtitle", "hotline_label", "official_site_label",
        "follows_directive", "store_scan_caption", "store_card_title", "opening_hours_label",
        "phone_label", "sample_print")}
    steps = tuple(str(s) for s in project.text(lang, "steps"))
    regular, bold = renderer.fonts.files(lang)[:2]
    carriers: dict[str, Carrier] = {c.id: c for c in project.campaign.carriers}
    formats = [(n, f) for n, f in sorted(project.formats.items()) if f.kind in STORE_KINDS]
    items: list[StoreItem] = []
    problems: list[Problem] = []
    seen: dict[str, Store] = {}
    for store in stores:
        if (twin := seen.setdefault(store.slug, store)) is not store:
            # The loader refuses this already; two ids with one slug would share a QR code and files.
            problems.append(_row_problem(store, "store_id", f"'{store.store_id}' gives the same file "
                                         f"and QR link as '{twin.store_id}' ({twin.source}); make it distinct"))
            continue
        for name, fmt in formats:
            url, error = project.go_url(store), QR_ERROR[fmt.kind]
            qr_mm = planned_qr_mm(url, min_symbol_mm(fmt.viewing_distance_m), error)
            box = layout(fmt)
            if qr_mm > box.get("qr_room_mm", qr_mm):
                raise BuildError(f"materials/formats.yml, {name}: a {qr_mm} mm QR code (viewing "
                                 f"distance {fmt.viewing_distance_m} m) does not fit the banner's height")
            values = {"title": t["banner_title"], "name": store.name, "address": address_line(store)}
            sizes: dict[str, float] = {}
            for field, text in values.items():
                width = box["text_width_mm"] if field == "title" else box["store_inner_mm"]
                rule = FIT_RULES[fmt.kind][field].scaled(box["scale"])
                fit = fit_text(text, bold if BOLD[field] else regular, width, rule)
                if fit is None:
                    problems.append(_overflow(store, fmt, name, field, rule))
                else:
                    sizes[field] = fit.size_pt
            items.append(StoreItem(
                store_id=store.store_id, slug=store.slug, lang=lang, carrier=carriers[store.carrier],
                name=store.name, address=values["address"], district=store.district,
                opening_hours=store.opening_hours,
                phone=store.phone_display, format_name=name, fmt=fmt, t=t, steps=steps,
                hotline=project.settings.hotline,
                official_site=project.settings.official_site,
                directive=directive.reference if directive else None,
                sample=project.campaign.sample_stores, qr_url=url, qr_error=error,
                qr_min_mm=min_symbol_mm(fmt.viewing_distance_m), qr_size_mm=qr_mm, sizes=sizes,
                rel=store_rel(store, name)))
    if problems:
        raise ContentError(problems)
    return items


def _overflow(store: Store, fmt: Format, fmt_name: str, field: str, rule: FitRule) -> Problem:
    if field == "title":
        return Problem("materials/text", None, "banner_title",
                       f"too long for the {fmt_name} even at {rule.min_pt:g} pt on {rule.max_lines} lines")
    return _row_problem(store, FIELD_OF[field],
                        f"store {store.store_id}: too long for the {fmt_name} even at {rule.min_pt:g} pt "
                        f"on {rule.max_lines} lines; shorten it in the store list")


def _row_problem(store: Store, field: str, message: str) -> Problem:
    """A problem located at the store's row (`store.source` is "materials/stores/x.csv, row 12")."""
    file, _, row = store.source.rpartition(", row ")
    return Problem(file or store.source, int(row) if row.isdigit() else None, field, message)


def render_store_items(project: Project, stores: Sequence[Store], jobs: int, cache: Path,
                       progress: Callable[..., Iterator[Any]] | None = None,
                       batch: int = BATCH) -> Iterator[tuple[Store, str, Format, Path]]:
    """Every store's banner and card as (store, format name, format, cached PDF path), in store order.

    Only batches with an item missing from `cache` are rendered."""
    renderer = shared_renderer()
    items = plan_store_items(project, stores, renderer)
    check_glyphs(renderer.fonts, project.default_lang, (s for i in items for s in strings(i)),
                 "store banners and cards")
    salt = "\0".join((campaign_kit.__version__, renderer.digest,
                      renderer.fonts.digest([project.default_lang])))
    folder = cache / "print-stores"
    batches = _batches(items, batch)
    paths: dict[str, Path] = {}
    todo: list[tuple[list[StoreItem], list[Path]]] = []
    for group in batches:
        # A page's bytes depend on its whole document (the fonts are subset for the document), so
        # the batch is the unit of caching: same input, same batches, same bytes, whatever the
        # cache held before.
        key = hashlib.sha256("\0".join(i.key(salt) for i in group).encode()).hexdigest()
        targets = [folder / key[:2] / f"{key}-{n}.pdf" for n in range(len(group))]
        paths.update((i.rel, t) for i, t in zip(group, targets))
        if not all(t.exists() for t in targets):
            todo.append((group, targets))
    rendered = sum(len(g) for g, _ in todo)
    log.info("print: store items: %d rendered, %d reused", rendered, len(items) - rendered)
    done = parallel_map(render_batch, todo, jobs)
    for _ in (progress(done, "print: store banners and cards", total=len(todo)) if progress else done):
        pass
    by_id = {s.store_id: s for s in stores}
    for item in items:
        yield by_id[item.store_id], item.format_name, project.formats[item.format_name], paths[item.rel]


def _batches(items: Sequence[StoreItem], size: int) -> list[list[StoreItem]]:
    """Batches by format and district (at most `size` each, sorted by store id): defined by
    content, so editing or adding a store re-renders only the stores of its own batch."""
    groups: dict[tuple[str, str], list[StoreItem]] = {}
    for item in items:
        groups.setdefault((item.format_name, item.district), []).append(item)
    result = []
    for _, group in sorted(groups.items()):
        group.sort(key=lambda i: i.store_id)
        result.extend(group[i:i + size] for i in range(0, len(group), size))
    return result


def render_batch(batch: tuple[list[StoreItem], list[Path]]) -> int:
    """Render one batch (same format) into one document, check it, split it into the cache."""
    items, targets = batch
    for page, target in zip(split_pages(render_document(items)), targets, strict=True):
        store_in_cache(target, page)
    return len(items)


def render_document(items: list[StoreItem]) -> bytes:
    """One WeasyPrint document with a page per item, every page checked: page count, each QR
    code read back, text inside the safe area."""
    renderer = shared_renderer()  # one per process, reused for every batch it renders
    first = items[0]
    fmt = first.fmt
    names = [i.rel for i in items]
    items = [replace(i, qr=draw(i.qr_url, i.qr_min_mm, i.qr_error)) for i in items]
    for item in items:
        assert item.qr is not None
        if item.qr.size_mm != item.qr_size_mm:
            raise BuildError(f"{item.rel}: QR code drawn {item.qr.size_mm} mm wide, "
                             f"planned {item.qr_size_mm} mm")
    context = {"lang": first.lang, "fmt": fmt, "items": items, "layout": layout(fmt),
               "carriers": sorted({i.carrier for i in items}, key=lambda c: c.id),
               "font_family": renderer.fonts.css_family(first.lang)}
    pdf = renderer.pdf(renderer.html(fmt.template, context), names[0])
    require_pages(pdf, len(items), f"{fmt.title}: batch starting with {names[0]}")
    check_qr_pdf(pdf, [(i.qr.payload, i.qr.symbol_mm) for i in items if i.qr], names)
    check_text_inside(pdf, fmt.safe_mm, names)
    return pdf


def naive_store_pdfs(project: Project, stores: Sequence[Store]) -> int:
    """The baseline benchmarks/scale.py compares against: one document per store item, same
    templates and checks, no batching, no cache. Returns the number of pages rendered."""
    items = plan_store_items(project, stores, shared_renderer())
    for item in items:
        render_document([item])
    return len(items)


def split_pages(pdf: bytes) -> Iterator[bytes]:
    """One PDF per page (boxes kept); a one-page document is returned as it is."""
    reader = PdfReader(io.BytesIO(pdf))
    if len(reader.pages) == 1:
        yield pdf
        return
    for page in reader.pages:
        writer = PdfWriter()
        writer.add_page(page)
        writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
        out = io.BytesIO()
        writer.write(out)
        yield out.getvalue()

