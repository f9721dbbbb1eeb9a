"""Carriers' returned report forms, read back: installs per district (Biểu mẫu số 1, as the kit
prints it, as .xlsx or the same as CSV) and support-staff lists, with the districts'
denominators (population, smartphones) the rates are computed on.

Layout, per kit: `kits/<kit>/districts.yml` (the denominators, the department's target rate,
optional campaign dates) and `kits/<kit>/reports/*.xlsx|*.csv` as the carriers sent them. Each
file is read and checked like a store list (`stores.py`: bounded, NFC, rows numbered as the
spreadsheet shows them, every problem with file, row and field). Nothing is guessed: a count
that is not a whole number, a rate that disagrees with count/smartphones, a formula where a
value belongs, a carrier or a report time that cannot be told, are problems.

One carrier's report of one day is one (carrier, day) pair: when two files give it with
different numbers, the one with the later report time wins (the later file name on a tie), and
the change is kept as a `Correction` for the change report.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generator, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import Problem
from .model import Carrier, Directive, char_problem, shown
from .stores import (
    MAX_COLUMNS,
    _header_key,
    _read_csv,
    _Unreadable,
    _value_problem,
    check_xlsx_bounds,
    normalise_phone,
)
from .text import nfc, slug

REPORTS = "reports"
"""The kit's folder of returned forms (`kits/<kit>/reports/`)."""
DENOMINATORS = "districts.yml"
"""The kit's denominators file (`kits/<kit>/districts.yml`)."""
MAX_REPORT_FILES = 5_000
"""Files in reports/: five carriers reporting twice a day for a year is 3,650."""
MAX_REPORT_ROWS = 5_000
"""Rows of one form, header and title rows included: a province has under 30 districts; a
staff list 5 carriers × 30 districts × a few people."""
MAX_HEADER_SEARCH = 30
"""Rows above the column titles the form may have (the kit's own has 8)."""
MAX_COUNT = 100_000_000
"""No district has more smartphones: a count above is a typing slip."""
STAFF_PER_DISTRICT = 2
"""“Mỗi huyện/thành phố tối thiểu 02 người” (Lạng Sơn Sở TTTT, 19/8/2020), per carrier."""

INSTALLS, STAFF = "installs", "staff"

# Column titles as the kit prints them (templates/kit/labels.yml), then other spellings; compared
# without case, spaces and diacritics (`stores._header_key`).
INSTALL_COLUMNS: dict[str, tuple[str, ...]] = {
    "no": ("Stt", "TT", "No"),
    "district": ("Tên huyện/thị/thành phố", "Huyện/thành phố", "Huyện/thị xã/thành phố", "Quận/Huyện",
                 "Huyện", "district"),
    "installs": ("Số lượng điện thoại thông minh cài đặt", "Số lượng cài đặt", "Số lượng", "installs"),
    "rate": ("Tỷ lệ", "Tỉ lệ", "rate"),
    "time": ("Thời điểm báo cáo", "Thời gian báo cáo", "report_time", "reported_at"),
    "notes": ("Ghi chú", "notes"),
    "carrier": ("Doanh nghiệp", "Nhà mạng", "Tên doanh nghiệp", "carrier"),
}
STAFF_COLUMNS: dict[str, tuple[str, ...]] = {
    "no": ("TT", "Stt", "No"),
    "name": ("Họ tên", "Họ và tên", "name"),
    "position": ("Chức vụ", "position"),
    "phone": ("Điện thoại liên hệ", "Điên thoại liên hệ", "Điện thoại", "Số điện thoại", "phone"),
    "district": ("Huyện/thành phố", "Tên huyện/thị/thành phố", "Quận/Huyện", "Huyện", "district"),
    "carrier": ("Doanh nghiệp", "Nhà mạng", "carrier"),
}
_REQUIRED = {INSTALLS: ("district", "installs", "time"), STAFF: ("name", "phone", "district")}
_OWNER = _header_key("TÊN DOANH NGHIỆP")
_TOTAL = _header_key("Tổng cộng")
_SUM = re.compile(r"^=SUM\(C(\d+):C(\d+)\)$", re.I)
_WHOLE = re.compile(r"^\d{1,3}(?:([.,\u00a0 ])\d{3})?(?:\1\d{3})*$|^\d+$")
_PERCENT = re.compile(r"^(\d+)(?:[.,](\d+))?\s*%$")
_FRACTION = re.compile(r"^(\d+)(?:[.,](\d+))?$")
# "15:30 21/08/2020", "21/8/2020 15h30", "2020-08-21 15:30" (what carriers type in the time column)
_TIME = r"(?P<h>\d{1,2})\s*[:hH]\s*(?P<m>\d{2})?(?:\s*phút)?"
_DMY = r"(?:ngày\s*)?(?P<d>\d{1,2})\s*[/.-]\s*(?P<mo>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})"
_ISO = r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
_WHEN = [re.compile(rf"^{_TIME}\s*,?\s*{_DMY}$", re.I), re.compile(rf"^{_DMY}\s*,?\s*(?:lúc\s*)?{_TIME}$", re.I),
         re.compile(rf"^{_ISO}[ T]{_TIME}(?::\d{{2}})?$", re.I)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DistrictFigures(_Frozen):
    district: str = Field(max_length=200)
    population: int = Field(ge=1, le=MAX_COUNT)
    smartphones: int = Field(ge=1, le=MAX_COUNT)
    source: str | None = Field(default=None, max_length=500)
    """Where the figures come from, when not the file's `source`."""


class DenominatorsFile(_Frozen):
    """`kits/<kit>/districts.yml`: what the rates are computed on, edited by the department."""

    source: str = Field(min_length=1, max_length=500)
    """Where the figures come from (a statistics office's yearbook, the carriers' counts)."""
    sample: bool = False
    """The figures are samples, not real: every output that shows them says so."""
    target: float = Field(gt=0, le=1)
    """The install rate the department asks each district to reach (0.4 = 40%)."""
    start: dt.date | None = None
    """The first day a report may be for (default: the first letter asking for the report)."""
    end: dt.date | None = None
    """The last day (default: the build's date)."""
    districts: tuple[DistrictFigures, ...]


@dataclass(frozen=True)
class Denominators:
    file: str
    source: str
    sample: bool
    target: float
    start: dt.date
    end: dt.date
    districts: tuple[DistrictFigures, ...]
    """In regions.yml's order."""
    missing: tuple[str, ...] = ()
    """Districts of regions.yml without figures: a report naming one is a problem."""

    def smartphones(self, district: str) -> int:
        return next(d.smartphones for d in self.districts if d.district == district)


@dataclass(frozen=True)
class InstallRow:
    row: int
    district: str
    installs: int
    rate: float | None
    """As the carrier wrote it (checked against installs/smartphones)."""
    reported_at: dt.datetime
    notes: str


@dataclass(frozen=True)
class InstallReport:
    """One carrier's report of one day, from one file."""

    file: str
    carrier: str
    """The carrier's id."""
    day: dt.date
    reported_at: dt.datetime
    """The latest report time of its rows (which of two reports of a day wins)."""
    rows: tuple[InstallRow, ...]

    def installs(self) -> dict[str, int]:
        return {r.district: r.installs for r in self.rows}


@dataclass(frozen=True)
class Correction:
    """A (carrier, day) sent again with other numbers: `file` replaced `replaces`."""

    carrier: str
    day: dt.date
    file: str
    replaces: str
    changed: tuple[tuple[str, int | None, int | None], ...]
    """(district, before, after) of every district whose number changed."""


@dataclass(frozen=True)
class StaffMember:
    file: str
    row: int
    district: str
    carrier: str
    name: str
    position: str
    phone: str


@dataclass(frozen=True)
class Reports:
    denominators: Denominators
    installs: tuple[InstallReport, ...]
    """The reports in force, by day then carrier (a replaced one is not here)."""
    corrections: tuple[Correction, ...]
    staff: tuple[StaffMember, ...]
    files: tuple[tuple[str, str], ...]
    """(file, sha256) of every install report file and of the denominators: the key of every
    published output made from reports (the staff lists are not published)."""
    staff_files: tuple[tuple[str, str], ...] = ()
    sample_files: tuple[str, ...] = ()
    """Report files marked as samples (`sample` in the name)."""

    @property
    def sample(self) -> bool:
        """Sample figures or sample reports: every output says so."""
        return self.denominators.sample or bool(self.sample_files)

    def key(self) -> str:
        return hashlib.sha256("\n".join(f"{f}\0{h}" for f, h in self.files).encode()).hexdigest()


# -- reading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Formula:
    """A formula cell as the file has it (`=SUM(C9:C19)`): never a value."""

    text: str


Cell = Any
"""str (CSV; an .xlsx text cell), int/float, datetime, bool, Formula or None."""


def _xlsx_cells(path: Path) -> Generator[tuple[int, list[Cell]], None, None]:
    """The first sheet's rows as typed cells, formulas as `Formula` (read as written, not their
    cached value: a department must see what the carrier typed)."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        if not workbook.worksheets:
            raise _Unreadable("this workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS), start=1):
            if number > MAX_REPORT_ROWS:
                raise _Unreadable(f"this file has more than {MAX_REPORT_ROWS:,} rows, the most a report "
                                  "may have")
            cells: list[Cell] = []
            for cell in row:
                value = getattr(cell, "value", None)
                if getattr(cell, "data_type", None) == "f" or (isinstance(value, str) and value.startswith("=")
                                                               and getattr(cell, "data_type", None) != "s"):
                    value = Formula(str(value))
                cells.append(value)
            yield number, cells
    finally:
        workbook.close()


def _csv_cells(path: Path) -> tuple[str, Generator[tuple[int, list[Cell]], None, None]]:
    table = _read_csv(path)

    def rows() -> Generator[tuple[int, list[Cell]], None, None]:
        with contextlib.closing(table.rows):
            for number, cells in table.rows:
                if number > MAX_REPORT_ROWS:
                    raise _Unreadable(f"this file has more than {MAX_REPORT_ROWS:,} rows, the most a "
                                      "report may have")
                yield number, list(cells[:MAX_COLUMNS])
    return table.encoding, rows()


def _text(cell: Cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        return cell.text
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)


@dataclass
class _Form:
    kind: str
    columns: dict[str, int]
    owner: str | None
    """What follows "TÊN DOANH NGHIỆP:" above the column titles, if filled in."""
    header_row: int
    rows: list[tuple[int, list[Cell]]] = field(default_factory=list)


def _find_columns(cells: Sequence[Cell]) -> tuple[str, dict[str, int]] | None:
    keys = [_header_key(_text(c)) if isinstance(c, str) else "" for c in cells]
    for kind, spellings in ((STAFF, STAFF_COLUMNS), (INSTALLS, INSTALL_COLUMNS)):
        lookup = {_header_key(s): name for name, names in spellings.items() for s in names}
        columns: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k in lookup and lookup[k] not in columns:
                columns[lookup[k]] = i
        if all(r in columns for r in _REQUIRED[kind]):
            return kind, columns
    return None


def _owner(cells: Sequence[Cell]) -> str | None:
    for cell in cells:
        if isinstance(cell, str) and _header_key(cell).startswith(_OWNER):
            value = nfc(cell.split(":", 1)[1]) if ":" in cell else ""
            value = nfc(value.strip(".…_ "))
            return value or None
    return None


def _read_form(path: Path, name: str, problems: list[Problem]) -> _Form | None:
    if path.suffix.lower() == ".xlsx":
        check_xlsx_bounds(path)
        encoding, rows = "UTF-8", _xlsx_cells(path)
    else:
        encoding, rows = _csv_cells(path)
    with contextlib.closing(rows):
        owner: str | None = None
        form: _Form | None = None
        for number, cells in rows:
            for i, cell in enumerate(cells):
                if isinstance(cell, str) and (problem := _value_problem(cell, encoding)):
                    problems.append(Problem(name, number, _column_name(form, i), problem))
                    cells[i] = None
            if form is None:
                found = _find_columns(cells)
                if found is None:
                    owner = owner or _owner(cells)
                    if number >= MAX_HEADER_SEARCH:
                        break
                    continue
                form = _Form(found[0], found[1], owner, number)
                continue
            if any(c is not None and _text(c).strip() for c in cells):
                form.rows.append((number, cells))
    if form is None:
        titles = ", ".join(INSTALL_COLUMNS[c][0] for c in ("district", "installs", "rate", "time"))
        problems.append(Problem(name, None, "", "no row of column titles found: a report has the columns of "
                                f"Biểu mẫu số 1 ({titles}) or of the staff list (Họ tên, Điện thoại liên hệ, "
                                "Huyện/thành phố) as the kit's forms print them"))
    return form


def _column_name(form: _Form | None, index: int) -> str:
    if form is not None:
        for name, i in form.columns.items():
            if i == index:
                return name
    letters, n = "", index + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return f"column {letters}"


# -- checking ----------------------------------------------------------------------------------


def _carriers_in(text: str, carriers: Sequence[Carrier]) -> list[str]:
    """Carriers named in `text` (a file name, "TÊN DOANH NGHIỆP: Viettel Lạng Sơn"), by whole
    words, the longest spelling first ("Viettel Post" is not also "Viettel")."""
    spellings = sorted(((slug(s), c.id) for c in carriers for s in (c.id, c.name, *c.aliases)),
                       key=lambda sc: -len(sc[0]))
    rest = f"-{slug(text)}-"
    found: list[str] = []
    for spelling, carrier in spellings:
        if f"-{spelling}-" in rest:
            rest = rest.replace(f"-{spelling}-", "--")
            if carrier not in found:
                found.append(carrier)
    return found


def _carrier_of(text: str, carriers: Sequence[Carrier]) -> str | None:
    """A carrier's id from a cell that names one carrier exactly (a spelling of campaign.yml)."""
    key = _header_key(text)
    for c in carriers:
        if key in {_header_key(s) for s in (c.id, c.name, *c.aliases)}:
            return c.id
    found = _carriers_in(text, carriers)
    return found[0] if len(found) == 1 else None


def whole_number(cell: Cell) -> int | str:
    """A count, or why it is none."""
    if isinstance(cell, bool):
        return "a true/false value, not a number"
    if isinstance(cell, int):
        value = cell
    elif isinstance(cell, float):
        if not cell.is_integer():
            return f"{cell:g} is not a whole number"
        value = int(cell)
    elif isinstance(cell, str):
        text = nfc(cell)
        if not _WHOLE.match(text):
            return f"'{shown(text[:40])}' is not a whole number (write digits only, e.g. 12500)"
        value = int(re.sub(r"\D", "", text))
    else:
        return f"'{shown(_text(cell)[:40])}' is not a number"
    if value < 0:
        return f"{value:,} is negative: a count is 0 or more"
    if value > MAX_COUNT:
        return f"{value:,} is more than any district has"
    return value


def _rate(cell: Cell) -> tuple[float, float] | str:
    """(rate as a fraction, how far off its written precision allows), or why it is none."""
    if isinstance(cell, bool) or isinstance(cell, dt.datetime):
        return f"'{shown(_text(cell))}' is not a rate"
    if isinstance(cell, (int, float)):
        value, tolerance = float(cell), 0.0005  # the form's cells show 0.0%
    elif isinstance(cell, str):
        text = nfc(cell)
        if m := _PERCENT.match(text):
            decimals = m.group(2) or ""
            value = float(f"{m.group(1)}.{decimals or '0'}") / 100
            tolerance = 0.5 * 10 ** -len(decimals) / 100
        elif m := _FRACTION.match(text):
            value = float(f"{m.group(1)}.{m.group(2) or '0'}")
            tolerance = max(0.0005, 0.5 * 10 ** -len(m.group(2) or ""))
        else:
            return f"'{shown(text[:40])}' is not a rate (write it as 12,5% or 0.125)"
    else:
        return f"'{shown(_text(cell)[:40])}' is not a rate"
    if value < 0:
        return f"a rate of {value:.1%} is negative"
    if value > 1:
        return f"a rate of {value:.1%} is over 100% (a fraction is written 0.125, a percentage 12,5%)"
    return value, tolerance + 1e-9


def report_time(cell: Cell) -> dt.datetime | str:
    """When a row was reported: an Excel date-time cell, or "15:30 21/08/2020"-like text."""
    if isinstance(cell, dt.datetime):
        return cell.replace(tzinfo=None, microsecond=0)
    if isinstance(cell, dt.date):
        return "a date without the hour: write the time of the report too (15:30 21/08/2020)"
    text = nfc(_text(cell))
    for pattern in _WHEN:
        if m := pattern.match(text):
            try:
                return dt.datetime(int(m["y"]), int(m["mo"]), int(m["d"]), int(m["h"]), int(m["m"] or 0))
            except ValueError:
                break
    return f"'{shown(text[:40])}' is not a report time (write it as 15:30 21/08/2020)"


def _day(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def _check_installs(form: _Form, name: str, carrier: str, denominators: Denominators,
                    problems: list[Problem]) -> list[InstallReport]:
    c = form.columns
    districts = {_header_key(d.district): d for d in denominators.districts}
    unfigured = {_header_key(d): d for d in denominators.missing}
    by_day: dict[dt.date, list[InstallRow]] = {}
    seen: dict[tuple[dt.date, str], int] = {}
    summed = 0
    for number, cells in form.rows:
        def cell(col: str) -> Cell:
            i = c.get(col)
            return cells[i] if i is not None and i < len(cells) else None

        def report(col: str, message: str) -> None:
            problems.append(Problem(name, number, col, message))

        district_text = _text(cell("district")).strip()
        if _header_key(district_text) == _TOTAL:
            total = cell("installs")
            if isinstance(total, Formula):
                m = _SUM.match(total.text.replace(" ", ""))
                first = form.header_row + 1
                if m is None or int(m.group(1)) != first or int(m.group(2)) != number - 1:
                    report("installs", f"the total's formula {shown(total.text[:60])} is not the form's "
                                       f"=SUM(C{first}:C{number - 1}): type the numbers, leave the total as printed")
            elif total is not None and _text(total).strip():
                value = whole_number(total)
                if isinstance(value, str) or value != summed:
                    report("installs", f"the total {shown(_text(total))} is not the sum of the rows above "
                                       f"({summed:,})")
            break
        for col, i in c.items():
            if i < len(cells) and isinstance(cells[i], Formula):
                report(col, f"a formula ({shown(_text(cells[i])[:60])}), not a value: type the number itself "
                            "(the department reads what is typed, never a formula)")
                cells[i] = None
        installs_cell, rate_cell, time_cell = cell("installs"), cell("rate"), cell("time")
        if all(x is None or not _text(x).strip() for x in (installs_cell, rate_cell, time_cell)):
            continue  # a district the carrier did not report (the form lists every district)
        before = len(problems)
        for col in ("district", "notes"):
            value = _text(cell(col))
            if value and (problem := char_problem(value)):
                report(col, problem)
        figures = districts.get(_header_key(district_text)) if district_text else None
        if not district_text:
            report("district", "missing district")
        elif figures is None and _header_key(district_text) in unfigured:
            report("district", f"{unfigured[_header_key(district_text)]} has no smartphone count in "
                               f"{denominators.file}: add its figures")
        elif figures is None:
            report("district", f"'{shown(district_text[:60])}' is not a district of the province "
                               f"(see regions.yml and {denominators.file})")
        installs = whole_number(installs_cell) if installs_cell is not None and _text(installs_cell).strip() else None
        if installs is None:
            report("installs", "missing number of smartphones installed")
        elif isinstance(installs, str):
            report("installs", installs)
        elif figures is not None and installs > figures.smartphones:
            report("installs", f"{installs:,} installed is more than the {figures.smartphones:,} smartphones "
                               f"of {figures.district} ({denominators.file})")
        rate: float | None = None
        if rate_cell is not None and _text(rate_cell).strip():
            parsed = _rate(rate_cell)
            if isinstance(parsed, str):
                report("rate", parsed)
            else:
                rate = parsed[0]
                if figures is not None and isinstance(installs, int):
                    actual = installs / figures.smartphones
                    if abs(actual - parsed[0]) > parsed[1]:
                        report("rate", f"{parsed[0]:.1%} disagrees with {installs:,} / {figures.smartphones:,} "
                                       f"smartphones = {actual:.1%}: correct the number or the rate")
        when = report_time(time_cell) if time_cell is not None and _text(time_cell).strip() else None
        if when is None:
            report("time", "missing report time (write it as 15:30 21/08/2020)")
        elif isinstance(when, str):
            report("time", when)
        elif not denominators.start <= when.date() <= denominators.end:
            report("time", f"{when:%H:%M %d/%m/%Y} is outside the campaign ({_day(denominators.start)} – "
                           f"{_day(denominators.end)})")
        if len(problems) != before:
            continue
        assert figures is not None and isinstance(installs, int) and isinstance(when, dt.datetime)
        where = (when.date(), figures.district)
        if where in seen:
            report("district", f"{figures.district} is reported twice for {_day(when.date())} (also row {seen[where]})")
            continue
        seen[where] = number
        summed += installs
        by_day.setdefault(when.date(), []).append(
            InstallRow(number, figures.district, installs, rate, when, nfc(_text(cell("notes")))))
    return [InstallReport(name, carrier, day, max(r.reported_at for r in rows), tuple(rows))
            for day, rows in sorted(by_day.items())]


def _check_staff(form: _Form, name: str, carrier: str | None, carriers: Sequence[Carrier],
                 districts: Sequence[str], problems: list[Problem]) -> list[StaffMember]:
    c = form.columns
    known = {_header_key(d): d for d in districts}
    staff: list[StaffMember] = []
    for number, cells in form.rows:
        def cell(col: str) -> str:
            i = c.get(col)
            value = cells[i] if i is not None and i < len(cells) else None
            if isinstance(value, Formula):
                problems.append(Problem(name, number, col, f"a formula ({shown(value.text[:60])}), not a value"))
                return ""
            return nfc(_text(value))

        values = {col: cell(col) for col in c}
        if not (values.get("name") or values.get("position") or values.get("phone")):
            continue  # the kit's form prefills TT, district and carrier of every row to fill
        before = len(problems)
        for col, value in values.items():
            if value and (problem := char_problem(value)):
                problems.append(Problem(name, number, col, problem))
        for col in ("name", "phone", "district"):
            if not values.get(col):
                problems.append(Problem(name, number, col, "missing required value"))
        district = known.get(_header_key(values.get("district", "")))
        if values.get("district") and district is None:
            problems.append(Problem(name, number, "district", f"'{shown(values['district'][:60])}' is not a "
                                    "district of the province (see regions.yml)"))
        phone = normalise_phone(values.get("phone", ""))
        if values.get("phone") and phone is None:
            problems.append(Problem(name, number, "phone", f"'{shown(values['phone'][:40])}' is not a Vietnamese "
                                    "phone number (10 digits for mobiles, 11 for landlines, starting with 0)"))
        row_carrier = _carrier_of(values["carrier"], carriers) if values.get("carrier") else carrier
        if values.get("carrier") and row_carrier is None:
            problems.append(Problem(name, number, "carrier", f"unknown carrier '{shown(values['carrier'][:40])}' "
                                    f"(known: {', '.join(k.name for k in carriers)})"))
        elif row_carrier is None:
            problems.append(Problem(name, number, "carrier", "which carrier this person works for cannot be told: "
                                    "fill in the Doanh nghiệp column"))
        if len(problems) == before and district and phone and row_carrier:
            staff.append(StaffMember(name, number, district, row_carrier, values["name"],
                                     values.get("position", ""), phone))
    return staff


def load_denominators(data: Any, file: str, districts: Sequence[str], start: dt.date | None,
                      end: dt.date, problems: list[Problem],
                      line: Any = None) -> Denominators | None:
    """The denominators file, checked against the province's districts (each once, all of them).
    `line(loc)`: the YAML line of a location, for messages."""
    def at(loc: tuple[str | int, ...]) -> int | None:
        return line(loc) if line else None

    try:
        parsed = DenominatorsFile.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(Problem(file, at(loc), ".".join(map(str, loc)) or "(document)", err["msg"]))
        return None
    before = len(problems)
    known = {_header_key(d): d for d in districts}
    seen: dict[str, DistrictFigures] = {}
    for i, figures in enumerate(parsed.districts):
        name = known.get(_header_key(figures.district))
        where = ("districts", i, "district")
        if name is None:
            problems.append(Problem(file, at(where), f"districts[{i}].district", f"'{shown(figures.district)}' "
                                    "is not a district of the province (see regions.yml)"))
        elif name in seen:
            problems.append(Problem(file, at(where), f"districts[{i}].district", f"{name} is listed twice"))
        else:
            seen[name] = figures.model_copy(update={"district": name})
        if figures.smartphones > figures.population:
            problems.append(Problem(file, at(("districts", i, "smartphones")), f"districts[{i}].smartphones",
                                    f"{figures.smartphones:,} smartphones is more than the population "
                                    f"({figures.population:,})"))
    missing = tuple(d for d in districts if d not in seen)  # a report naming one is the problem
    first = parsed.start or start
    if first is None:
        problems.append(Problem(file, None, "start", "no letter in force asks for the installs report: set "
                                "the first day of the campaign (start: 2020-08-19)"))
    last = parsed.end or end
    if first is not None and last < first:
        problems.append(Problem(file, at(("end",)), "end", f"the campaign ends ({_day(last)}) before it "
                                f"starts ({_day(first)})"))
    if len(problems) != before or first is None:
        return None
    return Denominators(file, nfc(parsed.source), parsed.sample, parsed.target, first, last,
                        tuple(seen[d] for d in districts if d in seen), missing)


def campaign_start(directives: Iterable[Directive]) -> dt.date | None:
    """The first day a report can be for: the earliest letter in force asking for it."""
    asking = [d.date for d in directives if d.in_force
              and (INSTALLS in d.forms or any(x.form == INSTALLS for x in d.deadlines))]
    return min(asking, default=None)


def report_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx")
                  and not p.name.startswith(("~$", ".")))


def load_reports(paths: Sequence[Path], shown_as: Mapping[Path, str], carriers: Sequence[Carrier],
                 denominators: Denominators, problems: list[Problem]) -> Reports:
    """Read and check every report file; the reports in force and the corrections between them."""
    if len(paths) > MAX_REPORT_FILES:
        problems.append(Problem(shown_as[paths[0]].rsplit("/", 1)[0], None, "",
                                f"{len(paths):,} files, over the {MAX_REPORT_FILES:,} a reports folder may hold: "
                                "move the old ones to an archive"))
        paths = paths[:MAX_REPORT_FILES]
    reports: list[InstallReport] = []
    staff: list[StaffMember] = []
    files: list[tuple[str, str]] = []
    staff_files: list[tuple[str, str]] = []
    districts = [*(d.district for d in denominators.districts), *denominators.missing]
    for path in paths:
        name = shown_as[path]
        found: list[Problem] = []
        try:
            form = _read_form(path, name, found)  # sizes bounded as a store list's (stores.py)
        except _Unreadable as exc:
            problems.append(Problem(name, exc.row, "", exc.message))
            continue
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear problem
            problems.append(Problem(name, None, "", f"cannot read this file: {shown(str(exc))}"))
            continue
        problems.extend(found)
        if form is None:
            continue
        sha = hashlib.sha256(path.read_bytes()).hexdigest()
        named = _carriers_in(path.stem, carriers)
        owner = _carrier_of(form.owner, carriers) if form.owner else None
        if form.owner and owner is None and form.kind == INSTALLS:
            problems.append(Problem(name, None, "carrier", f"'TÊN DOANH NGHIỆP: {shown(form.owner[:60])}' names no "
                                    f"known carrier (known: {', '.join(c.name for c in carriers)})"))
            continue
        told = sorted({*named, *([owner] if owner else [])})
        if len(told) > 1:
            problems.append(Problem(name, None, "carrier", "the file names more than one carrier ("
                                    + ", ".join(told) + "): one file is one carrier's report"))
            continue
        carrier = told[0] if told else None
        if form.kind == STAFF:
            staff.extend(_check_staff(form, name, carrier, carriers, districts, problems))
            staff_files.append((name, sha))
            continue
        column = form.columns.get("carrier")
        if column is not None:  # a CSV may name the carrier on every row instead
            by_rows = {_text(cells[column]).strip() for _, cells in form.rows
                       if column < len(cells) and _text(cells[column]).strip()
                       and _header_key(_text(cells[form.columns["district"]]) if form.columns["district"] < len(cells)
                                       else "") != _TOTAL}
            ids = {_carrier_of(v, carriers) for v in by_rows}
            if None in ids or len(ids | ({carrier} if carrier else set())) > 1:
                problems.append(Problem(name, None, "carrier", "the carrier column names "
                                        + ", ".join(sorted(map(shown, by_rows))) + ": one file is one known carrier's report"))
                continue
            carrier = carrier or next(iter(ids), None)
        if carrier is None:
            problems.append(Problem(name, form.header_row - 1 if form.header_row > 1 else None, "carrier",
                                    "which carrier sent this report cannot be told: write its name after "
                                    "'TÊN DOANH NGHIỆP:' at the top of the form, or in the file name "
                                    "(viettel-2020-08-21.xlsx)"))
            continue
        reports.extend(_check_installs(form, name, carrier, denominators, problems))
        files.append((name, sha))
    kept, corrections = _latest(reports)
    return Reports(denominators, tuple(kept), tuple(corrections), tuple(staff), tuple(files),
                   tuple(staff_files), tuple(sorted(f for f, _ in files if "sample" in slug(f))))


def _latest(reports: Sequence[InstallReport]) -> tuple[list[InstallReport], list[Correction]]:
    """One report per (carrier, day): the latest reported (the later file on a tie)."""
    ordered = sorted(reports, key=lambda r: (r.carrier, r.day, r.reported_at, r.file))
    kept: dict[tuple[str, dt.date], InstallReport] = {}
    corrections: list[Correction] = []
    for report in ordered:
        key = (report.carrier, report.day)
        earlier = kept.get(key)
        kept[key] = report
        if earlier is None:
            continue
        old, new = earlier.installs(), report.installs()
        changed = tuple((d, old.get(d), new.get(d)) for d in sorted(set(old) | set(new)) if old.get(d) != new.get(d))
        if changed:
            corrections.append(Correction(report.carrier, report.day, report.file, earlier.file, changed))
    return sorted(kept.values(), key=lambda r: (r.day, r.carrier)), corrections


# -- the province's progress -------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    """One district's (or carrier's, or the province's) installs as of a day."""

    name: str
    installs: int
    smartphones: int | None = None
    """Its denominator (districts and the province; None for a carrier)."""
    below: bool = False
    """Below the department's target rate."""

    @property
    def rate(self) -> float | None:
        return self.installs / self.smartphones if self.smartphones else None


@dataclass(frozen=True)
class Summary:
    """What every progress output shows, worked out once: each output adds the same numbers.

    A report gives a carrier's installs so far (cumulative) in each district: the province's
    number of a day is the sum over carriers and districts of each one's latest report up to that
    day (a carrier that missed a day counts with its last report)."""

    days: tuple[dt.date, ...]
    province: tuple[Line, ...]
    """The province's total, one per day."""
    districts: tuple[Line, ...]
    """As of the last day, in regions.yml's order."""
    carriers: tuple[Line, ...]
    """As of the last day, in campaign.yml's order (carriers that reported)."""
    by_day_carrier: tuple[tuple[dt.date, str, int], ...]
    """(day, carrier name, installs) for the trend per carrier."""
    by_day_district: tuple[tuple[dt.date, str, int], ...]
    latest: dt.datetime | None
    """The latest report time."""
    target: float
    sample: bool
    source: str
    reports: int
    """Reports in force (one per carrier and day)."""

    @property
    def total(self) -> Line | None:
        return self.province[-1] if self.province else None


def summarise(reports: Reports, carriers: Sequence[Carrier]) -> Summary:
    den = reports.denominators
    names = {c.id: c.name for c in carriers}
    order = {c.id: i for i, c in enumerate(carriers)}
    days = tuple(sorted({r.day for r in reports.installs}))
    latest_of: dict[tuple[str, str], int] = {}  # (carrier, district) -> installs so far
    by_day = {day: [r for r in reports.installs if r.day == day] for day in days}
    province: list[Line] = []
    per_carrier: list[tuple[dt.date, str, int]] = []
    per_district: list[tuple[dt.date, str, int]] = []
    smartphones = sum(d.smartphones for d in den.districts)
    for day in days:
        for report in by_day[day]:
            for row in report.rows:
                latest_of[(report.carrier, row.district)] = row.installs
        total = sum(latest_of.values())
        province.append(Line(_day(day), total, smartphones, total / smartphones < den.target))
        for carrier in sorted({c for c, _ in latest_of}, key=lambda c: order.get(c, len(order))):
            per_carrier.append((day, names.get(carrier, carrier),
                                sum(v for (c, _), v in latest_of.items() if c == carrier)))
        for d in den.districts:
            per_district.append((day, d.district, sum(v for (_, k), v in latest_of.items() if k == d.district)))
    districts = []
    for d in den.districts:
        n = sum(v for (_, k), v in latest_of.items() if k == d.district)
        districts.append(Line(d.district, n, d.smartphones, n / d.smartphones < den.target))
    carrier_lines = [Line(names.get(c, c), sum(v for (k, _), v in latest_of.items() if k == c))
                     for c in sorted({c for c, _ in latest_of}, key=lambda c: order.get(c, len(order)))]
    latest = max((r.reported_at for r in reports.installs), default=None)
    return Summary(days, tuple(province), tuple(districts), tuple(carrier_lines), tuple(per_carrier),
                   tuple(per_district), latest, den.target, reports.sample, den.source, len(reports.installs))


def corrections_group(corrections: Sequence[Correction], carriers: Sequence[Carrier],
                      touched: Sequence[str]) -> dict[str, Any]:
    """The change report's group for reports sent again with other numbers (the later file won):
    its sentences name each carrier, day, both files and the numbers; `touched`: the progress
    files of this build that show them."""
    names = {c.id: c.name for c in carriers}
    vi, en = [], []
    for c in corrections:
        districts = ", ".join(f"{d}: {_n(a)} → {_n(b)}" for d, a, b in c.changed)
        carrier = names.get(c.carrier, c.carrier)
        vi.append(f"Báo cáo ngày {_day(c.day)} của {carrier} được gửi lại với số liệu khác: dùng tệp "
                  f"{c.file} (gửi sau), thay tệp {c.replaces} ({districts})")
        en.append(f"{carrier}'s report of {_day(c.day)} was sent again with other numbers: {c.file} "
                  f"(sent later) replaces {c.replaces} ({districts})")
    return {"kind": "progress-correction", "count": len(touched), "directive": None,
            "summary": {"vi": "; ".join(vi), "en": "; ".join(en)},
            "added": [], "changed": list(touched), "removed": []}


def _n(value: int | None) -> str:
    return "—" if value is None else f"{value:,}".replace(",", ".")
