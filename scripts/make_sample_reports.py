"""Write the SAMPLE returned report forms of the Lạng Sơn kit (synthetic numbers and people).

Into ``materials/kits/lang-son/reports/``, every file named ``sample-…``:

    sample-2020-08-DD-vnpt.xlsx       Biểu mẫu số 1 as the kit prints it, filled in: Excel date-time cells
    sample-2020-08-DD-viettel.xlsx    the same, report times typed as text ("15:40 21/08/2020")
    sample-2020-08-DD-mobifone.csv    the same form saved as CSV (UTF-8 with BOM) from Excel
    sample-2020-08-23-viettel-bo-sung.xlsx   a late correction: Viettel's report of 23/08 sent
                                      again at 20:15 with one district's number corrected
    sample-nhan-vien-<carrier>.xlsx   the support-staff list, two people per district (MobiFone
                                      one short in Huyện Đình Lập: the department's list flags it)

Every form is made by the kit's own code (`stages/forms.build_form`), so the intake reads back
exactly what the kit prints. Deterministic: the same run writes byte-identical files (checked).
Then the kit is loaded (`load_project`), which reads and checks every report, and the totals
are printed.

Usage: python scripts/make_sample_reports.py [--materials DIR]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign_kit.materials import KITS, load_project  # noqa: E402
from campaign_kit.model import Project  # noqa: E402
from campaign_kit.publish.labels import kit_words  # noqa: E402
from campaign_kit.publish.office import xlsx_bytes  # noqa: E402
from campaign_kit.reports import DENOMINATORS, REPORTS, summarise  # noqa: E402
from campaign_kit.stages.forms import build_form, form_directive, form_header, province_districts  # noqa: E402

KIT = "lang-son"
DAYS = tuple(dt.date(2020, 8, 21) + dt.timedelta(days=i) for i in range(5))
# carrier id -> (what it writes after "TÊN DOANH NGHIỆP:", its share of the smartphones, file shape)
CARRIERS = {
    "vnpt": ("Trung tâm kinh doanh VNPT Lạng Sơn", 0.36, "xlsx-datetime"),
    "viettel": ("Viettel Lạng Sơn", 0.44, "xlsx-text"),
    "mobifone": ("MobiFone Lạng Sơn", 0.20, "csv"),
}
SAMPLE_NOTE = "DỮ LIỆU MẪU"
CORRECTED = ("viettel", DAYS[2], "Huyện Hữu Lũng")
SURNAMES = ("Nguyễn", "Trần", "Hoàng", "Lương", "Nông", "Hà", "Vi", "Lăng", "Triệu", "Đinh")
MIDDLE = ("Văn", "Thị", "Đức", "Minh", "Thu", "Hữu")
GIVEN = ("An", "Bình", "Chi", "Dung", "Giang", "Hạnh", "Khánh", "Lan", "Mai", "Nam", "Phúc", "Quỳnh",
         "Sơn", "Thảo", "Tuấn", "Vân", "Yến", "Hiếu", "Lộc", "Tâm")
POSITIONS = ("Nhân viên giao dịch", "Nhân viên kỹ thuật", "Trưởng cửa hàng", "Nhân viên kinh doanh")


def installs(rng: random.Random, smartphones: int, share: float, day: int, pace: float) -> int:
    """A carrier's installs so far in a district: growing each day, at the district's pace."""
    reached = (0.16 + 0.075 * day) * pace * share * (1 + rng.uniform(-0.03, 0.03))
    return int(smartphones * min(reached, share))


def form_rows(project: Project, values: dict[str, tuple[int, float, object, str]]) -> list[list[object]]:
    return [[i, d, *values[d]] if d in values else [i, d, None, None, None, None]
            for i, d in enumerate(province_districts(project), start=1)]


def installs_workbook(project: Project, owner: str, rows: list[list[object]]) -> bytes:
    form = kit_words().forms["installs"]
    origin = form_directive(project, "installs")
    assert origin is not None, "no letter of the kit asks for the installs report"
    workbook = build_form(project, form, form_header(project, "installs", origin), rows)
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = f"TÊN DOANH NGHIỆP: {owner} ({SAMPLE_NOTE})"
    sheet["A1"].data_type = "s"
    return xlsx_bytes(workbook, title=f"{form.title} — {owner} ({SAMPLE_NOTE})", day=origin.date, author=owner)


def as_csv(data: bytes) -> bytes:
    """The workbook's first sheet as Excel saves it as "CSV UTF-8": every row, the total's value."""
    import openpyxl

    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    first = None
    for row in sheet.iter_rows():
        values: list[object] = []
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith("=SUM("):  # Excel writes what it shows
                value = sum(int(v) for v in (sheet.cell(r, 3).value for r in range(first or 1, cell.row))
                            if isinstance(v, int))
            values.append("" if value is None else value)
        if first is None and row[0].value == "Stt":
            first = row[0].row + 1
        writer.writerow(values)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def staff_workbook(project: Project, carrier_id: str, people: list[list[object]]) -> bytes:
    form = kit_words().forms["staff"]
    origin = form_directive(project, "staff")
    assert origin is not None, "no letter of the kit asks for the staff list"
    workbook = build_form(project, form, form_header(project, "staff", origin), people)
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = f"{project.campaign.campaign.department} ({SAMPLE_NOTE})"
    sheet["A1"].data_type = "s"
    return xlsx_bytes(workbook, title=f"{form.title} ({SAMPLE_NOTE})", day=origin.date, author=carrier_id)


def make(materials: Path) -> dict[str, bytes]:
    # The forms only need the kit's letters, districts and carriers: old samples are left out.
    project = load_project(materials, kit=KIT, today=dt.date(2020, 9, 1))
    assert project.reports is not None, f"{DENOMINATORS} is needed"
    den = {d.district: d.smartphones for d in project.reports.denominators.districts}
    rng = random.Random(17)
    pace = {d: rng.uniform(0.72, 1.12) for d in den}
    files: dict[str, bytes] = {}
    carriers = {c.id: c.name for c in project.campaign.carriers}
    for k, day in enumerate(DAYS):
        for carrier, (owner, share, shape) in CARRIERS.items():
            at = dt.datetime.combine(day, dt.time(14 + k % 2, 10 + 7 * k + 3 * list(CARRIERS).index(carrier)))
            values: dict[str, tuple[int, float, object, str]] = {}
            correct: dict[str, int] = {}
            for district, smartphones in den.items():
                n = installs(rng, smartphones, share, k, pace[district])
                correct[district] = n
                when: object = at if shape == "xlsx-datetime" else f"{at:%H:%M %d/%m/%Y}"
                shown_n = n
                if (carrier, day, district) == CORRECTED:  # digits swapped, caught that evening
                    text = str(n)
                    shown_n = int(text[1] + text[0] + text[2:])
                rate: object = round(shown_n / smartphones, 3)
                if shape == "csv":
                    rate = f"{shown_n / smartphones:.1%}".replace(".", ",")
                values[district] = (shown_n, rate, when, SAMPLE_NOTE)  # type: ignore[assignment]
            data = installs_workbook(project, owner, form_rows(project, values))
            name = f"sample-{day.isoformat()}-{carrier}"
            files[f"{name}.csv" if shape == "csv" else f"{name}.xlsx"] = as_csv(data) if shape == "csv" else data
            if (carrier, day) == CORRECTED[:2]:
                late = dt.datetime.combine(day, dt.time(20, 15))
                fixed = {d: (correct[d], round(correct[d] / den[d], 3), f"{late:%H:%M %d/%m/%Y}",
                             f"Báo cáo bổ sung, thay báo cáo lúc {at:%H:%M}: sửa số của {d} ({SAMPLE_NOTE})"
                             if d == CORRECTED[2] else SAMPLE_NOTE) for d in den}
                files[f"{name}-bo-sung.xlsx"] = installs_workbook(project, owner, form_rows(project, fixed))
    person = 0
    for carrier in CARRIERS:
        people: list[list[object]] = []
        for district in den:
            count = 1 if (carrier, district) == ("mobifone", "Huyện Đình Lập") else 2
            for _ in range(count):
                person += 1
                name = f"{SURNAMES[person % 10]} {MIDDLE[person % 6]} {GIVEN[person % 20]} (mẫu {person:03d})"
                phone = f"0900 {person // 1000:03d} {person % 1000:03d}"
                people.append([len(people) + 1, name, POSITIONS[person % 4], phone, district, carriers[carrier]])
        files[f"sample-nhan-vien-{carrier}.xlsx"] = staff_workbook(project, carrier, people)
    return files


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--materials", type=Path, default=ROOT / "materials")
    args = parser.parse_args()
    folder = args.materials / KITS / KIT / REPORTS
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("sample-*"):
        old.unlink()
    files = make(args.materials)
    again = make(args.materials)
    if {k: hashlib.sha256(v).hexdigest() for k, v in files.items()} != \
            {k: hashlib.sha256(v).hexdigest() for k, v in again.items()}:
        print("error: two runs made different files", file=sys.stderr)
        return 1
    for name, data in sorted(files.items()):
        (folder / name).write_bytes(data)
    project = load_project(args.materials, kit=KIT, today=dt.date(2020, 9, 1))
    assert project.reports is not None
    summary = summarise(project.reports, project.campaign.carriers)
    print(f"{len(files)} sample files in {folder}: {summary.reports} reports in force, "
          f"{len(project.reports.corrections)} correction(s), {len(project.reports.staff)} staff")
    for line in summary.province:
        print(f"  {line.name}: {line.installs:,} of {line.smartphones:,} smartphones ({line.rate:.1%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
