"""Read back like print: what ffprobe says of a clip must equal its format, the QR code of a
frame decoded by ffmpeg must read its URL, no text may leave the safe area, and the loudness
ffmpeg's EBU R128 meter measures must be on target. Each failure is a BuildError."""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from ..errors import BuildError
from ..printing.checks import check_qr_image
from .encode import extract_frame, run

PX_PER_PT = 96 / 72


@dataclass(frozen=True)
class Probe:
    """What ffprobe reads of a clip's one stream."""

    codec: str
    pix_fmt: str
    width: int
    height: int
    fps: Fraction
    frames: int
    seconds: float
    streams: int


def probe(path: Path, what: str) -> Probe:
    report = json.loads(run(["ffprobe", "-v", "error", "-count_packets", "-show_streams", "-show_format",
                             "-of", "json", str(path)], what))
    streams = report.get("streams", [])
    if not streams:
        raise BuildError(f"{what}: ffprobe finds no stream")
    s = streams[0]
    return Probe(codec=s.get("codec_name", ""), pix_fmt=s.get("pix_fmt", ""), width=int(s.get("width", 0)),
                 height=int(s.get("height", 0)), fps=_rate(s.get("avg_frame_rate", "0/1")),
                 frames=int(s.get("nb_read_packets", 0)),
                 seconds=float(report.get("format", {}).get("duration", 0)), streams=len(streams))


def _rate(text: str) -> Fraction:
    """ffprobe's frame rate ("25/1"; "0/0" for audio)."""
    num, _, den = text.partition("/")
    return Fraction(int(num), int(den)) if den and int(den) else Fraction(0)


def check_clip(path: Path, width: int, height: int, frames: int, fps: int, codec: str, what: str) -> Probe:
    """The clip is one video stream of exactly this size, codec, 4:2:0, constant `fps`, and lasts
    `frames` (±1 frame)."""
    found = probe(path, what)
    expected = {"codec": codec, "pix_fmt": "yuv420p", "size": (width, height), "fps": Fraction(fps),
                "frames": frames, "streams": 1}
    got = {"codec": found.codec, "pix_fmt": found.pix_fmt, "size": (found.width, found.height),
           "fps": found.fps, "frames": found.frames, "streams": found.streams}
    wrong = [f"{k} {got[k]} (expected {v})" for k, v in expected.items() if got[k] != v]
    if abs(found.seconds - frames / fps) > 1 / fps + 1e-6:
        wrong.append(f"duration {found.seconds} s (expected {frames / fps} s ± 1 frame)")
    if wrong:
        raise BuildError(f"{what}: read back wrong: {'; '.join(wrong)}")
    return found


def check_qr_frame(path: Path, frame: int, url: str, what: str) -> None:
    """The QR code of frame `frame`, as a player decodes it, reads `url`."""
    with Image.open(io.BytesIO(extract_frame(path, frame, what))) as image:
        check_qr_image(image.convert("RGB"), [url], f"{what}, frame {frame}")


def check_text_in_safe_area(pdf: bytes, inset_x_px: float, inset_y_px: float, what: str) -> None:
    """Every character of a screen-sized page (in px) lies inside the safe area."""
    ix, iy = inset_x_px / PX_PER_PT - 0.5, inset_y_px / PX_PER_PT - 0.5  # half a point of glyph-box slack
    doc = pdfium.PdfDocument(pdf)
    try:
        for page in doc:
            left, bottom, right, top = page.get_mediabox()
            textpage = page.get_textpage()
            for i in range(textpage.count_chars()):
                x0, b, x1, t = textpage.get_charbox(i)
                if x1 - x0 <= 0 or (x0 >= left + ix and x1 <= right - ix and b >= bottom + iy and t <= top - iy):
                    continue
                if textpage.get_text_range(i, 1).strip():
                    raise BuildError(f"{what}: text runs outside the safe area near "
                                     f"{textpage.get_text_range(max(0, i - 10), 20)!r}")
    finally:
        doc.close()


@dataclass(frozen=True)
class Loudness:
    """EBU R128 as ffmpeg's ebur128 filter measures it."""

    integrated_lufs: float
    true_peak_dbtp: float
    range_lu: float


_SUMMARY = re.compile(r"Integrated loudness:\s+I:\s+(-?[\d.]+|-inf) LUFS.*?Loudness range:\s+LRA:\s+"
                      r"(-?[\d.]+) LU.*?True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", re.S)


def loudness(path: Path, what: str, before: str = "") -> Loudness:
    """`before`: filters to apply first (the mono down-mix of a stereo recording)."""
    report = run(["ffmpeg", "-nostdin", "-hide_banner", "-nostats", "-i", str(path), "-vn", "-af",
                  f"{before}{',' if before else ''}ebur128=peak=true", "-f", "null", "-"], what)
    found = _SUMMARY.search(report[report.rfind("Summary:"):])
    if not found:
        raise BuildError(f"{what}: the EBU R128 meter gave no summary")
    integrated, lra, peak = (float(v) for v in found.groups())
    return Loudness(integrated, peak, lra)
