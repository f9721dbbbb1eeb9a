"""Stage 'progress': the site page, the summary .xlsx and the PDF report agree with each other and
with sums computed here from the input files alone; nothing from input becomes a formula; no
staff name or phone reaches the published output; one more day's report rebuilds only the
progress files."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import logging
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pypdf
import pytest

from campaign_kit.materials import load_project
from campaign_kit.pipeline import Options, build
from campaign_kit.reports import summarise
from campaign_kit.stages.progress import (
    REPORT,
    STAFF_FILE,
    SUMMARY,
    chart_svg,
    department_folder,
    report_pdf,
    summary_xlsx,
)

from .conftest import MATERIALS, with_few_stores
from .test_reports import REPORTS, _script

STAGES = ("forms", "progress", "changes", "site")
HOSTILE_SOURCE = '=1+1 -2 @A1'
HOSTILE_NAME, HOSTILE_POSITION = "=1+2", "@SUM(A1)"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("progress")
    shutil.copytree(MATERIALS, base / "materials")
    materials = with_few_stores(base / "materials")
    districts = materials / "kits/lang-son/districts.yml"
    text = districts.read_text(encoding="utf-8").replace('source: "Số liệu mẫu', f"source: '{HOSTILE_SOURCE} Số liệu mẫu")
    districts.write_text(text.replace('một nửa dân số"', "một nửa dân số'"), encoding="utf-8")
    staff = materials / REPORTS / "sample-nhan-vien-viettel.xlsx"
    workbook = openpyxl.load_workbook(staff)
    sheet = workbook.active
    head = next(r for r in range(1, 20) if sheet.cell(r, 1).value == "TT")
    sheet.cell(head + 1, 2).value, sheet.cell(head + 1, 3).value = HOSTILE_NAME, HOSTILE_POSITION
    for c in (2, 3):
        sheet.cell(head + 1, c).data_type = "s"
    workbook.save(staff)
    build(materials, base / "out", Options(only=STAGES))
    return base


def _file_rows(path: Path) -> list[list[object]]:
    if path.suffix == ".csv":
        return [list(r) for r in csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig")))]
    return [list(r) for r in openpyxl.load_workbook(path, data_only=False).active.iter_rows(values_only=True)]


def expected_totals(folder: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The last day's installs per district and per carrier, from the files alone: the report
    sent later (`-bo-sung`) replaces the first of its carrier and day."""
    latest: dict[tuple[str, str], Path] = {}
    for path in sorted(folder.glob("sample-2020-*")):
        day, carrier = re.match(r"sample-(\d{4}-\d\d-\d\d)-([a-z]+)", path.name).groups()  # type: ignore[union-attr]
        if (carrier, day) not in latest or "bo-sung" in path.name:
            latest[(carrier, day)] = path
    last = max(day for _, day in latest)
    districts: dict[str, int] = {}
    carriers: dict[str, int] = {}
    for (carrier, day), path in latest.items():
        if day != last:
            continue
        rows = _file_rows(path)
        head = next(i for i, r in enumerate(rows) if r[0] == "Stt")
        for row in rows[head + 1:]:
            if row[1] == "Tổng cộng":
                break
            districts[str(row[1])] = districts.get(str(row[1]), 0) + int(str(row[2]))
            carriers[carrier] = carriers.get(carrier, 0) + int(str(row[2]))
    return districts, carriers


def test_page_xlsx_and_pdf_agree_with_the_input_files(built: Path) -> None:
    districts, carriers = expected_totals(built / "materials" / REPORTS)
    total = sum(districts.values())
    out = built / "out"
    sheet = openpyxl.load_workbook(out / SUMMARY)["Theo huyện"]
    rows = [r for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert {r[1]: r[4] for r in rows[:-1]} == districts
    assert rows[-1][0] == "Tổng cộng" and rows[-1][4] == total
    by_carrier = {r[1]: r[2] for r in openpyxl.load_workbook(out / SUMMARY)["Theo doanh nghiệp"]
                  .iter_rows(min_row=2, values_only=True) if r[0] != "Tổng cộng"}
    assert by_carrier == {"VNPT": carriers["vnpt"], "Viettel": carriers["viettel"], "MobiFone": carriers["mobifone"]}
    pdf = " ".join(page.extract_text() for page in pypdf.PdfReader(out / REPORT).pages)
    page = (out / "progress/index.html").read_text(encoding="utf-8")
    english = (out / "en/progress/index.html").read_text(encoding="utf-8")
    for n in (total, *districts.values(), *carriers.values()):
        assert f"{n:,}".replace(",", ".") in pdf and f">{n:,}".replace(",", ".") + "<" in page
        assert f">{n:,}<" in english
    smartphones = {d.district: d.smartphones for d in load_project(built / "materials").reports.denominators.districts}
    rate = total / sum(smartphones.values())
    assert f"{rate * 100:.1f}%".replace(".", ",") in page and f"{rate * 100:.1f}%" in english
    assert "số liệu mẫu" in page.lower() and "SỐ LIỆU MẪU" in pdf
    for chart in ("trend", "districts", "carriers"):
        for lang, mark in (("vi", "DỮ LIỆU MẪU"), ("en", "SAMPLE DATA"), ("km", "ទិន្នន័យគំរូ"), ("zh", "示例数据")):
            svg = (out / f"downloads/progress/{lang}/{chart}.svg").read_text(encoding="utf-8")
            assert "<script" not in svg and mark in svg
        assert f"../downloads/progress/vi/{chart}.svg" in page and f"../../downloads/progress/en/{chart}.svg" in english
    assert f"{rate * 100:.1f}%" in (out / "downloads/progress/en/trend.svg").read_text(encoding="utf-8")
    for lang in ("en", "km", "zh"):
        assert (out / lang / "progress/index.html").is_file()
    below = [d for d, n in districts.items() if n / smartphones[d] < 0.4]
    assert below and all(re.search(rf'class="progress-below"><th scope="row">{d}<', page) for d in below)


def test_no_input_text_becomes_a_formula(built: Path) -> None:
    department = department_folder(built / "out")
    books = [*sorted((built / "out").rglob("*.xlsx")), *sorted(department.glob("*.xlsx"))]
    assert len(books) >= 4
    seen: set[str] = set()
    for path in books:
        with zipfile.ZipFile(path) as archive:
            sheets = [archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/")]
        for xml in sheets:
            for formula in re.findall(r"<f>(.*?)</f>", xml):
                assert re.fullmatch(r"SUM\(C\d+:C\d+\)", formula), (path, formula)  # the forms' own total
        for sheet in openpyxl.load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, str) and cell.value[:1] in "=+-@":
                        assert cell.data_type == "s" or cell.value.startswith("=SUM(C"), (path, cell.coordinate)
                        seen.add(cell.value)
    assert any(v.startswith(HOSTILE_SOURCE) for v in seen)  # the denominators' source, in the summary
    assert {HOSTILE_NAME, HOSTILE_POSITION} <= seen  # in the department's staff list


def _published_text(out: Path) -> str:
    parts = []
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix in (".xlsx", ".zip", ".docx"):
            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(n) for n in archive.namelist())
        if path.suffix == ".pdf":
            parts.append(" ".join(p.extract_text() for p in pypdf.PdfReader(path).pages))
        parts.append(data.decode("utf-8", "ignore"))
    return "\n".join(parts)


def test_no_staff_name_or_phone_is_published(built: Path) -> None:
    reports = load_project(built / "materials").reports
    assert reports is not None and len(reports.staff) > 60
    published = _published_text(built / "out")
    for person in reports.staff:
        assert person.name not in published and person.phone not in published
    department = department_folder(built / "out")
    merged = openpyxl.load_workbook(department / STAFF_FILE)
    names = {r[1] for r in merged["Danh sách"].iter_rows(min_row=3, values_only=True)}
    assert {p.name for p in reports.staff} <= names
    check = {(r[0], r[1]): r[3] for r in merged["Kiểm tra"].iter_rows(min_row=2, values_only=True)}
    assert check[("Huyện Đình Lập", "MobiFone")] == "Thiếu 1 người"
    assert check[("Huyện Đình Lập", "VNPT")] == "Đủ"
    assert not (built / "out" / "department").exists() and department.parent == (built / "out").parent


def test_outputs_are_byte_reproducible(built: Path) -> None:
    project = load_project(built / "materials")
    assert project.reports is not None
    summary = summarise(project.reports, project.campaign.carriers)
    for make in (lambda: chart_svg("trend", summary, project), lambda: chart_svg("districts", summary, project),
                 lambda: summary_xlsx(project, project.reports, summary),  # type: ignore[arg-type]
                 lambda: report_pdf(project, summary, chart_svg("trend", summary, project))):
        assert make() == make()
    assert (built / "out" / "downloads/progress/vi/trend.svg").read_bytes() == chart_svg("trend", summary, project)
    assert (built / "out" / "downloads/progress/km/districts.svg").read_bytes() == \
        chart_svg("districts", summary, project, "km")


def test_one_more_days_report_rebuilds_only_the_progress_files(built: Path, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    base = tmp_path / "again"
    shutil.copytree(built, base, symlinks=True)
    materials = base / "materials"
    script = _script()
    project = load_project(materials)
    day = dt.datetime(2020, 8, 26, 15, 5)
    last = openpyxl.load_workbook(materials / REPORTS / "sample-2020-08-25-vnpt.xlsx").active
    head = next(r for r in range(1, 20) if last.cell(r, 1).value == "Stt")
    smartphones = {d.district: d.smartphones for d in project.reports.denominators.districts}
    values = {}
    for r in range(head + 1, head + 12):
        district, n = last.cell(r, 2).value, last.cell(r, 3).value + 150
        values[district] = (n, round(n / smartphones[district], 3), day, "DỮ LIỆU MẪU")
    (materials / REPORTS / "sample-2020-08-26-vnpt.xlsx").write_bytes(
        script.installs_workbook(project, "VNPT Lạng Sơn", script.form_rows(project, values)))
    with caplog.at_level(logging.INFO, logger="campaign_kit"):
        build(materials, base / "out", Options(only=STAGES, cache=built / "out.cache"))
    changes = json.loads((base / "out/changes.json").read_text(encoding="utf-8"))
    touched = {p for g in changes["groups"] for k in ("added", "changed", "removed") for p in g[k]}
    charts = {f"{lang}/{n}.svg" for lang in ("vi", "en", "km", "zh") for n in ("trend", "districts", "carriers")}
    assert touched == {"downloads/progress/" + n for n in (*charts, "tong-hop-bao-cao-cai-dat.xlsx",
                                                          "bao-cao-tien-do-cai-dat.pdf")}
    # The correction of 23/08 was said by the first build; this one has none new.
    assert not [g for g in changes["groups"] if g["kind"] == "progress-correction"]
    log = caplog.text
    assert "stage forms" in log and "(nothing changed)" in log.split("stage forms")[1].split("\n")[0]
    assert log.count("mkdocs sources unchanged, its last build reused") == 4
    page = (base / "out/progress/index.html").read_text(encoding="utf-8")
    assert "26/08/2020" in page


def test_the_change_report_says_which_file_replaced_which(built: Path) -> None:
    changes = json.loads((built / "out/changes.json").read_text(encoding="utf-8"))
    (group,) = [g for g in changes["groups"] if g["kind"] == "progress-correction"]
    assert set(group) == {"kind", "count", "directive", "summary", "added", "changed", "removed"}
    vi, en = group["summary"]["vi"], group["summary"]["en"]
    assert "23/08/2020" in vi and "Viettel" in vi and "sample-2020-08-23-viettel-bo-sung.xlsx" in vi
    assert "replaces materials/kits/lang-son/reports/sample-2020-08-23-viettel.xlsx" in en
    assert "Huyện Hữu Lũng" in en and group["changed"] and all(p.startswith("downloads/progress/")
                                                                for p in group["changed"])
