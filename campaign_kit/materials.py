"""Load one province's kit of `materials/` into a `Project`, collecting every problem in one pass.

Layout (see README): shared by every kit: campaign.yml, regions.yml, formats.yml, text/<lang>.yml,
directives/*.md (YAML front matter + Markdown summary, each scoped national or to a province);
per kit: kits/<kit>/kit.yml and kits/<kit>/stores/*.csv|*.xlsx.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import operator
import os
import re
import string
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Iterable, Mapping, Sequence, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ContentError, KitError, Problem
from .identity import load_identity
from .memo import Memo
from .model import (
    CONTROL_CHARS,
    MAX_STORE_CHARS,
    NATIONAL,
    PRINTED,
    Campaign,
    Deadline,
    Directive,
    DirectiveFront,
    Effective,
    Format,
    KitFile,
    Measure,
    Project,
    Province,
    Settings,
    Store,
    Texts,
    char_problem,
    shown,
    url_problem,
)
from .printing.fonts import FontTable, load_font_table
from .publish.labels import kit_words
from .reports import (
    DENOMINATORS,
    REPORTS,
    Reports,
    campaign_start,
    load_denominators,
    load_reports,
    report_files,
)
from .site.texts import SITE_KEYS
from .stores import load_store_lists
from .text import nfc
from .yamlsrc import Located, YamlSyntaxError, parse_yaml

M = TypeVar("M", bound=BaseModel)
_FRONT = re.compile(r"\A---\s*\n(.*?\n)---\s*(\n|\Z)", re.S)
log = logging.getLogger("campaign_kit")

MAX_TEXT_CHARS = 5_000
"""The longest text value (`materials/text/*.yml`): the longest bundled one, the loudspeaker
script, has under 1,000; with settings of at most `MAX_SETTING_CHARS` filled in, a text stays
small (README, Input rules)."""


class _Collector:
    """Problems found so far, with the names files are shown by in messages, and what is printed
    (checked for glyphs once everything is read)."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []
        self.printed = _Printed()

    def name(self, path: Path) -> str:
        try:
            return path.relative_to(self.root.parent).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, path: Path, line: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(self.name(path), line, field, message))

    def read(self, path: Path) -> str | None:
        """A file's text; a file that is not UTF-8 is a problem, not a traceback."""
        try:
            return path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            line = exc.object[:exc.start].count(b"\n") + 1
            self.add(path, line, "", f"not UTF-8 (byte 0x{exc.object[exc.start]:02x}): save the file as UTF-8")
            return None

    def yaml(self, path: Path, text: str | None = None, first_line: int = 1) -> Located | None:
        if text is None:
            if not path.is_file():
                self.add(path, None, "", "file is missing")
                return None
            text = self.read(path)
            if text is None:
                return None
        # PyYAML refuses raw controls with a two-line message and no line: name the line and character.
        if (found := CONTROL_CHARS.search(text)) is not None:
            self.add(path, text.count("\n", 0, found.start()) + first_line, "",
                     char_problem(found.group()) or "")
            return None
        try:
            return parse_yaml(text, first_line)
        except YamlSyntaxError as exc:
            self.add(path, exc.line, "", str(exc))
            return None

    def model(self, model: type[M], path: Path, located: Located, prefix: tuple[str | int, ...] = ()) -> M | None:
        try:
            return model.model_validate(_nfc_tree(located.data))
        except ValidationError as exc:
            for err in exc.errors():
                loc = prefix + tuple(err["loc"])
                self.add(path, located.line(loc), ".".join(map(str, loc)) or "(document)",
                         _friendly(err))
            return None


KITS = "kits"
"""The folder of materials/ with one folder per province's kit (`kits/<kit>/kit.yml`, `stores/`)."""


def kit_names(root: Path) -> tuple[str, ...]:
    """Every kit of a materials folder (the folders of `kits/` that hold a kit.yml)."""
    folder = root / KITS
    return tuple(sorted(p.parent.name for p in folder.glob("*/kit.yml"))) if folder.is_dir() else ()


def default_kit(root: Path) -> str:
    """The kit a build makes when none is named: campaign.yml's `default_kit`."""
    try:
        data = parse_yaml((root / "campaign.yml").read_text(encoding="utf-8-sig")).data
    except (OSError, YamlSyntaxError):
        data = None
    name = data.get("default_kit") if isinstance(data, dict) else None
    return str(name) if name else ""


def store_lists_folder(kit: str) -> str:
    """Where a kit's store lists are, relative to materials/."""
    return f"{KITS}/{kit}/stores/"


BUILD_DATE = "CAMPAIGN_KIT_DATE"
"""The environment variable that sets the build's date (YYYY-MM-DD): see `build_date`."""
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def build_date() -> dt.date:
    """The date the directives are applied as of: `CAMPAIGN_KIT_DATE` when set (to rebuild an
    output of another day exactly, or to preview a letter before its date), else today in
    Vietnam (UTC+7). An input like materials/: the same materials on the same date build the
    same files."""
    value = os.environ.get(BUILD_DATE, "").strip()
    if not value:
        return dt.datetime.now(VIETNAM).date()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise KitError(f"{BUILD_DATE}='{shown(value)}' is not a date: write YYYY-MM-DD") from None


def load_project(root: Path, memo: Memo | None = None, kit: str | None = None,
                 today: dt.date | None = None) -> Project:
    """Read and validate one kit (default: campaign.yml's `default_kit`); raise `ContentError`
    listing every problem found. `memo`: where each store list's checked rows are kept
    (`stores.load_store_lists`). `today`: the build's date (default `build_date()`): a directive
    dated after it is not in force, and said so (`Project.notices`), unless it has `apply_early`."""
    as_of = today or build_date()
    fonts = load_font_table(PRINT_TEMPLATES)  # before reading anything: missing fonts are a fault
    root = root.resolve()
    c = _Collector(root)
    if not root.is_dir():
        raise ContentError([Problem(str(root), None, "", "materials folder not found")])

    kit = kit or default_kit(root)
    campaign_src = c.yaml(root / "campaign.yml")
    kit_path = root / KITS / kit / "kit.yml"
    if not kit or not kit_path.is_file():
        known = ", ".join(kit_names(root)) or "none"
        c.add(root / "campaign.yml", campaign_src.line(("default_kit",)) if campaign_src else None,
              "default_kit", f"no kit '{kit}' (a folder of materials/kits/ with a kit.yml; kits: {known})")
        raise ContentError(c.problems)
    kit_src = c.yaml(kit_path)
    kit_file = c.model(KitFile, kit_path, kit_src) if kit_src else None
    campaign = _campaign(c, root, kit, campaign_src, kit_file)
    allowed = campaign.allowed_domains if campaign else None
    for path, src in ((root / "campaign.yml", campaign_src), (kit_path, kit_src)):
        if src is not None:
            _check_strings(c, path, src, allowed)
    provinces = _load_provinces(c, root / "regions.yml", allowed)
    formats = _load_formats(c, root / "formats.yml", allowed)
    province_names = {p.name for p in provinces} if provinces is not None else None
    texts = _load_texts(c, root / "text", campaign)
    identity = load_identity(root, kit, c.problems, c.name)
    directives, notices = _load_directives(c, root / "directives", allowed, province_names,
                                           known_outputs(formats, texts), as_of)
    stores = []
    if campaign is not None and provinces is not None:
        folder = root / store_lists_folder(kit)
        store_files = sorted(p for p in folder.glob("*")
                             if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("~$"))
        stores = load_store_lists(store_files, {p: c.name(p) for p in store_files}, campaign.carriers,
                                  provinces, c.problems, memo)
        _check_store_lengths(c, stores)
        c.printed.stores = stores
    if campaign is not None:  # the kit applies the national directives and its own province's
        directives = [d for d in directives if d.scope in (NATIONAL, campaign.campaign.province)]
        if campaign_src is not None:
            for i, carrier in enumerate(campaign.carriers):  # its name is on every store banner
                c.printed.add(campaign.languages[0].code, c.name(root / "campaign.yml"),
                              campaign_src.line(("carriers", i, "name")), f"carriers[{i}].name", carrier.name)
        if kit_src is not None:
            c.printed.add(None, c.name(kit_path), kit_src.line(("department",)), "department",
                          campaign.campaign.department)
    reports = _load_reports(c, root, kit, campaign, provinces, directives, as_of)
    applied = {d.file for d in directives}
    notices = [n for n in notices if n.file in applied]
    for notice in notices:
        log.warning("%s", notice)
    effective = _effective(c, root / "campaign.yml", campaign_src, kit_path, kit_src, campaign, directives)
    if campaign is not None and kit_src is not None:
        if problem := _site_url_problem(campaign.site_url, campaign.allowed_domains):
            c.add(kit_path, kit_src.line(("site_url",)), "site_url", problem)
        if campaign.print_profile:
            _check_profile(c, root, kit_path, campaign.print_profile, kit_src.line(("print_profile",)))
        if province_names is not None and campaign.campaign.province not in province_names:
            c.add(kit_path, kit_src.line(("province",)), "province", "province not found in regions.yml")
    if campaign is not None and texts is not None:
        c.printed.check(c, fonts, [lang.code for lang in campaign.languages])

    if c.problems:
        raise ContentError(c.problems)
    assert campaign is not None and effective is not None and texts is not None
    assert provinces is not None and formats is not None
    return Project(
        root=str(root), campaign=campaign,
        directives=tuple(sorted(directives, key=lambda d: d.sort_key, reverse=True)),
        effective=effective, formats=formats, stores=tuple(stores), provinces=provinces,
        texts=texts, as_of=as_of, notices=tuple(notices), identity=identity, reports=reports,
        recordings=recordings(root, kit, [lang.code for lang in campaign.languages]))


AUDIO = "audio"
RECORDING_TYPES = (".wav", ".mp3", ".m4a")


def recordings(root: Path, kit: str, langs: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The loudspeaker recordings supplied (`audio/<lang>.wav|mp3|m4a`), the kit's own first:
    (language, absolute path), in language order. Their bytes are in the build's fingerprint
    (every file of materials/ is); the media stage normalises them."""
    found = []
    for lang in langs:
        for folder in (root / KITS / kit / AUDIO, root / AUDIO):
            files = sorted(p for p in folder.glob(f"{lang}.*") if p.suffix.lower() in RECORDING_TYPES)
            if files:
                found.append((lang, str(files[0])))
                break
    return tuple(found)


def reports_folder(kit: str) -> str:
    """Where a kit's returned report forms are, relative to materials/."""
    return f"{KITS}/{kit}/{REPORTS}/"


def _load_reports(c: _Collector, root: Path, kit: str, campaign: Campaign | None,
                  provinces: Sequence[Province] | None, directives: Sequence[Directive],
                  as_of: dt.date) -> Reports | None:
    """The kit's denominators and report forms (`reports.py`); none without a districts.yml."""
    path = root / KITS / kit / DENOMINATORS
    folder = root / reports_folder(kit)
    if not path.is_file():
        if report_files(folder):
            c.add(path, None, "", f"the reports in {c.name(folder)} need the districts' smartphones: add "
                                  f"{DENOMINATORS} (see the Lạng Sơn kit's)")
        return None
    src = c.yaml(path)
    if src is None or campaign is None or provinces is None:
        return None
    _check_strings(c, path, src, campaign.allowed_domains)
    province = next((p for p in provinces if p.name == campaign.campaign.province), None)
    if province is None:
        return None
    denominators = load_denominators(_nfc_tree(src.data), c.name(path), province.districts,
                                     campaign_start(directives), as_of, c.problems, src.line)
    if denominators is None:
        return None
    paths = report_files(folder)
    return load_reports(paths, {p: c.name(p) for p in paths}, campaign.carriers, denominators, c.problems)


def _campaign(c: _Collector, root: Path, kit: str, src: Located | None, kit_file: KitFile | None) -> Campaign | None:
    """campaign.yml (shared) with the kit's own fields merged in."""
    if src is None or not isinstance(src.data, dict):
        if src is not None:
            c.add(root / "campaign.yml", 1, "", "expected a mapping (title:, languages:, carriers:, ...)")
        return None
    shared = dict(src.data)
    shared.pop("default_kit", None)
    title = shared.pop("title", None)
    # A province's own fields in the shared file would be silently overridden by its kit's.
    for name in sorted(set(shared) & (set(KitFile.model_fields) - {"allowed_domains", "settings"} | {"campaign"})):
        c.add(root / "campaign.yml", src.line((name,)), name,
              f"belongs in a kit's kit.yml (materials/{KITS}/<kit>/kit.yml), not in the shared campaign.yml")
        shared.pop(name)
    if kit_file is None:  # its problems are reported; check campaign.yml on its own
        kit_file = KitFile(province="-", department="-", department_short="-", site_url="https://x/")
    merged = dict(shared, kit=kit, site_url=kit_file.site_url, sample_stores=kit_file.sample_stores,
                  print_profile=kit_file.print_profile,
                  allowed_domains=tuple(shared.get("allowed_domains") or ()) + kit_file.allowed_domains,
                  campaign={"title": title, "department": kit_file.department,
                            "department_short": kit_file.department_short, "province": kit_file.province},
                  settings=dict(shared.get("settings") or {}, **kit_file.settings))
    return c.model(Campaign, root / "campaign.yml", Located(merged, src.lines))


# --- parts ----------------------------------------------------------------------------------

def _load_provinces(c: _Collector, path: Path, allowed: tuple[str, ...] | None) -> tuple[Province, ...] | None:
    src = c.yaml(path)
    if src is None:
        return None
    _check_strings(c, path, src, allowed)
    data = src.data.get("provinces") if isinstance(src.data, dict) else None
    if not isinstance(data, list):
        c.add(path, 1, "provinces", "expected a list of provinces")
        return None
    result = []
    for i, item in enumerate(data):
        located = Located(item, {k[2:]: v for k, v in src.lines.items() if k[:2] == ("provinces", i)})
        province = c.model(Province, path, located, prefix=("provinces", i))
        if province:
            result.append(province)
    return tuple(result)


def _load_formats(c: _Collector, path: Path, allowed: tuple[str, ...] | None) -> dict[str, Format] | None:
    src = c.yaml(path)
    if src is None:
        return None
    _check_strings(c, path, src, allowed)
    data = src.data.get("formats") if isinstance(src.data, dict) else None
    if not isinstance(data, dict) or not data:
        c.add(path, 1, "formats", "expected a mapping of format names to formats")
        return None
    formats = {}
    for name, item in data.items():
        located = Located(item, {k[2:]: v for k, v in src.lines.items() if k[:2] == ("formats", name)})
        fmt = c.model(Format, path, located, prefix=("formats", name))
        if fmt is None:
            continue
        if fmt.kind in ("screen", "led") and not (fmt.width_px and fmt.height_px):
            c.add(path, src.line(("formats", name)), f"formats.{name}", f"a {fmt.kind} needs width_px and height_px")
        elif fmt.kind in ("screen", "led") and (fmt.width_px or 0) % 2 + (fmt.height_px or 0) % 2:
            # H.264 in 4:2:0 (what TVs and LED players decode) halves the colour planes.
            c.add(path, src.line(("formats", name)), f"formats.{name}", "width_px and height_px must be even (video)")
        elif fmt.kind not in ("screen", "led") and not (fmt.width_mm and fmt.height_mm):
            c.add(path, src.line(("formats", name)), f"formats.{name}", "a printed format needs width_mm and height_mm")
        if fmt.kind in PRINTED.general_kinds:  # the title of its PDF, in every language
            c.printed.add(None, c.name(path), src.line(("formats", name, "title")), f"formats.{name}.title",
                          fmt.title)
        formats[str(name)] = fmt
    return formats


GENERATED_PAGES = ("index", "support", "directives", "downloads", "measures", "embed", "changes")
"""Site pages made by the build (`page:<name>` in a measure's outputs), besides docs/<lang>/*.md."""
DOCS = Path(__file__).resolve().parent.parent / "docs"


def known_outputs(formats: Mapping[str, Format] | None, texts: Texts | None) -> dict[str, set[str]] | None:
    """What a measure may name as its outputs: kind -> the names it may have (None: formats.yml
    or the texts are broken, so outputs are not checked this pass)."""
    if formats is None or texts is None:
        return None
    known: dict[str, set[str]] = {kind: set() for kind in
                                  ("poster", "leaflet", "standee", "store-banner", "store-card", "screen", "led")}
    for name, fmt in formats.items():
        known[fmt.kind].add(name)
    messages = texts.by_lang[texts.default_lang].get("messages")
    known["message"] = set(messages) if isinstance(messages, dict) else set()
    known["form"] = set(kit_words().forms)
    docs = DOCS / texts.default_lang
    known["page"] = set(GENERATED_PAGES) | {p.stem for p in docs.glob("*.md")}
    # A clip per screen and LED format (`clip:screen-tv`); the loudspeaker audio by language.
    known["clip"] = {name for name, fmt in formats.items() if fmt.kind in ("screen", "led")}
    known["audio"] = set(texts.by_lang)
    # A bundle by whom it is made for (the media stage's by who plays them: `bundles.MEDIA_BUNDLES`).
    known["bundle"] = {"carrier", "district", "lang", "screens", "one-stop", "radio", "hospitals"}
    return known


def _output_problem(selector: str, known: Mapping[str, set[str]]) -> str | None:
    kind, _, name = selector.partition(":")
    if kind not in known:
        return f"unknown output '{selector}' (kinds: {', '.join(known)})"
    if name and name not in known[kind]:
        return f"unknown {kind} '{name}' (known: {', '.join(sorted(known[kind]))})"
    return None


def _load_directives(c: _Collector, folder: Path, allowed: tuple[str, ...] | None,
                     provinces: set[str] | None, outputs: Mapping[str, set[str]] | None,
                     as_of: dt.date) -> tuple[list[Directive], list[Problem]]:
    """Every directive file, of every scope; `allowed`: the domains URLs may use (None:
    campaign.yml is broken, so URLs are not checked this pass); `provinces`: the provinces of
    regions.yml a scope may name (None: regions.yml is broken); `outputs`: what measures may
    name (`known_outputs`). A letter dated after `as_of` (the build's date) is not in force yet
    unless its front matter says `apply_early: true`: the notices say which."""
    directives: list[Directive] = []
    notices: list[Problem] = []
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not files:
        c.add(folder, None, "", "no directive files (*.md): at least one must set the campaign settings")
        return directives, notices
    numbers: dict[str, str] = {}
    for path in files:
        text = c.read(path)
        if text is None:
            continue
        match = _FRONT.match(text)
        if not match:
            c.add(path, 1, "", "missing front matter (a block between '---' lines at the top)")
            continue
        src = c.yaml(path, match.group(1), first_line=2)
        if src is None:
            continue
        if not isinstance(src.data, dict):
            c.add(path, 2, "", "front matter must be a mapping (number:, date:, issuer:, ...)")
            continue
        _check_strings(c, path, src, allowed)
        front = c.model(DirectiveFront, path, src)
        if front is None:
            continue
        _check_setting_values(c, path, src, front.settings, allowed)
        if provinces is not None and front.scope != NATIONAL and front.scope not in provinces:
            c.add(path, src.line(("scope",)), "scope",
                  f"unknown scope '{front.scope}': write '{NATIONAL}' (Prime Minister, Ministries) or a "
                  f"province of regions.yml ({', '.join(sorted(provinces))})")
        if outputs is not None:
            for i, measure in enumerate(front.measures):
                for j, selector in enumerate(measure.outputs):
                    if problem := _output_problem(selector, outputs):
                        c.add(path, src.line(("measures", i, "outputs", j)), f"measures[{i}].outputs", problem)
            forms: list[tuple[tuple[str | int, ...], str]] = [(("forms", name), name) for name in front.forms]
            forms += [(("deadlines", i, "form"), d.form) for i, d in enumerate(front.deadlines) if d.form]
            for where, name in forms:
                if name not in outputs["form"]:
                    c.add(path, src.line(where), _label(where),
                          f"unknown form '{name}' (forms: {', '.join(sorted(outputs['form']))})")
        body = text[match.end():]
        summary = nfc(body)
        _check_summary(c, path, body, text.count("\n", 0, match.end()) + 1, allowed)
        # A blank number ("…/STTTT-BCVT") is told apart by who issued it.
        ident = f"{front.number} ({front.issuer})"
        if ident in numbers:
            c.add(path, src.line(("number",)), "number",
                  f"directive {front.number} of {front.issuer} is already in {numbers[ident]}")
        numbers[ident] = c.name(path)
        for name in ("number", "issuer_short"):  # printed in every language: "Thực hiện theo văn bản …"
            if value := getattr(front, name):
                c.printed.add(None, c.name(path), src.line((name,)), name, value)
        date, day_known = (front.date, True) if isinstance(front.date, dt.date) else (
            dt.date.fromisoformat(front.date + "-01"), False)
        # A letter dated only by month may be of its first day: it waits only while that is ahead.
        deferred = front.in_force and not front.apply_early and date > as_of
        if deferred:
            when = "that date" if day_known else date.isoformat()
            notices.append(Problem(c.name(path), src.line(("date",)), "date",
                                   f"dated {front.date}: not applied before {when} (the build's date is "
                                   f"{as_of}; write apply_early: true to apply it now)"))
        directives.append(Directive(
            number=front.number, date=date, day_known=day_known, issuer=front.issuer,
            title=front.title, in_force=front.in_force and not deferred, deferred=deferred, summary_md=summary,
            settings=dict(front.settings), file=c.name(path), source=front.source, scope=front.scope,
            issuer_short=front.issuer_short, date_note=front.date_note,
            deadlines=tuple(Deadline(d.what, d.when, d.form) for d in front.deadlines),
            forms=dict(front.forms),
            measures=tuple(Measure(m.text, m.audience, m.outputs, m.not_yet) for m in front.measures)))
    return directives, notices


def _check_setting_values(c: _Collector, path: Path, src: Located, values: Mapping[str, Any],
                          allowed: tuple[str, ...] | None, prefix: tuple[str, ...] = ("settings",)) -> None:
    """Each setting against its type, and every URL setting (`Settings.url_fields`) as a whole
    against `url_problem` (`allowed`: None while campaign.yml is broken)."""
    for name, value in values.items():
        line = src.line(prefix + (name,))
        field = Settings.model_fields.get(name)
        if field is None:
            known = ", ".join(Settings.model_fields)
            c.add(path, line, ".".join(prefix + (name,)), f"unknown setting (known: {known})")
            continue
        try:
            kind = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
            TypeAdapter(kind).validate_python(_nfc_tree(value))
        except ValidationError as exc:
            c.add(path, line, ".".join(prefix + (name,)), _friendly(exc.errors()[0]))
            continue
        if name in Settings.url_fields() and allowed is not None and (problem := url_problem(value, allowed)):
            c.add(path, line, ".".join(prefix + (name,)), problem)
        elif isinstance(value, str):  # printed in every language if a print shows it (`_Printed`)
            c.printed.add(None, c.name(path), line, ".".join(prefix + (name,)), value, setting=name)


def _effective(c: _Collector, campaign_path: Path, src: Located | None, kit_path: Path,
               kit_src: Located | None, campaign: Campaign | None,
               directives: list[Directive]) -> Effective | None:
    if campaign is None or src is None or kit_src is None:
        return None
    shared = src.data.get("settings") if isinstance(src.data, dict) else None
    _check_setting_values(c, campaign_path, src, shared or {}, campaign.allowed_domains)
    own = kit_src.data.get("settings") if isinstance(kit_src.data, dict) else None
    _check_setting_values(c, kit_path, kit_src, own or {}, campaign.allowed_domains)
    values: dict[str, Any] = dict(campaign.settings)
    set_by: dict[str, Directive | None] = {k: None for k in values}
    for directive in sorted((d for d in directives if d.in_force), key=lambda d: d.sort_key):
        for name, value in directive.settings.items():
            values[name] = value
            set_by[name] = directive
    missing = [n for n in Settings.model_fields if n not in values]
    for name in missing:
        c.add(campaign_path, src.line(("settings",)), f"settings.{name}",
              "not set by any directive in force nor by campaign.yml settings")
    if missing or c.problems:
        return None
    try:
        settings = Settings.model_validate(_nfc_tree(values))
    except ValidationError as exc:  # values were checked one by one; this is a safety net
        for err in exc.errors():
            c.add(campaign_path, None, "settings." + ".".join(map(str, err["loc"])), _friendly(err))
        return None
    return Effective(settings=settings, set_by=set_by)


def _load_texts(c: _Collector, folder: Path, campaign: Campaign | None) -> Texts | None:
    """`text/<lang>.yml` plus optional parts `text/<lang>.<part>.yml` (one per stage), merged."""
    if campaign is None:
        return None
    codes = [lang.code for lang in campaign.languages]
    by_lang: dict[str, dict[str, Any]] = {code: {} for code in codes}
    where: dict[tuple[str, str], tuple[Path, Located]] = {}  # (lang, key) -> file, source
    for path in sorted(folder.glob("*.yml")):
        code = path.name.split(".")[0]
        if code not in codes:
            c.add(path, None, "", f"no language '{code}' in campaign.yml languages")
            continue
        src = c.yaml(path)
        if src is None:
            continue
        if not isinstance(src.data, dict):
            c.add(path, 1, "", "expected a mapping of text keys to texts")
            continue
        for key, value in _nfc_tree(src.data).items():
            if (code, key) in where:
                c.add(path, src.line((key,)), str(key),
                      f"text key also in {c.name(where[code, key][0])}")
            where[code, key] = (path, src)
            by_lang[code][key] = value
    if not by_lang[codes[0]]:
        c.add(folder / f"{codes[0]}.yml", None, "", "the default language's texts are required")
    default = by_lang[codes[0]]
    for (code, key), (path, src) in where.items():
        if key not in default:
            c.add(path, src.line((key,)), str(key), f"unknown text key (not in the {codes[0]} texts)")
        for sub, value in _walk(by_lang[code][key], (key,)):
            line = src.line(sub)
            if len(value) > MAX_TEXT_CHARS:  # checked first: nothing else reads a huge value
                c.add(path, line, _label(sub),
                      f"text of {len(value):,} characters: at most {MAX_TEXT_CHARS:,} are allowed")
                continue
            for problem in _placeholder_problems(value):
                c.add(path, line, _label(sub), problem)
            _check_value(c, path, line, _label(sub), value, campaign.allowed_domains)
    if default:
        site_file = folder / f"{codes[0]}.site.yml"
        for key in SITE_KEYS:
            if key not in default:
                c.add(site_file if site_file.is_file() else folder / f"{codes[0]}.yml", None, key,
                      "missing text: the site needs it in the default language (see the bundled "
                      "materials/text/ files)")
    for code in codes:  # each text as it prints in each language: its own, or the default's
        keys = PRINTED.texts + (PRINTED.store_texts if code == codes[0] else ())
        for key in dict.fromkeys(keys):
            shown_in = code if (code, key) in where else codes[0]
            if (shown_in, key) not in where:
                continue  # a text the default language lacks: its pages fail on it, not here
            path, src = where[shown_in, key]
            for sub, value in _walk(by_lang[shown_in][key], (key,)):
                c.printed.add(code, c.name(path), src.line(sub), _label(sub), value)
    missing = {code: tuple(k for k in default if k not in by_lang[code]) for code in codes}
    return Texts(by_lang=by_lang, default_lang=codes[0], missing=missing)


# --- what is printed: store fields, glyphs ------------------------------------------------------

PRINT_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "print"
"""Where the print fonts are listed (`fonts.yml`)."""


STORE_PRINTED = ("store_id", "name", "address", "ward", "district", "opening_hours")
"""The fields of a store row its banner and card print (the address line holds the ward and the
district; the id names its link; the phone is digits by then), in the default language."""
_store_fields = operator.attrgetter(*STORE_PRINTED)


def _store_row(store: Store) -> tuple[str, int | None]:
    """The file and row a store came from (`Store.source`: "materials/.../x.csv, row 12")."""
    file, _, row = store.source.rpartition(", row ")
    return (file or store.source), (int(row) if row.isdigit() else None)


def _check_store_lengths(c: _Collector, stores: Sequence[Store]) -> None:
    """Each printed field within `MAX_STORE_CHARS` (a 5,000-character name is refused here, not
    after the print stage has measured it)."""
    limits = tuple(MAX_STORE_CHARS.items())
    for store in stores:
        for name, limit in limits:
            if len(value := getattr(store, name)) > limit:
                file, row = _store_row(store)
                c.problems.append(Problem(file, row, name, f"{len(value):,} characters: at most {limit:,} "
                                                           "are allowed (shorten it in the store list)"))


@dataclass(frozen=True)
class _Where:
    file: str
    line: int | None
    field: str
    value: str
    setting: str | None
    """The setting this is a value of: checked only if a print shows that setting."""


class _Printed:
    """Every text the prints show, where it is written and the language it prints in; checked
    against that language's fonts (`templates/print/fonts.yml`) in one pass at the end: all of a
    language's texts at once (20,000 stores' fields in a few set operations), and a text is looked
    for only when its language lacks a character."""

    def __init__(self) -> None:
        self.by_lang: dict[str | None, list[_Where]] = {}
        """Language (None: every language) -> what prints in it."""
        self.stores: Sequence[Store] = ()
        """Printed in the default language (`STORE_PRINTED`)."""

    def add(self, lang: str | None, file: str, line: int | None, field: str, value: str,
            setting: str | None = None) -> None:
        self.by_lang.setdefault(lang, []).append(_Where(file, line, field, value, setting))

    def check(self, c: _Collector, fonts: FontTable, langs: Sequence[str]) -> None:
        """`langs`: the languages things print in, the default first (store items print in it)."""
        # Settings a print shows: its templates' own, and those its texts fill in (a bad
        # placeholder is reported already: the pattern only finds well-formed ones).
        shown_settings = set(PRINTED.settings) | {
            m.group(1) for lang in langs for w in self.by_lang.get(lang, ()) for m in _PLACEHOLDER.finditer(w.value)}
        lacking: dict[tuple[str, int | None, str], dict[str, frozenset[str]]] = {}
        for lang in langs:
            wheres = [w for w in (*self.by_lang.get(None, ()), *self.by_lang.get(lang, ()))
                      if w.setting is None or w.setting in shown_settings]
            rows = [_store_fields(s) for s in self.stores] if lang == langs[0] else []
            missing = fonts.missing_glyphs(lang, [*(w.value for w in wheres), *(v for r in rows for v in r)])
            if not missing:
                continue  # nearly always: no text of the language is looked at again
            for w in wheres:
                if not missing.isdisjoint(w.value):
                    lacking.setdefault((w.file, w.line, w.field), {})[lang] = frozenset(missing.intersection(w.value))
            for store, row in zip(self.stores, rows):
                for name, value in zip(STORE_PRINTED, row):
                    if not missing.isdisjoint(value):
                        file, number = _store_row(store)
                        lacking.setdefault((file, number, name), {})[lang] = frozenset(missing.intersection(value))
        for (file, line, name), by_lang in lacking.items():
            c.problems.append(Problem(file, line, name, _glyph_message(by_lang, fonts)))


_LISTED = 5
"""Characters a glyph problem names (a name in another script lacks dozens)."""


def _glyph_message(lacking: Mapping[str, frozenset[str]], fonts: FontTable) -> str:
    """"U+1F9A0 🦠 MICROBE is in no font it prints in (vi, en: Noto Sans; km: …)": the
    characters, and the languages with their fonts (grouped when they lack the same ones)."""
    groups: dict[frozenset[str], list[str]] = {}
    for lang, chars in lacking.items():
        groups.setdefault(chars, []).append(lang)
    parts = []
    for chars, langs in groups.items():
        stacks: dict[tuple[str, ...], list[str]] = {}
        for lang in langs:
            stacks.setdefault(fonts.stack(lang), []).append(lang)
        where = "; ".join(f"{', '.join(ls)}: {', '.join(stack)}" for stack, ls in stacks.items())
        listed = sorted(chars)
        names = ", ".join(_code_point(ch) for ch in listed[:_LISTED])
        more = f" and {len(listed) - _LISTED} more" if len(listed) > _LISTED else ""
        parts.append(f"{names}{more} {'is' if len(chars) == 1 else 'are'} in no font it prints in ({where})")
    return "; ".join(parts) + ": remove it, or add a font that has it to templates/print/fonts.yml"


def _code_point(char: str) -> str:
    """"U+1F9A0 🦠 MICROBE": a character no font draws is named, never only shown."""
    shown_as = f" {char}" if char.isprintable() else ""
    return f"U+{ord(char):04X}{shown_as} {unicodedata.name(char, '')}".rstrip()


def _site_url_problem(url: str, allowed: tuple[str, ...]) -> str | None:
    """QR codes carry `<site_url>go/<store>/`: a plain https base on an allowed domain."""
    if problem := url_problem(url, allowed):
        return problem
    if "?" in url or "#" in url:
        return f"'{url}' must not hold a query or fragment ('?', '#')"
    if not url.endswith("/"):
        return f"'{url}' must end with '/'"
    return None


def _check_profile(c: _Collector, root: Path, kit_path: Path, name: str, line: int | None) -> None:
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        c.add(kit_path, line, "print_profile", f"'{name}' is not a file under materials/")
        return
    header = path.read_bytes()[:40]
    # ICC header: bytes 16-19 name the data colour space, 36-39 hold the 'acsp' signature.
    if len(header) < 40 or header[36:40] != b"acsp" or header[16:20] != b"CMYK":
        c.add(kit_path, line, "print_profile", f"'{name}' is not a CMYK ICC profile")


# --- texts, links and characters -------------------------------------------------------------

def _placeholder_problems(value: str) -> list[str]:
    """Only bare `{setting}` placeholders: a format spec (`{hotline:>300000000}` fills 300 MB),
    a conversion (`{app_name!r}`) or attribute and index access (`{hotline.__class__}`) is refused."""
    try:
        fields = [(f, spec, conv) for _, f, spec, conv in string.Formatter().parse(value) if f is not None]
    except ValueError as exc:
        return [f"bad placeholder: {exc}"]
    problems = []
    for name, spec, conv in fields:
        if spec or conv or not name.isidentifier():
            written = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
            problems.append(f"bad placeholder {shown(written)}: write a bare {{setting}} (no format, "
                            "conversion, attribute or index)")
        elif name not in Settings.model_fields:
            problems.append(f"unknown placeholder {{{name}}} (known: {', '.join(Settings.model_fields)})")
    return list(dict.fromkeys(problems))


def _check_strings(c: _Collector, path: Path, src: Located, allowed: tuple[str, ...] | None) -> None:
    """Every string of a YAML file (campaign, kit, regions, formats, a directive's front matter)
    for its characters and links. URL settings and `site_url` are checked whole elsewhere."""
    whole = {("site_url",)} | {("settings", name) for name in Settings.url_fields()}
    for sub, value in _walk(src.data):
        if sub not in whole:
            _check_value(c, path, src.line(sub), _label(sub) or "(document)", value, allowed)


def _check_value(c: _Collector, path: Path, line: int | None, field: str, value: str,
                 allowed: tuple[str, ...] | None) -> None:
    """One text: its characters (`char_problem`) and, once the allowed domains are known, its links."""
    if problem := char_problem(value):
        c.add(path, line, field, problem)
    if allowed is not None:
        for _, problem in _link_problems(value, allowed, site_links=False):
            c.add(path, line, field, problem)


def _check_summary(c: _Collector, path: Path, body: str, first_line: int, allowed: tuple[str, ...] | None) -> None:
    """A directive's Markdown summary (shown as HTML on the site): its characters line by line,
    its links (site links such as `../android/` allowed: it is one page of the kit's site)."""
    lines = body.split("\n")
    for i, text in enumerate(lines):
        if problem := char_problem(text):
            c.add(path, first_line + i, "summary", problem)
    if allowed is not None:
        for offset, problem in _link_problems(body, allowed, site_links=True):
            c.add(path, first_line + body.count("\n", 0, offset), "summary", problem)


_BARE_URL = re.compile(r"(?i)https?://[A-Za-z0-9\-._~:/?#\[@!$&*+,;=%]+")
"""A URL written out in text (printed, read out, or linked by a later Markdown extension)."""
_LINK_TARGETS = (
    re.compile(r"\]\(\s*<([^>]*)>"),                     # [text](<target>)
    re.compile(r"\]\(\s*((?:[^\s()<]|\([^\s()]*\))(?:[^\s()]|\([^\s()]*\))*)"),  # [text](target), ![alt](src)
    re.compile(r"^[ \t]{0,3}\[[^\]\n]*\]:\s*(\S+)", re.M),  # [ref]: target
    re.compile(r"<([A-Za-z][A-Za-z0-9+.\-]*:[^\s<>]*)>"),  # <scheme:...> autolinks
    re.compile(r"(?i)\b(?:href|src|srcset|action|formaction|poster|xlink:href)\s*=\s*"
               r"(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+))"),  # raw HTML, attr_list {: href=... }
)
"""Where Markdown (with raw HTML and attr_list, as the site renders it) takes a link target.
Matched without needing the opening `[`, so a value that closes a template's link is caught too."""
_ACTIVE_HTML = re.compile(r"(?i)<\s*(script|iframe|frame|object|embed|style|form|base|meta|link|svg|math)\b")
_EVENT_HANDLER = re.compile(r"(?i)[<{][^<>{}]*?\b(on[a-z]+)\s*=")  # in a tag or {: attr_list }
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _link_problems(text: str, allowed: tuple[str, ...], site_links: bool) -> list[tuple[int, str]]:
    """Every link in a text that is not https on an allowed domain, with its offset. Texts are
    data, shown on every page, in print and in messages: a link there is a full https URL or a URL
    setting (`[...]({install_url})`). A directive's summary (`site_links`) is one page of the site
    and may also link within it (`../android/`, `#anchor`)."""
    found: dict[str, int] = {}
    if not ("://" in text or "<" in text or "](" in text or "]:" in text or "=" in text):
        return []  # nearly every text: nothing that could be a link
    for match in _BARE_URL.finditer(text):
        if problem := url_problem(match.group(), allowed):
            found.setdefault(problem, match.start())
    for pattern in _LINK_TARGETS:
        for match in pattern.finditer(text):
            target = next(g for g in match.groups() if g is not None)
            if problem := _target_problem(html.unescape(target).strip("<>"), allowed, site_links):
                found.setdefault(problem, match.start())
    for match in _ACTIVE_HTML.finditer(text):
        found.setdefault(f"raw HTML <{match.group(1).lower()}> is not allowed", match.start())
    for match in _EVENT_HANDLER.finditer(text):
        found.setdefault(f"'{match.group(1)}=' is an HTML event handler (it runs script): not allowed",
                         match.start())
    return sorted(((offset, problem) for problem, offset in found.items()))


def _target_problem(target: str, allowed: tuple[str, ...], site_links: bool) -> str | None:
    if not target:
        return None
    setting = _PLACEHOLDER.fullmatch(target)
    if setting and setting.group(1) in Settings.url_fields():
        return None  # filled with a URL setting, itself checked by url_problem
    if _is_site_link(target):
        if site_links:
            return None
        return (f"link '{shown(target)}' is relative: a text is used on every page, in print and in "
                "messages, so a link must be a full https URL on an allowed domain")
    return url_problem(target, allowed)


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


def _is_site_link(target: str) -> bool:
    """A path or fragment on the same site (`../android/`, `#faq`): no scheme, no host (`//x`,
    or `\\x`, which browsers read as `//x`), nothing a browser would strip or rewrite."""
    return (not _SCHEME.match(target) and not target.startswith("//") and "\\" not in target
            and not any(ch.isspace() or not ch.isprintable() for ch in target))


# --- helpers --------------------------------------------------------------------------------

def _walk(value: Any, path: tuple[str | int, ...] = ()) -> Iterable[tuple[tuple[str | int, ...], str]]:
    """Every string in a YAML tree with its path (for the line) ."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, path + (i,))
    elif isinstance(value, str):
        yield path, value


def _label(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _nfc_tree(value: Any) -> Any:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {(nfc(k) if isinstance(k, str) else k): _nfc_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc_tree(v) for v in value]
    return value


def _friendly(err: Mapping[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "missing required value"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "value_error":
        return str(err["ctx"]["error"])
    return str(err["msg"])
