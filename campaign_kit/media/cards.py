"""What a guide clip shows: four cards, each held for a whole number of frames, 15 s in all
(the Ministry's "video tuyên truyền 15 giây"), and the WebVTT captions that say the same."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

FPS = 25
"""Constant frame rate: PAL TVs and LED players (NovaStar, Colorlight) run at 25 or 50 Hz."""


@dataclass(frozen=True)
class Card:
    name: str
    """The card the template draws (`screen.html.j2`, `card`)."""
    frames: int


CARDS: tuple[Card, ...] = (
    Card("title", 3 * FPS),     # the app's name: what to look for in the store
    Card("steps", 4 * FPS),     # the three install steps
    Card("qr", 5 * FPS),        # the QR code and its short link, held 5 s: long enough to scan
    Card("hotline", 3 * FPS),   # the hotline and the letter it follows
)
CLIP_FRAMES = sum(card.frames for card in CARDS)
CLIP_SECONDS = CLIP_FRAMES / FPS
QR_CARD = "qr"


def starts(cards: Sequence[Card] = CARDS) -> list[int]:
    """The first frame of each card."""
    result, at = [], 0
    for card in cards:
        result.append(at)
        at += card.frames
    return result


def caption_lines(card: str, t: Mapping[str, Any], app_name: str, hotline: str, short_url: str,
                  directive: str | None) -> list[str]:
    """What a card says, as caption lines (the same texts the card draws)."""
    if card == "title":
        return [f"{app_name}: {t['tagline']}", str(t["poster_headline"])]
    if card == "steps":
        return [f"{i}. {step}" for i, step in enumerate(t["steps"], start=1)]
    if card == QR_CARD:
        return [str(t["scan_caption"]), short_url]
    lines = [f"{t['hotline_label']}: {hotline}"]
    if directive:
        lines.append(f"{t['follows_directive']} {directive}")
    return lines


def webvtt(cues: Sequence[Sequence[str]], cards: Sequence[Card] = CARDS) -> str:
    """A WebVTT file with one cue a card (`cues[i]`: card i's lines)."""
    out = ["WEBVTT", ""]
    for index, (card, first, lines) in enumerate(zip(cards, starts(cards), cues, strict=True), start=1):
        out += [str(index), f"{_time(first)} --> {_time(first + card.frames)}",
                *(_cue_text(line) for line in lines), ""]
    return "\n".join(out)


def _time(frame: int) -> str:
    ms = frame * 1000 // FPS
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def _cue_text(line: str) -> str:
    """A cue line: text, never markup, and no blank line or arrow that would end the cue."""
    text = " ".join(line.split())
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "→")
