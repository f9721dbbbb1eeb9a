"""Guide clips and loudspeaker audio, checked like print: ffprobe's figures, a QR code decoded
from a frame ffmpeg extracts, the safe area, Khmer drawn, EBU R128 loudness, byte-identical
rebuilds, a replayed rebuild that encodes nothing, and Chromium playing the clip on the site.

Fast: the materials keep every language but one clip format (the 768×384 LED board, the
smallest real 15 s encode); the other formats go through the same code in a full build."""

from __future__ import annotations

import functools
import hashlib
import http.server
import io
import json
import logging
import re
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import zxingcpp
from PIL import Image, ImageChops

from campaign_kit.errors import BuildError
from campaign_kit.materials import load_project
from campaign_kit.media import audio, cards
from campaign_kit.media.checks import check_text_in_safe_area, loudness, probe
from campaign_kit.media.encode import encode_clip, extract_frame
from campaign_kit.model import Project
from campaign_kit.pipeline import Options, build
from campaign_kit.stages import media as media_stage

from .test_print import make_materials

pytestmark = pytest.mark.skipif(not Path("/usr/bin/ffmpeg").exists(), reason="Debian's ffmpeg is not installed")
FORMAT = "led-768x384"
STAGES = ("media", "messages", "progress", "bundles", "site")
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module", autouse=True)
def one_clip_format() -> Iterator[None]:
    """Clips of FORMAT only, for every build of this module."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(media_stage, "ONLY_FORMATS", (FORMAT,))
        yield


def _entries(out: Path) -> dict[str, dict[str, Any]]:
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return {e["path"]: e for e in manifest["files"]}


def _encodes(caplog: pytest.LogCaptureFixture) -> int:
    found = re.findall(r"media: (\d+) encode", "\n".join(r.getMessage() for r in caplog.records))
    caplog.clear()
    assert found, "the media stage did not say how many encodes it ran"
    return int(found[-1])


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Project, dict[str, dict[str, Any]], Path]:
    base = tmp_path_factory.mktemp("media")
    materials = make_materials(base / "materials")
    out = base / "site"
    build(materials, out, Options(only=STAGES, cache=base / "cache", jobs=2))
    return out, load_project(materials), _entries(out), materials


def test_every_language_has_its_clip_read_back(media) -> None:
    out, project, files, _ = media
    fmt = project.formats[FORMAT]
    for lang in project.languages:
        rel = f"downloads/clips/{lang.code}/{FORMAT}.mp4"
        entry = files[rel]
        assert (entry["kind"], entry["lang"], entry["format"]) == ("clip", lang.code, FORMAT)
        assert entry["directive"] and entry["seconds"] == 15.0 and entry["fps"] == 25
        found = probe(out / rel, rel)
        assert (found.codec, found.pix_fmt, found.width, found.height) == ("h264", "yuv420p", fmt.width_px, fmt.height_px)
        assert found.fps == 25 and found.frames == 375 and found.streams == 1  # no audio track
        assert abs(found.seconds - 15.0) <= 1 / 25
        data = (out / rel).read_bytes()
        assert data.index(b"moov") < data.index(b"mdat")  # faststart: plays while it downloads
        assert b"creation_time" not in data and b"Lavf" not in data
        preview = files[f"downloads/clips/{lang.code}/{FORMAT}.webm"]
        assert preview["kind"] == "clip-preview" and preview["preview_of"] == rel
        assert probe(out / preview["path"], rel).codec == "vp9"
        assert files[entry["poster"]]["kind"] == "preview"


def test_a_frame_of_the_qr_card_decodes_to_its_url(media) -> None:
    out, project, _, _ = media
    qr = cards.starts()[[c.name for c in cards.CARDS].index(cards.QR_CARD)]
    assert cards.CARDS[2].frames >= 5 * cards.FPS  # held at least 5 s
    for frame in (qr, qr + cards.CARDS[2].frames - 1):  # its first and last frame
        image = Image.open(io.BytesIO(extract_frame(out / f"downloads/clips/vi/{FORMAT}.mp4", frame, "test")))
        assert [r.text for r in zxingcpp.read_barcodes(image)] == [project.go_url()]
    title = Image.open(io.BytesIO(extract_frame(out / f"downloads/clips/vi/{FORMAT}.mp4", 10, "test")))
    assert zxingcpp.read_barcodes(title) == []


def test_khmer_and_chinese_are_drawn_in_their_own_script(media) -> None:
    out, _, _, _ = media
    frames = {lang: Image.open(io.BytesIO(extract_frame(out / f"downloads/clips/{lang}/{FORMAT}.mp4", 100, "t")))
              .convert("L") for lang in ("vi", "km", "zh")}
    for other in ("km", "zh"):  # the steps card: different text, really drawn (not boxes)
        diff = ImageChops.difference(frames["vi"], frames[other]).point(lambda px: 255 if px > 64 else 0)
        assert diff.histogram()[255] > 3000


def test_captions_say_what_the_cards_say(media) -> None:
    out, project, files, _ = media
    for lang in project.languages:
        rel = f"downloads/clips/{lang.code}/captions.vtt"
        assert files[rel]["kind"] == "captions"
        text = (out / rel).read_text(encoding="utf-8")
        assert text.startswith("WEBVTT\n") and text.count(" --> ") == len(cards.CARDS)
        assert "00:00:12.000 --> 00:00:15.000" in text
        assert project.text(lang.code, "steps")[0] in text and project.settings.hotline in text


def test_the_draft_audio_is_normalised_and_labelled(media) -> None:
    out, project, files, _ = media
    rel = "downloads/audio/vi/loudspeaker-ban-nhap-draft.mp3"
    entry = files[rel]
    assert entry["kind"] == "audio" and entry["draft"] is True and "BẢN NHÁP" in entry["title"]
    assert not any(p.startswith("downloads/audio/") and "draft" not in p for p in files)  # no broadcast file
    measured = loudness(out / rel, rel)
    assert abs(measured.integrated_lufs - audio.TARGET_LUFS) <= 1.0 and measured.true_peak_dbtp <= -1.0
    found = probe(out / rel, rel)
    assert found.codec == "mp3" and found.streams == 1
    report = json.loads((out / "downloads/audio/vi/loudspeaker-ban-nhap-draft.json").read_text(encoding="utf-8"))
    assert report["integrated_lufs"] == measured.integrated_lufs == entry["integrated_lufs"]
    assert report["format"] == {"codec": "mp3", "sample_rate_hz": 44100, "channels": 1, "bitrate_kbps": 64,
                                "silence_head_tail_s": 0.5}
    assert abs(report["seconds"] - found.seconds) < 0.05 and report["seconds"] > 20  # the whole script


def test_a_recording_becomes_the_broadcast_file(tmp_path: Path) -> None:
    """A department's recording (here a made-up tone, far too quiet, in stereo) comes out on
    target, twice with the same bytes."""
    from campaign_kit.media.encode import run

    source = tmp_path / "vi.wav"
    run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=440:duration=6:sample_rate=48000",
         "-af", "volume=-30dB", "-ac", "2", str(source)], "tone")
    target = tmp_path / "out.mp3"
    measured = audio.normalise(source, target, "test")
    assert abs(measured.integrated_lufs + 16) <= 1.0 and measured.true_peak_dbtp <= -1.0
    assert abs(probe(target, "t").seconds - 7.0) < 0.1  # 0.5 s of silence before and after
    audio.normalise(source, tmp_path / "again.mp3", "test")
    assert (tmp_path / "again.mp3").read_bytes() == target.read_bytes()


def test_two_encodes_are_byte_identical(tmp_path: Path) -> None:
    frames = []
    for i, colour in enumerate(("#0b5cad", "#ffffff")):
        Image.new("RGB", (768, 384), colour).save(tmp_path / f"{i}.png")
        frames.append((tmp_path / f"{i}.png", 10))
    encode_clip(frames, tmp_path / "a.mp4", what="a")
    encode_clip(frames, tmp_path / "b.mp4", what="b")
    assert (tmp_path / "a.mp4").read_bytes() == (tmp_path / "b.mp4").read_bytes()


def test_text_outside_the_safe_area_fails() -> None:
    from campaign_kit.printing.render import Renderer

    html = ('<html><head><style>@page { size: 768px 384px; margin: 0 } body { margin: 0 }'
            '</style></head><body><p style="margin: 4px; font-size: 20px">Bluezone</p></body></html>')
    pdf = Renderer().pdf(html, "test")
    check_text_in_safe_area(pdf, 2, 2, "test")
    with pytest.raises(BuildError, match="safe area"):
        check_text_in_safe_area(pdf, 16, 16, "test")


def test_a_rebuild_encodes_nothing(media, caplog, tmp_path) -> None:
    out, _, files, materials = media
    caplog.set_level(logging.INFO, logger="campaign_kit")
    before = (out / "manifest.json").read_bytes()
    build(materials, out, Options(only=STAGES, cache=out.parent / "cache", force=True))
    assert (out / "manifest.json").read_bytes() == before
    # A text the clips do not show changes: the stage runs again, and replays every file.
    edited = tmp_path / "materials"
    shutil.copytree(materials, edited)
    site_texts = edited / "text/vi.site.yml"
    site_texts.write_text(site_texts.read_text(encoding="utf-8").replace(
        "\ndownloads_intro: ", "\ndownloads_intro: Mới. ", 1), encoding="utf-8")
    caplog.clear()
    build(edited, out, Options(only=STAGES, cache=out.parent / "cache"))
    assert "stage media: " in caplog.text and _encodes(caplog) == 0
    media_files = {rel: e for rel, e in _entries(out).items() if e["stage"] == "media"}
    assert media_files == {rel: e for rel, e in files.items() if e["stage"] == "media"}


@pytest.mark.slow
def test_a_build_without_cache_gives_the_same_bytes(media, caplog, tmp_path) -> None:
    """Another machine's build, with no cache: every media file has the same bytes (~30 s)."""
    out, _, files, materials = media
    caplog.set_level(logging.INFO, logger="campaign_kit")
    again = tmp_path / "site"
    build(materials, again, Options(only=("media",), cache=tmp_path / "cache", jobs=2))
    assert _encodes(caplog) > 0
    for rel, entry in _entries(again).items():
        if entry["stage"] == "media":
            assert entry["sha256"] == files[rel]["sha256"], rel
            assert hashlib.sha256((again / rel).read_bytes()).hexdigest() == entry["sha256"]


def test_bundles_hold_the_clips_and_the_audio_with_its_schedule(media) -> None:
    import zipfile

    out, project, files, _ = media
    radio = zipfile.ZipFile(out / "downloads/bundles/truyen-thanh.zip")
    assert "loudspeaker-ban-nhap-draft.mp3" in radio.namelist()
    readme = radio.read("README.txt").decode("utf-8-sig")
    assert "BẢN NHÁP" in readme and f"Phát ít nhất {project.settings.broadcasts_per_day:02d} lần mỗi ngày" in readme
    for name in ("mot-cua", "benh-vien"):
        clips = [n for n in zipfile.ZipFile(out / f"downloads/bundles/{name}.zip").namelist() if n.endswith(".mp4")]
        assert len(clips) == len(project.languages), name


# --- the site, in Chromium ---------------------------------------------------------------------

class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def served(media) -> Iterator[str]:
    out = media[0]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.mark.browser
def test_the_downloads_page_plays_a_clip_in_chromium(media, served) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/run test installs it)")
    out = media[0]
    html = (out / "en/downloads/index.html").read_text(encoding="utf-8")
    assert 'srclang="en"' in html and "<audio" in html  # the page's language's clip and captions
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=no-user-gesture-required"])
        try:
            page = browser.new_page()
            page.goto(served + "en/downloads/")
            video = page.locator("video.site-player").first
            assert video.get_attribute("poster")
            page.evaluate("v => { v.muted = true; return v.play(); }", video.element_handle())
            page.wait_for_function("v => v.currentTime > 0.5 && !v.error", arg=video.element_handle(), timeout=15000)
            state = page.evaluate("v => ({src: v.currentSrc, w: v.videoWidth, lang: v.textTracks[0].language,"
                                  " cues: v.textTracks[0].cues ? v.textTracks[0].cues.length : -1})",
                                  video.element_handle())
            assert state["w"] > 0 and state["lang"] == "en"
            assert state["src"].endswith((".mp4", ".webm"))
        finally:
            browser.close()


def test_a_recording_in_the_materials_is_found(tmp_path: Path) -> None:
    from campaign_kit.media.encode import run

    materials = make_materials(tmp_path / "materials")
    (materials / "audio").mkdir(exist_ok=True)
    run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=duration=1", str(materials / "audio/vi.wav")], "tone")
    (materials / "audio/xx.wav").write_bytes(b"")  # no such language: not a recording
    project = load_project(materials)
    assert project.recordings == (("vi", str((materials / "audio/vi.wav").resolve())),)
