"""Load `materials/` into a `Project`, collecting every problem in one pass.

Layout (see README): campaign.yml, regions.yml, formats.yml, text/<lang>.yml,
directives/*.md (YAML front matter + Markdown summary), stores/*.csv|*.xlsx.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import string
from pathlib import Path
from typing import Annotated, Any, Iterable, Mapping, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from .errors import ContentError, Problem
from .model import (Campaign, Directive, DirectiveFront, Effective, Format, Project, Province,
                    Settings, Texts, url_problem)
from .site.texts import SITE_KEYS
from .stores import load_store_lists
from .text import nfc
from .yamlsrc import Located, YamlSyntaxError, parse_yaml

M = TypeVar("M", bound=BaseModel)
_URL = re.compile(r"https?://[^\s<>\"')\]]+")
_FRONT = re.compile(r"\A---\s*\n(.*?\n)---\s*(\n|\Z)", re.S)


class _Collector:
    """Problems found so far, with the names files are shown by in messages."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[Problem] = []

    def name(self, path: Path) -> str:
        try:
            return path.relative_to(self.root.parent).as_posix()
        except ValueError:
            return path.as_posix()

    def add(self, path: Path, line: int | None, field: str, message: str) -> None:
        self.problems.append(Problem(self.name(path), line, field, message))

    def yaml(self, path: Path, text: str | None = None, first_line: int = 1) -> Located | None:
        if text is None:
            if not path.is_file():
                self.add(path, None, "", "file is missing")
                return None
            text = path.read_text(encoding="utf-8-sig")
        try:
            return parse_yaml(text, first_line)
        except YamlSyntaxError as exc:
            self.add(path, exc.line, "", str(exc))
            return None

    def model(self, model: type[M], path: Path, located: Located, prefix: tuple = ()) -> M | None:
        try:
            return model.model_validate(_nfc_tree(located.data))
        except ValidationError as exc:
            for err in exc.errors():
                loc = prefix + tuple(err["loc"])
                self.add(path, located.line(loc), ".".join(map(str, loc)) or "(document)",
                         _friendly(err))
            return None


def load_project(root: Path, cache: Path | None = None) -> Project:
    """Read and validate everything; raise `ContentError` listing every problem found.
    `cache`: a file where each store list's checked rows are kept (`stores.load_store_lists`)."""
    root = root.resolve()
    c = _Collector(root)
    if not root.is_dir():
        raise ContentError([Problem(str(root), None, "", "materials folder not found")])

    campaign_src = c.yaml(root / "campaign.yml")
    campaign = c.model(Campaign, root / "campaign.yml", campaign_src) if campaign_src else None
    provinces = _load_provinces(c, root / "regions.yml")
    formats = _load_formats(c, root / "formats.yml")
    directives = _load_directives(c, root / "directives",
                                  campaign.allowed_domains if campaign else None)
    texts = _load_texts(c, root / "text", campaign)
    stores = []
    if campaign is not None and provinces is not None:
        store_files = sorted(p for p in (root / "stores").glob("*")
                             if p.suffix.lower() in (".csv", ".xlsx") and not p.name.startswith("~$"))
        stores = load_store_lists(store_files, {p: c.name(p) for p in store_files}, campaign.carriers,
                                  provinces, c.problems, cache)
    effective = _effective(c, root / "campaign.yml", campaign_src, campaign, directives)
    if campaign is not None:
        _check_urls(c, root, campaign, campaign_src)
        if campaign.print_profile:
            _check_profile(c, root, campaign.print_profile,
                           campaign_src.line(("print_profile",)) if campaign_src else None)
        if provinces is not None and campaign.campaign.province not in {p.name for p in provinces}:
            c.add(root / "campaign.yml", campaign_src.line(("campaign", "province")) if campaign_src
                  else None, "campaign.province", "province not found in regions.yml")

    if c.problems:
        raise ContentError(c.problems)
    assert campaign is not None and effective is not None and texts is not None
    assert provinces is not None and formats is not None
    return Project(
        root=str(root), campaign=campaign,
        directives=tuple(sorted(directives, key=lambda d: d.sort_key, reverse=True)),
        effective=effective, formats=formats, stores=tuple(stores), provinces=provinces,
        texts=texts, digest=_digest(root))


# --- parts ----------------------------------------------------------------------------------

def _load_provinces(c: _Collector, path: Path) -> tuple[Province, ...] | None:
    src = c.yaml(path)
    if src is None:
        return None
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


def _load_formats(c: _Collector, path: Path) -> dict[str, Format] | None:
    src = c.yaml(path)
    if src is None:
        return None
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
        if fmt.kind == "screen" and not (fmt.width_px and fmt.height_px):
            c.add(path, src.line(("formats", name)), f"formats.{name}", "a screen needs width_px and height_px")
        elif fmt.kind != "screen" and not (fmt.width_mm and fmt.height_mm):
            c.add(path, src.line(("formats", name)), f"formats.{name}", "a printed format needs width_mm and height_mm")
        formats[str(name)] = fmt
    return formats


def _load_directives(c: _Collector, folder: Path, allowed: tuple[str, ...] | None) -> list[Directive]:
    """Every directive file; `allowed`: the domains URLs may use (None: campaign.yml is broken,
    so URLs are not checked this pass)."""
    directives = []
    files = sorted(folder.glob("*.md")) if folder.is_dir() else []
    if not files:
        c.add(folder, None, "", "no directive files (*.md): at least one must set the campaign settings")
    numbers: dict[str, str] = {}
    for path in files:
        text = path.read_text(encoding="utf-8-sig")
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
        front = c.model(DirectiveFront, path, src)
        if front is None:
            continue
        _check_setting_values(c, path, src, front.settings)
        summary = nfc(text[match.end():])
        if allowed is not None:
            for name, value in front.settings.items():
                for url in _URL.findall(str(value)):
                    if problem := url_problem(url, allowed):
                        c.add(path, src.line(("settings", name)), f"settings.{name}", problem)
            for url in _URL.findall(summary):
                if problem := url_problem(url, allowed):
                    c.add(path, None, "summary", problem)
        if front.number in numbers:
            c.add(path, src.line(("number",)), "number",
                  f"directive {front.number} is already in {numbers[front.number]}")
        numbers[front.number] = c.name(path)
        date, day_known = (front.date, True) if isinstance(front.date, dt.date) else (
            dt.date.fromisoformat(front.date + "-01"), False)
        directives.append(Directive(
            number=front.number, date=date, day_known=day_known, issuer=front.issuer,
            title=front.title, in_force=front.in_force, summary_md=summary,
            settings=dict(front.settings), file=c.name(path), source=front.source))
    return directives


def _check_setting_values(c: _Collector, path: Path, src: Located, values: Mapping[str, Any],
                          prefix: tuple[str, ...] = ("settings",)) -> None:
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


def _effective(c: _Collector, campaign_path: Path, src: Located | None, campaign: Campaign | None,
               directives: list[Directive]) -> Effective | None:
    if campaign is None or src is None:
        return None
    _check_setting_values(c, campaign_path, src, campaign.settings)
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
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
            except ValueError as exc:
                c.add(path, line, _label(sub), f"bad placeholder: {exc}")
                continue
            for name in sorted(names - set(Settings.model_fields)):
                c.add(path, line, _label(sub),
                      f"unknown placeholder {{{name}}} (known: {', '.join(Settings.model_fields)})")
            for url in _URL.findall(value):
                if problem := url_problem(url, campaign.allowed_domains):
                    c.add(path, line, _label(sub), problem)
    if default:
        site_file = folder / f"{codes[0]}.site.yml"
        for key in SITE_KEYS:
            if key not in default:
                c.add(site_file if site_file.is_file() else folder / f"{codes[0]}.yml", None, key,
                      "missing text: the site needs it in the default language (see the bundled "
                      "materials/text/ files)")
    missing = {code: tuple(k for k in default if k not in by_lang[code]) for code in codes}
    return Texts(by_lang=by_lang, default_lang=codes[0], missing=missing)


def _check_urls(c: _Collector, root: Path, campaign: Campaign, campaign_src: Located | None) -> None:
    allowed = campaign.allowed_domains
    problem = url_problem(campaign.site_url, allowed)
    if problem and campaign_src:
        c.add(root / "campaign.yml", campaign_src.line(("site_url",)), "site_url", problem)
    for name, value in campaign.settings.items():
        for url in _URL.findall(str(value)):
            if (problem := url_problem(url, allowed)) and campaign_src:
                c.add(root / "campaign.yml", campaign_src.line(("settings", name)), f"settings.{name}", problem)


def _check_profile(c: _Collector, root: Path, name: str, line: int | None) -> None:
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        c.add(root / "campaign.yml", line, "print_profile", f"'{name}' is not a file under materials/")
        return
    header = path.read_bytes()[:40]
    # ICC header: bytes 16-19 name the data colour space, 36-39 hold the 'acsp' signature.
    if len(header) < 40 or header[36:40] != b"acsp" or header[16:20] != b"CMYK":
        c.add(root / "campaign.yml", line, "print_profile", f"'{name}' is not a CMYK ICC profile")


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


def _digest(root: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(path.relative_to(root).as_posix().encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()
