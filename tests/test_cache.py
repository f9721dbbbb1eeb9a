"""The render cache re-renders exactly what a change touches (logged counts of a real build)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path

import pytest

from campaign_kit.pipeline import Options, build

from .conftest import STORES


def _rendered(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    text = "\n".join(r.getMessage() for r in caplog.records)
    stores = re.findall(r"store items: (\d+) rendered", text)
    general = re.findall(r"general items: (\d+) rendered", text)
    caplog.clear()
    return int(stores[-1]), int(general[-1])


def _directive(materials: Path, name: str, settings: str = "") -> None:
    (materials / "directives" / name).write_text(
        "---\nnumber: 77/STTTT-TEST\ndate: 2021-03-01\nissuer: Sở Thông tin và Truyền thông\nscope: Lạng Sơn\n"
        f"title: V/v thử\n{settings}---\nNội dung mới trên trang hướng dẫn.\n", encoding="utf-8")


@pytest.mark.slow
def test_cache_rerenders_what_a_change_touches(small_materials: Path, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="campaign_kit")
    out, options = tmp_path / "site", Options(only=("print",), cache=tmp_path / "cache")
    build(small_materials, out, options)
    assert _rendered(caplog) == (4, 40)  # 2 stores x (banner, card); 5 formats x 4 languages x (RGB, PDF/X-4)

    assert build(small_materials, out, options).up_to_date  # nothing changed: no stage runs
    build(small_materials, out, replace(options, force=True))
    assert _rendered(caplog) == (0, 0)  # and made to run, the stages render nothing

    _directive(small_materials, "2021-03-01-site.md")  # a summary for the site, no settings
    build(small_materials, out, options)
    assert _rendered(caplog) == (0, 0)

    stores = small_materials / STORES / "few.csv"
    stores.write_text(stores.read_text(encoding="utf-8").replace("Số 12", "Số 14"), encoding="utf-8")
    build(small_materials, out, options)
    assert _rendered(caplog) == (2, 0)  # that store's banner and card only

    _directive(small_materials, "2021-03-01-site.md", "settings:\n  hotline: \"1800 1234\"\n")
    build(small_materials, out, options)
    assert _rendered(caplog) == (4, 40)  # the hotline is on every printed item

    stores.write_text("\n".join(stores.read_text(encoding="utf-8").splitlines()[:2]) + "\n",
                      encoding="utf-8")
    build(small_materials, out, options)
    assert not list((out / "downloads" / "stores" / "viettelpost").rglob("*.pdf"))  # deleted store


def test_up_to_date_only_while_inputs_and_output_are_as_built(small_materials: Path, tmp_path: Path) -> None:
    out, options = tmp_path / "site", Options(only=("messages",), cache=tmp_path / "cache")
    assert not build(small_materials, out, options).up_to_date
    assert build(small_materials, out, options).up_to_date

    stores = small_materials / STORES / "few.csv"  # any input file, even one this stage ignores
    stores.write_text(stores.read_text(encoding="utf-8").replace("Số 12", "Số 14"), encoding="utf-8")
    assert not build(small_materials, out, options).up_to_date
    assert build(small_materials, out, options).up_to_date

    assert not build(small_materials, out, replace(options, strict=True)).up_to_date  # other options

    message = next((out / "downloads").rglob("*.txt"))
    message.unlink()  # the output lost a file: build it again
    assert not build(small_materials, out, replace(options, strict=True)).up_to_date
    assert message.is_file()

    (tmp_path / "cache" / "memo" / "named" / "last-build").unlink()  # no record (a build that failed): build
    assert not build(small_materials, out, replace(options, strict=True)).up_to_date


def test_fingerprint_covers_code_templates_and_fonts(small_materials: Path, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    from campaign_kit import freshness, memo

    key = freshness.fingerprint((small_materials, "lang-son"), ())
    assert freshness.fingerprint((small_materials, "lang-son"), ()) == key
    assert freshness.fingerprint((small_materials, "lang-son"), ("strict",)) != key
    monkeypatch.setattr(memo, "code_version", lambda: "another version of the code")
    monkeypatch.setattr(freshness, "code_version", memo.code_version)
    assert freshness.fingerprint((small_materials, "lang-son"), ()) != key
    monkeypatch.undo()
    fonts = tmp_path / "fonts"
    fonts.mkdir()
    monkeypatch.setattr(freshness, "FONT_DIRS", (fonts,))
    freshness.fonts_digest.cache_clear()
    without = freshness.fingerprint((small_materials, "lang-son"), ())
    (fonts / "NotoSans-Regular.ttf").write_bytes(b"a font")
    freshness.fonts_digest.cache_clear()
    assert freshness.fingerprint((small_materials, "lang-son"), ()) != without
    templates = tmp_path / "repo"
    (templates / "templates").mkdir(parents=True)
    monkeypatch.setattr(freshness, "REPO", templates)
    before = freshness.fingerprint((small_materials, "lang-son"), ())
    (templates / "templates" / "poster.html.j2").write_text("<p>changed</p>", encoding="utf-8")
    assert freshness.fingerprint((small_materials, "lang-son"), ()) != before
    monkeypatch.undo()
    freshness.fonts_digest.cache_clear()  # the machine's fonts again, for the tests after this one


def test_stages_that_read_no_store_are_replayed(small_materials: Path, tmp_path: Path,
                                                caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="campaign_kit")
    out, options = tmp_path / "site", Options(only=("messages", "forms"), cache=tmp_path / "cache")
    first = build(small_materials, out, options)
    manifest = (out / "manifest.json").read_bytes()
    stores = small_materials / STORES / "few.csv"  # not read by these stages
    stores.write_text(stores.read_text(encoding="utf-8").replace("Số 12", "Số 14"), encoding="utf-8")
    caplog.clear()
    second = build(small_materials, out, options)
    assert not second.up_to_date
    log = "\n".join(r.getMessage() for r in caplog.records)
    assert "stage messages" in log and "stage forms" in log and log.count("(nothing changed)") == 2
    assert (out / "manifest.json").read_bytes() == manifest and second.warnings == first.warnings

    _directive(small_materials, "2021-03-01-hotline.md", "settings:\n  hotline: \"1800 1234\"\n")
    caplog.clear()
    build(small_materials, out, options)
    assert "(nothing changed)" not in "\n".join(r.getMessage() for r in caplog.records)
    assert "1800 1234" in (out / "downloads" / "messages" / "vi" / "loudspeaker.txt").read_text(encoding="utf-8")


@pytest.mark.slow
def test_mkdocs_runs_again_only_when_its_sources_change(small_materials: Path, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    from campaign_kit.site import build as site_build

    caplog.set_level(logging.INFO, logger="campaign_kit")
    out, options = tmp_path / "site", Options(only=("print", "site"), cache=tmp_path / "cache")

    def mkdocs_runs() -> int:
        text = "\n".join(r.getMessage() for r in caplog.records)
        caplog.clear()
        return len(re.findall(r"mkdocs builds", text))

    build(small_materials, out, options)
    assert mkdocs_runs() == 4  # one build per language
    stores = small_materials / STORES / "few.csv"  # a store's name: its list is filled in after mkdocs
    stores.write_text(stores.read_text(encoding="utf-8").replace("Cửa hàng VNPT", "Điểm VNPT"), encoding="utf-8")
    build(small_materials, out, options)
    assert mkdocs_runs() == 0
    assert "Điểm VNPT Hữu Lũng" in (out / "support" / "huyen-huu-lung" / "index.html").read_text(encoding="utf-8")
    base = tmp_path / "mkdocs.yml"  # the base config every language INHERITs
    base.write_text(site_build.BASE_CONFIG.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    monkeypatch.setattr(site_build, "BASE_CONFIG", base)
    build(small_materials, out, replace(options, force=True))
    assert mkdocs_runs() == 4


def test_a_kit_is_fingerprinted_by_its_own_folder_and_the_shared_files(materials: Path) -> None:
    """An edited store list of Long An rebuilds nothing of Lạng Sơn; a shared file rebuilds both."""
    from campaign_kit import freshness

    lang_son, long_an = (freshness.material_hashes(materials, k) for k in ("lang-son", "long-an"))
    (materials / "kits" / "long-an" / "stores" / "extra.csv").write_text("store_id\n", encoding="utf-8")
    assert freshness.material_hashes(materials, "lang-son") == lang_son
    assert freshness.material_hashes(materials, "long-an") != long_an
    (materials / "formats.yml").write_text("changed", encoding="utf-8")
    assert freshness.material_hashes(materials, "lang-son") != lang_son
