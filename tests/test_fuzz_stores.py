"""Fuzzing the store-list reader (issue 15): whatever a list holds, reading and checking it ends
in problems (never a traceback), each naming its file; a valid list, however written (CSV or
.xlsx, any delimiter, encoding, header spelling and column order), reads back as the stores it
holds. Derandomized and bounded, so CI runs the same few seconds every time."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path
from typing import Sequence

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.storegen import cp1258_text
from campaign_kit.errors import Problem
from campaign_kit.materials import load_project
from campaign_kit.stores import FIELDS, HEADER_ALIASES, load_store_lists, normalise_phone
from campaign_kit.text import nfc

from .conftest import MATERIALS

_PROJECT = load_project(MATERIALS)
CARRIERS = _PROJECT.campaign.carriers
PROVINCES = _PROJECT.provinces
PROVINCE = PROVINCES[0]

FUZZ = settings(derandomize=True, database=None, deadline=None, max_examples=100,
                suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(FUZZ, max_examples=20)
"""For .xlsx: openpyxl takes some 20 ms to write and read one."""

HEADER = ",".join(FIELDS) + "\n"
GOOD = ("T-1,VNPT,Cửa hàng VNPT Chi Lăng,\"Số 1, đường Lê Lợi\",,Huyện Chi Lăng,Lạng Sơn,0912345678,"
        "7:00–17:00\n")


def read(name: str, data: bytes) -> list[Problem]:
    """`data` as the one list `name`, read and checked; the problems, each checked to name it."""
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        load_store_lists([path], {path: f"stores/{name}"}, CARRIERS, PROVINCES, problems)
    for problem in problems:
        assert problem.file == f"stores/{name}" and str(problem).startswith(f"stores/{name}")
        assert problem.message and problem.message.isprintable(), problem  # never a raw control character
    return problems


# --- anything in, problems out ---------------------------------------------------------------

TOKENS = st.sampled_from(['"', '""', ",", ";", "\t", "\n", "\r\n", "\r", " ", "\ufeff", "\x00", "\u202e",
                          "store_id", "name", "Tên", "carrier", "VNPT", "Lạng Sơn", "Huyện Chi Lăng",
                          "0912 345 678", "x" * 3000, "L¹ng S¬n", "T-1"])
STRAY = st.sampled_from([b"\xe0", b"\x81", b"\xc3", b"\xff", b"\xef\xbb\xbf", b"\xe1\xbb"])


@st.composite
def csv_like(draw: st.DrawFn) -> bytes:
    """Tokens a list is made of, shuffled, then a few of them as raw bytes of another encoding."""
    text = "".join(draw(st.lists(TOKENS, max_size=40)))
    data = (HEADER if draw(st.booleans()) else "").encode() + text.encode()
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(STRAY) + data[at:]
    return data


@FUZZ
@given(csv_like())
def test_any_csv_gives_problems_not_a_traceback(data: bytes) -> None:
    problems = read("list.csv", data)
    assert not [p for p in problems if "cannot read this file" in p.message]  # every case has its message


@FUZZ
@given(st.binary(max_size=300), st.integers(0, 300))
def test_any_bytes_in_a_good_list_give_problems(noise: bytes, at: int) -> None:
    data = (HEADER + GOOD).encode()
    read("list.csv", data[:at] + noise + data[at:])


@SLOW
@given(st.binary(min_size=1, max_size=40), st.integers(0, 5000))
def test_a_damaged_xlsx_gives_problems_not_a_traceback(noise: bytes, at: int) -> None:
    """Bytes of a real workbook overwritten: a zip or XML error is one problem."""
    data = _xlsx([FIELDS, GOOD.strip().split(",")])
    at %= len(data)
    read("list.xlsx", data[:at] + noise + data[at + len(noise):])


@SLOW
@given(st.lists(st.lists(st.one_of(st.none(), st.integers(), st.floats(allow_nan=True), TOKENS), max_size=12),
                max_size=8))
def test_any_sheet_gives_problems_not_a_traceback(table: list[list[object]]) -> None:
    problems = read("list.xlsx", _xlsx([FIELDS, *table]))
    assert not [p for p in problems if "cannot read this file" in p.message]


def _xlsx(table: Sequence[Sequence[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for cells in table:
        workbook.active.append([c.replace("\x00", "") if isinstance(c, str) else c for c in cells])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- a valid list round-trips ----------------------------------------------------------------

LETTERS = ("abcdeghiklmnopqrstuvxyABCDEGHIKLMNOPQRSTUVXYĐđăâêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọ"
           "ồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ0123456789")
TEXT = st.text(LETTERS + " ,;\"'-/()\n", min_size=1, max_size=60).map(nfc).filter(bool)
"""What names, addresses and hours hold: Vietnamese letters, the delimiters, quotes, line breaks."""
PHONES = st.one_of(st.just(""), st.from_regex(r"\A0[35789][0-9]{8}\Z"), st.from_regex(r"\A02[0-9]{9}\Z"))


@st.composite
def stores_list(draw: st.DrawFn) -> list[dict[str, str]]:
    rows = []
    for number in range(draw(st.integers(1, 8))):
        carrier = draw(st.sampled_from(CARRIERS))
        rows.append({
            "store_id": f"{draw(st.text(LETTERS, min_size=1, max_size=8))}-{number}",
            "carrier": draw(st.sampled_from((carrier.id, carrier.name, *carrier.aliases))),
            "name": draw(TEXT), "address": draw(TEXT), "ward": draw(st.one_of(st.just(""), TEXT)),
            "district": draw(st.sampled_from(PROVINCE.districts)), "province": PROVINCE.name,
            "phone": draw(PHONES), "opening_hours": draw(st.one_of(st.just(""), TEXT))})
    return rows


@st.composite
def columns(draw: st.DrawFn) -> list[tuple[str, str]]:
    """(field, header as written): any order, English or a Vietnamese spelling."""
    order = draw(st.permutations(FIELDS))
    return [(f, draw(st.sampled_from((f, *HEADER_ALIASES[f])))) for f in order]


def expected(rows: list[dict[str, str]], name: str, number_of: dict[int, int]) -> list[tuple[str, ...]]:
    ids = {c.id: c.id for c in CARRIERS} | {s: c.id for c in CARRIERS for s in (c.name, *c.aliases)}
    return [(nfc(r["store_id"]), ids[r["carrier"]], r["name"], r["address"], r["ward"], r["district"],
             r["province"], normalise_phone(r["phone"]) or "", r["opening_hours"],
             f"stores/{name}, row {number_of[i]}") for i, r in enumerate(rows)]


def _loaded(name: str, data: bytes) -> list[tuple[str, ...]]:
    problems: list[Problem] = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        stores = load_store_lists([path], {path: f"stores/{name}"}, CARRIERS, PROVINCES, problems)
    assert problems == []
    return [(*s.row(), s.source) for s in stores]


@FUZZ
@given(stores_list(), columns(), st.sampled_from([",", ";", "\t"]), st.sampled_from(["\n", "\r\n"]),
       st.sampled_from(["utf-8", "utf-8-sig", "cp1258"]))
def test_a_valid_csv_round_trips(rows: list[dict[str, str]], cols: list[tuple[str, str]], delimiter: str,
                                 newline: str, encoding: str) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow([header for _, header in cols])
    for row in rows:
        writer.writerow([row[f] for f, _ in cols])
    text = out.getvalue()
    data = cp1258_text(text).encode("cp1258") if encoding == "cp1258" else text.encode(encoding)
    # Rows are records: row N is the Nth record, however many lines the values before it span.
    assert _loaded("list.csv", data) == expected(rows, "list.csv", {i: i + 2 for i in range(len(rows))})


@SLOW
@given(stores_list(), columns(), st.lists(st.integers(0, 3), min_size=8, max_size=8))
def test_a_valid_xlsx_round_trips(rows: list[dict[str, str]], cols: list[tuple[str, str]],
                                  blanks: list[int]) -> None:
    """Blank rows between stores are skipped, and every store keeps its sheet row number."""
    table: list[list[str]] = [[header for _, header in cols]]
    number_of = {}
    for i, row in enumerate(rows):
        table.extend([[]] * blanks[i])
        table.append([row[f] for f, _ in cols])
        number_of[i] = len(table)
    assert _loaded("list.xlsx", _xlsx(table)) == expected(rows, "list.xlsx", number_of)
