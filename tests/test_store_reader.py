"""The store-list reader on hostile and odd files (issue 15, findings 2 and 8): every case is one
clear problem naming file, row (a CSV's record, as a spreadsheet numbers it) and field, with
the exact message `check` prints; sizes are bounded before anything big is read."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Callable

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from benchmarks.storegen import cp1258_text
from campaign_kit.errors import ContentError, Problem
from campaign_kit.materials import load_project
from campaign_kit.stores import MAX_CELL_CHARS, MAX_COLUMNS, MAX_LIST_BYTES, MAX_ROWS, read_store_files

from .conftest import STORES

HEADER = "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
ROW = "T-{n},VNPT,Cửa hàng VNPT Chi Lăng,Số 1 đường Lê Lợi,,Huyện Chi Lăng,Lạng Sơn,0912345678,7:00–17:00\n"
"""A good row (store T-n); "đường" holds 0x9D, a byte Windows-1258 has no character for."""
PLAIN = "T-{n},VNPT,Cửa hàng Chi Lăng,Thôn Bản Mới,,Huyện Chi Lăng,Lạng Sơn,0912345678,\n"
"""A good row every byte of which Windows-1258 reads (as mojibake)."""
KIT_STORES = f"materials/{STORES}"
REORDERS = "an invisible character that reorders the text (the web page and the print would disagree): remove it"
QUOTING = ': a value holding a quote, the delimiter or a line break goes in quotes, and a quote inside it is doubled ("")'
UTF8 = "retype it, and save the file as UTF-8"
TOO_BIG = "the most a store list may have: split it into smaller lists"

Write = Callable[[Path], None]


def rows(template: str, count: int, start: int = 1) -> str:
    return "".join(template.format(n=n) for n in range(start, start + count))


def csv_file(data: bytes | str) -> Write:
    def write(folder: Path) -> None:
        (folder / "list.csv").write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return write


def xlsx_file(table: list[list[object]]) -> Write:
    def write(folder: Path) -> None:
        workbook = openpyxl.Workbook()
        for cells in table:
            workbook.active.append(cells)
        workbook.save(folder / "list.xlsx")
    return write


def zip_file(parts: dict[str, bytes]) -> Write:
    """An .xlsx made part by part: what a hostile file can say that openpyxl would not write."""
    def write(folder: Path) -> None:
        with zipfile.ZipFile(folder / "list.xlsx", "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in {**_XLSX_PARTS, **parts}.items():
                archive.writestr(name, data)
    return write


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>').encode(),
    "_rels/.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>').encode(),
    "xl/workbook.xml": (
        f'<?xml version="1.0"?><workbook {_NS} xmlns:r="{_REL}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>').encode(),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>').encode(),
}


def sheet(xml_rows: str, dimension: str = "") -> dict[str, bytes]:
    """A first sheet of raw `<row>` elements (inline strings)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return {"xl/worksheets/sheet1.xml":
            f'<?xml version="1.0"?><worksheet {_NS}>{dim}<sheetData>{xml_rows}</sheetData></worksheet>'.encode()}


def xml_row(number: int, cells: list[str], first_column: int = 0) -> str:
    return f'<row r="{number}">' + "".join(
        f'<c r="{get_column_letter(first_column + i + 1)}{number}" t="inlineStr"><is><t>{c}</t></is></c>'
        for i, c in enumerate(cells)) + "</row>"


def fields(row: str) -> list[str]:
    return row.strip().split(",")


HEADER_XML = xml_row(1, fields(HEADER))
GOOD_XML = xml_row(2, fields(ROW.format(n=1)))


def list_problems(materials: Path, write: Write) -> list[str]:
    """Every problem `check` reports once the kit's store lists are only what `write` makes."""
    folder = materials / STORES
    for path in folder.glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    write(folder)
    with pytest.raises(ContentError) as info:
        load_project(materials)
    return [str(p) for p in info.value.problems]


# --- finding 8: misleading or silent row handling -------------------------------------------

ROW_CASES = [
    # A quoted value over two lines is one record: rows after it are numbered as a spreadsheet does.
    ("record-numbers", csv_file(HEADER + ROW.format(n=1).replace("Số 1 đường Lê Lợi", '"Số 1\nđường Lê Lợi"')
                                + rows(ROW, 1, 2).replace("Cửa hàng", "\u202eCửa hàng")),
     [f"list.csv, row 3, name: contains U+202E RIGHT-TO-LEFT OVERRIDE, {REORDERS}"]),
    ("record-numbers-crlf", csv_file((HEADER + '"T-1",VNPT,"Cửa\nhàng",Số 1,,Huyện Chi Lăng,Lạng Sơn,,\n'
                                      + rows(ROW, 1, 2).replace("0912345678", "12")).replace("\n", "\r\n")),
     ["list.csv, row 3, phone: '12' is not a Vietnamese phone number (10 digits for mobiles, 11 for "
      "landlines, starting with 0)"]),
    # A quote left open took the rest of the file into one value, silently.
    ("quote-never-closed", csv_file(HEADER + rows(ROW, 2) + ROW.format(n=3).replace("Số 1", '"Số 1')
                                    + rows(ROW, 3, 4)),
     [f'list.csv, row 4: a quote (") opened in this row (line 4 of the file) is never closed{QUOTING}']),
    ("quote-closed-early", csv_file(HEADER + ROW.format(n=1).replace("Số 1 đường", '"Số 1" đường')),
     [f'list.csv, row 2: a quote (") in this row (from line 2 of the file) closes a value that goes on after '
      f"it{QUOTING}"]),
    ("quote-open-past-the-csv-limit", csv_file(HEADER + ROW.format(n=1).replace("Số 1", '"Số 1')
                                               + rows(ROW, 2000, 2)),
     ['list.csv, row 2: a value of more than 131,072 characters (from line 2 of the file), over the 2,000 a '
      'value may have: if it starts with a quote ("), is the closing quote missing?']),
    # One stray Windows-1258 byte in a UTF-8 list: once a byte offset and no row ('đường' has a
    # byte cp1258 cannot read), once 'looks like TCVN3' on every row; now that row and field only.
    ("stray-byte", csv_file((HEADER + rows(ROW, 1)).encode()
                            + rows(ROW, 1, 2).encode().replace("Cửa".encode(), b"C\xf6a")
                            + rows(ROW, 1, 3).encode()),
     [f"list.csv, row 3, name: not valid UTF-8 (byte 0xF6 in 'C\\xf6a hàng VNPT Chi Lăng'): {UTF8}"]),
    ("stray-byte-tcvn3", csv_file((HEADER + rows(PLAIN, 4)).encode().replace(b"Th\xc3\xb4n", b"Th\xf4n", 1)),
     [f"list.csv, row 2, address: not valid UTF-8 (byte 0xF4 in 'Th\\xf4n Bản Mới'): {UTF8}"]),
    ("stray-bytes-in-several-rows", csv_file((HEADER + rows(ROW, 3)).encode().replace(b"0912345678", b"09\xa012345678")
                                      .replace("Số 1".encode(), b"S\xd51", 1)),
     [f"list.csv, row 2, address: not valid UTF-8 (byte 0xD5 in 'S\\xd51 đường Lê Lợi'): {UTF8}",
      f"list.csv, row 2, phone: not valid UTF-8 (byte 0xA0 in '09\\xa012345678'): {UTF8}",
      f"list.csv, row 3, phone: not valid UTF-8 (byte 0xA0 in '09\\xa012345678'): {UTF8}",
      f"list.csv, row 4, phone: not valid UTF-8 (byte 0xA0 in '09\\xa012345678'): {UTF8}"]),
    ("stray-byte-in-header", csv_file((HEADER + rows(ROW, 2)).encode().replace(b"name", b"n\xe0me", 1)),
     [f"list.csv, row 1, column C: not valid UTF-8 (byte 0xE0 in 'n\\xe0me'): {UTF8}",
      "list.csv, row 1, name: missing column (headers: store_id, carrier, name, address, ward, district, "
      "province, phone, opening_hours or their Vietnamese names, see README)"]),
    # A real Windows-1258 list is read as one: a byte it has no character for is named at its row.
    ("windows-1258-byte", csv_file(cp1258_text(HEADER + rows(ROW, 2)).encode("cp1258").replace(b"VNPT Chi",
                                                                                              b"VNPT\x81Chi", 1)),
     ["list.csv, row 2, name: not valid Windows-1258 (byte 0x81 in 'Cửa hàng VNPT\\x81Chi Lăng'): retype it, "
      "and save the file as UTF-8"]),
    # A header twice: the second column was dropped without a word.
    ("duplicate-header", csv_file(HEADER.replace("\n", ",Tên\n") + ROW.format(n=1).replace("\n", ",Chi Lăng\n")),
     ["list.csv, row 1, name: columns C and J are both 'name' ('name' and 'Tên'): delete or rename one"]),
    ("duplicate-header-xlsx", xlsx_file([[*fields(HEADER), "name"], [*fields(ROW.format(n=1)), "x"]]),
     ["list.xlsx, row 1, name: columns C and J are both 'name': delete or rename one"]),
]


@pytest.mark.parametrize("write, expected", [c[1:] for c in ROW_CASES], ids=[c[0] for c in ROW_CASES])
def test_rows_are_named_by_record_and_field(materials: Path, write: Write, expected: list[str]) -> None:
    assert list_problems(materials, write) == [f"{KIT_STORES}/{e}" for e in expected]


def test_a_valid_windows_1258_list_still_reads(materials: Path) -> None:
    (materials / STORES / "cp1258.csv").write_bytes(
        cp1258_text(HEADER + rows(ROW, 2, 90001)).encode("cp1258"))
    names = {s.store_id: s.name for s in load_project(materials).stores}
    assert names["T-90001"] == names["T-90002"] == "Cửa hàng VNPT Chi Lăng"


# --- finding 2: sizes are bounded before they are read ---------------------------------------

LONG = "x" * (MAX_CELL_CHARS + 1)
BIG_PART = {"xl/media/image1.bin": b"\0" * (MAX_LIST_BYTES + 1)}

SIZE_CASES = [
    ("csv-too-big", lambda folder: _sparse(folder / "list.csv", MAX_LIST_BYTES + 1),
     [f"list.csv: this file is over 50 MB, {TOO_BIG}"]),
    ("csv-too-many-rows", csv_file(HEADER + rows(ROW, 1) + ",,,\n" * MAX_ROWS),
     [f"list.csv: this file has more than 50,000 rows, {TOO_BIG}"]),
    ("xlsx-too-big", lambda folder: _sparse(folder / "list.xlsx", MAX_LIST_BYTES + 1),
     [f"list.xlsx: this file is over 50 MB, {TOO_BIG}"]),
    ("xlsx-unzips-too-big", zip_file({**sheet(HEADER_XML + GOOD_XML), **BIG_PART}),
     ["list.xlsx: this file unzips to 50.0 MB, over the 50 MB a store list may have: split it into "
      "smaller lists"]),
    # The sheet of the finding: rows up to 4 million in a few bytes (row numbers that jump).
    ("xlsx-too-many-rows", zip_file(sheet(HEADER_XML + GOOD_XML + xml_row(4_000_000, ["T-2"]))),
     [f"list.xlsx: this file has more than 50,000 rows, {TOO_BIG}"]),
    ("xlsx-packs-too-well", zip_file(sheet(HEADER_XML + xml_row(2, [*fields(ROW.format(n=1))[:2],
                                                                    "x" * 1_500_000]))),
     ["list.xlsx: its part xl/worksheets/sheet1.xml unzips to 1.5 MB from 0.00 MB, more than 100 times: "
      "not rows of a real list (they pack about 10 times); save the list again from Excel"]),
    ("csv-cell-too-long", csv_file(HEADER + ROW.format(n=1).replace("Cửa hàng VNPT Chi Lăng", LONG)),
     ["list.csv, row 2, name: a value of 2,001 characters, over the 2,000 a value may have"]),
    ("csv-cell-too-long-lines", csv_file(HEADER + ROW.format(n=1).replace("Số 1 đường Lê Lợi",
                                                                           '"' + "Số 1\n" * 499 + 'Số 1"')),
     ["list.csv, row 2, address: a value of 2,499 characters on 500 lines, over the 2,000 a value may have"]),
    ("xlsx-cell-too-long", xlsx_file([fields(HEADER), [*fields(ROW.format(n=1))[:3], LONG,
                                                       *fields(ROW.format(n=1))[4:]]]),
     ["list.xlsx, row 2, address: a value of 2,001 characters, over the 2,000 a value may have"]),
    ("too-many-columns", csv_file(HEADER.replace("\n", "".join(f",note {i}" for i in range(MAX_COLUMNS))
                                                 + "\n") + rows(ROW, 1)),
     ["list.csv, row 1: the header row has 109 columns, over the 100 a store list may have: delete the "
      "columns that are not needed"]),
]


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as file:
        file.truncate(size)


@pytest.mark.parametrize("write, expected", [c[1:] for c in SIZE_CASES], ids=[c[0] for c in SIZE_CASES])
def test_sizes_are_bounded(materials: Path, write: Write, expected: list[str]) -> None:
    assert list_problems(materials, write) == [f"{KIT_STORES}/{e}" for e in expected]


def test_a_list_of_max_rows_loads(materials: Path) -> None:
    csv_file(HEADER + rows(ROW, 1) + ",,,\n" * (MAX_ROWS - 2))(materials / STORES)  # its last row: MAX_ROWS
    assert "T-1" in {s.store_id for s in load_project(materials).stores}


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_value_of_max_cell_chars_is_read(tmp_path: Path, suffix: str) -> None:
    """Read whole, for the checks after (a printed field's own limit is tighter: model.MAX_STORE_CHARS)."""
    value = "Số " + "x" * (MAX_CELL_CHARS - 3)
    row = fields(ROW.format(n=1))
    row[3] = value
    (csv_file(HEADER + ",".join(row) + "\n") if suffix == ".csv" else xlsx_file([fields(HEADER), row]))(tmp_path)
    path = tmp_path / f"list{suffix}"
    problems: list[Problem] = []
    (raw,) = read_store_files([path], {path: path.name}, problems)
    assert problems == [] and raw.values["address"] == value and not raw.unread


def test_a_forged_sheet_size_does_not_widen_rows(materials: Path) -> None:
    """A sheet claiming 16,384 columns and a million rows (and one cell far right) reads as its
    rows, as wide as its header: the reader never pads a row to the claimed size."""
    zip_file(sheet(HEADER_XML + GOOD_XML + xml_row(3, ["x"], first_column=16_383),
                   dimension="A1:XFD1048576"))(materials / STORES)
    assert "T-1" in {s.store_id for s in load_project(materials).stores}
