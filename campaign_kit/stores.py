"""Store lists as carriers really send them: CSV (UTF-8, BOM or Windows-1258; comma or
semicolon) and Excel .xlsx, with English or Vietnamese headers. Every bad row is reported."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import pickle
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Sequence

from .cache import code_version, content_key, load_memo, save_memo
from .errors import Problem
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

_PHONE_OK = re.compile(r"^(0[35789]\d{8}|02\d{9}|1[89]00\d{4,6})$")
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


@dataclass(frozen=True)
class RawRow:
    file: str
    row: int
    values: dict[str, str]


def read_store_files(paths: Sequence[Path], shown_as: dict[Path, str],
                     problems: list[Problem]) -> list[RawRow]:
    """Read every list into raw rows (NFC, trimmed); file-level problems go to `problems`."""
    rows: list[RawRow] = []
    for path in paths:
        name = shown_as[path]
        try:
            table = list(_read_xlsx(path) if path.suffix.lower() == ".xlsx" else _read_csv(path))
        except Exception as exc:  # noqa: BLE001 - any unreadable file is one clear problem
            problems.append(Problem(name, None, "", f"cannot read this file: {exc}"))
            continue
        if not table:
            problems.append(Problem(name, None, "", "the file is empty"))
            continue
        header_row, header = table[0]
        columns: dict[int, str] = {}
        for index, cell in enumerate(header):
            field = _HEADER_LOOKUP.get(_header_key(cell)) if cell else None
            if field and field not in columns.values():
                columns[index] = field
        missing = [f for f in REQUIRED if f not in columns.values()]
        if missing:
            problems.append(Problem(name, header_row, ", ".join(missing),
                                    "missing column (headers: " + ", ".join(FIELDS) +
                                    " or their Vietnamese names, see README)"))
            continue
        for row_number, cells in table[1:]:
            if not any(c.strip() for c in cells):
                continue  # blank lines at the end of spreadsheets
            values = {f: nfc(cells[i]) if i < len(cells) else "" for i, f in columns.items()}
            rows.append(RawRow(name, row_number, values))
    return rows


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
            if not v.get(field):
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
        if len(problems) == before:
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
                     cache: Path | None = None) -> list[Store]:
    """Read and check every list (`read_store_files`, `check_rows`, then `check_ids` across
    all of them). `cache`: a file keeping each list's checked rows by its bytes, so that a rebuild
    after one list changed reads and checks that list only (20,000 rows take a second)."""
    kept = _ListMemo(cache, content_key(code_version(), repr(carriers), repr(provinces))) if cache else None
    rows: list[CheckedRow] = []
    for path in paths:
        name = shown_as[path]
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if kept else ""
        found = kept.get(name, digest) if kept else None
        if found is None:
            file_problems: list[Problem] = []
            found = (check_rows(read_store_files([path], shown_as, file_problems), carriers, provinces,
                                file_problems), file_problems)
            if kept:
                kept.put(name, digest, *found)
        rows.extend(found[0])
        problems.extend(found[1])
    if kept:
        kept.save(set(shown_as.values()))
    return check_ids(rows, problems)


class _ListMemo:
    """Each list's checked rows and problems under its name and sha256, valid while `context`
    (the code, the carriers, the regions) is the same, holding the lists of the last build only.
    One memo file (`cache.load_memo`): per list, its rows pickled (our own cache, like the layouts): the stores come back
    whole, with what they worked out when first made (slug, keys), 20,000 of them in 0.1 s."""

    def __init__(self, path: Path, context: str):
        self.path, self.context, self.changed = path, context, False
        self.lists: dict[str, tuple[str, bytes]] = load_memo(path, context)

    def get(self, name: str, digest: str) -> tuple[list[CheckedRow], list[Problem]] | None:
        entry = self.lists.get(name)
        if entry is None or entry[0] != digest:
            return None
        try:
            rows, problems = pickle.loads(entry[1])
        except Exception:  # noqa: BLE001 - a memo from other code: read the list again
            return None
        return rows, problems

    def put(self, name: str, digest: str, rows: list[CheckedRow], problems: list[Problem]) -> None:
        self.lists[name] = (digest, pickle.dumps((rows, problems), protocol=pickle.HIGHEST_PROTOCOL))
        self.changed = True

    def save(self, names: set[str]) -> None:
        if self.lists.keys() - names:
            self.lists = {k: v for k, v in self.lists.items() if k in names}
            self.changed = True
        if self.changed:
            save_memo(self.path, self.context, self.lists)


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


def _decode(data: bytes) -> str:
    # UTF-8 (with or without BOM) first; Windows-1258 is what Vietnamese Excel saves otherwise.
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1258")


def _read_csv(path: Path) -> Iterator[tuple[int, list[str]]]:
    text = _decode(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    if first_line.count("\t") > max(first_line.count(";"), first_line.count(",")):
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for row in reader:
        yield reader.line_num, row


def _read_xlsx(path: Path) -> Iterator[tuple[int, list[str]]]:
    import openpyxl  # imported here: only Excel lists need it

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, [_cell_text(c) for c in row]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)
