"""Every item follows the right letters: a kit applies the national letters and its own
province's, each item names the newest letter that set what it shows, and the PC-Covid switch
(`materials/examples/pc-covid/`) reprints everything but keeps every store's QR link."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from campaign_kit.materials import kit_names, load_project
from campaign_kit.model import NATIONAL, Project
from campaign_kit.pipeline import Options, build

from .conftest import MATERIALS, with_few_stores

STAGES = ("print", "bundles", "changes")
GENERAL = ("poster", "leaflet", "standee")
STORE_ITEMS = ("store-banner", "store-card")
PC_COVID = MATERIALS / "examples" / "pc-covid" / "2021-09-pc-covid.md"


def _manifest(out: Path) -> dict[str, dict]:
    return {e["path"]: e for e in json.loads((out / "manifest.json").read_text(encoding="utf-8"))["files"]}


def _text(pdf: Path) -> str:
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _directive(materials: Path, name: str, settings: str) -> None:
    (materials / "directives" / name).write_text(
        "---\nnumber: 88/STTTT-TEST\ndate: 2021-05-01\nissuer: Sở Thông tin và Truyền thông tỉnh Lạng Sơn\n"
        f"scope: Lạng Sơn\ntitle: V/v thử\nsettings:\n{settings}---\nThử.\n", encoding="utf-8")


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled materials with two stores, built (print, bundles, changes) once."""
    base = tmp_path_factory.mktemp("letters")
    with_few_stores(shutil.copytree(MATERIALS, base / "materials"))
    build(base / "materials", base / "out", Options(only=STAGES, cache=base / "cache"))
    return base


def _copy(kit: Path, target: Path) -> Path:
    for name in ("materials", "out", "cache"):
        shutil.copytree(kit / name, target / name, symlinks=True)
    return target


def _other_provinces_letters(project: Project) -> list[str]:
    """How another province's letters, or the province itself, could show on a print."""
    mine = {d.file for d in project.directives}
    words = []
    for kit in kit_names(Path(project.root)):
        other = load_project(Path(project.root), kit=kit)
        province = other.campaign.campaign.province
        if province != project.campaign.campaign.province:
            words.append(province)
            words += [d.number for d in other.directives if d.scope != NATIONAL and d.file not in mine]
    return words


def test_no_print_of_the_kit_names_another_provinces_letter(kit: Path) -> None:
    project = load_project(kit / "materials")
    foreign = _other_provinces_letters(project)
    assert "Long An" in foreign and "…/UBND-VHXH" in foreign
    manifest = _manifest(kit / "out")
    general = [rel for rel, e in manifest.items() if e["kind"] in GENERAL]
    assert len(general) == 40  # 5 formats x 4 languages x (RGB, PDF/X-4)
    for rel in general + [rel for rel, e in manifest.items() if e["kind"] in STORE_ITEMS]:
        text = _text(kit / "out" / rel) if manifest[rel]["kind"] in GENERAL else ""
        cited = manifest[rel]["directive"]
        assert cited and all(word not in cited for word in foreign), (rel, cited)
        assert all(word not in text for word in foreign), (rel, [w for w in foreign if w in text])
        assert cited in text or manifest[rel]["kind"] in STORE_ITEMS
    # The posters follow the Ministry's letter (it named the app and its site); the store banners
    # the Lạng Sơn letter (it made every store a support point).
    assert {manifest[rel]["directive"] for rel in general} == {"2841/BTTTT-THH (01/08/2020)"}
    banners = {e["directive"] for e in manifest.values() if e["kind"] in STORE_ITEMS}
    assert banners == {"…/STTTT-BCVT, Sở TTTT Lạng Sơn (19/08/2020)"}
    for rel, entry in manifest.items():
        if entry["kind"] == "bundle" and rel.endswith(".zip"):
            assert all(word not in str(entry.get("directive")) for word in foreign), rel


def test_a_setting_no_item_shows_reprints_nothing_and_one_they_show_reprints_all(
        kit: Path, tmp_path: Path) -> None:
    work = _copy(kit, tmp_path)
    before = _manifest(work / "out")
    # public_service_goal is shown by no print: no PDF changes, none names the new letter.
    _directive(work / "materials", "2021-05-01-goal.md", '  public_service_goal: "Mục tiêu mới"\n')
    build(work / "materials", work / "out", Options(only=STAGES, cache=work / "cache"))
    after = _manifest(work / "out")
    for rel, entry in before.items():
        if entry["kind"] in GENERAL + STORE_ITEMS:
            assert after[rel]["sha256"] == entry["sha256"], rel
            assert after[rel]["directive"] == entry["directive"], rel
    # The hotline is on every print: every one changes and names the new letter.
    _directive(work / "materials", "2021-05-01-goal.md", '  hotline: "1800 5555"\n')
    build(work / "materials", work / "out", Options(only=STAGES, cache=work / "cache"))
    hotline = _manifest(work / "out")
    for rel, entry in before.items():
        if entry["kind"] in GENERAL + STORE_ITEMS:
            assert hotline[rel]["sha256"] != entry["sha256"], rel
            assert hotline[rel]["directive"].startswith("88/STTTT-TEST (01/05/2021)"), rel
    assert "1800 5555" in _text(work / "out" / "downloads/print/vi/poster-a4.pdf")


def test_the_pc_covid_switch_reprints_everything_and_keeps_every_qr_link(kit: Path, tmp_path: Path) -> None:
    work = _copy(kit, tmp_path)
    before = _manifest(work / "out")
    shutil.copy(PC_COVID, work / "materials" / "directives" / PC_COVID.name)
    build(work / "materials", work / "out", Options(only=STAGES, cache=work / "cache"))
    project = load_project(work / "materials")
    assert project.settings.app_name == "PC-Covid"
    after = _manifest(work / "out")
    printed = [rel for rel, e in before.items() if e["kind"] in GENERAL + STORE_ITEMS]
    for rel in printed:
        assert after[rel]["sha256"] != before[rel]["sha256"], rel
    stores = {s.store_id: s for s in project.stores}
    for rel in printed:
        entry = after[rel]
        if entry["kind"] in STORE_ITEMS:
            page = pdfium.PdfDocument(work / "out" / rel)[0]
            image = page.render(scale=(200 if entry["kind"] == "store-card" else 12) / 72).to_pil()
            urls = [r.text for r in zxingcpp.read_barcodes(image)]
            assert urls == [project.go_url(stores[entry["store_id"]])], rel  # the link printed before
            assert entry["directive"].startswith("VÍ DỤ/PC-COVID"), rel
        else:
            assert "PC-Covid" in _text(work / "out" / rel) and "Bluezone" not in _text(work / "out" / rel)
    report = json.loads((work / "out" / "changes.json").read_text(encoding="utf-8"))
    groups = {g["kind"]: g for g in report["groups"]}
    for kind in GENERAL + STORE_ITEMS:
        assert groups[kind]["changed"], kind
        assert "VÍ DỤ/PC-COVID" in groups[kind]["directive"]
        assert "in lại" in groups[kind]["summary"]["vi"]
