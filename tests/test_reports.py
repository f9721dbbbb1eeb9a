"""Intake of the carriers' returned forms (`campaign_kit/reports.py`): the kit's own Biểu mẫu số 1
read back (as .xlsx and as CSV), the staff lists, the denominators, and every hostile case
failing `check` with file, row and field."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from campaign_kit.materials import load_project
from campaign_kit.reports import report_time, whole_number

from .conftest import MATERIALS, ROOT, problems

REPORTS = "kits/lang-son/reports"
CSV = "sample-2020-08-21-mobifone.csv"
XLSX = "sample-2020-08-22-vnpt.xlsx"


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_sample_reports", ROOT / "scripts/make_sample_reports.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _edit_csv(materials: Path, name: str, row: int, column: int, value: str) -> None:
    """Replace one cell (1-based row and column, as the spreadsheet numbers them) of a CSV report."""
    import csv

    path = materials / REPORTS / name
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[row - 1][column - 1] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _edit_xlsx(materials: Path, name: str, cell: str, value: object) -> None:
    path = materials / REPORTS / name
    workbook = openpyxl.load_workbook(path)
    workbook.active[cell] = value
    workbook.save(path)


def test_the_bundled_samples_are_what_the_script_makes(tmp_path: Path) -> None:
    """Deterministic and up to date: the script's files are the bundled ones, byte for byte."""
    made = _script().make(MATERIALS)
    bundled = {p.name: p.read_bytes() for p in (MATERIALS / REPORTS).glob("sample-*")}
    assert made == bundled
    assert all("sample" in name for name in made)


def test_the_samples_load_with_one_late_correction() -> None:
    project = load_project(MATERIALS, today=dt.date(2020, 9, 1))
    reports = project.reports
    assert reports is not None and reports.sample
    assert len(reports.installs) == 15  # 3 carriers x 5 days, the corrected day once
    (fix,) = reports.corrections
    assert (fix.carrier, fix.day) == ("viettel", dt.date(2020, 8, 23))
    assert fix.file.endswith("viettel-bo-sung.xlsx") and fix.replaces.endswith("23-viettel.xlsx")
    assert [d for d, _, _ in fix.changed] == ["Huyện Hữu Lũng"]
    kept = next(r for r in reports.installs if (r.carrier, r.day) == (fix.carrier, fix.day))
    assert kept.file == fix.file and kept.installs()["Huyện Hữu Lũng"] == fix.changed[0][2]
    # The staff lists: 2 people per district for each carrier, MobiFone one short in Đình Lập.
    assert len(reports.staff) == 3 * 11 * 2 - 1


def test_csv_reads_the_same_as_the_xlsx_it_was_saved_from(materials: Path) -> None:
    """The kit's form saved as CSV from Excel (title rows, merged cells, the total's value) gives
    the same report as the .xlsx."""
    script = _script()
    xlsx = (materials / REPORTS / XLSX).read_bytes()
    (materials / REPORTS / XLSX).unlink()
    (materials / REPORTS / XLSX.replace(".xlsx", ".csv")).write_bytes(script.as_csv(xlsx))
    as_csv = load_project(materials, today=dt.date(2020, 9, 1)).reports
    original = load_project(MATERIALS, today=dt.date(2020, 9, 1)).reports
    assert as_csv is not None and original is not None
    pick = [(r.carrier, r.day, r.rows) for r in as_csv.installs if r.file.endswith("22-vnpt.csv")]
    assert pick == [(r.carrier, r.day, r.rows) for r in original.installs if r.file.endswith(XLSX)]


def test_a_hostile_report_fails_check_with_file_row_and_field(materials: Path) -> None:
    # The CSV form's rows: titles 1-8, header 9, districts from row 10.
    _edit_csv(materials, CSV, 10, 3, "-120")                    # negative count
    _edit_csv(materials, CSV, 11, 2, "Huyện Ba Vì")             # unknown district
    _edit_csv(materials, CSV, 12, 4, "140%")                    # rate over 100%
    _edit_csv(materials, CSV, 13, 3, "mười hai")                # text in a number cell
    _edit_xlsx(materials, XLSX, "C10", "=C11*2")                # a formula where a value belongs
    _edit_xlsx(materials, XLSX, "C11", "1200 máy")              # text in a number cell (.xlsx)
    _edit_xlsx(materials, XLSX, "C12", -5)                      # a negative number cell
    result = subprocess.run([sys.executable, str(ROOT / "build_posters.py"), "check", "--materials", str(materials)],
                            capture_output=True, text=True, env={"CAMPAIGN_KIT_DATE": "2020-09-01", "PATH": "/usr/bin"})
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out
    csv_name, xlsx_name = f"materials/{REPORTS}/{CSV}", f"materials/{REPORTS}/{XLSX}"
    for expected in (f"{csv_name}, row 10, installs: '-120' is not a whole number",
                     f"{csv_name}, row 11, district: 'Huyện Ba Vì' is not a district of the province",
                     f"{csv_name}, row 12, rate: a rate of 140.0% is over 100%",
                     f"{csv_name}, row 13, installs: 'mười hai' is not a whole number",
                     f"{xlsx_name}, row 10, installs: a formula (=C11*2), not a value",
                     f"{xlsx_name}, row 11, installs: '1200 máy' is not a whole number",
                     f"{xlsx_name}, row 12, installs: -5 is negative"):
        assert expected in out, out


@pytest.mark.parametrize("column, value, expected", [
    (3, "999999", "999,999 installed is more than the 118,000 smartphones of Thành phố Lạng Sơn"),
    (4, "9,9%", "9.9% disagrees with"),
    (5, "", "missing report time"),
    (5, "21/08/2020", "is not a report time"),
    (5, "15:00 21/07/2020", "15:00 21/07/2020 is outside the campaign (19/08/2020 – 01/09/2020)"),
    (5, "15:00 02/09/2020", "outside the campaign"),
])
def test_a_row_that_cannot_be_right(materials: Path, column: int, value: str, expected: str) -> None:
    _edit_csv(materials, CSV, 10, column, value)
    import os
    os.environ["CAMPAIGN_KIT_DATE"] = "2020-09-01"
    try:
        found = problems(materials)
    finally:
        del os.environ["CAMPAIGN_KIT_DATE"]
    fields = {3: "installs", 4: "rate", 5: "time"}
    assert any(p.startswith(f"materials/{REPORTS}/{CSV}, row 10, {fields[column]}: ") and expected in p
               for p in found), found


def test_a_carrier_that_cannot_be_told(materials: Path) -> None:
    folder = materials / REPORTS
    (folder / CSV).rename(folder / "bao-cao-21-8.csv")
    _edit_csv(materials, "bao-cao-21-8.csv", 1, 1, "TÊN DOANH NGHIỆP: ……………………")
    (folder / "sample-2020-08-22-mobifone.csv").rename(folder / "viettel-mobifone.csv")
    found = problems(materials)
    assert any("bao-cao-21-8.csv" in p and "carrier: which carrier sent this report cannot be told" in p
               for p in found), found
    assert any("viettel-mobifone.csv" in p and "names more than one carrier" in p for p in found), found


def test_the_total_must_be_the_forms_own(materials: Path) -> None:
    _edit_xlsx(materials, XLSX, "C21", "=SUM(C10:C15)")
    found = problems(materials)
    assert any(f"{XLSX}, row 21, installs: the total's formula =SUM(C10:C15) is not the form's =SUM(C10:C20)" in p
               for p in found), found


def test_the_denominators_are_checked_against_regions(materials: Path) -> None:
    path = materials / "kits/lang-son/districts.yml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("Huyện Đình Lập, population: 29000", "Huyện Ba Vì, population: 29000")
    text = text.replace("population: 63000, smartphones: 27000", "population: 63000, smartphones: 70000")
    path.write_text(text, encoding="utf-8")
    found = problems(materials)
    assert any("districts.yml" in p and "'Huyện Ba Vì' is not a district" in p for p in found), found
    assert any("districts[1].smartphones: 70,000 smartphones is more than the population" in p for p in found)


def test_a_report_on_a_district_without_figures(materials: Path) -> None:
    """A district may be added to regions.yml before its figures are known; a report naming it
    is a problem (its rate cannot be computed)."""
    path = materials / "kits/lang-son/districts.yml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line for line in lines if "Huyện Đình Lập" not in line), encoding="utf-8")
    found = problems(materials)
    assert any(f"{CSV}, row 20, district: Huyện Đình Lập has no smartphone count in" in p for p in found), found


def test_a_staff_list_row_is_checked(materials: Path) -> None:
    path = materials / REPORTS / "sample-nhan-vien-vnpt.xlsx"
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    head = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "TT")
    sheet.cell(head + 1, 4).value = "12345"
    sheet.cell(head + 2, 5).value = "Huyện Ba Vì"
    workbook.save(path)
    found = problems(materials)
    assert any(f"row {head + 1}, phone: '12345' is not a Vietnamese phone number" in p for p in found), found
    assert any(f"row {head + 2}, district: 'Huyện Ba Vì' is not a district" in p for p in found), found


def test_numbers_and_times_as_carriers_type_them() -> None:
    assert whole_number("12.500") == 12500 and whole_number("12,500") == 12500 and whole_number(3.0) == 3
    assert isinstance(whole_number("12.5"), str) and isinstance(whole_number(-1), str)
    assert isinstance(whole_number(-4.0), str) and isinstance(whole_number(True), str)
    assert report_time("15:40 21/08/2020") == dt.datetime(2020, 8, 21, 15, 40)
    assert report_time("21/8/2020 15h40") == dt.datetime(2020, 8, 21, 15, 40)
    assert report_time("2020-08-21 15:40") == dt.datetime(2020, 8, 21, 15, 40)
    assert isinstance(report_time("31/02/2020 15:00"), str)


def test_a_report_is_bounded(materials: Path) -> None:
    rows = "Stt,Tên huyện/thị/thành phố,Số lượng điện thoại thông minh cài đặt,Tỷ lệ,Thời điểm báo cáo\n"
    rows += "".join(f"{i},Huyện Văn Lãng,1,,15:00 21/08/2020\n" for i in range(6000))
    (materials / REPORTS / "vnpt-flood.csv").write_text(rows, encoding="utf-8")
    found = problems(materials)
    assert any("vnpt-flood.csv" in p and "more than 5,000 rows" in p for p in found), found


def test_text_is_nfc_and_a_decomposed_district_is_the_same(materials: Path) -> None:
    import unicodedata

    _edit_csv(materials, CSV, 10, 2, unicodedata.normalize("NFD", "Thành phố Lạng Sơn"))
    reports = load_project(materials).reports
    assert reports is not None
    report = next(r for r in reports.installs if r.file.endswith(CSV))
    assert report.rows[0].district == "Thành phố Lạng Sơn"
    assert all(unicodedata.is_normalized("NFC", r.notes) for r in report.rows)
