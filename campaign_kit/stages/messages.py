"""Stage 'messages': the texts agencies send and read out, as .txt and Word (.docx).

Source: the `messages` text of each language (`materials/text/<lang>.messages.yml`). Vietnamese
holds every message (SMS, Zalo, loudspeaker script, press text, Wi-Fi notice); other languages
hold the ones tourists get (SMS, Wi-Fi notice). A language without its own `messages` gets none
(a Vietnamese copy under an English name would help nobody).

Outputs, kind `message`, each with `lang` and the `directive` it names (`message_directive`):
- `downloads/messages/<lang>/<name>.txt` and `.docx`, plus `sms-khong-dau.*` (diacritics
  dropped, the form most carriers send) where folding changes the text;
- `downloads/messages/wifi-notice.html`: one self-contained multilingual notice for public
  Wi-Fi login pages.

SMS budget (`sms_segment_budget`): the Vietnamese SMS without diacritics is what carriers send,
so if it does not fit the build stops (the department must shorten the text); any other SMS
over budget is a warning (`--strict` makes it fatal).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from ..artifacts import Made
from ..context import BuildContext
from ..errors import BuildError
from ..model import Directive, Project, placeholders
from ..publish.labels import kit_words, render
from ..publish.office import docx_bytes
from ..publish.render import render_template
from ..publish.sms import count_segments
from ..text import fold

# Loudspeaker reading speed: Vietnamese radio announcers read about 130–150 syllables (space-
# separated "tiếng") a minute; 140 is the middle, used to time the commune broadcast script.
READING_WPM = 140
SMS = "sms"
LOUDSPEAKER = "loudspeaker"
WIFI = "wifi"
FOLDED_SUFFIX = "-khong-dau"
# Word picks Chinese glyphs from the East Asian font and Khmer from the complex-script font;
# these ship with Windows, the agencies' machines.
SCRIPT_FONTS = {"zh": ("w:eastAsia", "Microsoft YaHei"), "km": ("w:cs", "Khmer UI")}


@dataclass(frozen=True)
class Message:
    lang: str
    name: str
    """Key under `messages` (sms, zalo, loudspeaker, press, wifi)."""
    title: str
    text: str


@dataclass(frozen=True)
class ReadingTime:
    words: int
    seconds: int


READS_STORES = False
"""Made from materials without the store lists: the pipeline reuses its files while those are unchanged."""


MESSAGE_SETTINGS = {SMS: frozenset({"sms_segment_budget"}), LOUDSPEAKER: frozenset({"broadcasts_per_day"}),
                    WIFI: frozenset({"install_url", "official_site"})}
"""What a message's file shows besides its text's placeholders (the SMS budget, the broadcasts a
day beside the reading time, the Wi-Fi notice's links)."""


def message_directive(project: Project, lang: str, name: str) -> Directive | None:
    """The letter a message names: the newest that asks for it (a measure listing
    `message:<name>`) or that set a setting it shows."""
    raw = project.texts.get(lang, "messages")[name]
    used = frozenset(placeholders(raw)) | MESSAGE_SETTINGS.get(name, frozenset())
    return project.cite(used, f"message:{name}")


def run(ctx: BuildContext, made: Made) -> None:
    project = ctx.project
    messages = collect(project)
    for message in messages:
        directive = message_directive(project, message.lang, message.name)
        reference = directive.reference if directive else None
        day = directive.date if directive else None
        for name, title, text in variants(project, message):
            meta = dict(lang=message.lang, message=message.name, title=title, directive=reference,
                        **_measure(ctx, project, message, name, text))
            base = f"downloads/messages/{message.lang}/{name}"
            ctx.out.write_text(base + ".txt", text + "\n", "message", **meta)
            ctx.out.write_bytes(base + ".docx", _docx(project, message.lang, title, text, day, meta),
                                "message", **meta)
    wifi = [m for m in messages if m.name == WIFI]
    if wifi:
        directive = message_directive(project, wifi[0].lang, WIFI)
        reference = directive.reference if directive else None
        ctx.out.write_text("downloads/messages/wifi-notice.html", wifi_notice_html(project, wifi),
                           "message", message=WIFI, langs=[m.lang for m in wifi], title=wifi[0].title,
                           directive=reference)


def collect(project: Project) -> list[Message]:
    """Every message of every language that has its own `messages` text, in language order."""
    result = []
    for language in project.languages:
        if project.texts.lang_of(language.code, "messages") != language.code:
            continue
        entries: Mapping[str, Mapping[str, str]] = project.text(language.code, "messages")
        for name, entry in entries.items():
            result.append(Message(language.code, name, entry["title"], entry["text"]))
    return result


def variants(project: Project, message: Message) -> list[tuple[str, str, str]]:
    """File name, title and text of each form of a message: SMS also without diacritics."""
    result = [(message.name, message.title, message.text)]
    if message.name == SMS and fold(message.text) != message.text:
        title = render(kit_words().docx.folded_title, project.settings, title=message.title)
        result.append((message.name + FOLDED_SUFFIX, title, fold(message.text)))
    return result


def reading_time(text: str, wpm: int = READING_WPM) -> ReadingTime:
    """How long reading `text` aloud takes at `wpm` syllables a minute (rounded to 5 s)."""
    words = len(text.split())
    return ReadingTime(words, max(5, round(words * 60 / wpm / 5) * 5))


def wifi_notice_html(project: Project, notices: list[Message]) -> str:
    """The public Wi-Fi notice: every language's text in one self-contained, escaped page."""
    names = {lang.code: lang.name for lang in project.languages}
    sections = [{"lang": m.lang, "language": names[m.lang], "title": m.title, "text": m.text,
                 "button": project.text(m.lang, "install_button")} for m in notices]
    return render_template("wifi_notice.html.j2", lang=project.default_lang, sections=sections,
                           install_url=project.settings.install_url,
                           official_site=project.settings.official_site,
                           title=notices[0].title, colours=project.campaign.colours)


def _measure(ctx: BuildContext, project: Project, message: Message, name: str,
             text: str) -> dict[str, Any]:
    """The figures shown with a message (segments, reading time); checks the SMS budget."""
    if message.name == LOUDSPEAKER:
        timing = reading_time(text)
        return {"words": timing.words, "seconds": timing.seconds, "wpm": READING_WPM}
    if message.name != SMS:
        return {}
    count = count_segments(text)
    budget = project.settings.sms_segment_budget
    if count.segments > budget:
        problem = (f"SMS {message.lang}/{name} takes {count.segments} {count.encoding} segments "
                   f"({count.units} units), over the budget of {budget}: shorten "
                   f"messages.sms.text in materials/text/{message.lang}.messages.yml")
        if message.lang == project.default_lang and name.endswith(FOLDED_SUFFIX):
            raise BuildError(problem)
        ctx.warn(problem)
    return {"encoding": count.encoding, "segments": count.segments, "units": count.units,
            "per_segment": count.per_segment, "budget": budget}


def _docx(project: Project, lang: str, title: str, text: str, day: dt.date | None,
          meta: Mapping[str, Any]) -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    words = kit_words().docx
    settings = project.settings
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"  # the font of Vietnamese official documents
    normal.font.size = Pt(13)
    if lang in SCRIPT_FONTS:
        attribute, font = SCRIPT_FONTS[lang]
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn(attribute), font)
    document.add_heading(title, level=1)
    language = next(language.name for language in project.languages if language.code == lang)
    notes = [render(words.language, settings, language=language)]
    if meta.get("directive"):
        notes.append(render(words.follows, settings, directive=meta["directive"]))
    if "segments" in meta:
        notes.append(render(words.sms_count, settings, **{
            k: meta[k] for k in ("segments", "encoding", "units", "per_segment")}))
    if "seconds" in meta:
        minutes, seconds = divmod(meta["seconds"], 60)
        notes.append(render(words.reading_time, settings, minutes=minutes, seconds=seconds,
                            words=meta["words"], wpm=meta["wpm"]))
    for note in notes:
        document.add_paragraph(note).runs[0].italic = True
    document.add_heading(words.text_heading, level=2)
    for paragraph in text.split("\n\n"):
        document.add_paragraph(paragraph.strip())
    return docx_bytes(document, title=title, day=day,
                      author=project.campaign.campaign.department)

