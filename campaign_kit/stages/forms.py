"""Stage 'forms': the report forms the kit's letters ask for, as .xlsx, prefilled from `materials/`.

- `installs`: installs per district (Bình Phước's Biểu mẫu số 1; Lạng Sơn asks for a daily
  report without a form), one row per district of the kit's province, report time and rate left
  for the carrier to fill.
- `staff`: the support-staff list (Lạng Sơn's annex): district × carrier rows, at least
  `STAFF_PER_DISTRICT` people per district for each carrier, name/position/phone left blank.

A form is made only when a letter in force for the kit asks for it (`forms:` or a deadline with
`form:` in its front matter); the newest such letter gives its code, annex line and deadlines.
The wording and columns are in `templates/kit/labels.yml`. Outputs:
`downloads/forms/<name>.xlsx`, kind `form`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from ..artifacts import Made
from ..context import BuildContext
from ..errors import BuildError
from ..model import Directive, Project
from ..publish.labels import FormWords, kit_words, render
from ..publish.office import xlsx_bytes

# "Mỗi huyện/thành phố tối thiểu 02 người" (Lạng Sơn Sở TTTT, 19/8/2020).
STAFF_PER_DISTRICT = 2
FONT = "Times New Roman"  # the font of Vietnamese official forms

if TYPE_CHECKING:  # openpyxl is imported when a form is made: a rebuild that keeps them skips it
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


@dataclass(frozen=True)
class FormHeader:
    """What the header of a form says besides its fixed wording: all from the letter that asks
    for it."""

    province: str
    department: str
    directive: str
    """The letter the form comes from ("…/STTTT-BCVT, Sở TTTT Lạng Sơn (19/08/2020)")."""
    code: str | None
    annex: str | None
    deadline: str | None


READS_STORES = False
"""Made from materials without the store lists: the pipeline reuses its files while those are unchanged."""

FORM_SETTINGS = frozenset({"app_name"})
"""The settings the forms' wording fills in (their titles name the app)."""


def form_directive(project: Project, form_id: str) -> Directive | None:
    """The newest letter in force that asks for form `form_id` (attaches it or sets a deadline
    printed on it)."""
    asking = [d for d in project.directives if d.in_force
              and (form_id in d.forms or any(x.form == form_id for x in d.deadlines))]
    return max(asking, key=lambda d: d.sort_key) if asking else None


def form_header(project: Project, form_id: str, directive: Directive) -> FormHeader:
    asked = directive.forms.get(form_id)
    deadlines = [d.when for d in directive.deadlines if d.form == form_id]
    return FormHeader(province=project.campaign.campaign.province,
                      department=project.campaign.campaign.department, directive=directive.reference,
                      code=asked.code if asked else None, annex=asked.annex if asked else None,
                      deadline="; ".join(deadlines) or None)


def run(ctx: BuildContext, made: Made) -> None:
    project = ctx.project
    districts = province_districts(project)
    rows_of = {"installs": lambda: installs_rows(districts),
               "staff": lambda: staff_rows(districts, [c.name for c in project.campaign.carriers])}
    for form_id, form in kit_words().forms.items():
        origin = form_directive(project, form_id)
        if origin is None:  # no letter of this kit asks for it
            continue
        header = form_header(project, form_id, origin)
        # Named in the manifest: the newest of the letter it comes from and any that set what it shows.
        cited = max((d for d in (origin, project.effective.directive_for(FORM_SETTINGS)) if d),
                    key=lambda d: d.sort_key)
        rows = rows_of[form_id]()
        workbook = build_form(project, form, header, rows)
        title = render(form.title, project.settings)
        ctx.out.write_bytes(f"downloads/forms/{form.file}.xlsx",
                            xlsx_bytes(workbook, title=title, day=cited.date, author=header.department),
                            "form", directive=cited.reference, origin=origin.reference,
                            form=form.file, rows=len(rows), title=title)


def province_districts(project: Project) -> tuple[str, ...]:
    name = project.campaign.campaign.province
    for province in project.provinces:
        if province.name == name:
            return province.districts
    raise BuildError(f"province {name!r} of campaign.yml is not in regions.yml")


def installs_rows(districts: Sequence[str]) -> list[list[object]]:
    """Stt, district, then blanks for installs, rate, report time and notes."""
    return [[i, district, None, None, None, None] for i, district in enumerate(districts, start=1)]


def staff_rows(districts: Sequence[str], carriers: Sequence[str]) -> list[list[object]]:
    """TT, then blank name/position/phone, district and carrier: every district × carrier pair
    `STAFF_PER_DISTRICT` times."""
    rows: list[list[object]] = []
    for district in districts:
        for carrier in carriers:
            for _ in range(STAFF_PER_DISTRICT):
                rows.append([len(rows) + 1, None, None, None, district, carrier])
    return rows


def build_form(project: Project, form: FormWords, header: FormHeader,
               rows: list[list[object]]) -> Workbook:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = form.sheet[:31]  # Excel's limit for sheet names
    width = len(form.columns)
    values = dict(province=header.province, department=header.department, directive=header.directive,
                  annex=header.annex or "", deadline=header.deadline or "",
                  minimum=f"{STAFF_PER_DISTRICT:02d}")
    settings = project.settings
    top = [
        (render(form.owner, settings, **values), render(form.nation, settings, **values)),
        ("", render(form.motto, settings, **values)),
    ]
    for r, (left, right) in enumerate(top, start=1):
        _cell(sheet, r, 1, left, bold=True)
        _cell(sheet, r, width // 2 + 1, right, bold=True, centre=True)
        sheet.merge_cells(start_row=r, start_column=width // 2 + 1, end_row=r, end_column=width)
    # The letter's own words (code, annex, deadline) go in as values, never as wording to fill.
    lines = [(header.code or render(form.code, settings), True, False),
             (render(form.title, settings, **values), True, False),
             (render(form.subtitle, settings, **values), False, False),
             (render(form.annex if header.annex else form.reports_under, settings, **values), False, True),
             (render(form.deadline, settings, **values) if header.deadline else "", True, False)]
    row = 4
    for value, bold, italic in lines:
        if not value.strip():
            continue
        _cell(sheet, row, 1, value, bold=bold, italic=italic, centre=True)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    row += 1
    head = row
    for c, column in enumerate(form.columns, start=1):
        _cell(sheet, head, c, column.title, bold=True, centre=True, box=True)
        sheet.column_dimensions[get_column_letter(c)].width = column.width
    sheet.row_dimensions[head].height = 45
    for r, values_row in enumerate(rows, start=head + 1):
        for c, cell_value in enumerate(values_row, start=1):
            _cell(sheet, r, c, cell_value, box=True, centre=c == 1)
            if form.columns[c - 1].number_format:
                sheet.cell(row=r, column=c).number_format = str(form.columns[c - 1].number_format)
    if form.total and rows:
        last = head + len(rows)
        _cell(sheet, last + 1, 2, render(form.total, settings), bold=True, box=True)
        _cell(sheet, last + 1, 3, f"=SUM(C{head + 1}:C{last})", bold=True, box=True, formula=True)
        for c in (1, 4, 5, 6):
            _cell(sheet, last + 1, c, None, box=True)
    sheet.freeze_panes = sheet.cell(row=head + 1, column=1)
    sheet.print_title_rows = f"{head}:{head}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook


def _cell(sheet: Worksheet, row: int, column: int, value: object, *, bold: bool = False,
          italic: bool = False, centre: bool = False, box: bool = False, formula: bool = False) -> None:
    """One cell. Text is always a string cell: openpyxl makes a str starting with "=" a formula
    (and "#N/A" an error), and a department or district name from materials/ must never run as
    one; only the form's own `formula=True` cells (the total's SUM) are formulas."""
    from openpyxl.styles import Alignment, Border, Font, Side

    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str) and not formula:
        cell.data_type = "s"
    cell.font = Font(name=FONT, size=12, bold=bold, italic=italic)
    cell.alignment = Alignment(horizontal="center" if centre else None, vertical="center",
                               wrap_text=True)
    if box:
        thin = Side(style="thin")
        cell.border = Border(left=thin, right=thin, top=thin, bottom=thin)

