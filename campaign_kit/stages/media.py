"""Stage 'media': the guide clip in every language and pixel format (TVs, lift screens, social,
LED boards), and the loudspeaker audio.

A clip is four cards (`media.cards`) laid out by the screens' template (`screen.html.j2` with
`card`) through the print Renderer, rasterised at the format's exact pixel size, checked (glyphs,
safe area, the QR code), kept in the memo by their HTML, then assembled by ffmpeg (`media.encode`)
into an H.264 MP4 (15 s, 25 fps constant, yuv420p, faststart, no audio track), a small VP9 WebM
and a poster frame for the site; ffprobe and a decoded frame's QR code are checked before the
clip is kept. Each encode is memoised by its frames' hashes, its timing, the encoder's version
and settings: a rebuild with the same texts and templates encodes nothing. The captions (WebVTT,
one per language) say what the cards say.

Audio: the department's recording (`Project.recordings`), normalised (`media.audio`), else for
the default language a synthetic draft of the loudspeaker script by espeak-ng, named and
labelled BẢN NHÁP / DRAFT. Its measured loudness and duration are in the manifest and a JSON
file beside it.

Outputs: `downloads/clips/<lang>/<format>.mp4` (kind `clip`), `.webm` (`clip-preview`), `.png`
(`preview`, the poster), `downloads/clips/<lang>/captions.vtt` (`captions`),
`downloads/audio/<lang>/loudspeaker[-ban-nhap-draft].mp3` (`audio`) and `.json` (`audio-report`).
"""

from __future__ import annotations

import functools
import json
import logging
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from PIL import Image

from ..artifacts import Made
from ..context import BuildContext
from ..errors import BuildError
from ..media import audio as audio_mod
from ..media.cards import CARDS, CLIP_FRAMES, CLIP_SECONDS, FPS, QR_CARD, caption_lines, starts, webvtt
from ..media.checks import check_clip, check_qr_frame, check_text_in_safe_area, probe
from ..media.encode import ENCODINGS, encode_clip, tool_version
from ..memo import Key, file_sha256, keep_content
from ..model import PIXEL_KINDS, Format, Project
from ..printing.checks import check_glyphs, pixel_page, strings
from ..printing.general import general_directive, texts
from ..printing.qr import draw
from ..printing.render import Renderer, parallel_map, png_bytes, shares
from .screens import screen_context

log = logging.getLogger("campaign_kit")

READS_STORES = False
TOOLS = (functools.partial(tool_version, "ffmpeg"), functools.partial(tool_version, "espeak-ng"))
"""Their versions are inputs of the stage's replay (`pipeline`): another encoder, other bytes."""
"""Made from materials without the store lists: the pipeline reuses its files while those are unchanged."""

PREVIEW_BOX = (640, 360)
"""The site's preview and poster fit this box (a phone's width; the MP4 is the real thing)."""
LOUDSPEAKER = "loudspeaker"
ONLY_FORMATS: tuple[str, ...] | None = None
"""Tests: make the clips of these formats only (None: every screen and LED format)."""
DRAFT_SUFFIX = "-ban-nhap-draft"


@dataclass(frozen=True)
class CardItem:
    """One card of one clip, laid out as HTML: what a worker needs to render it."""

    what: str
    lang: str
    fmt: Format
    card: str
    html: str
    url: str
    safe: tuple[int, int]
    key: Key


@dataclass
class Encodes:
    """How many encodes this build ran (a rebuild with nothing changed: none)."""

    count: int = 0


def run(ctx: BuildContext, made: Made) -> None:
    project = ctx.project
    renderer = Renderer()
    formats = [(name, fmt) for name, fmt in sorted(project.formats.items()) if fmt.kind in PIXEL_KINDS
               and (ONLY_FORMATS is None or name in ONLY_FORMATS)]
    clips = {(lang.code, name): [_card_item(ctx, renderer, name, fmt, lang.code, card.name) for card in CARDS]
             for lang in project.languages for name, fmt in formats}
    todo = [item for items in clips.values() for item in items if ctx.memo.get(item.key) is None]
    tasks = [(renderer, share, str(ctx.memo.root)) for share in shares(todo, ctx.options.jobs)]
    for made_now in ctx.progress(parallel_map(render_cards, tasks, ctx.options.jobs), "clip cards", total=len(tasks)):
        for key, (sha256, size) in made_now:
            ctx.memo.remember(key, sha256, size)
    encodes = Encodes()
    _clips(ctx, project, clips, encodes)
    _audio(ctx, project, encodes)
    log.info("media: %d encode(s)", encodes.count)


def _card_item(ctx: BuildContext, renderer: Renderer, name: str, fmt: Format, lang: str, card: str) -> CardItem:
    assert fmt.width_px and fmt.height_px
    what = f"downloads/clips/{lang}/{name}.mp4, card {card}"
    context = card_context(ctx, renderer, fmt, lang, card)
    check_glyphs(renderer.fonts, lang, strings(context), what)
    html = renderer.html(fmt.template, context)
    key = ctx.memo.key("clip-card", renderer=renderer.digest, fonts=renderer.fonts.digest([lang]), html=html)
    return CardItem(what, lang, fmt, card, html, context["qr"].payload.url, (context["safe_x"], context["safe_y"]), key)


def safe_area(fmt: Format) -> tuple[int, int]:
    """The margin kept free of text (px, left/right and top/bottom): the format's `safe_px`, else
    EBU R 95's graphics-safe area (5 % of each side) for TVs that overscan."""
    assert fmt.width_px and fmt.height_px
    if fmt.safe_px is not None:
        return fmt.safe_px, fmt.safe_px
    return round(fmt.width_px * 0.05), round(fmt.height_px * 0.05)


def card_context(ctx: BuildContext, renderer: Renderer, fmt: Format, lang: str, card: str) -> dict[str, Any]:
    """The screens' context, with the card, the safe area and type sized for the format: an LED
    board (read from 20 m on 384 px) gets 1rem = 1/20 of its height, a TV 1/36."""
    assert fmt.width_px and fmt.height_px
    context = screen_context(ctx, renderer, fmt, lang)
    w, h = fmt.width_px, fmt.height_px
    led = fmt.kind == "led"
    safe_x, safe_y = safe_area(fmt)
    landscape, tall = w > h, h >= w * 1.2
    unit = h / 20 if led else h / 36 if landscape else w / 40 if tall else w / 40
    inner_h = h - 2 * safe_y
    qr_px = round(inner_h * (0.76 if led else 0.7)) if landscape else round((w - 2 * safe_x) * (0.7 if tall else 0.56))
    context.update(card=card, led=led, unit=unit, safe_x=safe_x, safe_y=safe_y, qr_px=qr_px)
    return context


def render_cards(task: tuple[Renderer, list[CardItem], str]) -> list[tuple[Key, tuple[str, int]]]:
    """Render cards into the memo's store (runs in a worker process)."""
    renderer, items, root = task
    return [(item.key, keep_content(root, _render_card(renderer, item))[1]) for item in items]


def _render_card(renderer: Renderer, item: CardItem) -> bytes:
    """Lay out, check the safe area, rasterise at exactly the format's size, read the QR back
    (the QR card has exactly its URL; the others none)."""
    fmt = item.fmt
    assert fmt.width_px and fmt.height_px
    return pixel_page(renderer, item.html, item.what, (fmt.width_px, fmt.height_px),
                      [item.url] if item.card == QR_CARD else [],
                      lambda pdf: check_text_in_safe_area(pdf, *item.safe, item.what))


def preview_size(fmt: Format) -> tuple[int, int]:
    """The format scaled into `PREVIEW_BOX` (portrait: the box turned), even sides."""
    assert fmt.width_px and fmt.height_px
    box = PREVIEW_BOX if fmt.width_px >= fmt.height_px else PREVIEW_BOX[::-1]
    scale = min(box[0] / fmt.width_px, box[1] / fmt.height_px, 1)
    return round(fmt.width_px * scale / 2) * 2, round(fmt.height_px * scale / 2) * 2


def _clips(ctx: BuildContext, project: Project, clips: dict[tuple[str, str], list[CardItem]],
           encodes: Encodes) -> None:
    version = tool_version("ffmpeg")
    timing = [(card.name, card.frames) for card in CARDS]
    captions: dict[str, str] = {}
    jobs: list[tuple[Key, Callable[[Path], Path]]] = []
    links: list[tuple[str, Key, str, dict[str, Any]]] = []
    for (lang, name), items in clips.items():
        fmt = items[0].fmt
        assert fmt.width_px and fmt.height_px
        found = [ctx.memo.get(item.key) for item in items]
        if any(f is None for f in found):
            raise BuildError(f"{items[0].what}: a card was not made")
        frames = [(Path(f[0]), card.frames) for f, card in zip(found, CARDS) if f is not None]
        hashes = [f[1][0] for f in found if f is not None]
        base = f"downloads/clips/{lang}/{name}"
        directive = general_directive(project, lang)
        reference = directive.reference if directive else None
        url = items[0].url
        size = (fmt.width_px, fmt.height_px)
        small = preview_size(fmt)
        for container, rel, kind, target_size in (("mp4", base + ".mp4", "clip", size),
                                                  ("webm", base + ".webm", "clip-preview", small)):
            key = ctx.memo.key("clip", frames=hashes, timing=timing, fps=FPS, encoder=version,
                               settings=ENCODINGS[container], size=target_size)
            meta: dict[str, Any] = dict(lang=lang, format=name, directive=reference)
            if kind == "clip":
                meta.update(title=fmt.title, seconds=CLIP_SECONDS, fps=FPS, width=size[0], height=size[1],
                            codec="h264", webm=base + ".webm", poster=base + ".png",
                            captions=f"downloads/clips/{lang}/captions.vtt")
            else:
                meta.update(preview_of=base + ".mp4", width=small[0], height=small[1])
            if ctx.memo.get(key) is None:
                jobs.append((key, _encoder(frames, container, target_size, size, url, rel)))
            links.append((rel, key, kind, meta))
        poster = ctx.memo.read(ctx.memo.key("clip-poster", card=hashes[0], size=small),
                               functools.partial(_poster, frames[0][0], small))
        ctx.out.write_bytes(base + ".png", poster, "preview", lang=lang, format=name, preview_of=base + ".mp4")
        if lang not in captions:
            captions[lang] = _captions(project, lang, reference)
    encodes.count += len(jobs)
    if jobs:
        (ctx.memo.root / "tmp").mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=ctx.memo.root / "tmp") as folder:
            # ffmpeg runs as a subprocess: threads are enough to keep `jobs` encoders busy; what
            # they made is kept by this thread (the memo is not shared between threads).
            targets = [Path(folder) / str(i) for i in range(len(jobs))]
            with ThreadPoolExecutor(max_workers=max(1, ctx.options.jobs)) as pool:
                done = pool.map(lambda job, target: job[1](target), jobs, targets)
                for (key, _), made_file in zip(jobs, ctx.progress(done, "clips", total=len(jobs))):
                    ctx.memo.put(key, made_file)
    for rel, key, kind, meta in links:
        ctx.memo.link(ctx.out, rel, key, _missing(rel), kind, **meta)
    for lang, text in captions.items():
        ctx.out.write_text(f"downloads/clips/{lang}/captions.vtt", text, "captions", lang=lang,
                           seconds=CLIP_SECONDS)


def _encoder(frames: list[tuple[Path, int]], container: str, size: tuple[int, int], full: tuple[int, int],
             url: str, rel: str) -> Callable[[Path], Path]:
    """Encode into a file of the folder `target` names, read it back; the file."""
    def encode(target: Path) -> Path:
        target.mkdir()
        made = target / f"clip.{container}"
        encode_clip(frames, made, container, None if size == full else size, rel)
        check_clip(made, size[0], size[1], CLIP_FRAMES, FPS, "h264" if container == "mp4" else "vp9", rel)
        if container == "mp4":
            check_qr_frame(made, qr_frame(), url, rel)
        return made
    return encode


def qr_frame() -> int:
    """The middle frame of the QR card (read back from every clip as a player decodes it)."""
    index = [card.name for card in CARDS].index(QR_CARD)
    return starts()[index] + CARDS[index].frames // 2


def _missing(rel: str) -> Callable[[], bytes]:
    def write() -> bytes:
        raise BuildError(f"{rel}: its encode is not in the cache (it was removed during the build)")
    return write


def _poster(card: Path, size: tuple[int, int]) -> bytes:
    with Image.open(card) as image:
        return png_bytes(image.convert("RGB").resize(size, Image.Resampling.LANCZOS))


def _captions(project: Project, lang: str, directive: str | None) -> str:
    """The clip's captions in `lang`: the texts its cards draw."""
    t = texts(project, lang)
    short = draw(project.go_url(), 1, "M").short_url
    settings = project.settings
    return webvtt([caption_lines(card.name, t, settings.app_name, settings.hotline, short, directive)
                   for card in CARDS])


# --- audio ------------------------------------------------------------------------------------

def _audio(ctx: BuildContext, project: Project, encodes: Encodes) -> None:
    recorded = dict(project.recordings)
    langs = [lang.code for lang in project.languages]
    for lang in langs:
        script = _script(project, lang)
        if lang in recorded:
            source: str = recorded[lang]
            sha256, _ = file_sha256(source)
            origin: dict[str, Any] = {"recording": Path(source).name, "recording_sha256": sha256}
            draft = False
        elif lang == project.default_lang and script is not None:
            version = tool_version("espeak-ng")
            origin = {"voice": f"espeak-ng -v {audio_mod.DRAFT_VOICE} -s {audio_mod.DRAFT_WPM}",
                      "synthesizer": version}
            draft = True
        else:
            continue
        stem = f"downloads/audio/{lang}/{LOUDSPEAKER}{DRAFT_SUFFIX if draft else ''}"
        key = ctx.memo.key("audio", origin=sorted(origin.items()), text=script if draft else "",
                           encoder=tool_version("ffmpeg"), target=audio_mod.TARGET_LUFS,
                           peak=audio_mod.TRUE_PEAK_AIM, rate=audio_mod.SAMPLE_RATE,
                           kbps=audio_mod.BITRATE_KBPS, silence=audio_mod.SILENCE_S)
        report_key = ctx.memo.key("audio-report", audio=key)

        def make(stem: str = stem, draft: bool = draft, origin: dict[str, Any] = origin,
                 lang: str = lang, key: Key = key) -> bytes:
            encodes.count += 1
            return _make_audio(ctx, project, lang, stem, draft, origin, key)
        raw = ctx.memo.read(report_key, make)
        report = json.loads(raw)
        directive = project.cite(frozenset({"broadcasts_per_day"}), f"message:{LOUDSPEAKER}")
        meta = dict(lang=lang, message=LOUDSPEAKER, directive=directive.reference if directive else None,
                    title=report["title"], draft=draft, integrated_lufs=report["integrated_lufs"],
                    true_peak_dbtp=report["true_peak_dbtp"], seconds=report["seconds"],
                    target_lufs=audio_mod.TARGET_LUFS, transcript=f"downloads/messages/{lang}/{LOUDSPEAKER}.txt",
                    report=stem + ".json")
        ctx.memo.link(ctx.out, stem + ".mp3", key, _missing(stem + ".mp3"), "audio", **meta)
        ctx.out.write_bytes(stem + ".json", raw, "audio-report", lang=lang, message=LOUDSPEAKER,
                            draft=draft, audio=stem + ".mp3")


def _script(project: Project, lang: str) -> str | None:
    if project.texts.lang_of(lang, "messages") != lang:
        return None
    entry = project.text(lang, "messages").get(LOUDSPEAKER)
    return str(entry["text"]) if entry else None


def _make_audio(ctx: BuildContext, project: Project, lang: str, stem: str, draft: bool,
                origin: dict[str, Any], key: Key) -> bytes:
    """Make the MP3 (kept in the memo under `key`) and return its report's bytes."""
    (ctx.memo.root / "tmp").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ctx.memo.root / "tmp") as folder:
        if draft:
            source = Path(folder) / "draft.wav"
            script = _script(project, lang)
            assert script is not None
            audio_mod.synthesize(script, source)
        else:
            source = Path(folder) / ("recording" + Path(dict(project.recordings)[lang]).suffix.lower())
            shutil.copyfile(dict(project.recordings)[lang], source)
        target = Path(folder) / "out.mp3"
        measured = audio_mod.normalise(source, target, stem + ".mp3")
        probed = _audio_probe(target, stem + ".mp3")
        ctx.memo.put(key, target)
    words = project.text(project.default_lang, "media")
    title = words["audio_draft_title"] if draft else words["audio_title"]
    report = {
        "file": f"{stem.rpartition('/')[2]}.mp3", "title": title, "draft": draft, **origin,
        "integrated_lufs": measured.integrated_lufs, "true_peak_dbtp": measured.true_peak_dbtp,
        "loudness_range_lu": measured.range_lu, "seconds": probed,
        "target": {"integrated_lufs": audio_mod.TARGET_LUFS, "tolerance_lu": audio_mod.TOLERANCE_LU,
                   "true_peak_max_dbtp": audio_mod.MAX_TRUE_PEAK},
        "format": {"codec": "mp3", "sample_rate_hz": audio_mod.SAMPLE_RATE, "channels": 1,
                   "bitrate_kbps": audio_mod.BITRATE_KBPS, "silence_head_tail_s": audio_mod.SILENCE_S},
        "measured_with": f"{tool_version('ffmpeg').split(' Copyright')[0]}, ebur128=peak=true",
    }
    return (json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _audio_probe(path: Path, what: str) -> float:
    found = probe(path, what)
    if found.codec != "mp3" or found.streams != 1:
        raise BuildError(f"{what}: read back {found.codec} with {found.streams} stream(s), expected one mp3")
    return round(found.seconds, 2)

