"""Every store's banner and counter card, built for scale (tens of thousands of stores).

The shape of it:
1. Per carrier and format, WeasyPrint lays the template out with its store slots empty: the
   background (`StorePrinter.layout`, kept in the memo), its title set at the size that fits
   its slot. The template is the one place the design's boxes are given: the slots' rectangles,
   fonts, line heights and fit rules are read back from that layout.
2. `plan_store_items` resolves everything an item needs into a small picklable `StoreItem`
   (texts, QR size, the size each text fits its slot at). Text that cannot fit is collected for
   every store first and reported in one `ContentError`, naming file, row and field.
3. Each item's key hashes the item (so every input that shapes it), the templates, CSS and
   font table, the font files and the code version. An item made before is linked from the memo
   (`memo.Memo`, by content): a rebuild with nothing changed renders nothing, an edited store
   re-renders only its own items.
4. Missing items are composed on `jobs` processes: each page is its background plus the store's
   texts as vector outlines set in the slots, wrapped as they were planned (`printing.fit`), and
   its QR code as vector rectangles: no layout engine per store. Every page's QR code is decoded
   back from the operators drawn in its box.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, fields
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Sequence

from ..compose.slots import Slot, SlotOverflow, StoreLayout, layout_from_document, read_slots
from ..errors import BuildError, ContentError, Problem
from ..memo import Key, Memo, code_version, content_path, keep_content
from ..model import PRINTED, Carrier, Directive, Format, Project, Store
from ..text import slug
from .checks import check_glyphs, check_text_inside, strings
from .fit import PT_PER_MM, FitRule, fit_text
from .qr import (
    PX_PER_MODULE,
    ErrorLevel,
    QrDrawing,
    decode_drawing,
    encode,
    min_module_mm,
    printed_size_mm,
    room_mm,
    short_url,
)
from .render import Renderer, parallel_map, require_pages

log = logging.getLogger("campaign_kit")

STORE_KINDS = ("store-banner", "store-card")
BATCH = 64
"""Items per task sent to a worker process: large enough to amortise the hand-over."""

QR_ERROR: Mapping[str, ErrorLevel] = {"store-banner": "Q", "store-card": "Q"}
"""Banners hang outdoors and get dirty: level Q. The card uses the same level, so a store's two
items carry one and the same symbol, encoded once (encoding is the slowest step per store)."""

FITTED = ("title", "name", "address")
"""The slots whose text is sized to fit them (the title once, in the background; the others for
each store)."""
SLOT_FIELD = {"name": "name", "address": "address", "meta": "opening_hours", "url": "store_id",
              "qr": "store_id"}
"""The store-list column behind each slot, for error messages."""


@dataclass(frozen=True)
class Sheet:
    """What every store item of one carrier and format shows alike: its background."""

    carrier: Carrier
    format_name: str
    fmt: Format
    lang: str
    """Store items print in the default language (Vietnamese)."""
    t: Mapping[str, str]
    steps: tuple[str, ...]
    hotline: str
    official_site: str
    directive: str | None
    sample: bool

    @functools.cached_property
    def digest(self) -> str:
        """Of every field: part of the key of its background and of each of its items."""
        return hashlib.sha256(repr([sorted(v.items()) if isinstance(v, Mapping) else v for v in
                                    (getattr(self, f.name) for f in fields(self))]).encode()).hexdigest()


@dataclass(frozen=True)
class StoreItem:
    """Everything one store's banner or card shows, resolved: the template needs nothing else."""

    store_id: str
    slug: str
    sheet: Sheet
    name: str
    address: str
    district: str
    opening_hours: str
    phone: str
    qr_url: str
    qr_error: ErrorLevel
    qr_module_mm: float
    qr_size_mm: float
    """Planned printed size: the worker draws the code at exactly this size."""
    sizes: Mapping[str, float]
    """Points, per `FITTED` slot."""
    rel: str

    @property
    def fmt(self) -> Format:
        return self.sheet.fmt

    @property
    def format_name(self) -> str:
        return self.sheet.format_name

    @property
    def meta(self) -> str:
        """The card's line of opening hours and phone."""
        t, parts = self.sheet.t, []
        if self.opening_hours:
            parts.append(f"{t['opening_hours_label']}: {self.opening_hours}")
        if self.phone:
            parts.append(f"{t['phone_label']}: {self.phone}")
        return " · ".join(parts)

    def key(self, salt: str) -> str:
        """The cache key: this item's content (every field) plus templates, fonts and code (`salt`)."""
        h = hashlib.sha256(salt.encode() + b"\0")
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            h.update(f"{name}={value.digest if name == 'sheet' else repr(value)}\0".encode("utf-8"))
        return h.hexdigest()

    def strings(self) -> list[str]:
        """The texts of this item that are its own (its sheet's are checked with the sheet)."""
        return [getattr(self, name) for name in _FIELD_NAMES
                if isinstance(getattr(self, name), str)] + [self.meta]


_FIELD_NAMES = tuple(f.name for f in fields(StoreItem))


def store_rel(store: Store, format_name: str) -> str:
    """`downloads/stores/<carrier>/<district>/<store>-banner.pdf` (`-card`; other sizes a
    department adds to formats.yml end in their own format name)."""
    suffix = {"store-banner": "banner", "store-card": "card"}.get(format_name, format_name)
    return f"downloads/stores/{store.carrier}/{slug(store.district)}/{store.slug}-{suffix}.pdf"


def address_line(store: Store) -> str:
    """Address, ward and district, skipping a part the address already spells out."""
    parts = [store.address]
    for extra in (store.ward, store.district):
        if extra and extra.casefold() not in store.address.casefold():
            parts.append(extra)
    return ", ".join(parts)


STORE_TEXTS = tuple(key for key in PRINTED.store_texts if key != "steps")
"""The texts a store item shows (the steps too: `store_directive`), from `model.PRINTED`."""
STORE_SETTINGS = PRINTED.store_settings


def store_directive(project: Project) -> Directive | None:
    """The letter every store banner and card names: the newest that set a setting they show
    (or `support_points`, the letter that made stores support points)."""
    lang = project.default_lang
    return project.cite(STORE_SETTINGS | project.settings_in(lang, PRINTED.store_texts))


class StorePrinter:
    """What one build's store items share, made once per build and passed down: the renderer,
    the cache folder, the salt of every key, and what the build works out once (each background
    and its slots, the printed size of a code per URL length). A worker process gets a copy
    without the backgrounds (`__getstate__`) and reads them from the cache, where planning left
    them: it lays nothing out."""

    def __init__(self, lang: str, renderer: Renderer, memo: Memo | None = None):
        self.lang, self.renderer, self.memo = lang, renderer, memo
        self.root = str(memo.root) if memo else ""
        self.salt = "\0".join((code_version(), renderer.digest, renderer.fonts.digest([lang])))
        self._layouts: dict[str, StoreLayout] = {}
        self._layout_kept: dict[str, tuple[str, int]] = {}
        """Each layout's key -> the sha256 and size it is kept under (what a worker reads)."""
        self._qr_sizes: dict[tuple[int, bool, float, str], float] = {}

    def __getstate__(self) -> dict[str, Any]:
        # A worker gets neither the layouts (it reads them, checked) nor the memo and its index.
        return {**self.__dict__, "_layouts": {}, "memo": None}

    def context(self, sheet: Sheet, item: StoreItem | None = None, qr: QrDrawing | None = None) -> dict[str, Any]:
        """The template's context: the background alone, or (`item`, `qr`) a whole store page."""
        return {"lang": sheet.lang, "fmt": sheet.fmt, "sheet": sheet, "item": item, "qr": qr,
                "title_pt": item.sizes["title"] if item else None,
                "font_family": self.renderer.fonts.css_family(sheet.lang),
                "qr_room_mm": room_mm(min_module_mm(sheet.fmt.viewing_distance_m))}

    def layout(self, sheet: Sheet) -> StoreLayout:
        """The sheet's page with its slots empty: laid out once a build, and kept in the memo (a
        rebuild that composes one store's pages needs no layout engine)."""
        key = hashlib.sha256(f"{self.salt}\0{sheet.digest}".encode()).hexdigest()
        if key in self._layouts:
            return self._layouts[key]
        found = None
        if self.memo is not None:  # the build: laid out now unless kept (checked against its hash)
            data = self.memo.read(Key(key), lambda: pickle.dumps(self._lay_out(sheet)))
            self._layout_kept[key] = (hashlib.sha256(data).hexdigest(), len(data))
            found = pickle.loads(data)  # our own memo's, checked by `Memo.read`
        elif key in self._layout_kept:  # a worker: what the build kept
            found = _load_layout(content_path(self.root, self._layout_kept[key][0]), self._layout_kept[key][0])
        if found is None:
            found = self._lay_out(sheet)
        self._layouts[key] = found
        return found

    def _lay_out(self, sheet: Sheet) -> StoreLayout:
        """Laid out twice: with the slots empty, to read the title's box; then with the title
        set by WeasyPrint at the size that fits that box (real text: outlines drawn on every
        page would add kilobytes to each store's file)."""
        what = f"{sheet.fmt.title} ({sheet.carrier.name})"
        check_glyphs(self.renderer.fonts, sheet.lang, strings(sheet), "store banners and cards")
        empty = self._slots(sheet, self._document(sheet, None, what)[0], what)
        title_pt = _fit(sheet.t["banner_title"], empty["title"])  # None: the planner reports it
        document, pdf = self._document(sheet, title_pt, what)
        if self._slots(sheet, document, what) != empty:
            raise BuildError(f"templates/print/{sheet.fmt.template}: the title moves the other slots")
        return layout_from_document(document, pdf, self._font)

    def _document(self, sheet: Sheet, title_pt: float | None, what: str) -> tuple[Any, bytes]:
        html = self.renderer.html(sheet.fmt.template, {**self.context(sheet), "title_pt": title_pt})
        document, pdf = self.renderer.document(html, what)
        require_pages(pdf, 1, what)
        check_text_inside(pdf, sheet.fmt.safe_mm, [what])
        return document, pdf

    def _slots(self, sheet: Sheet, document: Any, what: str) -> dict[str, Slot]:
        """The template's slots, each inside the safe area, every fitted one with its rule."""
        fmt = sheet.fmt
        try:
            slots = read_slots(document, self._font)
        except ValueError as exc:
            raise BuildError(f"templates/print/{fmt.template}: {exc}") from None
        for name in FITTED:
            if name not in slots or slots[name].fit is None:
                raise BuildError(f"templates/print/{fmt.template}: needs a data-slot=\"{name}\" with data-fit")
        assert fmt.width_mm and fmt.height_mm
        s = fmt.safe_mm * PT_PER_MM
        safe = (s, s, fmt.width_mm * PT_PER_MM - s, fmt.height_mm * PT_PER_MM - s)
        for slot in slots.values():
            if not slot.inside(safe):
                raise BuildError(f"{what}: the template's '{slot.name}' box leaves the safe area")
        return slots

    def _font(self, families: tuple[str, ...], weight: int) -> tuple[str, int]:
        for family in families:
            files = self.renderer.fonts.families.get(family)
            if files:
                return files[min(1 if weight >= 600 else 0, len(files) - 1)], 0
        raise BuildError(f"no font in templates/print/fonts.yml for {families}")

    def qr_size_mm(self, url: str, module_mm: float, error: ErrorLevel) -> float:
        """The printed width of a store's code without encoding it: same length, same size (the
        worker encodes it and draws it at this size)."""
        shape = (len(url), url.isascii(), module_mm, error)
        if shape not in self._qr_sizes:
            self._qr_sizes[shape] = printed_size_mm(encode(url, error).payload.modules, module_mm)
        return self._qr_sizes[shape]

    def compose(self, item: StoreItem) -> bytes:
        """One store's page: its sheet's background, its texts and its QR code, read back."""
        store_layout = self.layout(item.sheet)
        slots = store_layout.slots
        texts = {"name": (item.name, item.sizes["name"]), "address": (item.address, item.sizes["address"])}
        texts["url"] = (short_url(item.qr_url), slots["url"].css_size)
        if "meta" in slots:
            texts["meta"] = (item.meta, slots["meta"].css_size)
        pdf, qr = store_layout.render(texts, item.qr_url, item.qr_size_mm * PT_PER_MM, item.qr_error)
        found = decode_drawing(qr, PX_PER_MODULE)  # the code is drawn last: what prints in its box
        if found != [item.qr_url]:
            raise BuildError(f"{item.rel}: QR code decodes to {found or 'nothing'}, expected {item.qr_url}")
        return pdf


def _load_layout(path: str, sha256: str) -> StoreLayout | None:
    """A layout the build kept, or None if its bytes are not those kept (a damaged layout would
    misplace every store's text): the worker lays it out again."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError:
        return None
    if hashlib.sha256(raw).hexdigest() != sha256:
        return None
    found: StoreLayout = pickle.loads(raw)  # our own memo's, checked by its hash above
    return found


def plan_store_items(project: Project, stores: Sequence[Store], printer: StorePrinter) -> list[StoreItem]:
    """Resolve every store item; raise one ContentError for every text that cannot fit."""
    lang = project.default_lang
    directive = store_directive(project)
    t = {k: str(project.text(lang, k)) for k in STORE_TEXTS}
    steps = tuple(str(s) for s in project.text(lang, "steps"))
    carriers: dict[str, Carrier] = {c.id: c for c in project.campaign.carriers}
    formats = [(n, f) for n, f in sorted(project.formats.items()) if f.kind in STORE_KINDS]
    sheets: dict[tuple[str, str], tuple[Sheet, StoreLayout, float | None]] = {}
    items: list[StoreItem] = []
    problems: dict[tuple[str, ...], Problem] = {}  # a title too long is one problem, however many stores
    seen: dict[str, Store] = {}
    for store in stores:
        if (twin := seen.setdefault(store.slug, store)) is not store:
            # The loader refuses this already; two ids with one slug would share a QR code and files.
            problems[("slug", store.store_id)] = _row_problem(
                store, "store_id", f"'{store.store_id}' gives the same file and QR link as "
                f"'{twin.store_id}' ({twin.source}); make it distinct")
            continue
        for name, fmt in formats:
            if (store.carrier, name) not in sheets:
                sheet = Sheet(carrier=carriers[store.carrier], format_name=name, fmt=fmt, lang=lang, t=t,
                              steps=steps, hotline=project.settings.hotline,
                              official_site=project.settings.official_site,
                              directive=directive.reference if directive else None,
                              sample=project.campaign.sample_stores)
                store_layout = printer.layout(sheet)
                title = _fit(t["banner_title"], store_layout.slots["title"])
                if title is None:
                    problems[("title", name)] = Problem(
                        "materials/text", None, "banner_title", _too_long(name, store_layout.slots["title"].fit))
                sheets[store.carrier, name] = (sheet, store_layout, title)
            sheet, store_layout, title_pt = sheets[store.carrier, name]
            url, error = project.go_url(store), QR_ERROR[fmt.kind]
            qr_mm = printer.qr_size_mm(url, min_module_mm(fmt.viewing_distance_m), error)
            qr_slot = store_layout.slots["qr"]
            if qr_mm * PT_PER_MM > min(qr_slot.width, qr_slot.height) + 0.01:
                raise BuildError(f"materials/formats.yml, {name}: a {qr_mm} mm QR code (viewing "
                                 f"distance {fmt.viewing_distance_m} m) does not fit its box in {fmt.template}")
            values = {"name": store.name, "address": address_line(store)}
            sizes = {"title": title_pt or 0.0}
            for field, text in values.items():
                slot = store_layout.slots[field]
                size = _fit(text, slot)
                if size is None:
                    problems[(field, store.store_id, name)] = _row_problem(
                        store, field, f"store {store.store_id}: {_too_long(name, slot.fit)}; shorten it in the store list")
                else:
                    sizes[field] = size
            items.append(StoreItem(
                store_id=store.store_id, slug=store.slug, sheet=sheet, name=store.name,
                address=values["address"], district=store.district, opening_hours=store.opening_hours,
                phone=store.phone_display, qr_url=url, qr_error=error,
                qr_module_mm=min_module_mm(fmt.viewing_distance_m), qr_size_mm=qr_mm, sizes=sizes,
                rel=store_rel(store, name)))
    if problems:
        raise ContentError(list(problems.values()))
    return items


def _fit(text: str, slot: Slot) -> float | None:
    """The size `text` is set at in `slot`, by the slot's rule (None: it does not fit)."""
    assert slot.fit is not None  # every fitted slot has its rule (`StorePrinter._lay_out`)
    fit = fit_text(text, slot.font_file, slot.width / PT_PER_MM, slot.fit, slot.font_number)
    return fit.size_pt if fit else None


def _too_long(fmt_name: str, rule: FitRule | None) -> str:
    assert rule is not None
    return f"too long for the {fmt_name} even at {rule.min_pt:g} pt on {rule.max_lines} lines"


def _row_problem(store: Store, field: str, message: str) -> Problem:
    """A problem located at the store's row (`store.source` is "materials/stores/x.csv, row 12")."""
    file, _, row = store.source.rpartition(", row ")
    return Problem(file or store.source, int(row) if row.isdigit() else None, field, message)


class PlannedItem(NamedTuple):
    store: Store
    format_name: str
    fmt: Format
    path: str
    """The checked PDF, in the memo's store."""
    claim: tuple[str, int]
    """Its sha256 and size."""
    rel: str
    """Its place in the output (`store_rel`)."""


def render_store_items(project: Project, stores: Sequence[Store], jobs: int, memo: Memo,
                       progress: Callable[..., Iterator[Any]] | None = None,
                       batch: int = BATCH, context: str | None = None,
                       renderer: Renderer | None = None,
                       kept: Callable[[str, str], bool] | None = None) -> Iterator[PlannedItem]:
    """Every store's banner and card, in store order.

    Only items missing from the memo are rendered; text that does not fit is reported for every
    store at once (`ContentError` naming file, row and field). `context`: a key over every input
    besides the store rows (materials without the store lists): with it, a store whose row is
    unchanged is not even planned again (planning 40,000 items takes 3 s), its files are looked
    up under the keys its items had last time. `renderer`: the build's (a new one if none).
    `kept(rel, path)`: the output has that very entry at `rel` already (no need to look for it)."""
    printer = StorePrinter(project.default_lang, renderer or Renderer(), memo)
    plans_key = memo.key("store-plans", salt=printer.salt, context=context) if context is not None else None
    plans = _Plans(memo.load("store-plans", plans_key) if plans_key else None)
    planned: dict[str, list[tuple[str, str, str]]] = {}  # store id -> [(format name, key, rel)]
    to_plan = []
    for store in stores:
        known = plans.get(store)
        if known and all(_there(memo.known(Key(key)), rel, kept) for _name, key, rel in known):
            planned[store.store_id] = known
        else:
            to_plan.append(store)
    items = plan_store_items(project, to_plan, printer)
    check_glyphs(printer.renderer.fonts, project.default_lang, (s for i in items for s in i.strings()),
                 "store banners and cards")
    keys = {}
    for item in items:
        key = item.key(printer.salt)
        keys[item.rel] = key
        planned.setdefault(item.store_id, []).append((item.format_name, key, item.rel))
    todo = [i for i in items if memo.get(Key(keys[i.rel])) is None]
    log.info("print: store items: %d rendered, %d reused (%d stores planned again)", len(todo),
             sum(map(len, planned.values())) - len(todo), len(to_plan))
    # A store's banner and card next to each other: the worker encodes their QR code once.
    todo.sort(key=lambda i: (i.sheet.carrier.id, i.store_id, i.format_name))
    chunks = [(todo[n:n + batch], [Key(keys[i.rel]) for i in todo[n:n + batch]], printer)
              for n in range(0, len(todo), batch)]
    done = parallel_map(render_batch, chunks, jobs)
    by_id = {s.store_id: s for s in stores}
    problems: list[Problem] = []
    for found, made in (progress(done, "print: store banners and cards", total=len(chunks)) if progress else done):
        problems.extend(_row_problem(by_id[store_id], field, message) for store_id, field, message in found)
        for key, (sha256, size) in made:
            memo.remember(key, sha256, size)
    if problems:
        raise ContentError(problems)
    if plans_key:
        rows = plans.rows(planned, stores, {store.store_id for store in to_plan})
        if rows != plans.stores:
            memo.save("store-plans", plans_key, rows)
    formats = project.formats
    for store in stores:
        for format_name, key, rel in planned[store.store_id]:
            found = memo.known(Key(key))
            assert found is not None, rel  # found or made above
            yield PlannedItem(store, format_name, formats[format_name], found[0], found[1], rel)


def _there(found: tuple[str, tuple[str, int]] | None, rel: str, kept: Callable[[str, str], bool] | None) -> bool:
    return found is not None and ((kept is not None and kept(rel, found[0])) or os.path.exists(found[0]))


class _Plans:
    """What each store's items were keyed by last time (and where they go), with the store's
    row (`Store.row`) they were planned from: one string per store, so that the plans of
    20,000 stores load and save in a few milliseconds."""

    def __init__(self, stores: object):
        self.stores: dict[str, str] = stores if isinstance(stores, dict) else {}

    def get(self, store: Store) -> list[tuple[str, str, str]] | None:
        packed = self.stores.get(store.store_id)
        row = store.row_key + "\0"
        if packed is None or not packed.startswith(row):
            return None
        parts = packed[len(row):].split("\0")
        return [(parts[i], parts[i + 1], parts[i + 2]) for i in range(0, len(parts), 3)]

    def rows(self, planned: Mapping[str, list[tuple[str, str, str]]], stores: Sequence[Store],
             replanned: set[str]) -> dict[str, str]:
        """`planned` as kept; the stores not in `replanned` are as `get` found them."""
        rows = {}
        for store in stores:
            packed = self.stores.get(store.store_id)
            if packed is None or store.store_id in replanned:
                packed = "\0".join((store.row_key, *(part for entry in planned[store.store_id]
                                                          for part in entry)))
            rows[store.store_id] = packed
        return rows


def render_batch(batch: tuple[list[StoreItem], list[Key], StorePrinter]
                 ) -> tuple[list[tuple[str, str, str]], list[tuple[Key, tuple[str, int]]]]:
    """Compose a chunk of items into the memo's store (in a worker process): (store_id, field,
    message) for every item whose text does not fit its place (the caller reports them all,
    naming the row), and each key with the sha256 and size of what it made."""
    items, keys, printer = batch
    problems: list[tuple[str, str, str]] = []
    made: list[tuple[Key, tuple[str, int]]] = []
    for item, key in zip(items, keys, strict=True):
        try:
            made.append((key, keep_content(printer.root, printer.compose(item))[1]))
        except SlotOverflow as exc:
            problems.append((item.store_id, SLOT_FIELD.get(exc.slot, exc.slot),
                             f"store {item.store_id}: {exc} on the {item.format_name}; shorten it "
                             "in the store list"))
    return problems, made
