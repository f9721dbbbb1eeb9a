"""Stage 'bundles': ZIPs per carrier, district, language and for screens, built from what the
earlier stages registered (here: small fake PDFs/PNGs registered like the print stage does)."""

from __future__ import annotations

import dataclasses
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from campaign_kit.artifacts import Made
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.model import Project
from campaign_kit.output import Output
from campaign_kit.pipeline import BuildContext, Options
from campaign_kit.publish.zips import FIXED_DATE_TIME
from campaign_kit.stages import bundles

from .conftest import STORES

FAKE_PDF = b"%PDF-1.7\n% fake for the bundle tests\n%%EOF\n"


def _context(project: Project, root: Path) -> BuildContext:
    root.mkdir(parents=True, exist_ok=True)
    memo = Memo(root.with_name("cache"))
    return BuildContext(project=project, out=Output(root, memo), options=Options(), previous=None,
                        previous_root=root.with_name("prev"), cache=root.with_name("cache"), memo=memo)


def _meta(out: Output) -> dict[str, dict[str, Any]]:
    """What the manifest will say of each file (without path and hash)."""
    return {rel: made.entry() for rel, made in out.made.items()}


def _register_fakes(ctx: BuildContext, with_stores: bool = True) -> None:
    """What the print and screens stages leave in `ctx.out.made`."""
    project = ctx.project
    ctx.out.stage = "print"
    if with_stores:
        for store in project.stores:
            for fmt in ("store-banner", "store-card"):
                ctx.out.write_bytes(f"downloads/stores/{store.carrier}/{store.slug}/{fmt}.pdf",
                                    FAKE_PDF + store.store_id.encode(), fmt, store_id=store.store_id,
                                    carrier=store.carrier, district=store.district, format=fmt,
                                    lang="vi", directive="X/TEST")
    for lang in ("vi", "en"):
        for fmt, kind in (("poster-a4", "poster"), ("leaflet-a5", "leaflet"),
                          ("standee-60x160", "standee")):
            ctx.out.write_bytes(f"downloads/print/{lang}/{fmt}.pdf", FAKE_PDF + fmt.encode(), kind,
                                lang=lang, format=fmt, directive="X/TEST")
        ctx.out.write_bytes(f"downloads/print/{lang}/poster-a4.png", b"preview", "preview", lang=lang)
    ctx.out.stage = "screens"
    for lang in ("vi", "en"):
        ctx.out.write_bytes(f"downloads/screens/{lang}/screen-tv.png", b"\x89PNG " + lang.encode(),
                            "screen", lang=lang, format="screen-tv")
    ctx.out.stage = "bundles"


@pytest.fixture
def project(small_materials: Path) -> Project:
    return load_project(small_materials)


def _zip(ctx: BuildContext, name: str) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO((ctx.out.root / "downloads/bundles" / name).read_bytes()))


def test_bundles_by_audience(project: Project, tmp_path: Path) -> None:
    ctx = _context(project, tmp_path / "out")
    _register_fakes(ctx)
    bundles.run(ctx, Made(dict(ctx.out.made)))
    made = {rel: m for rel, m in _meta(ctx.out).items() if m["kind"] == "bundle"}
    assert sorted(made) == [
        "downloads/bundles/cua-hang-huyen-dinh-lap.zip", "downloads/bundles/cua-hang-huyen-huu-lung.zip",
        "downloads/bundles/cua-hang-viettelpost.zip", "downloads/bundles/cua-hang-vnpt.zip",
        "downloads/bundles/in-an-en.zip", "downloads/bundles/in-an-vi.zip",
        "downloads/bundles/man-hinh.zip"]
    vnpt = made["downloads/bundles/cua-hang-vnpt.zip"]
    assert (vnpt["audience"], vnpt["carrier"], vnpt["items"]) == ("carrier", "vnpt", 2)
    assert made["downloads/bundles/cua-hang-huyen-dinh-lap.zip"]["district"] == "Huyện Đình Lập"
    assert made["downloads/bundles/in-an-vi.zip"]["items"] == 3  # previews stay out
    assert made["downloads/bundles/man-hinh.zip"]["audience"] == "screens"

    archive = _zip(ctx, "cua-hang-vnpt.zip")
    # A carrier's stores by district, a district's stores by carrier; file names name the store.
    assert archive.namelist() == ["README.txt", "huyen-huu-lung/vnpt-ls-00001-store-banner.pdf",
                                  "huyen-huu-lung/vnpt-ls-00001-store-card.pdf"]
    assert archive.read("huyen-huu-lung/vnpt-ls-00001-store-card.pdf").endswith(b"VNPT-LS-00001")
    assert _zip(ctx, "cua-hang-huyen-dinh-lap.zip").namelist() == [
        "README.txt", "viettelpost/vtp-ls-00002-store-banner.pdf",
        "viettelpost/vtp-ls-00002-store-card.pdf"]
    readme = archive.read("README.txt").decode("utf-8-sig")
    assert "\r\n" in readme
    # What to print, at what size, on what material (from formats.yml), for which store.
    banner = project.formats["store-banner"]
    assert banner.title in readme and "3000 × 800 mm" in readme and f"{banner.material}" in readme
    assert "huyen-huu-lung/vnpt-ls-00001-* : Cửa hàng VNPT Hữu Lũng (VNPT)" in readme
    assert "X/TEST" in readme
    assert "Huyện Đình Lập" not in readme
    print_readme = _zip(ctx, "in-an-vi.zip").read("README.txt").decode("utf-8-sig")
    assert "210 × 297 mm" in print_readme and "giấy couché 150 g/m²" in print_readme
    assert "600 × 1600 mm" in print_readme and "5 mm tràn lề" in print_readme
    screens = _zip(ctx, "man-hinh.zip")
    # The same file name in two languages: each keeps its language folder.
    assert screens.namelist() == ["README.txt", "en/screen-tv.png", "vi/screen-tv.png"]
    assert screens.read("en/screen-tv.png").endswith(b"en")
    assert "1920 × 1080" in screens.read("README.txt").decode("utf-8-sig")
    for info in archive.infolist():
        assert info.date_time == FIXED_DATE_TIME
        # PDFs and PNGs are compressed already: stored as they are; text is deflated.
        expected = zipfile.ZIP_STORED if info.filename.endswith((".pdf", ".png")) else zipfile.ZIP_DEFLATED
        assert info.compress_type == expected
        assert info.external_attr >> 16 == 0o100644


def test_bundles_are_byte_reproducible(project: Project, tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        ctx = _context(project, tmp_path / name / "out")  # each with its own cache
        _register_fakes(ctx)
        bundles.run(ctx, Made(dict(ctx.out.made)))
        outputs.append({rel: (ctx.out.root / rel).read_bytes()
                        for rel, m in _meta(ctx.out).items() if m["kind"] == "bundle"})
    assert outputs[0] == outputs[1]


def test_no_store_items_means_no_store_bundles(project: Project, tmp_path: Path) -> None:
    ctx = _context(project, tmp_path / "out")
    _register_fakes(ctx, with_stores=False)
    bundles.run(ctx, Made(dict(ctx.out.made)))
    made = sorted(rel for rel, m in _meta(ctx.out).items() if m["kind"] == "bundle")
    assert made == ["downloads/bundles/in-an-en.zip", "downloads/bundles/in-an-vi.zip",
                    "downloads/bundles/man-hinh.zip"]


def test_nothing_to_bundle(project: Project, tmp_path: Path) -> None:
    ctx = _context(project, tmp_path / "out")
    bundles.run(ctx, Made(dict(ctx.out.made)))
    assert not ctx.out.made


def test_bundles_are_zipped_again_only_when_their_content_changes(small_materials: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"

    def run(name: str) -> dict[str, int]:
        project = load_project(small_materials)
        memo = Memo(cache)
        ctx = BuildContext(project=project, out=Output(tmp_path / name, memo), options=Options(), previous=None,
                           previous_root=tmp_path / "none", cache=cache, memo=memo)
        _register_fakes(ctx)
        bundles.run(ctx, Made(dict(ctx.out.made)))
        ctx.memo.flush()  # as the pipeline does at the end of a build
        return {rel: (ctx.out.root / rel).stat().st_ino for rel, m in _meta(ctx.out).items() if m["kind"] == "bundle"}

    first = run("one")
    (small_materials / "directives" / "2021-03-01-site.md").write_text(
        "---\nnumber: 77/STTTT-TEST\ndate: 2021-03-01\nissuer: Sở Thông tin và Truyền thông\nscope: Lạng Sơn\n"
        "title: V/v thử\n---\nChỉ nội dung trên trang hướng dẫn.\n", encoding="utf-8")
    assert run("two") == first  # a directive for the site only: every bundle from the cache
    stores = small_materials / STORES / "few.csv"
    stores.write_text(stores.read_text(encoding="utf-8").replace("Số 12", "Số 14"), encoding="utf-8")
    third = run("three")
    changed = sorted(rel for rel in first if third[rel] != first[rel])
    # The edited store (VNPT, Hữu Lũng) is listed in its carrier's and its district's READMEs.
    assert changed == ["downloads/bundles/cua-hang-huyen-huu-lung.zip", "downloads/bundles/cua-hang-vnpt.zip"]


def test_stores_in_several_provinces_are_bundled_per_province(small_materials: Path, tmp_path: Path) -> None:
    """A national build: district names repeat across provinces (Huyện Châu Thành is in Long An
    and Tiền Giang), so carrier and district bundles are per province and never mix them."""
    regions = small_materials / "regions.yml"
    regions.write_text(regions.read_text(encoding="utf-8") + (
        "  - name: Long An\n    districts: [Huyện Châu Thành, Huyện Cần Giuộc]\n"
        "  - name: Tiền Giang\n    districts: [Huyện Châu Thành]\n"), encoding="utf-8")
    stores = small_materials / STORES / "few.csv"
    stores.write_text(stores.read_text(encoding="utf-8") + (
        "VNPT-LA-00001,VNPT,Cửa hàng VNPT Châu Thành,Số 1 Quốc lộ 1,Thị trấn Tầm Vu,Huyện Châu Thành,"
        "Long An,0272 3877 000,7:30–17:30\n"
        "VNPT-TG-00001,VNPT,Cửa hàng VNPT Tân Hiệp,Số 2 Quốc lộ 1,Thị trấn Tân Hiệp,Huyện Châu Thành,"
        "Tiền Giang,0273 3831 000,7:30–17:30\n"), encoding="utf-8")
    project = load_project(small_materials)
    ctx = _context(project, tmp_path / "out")
    _register_fakes(ctx)
    for rel, info in list(ctx.out.made.items()):  # the print stage records each store's province
        if info.store_id:
            ctx.out.made[rel] = dataclasses.replace(
                info, province=next(s.province for s in project.stores if s.store_id == info.store_id))
    bundles.run(ctx, Made(dict(ctx.out.made)))
    made = {rel.removeprefix("downloads/bundles/"): m for rel, m in _meta(ctx.out).items() if m["kind"] == "bundle"}
    assert {"cua-hang-vnpt-lang-son.zip", "cua-hang-vnpt-long-an.zip", "cua-hang-vnpt-tien-giang.zip",
            "cua-hang-long-an-huyen-chau-thanh.zip", "cua-hang-tien-giang-huyen-chau-thanh.zip",
            "cua-hang-lang-son-huyen-huu-lung.zip"} <= set(made)
    assert made["cua-hang-long-an-huyen-chau-thanh.zip"]["items"] == 2  # its one store's two files
    assert made["cua-hang-vnpt-tien-giang.zip"]["province"] == "Tiền Giang"
    assert "Huyện Châu Thành, Tiền Giang" in made["cua-hang-tien-giang-huyen-chau-thanh.zip"]["title"]
    assert _zip(ctx, "cua-hang-long-an-huyen-chau-thanh.zip").namelist() == [
        "README.txt", "vnpt/vnpt-la-00001-store-banner.pdf", "vnpt/vnpt-la-00001-store-card.pdf"]
