"""Pages made from materials and from what earlier stages wrote: directives, support points,
downloads, what changed. Markdown with HTML from autoescaped Jinja2 templates (store names and
addresses are text, never HTML)."""

from __future__ import annotations

import hashlib
import operator
import string
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Iterable, Mapping

import jinja2

from ..artifacts import Files
from ..memo import Memo, read_checked
from ..memo import digest as parts_digest
from ..model import NATIONAL, Deadline, Directive, Project, Store
from ..reports import summarise
from ..text import fold, slug
from .items import Download, Item, downloads, file_label, format_titles, group_items, selector_title
from .letters import STORE_KINDS, Answer, answers, by_audience, letters
from .texts import SiteTexts

STORES_PER_PAGE = 250
"""At about 600 bytes a store, a support page stays near 150 KB even in a 20,000-store province."""

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("campaign_kit.site", "templates"),
    autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2", "md.j2"),
                                            disabled_extensions=("css.j2",), default=True),
    trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
_env.filters["fold"] = lambda s: fold(str(s)).lower()


def directive_scope(t: SiteTexts, directive: Directive) -> str:
    """Whom a letter governs, in the page's language: national, or its province's."""
    if directive.scope == NATIONAL:
        return str(t("measures_national"))
    return string.Template(t("measures_province")).safe_substitute(province=directive.scope)


def render(template: str, **values: Any) -> str:
    return _env.get_template(template).render(**values)


def root_prefix(lang_prefix: str, docs_rel: str) -> str:
    """Relative path from the page built from `docs_rel` up to the output root."""
    parts = PurePosixPath(docs_rel).with_suffix("").parts
    depth = len(parts) - (1 if parts[-1] == "index" else 0)
    return "../" * (depth + (1 if lang_prefix else 0))


def store_files(made: Files) -> dict[str, list[tuple[str, str]]]:
    """Per store id: its banner/card files as (kind, path)."""
    by_store: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for rel, m in made.items():
        if m.kind in STORE_KINDS and m.store_id:
            by_store[m.store_id].append((m.kind, rel))
    for files in by_store.values():
        files.sort(key=lambda kind_rel: kind_rel[1])
    return by_store


def human_size(n: int) -> str:
    return f"{n} B" if n < 1024 else f"{n / 1024:.0f} KB" if n < 1024 * 1024 else f"{n / 1048576:.1f} MB"


@dataclass(frozen=True)
class StorePage:
    docs_rel: str
    title: str
    stores: tuple[Store, ...]


_SORT_KEY = operator.attrgetter("sort_key")


def support_pages(project: Project) -> tuple[list[tuple[str, str, list[StorePage]]], bool]:
    """Stores grouped by (province, district), split into pages of at most STORES_PER_PAGE."""
    provinces = sorted({s.province for s in project.stores})
    several = len(provinces) > 1
    groups: dict[tuple[str, str], list[Store]] = defaultdict(list)
    for store in project.stores:
        groups[(store.province, store.district)].append(store)
    result = []
    for (province, district), stores in sorted(groups.items(), key=lambda kv: tuple(map(fold, kv[0]))):
        stores.sort(key=_SORT_KEY)
        base = slug(f"{province} {district}" if several else district)
        chunks = [stores[i:i + STORES_PER_PAGE] for i in range(0, len(stores), STORES_PER_PAGE)]
        pages = [StorePage(f"support/{base}{'' if i == 0 else f'-{i + 1}'}.md",
                           district if len(chunks) == 1 else f"{district} ({i + 1}/{len(chunks)})",
                           tuple(chunk)) for i, chunk in enumerate(chunks)]
        result.append((province, district, pages))
    return result, several


SLOT = "<!-- site:store-list -->"
"""Where a support page's store list goes. The list is HTML rendered here and put in after mkdocs
has built the page: Markdown's HTML parsing cost 30 s per 20,000 stores and language, and the
pages mkdocs sees stay the same when a store is edited (so its build is reused from the cache)."""


def slot(name: str) -> str:
    """A marker for HTML that changes from build to build (file sizes and hashes, the change
    report): filled in after mkdocs, like the store lists, for the same reason."""
    return f"<!-- site:slot:{name} -->"


@dataclass(frozen=True)
class Fill:
    """The HTML for a slot, named by `key`: held, or read from the memo only when needed (a
    rebuild that keeps a page reads none of its 250 stores)."""

    key: str
    text: str | None = None
    kept: tuple[str, str] | None = None
    """The kept HTML: its file and sha256 (checked when it is read)."""
    kept_chars: tuple[str, str] | None = None
    """Its characters, kept beside it (what the font subsets need, without reading the HTML)."""

    @classmethod
    def of(cls, html: str) -> Fill:
        return cls(hashlib.sha256(html.encode("utf-8")).hexdigest(), text=html)

    def html(self) -> str:
        if self.text is not None:
            return self.text
        assert self.kept is not None
        return _read_kept(*self.kept)

    def chars(self) -> str:
        """Every character of the HTML (the site's font subsets must hold them)."""
        if self.text is not None:
            return self.text
        assert self.kept_chars is not None
        return _read_kept(*self.kept_chars)


def _read_kept(path: str, sha256: str) -> str:
    return read_checked(path, sha256).decode("utf-8")


@dataclass(frozen=True)
class Generated:
    pages: dict[str, str]
    """docs-relative path -> Markdown."""
    slots: dict[str, dict[str, Fill]]
    """docs-relative path -> {marker in the built page: the HTML that replaces it}."""


@dataclass(frozen=True)
class Directory:
    """The support-points directory, worked out once for every language."""

    groups: list[tuple[str, str, list[StorePage]]]
    several: bool
    """Stores in more than one province."""
    files: dict[str, list[tuple[str, str]]]
    shown: dict[str, str]
    """Support page -> a digest of its stores' fields and files as its list shows them (a
    cache key part: the same for every language)."""


def directory(project: Project, made: Files) -> Directory:
    # Stores are support points only once a directive makes them so (setting `support_points`).
    groups, several = support_pages(project) if project.settings.support_points else ([], False)
    files = store_files(made)
    shown = {page.docs_rel: parts_digest(*(f"{s.row_key}\0{files.get(s.store_id, [])}" for s in page.stores))
             for _, _, pages in groups for page in pages}
    return Directory(groups, several, files, shown)


GENERATED = ("support", "directives", "measures", "downloads", "embed", "changes", "progress")
"""The site pages made here and by the site stage (`page:<name>` of a measure may name them)."""
OTHER = "other"
"""The Downloads page's last group: files no measure names (so that nothing disappears)."""


def generated_titles(project: Project, lang: str) -> dict[str, tuple[str, str]]:
    """The generated pages' titles in `lang`: name -> (title, the language it is in)."""
    t = SiteTexts(project, lang)
    keys = {"support": "support_title", "directives": "directives_title", "measures": "measures_title",
            "downloads": "downloads_title", "embed": "embed_title", "changes": "changes_title",
            "progress": "progress_title"}
    return {name: (t(key), t.lang_of(key)) for name, key in keys.items()}


def site_pages(names: Iterable[str], changes: Mapping[str, Any] | None) -> set[str]:
    """The pages of this build's site: the hand-written `names` and the generated ones (the change
    report only once there is one)."""
    pages = set(names) | set(GENERATED)
    return pages if changes is not None else pages - {"changes"}


def page_href(name: str) -> str:
    """A page of the same language, from a top-level page (`measures/`, `downloads/`)."""
    return "../" if name == "index" else f"../{name}/"


@dataclass(frozen=True)
class ShownMeasure:
    """A measure as the "From letters to files" page shows it."""

    answer: Answer
    items: list[Item]
    pages: list[tuple[str, str, str | None]]
    """(href, title, the title's language) of the site pages that answer it."""
    missing: list[tuple[str, str | None]]
    """What it asks for that this build does not have: (title, its language)."""


@dataclass(frozen=True)
class ShownLetter:
    directive: Directive
    deadlines: list[tuple[Deadline, list[Item]]]
    """Each deadline with the report form it is printed on, when the kit makes it."""
    measures: list[ShownMeasure]


def measures_page(project: Project, lang: str, found: list[Answer], files: list[Download],
                  page_titles: Mapping[str, tuple[str, str]]) -> list[tuple[str, list[ShownLetter]]]:
    """The letters in force, grouped national / the province's, each with its deadlines and its
    measures and what answers them."""
    t = SiteTexts(project, lang)
    position = {d.path: i for i, d in enumerate(files)}  # the downloads' order: formats.yml's
    forms: dict[str, list[Download]] = {}
    for d in files:
        if d.kind == "form":
            forms.setdefault(d.item.removeprefix("form:"), []).append(d)
    per_letter: dict[str, list[Answer]] = {}
    for answer in found:
        per_letter.setdefault(answer.directive.file, []).append(answer)

    def shown(answer: Answer) -> ShownMeasure:
        present = [files[i] for i in sorted(position[rel] for rel in answer.files if rel in position)]
        pages = [(page_href(name), *page_titles.get(name, (name, None))) for name in answer.pages]
        unmet = answer.unmet if present or pages else answer.measure.outputs  # nothing to show: all
        missing = [selector_title(project, lang, s, page_titles) for s in unmet]
        return ShownMeasure(answer, group_items(present, project, lang), pages, missing)

    national: list[ShownLetter] = []
    own: list[ShownLetter] = []
    for directive in letters(project):
        deadlines = [(d, group_items(forms.get(d.form, []), project, lang) if d.form else [])
                     for d in directive.deadlines]
        letter = ShownLetter(directive, deadlines, [shown(a) for a in per_letter.get(directive.file, [])])
        (national if directive.scope == NATIONAL else own).append(letter)
    province = project.campaign.campaign.province
    groups = [(str(t("measures_national")), national),
              (string.Template(t("measures_province")).safe_substitute(province=province), own)]
    return [(title, group) for title, group in groups if group]


def download_groups(files: list[Download],
                    found: list[Answer]) -> list[tuple[str, list[Download], list[str]]]:
    """The Downloads page's groups: (audience, its files in the list's order, its pages), in the
    order of `AUDIENCES`, then the files no measure names (`OTHER`)."""
    named: set[str] = set()
    groups = []
    for audience, (paths, pages) in by_audience(found).items():
        wanted = set(paths)
        named |= wanted
        groups.append((str(audience), [d for d in files if d.path in wanted], pages))
    groups.append((OTHER, [d for d in files if d.path not in named], []))
    # No file at all: the page says so, and lists no group of guide pages alone.
    return [(a, group, pages) for a, group, pages in groups if group or pages] if files else []


def generated_pages(project: Project, lang: str, lang_prefix: str, made: Files,
                    out_root: Path, digest: Callable[[str], tuple[str, int]] | None = None,
                    memo: Memo | None = None, stores: Directory | None = None,
                    items: list[Download] | None = None, found: list[Answer] | None = None,
                    page_titles: Mapping[str, tuple[str, str]] | None = None,
                    changes: Mapping[str, Any] | None = None) -> Generated:
    """The generated pages of one language (`memo`: keep rendered store lists there; `stores`,
    `items` and `found`: the directory, the downloads and the measures' answers, if already
    worked out for another language; `page_titles`: the hand-written pages' titles in `lang`,
    name -> (title, its language))."""
    t = SiteTexts(project, lang)
    pages: dict[str, str] = {}
    slots: dict[str, dict[str, Fill]] = {}
    pages["directives.md"] = render("directives.md.j2", t=t, project=project, lang=lang,
                                    scope=lambda d: directive_scope(t, d))
    stores = stores or directory(project, made)
    groups, several, files = stores.groups, stores.several, stores.files
    shared = parts_digest(lang, repr(project.texts), repr(project.settings),
                         repr(project.campaign.sample_stores))
    # What the index shows of each district: its first page and its number of stores.
    shown = repr([(province, district, pages[0].docs_rel, sum(len(p.stores) for p in pages))
                  for province, district, pages in groups])
    pages["support/index.md"] = _cached(memo, parts_digest(shared, "support-index", project.default_lang,
                                                           repr(several), shown), lambda: render(
        "support_index.md.j2", t=t, project=project, groups=groups, several=several,
        link=_doc_link("support/index.md")), ".md").html()
    for province, district, store_pages in groups:
        siblings = [(p.docs_rel, p.title) for p in store_pages]
        for page in store_pages:
            # Its Markdown shows no store: cached by what it does show (700 renders a language).
            pages[page.docs_rel] = _cached(memo, parts_digest(shared, repr(siblings), page.docs_rel,
                                                              province if several else ""), lambda: render(
                "support_page.md.j2", t=t, project=project, page=page, province=province if several else "",
                siblings=store_pages, link=_doc_link(page.docs_rel), slot=SLOT), ".md").html()
            root = root_prefix(lang_prefix, page.docs_rel)
            key = parts_digest(shared, root, stores.shown[page.docs_rel])
            slots[page.docs_rel] = {SLOT: _cached(memo, key, lambda: render(
                    "store_list.html.j2", t=t, project=project, page=page, files=files, root=root))}
    if items is None:
        items = downloads(made, out_root, digest, format_titles(project), project.default_lang)
    titles = generated_titles(project, lang) | dict(page_titles or {})
    if found is None:
        found = answers(project, made, site_pages(page_titles, changes) if page_titles is not None else None)
    languages = {language.code: language.name for language in project.languages}
    by_audience_groups = download_groups(items, found)
    # Paths only (no sizes or hashes): the page goes through mkdocs and is searchable.
    pages["measures.md"] = render("measures.md.j2", t=t, project=project,
                                  groups=measures_page(project, lang, found, items, titles),
                                  linked={audience for audience, _, _ in by_audience_groups},
                                  root=root_prefix(lang_prefix, "measures.md"), label=file_label)
    root = root_prefix(lang_prefix, "downloads.md")
    pages["downloads.md"] = render("downloads.md.j2", t=t, slot=slot, groups=[
        (audience, bool(group), [(page_href(name), *titles.get(name, (name, None))) for name in names])
        for audience, group, names in by_audience_groups])
    # Kept like the store lists: a national build lists 1,000 bundles in every language.
    context = repr((languages, [(c.id, c.name) for c in project.campaign.carriers]))
    slots["downloads.md"] = {
        slot(audience): _cached(memo, parts_digest(shared, "downloads", project.default_lang, root, context,
                                                   audience, repr(group)),
                                lambda: render("download_list.html.j2", t=t, size=human_size, root=root,
                                               items=group_items(group, project, lang), label=file_label))
        for audience, group, _ in by_audience_groups if group}
    if project.reports is not None:
        words = t("progress")
        pages["progress.md"] = render("progress.md.j2", t=t, words=words, slot=slot("progress"))
        slots["progress.md"] = {slot("progress"): Fill.of(progress_html(project, lang, made, t, words,
                                                                         root_prefix(lang_prefix, "progress.md")))}
    if changes is not None:
        data = changes
        pages["changes.md"] = render("changes.md.j2", t=t, data=data, slot=slot("changes"))
        slots["changes.md"] = {slot("changes"): Fill.of(render(
            "changes_body.html.j2", t=t, data=data, lang=lang, default_lang=project.default_lang,
            root=root_prefix(lang_prefix, "changes.md")))}
    return Generated(pages, slots)


def progress_html(project: Project, lang: str, made: Files, t: SiteTexts, words: Mapping[str, str],
                  root: str) -> str:
    """The progress page's charts and tables (`stages/progress.py` made the files it links)."""
    assert project.reports is not None
    s = summarise(project.reports, project.campaign.carriers)
    thousands, decimal = words.get("thousands", "."), words.get("decimal", ",")

    def n(value: int) -> str:
        return f"{value:,}".replace(",", thousands)

    def pc(rate: float | None) -> str:
        return "—" if rate is None else f"{rate * 100:.1f}".replace(".", decimal) + "%"
    kinds = {"progress-summary": "summary", "progress-report": "report"}
    charts = {str(m.title): rel for rel, m in made.items() if m.kind == "progress-chart" and m.lang == lang}
    files = {kinds[m.kind]: rel for rel, m in made.items() if m.kind in kinds}
    per = {(d, c): v for d, c, v in s.by_day_carrier}
    per_day = [(line, [per.get((day, c.name)) for c in s.carriers]) for day, line in zip(s.days, s.province)]
    return render("progress_body.html.j2", t=t, words=words, s=s, n=n, pc=pc, charts=charts, files=files,
                  per_day=per_day, below=[d for d in s.districts if d.below], root=root,
                  default_lang=project.default_lang)


def _cached(memo: Memo | None, key: str, make: Callable[[], str], suffix: str = ".html") -> Fill:
    if memo is None:
        return Fill.of(make())
    kept = memo.key("site-part", part=key)  # 8,000 look-ups a build
    found = memo.get(kept)
    chars_key = memo.key("site-part-chars", part=key) if suffix == ".html" else None
    chars = memo.get(chars_key) if chars_key else None
    if found is None or (chars_key and chars is None):
        text = make()
        memo.put(kept, text.encode("utf-8"))
        if chars_key:  # HTML for a slot: its characters go into the font subsets
            memo.put(chars_key, "".join(sorted(set(text))).encode("utf-8"))
        return Fill(key, text=text)
    return Fill(key, kept=(found[0], found[1][0]), kept_chars=(chars[0], chars[1][0]) if chars else None)


def built_page(docs_rel: str) -> str:
    """The page mkdocs makes of a source: `support/x.md` -> `support/x/index.html`."""
    stem = docs_rel.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem + ".html"
    return stem + "/index.html"


def fill_slots(page: str, fills: Mapping[str, Fill], where: str) -> str:
    """Put each slot's HTML into a built page."""
    for marker, fill in fills.items():
        if page.count(marker) != 1:
            raise ValueError(f"{where}: expected one {marker}")
        page = page.replace(marker, fill.html())
    return page


def _doc_link(from_rel: str) -> Callable[[str], str]:
    """Markdown links between generated pages (mkdocs resolves .md links per page)."""
    base = PurePosixPath(from_rel).parent

    def link(target_rel: str) -> str:
        target = PurePosixPath(target_rel)
        rel = target.relative_to(base) if target.is_relative_to(base) else PurePosixPath("..") / target
        return rel.as_posix()
    return link
