"""The content model: what `materials/` means, as immutable, validated, NFC objects.

Pydantic checks the YAML at the edge (every error carries its location); everything the stages
see is frozen. Stages take a `Project` and never read `materials/` themselves.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
import string
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Iterable, Iterator, Literal, Mapping, Sequence
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from .errors import BuildError, Problem
from .identity import Identity
from .text import fold, slug

if TYPE_CHECKING:  # reports.py reads the forms with the model's types
    from .reports import Reports

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
MAX_SETTING_CHARS = 300
"""A setting's value is one name, number or link: far below this (README, Input rules)."""
SettingText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                               max_length=MAX_SETTING_CHARS)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- campaign.yml -------------------------------------------------------------------------

class Language(_Strict):
    code: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")]
    name: Text
    """The language's own name, shown in the switcher ("Tiếng Việt", "ភាសាខ្មែរ")."""
    english_name: Text
    search_lang: str | None = None
    """lunr language for the site search, when the theme supports one (None: tokenise only)."""


Percent = Annotated[float, Field(ge=0, le=100)]


class PrintColour(_Strict):
    """A colour as the press prints it: C, M, Y, K in percent, for the kit's `print_profile`.
    Written `[c, m, y, k]` in campaign.yml, or `{cmyk: [c, m, y, k], spot: PANTONE 2945 C}`."""

    cmyk: tuple[Percent, Percent, Percent, Percent]
    spot: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60,
                                           pattern=r"^[ -~]+$")] | None = None
    """A spot ink's name: the colour prints in that ink (a Separation colour space, `cmyk` its
    stand-in for a press without it). ASCII, as a PDF ink name should be."""

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, value: Any) -> Any:
        return {"cmyk": value} if isinstance(value, (list, tuple)) else value

    def css(self) -> str:
        """`device-cmyk(0.96 0.65 0 0)`: WeasyPrint paints it as is, in DeviceCMYK."""
        return "device-cmyk(" + " ".join(f"{v / 100:.4g}" for v in self.cmyk) + ")"


class CarrierPrint(_Strict):
    background: PrintColour
    foreground: PrintColour
    accent: PrintColour


class PrintColours(_Strict):
    primary: PrintColour
    primary_dark: PrintColour
    accent: PrintColour
    text: PrintColour
    background: PrintColour


class Carrier(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    name: Text
    aliases: tuple[Text, ...] = ()
    """Other spellings carriers write in their lists ("Bưu điện" for Vietnam Post)."""
    background: Colour
    foreground: Colour
    accent: Colour
    print: CarrierPrint | None = None
    """The same three colours for print (the store items' PDF/X-4 files)."""


class Province(_Strict):
    name: Text
    districts: tuple[Text, ...]


class Colours(_Strict):
    primary: Colour
    primary_dark: Colour
    accent: Colour
    text: Colour
    background: Colour
    print: PrintColours | None = None
    """The same colours for print (the PDF/X-4 files); needed by a kit with a `print_profile`."""


class CampaignInfo(_Strict):
    title: Text
    department: Text
    department_short: Text
    province: Text
    """The province whose store lists, forms and districts this build covers."""


NATIONAL = "national"
"""The scope of a directive every province's kit applies (the Prime Minister's, a Ministry's)."""


class KitFile(_Strict):
    """`materials/kits/<kit>/kit.yml`: what one province's kit has of its own. Everything else
    (the app, languages, carriers, colours, national directives, texts, formats) is shared."""

    province: Text
    """A province of regions.yml: the kit applies the national directives and this province's."""
    department: Text
    department_short: Text
    site_url: str
    """Public base URL of this kit's site; QR codes point below it (`<site_url>go/<store>/`).
    Checked by `materials.load_project` (https on an allowed domain, ending with '/'), which names
    kit.yml's line."""
    allowed_domains: tuple[Text, ...] = ()
    """Domains this kit may link to besides the shared `allowed_domains` (its own site's)."""
    sample_stores: bool = False
    """True while the kit's `stores/` holds sample lists: the site and prints say so."""
    print_profile: str | None = None
    """The press's CMYK ICC profile (path under materials/; the kits name the shipped
    print/ISOcoated_v2_300_bas.icc): every general item also comes as PDF/X-4 for it."""
    settings: Mapping[str, Any] = Field(default_factory=dict)
    """The department's defaults for settings no directive sets (over campaign.yml's)."""


class Campaign(_Strict):
    """One kit's campaign: the shared `materials/campaign.yml` with its kit's `kit.yml` merged in
    (department, province, site, sample flag, print profile)."""

    kit: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    """The kit's folder name under `materials/kits/` (`lang-son`)."""
    campaign: CampaignInfo
    site_url: str
    """Public base URL of the built site; QR codes point below it (`<site_url>go/<store>/`)."""
    allowed_domains: tuple[Text, ...]
    """Every URL in the materials must be https on one of these domains (or a subdomain)."""
    sample_stores: bool = False
    """True while `materials/stores/` holds sample lists: the site and prints say so."""
    languages: tuple[Language, ...] = Field(min_length=1)
    carriers: tuple[Carrier, ...] = Field(min_length=1)
    colours: Colours
    settings: Mapping[str, Any] = Field(default_factory=dict)
    """Department defaults for settings no directive sets (a directive overrides them)."""
    print_profile: str | None = None
    """A CMYK ICC profile (path under materials/): when given, every poster, leaflet and standee
    also comes as a PDF/X-4 file with that output intent, in the colours' `print` values."""

    @model_validator(mode="after")
    def _print_colours(self) -> Campaign:
        """PDF/X-4 files paint only CMYK: every colour they may use needs its print value."""
        if self.print_profile:
            missing = ([] if self.colours.print else ["colours.print"]) + [
                f"carriers[{i}].print ({c.id})" for i, c in enumerate(self.carriers) if c.print is None]
            if missing:
                raise ValueError(f"a kit with a print_profile prints in CMYK: give {', '.join(missing)} "
                                 "(C, M, Y, K in percent, as campaign.yml's colours do)")
        # A page's colours are told apart by their CMYK values: a spot ink needs its own.
        spots: dict[tuple[float, ...], set[str | None]] = {}
        stand_ins: dict[str, set[tuple[float, ...]]] = {}
        for colour in self.print_colours():
            spots.setdefault(colour.cmyk, set()).add(colour.spot)
            if colour.spot:
                stand_ins.setdefault(colour.spot, set()).add(colour.cmyk)
        for cmyk, names in spots.items():
            if len(names) > 1:
                listed = ", ".join(sorted(n or "no spot ink" for n in names))
                raise ValueError(f"CMYK {list(cmyk)} is given to {listed}: a spot ink's CMYK stand-in "
                                 "must differ from every other print colour's")
        for spot, values in stand_ins.items():
            if len(values) > 1:
                raise ValueError(f"the spot ink {spot} has {len(values)} CMYK stand-ins: give it one")
        return self

    def print_colours(self) -> Iterator[PrintColour]:
        """Every print colour of campaign.yml: the campaign's, then each carrier's."""
        for group in (self.colours.print, *(c.print for c in self.carriers)):
            if group is not None:
                yield from (getattr(group, name) for name in type(group).model_fields)


# --- directives -----------------------------------------------------------------------------

class Settings(_Strict):
    """Campaign settings a directive can set. Which outputs a setting shapes is not declared
    here: each item names the settings it renders (`Project.cite`), so a directive touching a
    setting no item renders reprints nothing."""

    app_name: SettingText
    android_package: SettingText
    ios_app_id: Annotated[str, StringConstraints(pattern=r"^\d+$", max_length=MAX_SETTING_CHARS)]
    # url: True -> every value, wherever it is set, must pass `url_problem` (materials.py).
    official_site: Annotated[str, StringConstraints(max_length=MAX_SETTING_CHARS)] = Field(
        json_schema_extra={"url": True})
    install_url: Annotated[str, StringConstraints(max_length=MAX_SETTING_CHARS)] = Field(
        json_schema_extra={"url": True})
    android_download_url: Annotated[str, StringConstraints(max_length=MAX_SETTING_CHARS)] | None = Field(
        default=None, json_schema_extra={"url": True})
    """The official download page for Android phones without Google Play (the go pages' third
    button); None: the official site."""
    hotline: SettingText
    support_points: bool
    """Carrier and post-office stores are install support points: banners and cards for each."""
    broadcasts_per_day: int = Field(ge=1, le=24)
    sms_segment_budget: int = Field(ge=1, le=10)
    public_service_goal: SettingText

    @classmethod
    def url_fields(cls) -> tuple[str, ...]:
        return tuple(n for n, f in cls.model_fields.items()
                     if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("url"))


Audience = Literal["agencies", "stores", "communes", "schools", "hospitals", "factories", "tourism",
                   "media", "carriers"]
AUDIENCES: tuple[Audience, ...] = ("agencies", "stores", "communes", "schools", "hospitals", "factories",
                                   "tourism", "media", "carriers")
"""Who uses what a measure asks for: the Downloads page is grouped in this order."""

Selector = Annotated[str, StringConstraints(pattern=r"^[a-z-]+(:[a-z0-9-]+)?$")]
"""An output of the kit: a manifest kind (`poster`, `store-banner`, `screen`, `message`, `form`)
or a site page (`page`), optionally with its name (`poster:poster-a4`, `message:zalo`,
`form:installs`, `screen:screen-tv`, `page:embed`)."""


class MeasureFront(_Strict):
    """One measure a letter asks for, and what the kit makes for it."""

    text: Text
    """The measure in the letter's words (shortened where it runs long)."""
    audience: Audience
    outputs: tuple[Selector, ...] = ()
    """What the kit makes for it; empty with `not_yet` when it makes nothing yet."""
    not_yet: Text | None = None
    """What the measure asks that the kit does not produce (yet), said plainly."""


class DeadlineFront(_Strict):
    """A deadline a letter sets, as it words it."""

    what: Text
    when: Text
    """As the letter says it: "trước 16h00 hằng ngày", "trong ngày 20/8/2020"."""
    form: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")] | None = None
    """The report form (templates/kit/labels.yml `forms`) this deadline is printed on."""


class FormFront(_Strict):
    """A report form a letter attaches or asks for."""

    code: Text | None = None
    """How the letter names the form ("Biểu mẫu số 1"); None when it gives it no name."""
    annex: Text | None = None
    """The annex line as the letter prints it ("Kèm theo Công văn số …"); None when the letter
    attaches no form (the kit's form then says which letter it reports under)."""


class DirectiveFront(_Strict):
    """Front matter of `materials/directives/*.md`."""

    number: Text
    """As the letter gives it; "…" where it leaves the number blank ("…/STTTT-BCVT")."""
    date: dt.date | str
    """A full date, or `YYYY-MM` when the letter left the day blank."""
    date_note: Text | None = None
    """Where the date comes from when the letter leaves it blank or dates itself elsewhere."""
    issuer: Text
    issuer_short: Text | None = None
    """How prints name the issuer beside a blank number ("Sở TTTT Lạng Sơn")."""
    scope: Text
    """`national` (Prime Minister, Ministries: every kit applies it) or the province of
    regions.yml whose kit applies it."""
    title: Text
    in_force: bool = True
    apply_early: bool = False
    """The department applies the letter before its date (a letter dated after the build's date
    otherwise waits for that date: `materials.build_date`)."""
    source: str | None = None
    """The file in shared/seeds (or the public reference) the directive was taken from."""
    settings: Mapping[str, Any] = Field(default_factory=dict)
    deadlines: tuple[DeadlineFront, ...] = ()
    forms: Mapping[Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")], FormFront] = Field(
        default_factory=dict)
    measures: tuple[MeasureFront, ...] = ()


    @field_validator("date", mode="before")
    @classmethod
    def _date_or_month(cls, v: Any) -> dt.date | str:
        if isinstance(v, dt.date):
            return v
        text = str(v).strip()
        try:
            if len(text) == 7:
                dt.date.fromisoformat(text + "-01")
                return text
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"'{text}' is not a valid date; write YYYY-MM-DD "
                             "(or YYYY-MM when the letter leaves the day blank)") from None


@dataclass(frozen=True)
class Measure:
    text: str
    audience: Audience
    outputs: tuple[str, ...]
    not_yet: str | None


@dataclass(frozen=True)
class Deadline:
    what: str
    when: str
    form: str | None


@dataclass(frozen=True)
class Directive:
    number: str
    date: dt.date
    day_known: bool
    issuer: str
    title: str
    in_force: bool
    """In force on the build's date: its front matter's `in_force`, and not `deferred`."""
    summary_md: str
    """The body of the file: Markdown summary shown on the site."""
    settings: Mapping[str, Any]
    file: str
    source: str | None = None
    scope: str = NATIONAL
    issuer_short: str | None = None
    date_note: str | None = None
    deadlines: tuple[Deadline, ...] = ()
    forms: Mapping[str, FormFront] = field(default_factory=dict)
    measures: tuple[Measure, ...] = ()
    deferred: bool = False
    """Dated after the build's date (without `apply_early`): not in force before that date."""

    @property
    def slug(self) -> str:
        return slug(f"{self.date.isoformat()}-{self.number}-{self.issuer_short or ''}")

    @property
    def date_label(self) -> str:
        return self.date.strftime("%d/%m/%Y") if self.day_known else self.date.strftime("%m/%Y")

    @property
    def reference(self) -> str:
        """How printed items cite it: "2841/BTTTT-THH (01/08/2020)"; a letter whose number is
        blank is named by its issuer too: "…/STTTT-BCVT, Sở TTTT Lạng Sơn (19/08/2020)"."""
        issuer = f", {self.issuer_short}" if self.issuer_short and not self.number[:1].isdigit() else ""
        return f"{self.number}{issuer} ({self.date_label})"

    @property
    def sort_key(self) -> tuple[int, int, int, str]:
        # A letter dated only by month sorts after the dated letters of that month.
        return (self.date.year, self.date.month, self.date.day if self.day_known else 32, self.number)

    def asks_for(self, output: str) -> bool:
        """Does a measure of this letter ask for `output` (a selector, `message:zalo`)?"""
        kind = output.split(":", 1)[0]
        return any(o == output or o == kind for m in self.measures for o in m.outputs)


# --- formats.yml ----------------------------------------------------------------------------

FormatKind = Literal["poster", "leaflet", "standee", "store-banner", "store-card", "screen", "led"]
PIXEL_KINDS = ("screen", "led")
"""Format kinds sized in pixels (TVs, lift screens, LED boards): the media stage makes clips for them."""


class Format(_Strict):
    """One output format (`materials/formats.yml`)."""

    kind: FormatKind
    title: Text
    template: Text
    width_mm: float | None = Field(default=None, gt=0)
    height_mm: float | None = Field(default=None, gt=0)
    bleed_mm: float = Field(default=3, ge=0)
    safe_mm: float = Field(default=10, ge=0)
    base_band_mm: float = Field(default=0, ge=0)
    """Roll-up standees: the bottom band hidden by the base, kept free of content."""
    eyelet_spacing_mm: float = Field(default=0, ge=0)
    """Banners: the most between two eyelets along an edge (0: no eyelets); the print file marks
    each eyelet's place outside the bleed (`printing.marks`)."""
    eyelet_inset_mm: float = Field(default=15, ge=0)
    """How far an eyelet's centre sits in from the trimmed (hemmed) edge."""
    viewing_distance_m: float = Field(default=1, gt=0)
    """QR codes print at least a tenth of this wide."""
    width_px: int | None = Field(default=None, gt=0)
    height_px: int | None = Field(default=None, gt=0)
    material: Text | None = None
    """What to print on, for the bundle READMEs ("giấy couché 150 g/m²", "bạt hiflex")."""
    safe_px: int | None = Field(default=None, ge=0)
    """Screens and LED boards: the margin kept free of text on every side (None: EBU R 95's
    graphics-safe area, 5 % of the width and of the height, for TVs that overscan)."""
    pixel_pitch_mm: float | None = Field(default=None, gt=0)
    """LED boards: the distance between two LEDs (P10: 10 mm); the board's size in metres follows."""


# --- stores ---------------------------------------------------------------------------------

MAX_STORE_CHARS: Mapping[str, int] = MappingProxyType({
    "store_id": 40, "name": 150, "address": 200, "ward": 100, "opening_hours": 100})
"""The longest value a store's printed field may have (README, Input rules), far above real
lists (the bundled ones reach 20, 120, 114, 30 and 44 characters): what `check` can refuse
without laying text out. Whether a shorter value fits its box depends on its letters' widths:
the print stage measures that (a name of 180 Vietnamese characters, or of 100 capital Ws, does not
fit a card's three lines at 11 pt) and reports the row and field."""


@dataclass(frozen=True, slots=True)
class Store:
    store_id: str
    carrier: str
    """Carrier id from campaign.yml (`vnpt`, `viettel`, ...), whatever spelling the list used."""
    name: str
    address: str
    ward: str
    district: str
    province: str
    phone: str
    """Digits only, as dialled: "02053812345"."""
    opening_hours: str
    source: str
    """`materials/stores/<file>, row N`: where the row came from, for error messages."""

    slug: str = field(init=False, repr=False, compare=False)
    """The store's file and go-page name (from its id), worked out once: it is asked 400,000
    times in a 20,000-store build."""

    row_key: str = field(init=False, repr=False, compare=False)
    """`repr(row())`, worked out once: the per-store part of every cache key of its outputs."""
    sort_key: tuple[str, str, str] = field(init=False, repr=False, compare=False)
    """Ward and name without diacritics, then id: the order of store lists people read."""
    code_digits: str = field(init=False, repr=False, compare=False)
    """Its short code at full length (`short_code_digits`): kept with the row in the store lists'
    memo, so a build does not hash and convert 20,000 of them again (0.3 s)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "slug", slug(self.store_id))
        object.__setattr__(self, "row_key", repr(self.row()))
        object.__setattr__(self, "sort_key", (fold(self.ward), fold(self.name), self.store_id))
        object.__setattr__(self, "code_digits", short_code_digits(self.carrier, self.slug))

    @property
    def phone_display(self) -> str:
        p = self.phone
        if p.startswith("02") and len(p) == 11:
            return f"{p[:4]} {p[4:7]} {p[7:]}"
        return f"{p[:4]} {p[4:7]} {p[7:]}" if len(p) == 10 else p

    def row(self) -> tuple[str, ...]:
        """Everything that shapes this store's outputs (its cache key)."""
        return (self.store_id, self.carrier, self.name, self.address, self.ward, self.district,
                self.province, self.phone, self.opening_hours)


# --- texts ----------------------------------------------------------------------------------

TextValue = str | tuple[str, ...] | Mapping[str, Any]


@dataclass(frozen=True)
class Texts:
    """Per-language strings (`materials/text/<lang>.yml`), Vietnamese as the fallback."""

    by_lang: Mapping[str, Mapping[str, Any]]
    default_lang: str
    missing: Mapping[str, tuple[str, ...]]
    """Keys each language lacks (falls back to Vietnamese)."""

    def get(self, lang: str, key: str) -> Any:
        own = self.by_lang.get(lang, {})
        if key in own:
            return own[key]
        default = self.by_lang[self.default_lang]
        if key not in default:  # texts from before this key existed: say so, not a KeyError
            raise BuildError(f"materials/text/{self.default_lang}.*.yml: no text '{key}'; this version "
                             f"of the pipeline needs it (the bundled materials/text/ files have it)")
        return default[key]

    def lang_of(self, lang: str, key: str) -> str:
        """The language the value of `key` is actually in (for `lang` attributes on fallback)."""
        return lang if key in self.by_lang.get(lang, {}) else self.default_lang

    def for_lang(self, lang: str) -> Mapping[str, Any]:
        merged = dict(self.by_lang[self.default_lang])
        merged.update(self.by_lang.get(lang, {}))
        return MappingProxyType(merged)


# --- what the prints show ------------------------------------------------------------------

@dataclass(frozen=True)
class PrintContract:
    """Which texts and settings the printed items show, and in which languages: what `check`
    looks for glyphs in (`materials.load_project`), so that it refuses what `build` would."""

    texts: tuple[str, ...]
    """Text keys of posters, leaflets, standees and screens: printed in every language."""
    store_texts: tuple[str, ...]
    """Text keys of store banners and cards: printed in the default language."""
    general_settings: frozenset[str]
    """Settings posters, leaflets, standees and screens show besides their texts' `{placeholders}`."""
    store_settings: frozenset[str]
    """The same for store items; `support_points` is why they exist."""
    general_kinds: tuple[str, ...]
    """Format kinds made in every language (the format's title is its PDF's)."""

    @property
    def settings(self) -> frozenset[str]:
        return self.general_settings | self.store_settings


PRINTED = PrintContract(
    # The one list: the print and screens stages render these, `check` looks for their glyphs.
    texts=("tagline", "poster_headline", "poster_lead", "steps", "why", "scan_caption",
           "lookalike_warning", "hotline_label", "official_site_label", "follows_directive",
           "why_title", "how_title", "leaflet_back_hint", "faq_title", "faq"),
    store_texts=("banner_title", "banner_subtitle", "hotline_label", "official_site_label",
                 "follows_directive", "store_scan_caption", "store_card_title", "opening_hours_label",
                 "phone_label", "sample_print", "sample_mark", "steps"),
    general_settings=frozenset({"app_name", "hotline", "official_site"}),
    store_settings=frozenset({"hotline", "official_site", "support_points"}),
    general_kinds=("poster", "leaflet", "standee"),
)


# --- the whole project ----------------------------------------------------------------------

@dataclass(frozen=True)
class Effective:
    """The settings in force after applying every directive in order, with who set what."""

    settings: Settings
    set_by: Mapping[str, Directive | None]
    """For each setting, the directive that last set it (None: campaign.yml default)."""

    def directive_for(self, used: Iterable[str]) -> Directive | None:
        """The newest directive that set one of the settings `used` (what an item renders)."""
        candidates = [d for name in used if (d := self.set_by.get(name)) is not None]
        return max(candidates, key=lambda d: d.sort_key) if candidates else None


@dataclass(frozen=True)
class Project:
    """All content, validated. The one input of every stage."""

    root: str
    campaign: Campaign
    directives: tuple[Directive, ...]
    """Newest first."""
    effective: Effective
    formats: Mapping[str, Format]
    stores: tuple[Store, ...]
    provinces: tuple[Province, ...]
    texts: Texts
    as_of: dt.date | None = None
    """The build's date: the directives in force are those dated up to it (`Directive.deferred`)."""
    notices: tuple[Problem, ...] = ()
    """What a person must know that is not a problem (a directive waiting for its date)."""
    identity: Identity = Identity()
    """The app icon, department mark and step pictograms the prints show (`identity.py`)."""
    reports: Reports | None = None
    """The carriers' returned report forms and the districts' denominators (`reports.py`);
    None when the kit has no denominators file."""
    recordings: tuple[tuple[str, str], ...] = ()
    """(language, absolute path) of each loudspeaker recording the department supplied
    (`materials/audio/<lang>.wav|mp3|m4a`, the kit's `audio/` folder first): the media stage's source."""

    @property
    def settings(self) -> Settings:
        return self.effective.settings

    @property
    def print_profile(self) -> str | None:
        """Absolute path of the print shop's CMYK ICC profile, if one was supplied."""
        name = self.campaign.print_profile
        return str(PurePath(self.root) / name) if name else None

    @property
    def languages(self) -> tuple[Language, ...]:
        return self.campaign.languages

    @property
    def default_lang(self) -> str:
        return self.campaign.languages[0].code

    def text(self, lang: str, key: str) -> Any:
        """A text in `lang` (or its Vietnamese fallback) with `{app_name}`-style settings filled in."""
        return fill(self.texts.get(lang, key), self.settings)

    def settings_in(self, lang: str, keys: Iterable[str]) -> frozenset[str]:
        """The settings the texts `keys` of `lang` fill in (their `{placeholders}`)."""
        return frozenset(name for key in keys for name in placeholders(self.texts.get(lang, key)))

    def cite(self, used: Iterable[str], output: str | None = None) -> Directive | None:
        """The directive an item names: the newest in force that set a setting the item renders
        (`used`) or, for `output` (a selector such as `message:zalo`), that asks for it."""
        candidates = [d for d in (self.effective.directive_for(used),) if d is not None]
        if output is not None:
            candidates += [d for d in self.directives if d.in_force and d.asks_for(output)]
        return max(candidates, key=lambda d: d.sort_key) if candidates else None

    def carrier(self, carrier_id: str) -> Carrier:
        return next(c for c in self.campaign.carriers if c.id == carrier_id)

    @functools.cached_property
    def short_links(self) -> ShortLinks:
        """Every store's short code, worked out once for the whole project (they depend on
        each other only when two codes collide)."""
        return short_links(self.stores)

    def go_url(self, store: Store | None = None) -> str:
        """The URL a QR code carries: short, under the site, one per store
        (`<site_url>go/<short code>/`; the page is also at `go/<store.slug>/`, the link printed
        before short codes)."""
        base = self.campaign.site_url + "go/"
        return base if store is None else f"{base}{self.short_links.codes[store.store_id]}/"


SHORT_CODE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
"""31 characters a person reads back from a print without doubt: no 0/o, 1/l/i (lowercase, as
QR byte mode carries it and a static host's paths are case-sensitive)."""
_FULL_DIGITS = 52
"""31^52 > 2^256: every digit of the hash."""
SHORT_CODE_LENGTH = 7
"""31^7 = 2.75e10 codes: two of 20,000 stores share one with a chance of 0.7%. 7 characters keep
the bundled kits' links at 45 characters, QR version 4 at level Q (46 bytes), with one to spare
for a collision's longer code."""


@dataclass(frozen=True)
class ShortLinks:
    codes: Mapping[str, str]
    """store_id -> short code."""
    retired: frozenset[str]
    """Shorter codes a store had before another store's code collided with it: their go pages
    stay (the campaign's page, without a store), so a code printed before still opens the app store."""


def short_code_digits(carrier: str, store_slug: str) -> str:
    """A store's code at full length (52 characters, 256 bits): the sha256 of its identity, its
    carrier and go-page name (unique, `check` sees to it; a slug, so `VNPT-LS-1` and `vnpt-ls-1`
    are one store), in `SHORT_CODE_ALPHABET`, least significant first (a longer code extends the
    shorter). Never from the lists' order: adding a store leaves the other stores' codes alone."""
    number = int.from_bytes(hashlib.sha256(f"{carrier}/{store_slug}".encode()).digest(), "big")
    base = len(SHORT_CODE_ALPHABET)
    digits = []
    while number:
        number, digit = divmod(number, base)
        digits.append(SHORT_CODE_ALPHABET[digit])
    return "".join(digits).ljust(_FULL_DIGITS, SHORT_CODE_ALPHABET[0])


def short_links(stores: Sequence[Store]) -> ShortLinks:
    """Each store's code: the shortest prefix of its digits, at least `SHORT_CODE_LENGTH`, that
    no other store's digits start with. Two that collide both lengthen, whatever the order of the
    lists; the codes are then still prefix-free, so no code is another's retired one. A code
    depends on no slug: where a store's old link `go/<slug>/` equals another store's code, the
    code keeps the page (the site stage says so)."""
    full = {s.store_id: s.code_digits for s in stores}
    ordered = sorted(full.items(), key=lambda item: item[1])
    shared = dict.fromkeys(full, 0)  # the longest prefix a store shares with another's digits
    for (a, digits_a), (b, digits_b) in zip(ordered, ordered[1:]):
        common = next((i for i, (x, y) in enumerate(zip(digits_a, digits_b)) if x != y), len(digits_a))
        shared[a], shared[b] = max(shared[a], common), max(shared[b], common)
    codes: dict[str, str] = {}
    retired: set[str] = set()
    for store_id, digits in full.items():
        length = max(SHORT_CODE_LENGTH, shared[store_id] + 1)
        codes[store_id] = digits[:length]
        retired.update(digits[:n] for n in range(SHORT_CODE_LENGTH, length))
    return ShortLinks(MappingProxyType(codes), frozenset(retired))


_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
"""What RFC 3986 lets a URL hold; anything else (space, backslash, quotes, non-ASCII, invisible
characters) is where URL parsers and browsers disagree, so it is refused, not guessed at."""


def url_problem(url: str, allowed: Iterable[str]) -> str | None:
    """Why `url` may not be printed or linked (None when it is fine): it must parse, use https,
    name a host on one of the `allowed` domains (or a subdomain) and carry no user name."""
    if url[:6].lower() != "https:":  # javascript:, data:, http:, a bare "evil.example/x"
        return f"'{shown(url)}' must use https"
    if not _URL_CHARS.fullmatch(url):
        bad = next(c for c in url if not _URL_CHARS.fullmatch(c))
        return f"'{shown(url)}' is not a valid URL: {char_label(bad)} is not allowed in a URL (percent-encode it)"
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number in range
    except ValueError as exc:  # "https://[::1": urlsplit and .hostname raise on bad brackets, ports
        return f"'{url}' is not a valid URL ({exc})"
    if "@" in parts.netloc:  # "https://bluezone.gov.vn@evil.example/" reads as the first domain
        return f"'{url}' must not hold a user name or password before the domain"
    if not host:
        return f"'{url}' names no domain (write https://<domain>/...)"
    if not any(host == d.lower() or host.endswith("." + d.lower()) for d in allowed):
        return f"'{url}': domain '{host}' is not in allowed_domains of campaign.yml"
    return None


# --- characters -----------------------------------------------------------------------------

_C0_NAMES = ("NULL", "START OF HEADING", "START OF TEXT", "END OF TEXT", "END OF TRANSMISSION",
             "ENQUIRY", "ACKNOWLEDGE", "BELL", "BACKSPACE", "CHARACTER TABULATION", "LINE FEED",
             "LINE TABULATION", "FORM FEED", "CARRIAGE RETURN", "SHIFT OUT", "SHIFT IN",
             "DATA LINK ESCAPE", "DEVICE CONTROL ONE", "DEVICE CONTROL TWO", "DEVICE CONTROL THREE",
             "DEVICE CONTROL FOUR", "NEGATIVE ACKNOWLEDGE", "SYNCHRONOUS IDLE",
             "END OF TRANSMISSION BLOCK", "CANCEL", "END OF MEDIUM", "SUBSTITUTE", "ESCAPE",
             "INFORMATION SEPARATOR FOUR", "INFORMATION SEPARATOR THREE", "INFORMATION SEPARATOR TWO",
             "INFORMATION SEPARATOR ONE")
"""unicodedata has no names for control characters; these are their Unicode aliases."""

CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 and C1 controls but tab, line feed and carriage return (which text may hold)."""
_BIDI = "\u202a-\u202e\u2066-\u2069"
"""Embeddings, overrides and isolates: they reorder text on the web, the PDF draws them as boxes."""
_FORBIDDEN_CHARS = re.compile(f"[{CONTROL_CHARS.pattern[1:-1]}{_BIDI}]")
_INVISIBLE = frozenset("\u00ad\u034f\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e"
                       "\u200f\u2060\u2061\u2062\u2063\u2064\u3164\ufeff\uffa0")
"""Characters that draw nothing. ZWJ/ZWNJ and U+200B are kept inside text (Khmer and other
scripts need them to join, keep apart or break words); a value of only these is refused."""


def char_label(char: str) -> str:
    """"U+202E RIGHT-TO-LEFT OVERRIDE"; a visible character as itself."""
    if char.isprintable() and not char.isspace():
        return f"'{char}'"
    code = ord(char)
    name = _C0_NAMES[code] if code < 0x20 else "DELETE" if code == 0x7F else unicodedata.name(char, "")
    return f"U+{code:04X} {name}".rstrip()


def shown(text: str) -> str:
    """`text` for a message: invisible and control characters as \\uXXXX, never raw (a terminal
    obeys ESC)."""
    return text if text.isprintable() else "".join(
        c if c.isprintable() or c == " " else f"\\u{ord(c):04x}" for c in text)


def char_problem(text: str) -> str | None:
    """Why `text` (a store's name, a translation) may not be shown, for its characters: a control
    character, a bidirectional override or isolate, or nothing visible but invisible characters."""
    if (found := _FORBIDDEN_CHARS.search(text)) is not None:
        char = found.group()
        if CONTROL_CHARS.match(char):
            return f"contains {char_label(char)}, a control character: remove it"
        return (f"contains {char_label(char)}, an invisible character that reorders the text "
                "(the web page and the print would disagree): remove it")
    first = text[:1]
    if not first or (first not in _INVISIBLE and not first.isspace()):
        return None  # nearly every value (20,000 stores' rows): a visible first character
    if any(c not in _INVISIBLE and not c.isspace() for c in text) or not set(text) & _INVISIBLE:
        return None
    names = ", ".join(char_label(c) for c in sorted(set(text) & _INVISIBLE))
    return f"has no visible character (only {names})"


def placeholders(value: Any) -> Iterable[str]:
    """The `{setting}` names in a text, a list of texts or a mapping of texts."""
    if isinstance(value, str):
        yield from (name for _, name, _, _ in string.Formatter().parse(value) if name)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from placeholders(v)
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from placeholders(v)


def fill(value: Any, settings: Settings) -> Any:
    """Fill `{setting}` placeholders in a text, a list of texts or a mapping of texts."""
    if isinstance(value, str):
        return value.format_map(settings.model_dump())
    if isinstance(value, (list, tuple)):
        return tuple(fill(v, settings) for v in value)
    if isinstance(value, Mapping):
        return {k: fill(v, settings) for k, v in value.items()}
    return value
