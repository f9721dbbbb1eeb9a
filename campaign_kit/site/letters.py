"""From letters to files: which of this build's files answer each measure of the letters in force.

A measure names its outputs with selectors (`poster`, `poster:poster-a4`, `message:zalo`,
`form:installs`, `store-banner`, `page:faq`; see `model.Selector`). They are resolved here against
what the stages made (`artifacts.Artifact`: kind, format, lang, message, form, ...), to
general files only: a store's own banner and card are 20,000 files in a national build, so
`store-banner`/`store-card` resolve to the per-carrier bundles and the support-points page.

Pure (no I/O): the site's "From letters to files" and Downloads pages use it, and the bundles
stage can use it to say in a README which letter each file answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Collection, Iterable, Mapping

from ..artifacts import Artifact, Files
from ..model import AUDIENCES, NATIONAL, Audience, Directive, Measure, Project
from ..publish.labels import kit_words

GENERAL_KINDS = ("poster", "leaflet", "standee", "screen", "clip", "audio", "message", "form", "bundle")
"""Manifest kinds of the general downloads (not per store), in the order the site lists them."""
STORE_KINDS = ("store-banner", "store-card")
PAGE = "page"
SUPPORT_PAGE = "support"
"""The site page that lists every store with its own banner and card."""
NAMED_BY = {"poster": "format", "leaflet": "format", "standee": "format", "screen": "format",
            "store-banner": "format", "store-card": "format", "message": "message", "form": "form",
            "clip": "format", "audio": "lang"}
"""Which manifest field a selector's name (`poster:<name>`) is matched against."""


@dataclass(frozen=True)
class Answer:
    """One measure of one letter, and what this build has for it."""

    directive: Directive
    measure: Measure
    files: tuple[str, ...]
    """Output paths of the general files that answer it, in manifest-kind order, each once."""
    pages: tuple[str, ...]
    """Site pages that answer it (`support`, `faq`, `index`), in the order the measure names them."""
    unmet: tuple[str, ...]
    """Selectors this build has nothing for (a form no letter of the kit asks for, store banners
    while no letter makes the stores support points)."""

    @property
    def produced(self) -> bool:
        """Does the kit make anything for it?"""
        return bool(self.files or self.pages)


def letters(project: Project) -> list[Directive]:
    """The letters in force, national ones first (the order of authority an official reads them
    in), then the province's; newest first within each."""
    in_force = [d for d in project.directives if d.in_force]
    return sorted(in_force, key=lambda d: (d.scope != NATIONAL, _newest_first(d)))


def _newest_first(d: Directive) -> tuple[int, int, int, str]:
    year, month, day, number = d.sort_key
    return (-year, -month, -day, number)


def general_files(made: Files) -> dict[str, list[str]]:
    """Kind -> the output paths of its general files (sorted); the store kinds -> their files too
    (only whether there are any matters here). One pass over a manifest of 60,000 files."""
    found: dict[str, list[str]] = {kind: [] for kind in GENERAL_KINDS + STORE_KINDS}
    for rel, m in made.items():
        if m.kind in found and (m.kind in STORE_KINDS or not m.store_id):
            found[m.kind].append(rel)
    for paths in found.values():
        paths.sort()
    return found


def form_file(form_id: str) -> str:
    """A form id (`installs`) -> the file stem the forms stage writes and names in the manifest."""
    words = kit_words().forms.get(form_id)
    return words.file if words else form_id


def _matches(selector: str, m: Artifact) -> bool:
    kind, _, name = selector.partition(":")
    if m.kind != kind:
        return False
    if not name:
        return True
    if kind == "form":
        return m.form == form_file(name)
    if kind == "bundle":  # `bundle:carrier` or a bundle's own name (`bundle:man-hinh`)
        return m.audience == name or PurePosixPath(m.path).stem == name
    return bool(getattr(m, NAMED_BY.get(kind, "format")) == name)


def resolve(selector: str, made: Files, files: Mapping[str, list[str]],
            site_pages: Collection[str] | None = None) -> tuple[list[str], list[str]]:
    """A selector -> (general files, site pages) of this build; both empty when it has none.
    `files`: `general_files(made)`; `site_pages`: the pages the site has (None: any page)."""
    kind, _, name = selector.partition(":")
    if kind == PAGE:
        return [], [name] if site_pages is None or name in site_pages else []
    if kind in STORE_KINDS:
        # Any store file of that kind (and format) in this build: the carriers' bundles hold them,
        # the support-points page lists each store with its own.
        if not any(_matches(selector, made[rel]) for rel in files[kind]):
            return [], []
        bundles = [rel for rel in files["bundle"] if made[rel].audience == "carrier"]
        has_page = site_pages is None or SUPPORT_PAGE in site_pages
        return bundles, [SUPPORT_PAGE] if has_page else []
    return [rel for rel in files.get(kind, ()) if _matches(selector, made[rel])], []


def answers(project: Project, made: Files,
            site_pages: Collection[str] | None = None) -> list[Answer]:
    """Every measure of every letter in force (in `letters` order) with the files and pages of
    this build that answer it."""
    files = general_files(made)
    order = {kind: i for i, kind in enumerate(GENERAL_KINDS)}
    result = []
    for directive in letters(project):
        for measure in directive.measures:
            found: dict[str, None] = {}  # ordered sets
            pages: dict[str, None] = {}
            unmet = []
            for selector in measure.outputs:
                paths, names = resolve(selector, made, files, site_pages)
                if not paths and not names:
                    unmet.append(selector)
                found.update(dict.fromkeys(paths))
                pages.update(dict.fromkeys(names))
            ordered = sorted(found, key=lambda rel: (order.get(made[rel].kind, len(order)), rel))
            result.append(Answer(directive, measure, tuple(ordered), tuple(pages), tuple(unmet)))
    return result


def measures_answered(project: Project, files: Iterable[str], made: Files) -> list[tuple[Directive, int, Measure]]:
    """The measures (letter, number in the letter, measure) that some of `files` answer, in
    `letters` order: what a bundle's README says its files are for."""
    found = [made[rel] for rel in files if rel in made]
    return [(directive, number, measure) for directive in letters(project)
            for number, measure in enumerate(directive.measures, start=1)
            if any(_matches(selector, m) for selector in measure.outputs for m in found)]


def by_audience(found: Iterable[Answer]) -> dict[Audience, tuple[list[str], list[str]]]:
    """Audience (in `AUDIENCES` order, only those a measure names) -> the files and the pages
    its measures name, each once."""
    files: dict[Audience, dict[str, None]] = {}
    pages: dict[Audience, dict[str, None]] = {}
    for answer in found:
        files.setdefault(answer.measure.audience, {}).update(dict.fromkeys(answer.files))
        pages.setdefault(answer.measure.audience, {}).update(dict.fromkeys(answer.pages))
    return {a: (list(files[a]), list(pages[a])) for a in AUDIENCES if a in files}
