"""Stage 'forms': Biểu mẫu số 1 and the support-staff list as .xlsx, opened with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from campaign_kit.materials import load_project
from campaign_kit.pipeline import Options, build

from .conftest import build_bundled_stage
from campaign_kit.stages.forms import STAFF_PER_DISTRICT

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
    assert "Biểu mẫu số 1" in text and "MẪU BÁO CÁO" in text
    assert project.settings.app_name in text and project.campaign.campaign.province in text
    assert project.settings.report_deadline in text
    directive = project.effective.directive_for("forms")
    assert directive is not None and directive.reference in text
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
    directive = project.effective.directive_for("forms")
    assert directive is not None
    for rel in (INSTALLS, STAFF):
        assert manifest[rel]["kind"] == "form"
        assert manifest[rel]["directive"] == directive.reference
    book = openpyxl.load_workbook(built / "out" / INSTALLS)
    assert book.properties.created == book.properties.modified
    assert book.properties.created.date() == directive.date
    build(built / "materials", tmp_path / "again", Options(only=("forms",)))
    for rel in (INSTALLS, STAFF):
        assert (built / "out" / rel).read_bytes() == (tmp_path / "again" / rel).read_bytes()


def test_report_deadline_follows_the_newest_directive(small_materials: Path, tmp_path: Path) -> None:
    (small_materials / "directives" / "2021-04-01-deadline.md").write_text(
        "---\nnumber: 7/TEST\ndate: 2021-04-01\nissuer: Sở TTTT\ntitle: Đổi giờ báo cáo\n"
        "settings:\n  report_deadline: \"10h00 thứ Hai hằng tuần\"\n---\nBáo cáo hằng tuần.\n",
        encoding="utf-8")
    build(small_materials, tmp_path / "out", Options(only=("forms",)))
    text = "\n".join(str(v) for row in _rows(tmp_path / "out" / INSTALLS) for v in row if v)
    assert "Thời hạn báo cáo: 10h00 thứ Hai hằng tuần" in text
    assert "7/TEST (01/04/2021)" in text
