"""The general downloads, as files and as items for people: one item is one thing to use (the A4
poster, the SMS text, the staff form) in every language and file type it comes in, titled in the
page's language (`download_titles` in `materials/text/<lang>.site.yml`, falling back to the
default language, then to formats.yml or the manifest's title)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable, Mapping

from ..artifacts import Artifact, Files
from ..memo import file_sha256
from ..model import Project
from ..publish.labels import kit_words
from ..text import fold
from .letters import GENERAL_KINDS
from .texts import SiteTexts
from .thumbs import Thumb

PRINT_AND_SCREEN = ("poster", "leaflet", "standee", "screen", "store-banner", "store-card")
MEDIA_KINDS = ("clip", "audio")
"""Listed after the general kinds, each with a player (`Download.player`)."""
LISTED = GENERAL_KINDS + MEDIA_KINDS
PLAYER_FIELDS = ("webm", "poster", "captions", "width", "height", "draft", "integrated_lufs",
                 "true_peak_dbtp", "seconds", "target_lufs")
"""What a clip's or an audio file's player shows, from its manifest entry (`stages/media.py`)."""


@dataclass(frozen=True)
class Download:
    path: str
    kind: str
    lang: str | None
    format: str | None
    size: int
    sha256: str
    preview: str | None
    title: str | None = None
    """What it is, for people ("Áp phích A4", a bundle's title); None: its file name says it."""
    item: str = ""
    """The item it belongs to, the same for every language and file type of it ("poster-a4",
    "message:sms", "form:staff", "bundle:lang", "bundle:cua-hang-vnpt")."""
    title_key: str = ""
    """Its key in `download_titles` ("poster-a4", "message:sms", "form:staff", "bundle:carrier")."""
    name: str = ""
    """Which one of its item it is, when not its language: a bundle's carrier (id) or district."""
    title_lang: str | None = None
    """The language `title` is in (a message's title is in the message's language)."""
    variant: str | None = None
    """A second file of the same item and language ("pdf/x-4")."""
    thumb: Thumb | None = None
    player: tuple[tuple[str, object], ...] = ()
    """A clip's or audio file's player: its WebM, poster, captions, size, loudness (and an audio
    file's transcript, the loudspeaker script's text)."""


def downloads(made: Files, root: Path,
              digest: Callable[[str], tuple[str, int]] | None = None,
              titles: Mapping[str, str] | None = None, default_lang: str = "vi") -> list[Download]:
    """General materials (not per-store) with size and checksum (`digest`: the output's, which
    knows most of them; otherwise read from the files on disk). `titles`: format name -> title
    (formats.yml, in its order: the order items are listed in)."""
    titles = titles or {}
    previews = {m.preview_of: rel for rel, m in made.items() if m.kind == "preview" and m.preview_of}
    # A carrier's bundle shows the sample banner of that carrier (the print stage makes one).
    banners = {str(made[of].carrier): rel for of, rel in previews.items()
               if of in made and made[of].kind == "store-banner"}
    general = [m for m in made.values() if m.kind in LISTED and not m.store_id]
    order = {name: i for i, name in enumerate(titles)}

    def sort_key(m: Artifact) -> tuple[int, int, str]:
        return (LISTED.index(m.kind), order.get(str(m.format), len(order)), m.path)
    result = []
    for m in sorted(general, key=sort_key):
        rel = m.path
        if not (root / rel).is_file():
            continue
        sha256, size = digest(rel) if digest else file_sha256(root / rel)
        fmt = m.format or PurePosixPath(rel).suffix[1:].upper()
        # A screen image is its own preview.
        preview = previews.get(rel) or (rel if m.kind == "screen" and rel.endswith(".png") else None)
        if m.kind == "bundle" and m.audience == "carrier":
            preview = banners.get(str(m.carrier))
        item, title_key, name = describe(m)
        title = m.title or titles.get(str(m.format))
        title_lang = m.lang if m.kind == "message" and m.title else default_lang
        result.append(Download(rel, m.kind, m.lang, fmt, size, sha256, preview, title, item,
                               title_key, name, title_lang if title else None, m.variant,
                               player=_player(m, root) if m.kind in MEDIA_KINDS else ()))
    return result


def _player(m: Artifact, root: Path) -> tuple[tuple[str, object], ...]:
    """What the downloads page's `<video>` or `<audio>` needs of a media file."""
    meta = m.meta()
    found = [(k, meta[k]) for k in PLAYER_FIELDS if k in meta]
    transcript = meta.get("transcript")
    if isinstance(transcript, str) and (root / transcript).is_file():
        found.append(("transcript", (root / transcript).read_text(encoding="utf-8").strip()))
    return tuple(found)


def format_titles(project: Project) -> dict[str, str]:
    """Format name -> its title in formats.yml, for the downloads list."""
    return {name: fmt.title for name, fmt in project.formats.items() if fmt.title}


def describe(m: Artifact) -> tuple[str, str, str]:
    """A general file -> (its item, its title key, what fills `$name` in the title)."""
    kind = m.kind
    stem = PurePosixPath(m.path).stem
    if kind in PRINT_AND_SCREEN:
        fmt = m.format or stem
        return fmt, fmt, ""
    if kind == "message":  # the file's stem: `sms-khong-dau` and `wifi-notice` are items of their own
        return f"message:{stem}", f"message:{stem}", ""
    if kind == "form":
        ids = {words.file: form_id for form_id, words in kit_words().forms.items()}
        key = f"form:{ids.get(m.form or stem, stem)}"
        return key, key, ""
    if kind in MEDIA_KINDS:  # a clip per format (each language a file), the audio by its name
        key = f"{kind}:{m.format}" if kind == "clip" else f"{kind}:{stem}"
        return key, key, ""
    if kind == "bundle":  # one item of all carriers' bundles, one of all districts', ...
        audience = m.audience or stem
        return f"bundle:{audience}", f"bundle:{audience}", m.carrier or m.district or ""
    return m.path, kind, ""


TYPE_ORDER = ("pdf", "png", "jpg", "mp4", "webm", "mp3", "txt", "docx", "xlsx", "html", "zip")
"""Of one item and language: the print file first, the plain text before the Word file."""


def file_label(d: Download) -> str:
    """The file's type for people: "PDF", "PDF/X-4", "DOCX"."""
    return d.variant.upper() if d.variant else PurePosixPath(d.path).suffix[1:].upper()


def _type_rank(d: Download) -> tuple[int, str]:
    suffix = PurePosixPath(d.path).suffix[1:].lower()
    return (TYPE_ORDER.index(suffix) if suffix in TYPE_ORDER else len(TYPE_ORDER), d.variant or "")


@dataclass(frozen=True)
class Part:
    """The files of one item for one language (or one carrier, one district)."""

    who: str | None
    """The language's own name, the carrier's or the district's; None: the item has one file."""
    who_lang: str | None
    """The language `who` is written in."""
    files: tuple[Download, ...]


@dataclass(frozen=True)
class Item:
    key: str
    kind: str
    title: str
    title_lang: str | None
    """The language of `title` (None: a file name, in no language)."""
    files: tuple[Download, ...]
    """In language order (the default language first), then by file type."""
    parts: tuple[Part, ...]
    """`files` by language (carrier, district), in that order."""
    thumb: Thumb | None
    """Of the page's language when it has one, else of the default language's."""
    preview: str | None
    """The full preview the thumbnail stands for (or shows, without a thumbnail)."""
    player: Download | None = None
    """A clip or audio item's file to play: of the page's language, else the default language's."""


def group_items(found: Iterable[Download], project: Project, lang: str) -> list[Item]:
    """Files grouped into items, in the order their first file comes (kind, formats.yml)."""
    langs = {language.code: i for i, language in enumerate(project.languages)}
    names = {language.code: language.name for language in project.languages}
    carriers = {c.id: c.name for c in project.campaign.carriers}
    t = SiteTexts(project, lang)
    grouped: dict[str, list[Download]] = {}
    for d in found:
        grouped.setdefault(d.item or d.path, []).append(d)
    result = []
    for key, files in grouped.items():
        files.sort(key=lambda d: (langs.get(d.lang or "", -1), fold(d.name).lower(), _type_rank(d), d.path))
        first = files[0]
        title, title_lang = t.entry("download_titles", first.title_key) or _untitled(first)
        parts: dict[tuple[str | None, str | None], list[Download]] = {}
        for d in files:
            who = (names.get(d.lang, d.lang), d.lang) if d.lang else (
                (carriers.get(d.name, d.name), project.default_lang) if d.name else (None, None))
            parts.setdefault(who, []).append(d)
        # The picture of the page's language, else of the default language's, else any.
        shown = [d for d in files if d.lang == lang] + [d for d in files if d.lang == project.default_lang]
        pictured = next((d for d in shown + files if d.preview), None)
        played = next((d for d in shown + files if d.player), None)
        result.append(Item(key, first.kind, title, title_lang, tuple(files),
                           tuple(Part(who, who_lang, tuple(ds)) for (who, who_lang), ds in parts.items()),
                           pictured.thumb if pictured else None, pictured.preview if pictured else None,
                           played))
    return result


def _untitled(d: Download) -> tuple[str, str | None]:
    """A title for a file `download_titles` does not name: the manifest's or formats.yml's, else
    its format's name (a print or screen format), else its file name (in no language)."""
    if d.title:
        return d.title, d.title_lang
    if d.kind in PRINT_AND_SCREEN and d.format:
        return d.format, None
    return d.path.removeprefix("downloads/"), None


def selector_title(project: Project, lang: str, selector: str,
                   page_titles: Mapping[str, tuple[str, str]]) -> tuple[str, str | None]:
    """What a measure's selector names, for people ("Biểu mẫu báo cáo", "Câu hỏi thường gặp"):
    said when the kit has nothing for it."""
    kind, _, name = selector.partition(":")
    if kind == "page":
        return page_titles.get(name, (name, None))
    if name:
        key = name if kind in PRINT_AND_SCREEN else f"{kind}:{name}"
        fmt = project.formats.get(name)
        found = SiteTexts(project, lang).entry("download_titles", key) or (
            (fmt.title, project.default_lang) if fmt is not None and fmt.title else None)
        if found:
            return found
    return SiteTexts(project, lang).entry("download_kinds", kind) or (selector, None)
