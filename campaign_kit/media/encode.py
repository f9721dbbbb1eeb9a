"""Clips from still cards, by Debian's ffmpeg (a subprocess: nothing is downloaded at build time).

Every encode is bit-exact: fixed x264/libvpx settings and thread counts (a thread count is part
of what x264's output depends on), no creation time, no metadata, no "Lavf" tag, so the same
frames give the same bytes on every machine with the same ffmpeg (`tool_version` is in every
cache key). Each card is converted to YUV once and repeated by the `loop` filter, not decoded
375 times: an encode of a 1080p clip takes ~3 s of CPU, not ~12."""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path
from typing import Sequence

from ..errors import BuildError
from .cards import FPS

BITEXACT = ["-fflags", "+bitexact", "-flags:v", "+bitexact", "-map_metadata", "-1"]
H264 = ["-c:v", "libx264", "-preset", "superfast", "-tune", "stillimage", "-crf", "20",
        "-profile:v", "high", "-level:v", "4.0", "-g", str(2 * FPS),
        "-x264-params", "threads=2:sliced-threads=0:lookahead-threads=1:bframes=0",
        "-color_primaries", "bt709", "-color_trc", "bt709", "-colorspace", "bt709", "-color_range", "tv",
        "-movflags", "+faststart", "-f", "mp4"]
"""High@4.0, 4:2:0, a key frame every 2 s (a player looping or joining mid-clip waits at most
that): what one-stop-office TVs' USB players and LED controllers decode. No B-frames: on still
cards they save nothing (+0.06 % bytes without them), and x264 holds fewer 1080p frames (an
encoder's peak 256 -> 172 MB RSS, measured with /usr/bin/time)."""
VP9 = ["-c:v", "libvpx-vp9", "-b:v", "0", "-crf", "40", "-deadline", "realtime", "-cpu-used", "8",
       "-threads", "1", "-row-mt", "0", "-tile-columns", "0", "-auto-alt-ref", "0", "-g", str(5 * FPS),
       "-f", "webm"]
"""The site's preview: small, single-threaded (deterministic), no alt-ref frames; the realtime
preset, 0.7 s a clip instead of 6 s ("good", cpu-used 5) for 10 % more bytes on still cards."""
ENCODINGS = {"mp4": H264, "webm": VP9}

Frames = Sequence[tuple[Path, int]]
"""Each card's PNG and how many frames it is held."""


@functools.lru_cache(maxsize=4)
def tool_version(tool: str = "ffmpeg") -> str:
    """The first line of `<tool> --version` (part of every cache key: another build of the
    encoder may give other bytes)."""
    flag = "-version" if tool.startswith("ff") else "--version"
    return run([tool, flag], f"{tool} {flag}").splitlines()[0].strip()


def run(args: Sequence[str], what: str, stdin: bytes | None = None) -> str:
    """Run a tool: what it printed (stdout, then stderr: ffmpeg's reports), or a BuildError naming `what`."""
    try:
        done = subprocess.run(list(args), input=stdin, capture_output=True, check=False)
    except FileNotFoundError:
        raise BuildError(f"{what}: {args[0]} is not installed (`bash scripts/run build` installs "
                         "Debian's ffmpeg and espeak-ng)") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise BuildError(f"{what}: {args[0]} failed: {' / '.join(tail)}")
    return (done.stdout + done.stderr).decode("utf-8", "replace")


def encode_clip(frames: Frames, target: Path, container: str = "mp4",
                size: tuple[int, int] | None = None, what: str = "clip") -> None:
    """The cards one after another at `FPS`, constant frame rate, no audio track, into `target`
    (`size`: scaled to it, for the preview)."""
    inputs: list[str] = []
    chains = []
    for i, (png, count) in enumerate(frames):
        inputs += ["-i", str(png)]
        scale = f"scale={size[0]}:{size[1]}:flags=lanczos," if size else ""
        chains.append(f"[{i}:v]{scale}scale=out_color_matrix=bt709:out_range=tv,format=yuv420p,"
                      f"loop=loop={count - 1}:size=1:start=0,setpts=N/{FPS}/TB[c{i}]")
    joined = "".join(f"[c{i}]" for i in range(len(frames)))
    graph = ";".join(chains) + f";{joined}concat=n={len(frames)}:v=1:a=0[v]"
    total = sum(count for _, count in frames)
    run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *inputs,
         "-filter_complex", graph, "-map", "[v]", "-an", "-r", str(FPS), "-fps_mode", "cfr",
         "-frames:v", str(total), *ENCODINGS[container], *BITEXACT, str(target)], what)


def extract_frame(clip: Path, frame: int, what: str) -> bytes:
    """Frame number `frame` of a clip, as PNG bytes (decoded by ffmpeg, as a player would)."""
    done = subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-i", str(clip),
                           "-vf", f"select=eq(n\\,{frame})", "-frames:v", "1", "-f", "image2pipe",
                           "-c:v", "png", "-"], capture_output=True, check=False)
    if done.returncode != 0 or not done.stdout:
        raise BuildError(f"{what}: could not read frame {frame} back: "
                         f"{done.stderr.decode('utf-8', 'replace').strip()[-200:]}")
    return done.stdout
