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
from pathlib import Path

import PIL
from markupsafe import Markup

from ..artifacts import Made
from ..context import BuildContext
from ..errors import BuildError
from ..memo import read_checked
from ..model import Language, Project
from ..site import fonts
from ..site.build import DOCS, GENERATED_CSS, Built, build_language, site_fonts
from ..site.config import LangBuild
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
from ..site.sources import PageSource, load_page, page_names, page_title, store_links
from ..site.texts import SiteTexts
from ..site.thumbs import Thumb, cached_thumb, thumb_path

log = logging.getLogger("campaign_kit")


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
    for lang in ctx.project.languages:
        _build_language(ctx, made, lang, names, epoch, work_root, stores, items, found)
    shutil.rmtree(work_root, ignore_errors=True)
    _write_go_pages(ctx)


def _build_language(ctx: BuildContext, made: Made, lang: Language, names: list[str], epoch: int, work_root: Path,
                    stores: Directory, items: list[Download], found: list[Answer]) -> None:
    """Sources and generated pages -> mkdocs (or its kept build) -> store lists and other slots,
    fonts, embed card -> the output."""
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
                           {f"{s.name}.md": s.markdown for s in sources} | generated.pages, ctx.sources)
    for message in built.warnings:
        ctx.warn(f"site ({lang.code}): mkdocs: {message}")
    slots = {built_page(docs_rel): fills for docs_rel, fills in generated.slots.items()}
    for rel, known in built.files.items():
        if rel in slots:
            _link_filled(ctx, built, rel, prefix, lang.code, slots[rel])
        elif rel != GENERATED_CSS:
            _link(ctx, prefix + rel, ctx.memo.content_path(known[0]), lang.code, known)
    # The pages' characters: mkdocs' pages and search index (known with its build), the slots.
    added = set().union(*(fill.chars() for fills in generated.slots.values() for fill in fills.values()))
    faces, files = site_fonts(project, ctx.memo, built.used | added, built.content | added, built.home)
    files["embed/index.html"] = _embed(ctx, build, t, faces).encode("utf-8")
    for rel, data in files.items():
        ctx.out.write_bytes(prefix + rel, data, _kind(rel), lang=lang.code)
    _report_coverage(ctx, lang.code, [s.name for s in sources if not s.translated], t.missing(), len(names))


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
        source, known, width, height = cached_thumb(ctx.memo, ctx.out.digest(preview)[0],
                                             lambda: (ctx.out.root / preview).read_bytes())
    except (OSError, PIL.UnidentifiedImageError) as exc:
        ctx.warn(f"site: no thumbnail of {preview}: {exc}")
        return None
    rel = thumb_path(preview)
    _link(ctx, rel, source, None, known)
    return Thumb(rel, width, height)


def _link_filled(ctx: BuildContext, built: Built, rel: str, prefix: str, lang: str,
                 fills: dict[str, Fill]) -> None:
    """A built page with its slots filled in, kept in the cache under a key of the kept build and
    the fills: a page whose store list did not change is linked, not made again."""
    key = ctx.memo.key("filled-page", build=built.key, page=rel,
                       fills=tuple((marker, fill.key) for marker, fill in sorted(fills.items())))
    _check_owner(ctx, prefix + rel)

    def make() -> bytes:
        sha256 = built.files[rel][0]
        text = read_checked(ctx.memo.content_path(sha256), sha256).decode("utf-8")
        return fill_slots(text, fills, f"{prefix}{rel}").encode("utf-8")
    ctx.memo.link(ctx.out, prefix + rel, key, make, "page", lang=lang)


def _link(ctx: BuildContext, rel: str, source: Path | str, lang: str | None,
          known: tuple[str, int] | None) -> None:
    _check_owner(ctx, rel)
    ctx.out.link(rel, source, _kind(rel), sha256=known, keyed=True, lang=lang)


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


def _embed(ctx: BuildContext, build: LangBuild, t: SiteTexts, faces: tuple[fonts.Face, ...]) -> str:
    """The compact install card agencies put in an iframe (`<lang>/embed/`): no theme, no JS."""
    return render("embed.html.j2", t=t, lang=build.code, colours=ctx.project.campaign.colours,
                  font_css=Markup(fonts.font_css(faces, "../assets/fonts/")),
                  guide_href="../", **store_links(ctx.project))


def _write_go_pages(ctx: BuildContext) -> None:
    """`go/` and `go/<store>/`: the QR landing pages that hand the phone to its app store."""
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
                         "sample": project.text(lang.code, "sample_notice")} for lang in project.languages}

    def guides(up: str) -> dict[str, str]:
        return {lang.code: up + ("" if lang.code == project.default_lang else f"{lang.code}/")
                for lang in project.languages}

    languages = [(lang.code, lang.name) for lang in project.languages]
    common = dict(texts=texts, default_lang=project.default_lang, languages=languages,
                  colours=project.campaign.colours,
                  sample=project.campaign.sample_stores,
                  **store_links(project))
    ctx.out.write_text("go/index.html", render("go.html.j2", store=None, guides=guides("../"),
                                               guide_href="../", **common), "page")
    # A store's page is kept in the cache under a key of everything it shows: a rebuild renders
    # only the pages of stores that changed (20,000 renders take 10 s).
    shared = ctx.memo.key("go-pages", common=sorted(common.items()), guides=guides("../../"))
    seen: dict[str, str] = {}
    for store in ctx.progress(project.stores, "site: go pages"):
        if store.slug in seen:
            raise BuildError(f"site: stores {seen[store.slug]} and {store.store_id} share the go page "
                             f"go/{store.slug}/")
        seen[store.slug] = store.store_id
        rel = f"go/{store.slug}/index.html"
        ctx.memo.link(ctx.out, rel, ctx.memo.key("go-page", pages=shared, row=store.row_key),
                      lambda: render("go.html.j2", store=store, guides=guides("../../"), guide_href="../../",
                                     **common).encode("utf-8"),
                      "page", store_id=store.store_id)
