"""Build one language with mkdocs into a work folder, then post-process it (search, fonts)."""

from __future__ import annotations

import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Mapping

from markupsafe import Markup

from ..context import collecting
from ..errors import logged_warnings
from ..memo import Memo
from ..model import Project
from . import fonts
from .config import MATERIAL_LANGUAGES, LangBuild, config_text
from .generated import render
from .html import fix_page
from .search import fold_index

log = logging.getLogger("campaign_kit")
REPO = Path(__file__).resolve().parents[2]
BASE_CONFIG = REPO / "mkdocs.yml"
DOCS = REPO / "docs"
THEME_FILES = ("docs/overrides/", "docs/assets/")
"""What `prepare` copies into every language's build, besides the pages."""


def prepare(build: LangBuild, pages: dict[str, str], partial: str | None, config: str) -> None:
    """Lay out the work folder: config, page sources, theme overrides, static assets."""
    if build.work.exists():
        shutil.rmtree(build.work)
    shutil.copytree(DOCS / "overrides", build.overrides)
    if partial is not None:
        target = build.overrides / "partials" / "languages" / f"{build.code}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(partial, encoding="utf-8")
        theme = MATERIAL_LANGUAGES / f"{build.code}.html"
        if theme.is_file():  # the theme's own words, under a name ours does not hide
            shutil.copyfile(theme, target.with_name(f"theme-{build.code}.html"))
    shutil.copytree(DOCS / "assets", build.docs / "assets")
    # The fonts are only known once the pages are built: the site stage writes the real one.
    (build.docs / "assets" / "css" / "generated.css").write_text("", encoding="utf-8")
    for rel, text in pages.items():
        target = build.docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    build.config_file.write_text(config, encoding="utf-8")


def language_partial(build: LangBuild, project: Project) -> str | None:
    """The theme's UI words for the language: its `theme_labels` over the theme's own translation
    (or English where mkdocs-material has none, as for Khmer); None when neither is needed."""
    # Only the language's own labels: another language's would be worse than the theme's words.
    own = project.texts.lang_of(build.code, "theme_labels") == build.code
    labels = project.text(build.code, "theme_labels") if own else {}
    own_theme = (MATERIAL_LANGUAGES / f"{build.code}.html").is_file()
    if own_theme and not labels:
        return None
    fallback = f"partials/languages/theme-{build.code}.html" if own_theme else "partials/languages/en.html"
    return render("language.html.j2", code=build.code, labels=labels, own_theme=own_theme, fallback=fallback)


@contextmanager
def _source_date(epoch: int) -> Iterator[None]:
    """mkdocs dates sitemap.xml(.gz) from SOURCE_DATE_EPOCH: pin it to the newest directive."""
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if old is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old


def run_mkdocs(config_file: Path, epoch: int) -> list[str]:
    """Build; returns mkdocs' warnings (the stage passes them on to `ctx.warn`)."""
    with logged_warnings("mkdocs") as warnings, _source_date(epoch), collecting():
        from mkdocs.commands.build import build as mkdocs_build  # here: a kept build needs no mkdocs
        from mkdocs.config import load_config

        config = load_config(config_file=str(config_file))
        mkdocs_build(config)
    return warnings


@dataclass(frozen=True)
class Built:
    """One language's pages as mkdocs made them (kept in the cache, never modified) and the
    characters they use (for the fonts)."""

    key: str
    files: dict[str, tuple[str, int]]
    """Site-relative path -> sha256 and bytes (each file kept in the memo by its content)."""
    warnings: list[str]
    used: set[str]
    content: set[str]
    """`used` without the language names of the switcher."""
    home: set[str]


def build_language(build: LangBuild, project: Project, site_name: str, nav: list[str], epoch: int,
                   memo: Memo, pages: dict[str, str], sources: Mapping[str, str],
                   synonyms: Mapping[str, str], tagline: str, page_extra: Mapping[str, object]) -> Built:
    """`run_mkdocs` on `pages` (docs-relative path -> Markdown), or its earlier result for the
    very same sources, config and versions (`sources`: `freshness.source_hashes`, which has the
    theme overrides and static assets hashed already).

    Support pages carry only a slot for their store list, so editing a store leaves every mkdocs
    input as it was: a rebuild reuses the last result (8 s a language at 20,000 stores). The
    search index is folded here ("dang ky" finds "đăng ký"), so the kept build is final but for
    its slots and fonts (the site stage adds those). `synonyms`: page URL -> words its index
    entry also answers to (the page's title in the other languages); `tagline`: the meta
    description of a page that has no paragraph of its own; `page_extra`: the templates' `extra`
    values (`config.page_extra`)."""
    config = config_text(BASE_CONFIG, build, project, site_name, nav, page_extra)
    partial = language_partial(build, project)
    key = memo.key("mkdocs", epoch=epoch, base=BASE_CONFIG.read_text(encoding="utf-8"),  # INHERITed
                   config=config, partial=partial,
                   theme=tuple((rel, sha) for rel, sha in sorted(sources.items()) if rel.startswith(THEME_FILES)),
                   pages=tuple(sorted(pages.items())), synonyms=sorted(synonyms.items()), tagline=tagline)
    name = f"mkdocs-{build.code}"
    data = memo.load(name, key)
    # A kept build whose files are not all intact in the memo is made again.
    if not isinstance(data, dict) or not all(memo.check(*known) for known in data["files"].values()):
        log.info("site (%s): mkdocs builds %d pages", build.code, len(nav))
        prepare(build, pages, partial, config)
        warnings = run_mkdocs(build.config_file, epoch)
        fold_index(build.site / "search" / "search_index.json", synonyms)
        for page in sorted(build.site.rglob("*.html")):
            page.write_text(fix_page(page.read_text(encoding="utf-8"), tagline), encoding="utf-8")
        names = tuple(lang.name for lang in project.languages)
        chars = {"used": used_characters(build.site), "content": used_characters(build.site, drop=names),
                 "home": used_characters(build.site, only=build.site / "index.html")}
        files = {path.relative_to(build.site).as_posix(): memo.keep(path)
                 for path in sorted(build.site.rglob("*")) if path.is_file() and path.suffix != ".map"}
        shutil.rmtree(build.work)
        data = {"warnings": warnings, "files": files, **chars}
        memo.save(name, key, data)  # one kept build per language
    else:
        log.info("site (%s): mkdocs sources unchanged, its last build reused", build.code)
    return Built(key, data["files"], data["warnings"], data["used"], data["content"], data["home"])


def used_characters(site: Path, drop: tuple[str, ...] = (), only: Path | None = None) -> set[str]:
    """Every character of the built pages and search index (or of `only`), leaving out `drop`."""
    chars: set[str] = set()
    for path in [only] if only else sorted(site.rglob("*")):
        if path.suffix in (".html", ".json") and path.is_file():
            text = path.read_text(encoding="utf-8")
            for word in drop:
                text = text.replace(word, "")
            chars.update(text)
    return chars


def site_fonts(project: Project, memo: Memo, used: set[str], content: set[str],
               home: set[str]) -> tuple[tuple[fonts.Face, ...], dict[str, bytes]]:
    """A subset face for every script a language's pages use (`content`: its characters without
    the switcher's language names; `home`: its home page's), each keeping the characters of
    `used` (every language's, so that a face is one file for the whole site): the faces and
    their files (file name -> bytes)."""
    # The switcher names every language in its own script on every page: that alone does not call
    # for a face (the phone's own font shows "中文"), or every page would load every script.
    faces = fonts.faces_for(content, home)
    used = used | set("".join(lang.name for lang in project.languages))
    return faces, {face.file: fonts.subset_font(face, used, memo) for face in faces}


def generated_css(project: Project, faces: tuple[fonts.Face, ...], names: Mapping[str, str]) -> bytes:
    """`assets/css/generated.css`: the campaign colours and the faces (`names`: their files)."""
    return render("generated.css.j2", colours=project.campaign.colours, family_stack=Markup(fonts.FAMILY_STACK),
                  font_css=fonts.font_css(faces, "../fonts/", names)).encode("utf-8")


GENERATED_CSS = "assets/css/generated.css"
