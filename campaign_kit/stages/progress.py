"""Stage 'progress': the carriers' reports read back (`reports.py`), as the department needs them.

Published (no personal data; kinds `progress-chart`, `progress-summary`, `progress-report`):

- `downloads/progress/{trend,districts,carriers}.svg`: charts drawn here as plain SVG (no
  plotting library: see README, Decisions), the numbers also in the site page's tables;
- `downloads/progress/tong-hop-bao-cao-cai-dat.xlsx`: totals, per district, per carrier, per day,
  the reports in force and the corrections;
- `downloads/progress/bao-cao-tien-do-cai-dat.pdf`: the same as an official letter's annex
  (`templates/print/report.html.j2`), to sign and send upward.

Not published: the support-staff lists (names and phone numbers), merged and checked per district,
go to the department's folder beside the output, `<out>-department/`, replaced as a whole
(written next to it, then swapped in), with copies of the summary and the report.

Everything published is keyed by the report files' content (and the denominators, the
templates, the code): a rebuild after one more day's report makes these again and nothing else.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import math
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence
from xml.sax.saxutils import escape

from ..artifacts import Made
from ..context import BuildContext
from ..model import Project
from ..output import swap_in
from ..publish.office import xlsx_bytes
from ..reports import STAFF_PER_DISTRICT, Line, Reports, StaffMember, Summary, summarise

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

log = logging.getLogger("campaign_kit")

FOLDER = "downloads/progress/"
CHARTS = ("trend", "districts", "carriers")
SUMMARY = FOLDER + "tong-hop-bao-cao-cai-dat.xlsx"
REPORT = FOLDER + "bao-cao-tien-do-cai-dat.pdf"
STAFF_FILE = "danh-sach-nhan-vien-ho-tro-cai-dat.xlsx"
DEPARTMENT_SUFFIX = "-department"
SAMPLE = "DỮ LIỆU MẪU · SAMPLE DATA"
FONT = "Times New Roman"  # the font of Vietnamese official documents (as the forms)

# The summary's fixed Vietnamese wording (the department's own report, like the forms).
WORDS: dict[str, Any] = {
    "title": "Tổng hợp kết quả cài đặt {app} trên địa bàn tỉnh {province}",
    "sample": "SỐ LIỆU MẪU — không phải số liệu thật, không dùng để báo cáo",
    "as_of": "Số liệu đến", "source": "Nguồn số liệu dân số, điện thoại thông minh", "target": "Chỉ tiêu tỷ lệ cài đặt",
    "reports": "Số báo cáo đã nhận (mỗi doanh nghiệp, mỗi ngày)",
    "sheets": ("Tổng hợp", "Theo huyện", "Theo doanh nghiệp", "Theo ngày", "Báo cáo đã nhận"),
    "district_cols": ("Stt", "Huyện/thành phố", "Dân số", "Số điện thoại thông minh", "Số đã cài đặt", "Tỷ lệ",
                      "Dưới chỉ tiêu"),
    "carrier_cols": ("Stt", "Doanh nghiệp", "Số đã cài đặt", "Tỷ lệ trong tổng số"),
    "day_cols": ("Ngày", "Toàn tỉnh", "Tỷ lệ"),
    "file_cols": ("Doanh nghiệp", "Ngày", "Thời điểm báo cáo", "Tệp", "Ghi chú"),
    "province": "Toàn tỉnh", "total": "Tổng cộng", "below": "Dưới chỉ tiêu", "yes": "Có",
    "replaced": "Thay tệp {file} (gửi trước, số liệu khác)",
}


def run(ctx: BuildContext, made: Made) -> None:
    reports = ctx.project.reports
    if reports is None:
        return
    project = ctx.project
    summary = summarise(reports, project.campaign.carriers)
    # The published files' inputs: the reports' and denominators' content, the settings and
    # names they show, the templates; never the staff lists.
    base = dict(reports=reports.key(), denominators=repr(reports.denominators),
                carriers=repr(project.campaign.carriers), campaign=repr(project.campaign.campaign),
                settings=repr(project.settings))
    charts: dict[str, bytes] = {}
    for lang in project.languages:  # each language's page shows its own: words and number style
        words = repr(ChartWords.of(project, lang.code))
        for name in CHARTS:
            rel = f"{FOLDER}{lang.code}/{name}.svg"
            key = ctx.memo.key("progress-chart", chart=name, lang=lang.code, words=words, **base)
            ctx.memo.link(ctx.out, rel, key, _maker(name, summary, project, lang.code),
                          "progress-chart", lang=lang.code, title=name, sample=summary.sample or None)
            if lang.code == project.default_lang:
                charts[name] = (ctx.out.root / rel).read_bytes()
    ctx.memo.link(ctx.out, SUMMARY, ctx.memo.key("progress-summary", **base),
                  lambda: summary_xlsx(project, reports, summary), "progress-summary",
                  title=_title(project), sample=summary.sample or None,
                  inputs=input_list(reports))  # for the change report: which corrections are new
    key = ctx.memo.key("progress-report", templates=ctx.templates_digest(), **base)
    ctx.memo.link(ctx.out, REPORT, key, lambda: report_pdf(project, summary, charts["trend"]),
                  "progress-report", title=_title(project), sample=summary.sample or None)
    department = department_folder(ctx.previous_root)
    files = {STAFF_FILE: staff_xlsx(project, reports.staff, summary.sample),
             Path(SUMMARY).name: (ctx.out.root / SUMMARY).read_bytes(),
             Path(REPORT).name: (ctx.out.root / REPORT).read_bytes(),
             "README.txt": _readme(project, reports).encode("utf-8")}
    if write_folder(department, files):
        log.info("progress: the department's files (support staff, not published) are in %s", department)


def input_list(reports: Reports) -> str:
    """The install report files a summary was made from, one "sha256 file" a line."""
    return "\n".join(f"{sha} {name}" for name, sha in reports.files)


def _maker(name: str, summary: Summary, project: Project, lang: str) -> Callable[[], bytes]:
    return lambda: chart_svg(name, summary, project, lang)


def department_folder(out: Path) -> Path:
    """The department's own folder beside the published output: never part of it."""
    return out.with_name(out.name + DEPARTMENT_SUFFIX)


def write_folder(folder: Path, files: dict[str, bytes]) -> bool:
    """Replace `folder` with exactly `files`, all at once (written beside it, then renamed in);
    False when it already holds them."""
    if folder.is_dir() and sorted(p.name for p in folder.iterdir()) == sorted(files) and all(
            hashlib.sha256((folder / n).read_bytes()).digest() == hashlib.sha256(d).digest() for n, d in files.items()):
        return False
    temp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    for name, data in sorted(files.items()):
        (temp / name).write_bytes(data)
    swap_in(temp, folder)  # one renameat2(RENAME_EXCHANGE), as the output's own swap
    shutil.rmtree(temp, ignore_errors=True)  # now the folder as it was
    return True


def _title(project: Project) -> str:
    return str(WORDS["title"]).format(app=project.settings.app_name, province=project.campaign.campaign.province)


def percent(rate: float | None) -> str:
    """A rate as every progress output shows it: one decimal, Vietnamese comma."""
    return "—" if rate is None else f"{rate * 100:.1f}%".replace(".", ",")


def number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


# -- charts ------------------------------------------------------------------------------------

_W, _ROW = 720, 26
_INK, _MUTED, _GRID, _WARN = "#1a1a1a", "#555555", "#d9d9d9", "#b3261e"
BOLD = ' font-weight="700"'
HALO = ' paint-order="stroke" stroke="#ffffff" stroke-width="3"'  # a label stays legible over a line
_FONTS = {"km": "Noto Sans Khmer, ", "zh": "Noto Sans CJK SC, "}


@dataclass(frozen=True)
class ChartWords:
    """A chart's words and number style in one language (the site texts' `progress`)."""

    titles: dict[str, str]
    target: str
    sample: str
    thousands: str = "."
    decimal: str = ","

    @classmethod
    def of(cls, project: Project, lang: str) -> ChartWords:
        w = project.text(lang, "progress")
        return cls({"trend": w["trend"], "districts": w["districts"], "carriers": w["carriers"]}, w["target"],
                   w["chart_sample"], w.get("thousands", "."), w.get("decimal", ","))

    def pc(self, rate: float | None) -> str:
        return "—" if rate is None else f"{rate * 100:.1f}".replace(".", self.decimal) + "%"

    def n(self, value: int) -> str:
        return f"{value:,}".replace(",", self.thousands)


def chart_svg(name: str, summary: Summary, project: Project, lang: str | None = None) -> bytes:
    """One chart as SVG in `lang` (default: the first language), drawn from the summary's
    numbers: the same numbers, the same bytes."""
    lang = lang or project.default_lang
    w = ChartWords.of(project, lang)
    colours = project.campaign.colours
    sample = summary.sample
    if name == "trend":
        body, height = _trend(summary, colours.primary, colours.accent, w)
    elif name == "districts":
        body, height = _bars([(ln.name, ln.rate or 0.0, w.pc(ln.rate), ln.below) for ln in summary.districts],
                             summary.target, colours.primary, w, top=46 if sample else 28)
    else:
        total = sum(ln.installs for ln in summary.carriers) or 1
        carrier_colour = {c.name: c.background for c in project.campaign.carriers}
        body, height = _bars([(ln.name, ln.installs / total, w.n(ln.installs), False) for ln in summary.carriers],
                             None, colours.primary, w, carrier_colour, axis=False, top=46 if sample else 28)
    mark = (f'<text x="{_W - 8}" y="16" text-anchor="end" font-size="12" font-weight="700" fill="{_WARN}">'
            f"{escape(w.sample)}</text>") if sample else ""
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_W} {height}" width="{_W}" height="{height}" '
           f'role="img" aria-labelledby="t" xml:lang="{escape(lang)}"><title id="t">{escape(w.titles[name])}</title>'
           f'<rect width="{_W}" height="{height}" fill="#ffffff"/>'
           f'<g font-family="{_FONTS.get(lang, "")}Noto Sans, Arial, sans-serif" font-size="13" fill="{_INK}">'
           f"{body}{mark}</g></svg>\n")
    return svg.encode("utf-8")


def _bars(items: Sequence[tuple[str, float, str, bool]], target: float | None, colour: str, w: ChartWords,
          colours: dict[str, str] | None = None, axis: bool = True, top: int = 28) -> tuple[str, int]:
    left, right = 190, 90
    width = _W - left - right
    height = top + _ROW * len(items) + (30 if axis else 4)
    # The scale: the largest value or the target, up to the next 10%.
    scale = math.ceil(max([target or 0.0, *(v for _, v, _, _ in items)]) * 10 + 0.3) / 10 or 1.0
    parts = []
    step = 1 if scale <= 0.6 else 2  # a grid line every 10% (20% past 60%)
    for i in range(0, round(scale * 10) + 1, step) if axis else ():
        x = left + width * i / 10 / scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="{_GRID}"/>'
                     f'<text x="{x:.1f}" y="{height - 8}" text-anchor="middle" font-size="11" fill="{_MUTED}">'
                     f'{escape(w.pc(i / 10))}</text>')
    for i, (label, value, shown, below) in enumerate(items):
        y = top + _ROW * i
        fill = _WARN if below else (colours or {}).get(label, colour)
        parts.append(f'<text x="{left - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 4}" width="{width * value / scale:.1f}" height="{_ROW - 8}" fill="{fill}"/>'
                     f'<text x="{left + width * value / scale + 6:.1f}" y="{y + 17}"{HALO}'
                     f'{BOLD if below else ""}>{escape(shown)}</text>')
    if target:
        x = left + width * target / scale
        parts.append(f'<line x1="{x:.1f}" y1="{top - 10}" x2="{x:.1f}" y2="{height - 24}" stroke="{_INK}" '
                     f'stroke-dasharray="5 4" stroke-width="1.5"/><text x="{x + 4:.1f}" y="{top - 12}" font-size="11">'
                     f'{escape(w.target + " " + w.pc(target))}</text>')
    return "".join(parts), height


def _trend(summary: Summary, colour: str, accent: str, w: ChartWords) -> tuple[str, int]:
    left, right, top, bottom, height = 60, 30, 30, 40, 300
    width, plot = _W - left - right, height - top - bottom
    points = [(ln.name, ln.rate or 0.0) for ln in summary.province]
    scale = max([summary.target * 1.25, *(r for _, r in points)]) or 1.0
    parts = []
    for i in range(6):
        y = top + plot - plot * i / 5
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{_W - right}" y2="{y:.1f}" stroke="{_GRID}"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="{_MUTED}">'
                     f'{escape(w.pc(scale * i / 5))}</text>')
    n = len(points)
    xy = [(left + (width * i / (n - 1) if n > 1 else width / 2), top + plot - plot * r / scale)
          for i, (_, r) in enumerate(points)]
    ty = top + plot - plot * summary.target / scale
    parts.append(f'<line x1="{left}" y1="{ty:.1f}" x2="{_W - right}" y2="{ty:.1f}" stroke="{_WARN}" '
                 f'stroke-dasharray="6 4" stroke-width="1.5"/><text x="{left + 6}" y="{ty - 6:.1f}" '
                 f'font-size="11" fill="{_WARN}"{HALO}>{escape(w.target + " " + w.pc(summary.target))}</text>')
    if xy:
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="3" points="'
                     + " ".join(f"{x:.1f},{y:.1f}" for x, y in xy) + '"/>')
    for (label, rate), (x, y) in zip(points, xy):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{accent}"/>'
                     f'<text x="{x:.1f}" y="{y - 10:.1f}" text-anchor="middle" font-size="12" font-weight="700"{HALO}>'
                     f'{escape(w.pc(rate))}</text><text x="{x:.1f}" y="{height - 14}" text-anchor="middle" '
                     f'font-size="11" fill="{_MUTED}">{escape(label[:5])}</text>')
    return "".join(parts), height


# -- the summary .xlsx -------------------------------------------------------------------------


def _put(sheet: Worksheet, row: int, column: int, value: object, *, bold: bool = False,
         number_format: str | None = None) -> None:
    """One cell. Text is always a string cell: openpyxl makes a str starting with "=" a formula,
    and a district, carrier or file name from the reports must never run as one (as forms.py)."""
    from openpyxl.styles import Alignment, Font

    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    cell.font = Font(name=FONT, size=12, bold=bold)
    cell.alignment = Alignment(vertical="center", wrap_text=isinstance(value, str))
    if number_format:
        cell.number_format = number_format


def _table(sheet: Worksheet, start: int, head: Sequence[str], rows: Sequence[Sequence[object]],
           formats: Sequence[str | None], widths: Sequence[float]) -> None:
    from openpyxl.utils import get_column_letter

    for c, (title, w) in enumerate(zip(head, widths), start=1):
        _put(sheet, start, c, title, bold=True)
        sheet.column_dimensions[get_column_letter(c)].width = w
    for r, values in enumerate(rows, start=start + 1):
        for c, (value, fmt) in enumerate(zip(values, formats), start=1):
            _put(sheet, r, c, value, number_format=fmt, bold=r == start + len(rows) and values[0] == WORDS["total"])
    sheet.freeze_panes = sheet.cell(row=start + 1, column=1)


def summary_xlsx(project: Project, reports: Reports, summary: Summary) -> bytes:
    from openpyxl import Workbook

    den = reports.denominators
    workbook = Workbook()
    names = WORDS["sheets"]
    first = workbook.active
    assert first is not None
    sheets = [first] + [workbook.create_sheet() for _ in names[1:]]
    for sheet, name in zip(sheets, names):
        sheet.title = str(name)
    total = summary.total
    head = sheets[0]
    lines: list[tuple[str, object, str | None]] = [
        (_title(project), None, None),
        (project.campaign.campaign.department, None, None),
    ]
    if summary.sample:
        lines.append((str(WORDS["sample"]), None, None))
    lines += [
        (str(WORDS["as_of"]), f"{summary.latest:%H:%M %d/%m/%Y}" if summary.latest else "—", None),
        (str(WORDS["province"]) + ": " + str(WORDS["district_cols"][3]), total.smartphones if total else None, "#,##0"),
        (str(WORDS["province"]) + ": " + str(WORDS["district_cols"][4]), total.installs if total else None, "#,##0"),
        (str(WORDS["province"]) + ": " + str(WORDS["district_cols"][5]), total.rate if total else None, "0.0%"),
        (str(WORDS["target"]), summary.target, "0.0%"),
        (str(WORDS["reports"]), summary.reports, "#,##0"),
        (str(WORDS["source"]), den.source, None),
    ]
    for r, (label, value, fmt) in enumerate(lines, start=1):
        _put(head, r, 1, label, bold=r <= 2 or label == WORDS["sample"])
        if value is not None:
            _put(head, r, 2, value, number_format=fmt)
    head.column_dimensions["A"].width, head.column_dimensions["B"].width = 60, 60
    population = {d.district: d.population for d in den.districts}
    rows: list[list[object]] = [[i, ln.name, population[ln.name], ln.smartphones, ln.installs, ln.rate,
                                 WORDS["yes"] if ln.below else ""] for i, ln in enumerate(summary.districts, start=1)]
    if total:
        rows.append([WORDS["total"], "", sum(population.values()), total.smartphones, total.installs, total.rate,
                     WORDS["yes"] if total.below else ""])
    _table(sheets[1], 1, WORDS["district_cols"], rows, (None, None, "#,##0", "#,##0", "#,##0", "0.0%", None),
           (8, 26, 12, 16, 14, 10, 14))
    all_carriers = sum(ln.installs for ln in summary.carriers) or 1
    rows = [[i, ln.name, ln.installs, ln.installs / all_carriers] for i, ln in enumerate(summary.carriers, start=1)]
    rows.append([WORDS["total"], "", sum(ln.installs for ln in summary.carriers), 1.0 if summary.carriers else None])
    _table(sheets[2], 1, WORDS["carrier_cols"], rows, (None, None, "#,##0", "0.0%"), (8, 22, 16, 18))
    carriers = [ln.name for ln in summary.carriers]
    per = {(d.isoformat(), c): n for d, c, n in summary.by_day_carrier}
    rows = [[ln.name, ln.installs, ln.rate, *(per.get((day.isoformat(), c)) for c in carriers)]
            for day, ln in zip(summary.days, summary.province)]
    _table(sheets[3], 1, (*WORDS["day_cols"], *carriers), rows, (None, "#,##0", "0.0%", *("#,##0" for _ in carriers)),
           (14, 14, 10, *(14 for _ in carriers)))
    by_carrier = {c.id: c.name for c in project.campaign.carriers}
    replaced = {(c.carrier, c.day): c.replaces for c in reports.corrections}
    rows = [[by_carrier.get(r.carrier, r.carrier), r.day.strftime("%d/%m/%Y"), f"{r.reported_at:%H:%M %d/%m/%Y}",
             r.file, str(WORDS["replaced"]).format(file=replaced[(r.carrier, r.day)])
             if (r.carrier, r.day) in replaced else ""] for r in reports.installs]
    _table(sheets[4], 1, WORDS["file_cols"], rows, (None,) * 5, (18, 12, 18, 56, 60))
    day = summary.days[-1] if summary.days else None
    return xlsx_bytes(workbook, title=_title(project), day=day, author=project.campaign.campaign.department)


def staff_xlsx(project: Project, staff: Sequence[StaffMember], sample: bool) -> bytes:
    """The support staff of every carrier, merged: one list by district, then a check of each
    district × carrier against the letter's minimum."""
    from openpyxl import Workbook

    kept: dict[tuple[str, str, str], StaffMember] = {}
    for person in staff:  # the same person sent twice (same district, carrier, phone): the later file
        kept[(person.district, person.carrier, person.phone)] = person
    districts = [d for p in project.provinces if p.name == project.campaign.campaign.province for d in p.districts]
    order = {d: i for i, d in enumerate(districts)}
    carriers = {c.id: c.name for c in project.campaign.carriers}
    rank = {c: i for i, c in enumerate(carriers)}
    people = sorted(kept.values(), key=lambda p: (order.get(p.district, len(order)), rank.get(p.carrier, len(rank)),
                                                  p.name, p.phone))
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Danh sách"
    top = 1
    if sample:
        _put(sheet, 1, 1, str(WORDS["sample"]), bold=True)
        top = 2
    rows = [[i, p.name, p.position, p.phone, p.district, carriers.get(p.carrier, p.carrier), p.file, p.row]
            for i, p in enumerate(people, start=1)]
    _table(sheet, top, ("TT", "Họ tên", "Chức vụ", "Điện thoại liên hệ", "Huyện/thành phố", "Doanh nghiệp",
                        "Tệp", "Dòng"), rows, (None,) * 8, (6, 28, 22, 16, 22, 16, 40, 8))
    check = workbook.create_sheet("Kiểm tra")
    reporting = sorted({p.carrier for p in people}, key=lambda c: rank.get(c, len(rank)))
    rows = []
    for district in districts:
        for carrier in reporting:
            n = sum(1 for p in people if p.district == district and p.carrier == carrier)
            rows.append([district, carriers.get(carrier, carrier), n,
                         "Đủ" if n >= STAFF_PER_DISTRICT else f"Thiếu {STAFF_PER_DISTRICT - n} người"])
    _table(check, 1, ("Huyện/thành phố", "Doanh nghiệp", "Số người",
                      f"Tối thiểu {STAFF_PER_DISTRICT:02d} người/doanh nghiệp"), rows, (None,) * 4, (26, 18, 10, 28))
    return xlsx_bytes(workbook, title="Danh sách nhân viên hỗ trợ cài đặt (không công bố)", day=None,
                      author=project.campaign.campaign.department)


# -- the PDF report ----------------------------------------------------------------------------


def report_context(project: Project, summary: Summary, trend_svg: bytes) -> dict[str, Any]:
    campaign = project.campaign.campaign
    return {
        "lang": "vi", "title": _title(project), "province": campaign.province, "department": campaign.department,
        "app_name": project.settings.app_name, "summary": summary, "total": summary.total,
        "percent": percent, "number": number, "sample": summary.sample,
        "latest": f"{summary.latest:%H giờ %M, ngày %d/%m/%Y}" if summary.latest else "—",
        "date": (summary.days[-1] if summary.days else dt.date(2020, 1, 1)).isoformat(),
        "chart": "data:image/svg+xml;base64," + base64.b64encode(trend_svg).decode("ascii"),
        "per_day": _per_day(summary),
    }


def _per_day(summary: Summary) -> list[tuple[Line, list[int | None]]]:
    carriers = [ln.name for ln in summary.carriers]
    per = {(d, c): n for d, c, n in summary.by_day_carrier}
    return [(ln, [per.get((day, c)) for c in carriers]) for day, ln in zip(summary.days, summary.province)]


def report_pdf(project: Project, summary: Summary, trend_svg: bytes) -> bytes:
    from ..printing.render import Renderer

    renderer = Renderer()
    html = renderer.html("report.html.j2", report_context(project, summary, trend_svg))
    return renderer.pdf(html, "progress report")


def _readme(project: Project, reports: Reports) -> str:
    return (f"Thư mục của {project.campaign.campaign.department} — KHÔNG CÔNG BỐ (không đưa lên trang web)\n\n"
            f"{STAFF_FILE}: danh sách nhân viên hỗ trợ cài đặt của các doanh nghiệp, gộp theo huyện, đã kiểm tra "
            f"(trang 'Kiểm tra': mỗi doanh nghiệp tối thiểu {STAFF_PER_DISTRICT:02d} người mỗi huyện). Có họ tên, số điện "
            "thoại: dữ liệu cá nhân, chỉ dùng trong Sở.\n"
            f"{Path(SUMMARY).name}, {Path(REPORT).name}: bảng tổng hợp và báo cáo (phụ lục) gửi cấp trên, giống bản "
            "trên trang web.\n\n"
            f"Tệp danh sách đã đọc: {', '.join(f for f, _ in reports.staff_files) or 'không có'}.\n"
            "Thư mục này được dựng lại mỗi lần dựng bộ tài liệu (build_posters.py build).\n")

