"""Small fixes to the pages mkdocs writes, made once per kept build: a meta description from
each page's own text, and no `autocomplete` on the theme's checkboxes (not allowed there)."""

from __future__ import annotations

import html
import re

_ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
_BLOCK = re.compile(r"<(p|li)(?:\s[^>]*)?>(.*?)</\1>", re.S)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")
_ANCHOR = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)
_LINK_ONLY = re.compile(r"\s*<a\s[^>]*>[^<]*</a>\s*", re.S)
_VIEWPORT = re.compile(r'<meta name="viewport"[^>]*>')
_CHECKBOX = re.compile(r'<input\b[^>]*\btype="checkbox"[^>]*>')
DESCRIPTION_CHARS = 160
"""What search engines show of a description; longer text is cut at a word."""


def description(page: str, fallback: str) -> str:
    """The page's first text of content (paragraphs or list items, not a notice nor a lone link
    such as "← All districts"), as plain text of at most DESCRIPTION_CHARS characters; for a page
    without (a store list, filled in later), its heading and `fallback` (the site's tagline)."""
    article = _ARTICLE.search(page)
    text = ""
    for match in _BLOCK.finditer(article.group(1) if article else ""):
        if 'role="note"' in match.group(0)[:80] or _LINK_ONLY.fullmatch(match.group(2)):
            continue
        text = f"{text} {_plain(match.group(2))}".strip()
        if len(text) >= DESCRIPTION_CHARS // 2:
            break
    if len(text) < 20:
        heading = _H1.search(article.group(1) if article else "")
        title = _plain(_ANCHOR.sub("", heading.group(1))) if heading else ""
        text = f"{title} – {fallback}" if title else fallback
    return shorten(text, DESCRIPTION_CHARS)


def _plain(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAGS.sub("", fragment))).strip()


def shorten(text: str, limit: int) -> str:
    """`text` cut at the last space before `limit` (or at `limit` in a script without spaces)."""
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut[limit // 2:]:
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,.;:–-") + "…"


def fix_page(page: str, fallback_description: str) -> str:
    """`page` with a meta description after its viewport tag and its checkboxes' `autocomplete`
    dropped (the theme sets it so that Firefox does not restore the menu's state; the HTML
    standard allows it on text inputs only)."""
    page = _CHECKBOX.sub(lambda m: m.group(0).replace(' autocomplete="off"', ""), page)
    if '<meta name="description"' not in page:
        meta = f'<meta name="description" content="{html.escape(description(page, fallback_description))}">'
        page = _VIEWPORT.sub(lambda m: m.group(0) + "\n      " + meta, page, count=1)
    return page
