"""Stage 'screens': PNG images for TVs (1920×1080), lift screens (1080×1920) and Zalo/Facebook
(1080×1080) in every language, laid out by WeasyPrint (HarfBuzz shapes Khmer) and rasterised
by PDFium at exactly the format's pixel size. Each image's QR code is decoded back from the PNG."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from ..artifacts import Made
from ..context import BuildContext
from ..memo import Key, keep_content
from ..model import Format
from ..printing.checks import check_glyphs, check_text_inside, pixel_page, strings
from ..printing.general import general_directive, texts
from ..printing.qr import draw
from ..printing.render import Renderer, parallel_map, shares

READS_STORES = False
"""Made from materials without the store lists: the pipeline reuses its files while those are unchanged."""


def run(ctx: BuildContext, made: Made) -> None:
    project = ctx.project
    renderer = Renderer()  # this build's, passed down (and to the workers with their items)
    items = [_screen_item(ctx, renderer, name, fmt, lang.code)
             for name, fmt in sorted(project.formats.items()) if fmt.kind == "screen"
             for lang in project.languages]
    todo = [item for item in items if ctx.memo.get(item.key) is None]
    tasks = [(renderer, share, str(ctx.memo.root)) for share in shares(todo, ctx.options.jobs)]
    for made_now in ctx.progress(parallel_map(render_screen, tasks, ctx.options.jobs), "screens", total=len(tasks)):
        for key, (sha256, size) in made_now:
            ctx.memo.remember(key, sha256, size)
    for item in items:
        directive = general_directive(project, item.lang)
        ctx.memo.link(ctx.out, item.rel, item.key, functools.partial(_render_screen, renderer, item), "screen",
                      lang=item.lang, format=item.format_name, directive=directive.reference if directive else None)


@dataclass(frozen=True)
class ScreenItem:
    """One screen image laid out as HTML: what a worker process needs to render it."""

    rel: str
    lang: str
    format_name: str
    fmt: Format
    html: str
    url: str
    key: Key
    """Of the checked PNG in the memo."""


def _screen_item(ctx: BuildContext, renderer: Renderer, name: str, fmt: Format, lang: str) -> ScreenItem:
    rel = f"downloads/screens/{lang}/{name}.png"
    context = screen_context(ctx, renderer, fmt, lang)
    check_glyphs(renderer.fonts, lang, strings(context), rel)
    html = renderer.html(fmt.template, context)
    key = ctx.memo.key("screen", renderer=renderer.digest, fonts=renderer.fonts.digest([lang]), html=html)
    return ScreenItem(rel=rel, lang=lang, format_name=name, fmt=fmt, html=html, url=context["qr"].payload.url, key=key)


def screen_context(ctx: BuildContext, renderer: Renderer, fmt: Format, lang: str) -> dict[str, Any]:
    project = ctx.project
    assert fmt.width_px and fmt.height_px
    directive = general_directive(project, lang)
    short = min(fmt.width_px, fmt.height_px)
    landscape = fmt.width_px > fmt.height_px
    tall = fmt.height_px >= fmt.width_px * 1.2
    unit = short / (60 if tall else 72 if landscape else 84)  # 1rem: 15 px on a 1080 px TV image
    qr_px = round(short * (0.52 if landscape else 0.50 if tall else 0.34))
    qr = draw(project.go_url(), 1, "M")  # sized in px by the template; the drawing is a vector
    context = {
        "fmt": fmt, "lang": lang, "t": texts(project, lang), "app_name": project.settings.app_name,
        "hotline": project.settings.hotline, "directive": directive.reference if directive else None,
        "colours": project.campaign.colours, "font_family": renderer.fonts.css_family(lang),
        "unit": unit, "qr": qr, "qr_px": qr_px, "show_steps": tall or landscape, "identity": project.identity,
    }
    return context


def render_screen(task: tuple[Renderer, list[ScreenItem], str]) -> list[tuple[Key, tuple[str, int]]]:
    """Render screen images into the memo's store (runs in a worker process): each key and the
    sha256 and size of what it made, for the build to record."""
    renderer, items, root = task
    return [(item.key, keep_content(root, _render_screen(renderer, item))[1]) for item in items]


def _render_screen(renderer: Renderer, item: ScreenItem) -> bytes:
    """Lay out, rasterise at exactly the format's pixel size, decode the QR code back; nothing
    pushed past the edge of the screen."""
    fmt = item.fmt
    assert fmt.width_px and fmt.height_px
    return pixel_page(renderer, item.html, item.rel, (fmt.width_px, fmt.height_px), [item.url],
                      lambda pdf: check_text_inside(pdf, 0, [item.rel]))
