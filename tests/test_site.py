"""The guide site, built for real with mkdocs: layout, languages, fallback, go pages, downloads,
support-point paging, search folding, reproducibility. Browser checks are in test_site_browser.py."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from campaign_kit.errors import BuildError
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.model import Store
from campaign_kit.output import Output
from campaign_kit.pipeline import Options, build
from campaign_kit.site.generated import SLOT, generated_pages, support_pages
from campaign_kit.site.sources import fill_placeholders

from .conftest import STORES

ROOT = Path(__file__).resolve().parent.parent
STORES_CSV = (
    "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
    "VNPT-LS-00001,VNPT,Cửa hàng VNPT Hữu Lũng,Số 12 đường Xương Giang,Thị trấn Hữu Lũng,"
    "Huyện Hữu Lũng,Lạng Sơn,0205 3825 100,7:30–17:30\n"
    "VTP-LS-00002,Viettel Post,Bưu cục <script>alert(1)</script> Đình Lập,Khu 2 thị trấn Đình Lập,"
    "Thị trấn Đình Lập,Huyện Đình Lập,Lạng Sơn,0912 345 678,7:00–21:00 hằng ngày\n")


def make_materials(target: Path) -> Path:
    """The bundled materials with two stores (one with markup in its name)."""
    shutil.copytree(ROOT / "materials", target)
    for path in (target / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (target / STORES).mkdir(exist_ok=True)
    (target / STORES / "few.csv").write_text(STORES_CSV, encoding="utf-8")
    return target


def add_thai(materials: Path) -> None:
    """A fifth language added the way a department would: campaign.yml and one text file, no pages."""
    import yaml
    campaign = yaml.safe_load((materials / "campaign.yml").read_text(encoding="utf-8"))
    campaign["languages"].append({"code": "th", "name": "ไทย", "english_name": "Thai"})
    (materials / "campaign.yml").write_text(yaml.safe_dump(campaign, allow_unicode=True), encoding="utf-8")
    (materials / "text" / "th.yml").write_text(
        "site_name: วิธีติดตั้ง {app_name}\nfallback_notice: หน้านี้ยังไม่ได้แปล ด้านล่างเป็นฉบับภาษาเวียดนาม\n",
        encoding="utf-8")


@pytest.fixture(scope="session")
def site_materials(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two stores, and Thai added as content only (so every page of it is a fallback)."""
    materials = make_materials(tmp_path_factory.mktemp("site") / "materials")
    add_thai(materials)
    return materials


@pytest.fixture(scope="session")
def built_site(site_materials: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, ...]]:
    """One real build of the site stage, shared by the tests here and the browser tests."""
    out = tmp_path_factory.mktemp("site-out") / "site"
    report = build(site_materials, out, Options(only=("site",), cache=out.parent / "cache"))
    return out, report.warnings


def test_layout_languages_and_html_lang(built_site: tuple[Path, tuple[str, ...]]) -> None:
    out, _ = built_site
    for prefix, lang in (("", "vi"), ("en/", "en"), ("km/", "km"), ("zh/", "zh")):
        for page in ("", "android/", "iphone/", "faq/", "support/", "directives/", "downloads/", "embed/"):
            html = (out / prefix / page / "index.html").read_text(encoding="utf-8")
            assert f'<html lang="{lang}"' in html, (prefix, page)
        assert (out / prefix / "search" / "search_index.json").is_file()
    # The switcher on the English Android page points at the same page in every language.
    html = (out / "en/android/index.html").read_text(encoding="utf-8")
    for href in ('href="../../android/"', 'href="../../km/android/"', 'href="../../zh/android/"'):
        assert href in html


def test_fallback_is_visible_marked_and_reported(built_site: tuple[Path, tuple[str, ...]], site_materials: Path,
                                                 tmp_path: Path) -> None:
    out, warnings = built_site
    html = (out / "th/bluetooth/index.html").read_text(encoding="utf-8")
    assert '<html lang="th"' in html and "site-fallback" in html and "หน้านี้ยังไม่ได้แปล" in html
    assert '<div lang="vi">' in html and "Bật Bluetooth" in html
    assert [p.name for p in (out / "assets/fonts").glob("thai-400.*.woff2")]  # a face for the new script, no code
    assert re.search(r'href="../../assets/css/generated\.[0-9a-f]+\.css"', html)
    assert 'hreflang="th"' in (out / "en/faq/index.html").read_text(encoding="utf-8")
    own = (out / "km/bluetooth/index.html").read_text(encoding="utf-8")
    assert "site-fallback" not in own and '<div lang="vi">' not in own
    assert any("docs/th/bluetooth.md is missing" in w for w in warnings)
    assert any("'support_title' has no th translation" in w for w in warnings)
    assert not any(f"docs/{lang}/" in w for w in warnings for lang in ("en", "km", "zh"))  # complete
    with pytest.raises(BuildError, match="--strict"):
        build(site_materials, tmp_path / "strict", Options(only=("site",), strict=True, cache=tmp_path / "c"))
    assert not (tmp_path / "strict").exists()


def test_go_pages_for_every_store(built_site: tuple[Path, tuple[str, ...]], site_materials: Path) -> None:
    out, _ = built_site
    project = load_project(site_materials)
    s = project.settings
    assert (out / "go/index.html").is_file()
    for store in project.stores:
        html = (out / "go" / store.slug / "index.html").read_text(encoding="utf-8")
        assert (out / "go" / project.short_links.codes[store.store_id] / "index.html").read_text(
            encoding="utf-8") == html  # the QR's short link and the link printed before it
        assert f"https://play.google.com/store/apps/details?id={s.android_package}" in html
        assert f"https://apps.apple.com/app/id{s.ios_app_id}" in html
        links = re.findall(r'<link[^>]*href="([^"]*)"', html)  # standalone: nothing from another host
        assert "src=" not in html and links and not [u for u in links if re.match(r"([a-z]+:)?//", u)]
    evil = (out / "go/vtp-ls-00002/index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in evil and "&lt;script&gt;alert(1)&lt;/script&gt;" in evil
    district = next((out / "support").glob("*dinh-lap*/index.html")).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in district and 'href="tel:0912345678"' in district


def test_anchors_keep_d_and_faq_anchors_are_stable(built_site: tuple[Path, tuple[str, ...]]) -> None:
    out, _ = built_site
    assert 'id="ba-buoc-cai-dat"' in (out / "index.html").read_text(encoding="utf-8")  # đ -> d
    for prefix in ("", "en/"):
        faq = (out / prefix / "faq/index.html").read_text(encoding="utf-8")
        for anchor in ("chi-phi", "vi-tri", "dang-ky", "cai-giup"):
            assert f'id="{anchor}"' in faq


def test_search_index_is_folded(built_site: tuple[Path, tuple[str, ...]]) -> None:
    out, _ = built_site
    docs = json.loads((out / "search/search_index.json").read_text(encoding="utf-8"))["docs"]
    text = " ".join(d["title"] + " " + d["text"] for d in docs)
    assert "đăng ký" in text and re.search(r"\bdang\b", text) and re.search(r"\bky\b", text)
    # Store lists are not in the search index (they would make it megabytes at 20,000 stores).
    assert not any(d["location"].startswith("support/") and d["location"] != "support/" for d in docs)


def test_nothing_is_fetched_from_elsewhere(built_site: tuple[Path, tuple[str, ...]]) -> None:
    out, _ = built_site
    fetching = re.compile(r"""<(?:script|img|iframe|source)[^>]*\ssrc=["']?(?:https?:)?//"""
                          r"""|<link[^>]*href=["']?(?:https?:)?//[^>]*rel=["']?(?:stylesheet|preload|icon)"""
                          r"""|url\(["']?(?:https?:)?//|@import""")
    for path in out.rglob("*"):
        if path.suffix in (".html", ".css"):
            text = path.read_text(encoding="utf-8")
            assert not fetching.search(text), path
            assert "fonts.googleapis" not in text and "fonts.gstatic" not in text, path
    fonts = sorted(re.sub(r"\.[0-9a-f]{10}\.", ".", p.name) for p in (out / "assets/fonts").glob("*.woff2"))
    assert fonts == ["khmer-400.woff2", "latin-400.woff2", "latin-700.woff2", "thai-400.woff2"]  # shared, once


def test_fonts_cover_vietnamese_khmer_chinese(built_site: tuple[Path, tuple[str, ...]]) -> None:
    from fontTools.ttLib import TTFont
    out, _ = built_site
    def face(name: str) -> set[int]:
        return set(TTFont(next((out / "assets/fonts").glob(f"{name}.*.woff2"))).getBestCmap())
    latin = face("latin-400")
    assert {ord(c) for c in "ăâđêôơưĂÂĐÊÔƠƯàảãáạằẳẵắặầẩẫấậềểễếệờởỡớợừửữứựỳỷỹýỵ"} <= latin
    khmer = face("khmer-400")
    assert {ord(c) for c in "ដំឡើងកម្មវិធី"} <= khmer
    # Chinese: the phone's own CJK font (every Android and iPhone has one), named after our faces.
    css = (out / re.search(r'href="../../(assets/css/generated\.[0-9a-f]+\.css)"',
                           (out / "zh/android/index.html").read_text(encoding="utf-8")).group(1)).read_text()
    assert "U+4E00" not in css and "cjk" not in css and '"Site Sans","PingFang SC"' in css
    assert '"Noto Sans CJK SC"' in css


def test_downloads_listing_and_store_files(site_materials: Path, tmp_path: Path) -> None:
    project = load_project(site_materials)
    out = Output(tmp_path / "out", Memo(tmp_path / "cache"))
    out.stage = "print"
    pdf = out.write_bytes("print/poster-a3-vi.pdf", b"%PDF-1.7 fake poster", "poster", lang="vi", format="A3")
    out.write_bytes("print/poster-a3-vi.png", b"\x89PNG fake", "preview", preview_of="print/poster-a3-vi.pdf")
    out.write_bytes("messages/sms-vi.txt", "Cài đặt".encode(), "message", lang="vi")
    out.write_bytes("screens/vi/screen-tv.png", b"\x89PNG fake screen", "screen", lang="vi", format="screen-tv")
    out.write_bytes("stores/vnpt-ls-00001/banner.pdf", b"%PDF banner", "store-banner", store_id="VNPT-LS-00001")
    generated = generated_pages(project, "en", "en/", out.made, out.root)
    downloads = generated.pages["downloads.md"] + "".join(f.html() for f in generated.slots["downloads.md"].values())
    assert 'href="../../print/poster-a3-vi.pdf"' in downloads
    assert 'src="../../print/poster-a3-vi.png"' in downloads
    assert 'src="../../screens/vi/screen-tv.png"' in downloads  # a screen image is its own preview
    assert hashlib.sha256(pdf.read_bytes()).hexdigest() in downloads and "A3" in downloads
    assert "messages/sms-vi.txt" in downloads and "banner.pdf" not in downloads  # per-store: not here
    district = next(v[SLOT].html() for k, v in generated.slots.items() if "huu-lung" in k)
    assert 'href="../../../stores/vnpt-ls-00001/banner.pdf"' in district
    empty = generated_pages(project, "vi", "", {}, tmp_path / "none").pages["downloads.md"]
    assert "site-notice" in empty and "<ul" not in empty


def test_support_points_scale_to_20000_stores(site_materials: Path) -> None:
    project = load_project(site_materials)
    districts = project.provinces[0].districts
    stores = tuple(Store(f"S{i:05d}", "vnpt", f"Cửa hàng số {i}", f"Số {i} đường Trần Đăng Ninh", "Phường Đông Kinh",
                         districts[i % len(districts)], project.provinces[0].name, "0912345678", "7:30–17:30",
                         "synthetic") for i in range(20_000))
    big = dataclasses.replace(project, stores=stores)
    groups, _ = support_pages(big)
    assert sum(len(p.stores) for _, _, pages in groups for p in pages) == 20_000
    generated = generated_pages(big, "vi", "", {}, Path("/nonexistent"))
    store_pages = {k: v + generated.slots[k][SLOT].html() for k, v in generated.pages.items()
                   if k.startswith("support/") and k != "support/index.md"}
    assert len(store_pages) > len(districts)
    assert max(len(v.encode()) for v in store_pages.values()) < 250_000


def test_placeholders_only_known_names() -> None:
    assert fill_placeholders("{app_name} { #anchor } {unknown}", {"app_name": "X"}) == "X { #anchor } {unknown}"
    # No page source names the app: switching apps is a materials-only edit.
    for path in (ROOT / "docs").rglob("*.md"):
        assert "Bluezone" not in path.read_text(encoding="utf-8"), path


def test_app_switch_and_reproducible(site_materials: Path, tmp_path: Path,
                                     built_site: tuple[Path, tuple[str, ...]]) -> None:
    out, _ = built_site
    again = tmp_path / "again"
    build(site_materials, again, Options(only=("site",), cache=tmp_path / "cache"))
    first = {e["path"]: e["sha256"] for e in json.loads((out / "manifest.json").read_text())["files"]}
    second = {e["path"]: e["sha256"] for e in json.loads((again / "manifest.json").read_text())["files"]}
    assert first == second
    assert b"lastmod" in (out / "sitemap.xml").read_bytes()

    switched = tmp_path / "materials"
    shutil.copytree(site_materials, switched)
    (switched / "directives" / "2022-01-01-pc-covid.md").write_text(
        "---\nnumber: 99/TEST\ndate: 2022-01-01\nissuer: Test\nscope: national\ntitle: Test\nsettings:\n  app_name: PC-Covid\n"
        "  android_package: com.example.pccovid\n---\nDùng PC-Covid.\n", encoding="utf-8")
    pc = tmp_path / "pc"
    build(switched, pc, Options(only=("site",), cache=tmp_path / "cache"))
    home = (pc / "index.html").read_text(encoding="utf-8")
    assert "PC-Covid" in home and "Bluezone" not in home
    go = (pc / "go/vnpt-ls-00001/index.html").read_text(encoding="utf-8")
    assert "details?id=com.example.pccovid" in go and "Bluezone" not in go

