"""Hand-written page sources (`docs/<lang>/*.md`): placeholders, Vietnamese fallback, nav order."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..model import Project

# Nav order of the hand-written pages; a page not listed here comes after them, by name.
ORDER: tuple[str, ...] = ("index", "android", "iphone", "bluetooth", "exposure", "privacy",
                          "lookalikes", "faq", "volunteers", "agencies")
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_FRONT = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.S)


@dataclass(frozen=True)
class PageSource:
    name: str
    """File name without `.md` (`android`)."""
    markdown: str
    """The source with placeholders filled (and, for a fallback, wrapped in `lang="vi"`)."""
    translated: bool


# The snippet's one line for the host page: the card (embed.html.j2) posts its height, the iframe
# takes it. Only messages from that very frame count; without JavaScript the fixed height stays.
EMBED_RESIZE = ('<script>addEventListener("message",function(e){var f=document.getElementById("bluezone-card");'
                'if(f&&e.source===f.contentWindow&&e.data&&e.data.bluezoneEmbedHeight>0)'
                'f.style.height=e.data.bluezoneEmbedHeight+"px"})</script>')

_TITLE = re.compile(r"^title:\s*(.+?)\s*$", re.M)
_HEADING = re.compile(r"^#\s+(.+?)\s*(\{[^}]*\})?\s*$", re.M)


def page_title(page: PageSource) -> str:
    """The title a page gives itself: its front matter's `title`, else its first heading."""
    match = _FRONT.match(page.markdown)
    if match and (title := _TITLE.search(match.group(1))):
        return title.group(1).strip("\"'")
    heading = _HEADING.search(page.markdown[match.end() if match else 0:])
    return heading.group(1) if heading else page.name


def store_links(project: Project) -> dict[str, str]:
    """Play and App Store listings, from the settings in force (never literals)."""
    s = project.settings
    return {"play_url": f"https://play.google.com/store/apps/details?id={s.android_package}",
            "appstore_url": f"https://apps.apple.com/app/id{s.ios_app_id}"}


def placeholder_values(project: Project) -> dict[str, str]:
    """What `{name}` may stand for in a page: every setting, the site URL and the store links."""
    values = {k: str(v) for k, v in project.settings.model_dump().items()}
    values["site_url"] = project.campaign.site_url
    values["department"] = project.campaign.campaign.department
    values.update(store_links(project))
    values["embed_resize"] = EMBED_RESIZE
    # On a phone the hotline is one tap away: a tel: link wherever a page names it.
    digits = re.sub(r"[^0-9+]", "", values["hotline"])
    if digits:
        values["hotline"] = f"[{values['hotline']}](tel:{digits})"
    return values


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    """Replace known `{name}`s only: Markdown's own braces (`{ #anchor }`) stay as they are."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def page_names(docs: Path, default_lang: str) -> list[str]:
    """The hand-written pages, as the default language has them, in nav order."""
    names = [p.stem for p in (docs / default_lang).glob("*.md")]
    return sorted(names, key=lambda n: (ORDER.index(n) if n in ORDER else len(ORDER), n))


def load_page(docs: Path, project: Project, lang: str, name: str, notice: str) -> PageSource:
    """`docs/<lang>/<name>.md`, or the default language's page marked as a fallback."""
    values = placeholder_values(project)
    # The home page's install button opens the site's own go page (from a language's home), in
    # the page's language: it names the app and sends each phone to its store.
    up = "" if lang == project.default_lang else "../"
    values["install_page"] = f"{up}go/?lang={lang}"
    own = docs / lang / f"{name}.md"
    if own.is_file():
        return PageSource(name, fill_placeholders(own.read_text(encoding="utf-8"), values), True)
    source = fill_placeholders((docs / project.default_lang / f"{name}.md").read_text(encoding="utf-8"),
                               values)
    return PageSource(name, _as_fallback(source, project.default_lang, notice), False)


def _as_fallback(source: str, lang: str, notice: str) -> str:
    """Keep the front matter, add the notice for the template, mark the body with its language."""
    match = _FRONT.match(source)
    front, body = (match.group(1), source[match.end():]) if match else ("", source)
    front_lines = [line for line in front.splitlines() if line.strip()]
    front_lines.append(f"fallback_notice: {_yaml_str(notice)}")
    return ("---\n" + "\n".join(front_lines) + "\n---\n\n"
            + f'<div lang="{lang}" markdown>\n\n{body.strip()}\n\n</div>\n')


def _yaml_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # JSON strings are valid YAML scalars
