"""Build one language with mkdocs into a work folder, then post-process it (search, fonts)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from mkdocs.commands.build import build as mkdocs_build
from mkdocs.config import load_config

from ..cache import code_version, content_key
from ..errors import logged_warnings
from ..model import Project
from . import fonts
from .config import LangBuild, needs_language_partial, write_config
from .generated import render

log = logging.getLogger("campaign_kit")
REPO = Path(__file__).resolve().parents[2]
BASE_CONFIG = REPO / "mkdocs.yml"
DOCS = REPO / "docs"


def prepare(build: LangBuild, project: Project, pages: dict[str, str]) -> None:
    """Lay out the work folder: page sources, theme overrides, static and generated assets."""
    if build.work.exists():
        shutil.rmtree(build.work)
    shutil.copytree(DOCS / "overrides", build.overrides)
    if needs_language_partial(build.code):
        target = build.overrides / "partials" / "languages" / f"{build.code}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        # Only the language's own labels: another language's would be worse than the theme's English.
        own = project.texts.lang_of(build.code, "theme_labels") == build.code
        labels = project.text(build.code, "theme_labels") if own else {}
        target.write_text(render("language.html.j2", code=build.code, labels=labels), encoding="utf-8")
    shutil.copytree(DOCS / "assets", build.docs / "assets")
    # The fonts are only known once the pages are built: write_fonts() fills this in.
    (build.docs / "assets" / "css" / "generated.css").write_text("", encoding="utf-8")
    for rel, text in pages.items():
        target = build.docs / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


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
    with logged_warnings("mkdocs") as warnings, _source_date(epoch):
        config = load_config(config_file=str(config_file))
        mkdocs_build(config)
    return warnings


@dataclass(frozen=True)
class Built:
    """One language's pages as mkdocs made them, and the characters they use (for the fonts)."""

    warnings: list[str]
    used: set[str]
    content: set[str]
    """`used` without the language names of the switcher."""
    home: set[str]


def build_language(build: LangBuild, project: Project, site_name: str, nav: list[str], epoch: int,
                   cache: Path) -> Built:
    """`run_mkdocs`, or its earlier result for the very same sources, config and versions.

    Support pages carry only a slot for their store list, so editing a store leaves every mkdocs
    input as it was: a rebuild copies the last result (0.2 s) instead of building (8 s a language
    at 20,000 stores)."""
    config_file = write_config(BASE_CONFIG, build, project, site_name, nav)
    key = content_key(code_version(), str(epoch), BASE_CONFIG.read_text(encoding="utf-8"),  # INHERITed
                      *_tree(build.work, skip=build.site))
    stored = cache / "site-mkdocs" / build.code / key
    if not (stored / "built.json").is_file():
        log.info("site (%s): mkdocs builds %d pages", build.code, len(nav))
        warnings = run_mkdocs(config_file, epoch)
        names = tuple(lang.name for lang in project.languages)
        built = Built(warnings, used_characters(build.site), used_characters(build.site, drop=names),
                      used_characters(build.site, only=build.site / "index.html"))
        if stored.parent.exists():
            shutil.rmtree(stored.parent)  # one result per language is enough to keep
        temp = stored.with_name(key + ".part")
        shutil.copytree(build.site, temp / "site")
        (temp / "built.json").write_text(json.dumps(
            {"warnings": warnings, **{k: "".join(sorted(getattr(built, k))) for k in ("used", "content", "home")}},
            ensure_ascii=False), encoding="utf-8")
        os.replace(temp, stored)
        return built
    log.info("site (%s): mkdocs sources unchanged, its last build reused", build.code)
    if build.site.exists():
        shutil.rmtree(build.site)
    shutil.copytree(stored / "site", build.site)
    data = json.loads((stored / "built.json").read_text(encoding="utf-8"))
    return Built(data["warnings"], set(data["used"]), set(data["content"]), set(data["home"]))


def _tree(root: Path, skip: Path) -> Iterator[str]:
    """Path and sha256 of every file under `root` except under `skip`."""
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_relative_to(skip):
            yield f"{path.relative_to(root).as_posix()}\0{hashlib.sha256(path.read_bytes()).hexdigest()}"


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


def write_fonts(build: LangBuild, project: Project, cache: Path, used: set[str], content: set[str],
                home: set[str]) -> tuple[fonts.Face, ...]:
    """Subset a face for every script the built pages use (`used`: every character; `content`:
    the same without the switcher's language names; `home`: the home page's); write the
    stylesheet declaring them."""
    # The switcher names every language in its own script on every page: that alone does not call
    # for a face (the phone's own font shows "中文"), or every page would load every script.
    faces = fonts.faces_for(content, home)
    used = used | set("".join(lang.name for lang in project.languages))
    target = build.site / "assets" / "fonts"
    target.mkdir(parents=True, exist_ok=True)
    for face in faces:
        (target / face.file).write_bytes(fonts.subset_font(face, used, cache))
    (build.site / "assets" / "css" / "generated.css").write_text(
        render("generated.css.j2", colours=project.campaign.colours,
               font_css=fonts.font_css(faces, "../fonts/")),
        encoding="utf-8")
    return faces
