"""Theme assets shared by every language, at one content-hashed URL each, with precompressed twins.

Each language is its own mkdocs build, and each wrote its own copy of the theme (CSS, script,
search worker, fonts): a reader switching language downloaded 341 KB again. The site stage keeps
one copy under the site root's `assets/`, every file's name carrying its content hash (mkdocs-
material's own `main.<hash>.min.css` keep theirs; the search worker and its lunr files, which it
loads by fixed names relative to itself, share one hashed folder), and rewrites each page's asset
URLs to it. A host can then cache `assets/` for a year (README: nginx, Apache).
"""

from __future__ import annotations

import gzip
import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from typing import Mapping

import brotli  # with fonttools[woff] (woff2) already

from .fonts import Face

_MATERIAL_HASHED = re.compile(r"\.[0-9a-f]{8}(\.min)?\.(js|css)$")
_SEARCH = ("assets/javascripts/workers/", "assets/javascripts/lunr/")
_REF = re.compile(r"""(?P<q>["'(])(?P<ref>(?:\.\./)*|/(?:[^"'()\s<>]*/)?)assets/(?P<rest>[^"'()\s<>?#]+)""")
COMPRESSIBLE = (".css", ".js", ".json", ".svg", ".txt")
"""Text assets (pages are left to the host's on-the-fly compression; mkdocs gzips sitemap.xml)."""
MIN_COMPRESS = 1024
"""Smaller files are sent as they are (nginx's gzip_min_length is 20 bytes; below 1 KB the
headers cost more than compression saves)."""


def short_hash(data_sha256: str) -> str:
    return data_sha256[:10]


def hashed_name(rel: str, sha256: str) -> str:
    """`assets/css/site.css` -> `assets/css/site.<hash>.css`; a name the theme hashed stays."""
    if _MATERIAL_HASHED.search(rel):
        return rel
    head, dot, ext = rel.rpartition(".")
    return f"{head}.{short_hash(sha256)}.{ext}" if dot and "/" not in ext else f"{rel}.{short_hash(sha256)}"


@dataclass
class Shared:
    """The shared files (site-relative path -> sha256 and size of the content) and, per language
    prefix, where each of its `assets/...` files went."""

    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    moved: dict[str, dict[str, str]] = field(default_factory=dict)
    """Language prefix -> its asset path (`assets/css/site.css`) -> the shared path."""
    faces: dict[str, tuple[tuple[Face, ...], dict[str, str]]] = field(default_factory=dict)
    """Language prefix -> its font faces and their files' hashed names."""

    def add_theme(self, prefix: str, built: Mapping[str, tuple[str, int]]) -> None:
        """One language's theme files (`assets/...` of its mkdocs build)."""
        mine = self.moved.setdefault(prefix, {})
        theme = {rel: known for rel, known in built.items() if rel.startswith("assets/")}
        search = sorted((rel, known[0]) for rel, known in theme.items() if rel.startswith(_SEARCH))
        folder = hashlib.sha256(repr(search).encode()).hexdigest()
        for rel, known in sorted(theme.items()):
            if rel.startswith(_SEARCH):
                # The worker imports `../lunr/min/lunr.<lang>.min.js`: the folder is hashed, not the names.
                target = f"assets/javascripts/search.{short_hash(folder)}/{rel[len('assets/javascripts/'):]}"
            else:
                target = hashed_name(rel, known[0])
            self.files[target] = known
            mine[rel] = target

    def add(self, prefix: str, rel: str, known: tuple[str, int]) -> str:
        """A file the stage made (a font, generated.css): its shared, hashed path."""
        target = hashed_name(rel, known[0])
        self.files[target] = known
        self.moved.setdefault(prefix, {})[rel] = target
        return target


def rewrite(page: str, page_rel: str, prefix: str, site_path: str, moved: Mapping[str, str]) -> str:
    """`page` (at `page_rel` in the output, of the language at `prefix`) with each URL of one of
    its language's assets pointing at the shared file: relative URLs stay relative, URLs from
    the host's root (the 404 page's) stay so."""
    here = posixpath.dirname(page_rel)

    def move(match: re.Match[str]) -> str:
        ref, rest = match.group("ref"), match.group("rest")
        if ref.startswith("/"):
            if not ref.startswith(site_path):
                return match.group(0)
            target = posixpath.normpath(ref[len(site_path):] + "assets/" + rest)
        else:
            target = posixpath.normpath(posixpath.join(here, ref + "assets/" + rest))
        if not target.startswith(prefix):
            return match.group(0)
        shared = moved.get(target[len(prefix):])
        if shared is None:
            return match.group(0)
        if ref.startswith("/"):
            return match.group("q") + site_path + shared
        return match.group("q") + posixpath.relpath(shared, here or ".")
    return _REF.sub(move, page)


def worth_compressing(rel: str, size: int) -> bool:
    return rel.endswith(COMPRESSIBLE) and size >= MIN_COMPRESS


def compress(suffix: str, data: bytes) -> bytes:
    """The `.gz` or `.br` twin of a text file, for hosts that send it as it is (nginx
    gzip_static/brotli_static, Apache's rewrite rules): gzip at level 9 with no name and time 0,
    brotli at quality 11, so two builds write the same bytes."""
    if suffix == ".gz":
        return gzip.compress(data, compresslevel=9, mtime=0)
    if suffix == ".br":
        return bytes(brotli.compress(data, quality=11))
    raise ValueError(suffix)


TWINS = (".gz", ".br")
