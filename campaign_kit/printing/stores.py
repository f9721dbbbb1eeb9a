"""Every store's banner and counter card, built for scale (tens of thousands of stores).

The shape of it:
1. `plan_store_items` resolves everything an item needs into a small picklable `StoreItem`
   (texts, colours, QR size, shrink-to-fit sizes). Text that cannot fit is collected for
   every store first and reported in one `ContentError`, naming file, row and field.
2. Each item's cache key hashes the item (so every input that shapes it), the templates, CSS
   and font table, the font files and the code version. A cached item is linked from the cache:
   a rebuild with nothing changed renders nothing, an edited store re-renders only its own items.
3. Missing items are composed on `jobs` processes: per carrier and format, WeasyPrint lays the
   template out once with its store slots empty (the background); each store's page is that
   background plus its name, address and URL as vector outlines set in the slots, and its QR
   code as vector rectangles (`campaign_kit.compose`): no layout engine per store. Every page's
   QR code is decoded back from the operators drawn in its box. `naive_store_pdfs` renders the
   same templates as one WeasyPrint document per item: the baseline of benchmarks/scale.py.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import pickle
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Sequence

from ..cache import code_version, load_memo, save_memo, store_in_cache
from ..compose.qrcodes import decode_drawing, qr_matrix
from ..compose.slots import SlotOverflow, StoreLayout, layout_from_document
from ..errors import BuildError, ContentError, Problem
from ..model import Carrier, Directive, Format, Project, Store
from ..text import slug
from .checks import PX_PER_MODULE, check_glyphs, check_qr_pdf, check_text_inside, strings
from .fit import PT_PER_MM, FitRule, fit_text
from .qr import ErrorLevel, QrDrawing, draw, min_symbol_mm, printed_size_mm, short_url
from .render import Renderer, parallel_map, require_pages, shared_renderer

log = logging.getLogger("campaign_kit")

STORE_KINDS = ("store-banner", "store-card")
BATCH = 64
"""Items per task sent to a worker process: large enough to amortise the hand-over."""

QR_ERROR: Mapping[str, ErrorLevel] = {"store-banner": "Q", "store-card": "Q"}
"""Banners hang outdoors and get dirty: level Q. The card uses the same level, so a store's two
items carry one and the same symbol, encoded once (encoding is the slowest step per store)."""

# The design's text boxes (mm) and how each data-driven field may shrink. They belong with the
# templates: change them together.
FIT_RULES: Mapping[str, Mapping[str, FitRule]] = {
    "store-banner": {"title": FitRule(240, 110, 2, 4), "name": FitRule(190, 90, 2, 4),
                     "address": FitRule(110, 60, 2, 2)},
    "store-card": {"title": FitRule(15, 10, 2, 0.5), "name": FitRule(22, 11, 3, 0.5),
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

    @property
    def meta(self) -> str:
        """The card's line of opening hours and phone."""
        parts = []
        if self.opening_hours:
            parts.append(f"{self.t['opening_hours_label']}: {self.opening_hours}")
        if self.phone:
            parts.append(f"{self.t['phone_label']}: {self.phone}")
        return " · ".join(parts)

    def key(self, salt: str) -> str:
        """The cache key: this item's content (every field) plus templates, fonts and code (`salt`)."""
        h = hashlib.sha256(salt.encode() + b"\0")
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            text = _shared_repr(value) if name in _SHARED_FIELDS else repr(value)
            h.update(f"{name}={text}\0".encode("utf-8"))
        return h.hexdigest()

    def strings(self) -> list[str]:
        """The texts of this item that are its own (the shared wording is checked once)."""
        return [getattr(self, name) for name in _FIELD_NAMES
                if name not in _SHARED_FIELDS and isinstance(getattr(self, name), str)] + [self.meta]


_FIELD_NAMES = tuple(f.name for f in fields(StoreItem))
_SHARED_FIELDS = frozenset({"carrier", "fmt", "t", "steps"})
"""One object shared by every item of a build (or of a carrier): its repr is worked out once."""
_SHARED_REPRS: dict[int, tuple[object, str]] = {}


def _shared_repr(value: object) -> str:
    entry = _SHARED_REPRS.get(id(value))
    if entry is None or entry[0] is not value:  # an id is only reused once its object is gone
        if len(_SHARED_REPRS) > 256:
            _SHARED_REPRS.clear()  # earlier builds' objects (a long test run): let them go
        entry = _SHARED_REPRS[id(value)] = (value, repr(sorted(value.items()) if isinstance(value, Mapping) else value))
    return entry[1]


def store_rel(store: Store, format_name: str) -> str:
    """`downloads/stores/<carrier>/<district>/<store>-banner.pdf` (`-card`; other sizes a
    department adds to formats.yml end in their own format name)."""
    suffix = {"store-banner": "banner", "store-card": "card"}.get(format_name, format_name)
    return f"downloads/stores/{store.carrier}/{slug(store.district)}/{store.slug}-{suffix}.pdf"


def layout(fmt: Format) -> dict[str, Any]:
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
                "qr_room_mm": panel - (8 + 64 / PT_PER_MM * 1.1 + 4) * k,
                **_slot_heights(fmt, k)}
    k = min(fmt.width_mm / 148, fmt.height_mm / 210)
    return {"scale": k, "body_top_mm": 36.0 * k, "text_width_mm": fmt.width_mm - 2 * s,
            "store_inner_mm": fmt.width_mm - 2 * s,
            "qr_room_mm": qr_room_mm(min_symbol_mm(fmt.viewing_distance_m)), **_slot_heights(fmt, k)}


LINE_HEIGHT = {"store-banner": {"name": 1.1, "address": 1.2},
               "store-card": {"name": 1.15, "address": 1.25}}
"""Line heights of the name and address boxes (the templates use these)."""


def _slot_heights(fmt: Format, k: float) -> dict[str, Any]:
    """Fixed boxes for the store's name and address: room for one line at the largest size or
    for the most lines at the smallest, whichever is taller (the fit step picks within that)."""
    heights: dict[str, Any] = {"line_height": LINE_HEIGHT[fmt.kind], "max_lines": {}}
    for field in ("name", "address"):
        rule = FIT_RULES[fmt.kind][field].scaled(k)
        lh = LINE_HEIGHT[fmt.kind][field]
        heights[f"{field}_h_mm"] = max(rule.max_pt * lh, rule.max_lines * rule.min_pt * lh) / PT_PER_MM
        heights["max_lines"][field] = rule.max_lines
    return heights


def qr_room_mm(min_mm: float) -> float:
    """The widest a store's code can print at this minimum symbol width, quiet zone included,
    for URLs of QR versions 3 to 7 (any https link to a go page; up to 86 characters at level
    Q): the box that holds it."""
    return max(round(math.ceil(min_mm / modules * 10) / 10 * (modules + 8), 2) for modules in range(29, 46, 4))


def address_line(store: Store) -> str:
    """Address, ward and district, skipping a part the address already spells out."""
    parts = [store.address]
    for extra in (store.ward, store.district):
        if extra and extra.casefold() not in store.address.casefold():
            parts.append(extra)
    return ", ".join(parts)


def planned_qr_mm(url: str, min_mm: float, error: ErrorLevel) -> float:
    """The printed width of a store's code without encoding it: same length, same size (the
    worker encodes it, draws it at this size and decodes it back)."""
    shape = (len(url), url.isascii(), min_mm, error)
    if shape not in _SHAPES:
        _SHAPES[shape] = printed_size_mm(len(qr_matrix(url, error.lower())), min_mm)
    return _SHAPES[shape]


_SHAPES: dict[tuple[int, bool, float, str], float] = {}


STORE_TEXTS = ("banner_title", "banner_subtitle", "hotline_label", "official_site_label",
               "follows_directive", "store_scan_caption", "store_card_title", "opening_hours_label",
               "phone_label", "sample_print", "sample_mark")
STORE_SETTINGS = frozenset({"hotline", "official_site", "support_points"})
"""What a store item shows besides its texts' placeholders; `support_points` is why it exists."""


def store_directive(project: Project) -> Directive | None:
    """The letter every store banner and card names: the newest that set a setting they show
    (or `support_points`, the letter that made stores support points)."""
    lang = project.default_lang
    return project.cite(STORE_SETTINGS | project.settings_in(lang, STORE_TEXTS + ("steps",)))


def plan_store_items(project: Project, stores: Sequence[Store], renderer: Renderer) -> list[StoreItem]:
    """Resolve every store item; raise one ContentError for every text that cannot fit."""
    lang = project.default_lang
    directive = store_directive(project)
    reference = directive.reference if directive else None
    t = {k: str(project.text(lang, k)) for k in STORE_TEXTS}
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
                directive=reference, sample=project.campaign.sample_stores, qr_url=url, qr_error=error,
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


class PlannedItem(NamedTuple):
    store: Store
    format_name: str
    fmt: Format
    path: str
    """The cached PDF."""
    rel: str
    """Its place in the output (`store_rel`)."""


def render_store_items(project: Project, stores: Sequence[Store], jobs: int, cache: Path,
                       progress: Callable[..., Iterator[Any]] | None = None,
                       batch: int = BATCH, context: str | None = None,
                       kept: Callable[[str, str], bool] | None = None) -> Iterator[PlannedItem]:
    """Every store's banner and card, in store order.

    Only items missing from `cache` are rendered; text that does not fit is reported for every
    store at once (`ContentError` naming file, row and field). `context`: a key over every input
    besides the store rows (materials without the store lists): with it, a store whose row is
    unchanged is not even planned again (planning 40,000 items takes 3 s), its cached files are
    looked up under the keys its items had last time. `kept(rel, cached path)`: the output
    has that very file already (so it need not be looked for in the cache)."""
    renderer = shared_renderer()
    salt = "\0".join((code_version(), renderer.digest,
                      renderer.fonts.digest([project.default_lang])))
    folder = cache / "print-stores"
    pdfs = os.fspath(folder)
    memo = _PlanMemo(folder / "plans.marshal", f"{salt}\0{context}") if context is not None else None
    planned: dict[str, list[tuple[str, str, str]]] = {}  # store id -> [(format name, cache key, rel)]
    to_plan = []
    for store in stores:
        known = memo.get(store) if memo else None
        if known and all((kept and kept(rel, _pdf(pdfs, key))) or os.path.exists(_pdf(pdfs, key))
                         for _name, key, rel in known):
            planned[store.store_id] = known
        else:
            to_plan.append(store)
    items = plan_store_items(project, to_plan, renderer)
    # The wording all items share, once; then each item's own texts.
    check_glyphs(renderer.fonts, project.default_lang,
                 [*(strings(items[0]) if items else ()), *(s for i in items for s in i.strings())],
                 "store banners and cards")
    paths = {}
    for item in items:
        key = item.key(salt)
        paths[item.rel] = Path(_pdf(pdfs, key))
        planned.setdefault(item.store_id, []).append((item.format_name, key, item.rel))
    todo = [i for i in items if not paths[i.rel].exists()]
    log.info("print: store items: %d rendered, %d reused (%d stores planned again)", len(todo),
             sum(map(len, planned.values())) - len(todo), len(to_plan))
    # A store's banner and card next to each other: the worker encodes their QR code once.
    todo.sort(key=lambda i: (i.carrier.id, i.store_id, i.format_name))
    chunks = [(todo[n:n + batch], [paths[i.rel] for i in todo[n:n + batch]], folder)
              for n in range(0, len(todo), batch)]
    done = parallel_map(render_batch, chunks, jobs)
    by_id = {s.store_id: s for s in stores}
    problems = [_row_problem(by_id[store_id], field, message)
                for found in (progress(done, "print: store banners and cards", total=len(chunks))
                              if progress else done)
                for store_id, field, message in found]
    if problems:
        raise ContentError(problems)
    if memo:
        memo.save(planned, stores, {store.store_id for store in to_plan})
    formats = project.formats
    for store in stores:
        for format_name, key, rel in planned[store.store_id]:
            yield PlannedItem(store, format_name, formats[format_name], _pdf(pdfs, key), rel)


def _pdf(folder: str, key: str) -> str:
    return f"{folder}/{key[:2]}/{key}.pdf"  # a string: 160,000 of them per build


class _PlanMemo:
    """What each store's items were keyed by last time (and where they go), with the store's
    row (`Store.row`) they were planned from, valid while `context` (code, templates, fonts, the
    rest of materials/) is the same. One string per store in marshal's format: the memo of
    20,000 stores loads and saves in a few milliseconds."""

    def __init__(self, path: Path, context: str):
        self.path, self.context = path, hashlib.sha256(context.encode()).hexdigest()
        self.stores: dict[str, str] = load_memo(path, self.context)

    def get(self, store: Store) -> list[tuple[str, str, str]] | None:
        packed = self.stores.get(store.store_id)
        row = store.row_key + "\0"
        if packed is None or not packed.startswith(row):
            return None
        parts = packed[len(row):].split("\0")
        return [(parts[i], parts[i + 1], parts[i + 2]) for i in range(0, len(parts), 3)]

    def save(self, planned: Mapping[str, list[tuple[str, str, str]]], stores: Sequence[Store],
             replanned: set[str]) -> None:
        """Remember `planned`; the stores not in `replanned` are as `get` found them."""
        rows = {}
        for store in stores:
            packed = self.stores.get(store.store_id)
            if packed is None or store.store_id in replanned:
                packed = "\0".join((store.row_key, *(part for entry in planned[store.store_id]
                                                          for part in entry)))
            rows[store.store_id] = packed
        if rows != self.stores:
            save_memo(self.path, self.context, rows)


def render_batch(batch: tuple[list[StoreItem], list[Path], Path]) -> list[tuple[str, str, str]]:
    """Compose a chunk of items into the cache; return (store_id, field, message) for every
    item whose text does not fit its place (the caller reports them all, naming the row)."""
    items, targets, cache = batch
    problems: list[tuple[str, str, str]] = []
    salt = _layout_salt(items[0].lang) if items else ""
    for item, target in zip(items, targets, strict=True):
        try:
            store_in_cache(target, compose_item(item, cache, salt))
        except SlotOverflow as exc:
            problems.append((item.store_id, SLOT_FIELD.get(exc.slot, exc.slot),
                             f"store {item.store_id}: {exc} on the {item.format_name}; shorten it "
                             "in the store list"))
    return problems


SLOT_FIELD = {"name": "name", "address": "address", "meta": "opening_hours", "url": "store_id",
              "qr": "store_id"}
"""The store-list column behind each slot, for error messages."""


def compose_item(item: StoreItem, cache: Path | None = None, salt: str | None = None) -> bytes:
    """One store's page: its carrier's background, its texts and its QR code, read back.
    `salt`: `_layout_salt(item.lang)`, when the caller worked it out once for many items."""
    store_layout = background_layout(item, cache, salt)
    slots = store_layout.slots
    texts = {"name": (item.name, item.sizes["name"]), "address": (item.address, item.sizes["address"]),
             "url": (short_url(item.qr_url), slots["url"].css_size)}
    if "meta" in slots:
        texts["meta"] = (item.meta, slots["meta"].css_size)
    pdf, qr = store_layout.render(texts, item.qr_url, item.qr_size_mm * PT_PER_MM, item.qr_error.lower())
    found = decode_drawing(qr, PX_PER_MODULE)  # the code is drawn last: what prints in its box
    if found != [item.qr_url]:
        raise BuildError(f"{item.rel}: QR code decodes to {found or 'nothing'}, expected {item.qr_url}")
    return pdf


_LAYOUTS: dict[str, StoreLayout] = {}


def _layout_salt(lang: str) -> str:
    """What shapes every background besides the item: templates, fonts and code."""
    renderer = shared_renderer()
    return "\0".join((renderer.digest, renderer.fonts.digest([lang]), code_version()))


_LAYOUT_KEYS: dict[tuple[Any, ...], str] = {}


def background_layout(item: StoreItem, cache: Path | None = None, salt: str | None = None) -> StoreLayout:
    """The carrier's page for this format with its slots empty: laid out once per process, and
    kept in `cache` (a rebuild that composes one store's pages needs no layout engine)."""
    renderer = shared_renderer()
    constant = (item.carrier, item.format_name, item.fmt, item.lang, _shared_repr(item.t), item.steps,
                item.hotline, item.official_site, item.directive, item.sample,
                salt if salt is not None else _layout_salt(item.lang))
    key = _LAYOUT_KEYS.get(constant)
    if key is None:
        if len(_LAYOUT_KEYS) > 256:
            _LAYOUT_KEYS.clear()
        key = _LAYOUT_KEYS[constant] = hashlib.sha256(repr(constant).encode()).hexdigest()
    kept = cache / "layouts" / f"{key}.pickle" if cache else None
    if key not in _LAYOUTS and kept and kept.is_file():
        _LAYOUTS.update(_load_layout(kept, key))
    if key not in _LAYOUTS:
        what = f"{item.fmt.title} ({item.carrier.name})"
        html = renderer.html(item.fmt.template, _context([item], background=True))
        document, pdf = renderer.document(html, what)
        require_pages(pdf, 1, what)
        check_text_inside(pdf, item.fmt.safe_mm, [what])
        store_layout = layout_from_document(document, pdf, _font_resolver(renderer))
        assert item.fmt.width_mm and item.fmt.height_mm
        s = item.fmt.safe_mm * PT_PER_MM
        safe = (s, s, item.fmt.width_mm * PT_PER_MM - s, item.fmt.height_mm * PT_PER_MM - s)
        for slot in store_layout.slots.values():
            if not slot.inside(safe):
                raise BuildError(f"{what}: the template's '{slot.name}' box leaves the safe area")
        _LAYOUTS[key] = store_layout
        if kept:
            data = pickle.dumps(store_layout)
            store_in_cache(kept, hashlib.sha256(data).digest() + data)  # checked by `_load_layout`
    return _LAYOUTS[key]


def _load_layout(kept: Path, key: str) -> dict[str, StoreLayout]:
    """{key: the layout kept in the cache}, or {} if its bytes are not those written (a damaged
    layout would misplace every store's text): it is laid out again and replaced."""
    raw = kept.read_bytes()
    if hashlib.sha256(raw[32:]).digest() == raw[:32]:
        layout_: StoreLayout = pickle.loads(raw[32:])  # our own cache, written by `background_layout`
        return {key: layout_}
    log.warning("cache entry %s was damaged (its bytes are not those it was made with): made again", kept)
    kept.unlink(missing_ok=True)
    return {}


def _font_resolver(renderer: Renderer) -> Callable[[tuple[str, ...], int], tuple[str, int]]:
    def resolve(families: tuple[str, ...], weight: int) -> tuple[str, int]:
        for family in families:
            files = renderer.fonts.families.get(family)
            if files:
                return files[min(1 if weight >= 600 else 0, len(files) - 1)], 0
        raise BuildError(f"no font in templates/print/fonts.yml for {families}")
    return resolve


def _context(items: list[StoreItem], background: bool) -> dict[str, Any]:
    first = items[0]
    return {"lang": first.lang, "fmt": first.fmt, "items": items, "layout": layout(first.fmt),
            "carriers": sorted({i.carrier for i in items}, key=lambda c: c.id),
            "font_family": shared_renderer().fonts.css_family(first.lang), "background": background}


def render_document(items: list[StoreItem]) -> bytes:
    """The whole of each item's page laid out by WeasyPrint, one page per item, every page
    checked: page count, each QR code read back, text inside the safe area."""
    renderer = shared_renderer()
    names = [i.rel for i in items]
    items = [replace(i, qr=draw(i.qr_url, i.qr_min_mm, i.qr_error)) for i in items]
    for item in items:
        assert item.qr is not None
        if item.qr.size_mm != item.qr_size_mm:
            raise BuildError(f"{item.rel}: QR code drawn {item.qr.size_mm} mm wide, "
                             f"planned {item.qr_size_mm} mm")
    fmt = items[0].fmt
    pdf = renderer.pdf(renderer.html(fmt.template, _context(items, background=False)), names[0])
    require_pages(pdf, len(items), f"{fmt.title}: {names[0]}")
    check_qr_pdf(pdf, [(i.qr.payload, i.qr.symbol_mm) for i in items if i.qr], names)
    check_text_inside(pdf, fmt.safe_mm, names)
    return pdf


def naive_store_pdfs(project: Project, stores: Sequence[Store]) -> int:
    """The baseline benchmarks/scale.py compares against: one WeasyPrint document per store
    item, same templates and checks, no composing, no cache. Returns the pages rendered."""
    items = plan_store_items(project, stores, shared_renderer())
    for item in items:
        render_document([item])
    return len(items)
