"""Stage 'messages': SMS segment counting on known cases, the texts from the letters, .docx
files that python-docx opens, the Wi-Fi notice (escaped, multilingual, fits a phone)."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest

from campaign_kit.errors import BuildError
from campaign_kit.materials import load_project
from campaign_kit.pipeline import Options, build
from campaign_kit.publish.sms import count_segments, is_gsm7
from campaign_kit.stages.messages import READING_WPM, message_directive, reading_time
from campaign_kit.text import fold

from .conftest import build_bundled_stage

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"


# --- segment counting ------------------------------------------------------------------------

@pytest.mark.parametrize("text, encoding, units, segments", [
    ("", "GSM-7", 0, 1),
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),          # concatenated: 153 per part
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),            # extension table: escape + char, 2 septets each
    ("{" * 81, "GSM-7", 162, 2),
    ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),  # the escape pair is never split
    ("Çéèùìò ÄÖÑÜ§¿", "GSM-7", 13, 1),      # accented letters of the basic table
    ("ă" * 70, "UCS-2", 70, 1),
    ("ă" * 71, "UCS-2", 71, 2),              # 67 per part
    ("ă" * 134, "UCS-2", 134, 2),
    ("ă" * 135, "UCS-2", 135, 3),
    ("a" * 159 + "ơ", "UCS-2", 160, 3),     # one Vietnamese letter switches the whole text
    ("😀" * 35, "UCS-2", 70, 1),             # outside the BMP: a surrogate pair, 2 units
    ("a" + "😀" * 34, "UCS-2", 69, 1),
    ("a" * 66 + "😀" + "a", "UCS-2", 69, 1),
    ("a" * 66 + "😀" + "a" * 4, "UCS-2", 72, 2),
    ("a" * 66 + "😀" + "a" * 66, "UCS-2", 134, 3),  # the pair is never split: it opens part 2
])
def test_count_segments_known_cases(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)


def test_fold_makes_vietnamese_gsm7() -> None:
    text = "Đề nghị người dân cài ứng dụng để nhận cảnh báo nguy cơ lây nhiễm"
    assert not is_gsm7(text)
    assert is_gsm7(fold(text))
    assert count_segments(fold(text)).per_segment == 160


def test_reading_time() -> None:
    assert reading_time("một " * READING_WPM).seconds == 60
    assert reading_time("một " * 200).words == 200


# --- the stage -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundled_stage(tmp_path_factory.mktemp("messages"), "messages")


def _docx_text(path: Path) -> str:
    return "\n".join(p.text for p in docx.Document(str(path)).paragraphs)


def test_outputs_per_language(built: Path) -> None:
    out = built / "out" / "downloads" / "messages"
    for name in ("sms", "sms-khong-dau", "zalo", "loudspeaker", "press", "wifi"):
        assert (out / "vi" / f"{name}.txt").is_file()
        assert (out / "vi" / f"{name}.docx").is_file()
    for lang in ("en", "km", "zh"):
        assert sorted(p.name for p in (out / lang).iterdir()) == [
            "sms.docx", "sms.txt", "wifi.docx", "wifi.txt"]


def test_sms_fits_budget_and_manifest_has_figures(built: Path) -> None:
    import json
    project = load_project(built / "materials")
    manifest = {e["path"]: e for e in json.loads((built / "out" / "manifest.json").read_text())["files"]}
    for lang in ("vi", "en", "km", "zh"):
        directive = message_directive(project, lang, "sms")
        assert directive is not None
        entry = manifest[f"downloads/messages/{lang}/sms.txt"]
        text = (built / "out" / entry["path"]).read_text(encoding="utf-8").rstrip("\n")
        count = count_segments(text)
        assert entry["kind"] == "message" and entry["lang"] == lang
        assert entry["directive"] == directive.reference
        assert (entry["segments"], entry["encoding"]) == (count.segments, count.encoding)
        assert entry["segments"] <= project.settings.sms_segment_budget
        assert project.settings.install_url in text
    folded = manifest["downloads/messages/vi/sms-khong-dau.txt"]
    assert folded["encoding"] == "GSM-7"
    assert manifest["downloads/messages/vi/sms.txt"]["encoding"] == "UCS-2"
    assert manifest["downloads/messages/en/sms.txt"]["encoding"] == "GSM-7"
    assert manifest["downloads/messages/vi/loudspeaker.txt"]["wpm"] == READING_WPM


def test_zalo_message_is_the_one_from_the_long_an_letter(built: Path) -> None:
    project = load_project(built / "materials")
    zalo = (built / "out" / "downloads/messages/vi/zalo.txt").read_text(encoding="utf-8").strip()
    letter = next(SEEDS.glob("003_*.txt"), None) if SEEDS.is_dir() else None
    if letter is None:
        pytest.skip("shared/seeds not beside the repository")
    flat = re.sub(r"\s+", " ", letter.read_text(encoding="utf-8"))
    quoted = re.search(r"“(Bộ TT&TT, Bộ Y tế.*?Trân trọng !)”", flat)
    assert quoted is not None
    expected = (quoted.group(1).replace("Bluezone", project.settings.app_name)
                .replace("https://go.zalo.me/bluezone", project.settings.install_url))
    assert zalo == expected


def test_docx_open_and_hold_the_text(built: Path) -> None:
    project = load_project(built / "materials")
    out = built / "out" / "downloads" / "messages"
    for lang, name in (("vi", "zalo"), ("vi", "sms"), ("km", "sms"), ("zh", "wifi"),
                       ("vi", "loudspeaker")):
        body = (out / lang / f"{name}.txt").read_text(encoding="utf-8").strip()
        text = _docx_text(out / lang / f"{name}.docx")
        for paragraph in body.split("\n\n"):
            assert paragraph.strip() in text
        directive = message_directive(project, lang, name)
        assert directive is not None and directive.reference in text
    assert "đoạn tin UCS-2" in _docx_text(out / "vi" / "sms.docx")
    assert "tiếng/phút" in _docx_text(out / "vi" / "loudspeaker.docx")
    assert "Tin nhắn SMS (không dấu)" in _docx_text(out / "vi" / "sms-khong-dau.docx")
    core = docx.Document(str(out / "vi" / "zalo.docx")).core_properties
    assert core.created == core.modified and core.created.year >= 2020


def test_two_builds_are_byte_identical(built: Path, tmp_path: Path) -> None:
    build(built / "materials", tmp_path / "again", Options(only=("messages",)))
    def files(out: Path) -> list[Path]:
        return sorted(p.relative_to(out) for p in (out / "downloads").rglob("*") if p.is_file())

    first = files(built / "out")
    assert first and first == files(tmp_path / "again")
    for rel in first:
        assert (built / "out" / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes(), rel


def test_wifi_notice_is_multilingual_and_escaped(small_materials: Path, tmp_path: Path) -> None:
    en = small_materials / "text" / "en.messages.yml"
    en.write_text(en.read_text(encoding="utf-8").replace(
        "title: Welcome to Vietnam", "title: Welcome <b>x</b> & enjoy"), encoding="utf-8")  # <script> is refused by check
    build(small_materials, tmp_path / "out", Options(only=("messages",)))
    html = (tmp_path / "out" / "downloads/messages/wifi-notice.html").read_text(encoding="utf-8")
    assert "<b>x</b>" not in html
    assert "Welcome &lt;b&gt;x&lt;/b&gt; &amp; enjoy" in html
    for lang in ("vi", "en", "km", "zh"):
        assert f'<section id="{lang}" lang="{lang}">' in html
    assert "ដំឡើង" in html and "安装" in html
    assert not re.search(r"""(src|href)=["']?//|<link|<script""", html)  # self-contained


def test_sms_budget(small_materials: Path, tmp_path: Path) -> None:
    (small_materials / "directives" / "2021-03-01-budget.md").write_text(
        "---\nnumber: 1/TEST\ndate: 2021-03-01\nissuer: Sở TTTT\nscope: Lạng Sơn\ntitle: Một đoạn tin\n"
        "settings:\n  sms_segment_budget: 1\n---\nChỉ gửi một đoạn tin.\n", encoding="utf-8")
    report = build(small_materials, tmp_path / "out", Options(only=("messages",)))
    # With diacritics the Vietnamese SMS is 2 UCS-2 segments: a warning; folded it still fits.
    assert any("vi/sms " in w and "budget of 1" in w for w in report.warnings)
    assert not any("sms-khong-dau" in w for w in report.warnings)
    vi = small_materials / "text" / "vi.messages.yml"
    vi.write_text(vi.read_text(encoding="utf-8").replace(
        "COVID-19. Cài tại {install_url}",
        "COVID-19. Cài đặt đơn giản, nhanh chóng tại {install_url}. Trân trọng cảm ơn bà con!"),
        encoding="utf-8")
    with pytest.raises(BuildError, match="sms-khong-dau"):
        build(small_materials, tmp_path / "out", Options(only=("messages",)))


@pytest.mark.browser
def test_wifi_notice_fits_a_phone_in_chromium(built: Path) -> None:
    """Login portals show the notice on phones: no sideways scrolling at 360 px, every language
    section visible, the install link pointing at the install URL."""
    from playwright.sync_api import sync_playwright

    project = load_project(built / "materials")
    page_url = (built / "out" / "downloads/messages/wifi-notice.html").as_uri()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--no-first-run"])
        try:
            page = browser.new_page(viewport={"width": 360, "height": 740})
            requests: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.goto(page_url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            for lang in ("vi", "en", "km", "zh"):
                section = page.locator(f"section[lang={lang}]")
                assert section.is_visible()
                link = section.locator("a.install")
                assert link.get_attribute("href") == project.settings.install_url
                assert link.bounding_box()["height"] >= 40  # a thumb-sized target
            assert requests == [page_url]  # self-contained: nothing else is fetched
        finally:
            browser.close()
