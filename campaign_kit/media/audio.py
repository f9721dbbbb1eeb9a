"""Loudspeaker audio: a recording (or the synthetic draft) made into the file a commune's
system plays: loudness-normalised to EBU R128 at −16 LUFS integrated, true peak at most −1 dBTP
(the level of public-address and podcast delivery; R128's −23 is for TV programmes mixed among
others); mono (a horn loudspeaker has one channel); 0.5 s of silence before and after
(amplifiers that switch on with the signal clip the first syllable otherwise).

Two passes and a check: ffmpeg's EBU R128 meter measures the source, then one encode applies
the gain with a peak limiter run at twice the sample rate (so that it sees most inter-sample
peaks; 4× costs twice the time for 0.2 dB), a dB under the limit. Speech has peaks 18–20 dB over its loudness, more than −16 LUFS under −1 dBTP allows, so
a gain alone (or loudnorm's linear mode) cannot reach the target, and loudnorm's dynamic mode
lands 1–2 LU short on a minute of speech; the limiter's small loss is measured and made up by
another pass while it is over 0.2 LU. The result is measured again and must be on target.

MP3, MPEG-1 Layer III at 44.1 kHz, 64 kbit/s CBR: the one format every commune system plays (the
wired amplifiers' USB players, the IP "truyền thanh thông minh" boxes, an office PC). 44.1 kHz,
not 22.05: the lower rates are MPEG-2 "LSF" Layer III, which some hardware decoders refuse;
64 kbit/s mono carries speech in full, at 0.5 MB a minute, small enough for Zalo.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import BuildError
from .checks import Loudness, loudness
from .encode import BITEXACT, run

TARGET_LUFS = -16.0
TOLERANCE_LU = 1.0
MAX_TRUE_PEAK = -1.0
TRUE_PEAK_AIM = -2.0
"""The limiter's ceiling, a dB under the limit: MP3 encoding adds a little overshoot."""
SAMPLE_RATE = 44100
BITRATE_KBPS = 64
SILENCE_S = 0.5
DRAFT_VOICE = "vi"
"""espeak-ng's Vietnamese (northern) voice."""
DRAFT_WPM = 140
"""The draft's speed: what a commune announcer reads (`stages/messages.READING_WPM`)."""
MONO = "aformat=channel_layouts=mono"


def synthesize(text: str, target: Path, voice: str = DRAFT_VOICE, wpm: int = DRAFT_WPM) -> None:
    """A WAV of `text` read by espeak-ng: a draft to time and rehearse with, never the broadcast."""
    run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(target), "--stdin"],
        f"espeak-ng -v {voice}", stdin=text.encode("utf-8"))


def normalise(source: Path, target: Path, what: str) -> Loudness:
    """`source` (WAV, MP3 or M4A) to the broadcast MP3 at `target`; returns its measured loudness,
    checked: integrated within ±1 LU of the target, true peak at most −1 dBTP."""
    start = loudness(source, f"{what}: measuring", MONO)
    if start.integrated_lufs < -70:
        raise BuildError(f"{what}: the recording is silent")
    gain = TARGET_LUFS - start.integrated_lufs
    got = _encode(source, target, gain, what)
    for _ in range(3):  # the limiter took some loudness: make it up (it converges in one or two)
        if abs(got.integrated_lufs - TARGET_LUFS) <= 0.2:
            break
        gain += TARGET_LUFS - got.integrated_lufs
        got = _encode(source, target, gain, what)
    if abs(got.integrated_lufs - TARGET_LUFS) > TOLERANCE_LU or got.true_peak_dbtp > MAX_TRUE_PEAK:
        raise BuildError(f"{what}: measured {got.integrated_lufs} LUFS, true peak {got.true_peak_dbtp} dBTP "
                         f"(target {TARGET_LUFS} ± {TOLERANCE_LU} LU, at most {MAX_TRUE_PEAK} dBTP)")
    return got


def _encode(source: Path, target: Path, gain_db: float, what: str) -> Loudness:
    limit = 10 ** (TRUE_PEAK_AIM / 20)
    pad = f"adelay={int(SILENCE_S * 1000)}:all=1,apad=pad_dur={SILENCE_S}"
    chain = (f"{MONO},aresample={2 * SAMPLE_RATE},volume={gain_db:.2f}dB,"
             f"alimiter=limit={limit:.4f}:attack=2:release=60:level=false,"
             f"aresample={SAMPLE_RATE},{pad}")
    run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", str(source), "-vn",
         "-af", chain, "-ac", "1", "-ar", str(SAMPLE_RATE), "-c:a", "libmp3lame", "-b:a", f"{BITRATE_KBPS}k",
         "-abr", "0", "-id3v2_version", "0", "-write_id3v1", "0", *BITEXACT, "-f", "mp3", str(target)], what)
    return loudness(target, what)
