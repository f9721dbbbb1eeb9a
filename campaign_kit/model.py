"""The content model: what `materials/` means, as immutable, validated, NFC objects.

Pydantic checks the YAML at the edge (every error carries its location); everything the stages
see is frozen. Stages take a `Project` and never read `materials/` themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePath
from types import MappingProxyType
from typing import Annotated, Any, Literal, Mapping
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from .errors import BuildError
from .text import fold, slug

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
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


class Carrier(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    name: Text
    aliases: tuple[Text, ...] = ()
    """Other spellings carriers write in their lists ("Bưu điện" for Vietnam Post)."""
    background: Colour
    foreground: Colour
    accent: Colour


class Province(_Strict):
    name: Text
    districts: tuple[Text, ...]


class Colours(_Strict):
    primary: Colour
    primary_dark: Colour
    accent: Colour
    text: Colour
    background: Colour


class CampaignInfo(_Strict):
    title: Text
    department: Text
    department_short: Text
    province: Text
    """The province whose store lists, forms and districts this build covers."""


class Campaign(_Strict):
    """`materials/campaign.yml`: everything that is not set by a directive."""

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
    """A CMYK ICC profile from the print shop (path under materials/): when given, every poster,
    leaflet and standee also comes as a PDF/X-4 file with that output intent. RGB otherwise."""

    @field_validator("site_url")
    @classmethod
    def _site_url_ends_with_slash(cls, v: str) -> str:
        if not v.endswith("/"):
            raise ValueError("must end with '/'")
        return v


# --- directives -----------------------------------------------------------------------------

Group = Literal["site", "print", "stores", "screens", "messages", "forms"]
ALL_GROUPS: tuple[Group, ...] = ("site", "print", "stores", "screens", "messages", "forms")


class Settings(_Strict):
    """Campaign settings a directive can set. Each field says which outputs it shapes
    (`json_schema_extra["affects"]`), so a directive touching only site text reprints nothing."""

    app_name: Text = Field(json_schema_extra={"affects": ALL_GROUPS})
    android_package: Text = Field(json_schema_extra={"affects": ("site",)})
    ios_app_id: Annotated[str, StringConstraints(pattern=r"^\d+$")] = Field(
        json_schema_extra={"affects": ("site",)})
    official_site: str = Field(json_schema_extra={"affects": ALL_GROUPS, "url": True})
    install_url: str = Field(json_schema_extra={"affects": ("site", "messages"), "url": True})
    hotline: Text = Field(json_schema_extra={"affects": ALL_GROUPS})
    support_points: bool = Field(json_schema_extra={"affects": ("stores", "site")})
    report_deadline: Text = Field(json_schema_extra={"affects": ("forms",)})
    broadcasts_per_day: int = Field(ge=1, le=24, json_schema_extra={"affects": ("messages",)})
    sms_segment_budget: int = Field(ge=1, le=10, json_schema_extra={"affects": ("messages",)})
    public_service_goal: Text = Field(json_schema_extra={"affects": ("site", "print")})

    @classmethod
    def affects(cls, name: str) -> tuple[Group, ...]:
        extra = cls.model_fields[name].json_schema_extra
        assert isinstance(extra, dict)
        return tuple(extra["affects"])  # type: ignore[arg-type]

    @classmethod
    def url_fields(cls) -> tuple[str, ...]:
        return tuple(n for n, f in cls.model_fields.items()
                     if isinstance(f.json_schema_extra, dict) and f.json_schema_extra.get("url"))


class DirectiveFront(_Strict):
    """Front matter of `materials/directives/*.md`."""

    number: Text
    date: dt.date | str
    """A full date, or `YYYY-MM` when the letter left the day blank."""
    issuer: Text
    title: Text
    in_force: bool = True
    source: str | None = None
    """The file in shared/seeds (or the public reference) the directive was taken from."""
    settings: Mapping[str, Any] = Field(default_factory=dict)


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
class Directive:
    number: str
    date: dt.date
    day_known: bool
    issuer: str
    title: str
    in_force: bool
    summary_md: str
    """The body of the file: Markdown summary shown on the site."""
    settings: Mapping[str, Any]
    file: str
    source: str | None = None

    @property
    def slug(self) -> str:
        return slug(f"{self.date.isoformat()}-{self.number}")

    @property
    def date_label(self) -> str:
        return self.date.strftime("%d/%m/%Y") if self.day_known else self.date.strftime("%m/%Y")

    @property
    def reference(self) -> str:
        """How printed items cite it: "2841/BTTTT-THH (01/08/2020)"."""
        return f"{self.number} ({self.date_label})"

    @property
    def sort_key(self) -> tuple[dt.date, int, str]:
        # A letter dated only by month sorts after the dated letters of that month.
        return (self.date, 0 if self.day_known else 1, self.number)


# --- formats.yml ----------------------------------------------------------------------------

FormatKind = Literal["poster", "leaflet", "standee", "store-banner", "store-card", "screen"]


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
    viewing_distance_m: float = Field(default=1, gt=0)
    """QR codes print at least a tenth of this wide."""
    width_px: int | None = Field(default=None, gt=0)
    height_px: int | None = Field(default=None, gt=0)
    material: Text | None = None
    """What to print on, for the bundle READMEs ("giấy couché 150 g/m²", "bạt hiflex")."""


# --- stores ---------------------------------------------------------------------------------

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "slug", slug(self.store_id))
        object.__setattr__(self, "row_key", repr(self.row()))
        object.__setattr__(self, "sort_key", (fold(self.ward), fold(self.name), self.store_id))

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


# --- the whole project ----------------------------------------------------------------------

@dataclass(frozen=True)
class Effective:
    """The settings in force after applying every directive in order, with who set what."""

    settings: Settings
    set_by: Mapping[str, Directive | None]
    """For each setting, the directive that last set it (None: campaign.yml default)."""

    def directive_for(self, group: Group) -> Directive | None:
        """The newest directive that set anything shaping this group of outputs."""
        candidates = [d for name, d in self.set_by.items()
                      if d is not None and group in Settings.affects(name)]
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
    digest: str = field(default="")
    """sha256 over every materials file: changes whenever any content changes."""

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

    def carrier(self, carrier_id: str) -> Carrier:
        return next(c for c in self.campaign.carriers if c.id == carrier_id)

    def go_url(self, store: Store | None = None) -> str:
        """The URL a QR code carries: short, under the site, one per store."""
        base = self.campaign.site_url + "go/"
        return base if store is None else f"{base}{store.slug}/"


def url_problem(url: str, allowed: tuple[str, ...]) -> str | None:
    """Why `url` may not be printed or linked (None when it is fine)."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return f"'{url}' must use https"
    host = (parts.hostname or "").lower()
    if not any(host == d.lower() or host.endswith("." + d.lower()) for d in allowed):
        return f"'{url}': domain '{host}' is not in allowed_domains of campaign.yml"
    return None


def fill(value: Any, settings: Settings) -> Any:
    """Fill `{setting}` placeholders in a text, a list of texts or a mapping of texts."""
    if isinstance(value, str):
        return value.format_map(settings.model_dump())
    if isinstance(value, (list, tuple)):
        return tuple(fill(v, settings) for v in value)
    if isinstance(value, Mapping):
        return {k: fill(v, settings) for k, v in value.items()}
    return value
