"""Store lists as carriers really send them: CSV (UTF-8, BOM or Windows-1258; comma or
semicolon) and Excel .xlsx, with English or Vietnamese headers. Every bad row is reported."""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import pickle
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Generator, Iterable, NamedTuple, Sequence

from .errors import Problem
from .memo import Memo
from .model import Carrier, Province, Store, char_problem, shown
from .text import fold, nfc, slug

FIELDS = ("store_id", "carrier", "name", "address", "ward", "district", "province", "phone",
          "opening_hours")
REQUIRED = ("store_id", "carrier", "name", "address", "district", "province")

# Header spellings accepted besides the canonical English ones (compared without diacritics,
# case and spaces, so "MÃ CỬA HÀNG" and "ma cua hang" match too). Documented in README.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "store_id": ("Mã cửa hàng", "Mã điểm", "Mã điểm giao dịch", "Mã"),
    "carrier": ("Nhà mạng", "Doanh nghiệp", "Đơn vị"),
    "name": ("Tên cửa hàng", "Tên điểm giao dịch", "Tên điểm", "Tên"),
    "address": ("Địa chỉ",),
    "ward": ("Phường/Xã", "Phường/Xã/Thị trấn", "Xã/Phường"),
    "district": ("Quận/Huyện", "Huyện/Thành phố", "Huyện/Thị xã/Thành phố", "Huyện"),
    "province": ("Tỉnh/Thành phố", "Tỉnh"),
    "phone": ("Điện thoại", "Số điện thoại", "SĐT"),
    "opening_hours": ("Giờ mở cửa", "Giờ làm việc", "Thời gian làm việc"),
}

_PHONE_OK = re.compile(r"^(0[35789]\d{8}|02\d{9}|1[89]00\d{4,6})$", re.ASCII)  # ASCII digits only
_PHONE_STRIP = re.compile(r"[\s.\-()/]")

# Characters a Unicode Vietnamese text never has, but legacy 8-bit fonts put there.
_TCVN3_MARKS = set("¸µ¶·¹¨»¾¼½Æ©ÇÊÈÉË®ÌÐÎÏÑªÒÕÓÔÖ«×ÝØÜÞ¬ßäåæçèéëîï")
_VNI_MARKS = set("ñÑøØïÏöÖäÄåÅëËüÛû")
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_ODD_LATIN1 = re.compile("[" + "".join(chr(c) for c in range(0x80, 0x100)
                                       if chr(c) not in _VIETNAMESE_LATIN1 | set("°·×–")) + "]")
"""The characters `legacy_encoding` counts: a row without two of them needs no closer look."""


@functools.lru_cache(maxsize=65536)  # carriers, provinces, districts repeat on every row
def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(nfc(text)).lower())


_HEADER_LOOKUP: dict[str, str] = {}
for _field in FIELDS:
    _HEADER_LOOKUP[_header_key(_field)] = _field
    for _alias in HEADER_ALIASES[_field]:
        _HEADER_LOOKUP[_header_key(_alias)] = _field


MAX_ROWS = 50_000
"""Rows of one list, its header included: five times a carrier's national list (about 10,000),
and well within what an .xlsx of `MAX_LIST_BYTES` holds (50,000 rows unzip to about 38 MB)."""
MAX_LIST_BYTES = 50_000_000
"""A CSV list's size, and an .xlsx list's both as stored and unzipped (what openpyxl parses, its
shared strings all at once): 10,000 rows are about 2 MB of CSV, 7.5 MB of unzipped .xlsx."""
MAX_CELL_CHARS = 2_000
"""Characters of one value as read, so that nothing after reads or echoes a longer one: real
names and addresses have under 200; below a text's `MAX_TEXT_CHARS`."""
MAX_COLUMNS = 100
"""Columns of the header row: only nine are read, and a sheet's rows are read as wide as it."""
MAX_ZIP_RATIO = 100
"""How many times larger than stored a part of an .xlsx over 1 MB may unzip: real sheets pack
about 10 times; a crafted one (4 million rows in 600 KB) hundreds of times."""

_UNDECODED = re.compile("[\udc80-\udcff]+")
"""A byte the file's encoding cannot read, kept by `surrogateescape` to be named at its row."""


@dataclass(frozen=True)
class RawRow:
    file: str
    row: int
    values: dict[str, str]
    unread: frozenset[str] = frozenset()
    """Fields whose value could not be read (too long, bytes of another encoding): reported
    already, left empty in `values`, and the row is no store."""


class _Unreadable(Exception):
    """A list read no further: one problem for the file (at `row` when known), none of its rows."""

    def __init__(self, message: str, row: int | None = None):
        super().__init__(message)
        self.message, self.row = message, row


@dataclass
class _Table:
    encoding: str
    """What the bytes were read as ("UTF-8", "Windows-1258"), for messages."""
    rows: Generator[tuple[int, list[str]], None, None]
    """(row number, cells), the header first as row 1: a CSV's records, a sheet's rows."""


def read_store_files(paths: Sequence[Path], shown_as: dict[Path, str],
                     problems: list[Problem]) -> list[RawRow]:
    """Read every list into raw rows (NFC, trimmed); the problems of reading go to `problems`:
    a list too big, or whose quotes do not pair up, is one problem and gives no rows."""
    rows: list[RawRow] = []
    for path in paths:
        name = shown_as[path]
        found: list[Problem] = []
        try:
            rows.extend(_read_list(path, name, found))
        except _Unreadable as exc:
            problems.append(Problem(name, exc.row, "", exc.message))
            continue
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear problem
            problems.append(Problem(name, None, "", f"cannot read this file: {shown(str(exc))}"))
            continue
        problems.extend(found)
    return rows


def _read_list(path: Path, name: str, problems: list[Problem]) -> list[RawRow]:
    table = _read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    with contextlib.closing(table.rows):  # a workbook read no further is closed now
        return _read_table(table, name, problems)


def _read_table(table: _Table, name: str, problems: list[Problem]) -> list[RawRow]:
    first = next(table.rows, None)
    if first is None:
        problems.append(Problem(name, None, "", "the file is empty"))
        return []
    header_row, header = first
    if (width := _width(header)) > MAX_COLUMNS:
        raise _Unreadable(f"the header row has {width:,} columns, over the {MAX_COLUMNS} a store list "
                          "may have: delete the columns that are not needed", header_row)
    columns: dict[int, str] = {}
    for index, cell in enumerate(header[:width]):
        if problem := _value_problem(cell, table.encoding):
            problems.append(Problem(name, header_row, f"column {_column(index)}", problem))
            continue
        field = _HEADER_LOOKUP.get(_header_key(cell)) if cell else None
        if field is None:
            continue
        first_index = next((i for i, f in columns.items() if f == field), None)
        if first_index is None:
            columns[index] = field
            continue
        both = (header[first_index], cell)
        spellings = "" if both[0] == both[1] else f" ('{shown(both[0])}' and '{shown(both[1])}')"
        problems.append(Problem(name, header_row, field, f"columns {_column(first_index)} and "
                                f"{_column(index)} are both '{field}'{spellings}: delete or rename one"))
    missing = [f for f in REQUIRED if f not in columns.values()]
    if missing:
        problems.append(Problem(name, header_row, ", ".join(missing),
                                "missing column (headers: " + ", ".join(FIELDS) +
                                " or their Vietnamese names, see README)"))
        return []
    rows: list[RawRow] = []
    for row_number, cells in table.rows:
        if row_number > MAX_ROWS:
            raise _Unreadable(f"this file has more than {MAX_ROWS:,} rows, the most a store list may "
                              "have: split it into smaller lists")
        if not any(c and not c.isspace() for c in cells):
            continue  # blank lines at the end of spreadsheets
        values: dict[str, str] = {}
        unread: set[str] = set()
        for i, field in columns.items():
            cell = cells[i] if i < len(cells) else ""
            if problem := _value_problem(cell, table.encoding):
                problems.append(Problem(name, row_number, field, problem))
                unread.add(field)
                cell = ""
            values[field] = nfc(cell)
        rows.append(RawRow(name, row_number, values, frozenset(unread)))
    return rows


def _value_problem(cell: str, encoding: str) -> str | None:
    """Why a cell cannot be read as text: too long, or bytes its file's encoding has no character for."""
    if len(cell) > MAX_CELL_CHARS:
        lines = cell.count("\n") + 1  # a CSV quote left open swallows the rows after it
        return (f"a value of {len(cell):,} characters{f' on {lines:,} lines' if lines > 1 else ''}, "
                f"over the {MAX_CELL_CHARS:,} a value may have")
    found = _UNDECODED.search(cell)
    if found is None:
        return None
    raw = sorted({ord(c) - 0xDC00 for c in "".join(_UNDECODED.findall(cell))})
    around = _UNDECODED.sub(lambda m: "".join(f"\\x{ord(c) - 0xDC00:02x}" for c in m.group()),
                            cell[max(0, found.start() - 20):found.end() + 20])
    seen = shown(unicodedata.normalize("NFC", around))
    listed = ", ".join(f"0x{b:02X}" for b in raw)
    if len(raw) == 1:
        return f"not valid {encoding} (byte {listed} in '{seen}'): retype it, and save the file as UTF-8"
    return f"not valid {encoding} (bytes {listed} in '{seen}'): retype them, and save the file as UTF-8"


def _width(cells: Sequence[str]) -> int:
    """Cells up to the last one that is not empty."""
    return next((i + 1 for i in range(len(cells) - 1, -1, -1) if cells[i]), 0)


def _column(index: int) -> str:
    """The spreadsheet letter of a 0-based column: 0 -> A, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


class CheckedRow(NamedTuple):
    """A row after the checks that need only the row itself (`check_rows`)."""

    file: str
    row: int
    store_id: str
    store: Store | None
    """None when the row has a problem (reported)."""


def validate_stores(rows: Iterable[RawRow], carriers: Sequence[Carrier],
                    provinces: Sequence[Province], problems: list[Problem]) -> list[Store]:
    """Check every row against every rule; return the good ones and report the rest."""
    return check_ids(check_rows(rows, carriers, provinces, problems), problems)


def check_rows(rows: Iterable[RawRow], carriers: Sequence[Carrier], provinces: Sequence[Province],
               problems: list[Problem]) -> list[CheckedRow]:
    """Every rule a row can break on its own (the ids across rows: `check_ids`)."""
    carrier_by_name = {}
    for carrier in carriers:
        for spelling in (carrier.id, carrier.name, *carrier.aliases):
            carrier_by_name[_header_key(spelling)] = carrier.id
    districts = {_header_key(p.name): (p.name, {_header_key(d): d for d in p.districts})
                 for p in provinces}
    checked: list[CheckedRow] = []
    for raw in rows:
        before = len(problems)

        def report(field: str, message: str) -> None:
            problems.append(Problem(raw.file, raw.row, field, message))

        v = raw.values
        for field, value in v.items():
            # Controls, bidi overrides, a name of only zero-width characters: web and print disagree.
            if value and (problem := char_problem(value)):
                report(field, problem)
        suspect = len(_ODD_LATIN1.findall("".join(v.values()))) >= 2  # most rows: none at all
        for field, value in (v.items() if suspect else ()):
            legacy = legacy_encoding(value)
            if legacy:
                report(field, f"text looks like {legacy} encoding ('{shown(value[:40])}'): convert the "
                              "file to Unicode (e.g. Unikey's converter, "
                              f"{legacy} -> Unicode) and save it as UTF-8")
        for field in REQUIRED:
            if not v.get(field) and field not in raw.unread:
                report(field, "missing required value")
        store_id = v.get("store_id", "")
        carrier_id = carrier_by_name.get(_header_key(v.get("carrier", "")))
        if v.get("carrier") and carrier_id is None:
            known = ", ".join(c.name for c in carriers)
            report("carrier", f"unknown carrier '{shown(v['carrier'])}' (known: {known})")
        province_name, district_name = v.get("province", ""), v.get("district", "")
        province = districts.get(_header_key(province_name))
        if province_name and province is None:
            report("province", f"unknown province '{shown(province_name)}' (not in regions.yml)")
        elif province and district_name and _header_key(district_name) not in province[1]:
            report("district", f"'{shown(district_name)}' is not a district of {province[0]} (see regions.yml)")
        phone = normalise_phone(v.get("phone", ""))
        if v.get("phone") and phone is None:
            report("phone", f"'{shown(v['phone'])}' is not a Vietnamese phone number "
                            "(10 digits for mobiles, 11 for landlines, starting with 0)")
        store = None
        if len(problems) == before and not raw.unread:
            assert province is not None and carrier_id is not None
            store = Store(
                store_id=store_id, carrier=carrier_id, name=v["name"], address=v["address"],
                ward=v.get("ward", ""), district=province[1][_header_key(district_name)],
                province=province[0], phone=phone or "", opening_hours=v.get("opening_hours", ""),
                source=f"{raw.file}, row {raw.row}")
        checked.append(CheckedRow(raw.file, raw.row, store_id, store))
    return checked


def check_ids(rows: Iterable[CheckedRow], problems: list[Problem]) -> list[Store]:
    """The good stores, but a second row with an id (or an id giving the same go link) already
    seen, in any list: those are reported at their row."""
    seen_ids: dict[str, str] = {}
    seen_slugs: dict[str, str] = {}
    stores: list[Store] = []
    for row in rows:
        store_id, clash = row.store_id, False
        if store_id:
            where = f"{row.file}, row {row.row}"
            if store_id in seen_ids:
                problems.append(Problem(row.file, row.row, "store_id",
                                        f"duplicate store_id '{shown(store_id)}' (first at {seen_ids[store_id]})"))
                clash = True
            else:
                seen_ids[store_id] = where
                store_slug = slug(store_id)
                if store_slug in seen_slugs:
                    problems.append(Problem(row.file, row.row, "store_id",
                                            f"store_id '{shown(store_id)}' gives the same link 'go/{store_slug}/' "
                                            f"as the store at {seen_slugs[store_slug]}"))
                    clash = True
                seen_slugs.setdefault(store_slug, where)
        if row.store is not None and not clash:
            stores.append(row.store)
    return stores


def load_store_lists(paths: Sequence[Path], shown_as: dict[Path, str], carriers: Sequence[Carrier],
                     provinces: Sequence[Province], problems: list[Problem],
                     memo: Memo | None = None) -> list[Store]:
    """Read and check every list (`read_store_files`, `check_rows`, then `check_ids` across
    all of them). `memo`: keeps each list's checked rows by its bytes, so that a rebuild after
    one list changed reads and checks that list only (20,000 rows take a second). The rows come
    back whole, with what they worked out when first made (slug, keys): 20,000 in 0.1 s."""
    key = memo.key("store-lists", carriers=carriers, provinces=provinces) if memo else None
    kept: dict[str, tuple[str, bytes]] = {}
    if memo and key:
        loaded = memo.load("store-lists", key)
        kept = loaded if isinstance(loaded, dict) else {}
    lists: dict[str, tuple[str, bytes]] = {}
    rows: list[CheckedRow] = []
    for path in paths:
        name = shown_as[path]
        # A list over the size bound is never read whole, even to be hashed: the reader says why.
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if memo and _size(path) <= MAX_LIST_BYTES else ""
        found = _unpickled(kept.get(name), digest)
        if found is None:
            file_problems: list[Problem] = []
            found = (check_rows(read_store_files([path], shown_as, file_problems), carriers, provinces,
                                file_problems), file_problems)
            if digest:
                lists[name] = (digest, pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL))
        elif name in kept:
            lists[name] = kept[name]
        rows.extend(found[0])
        problems.extend(found[1])
    if memo and key and lists != kept:  # the lists of this build only
        memo.save("store-lists", key, lists)
    return check_ids(rows, problems)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # the reader reports it


def _unpickled(entry: tuple[str, bytes] | None, digest: str) -> tuple[list[CheckedRow], list[Problem]] | None:
    if entry is None or not digest or entry[0] != digest:
        return None
    try:
        rows, problems = pickle.loads(entry[1])  # our own memo, checked by its hash when loaded
    except Exception:  # noqa: BLE001 - a memo from other code: read the list again
        return None
    return rows, problems


def normalise_phone(value: str) -> str | None:
    """Digits as dialled ("0912 345 678" -> "0912345678"); None when it is not a phone number."""
    if not value:
        return ""
    digits = _PHONE_STRIP.sub("", value)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) in (11, 12):
        digits = "0" + digits[2:]
    elif digits.isdigit() and digits[0] in "2356789" and len(digits) in (9, 10):
        digits = "0" + digits  # Excel drops the leading 0 of numbers typed as numbers
    return digits if _PHONE_OK.match(digits) else None


def legacy_encoding(text: str) -> str | None:
    """'TCVN3' or 'VNI' when `text` looks typed in a legacy Vietnamese font, else None."""
    odd = _ODD_LATIN1.findall(text)
    if len(odd) < 2:
        return None
    vni = sum(c in _VNI_MARKS for c in odd)
    tcvn = sum(c in _TCVN3_MARKS for c in odd)
    return "VNI" if vni > tcvn else "TCVN3"


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read in. UTF-8 (with or without BOM) first; Windows-1258
    is what Vietnamese Excel saves otherwise. A file that is UTF-8 but for a few bytes (a name
    pasted from an old list) stays UTF-8: those bytes are kept (`surrogateescape`) for
    `_value_problem` to name at their row, instead of every row read as mojibake."""
    try:
        return data.decode("utf-8-sig"), "UTF-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8-sig", "surrogateescape")
    undecoded = len(text) - len(data.decode("utf-8-sig", "ignore"))
    high = len(data) - len(data.translate(None, bytes(range(0x80, 0x100))))
    if undecoded * 2 < high:  # most bytes past ASCII are UTF-8 sequences
        return text, "UTF-8"
    return data.decode("cp1258", "surrogateescape"), "Windows-1258"


def _read_csv(path: Path) -> _Table:
    with path.open("rb") as file:
        data = file.read(MAX_LIST_BYTES + 1)  # not stat(): whatever the file is, read no more
    if len(data) > MAX_LIST_BYTES:
        raise _Unreadable(_too_big())
    text, encoding = _decode(data)
    del data
    return _Table(encoding, _csv_records(text))


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
"""A line as `open(newline="")` splits them, for `csv.reader`: io.StringIO would copy the text
into 4 bytes a character."""

_QUOTING = (": a value holding a quote, the delimiter or a line break goes in quotes, and a quote "
            "inside it is doubled (\"\")")


def _csv_error(exc: csv.Error, line: int) -> str:
    """`csv.reader`'s error (strict), as the fix: `line` is where the record starts."""
    if "field larger than field limit" in str(exc):
        return (f"a value of more than {csv.field_size_limit():,} characters (from line {line} of the file), "
                f"over the {MAX_CELL_CHARS:,} a value may have: if it starts with a quote (\"), is the "
                "closing quote missing?")
    if "unexpected end of data" in str(exc):
        return f"a quote (\") opened in this row (line {line} of the file) is never closed{_QUOTING}"
    if "expected after" in str(exc):
        return (f"a quote (\") in this row (from line {line} of the file) closes a value that goes on "
                f"after it{_QUOTING}")
    return f"cannot read this row (from line {line} of the file): {shown(str(exc))}"


def _csv_records(text: str) -> Generator[tuple[int, list[str]], None, None]:
    """Each record as row N (header: row 1), however many lines its quoted values span, as a
    spreadsheet opening the file numbers them."""
    end = text.find("\n")
    first_line = text[:end] if end >= 0 else text
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if first_line.count("\t") > max(first_line.count(";"), first_line.count(",")):
        delimiter = "\t"
    # strict: a quote left open is an error at its record, not the rest of the file in one value
    reader = csv.reader((m.group() for m in _LINE.finditer(text)), delimiter=delimiter, strict=True)
    number = 0
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise _Unreadable(_csv_error(exc, line), number + 1) from exc
        number += 1
        yield number, row


def _read_xlsx(path: Path) -> _Table:
    check_xlsx_bounds(path)
    return _Table("UTF-8", _xlsx_rows(path))


def check_xlsx_bounds(path: Path) -> None:
    """Raise `_Unreadable` for an .xlsx too big, stored or unzipped, before anything parses it
    (also for the report forms, `reports.py`)."""
    import zipfile

    if path.stat().st_size > MAX_LIST_BYTES:
        raise _Unreadable(_too_big())
    # Sizes from the zip's directory, before openpyxl unzips anything: zipfile stops at the
    # size it lists (a part that unzips larger fails its CRC), so they bound what is parsed.
    with zipfile.ZipFile(path) as archive:
        parts = archive.infolist()
    unzipped = sum(p.file_size for p in parts)
    if unzipped > MAX_LIST_BYTES:
        raise _Unreadable(f"this file unzips to {unzipped / 1e6:,.1f} MB, over the {MAX_LIST_BYTES / 1e6:,.0f} "
                          "MB a store list may have: split it into smaller lists")
    for part in parts:
        if part.file_size > 1_000_000 and part.file_size > MAX_ZIP_RATIO * part.compress_size:
            raise _Unreadable(f"its part {shown(part.filename)} unzips to {part.file_size / 1e6:,.1f} MB "
                              f"from {part.compress_size / 1e6:,.2f} MB, more than {MAX_ZIP_RATIO} times: "
                              "not rows of a real list (they pack about 10 times); save the list again "
                              "from Excel")


def _xlsx_rows(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    import openpyxl  # imported here: only Excel lists need it

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)  # streams the sheet
    try:
        if not workbook.worksheets:
            raise _Unreadable("this workbook has no worksheet")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # its recorded size, which would pad every row to as many cells
        with contextlib.closing(sheet.iter_rows(max_row=1, values_only=True)) as top:
            first = next(top, None)
        if first is None:
            return
        header = [_cell_text(c) for c in first]
        yield 1, header
        # Rows as wide as the header only: one cell in column XFD would make each 16,384 wide.
        width = max(min(_width(header), MAX_COLUMNS), 1)
        for number, row in enumerate(sheet.iter_rows(min_row=2, max_col=width, values_only=True), start=2):
            yield number, [_cell_text(c) for c in row]
    finally:
        workbook.close()


def _too_big() -> str:
    return (f"this file is over {MAX_LIST_BYTES / 1e6:,.0f} MB, the most a store list may have: "
            "split it into smaller lists")


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
