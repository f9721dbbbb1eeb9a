"""Stage 'site': the multilingual install guide, its go pages for QR codes and the embed card.

One mkdocs build per language (Vietnamese at the output root, the others under `<code>/`), from
the hand-written pages in `docs/<lang>/` (falling back to Vietnamese, visibly) and pages made from
materials and from the earlier stages' outputs. See the README (Decisions) for why.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import PIL
from markupsafe import Markup

from ..artifacts import Made
from ..context import BuildContext
from ..errors import BuildError
from ..memo import read_checked
from ..model import Language, Project
from ..site import fonts
from ..site.assets import TWINS, Shared, compress, rewrite, worth_compressing
from ..site.build import DOCS, GENERATED_CSS, Built, build_language, generated_css, site_fonts
from ..site.config import LangBuild
from ..site.favicon import favicon_ico, favicon_png
from ..site.generated import (
    Directory,
    Fill,
    built_page,
    directory,
    fill_slots,
    generated_pages,
    generated_titles,
    render,
    site_pages,
)
from ..site.items import Download, downloads, format_titles, group_items
from ..site.letters import Answer, answers
from ..site.search import synonyms
from ..site.sources import PageSource, load_page, page_names, page_title, store_links
from ..site.texts import SiteTexts
from ..site.thumbs import Thumb, cached_thumb, thumb_path

log = logging.getLogger("campaign_kit")
FAVICON = "assets/images/favicon.png"


def run(ctx: BuildContext, made: Made) -> None:
    names = page_names(DOCS, ctx.project.default_lang)
    epoch = _source_epoch(ctx)
    work_root = ctx.cache / "site-work"
    stores = directory(ctx.project, made.files)
    files = downloads(made.files, ctx.out.root, ctx.out.digest, format_titles(ctx.project),
                      ctx.project.default_lang)
    # Thumbnails of the previews some language's Downloads page shows (an item shows one).
    shown = {item.preview for lang in ctx.project.languages
             for item in group_items(files, ctx.project, lang.code)}
    items = _with_thumbs(ctx, files, shown)
    # Which files answer each measure: the same in every language (the pages are the default
    # language's, which every language has, translated or not).
    found = answers(ctx.project, made.files, site_pages(names, made.changes))
    titles = _all_titles(ctx.project, names)
    langs = [_build_language(ctx, made, lang, names, epoch, work_root, stores, items, found, titles)
             for lang in ctx.project.languages]
    shutil.rmtree(work_root, ignore_errors=True)
    shared = _share_assets(ctx, langs)
    for one in langs:
        _link_language(ctx, one, shared)
    _write_shared(ctx, shared)
    ctx.out.write_bytes("favicon.ico", favicon_ico(ctx.project.campaign.colours.primary), "asset")
    _write_go_pages(ctx)


@dataclass(frozen=True)
class _Lang:
    """One language's kept mkdocs build and what the site stage adds to it."""

    build: LangBuild
    built: Built
    t: SiteTexts
    slots: dict[str, dict[str, Fill]]
    added: set[str]
    """The characters of the slots' fills (for the fonts)."""


def _build_language(ctx: BuildContext, made: Made, lang: Language, names: list[str], epoch: int, work_root: Path,
                    stores: Directory, items: list[Download], found: list[Answer],
                    titles: dict[str, list[str]]) -> _Lang:
    """Sources and generated pages -> mkdocs (or its kept build); the stage links it later, once
    every language's theme files and fonts are shared."""
    project = ctx.project
    prefix = "" if lang.code == project.default_lang else f"{lang.code}/"
    build = LangBuild(lang, prefix, work_root / lang.code)
    t = SiteTexts(project, lang.code)
    sources = [load_page(DOCS, project, lang.code, n, t("fallback_notice")) for n in names]
    generated = generated_pages(project, lang.code, prefix, made.files, ctx.out.root, ctx.out.digest,
                                ctx.memo, stores, items, found, _titles(project, lang.code, sources), made.changes)
    nav = [f"{n}.md" for n in names] + [p for p in ("support/index.md", "directives.md", "measures.md",
                                                     "downloads.md", "changes.md") if p in generated.pages]
    built = build_language(build, project, t("site_name"), nav, epoch, ctx.memo,
                           {f"{s.name}.md": s.markdown for s in sources} | generated.pages, ctx.sources,
                           synonyms(titles), t("tagline"), _not_found(project, t, prefix, names))
    for message in built.warnings:
        ctx.warn(f"site ({lang.code}): mkdocs: {message}")
    slots = {built_page(docs_rel): fills for docs_rel, fills in generated.slots.items()}
    added: set[str] = set().union(*(fill.chars() for fills in generated.slots.values()
                                    for fill in fills.values()))
    _report_coverage(ctx, lang.code, [s.name for s in sources if not s.translated], t.missing(), len(names))
    return _Lang(build, built, t, slots, added)


def _all_titles(project: Project, names: list[str]) -> dict[str, list[str]]:
    """Each page's URL (as the search index locates it) -> its titles in every language."""
    result: dict[str, list[str]] = {}
    for lang in project.languages:
        sources = [load_page(DOCS, project, lang.code, n, "") for n in names]
        for name, (title, _) in _titles(project, lang.code, sources).items():
            result.setdefault("" if name == "index" else f"{name}/", []).append(title)
    return result


def _not_found(project: Project, t: SiteTexts, prefix: str, names: list[str]) -> dict[str, object]:
    """The 404 page's words and links (from the host's root: it is served at any address)."""
    root = (urlsplit(project.campaign.site_url).path or "/")
    home = root + prefix
    first = next((n for n in names if n != "index"), None)
    return {"not_found": {"title": t("not_found_title"), "text": t("not_found_text"),
                          "steps_title": t("not_found_steps"), "steps": list(t("steps")),
                          "install": t("install_button"), "home": home, "home_label": t("not_found_home"),
                          "search_action": home + (f"{first}/" if first else ""), "go_path": root + "go/"}}


def _share_assets(ctx: BuildContext, langs: list[_Lang]) -> Shared:
    """Every language's theme files, fonts and generated.css, once each under the root's
    `assets/` (content-hashed names); the fonts keep every language's characters, so a face is
    one file for the whole site."""
    project = ctx.project
    shared = Shared()
    icon = ctx.memo.keep(favicon_png(project.campaign.colours.primary))
    used = set().union(*(one.built.used | one.added for one in langs))
    for one in langs:
        prefix = one.build.prefix
        shared.add_theme(prefix, {rel: known for rel, known in one.built.files.items()
                                  if rel not in (GENERATED_CSS, FAVICON)})
        shared.add(prefix, FAVICON, icon)
        faces, fonts_made = site_fonts(project, ctx.memo, used, one.built.content | one.added,
                                       one.built.home | one.added)
        names = {}
        for file, data in fonts_made.items():
            target = shared.add(prefix, f"assets/fonts/{file}", ctx.memo.keep(data))
            names[file] = target.rpartition("/")[2]
        shared.add(prefix, GENERATED_CSS, ctx.memo.keep(generated_css(project, faces, names)))
        shared.faces[prefix] = (faces, names)
    return shared


def _link_language(ctx: BuildContext, one: _Lang, shared: Shared) -> None:
    """One language's pages (slots filled, asset URLs pointing at the shared files), search index
    and sitemap, and its embed card."""
    prefix, lang = one.build.prefix, one.build.code
    moved = shared.moved[prefix]
    site_path = urlsplit(ctx.project.campaign.site_url).path or "/"
    mapping = ctx.memo.key("asset-urls", moved=sorted(moved.items()), site_path=site_path)
    for rel, known in one.built.files.items():
        if rel.startswith("assets/"):
            continue  # shared: `_write_shared`
        if rel.endswith(".html"):
            _link_page(ctx, one.built, rel, prefix, lang, one.slots.get(rel, {}), moved, site_path, mapping)
        else:
            _link(ctx, prefix + rel, lang, known)
            _twins(ctx, prefix + rel, known, lang)
    faces, names = shared.faces[prefix]
    up = "../" * (prefix.count("/") + 1)
    ctx.out.write_bytes(prefix + "embed/index.html", _embed(ctx, one.build, one.t, faces, up, names, moved),
                        "page", lang=lang)


def _write_shared(ctx: BuildContext, shared: Shared) -> None:
    for rel, known in sorted(shared.files.items()):
        _link(ctx, rel, None, known)
        _twins(ctx, rel, known, None)


def _twins(ctx: BuildContext, rel: str, known: tuple[str, int], lang: str | None) -> None:
    """The `.gz` and `.br` files beside a text file (kept by its content: made once)."""
    if not worth_compressing(rel, known[1]):
        return
    for suffix in TWINS:
        def make(suffix: str = suffix) -> bytes:
            return compress(suffix, read_checked(ctx.memo.content_path(known[0]), known[0]))
        ctx.memo.link(ctx.out, rel + suffix, ctx.memo.key("precompressed", sha256=known[0], suffix=suffix),
                      make, "asset", lang=lang)


def _titles(project: Project, lang: str, sources: list[PageSource]) -> dict[str, tuple[str, str]]:
    """Every page's title in `lang` and the language it is in (a fallback page's is Vietnamese)."""
    own = {s.name: (page_title(s), lang if s.translated else project.default_lang) for s in sources}
    return generated_titles(project, lang) | own


def _with_thumbs(ctx: BuildContext, items: list[Download], shown: set[str | None]) -> list[Download]:
    """Each download whose preview is `shown` with a small thumbnail of it (`downloads/thumbs/`)."""
    made: dict[str, Thumb | None] = {}  # a preview shared by several files is done once
    result = []
    for item in items:
        if item.preview is None or item.preview not in shown:
            result.append(item)
            continue
        if item.preview not in made:
            made[item.preview] = _thumb(ctx, item.preview)
        result.append(dataclasses.replace(item, thumb=made[item.preview]))
    return result


def _thumb(ctx: BuildContext, preview: str) -> Thumb | None:
    """Made once per preview content and kept in the cache; None for a preview that is no image
    (the page then shows the preview itself, as before)."""
    try:
        _source, known, width, height = cached_thumb(ctx.memo, ctx.out.digest(preview)[0],
                                             lambda: (ctx.out.root / preview).read_bytes())
    except (OSError, PIL.UnidentifiedImageError) as exc:
        ctx.warn(f"site: no thumbnail of {preview}: {exc}")
        return None
    rel = thumb_path(preview)
    _link(ctx, rel, None, known)
    return Thumb(rel, width, height)


def _link_page(ctx: BuildContext, built: Built, rel: str, prefix: str, lang: str, fills: dict[str, Fill],
               moved: dict[str, str], site_path: str, mapping: str) -> None:
    """A built page with its slots filled in and its asset URLs pointing at the shared files,
    kept in the cache under a key of the kept build, the fills and the asset names: a page
    whose store list and assets did not change is linked, not made again."""
    key = ctx.memo.key("site-page", build=built.key, page=rel, assets=mapping,
                       fills=tuple((marker, fill.key) for marker, fill in sorted(fills.items())))
    _check_owner(ctx, prefix + rel)

    def make() -> bytes:
        sha256 = built.files[rel][0]
        text = read_checked(ctx.memo.content_path(sha256), sha256).decode("utf-8")
        if fills:
            text = fill_slots(text, fills, f"{prefix}{rel}")
        return rewrite(text, prefix + rel, prefix, site_path, moved).encode("utf-8")
    ctx.memo.link(ctx.out, prefix + rel, key, make, "page", lang=lang)


def _link(ctx: BuildContext, rel: str, lang: str | None, known: tuple[str, int]) -> None:
    _check_owner(ctx, rel)
    ctx.out.link(rel, known, _kind(rel), lang=lang)


def _check_owner(ctx: BuildContext, rel: str) -> None:
    owner = ctx.out.made.get(rel)
    if owner and owner.stage != "site":
        raise BuildError(f"site: {rel} is already written by stage {owner.stage}")


def _kind(rel: str) -> str:
    return "page" if rel.endswith(".html") else "asset"


def _source_epoch(ctx: BuildContext) -> int:
    """The newest directive's date: stable across builds, and moves when content does."""
    newest = max((d.date for d in ctx.project.directives), default=dt.date(2020, 1, 1))
    return int(dt.datetime.combine(newest, dt.time(), dt.timezone.utc).timestamp())


def _report_coverage(ctx: BuildContext, lang: str, missing_pages: list[str], missing_texts: list[str],
                     total: int) -> None:
    log.info("site: %s has %d/%d pages translated, %d site text(s) missing", lang,
             total - len(missing_pages), total, len(missing_texts))
    for name in missing_pages:
        ctx.warn(f"site: docs/{lang}/{name}.md is missing; showing the {ctx.project.default_lang} page")
    for key in missing_texts:
        ctx.warn(f"site: text '{key}' has no {lang} translation; showing {ctx.project.default_lang}")


def _embed(ctx: BuildContext, build: LangBuild, t: SiteTexts, faces: tuple[fonts.Face, ...], up: str,
           names: dict[str, str], moved: dict[str, str]) -> bytes:
    """The compact install card agencies put in an iframe (`<lang>/embed/`): no theme; one small
    script tells the host page its height (the snippet on /agencies/ sizes the iframe with it)."""
    return render("embed.html.j2", t=t, lang=build.code, colours=ctx.project.campaign.colours,
                  font_css=Markup(fonts.font_css(faces, up + "assets/fonts/", names)),
                  family_stack=Markup(fonts.FAMILY_STACK), icon=up + moved[FAVICON], guide_href="../", **store_links(ctx.project)).encode("utf-8")


def _write_go_pages(ctx: BuildContext) -> None:
    """`go/`, `go/<code>/` and `go/<store>/`: the QR landing pages that hand the phone to its app
    store (`<code>`: the store's short code, `Project.short_links`)."""
    project = ctx.project
    texts = {lang.code: {"title": project.text(lang.code, "go_title"),
                         "intro": project.text(lang.code, "go_intro"),
                         "scanned_at": project.text(lang.code, "go_scanned_at"),
                         "android": project.text(lang.code, "go_android"),
                         "ios": project.text(lang.code, "go_ios"),
                         "guide": project.text(lang.code, "go_guide"),
                         "opening": project.text(lang.code, "go_opening"),
                         "stay": project.text(lang.code, "go_stay"),
                         "language": project.text(lang.code, "go_language"),
                         "android_other": project.text(lang.code, "go_android_other"),
                         "no_play": project.text(lang.code, "go_no_play"),
                         "sample": project.text(lang.code, "sample_notice")} for lang in project.languages}

    def guides(up: str) -> dict[str, str]:
        return {lang.code: up + ("" if lang.code == project.default_lang else f"{lang.code}/")
                for lang in project.languages}

    languages = [(lang.code, lang.name) for lang in project.languages]
    common = dict(texts=texts, default_lang=project.default_lang, languages=languages,
                  colours=project.campaign.colours,
                  sample=project.campaign.sample_stores,
                  download_url=project.settings.android_download_url or project.settings.official_site,
                  **store_links(project))
    ctx.out.write_text("go/index.html", render("go.html.j2", store=None, guides=guides("../"),
                                               guide_href="../", icon_href="../favicon.ico", **common), "page")
    # A mistyped store link (`go/<unknown>/`): the host serves this page (README: nginx, Apache),
    # at that address, so its links start at the host's root. It still sends the phone to its store.
    root = urlsplit(project.campaign.site_url).path or "/"
    ctx.out.write_text("go/404.html", render("go.html.j2", store=None, guides=guides(root), guide_href=root,
                                             icon_href=root + "favicon.ico", **common), "page")
    # A store's page is kept in the cache under a key of everything it shows: a rebuild renders
    # only the pages of stores that changed (20,000 renders take 10 s).
    common["icon_href"] = "../../favicon.ico"
    shared = ctx.memo.key("go-pages", common=sorted(common.items()), guides=guides("../../"))
    # Each store's page is at its short code (what its QR code and printed link carry) and at its
    # slug (the link printed before short codes): the same bytes, one memo entry, two hard links.
    links = project.short_links
    owner = {code: store_id for store_id, code in links.codes.items()}
    for store in ctx.progress(project.stores, "site: go pages"):
        key = ctx.memo.key("go-page", pages=shared, row=store.row_key)
        names = [links.codes[store.store_id]]
        if store.slug not in owner:
            names.append(store.slug)
        else:  # a code is printed from now on, a slug only before: the code keeps the page
            ctx.warn(f"site: store {store.store_id}'s old link go/{store.slug}/ is store "
                     f"{owner[store.slug]}'s short code now: reprint {store.store_id}'s banner and card")
        for name in names:
            ctx.memo.link(ctx.out, f"go/{name}/index.html", key,
                          lambda: render("go.html.j2", store=store, guides=guides("../../"), guide_href="../../",
                                         **common).encode("utf-8"),
                          "page", store_id=store.store_id)
    # A code two stores' codes grew out of (`ShortLinks.retired`) may be printed already: it opens
    # the campaign's page, which sends the phone to its app store all the same.
    for name in sorted(links.retired - {store.slug for store in project.stores}):
        ctx.out.write_text(f"go/{name}/index.html", render("go.html.j2", store=None, guides=guides("../../"),
                                                          guide_href="../../", **common), "page")
