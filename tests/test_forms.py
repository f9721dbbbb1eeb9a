"""Stage 'forms': the install-count report and the support-staff list as .xlsx, opened with
openpyxl; each made only when a letter of the kit asks for it, with that letter's words."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from campaign_kit.materials import load_project
from campaign_kit.pipeline import Options, build
from campaign_kit.stages.forms import STAFF_PER_DISTRICT, form_directive

from .conftest import MATERIALS, build_bundled_stage

INSTALLS = "downloads/forms/bieu-mau-so-1-bao-cao-cai-dat.xlsx"
STAFF = "downloads/forms/danh-sach-nhan-vien-ho-tro-cai-dat.xlsx"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_bundled_stage(tmp_path_factory.mktemp("forms"), "forms")


def _rows(path: Path) -> list[tuple]:
    sheet = openpyxl.load_workbook(path).active
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _header_row(rows: list[tuple], first: str) -> int:
    return next(i for i, row in enumerate(rows) if row[0] == first)


def test_installs_form(built: Path) -> None:
    project = load_project(built / "materials")
    rows = _rows(built / "out" / INSTALLS)
    text = "\n".join(str(v) for row in rows for v in row if v is not None)
    # Lạng Sơn asks for a daily report before 16h00 and attaches no form: the kit's form says
    # which letter it reports under, and is not called Bình Phước's "Biểu mẫu số 1".
    directive = form_directive(project, "installs")
    assert directive is not None and directive.scope == "Lạng Sơn"
    assert "MẪU BÁO CÁO" in text and "Biểu mẫu số 1" not in text
    assert f"(Báo cáo theo văn bản {directive.reference})" in text
    assert "Thời hạn báo cáo: định kỳ trước 16h00 hàng ngày" in text
    assert "Bình Phước" not in text and "TTBCXB" not in text
    assert project.settings.app_name in text and project.campaign.campaign.province in text
    head = _header_row(rows, "Stt")
    assert rows[head] == ("Stt", "Tên huyện/thị/thành phố", "Số lượng điện thoại thông minh cài đặt",
                          "Tỷ lệ", "Thời điểm báo cáo", "Ghi chú")
    districts = next(p.districts for p in project.provinces
                     if p.name == project.campaign.campaign.province)
    body = rows[head + 1: head + 1 + len(districts)]
    assert [r[:2] for r in body] == [(i, d) for i, d in enumerate(districts, start=1)]
    assert rows[head + 1 + len(districts)][1] == "Tổng cộng"
    sheet = openpyxl.load_workbook(built / "out" / INSTALLS).active
    assert sheet.cell(row=head + 2, column=3).number_format == "#,##0"
    assert sheet.cell(row=head + 2, column=4).number_format == "0.0%"
    assert str(rows[head + 1 + len(districts)][2]).startswith("=SUM(C")


def test_staff_form(built: Path) -> None:
    project = load_project(built / "materials")
    rows = _rows(built / "out" / STAFF)
    text = "\n".join(str(v) for row in rows for v in row if v is not None)
    # Lạng Sơn's annex, in its words; due once (20/8/2020), not daily.
    assert "Biểu danh sách" in text and "/CV-BCVT Sở TT&TT ngày 19/8/2020" in text
    assert "Thời hạn báo cáo: trong ngày 20/8/2020" in text and "16h00" not in text
    head = _header_row(rows, "TT")
    assert rows[head] == ("TT", "Họ tên", "Chức vụ", "Điện thoại liên hệ", "Huyện/thành phố",
                          "Doanh nghiệp")
    body = [r for r in rows[head + 1:] if r[0] is not None]
    districts = next(p.districts for p in project.provinces
                     if p.name == project.campaign.campaign.province)
    carriers = [c.name for c in project.campaign.carriers]
    assert len(body) == len(districts) * len(carriers) * STAFF_PER_DISTRICT
    assert [r[0] for r in body] == list(range(1, len(body) + 1))
    for district in districts:
        for carrier in carriers:
            assert sum(1 for r in body if r[4:] == (district, carrier)) == STAFF_PER_DISTRICT
    assert all(r[1:4] == (None, None, None) for r in body)  # name, position, phone: to fill in


def test_manifest_and_reproducible(built: Path, tmp_path: Path) -> None:
    import json
    project = load_project(built / "materials")
    manifest = {e["path"]: e for e in json.loads((built / "out" / "manifest.json").read_text())["files"]}
    directive = form_directive(project, "installs")
    assert directive is not None
    for rel in (INSTALLS, STAFF):
        assert manifest[rel]["kind"] == "form"
        assert manifest[rel]["directive"] == directive.reference == manifest[rel]["origin"]
    book = openpyxl.load_workbook(built / "out" / INSTALLS)
    assert book.properties.created == book.properties.modified
    assert book.properties.created.date() == directive.date
    build(built / "materials", tmp_path / "again", Options(only=("forms",)))
    for rel in (INSTALLS, STAFF):
        assert (built / "out" / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes()


def test_each_kit_makes_the_forms_its_letters_ask_for(tmp_path: Path) -> None:
    """Bình Phước attaches Biểu mẫu số 1 and no staff list; Long An's letters ask for neither."""
    build(MATERIALS, tmp_path / "bp", Options(only=("forms",), kit="binh-phuoc", cache=tmp_path / "c1"))
    assert not (tmp_path / "bp" / STAFF).exists()
    text = "\n".join(str(v) for row in _rows(tmp_path / "bp" / INSTALLS) for v in row if v is not None)
    assert "Biểu mẫu số 1" in text and "Kèm theo Công văn số" in text and "TTBCXB" in text
    assert "trước 17h00, ngày 28/8/2020; trước 16h00 hàng ngày" in text and "Lạng Sơn" not in text
    build(MATERIALS, tmp_path / "la", Options(only=("forms",), kit="long-an", cache=tmp_path / "c2"))
    assert not list((tmp_path / "la").glob("downloads/forms/*"))


def test_a_newer_letter_asking_for_a_form_gives_its_deadline(small_materials: Path, tmp_path: Path) -> None:
    (small_materials / "directives" / "2021-04-01-deadline.md").write_text(
        "---\nnumber: 7/TEST\ndate: 2021-04-01\nissuer: Sở TTTT\nscope: Lạng Sơn\ntitle: Đổi giờ báo cáo\n"
        "deadlines:\n  - what: Báo cáo số lượng cài đặt\n    when: \"10h00 thứ Hai hằng tuần\"\n"
        "    form: installs\n---\nBáo cáo hằng tuần.\n", encoding="utf-8")
    build(small_materials, tmp_path / "out", Options(only=("forms",)))
    text = "\n".join(str(v) for row in _rows(tmp_path / "out" / INSTALLS) for v in row if v)
    assert "Thời hạn báo cáo: 10h00 thứ Hai hằng tuần" in text
    assert "7/TEST (01/04/2021)" in text
    staff = "\n".join(str(v) for row in _rows(tmp_path / "out" / STAFF) for v in row if v)
    assert "7/TEST" not in staff and "trong ngày 20/8/2020" in staff
