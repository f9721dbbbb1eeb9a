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
   back from the operators drawn in its box. These per-store files are DeviceRGB, without marks
   (about 35 KB: screens, office printers, the store's own download).
5. For print shops (a kit with a print profile), each carrier's stores of one province in one
   format are one PDF/X-4 file (`Batch`, `StorePrinter.compose_batch`): a page per store on the
   sheet's press background (one form XObject, one output intent and profile per file), with
   marks and a slug naming the store and its page's build id. Keyed by its pages' item keys: a
   one-store edit composes the batch holding that store again, and no other.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
from collections import defaultdict
from dataclasses import dataclass, fields, replace
from typing import Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from ..compose.pdfpage import Background, Ink
from ..compose.slots import Slot, SlotOverflow, StoreLayout, read_slots, set_text, text_sizes
from ..errors import BuildError, ContentError, Problem
from ..memo import DamagedEntry, Key, Memo, code_version, content_path, keep_content, read_checked
from ..memo import key as memo_key
from ..model import PRINTED, Carrier, Directive, Format, Project, Store
from ..text import fold, slug
from . import marks
from .checks import check_glyphs, check_text_inside, strings
from .fit import PT_PER_MM, FitRule, fit_text
from .pdfx import Spots, require_pdfx4, spot_inks
from .qr import (
    PX_PER_MODULE,
    ErrorLevel,
    QrDrawing,
    QrOperators,
    decode_drawing,
    draw_operators,
    encode,
    min_module_mm,
    printed_size_mm,
    room_mm,
    short_url,
)
from .render import PDFX, Renderer, output_intent, parallel_map, require_pages

log = logging.getLogger("campaign_kit")

STORE_KINDS = ("store-banner", "store-card")
BATCH = 64
"""Items per task sent to a worker process: large enough to amortise the hand-over."""
FEW_CHUNKS, FEW_BATCHES = 2, 4
"""As many tasks as this are done in this process: a worker would take longer to start (a
store edited composes its two items and two print batches again)."""

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
    colours: Mapping[str, str]
    """CSS colours of the screen layout (the slots are read from it): `sheet_colours`."""
    print_colours: Mapping[str, str] | None = None
    """The same in device-cmyk(), and `output_intent` (profile URL, its sha256, the date): the
    page is PDF/X-4 on the kit's print profile. None: the kit has no print profile."""
    output_intent: Mapping[str, str] | None = None
    spots: Spots = ()

    @functools.cached_property
    def digest(self) -> str:
        """Of every field: part of the key of its background and of each of its items."""
        # The print profile counts by its sha256, not by where the checkout is (its file URL).
        return hashlib.sha256(repr([sorted((k, x) for k, x in v.items() if k != "profile_url")
                                    if isinstance(v, Mapping) else v for v in
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

    def key(self, salt: str) -> Key:
        """The memo key: this item's content (every field) plus templates and fonts (`salt`)."""
        return memo_key("store-item", salt=salt, **{name: self.sheet.digest if name == "sheet" else getattr(self, name)
                                                     for name in _FIELD_NAMES})

    def strings(self) -> list[str]:
        """The texts of this item that are its own (its sheet's are checked with the sheet)."""
        return [getattr(self, name) for name in _FIELD_NAMES
                if isinstance(getattr(self, name), str)] + [self.meta]


_FIELD_NAMES = tuple(f.name for f in fields(StoreItem))


def check_hierarchy(layout: StoreLayout) -> str | None:
    """Why a store's name might not be the largest text of its page, or None: the smallest size
    its slot's rule sets it at must be above every text the background sets (the title at the
    size it was fitted to, the wordmark, steps, small print; the sample watermark aside), above
    the address slot's largest size and the other slots' own sizes. Checked on each background,
    once a build: no store, however long its name, then outsizes its name with another text."""
    name = layout.slots["name"].fit
    assert name is not None
    others = {f"the {what}": size for what, size in layout.text_sizes.items()}
    for slot in layout.slots.values():
        if slot.name != "name" and slot.name != "qr":
            others[f"the {slot.name} slot"] = slot.fit.max_pt if slot.fit else slot.css_size
    what, largest = max(others.items(), key=lambda entry: entry[1], default=("", 0.0))
    if largest >= name.min_pt:
        return (f"the store name's smallest size, {name.min_pt:g} pt, is not above {what} at {largest:g} pt: "
                "the name must be the largest text (raise its data-fit minimum, or set the other smaller)")
    return None


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
        self._layouts: dict[str, object] = {}
        """Each sheet's layout and press background (`StoreLayout`, `Background`), by key."""
        self._layout_kept: dict[Key, str] = {}
        """Each layout's key -> the sha256 and size it is kept under (what a worker reads)."""
        self._qr_sizes: dict[tuple[int, bool, float, str], float] = {}

    def __getstate__(self) -> dict[str, Any]:
        # A worker gets neither the layouts (it reads them, checked) nor the memo and its index.
        return {**self.__dict__, "_layouts": {}, "memo": None}

    def context(self, sheet: Sheet, item: StoreItem | None = None, qr: QrDrawing | None = None,
                press: bool = False) -> dict[str, Any]:
        """The template's context: the background alone, or (`item`, `qr`) a whole store page;
        `press`: in the sheet's print colours, under its output intent."""
        return {"lang": sheet.lang, "fmt": sheet.fmt, "sheet": sheet, "item": item, "qr": qr,
                "colours": sheet.print_colours if press else sheet.colours,
                "output_intent": sheet.output_intent if press else None,
                "title_pt": item.sizes["title"] if item else None,
                "font_family": self.renderer.fonts.css_family(sheet.lang),
                "qr_room_mm": room_mm(min_module_mm(sheet.fmt.viewing_distance_m))}

    def layout(self, sheet: Sheet) -> StoreLayout:
        """The sheet's page with its slots empty: laid out once a build, and kept in the memo (a
        rebuild that composes one store's pages needs no layout engine)."""
        found = self._remembered(memo_key("store-layout", salt=self.salt, sheet=sheet.digest),
                                 lambda: self._lay_out(sheet))
        assert isinstance(found, StoreLayout)
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
        found = StoreLayout(Background.from_pdf(pdf), empty, text_sizes(document))
        problem = check_hierarchy(found)
        if problem:
            raise BuildError(f"templates/print/{sheet.fmt.template} ({sheet.carrier.name}): {problem}")
        return found

    def press(self, sheet: Sheet) -> Background:
        """The sheet's background for the print batches: the same layout in print colours under
        the kit's output intent (PDF/X-4), with marks and room for a slug. Laid out once, kept in
        the memo like `layout`; its slots are the screen layout's (the same geometry, their
        colours mapped to print colours by `_inks`)."""
        assert sheet.output_intent is not None, "press pages need the kit's print profile"
        found = self._remembered(memo_key("store-layout", salt=self.salt, sheet=sheet.digest, press=True),
                                 lambda: self._lay_out_press(sheet))
        assert isinstance(found, Background)
        return found

    def _lay_out_press(self, sheet: Sheet) -> Background:
        what = f"{sheet.fmt.title} ({sheet.carrier.name}), print"
        slots = self.layout(sheet).slots
        inks = _inks(sheet, slots, what)
        pdf = self._document(sheet, _fit(sheet.t["banner_title"], slots["title"]), what, press=True)[1]
        background = Background.from_pdf(pdf, inks=inks)
        return replace(background, marks=marks.for_page(
            background.trim_box, background.bleed_box, sheet.fmt, marks.slug_font(self.renderer.fonts)))

    def _remembered(self, layout: Key, make: Callable[[], object]) -> object:
        """What `make` lays out, once a build: the build keeps it in the memo, a worker reads
        what the build kept (checked against its hash), else makes it itself."""
        if layout in self._layouts:
            return self._layouts[layout]
        found = None
        if self.memo is not None:
            data = self.memo.read(layout, lambda: pickle.dumps(make()))
            self._layout_kept[layout] = hashlib.sha256(data).hexdigest()
            found = pickle.loads(data)  # our own memo's, checked by `Memo.read`
        elif layout in self._layout_kept:
            sha256 = self._layout_kept[layout]
            try:
                found = pickle.loads(read_checked(content_path(self.root, sha256), sha256))
            except (OSError, DamagedEntry):
                found = None  # a damaged layout would misplace every store's text: laid out again
        if found is None:
            found = make()
        self._layouts[layout] = found
        return found

    def _document(self, sheet: Sheet, title_pt: float | None, what: str, press: bool = False) -> tuple[Any, bytes]:
        html = self.renderer.html(sheet.fmt.template, {**self.context(sheet, press=press), "title_pt": title_pt})
        document, pdf = self.renderer.document(html, what, PDFX if press else None, sheet.spots if press else ())
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
        pdf, qr = store_layout.render(self._texts(item, store_layout.slots), item.qr_url,
                                      item.qr_size_mm * PT_PER_MM, item.qr_error)
        _check_qr(item, qr)
        return pdf

    def compose_batch(self, items: Sequence[StoreItem], title: str, document_id: str) -> bytes:
        """The print batch of these items (one sheet: a carrier, province and format), one page
        each in this order: the press background, shared by every page as one form, the
        store's texts and QR code in print colours (the code and the text K only), and marks
        and a slug naming the store and the page's build id (its item's own key). PDF/X-4 by
        construction: one output intent, one profile, CMYK or refused (`compose_pages`)."""
        from ..compose.pdfpage import TextLayer, compose_pages

        layer = TextLayer()  # one invisible font for the batch's texts: pages share /Font
        pages = []
        for item in items:
            background = self.press(item.sheet)
            slots = self.layout(item.sheet).slots
            ops: list[str] = []
            for name, (text, size) in sorted(self._texts(item, slots).items(),
                                             key=lambda entry: list(slots).index(entry[0])):
                if text:
                    ops.append(set_text(slots[name], text, size, layer))
            qr_size, slot = item.qr_size_mm * PT_PER_MM, slots["qr"]
            qr = draw_operators(item.qr_url, slot.x + (slot.width - qr_size) / 2,
                                slot.y + (slot.height - qr_size) / 2, qr_size, item.qr_error)
            _check_qr(item, qr)
            ops.append(qr.ops)
            slug_line = batch_slug(item, marks.build_id(item.key(self.salt)))
            pages.append((replace(background, slug=slug_line), "\n".join(ops)))
        return compose_pages(pages, title, layer, document_id)

    @staticmethod
    def _texts(item: StoreItem, slots: Mapping[str, Slot]) -> dict[str, tuple[str, float]]:
        texts = {"name": (item.name, item.sizes["name"]), "address": (item.address, item.sizes["address"])}
        texts["url"] = (short_url(item.qr_url), slots["url"].css_size)
        if "meta" in slots:
            texts["meta"] = (item.meta, slots["meta"].css_size)
        return texts


def _check_qr(item: StoreItem, qr: QrOperators) -> None:
    found = decode_drawing(qr, PX_PER_MODULE)  # the code is drawn last: what prints in its box
    if found != [item.qr_url]:
        raise BuildError(f"{item.rel}: QR code decodes to {found or 'nothing'}, expected {item.qr_url}")


def batch_slug(item: StoreItem, build: str) -> str:
    """A batch page's slug: which store, where, what to print and at what size, under which
    letter, and the page's build id."""
    sheet = item.sheet
    return marks.slug_text(f"store {item.store_id}", item.district, f"{sheet.fmt.title} · {sheet.carrier.name}",
                           marks.format_line(sheet.fmt), sheet.directive, f"build {build}")


LARGE_TEXT_CONTRAST = 3.0
"""WCAG AA for large text (14 pt bold, 18 pt): every text of the store items on a carrier colour is
that large (tests/test_typography.py checks each size and colour)."""
DESIGN_COLOURS = {"muted": ("#444444", "device-cmyk(0 0 0 0.9)"),
                  "sample": ("#b00020", "device-cmyk(0.2 1 0.89 0.17)")}
"""The store templates' own colours (small print, the sample warning), screen and print: the
sRGB colour through the shipped profile, grey text in K alone (as print.css does)."""
QR_INKS: tuple[Ink, ...] = (((0.0, 0.0, 0.0), "0 0 0 1"), ((1.0, 1.0, 1.0), "0 0 0 0"))
"""The QR code's dark modules in 100 % K, its quiet zone no ink (`qr.draw_operators`)."""


def sheet_colours(project: Project, carrier: Carrier) -> tuple[dict[str, str], dict[str, str] | None]:
    """A store sheet's CSS colours, on screen and (with a print profile) in print."""
    c = project.campaign.colours
    mark = wordmark_colour(carrier, c.background)
    screen = {"ink": c.text, "paper": c.background, "carrier_background": carrier.background,
              "carrier_foreground": carrier.foreground, "carrier_accent": carrier.accent,
              "carrier_wordmark": getattr(carrier, mark),
              **{name: pair[0] for name, pair in DESIGN_COLOURS.items()}}
    if not project.print_profile:
        return screen, None
    assert c.print is not None and carrier.print is not None  # the model requires them then
    printed = {"ink": c.print.text.css(), "paper": c.print.background.css(),
               "carrier_background": carrier.print.background.css(),
               "carrier_foreground": carrier.print.foreground.css(),
               "carrier_accent": carrier.print.accent.css(),
               "carrier_wordmark": getattr(carrier.print, mark).css(),
               **{name: pair[1] for name, pair in DESIGN_COLOURS.items()}}
    return screen, printed


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours (`#rrggbb`)."""
    def luminance(colour: str) -> float:
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                   for c in (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def wordmark_colour(carrier: Carrier, paper: str) -> str:
    """Which of the carrier's colours its wordmark is set in on the paper's white tab: its
    background (the brand colour: VNPT blue, Viettel red) where that is legible on paper as large
    text (WCAG AA 3:1; the wordmark is 14 pt bold and up), else its foreground (Vietnam Post's
    yellow is 1.8:1 on white: its blue)."""
    return "background" if contrast(carrier.background, paper) >= LARGE_TEXT_CONTRAST else "foreground"


def _inks(sheet: Sheet, slots: Mapping[str, Slot], what: str) -> tuple[Ink, ...]:
    """The print colour of each colour the overlay paints: the QR code's, and each slot's
    (refused if it is not one of the sheet's colours, or two print colours share its sRGB)."""
    assert sheet.print_colours is not None
    table: dict[tuple[float, float, float], str] = dict(QR_INKS)
    for name, screen in sheet.colours.items():
        rgb = tuple(round(int(screen[i:i + 2], 16) / 255, 3) for i in (1, 3, 5))
        cmyk = sheet.print_colours[name].removeprefix("device-cmyk(").removesuffix(")")
        if table.setdefault(rgb, cmyk) != cmyk:  # type: ignore[arg-type]
            raise BuildError(f"{what}: {name} {screen} has two print colours ({table[rgb]} and {cmyk})")  # type: ignore[index]
    for slot in slots.values():
        key = tuple(round(v, 3) for v in slot.colour)
        if key not in table:
            raise BuildError(f"templates/print/{sheet.fmt.template}: the {slot.name} box's colour "
                             f"(sRGB {key}) is none of the store colours, so it has no print colour")
    return tuple(table.items())


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
                carrier = carriers[store.carrier]
                screen, printed = sheet_colours(project, carrier)
                sheet = Sheet(carrier=carrier, format_name=name, fmt=fmt, lang=lang, t=t,
                              steps=steps, hotline=project.settings.hotline,
                              official_site=project.settings.official_site,
                              directive=directive.reference if directive else None,
                              sample=project.campaign.sample_stores, colours=screen,
                              print_colours=printed,
                              output_intent=output_intent(project, directive) if printed else None,
                              spots=spot_inks(project.campaign.colours.print, carrier.print) if printed else ())
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
                       item_keys: dict[str, str] | None = None) -> Iterator[PlannedItem]:
    """Every store's banner and card, in store order.

    Only items missing from the memo are rendered; text that does not fit is reported for every
    store at once (`ContentError` naming file, row and field). `context`: a key over every input
    besides the store rows (materials without the store lists): with it, a store whose row is
    unchanged is not even planned again (planning 40,000 items takes 3 s), its files are looked
    up under the keys its items had last time. `renderer`: the build's (a new one if none).
    `item_keys`: filled with each item's output path -> its key (a print batch's pages, `Batch`)."""
    printer = StorePrinter(project.default_lang, renderer or Renderer(), memo)
    plans_key = memo.key("store-plans", salt=printer.salt, context=context) if context is not None else None
    plans = _Plans(memo.load("store-plans", plans_key) if plans_key else None)
    planned: dict[str, list[tuple[str, str, str]]] = {}  # store id -> [(format name, key, rel)]
    to_plan = []
    for store in stores:
        known = plans.get(store)
        if known and all(_there(memo.get(Key(key), look=False)) for _name, key, _rel in known):
            planned[store.store_id] = known
        else:
            to_plan.append(store)
    items = plan_store_items(project, to_plan, printer)
    check_glyphs(printer.renderer.fonts, project.default_lang, (s for i in items for s in i.strings()),
                 "store banners and cards")
    keys: dict[str, str] = {}
    for item in items:
        keys[item.rel] = item.key(printer.salt)
        planned.setdefault(item.store_id, []).append((item.format_name, keys[item.rel], item.rel))
    todo = [i for i in items if memo.get(Key(keys[i.rel])) is None]
    log.info("print: store items: %d rendered, %d reused (%d stores planned again)", len(todo),
             sum(map(len, planned.values())) - len(todo), len(to_plan))
    # A store's banner and card next to each other: the worker encodes their QR code once.
    todo.sort(key=lambda i: (i.sheet.carrier.id, i.store_id, i.format_name))
    chunks = [(todo[n:n + batch], [Key(keys[i.rel]) for i in todo[n:n + batch]], printer)
              for n in range(0, len(todo), batch)]
    done = parallel_map(render_batch, chunks, jobs, alone=FEW_CHUNKS)
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
            found = memo.get(Key(key), look=False)
            assert found is not None, rel  # found or made above
            if item_keys is not None:
                item_keys[rel] = key
            yield PlannedItem(store, format_name, formats[format_name], found[0], found[1], rel)


def _there(found: tuple[str, tuple[str, int]] | None) -> bool:
    return found is not None and os.path.exists(found[0])


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


class Batch(NamedTuple):
    """A print shop's file: one carrier's stores of one province in one format, a page each
    (PDF/X-4, `StorePrinter.compose_batch`), sorted by district, then store id."""

    rel: str
    carrier: str
    province: str
    format_name: str
    stores: tuple[Store, ...]
    page_keys: tuple[str, ...]
    """Each page's store item key, in page order: what the batch's own key is made of."""


def batch_rel(carrier: str, province: str, format_name: str) -> str:
    """`downloads/print-shop/<province>/<carrier>-banner-pdfx4.pdf` (`-card`, or the format's
    name), beside the `-pdfx4.pdf` print twins of the general items."""
    suffix = {"store-banner": "banner", "store-card": "card"}.get(format_name, format_name)
    return f"downloads/print-shop/{slug(province)}/{slug(carrier)}-{suffix}-pdfx4.pdf"


def plan_batches(pages: Iterable[tuple[Store, str, str]]) -> list[Batch]:
    """The batches of these (store, format name, item key), in a fixed order."""
    groups: dict[tuple[str, str, str], list[tuple[Store, str]]] = defaultdict(list)
    for store, format_name, key in pages:
        groups[store.carrier, store.province, format_name].append((store, key))
    batches = []
    for (carrier, province, format_name), entries in sorted(groups.items()):
        entries.sort(key=lambda entry: (fold(entry[0].district), entry[0].district, entry[0].store_id))
        batches.append(Batch(batch_rel(carrier, province, format_name), carrier, province, format_name,
                             tuple(store for store, _ in entries), tuple(key for _, key in entries)))
    return batches


def batch_title(project: Project, batch: Batch) -> str:
    fmt = project.formats[batch.format_name]
    return f"{fmt.title} · {project.carrier(batch.carrier).name} · {batch.province}"


def render_batches(project: Project, batches: Mapping[Key, Batch], jobs: int, memo: Memo,
                   renderer: Renderer | None = None,
                   progress: Callable[..., Iterator[Any]] | None = None) -> None:
    """Compose every batch missing from the memo (by its key) into the memo's store: only the
    stores of those batches are planned again, and each batch is one worker's task."""
    missing = {key: batch for key, batch in batches.items() if memo.get(key) is None}
    log.info("print: print-shop batches: %d composed, %d reused", len(missing), len(batches) - len(missing))
    if not missing:
        return
    printer = StorePrinter(project.default_lang, renderer or Renderer(), memo)
    wanted = {store.store_id: store for batch in missing.values() for store in batch.stores}
    items = {(i.store_id, i.format_name): i for i in plan_store_items(project, list(wanted.values()), printer)}
    tasks = []
    walked: dict[str, Key] = {}  # sheet digest -> its key, for the sheets whose page this build reads
    for key, batch in missing.items():
        pages = [items[store.store_id, batch.format_name] for store in batch.stores]
        if [i.key(printer.salt) for i in pages] != list(batch.page_keys):
            raise BuildError(f"{batch.rel}: its pages were planned with other inputs than its store items")
        sheet = pages[0].sheet
        printer.press(sheet)  # laid out in this process and kept: the worker reads it
        read = memo.key("batch-page-read", sheet=sheet.digest)
        walk = () if sheet.digest in walked or memo.get(read) else (1,)  # read by this build, or one before
        if walk:
            walked[sheet.digest] = read
        tasks.append((printer, pages, batch_title(project, batch), key, batch.rel, walk))
    done = parallel_map(render_batch_file, tasks, jobs, alone=FEW_BATCHES)
    for key, (sha256, size) in (progress(done, "print: print-shop batches", total=len(tasks)) if progress else done):
        memo.remember(key, sha256, size)
    for read in walked.values():  # every batch passed: a later build need not read these pages again
        memo.put(read, b"read")


def batch_check(pdf: bytes, rel: str, walk: tuple[int, ...] = (1,)) -> None:
    """`require_pdfx4` on a batch: every page's boxes and the file's version, ids, XMP and
    output intent (about 20 ms), and the content of the pages in `walk` (0.1-0.2 s a page: its
    outlined text). The build reads the first page of the first batch of each sheet it composes
    (the shared background, marks, slug font, one store's overlay), remembered by the sheet: a
    later build does not read another page of it. The other pages are the same code's, which
    makes an overlay CMYK or refuses it (`compose_pages`). At 630 batches of a
    national build, reading a page of each would add 80 s of one core."""
    require_pdfx4(pdf, rel, walk=walk)


def render_batch_file(task: tuple[StorePrinter, list[StoreItem], str, Key, str, tuple[int, ...]]
                      ) -> tuple[Key, tuple[str, int]]:
    """Compose and check one batch into the memo's store (in a worker process)."""
    printer, items, title, key, rel, walk = task
    pdf = printer.compose_batch(items, title, key)
    batch_check(pdf, rel, walk)
    return key, keep_content(printer.root, pdf)[1]
