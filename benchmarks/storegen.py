"""Deterministic generator of synthetic carrier store lists (Bluezone install support points).

Every carrier store (VNPT, Viettel, MobiFone, Vietnam Post, Viettel Post) is an
"install support point" that gets a banner with a QR code. This module produces
realistic-looking but entirely *fake* store lists in the shapes the carriers send
them (CSV in various encodings/delimiters, Excel), for benchmarks and sample data.

Library use::

    provinces = load_provinces()
    rows = generate_stores(500, provinces, seed=2020)
    write_csv(rows, "stores.csv")

CLI::

    python benchmarks/storegen.py --stores 500 --out /tmp/stores [--province-codes LS,HN]

Output is a pure function of the arguments (seeded ``random.Random``; no clock,
no environment). Every string is NFC-normalised.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import re
import sys
import unicodedata
import zipfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Literal, Mapping, Sequence

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # also run as a script
from campaign_kit.stores import normalise_phone  # noqa: E402

if TYPE_CHECKING:  # pragma: no cover
    from openpyxl import Workbook

DEFAULT_PROVINCES_PATH = Path(__file__).resolve().parent / "data" / "provinces.yml"

CANONICAL_COLUMNS: tuple[str, ...] = (
    "store_id", "carrier", "name", "address", "ward",
    "district", "province", "phone", "opening_hours",
)
VIETNAMESE_HEADERS: dict[str, str] = {
    "store_id": "Mã cửa hàng",
    "carrier": "Nhà mạng",
    "name": "Tên cửa hàng",
    "address": "Địa chỉ",
    "ward": "Phường/Xã",
    "district": "Quận/Huyện",
    "province": "Tỉnh/Thành phố",
    "phone": "Điện thoại",
    "opening_hours": "Giờ mở cửa",
}
HeaderStyle = Literal["canonical", "vietnamese"]

CARRIERS: tuple[str, ...] = ("VNPT", "Viettel", "MobiFone", "Vietnam Post", "Viettel Post")
#: Upper-case token used in store ids: ``<TOKEN>-<PROVINCECODE>-<NNNNN>``.
CARRIER_ID_TOKENS: dict[str, str] = {
    "VNPT": "VNPT", "Viettel": "VIETTEL", "MobiFone": "MOBIFONE",
    "Vietnam Post": "VNPOST", "Viettel Post": "VIETTELPOST",
}
#: Lower-case token used in file names.
CARRIER_SLUGS: dict[str, str] = {c: t.lower() for c, t in CARRIER_ID_TOKENS.items()}

#: Fixed timestamp for xlsx document properties and zip entries (byte-stable output).
FIXED_TIMESTAMP = dt.datetime(2020, 8, 1)

# Landline area codes (since 2017) by province; with the subscriber number a landline
# always has 11 digits (024/028 + 8 digits, 02xx + 7 digits).
AREA_CODES: dict[str, str] = {
    "Hà Nội": "024", "Hồ Chí Minh": "028", "Hải Phòng": "0225", "Đà Nẵng": "0236",
    "Cần Thơ": "0292", "Quảng Ninh": "0203", "Bắc Giang": "0204", "Lạng Sơn": "0205",
    "Cao Bằng": "0206", "Tuyên Quang": "0207", "Thái Nguyên": "0208", "Bắc Kạn": "0209",
    "Phú Thọ": "0210", "Vĩnh Phúc": "0211", "Sơn La": "0212", "Lai Châu": "0213",
    "Lào Cai": "0214", "Điện Biên": "0215", "Yên Bái": "0216", "Hòa Bình": "0218",
    "Hà Giang": "0219", "Hải Dương": "0220", "Hưng Yên": "0221", "Bắc Ninh": "0222",
    "Hà Nam": "0226", "Thái Bình": "0227", "Nam Định": "0228", "Ninh Bình": "0229",
    "Quảng Bình": "0232", "Quảng Trị": "0233", "Thừa Thiên Huế": "0234", "Quảng Nam": "0235",
    "Thanh Hóa": "0237", "Nghệ An": "0238", "Hà Tĩnh": "0239", "Đồng Nai": "0251",
    "Bình Thuận": "0252", "Bà Rịa - Vũng Tàu": "0254", "Quảng Ngãi": "0255",
    "Bình Định": "0256", "Phú Yên": "0257", "Khánh Hòa": "0258", "Ninh Thuận": "0259",
    "Kon Tum": "0260", "Đắk Nông": "0261", "Đắk Lắk": "0262", "Lâm Đồng": "0263",
    "Gia Lai": "0269", "Vĩnh Long": "0270", "Bình Phước": "0271", "Long An": "0272",
    "Tiền Giang": "0273", "Bình Dương": "0274", "Bến Tre": "0275", "Tây Ninh": "0276",
    "Đồng Tháp": "0277", "Cà Mau": "0290", "Bạc Liêu": "0291", "Hậu Giang": "0293",
    "Trà Vinh": "0294", "An Giang": "0296", "Kiên Giang": "0297", "Sóc Trăng": "0299",
}

# Mobile prefixes actually allocated to each network (VNPT stores sell VinaPhone SIMs).
_MOBILE_PREFIXES: dict[str, tuple[str, ...]] = {
    "VNPT": ("091", "094", "088", "081", "082", "083", "084", "085"),
    "Viettel": ("096", "097", "098", "086", "032", "033", "034", "035", "036", "037", "038", "039"),
    "MobiFone": ("090", "093", "089", "070", "076", "077", "078", "079"),
}
_MOBILE_PREFIXES["Vietnam Post"] = _MOBILE_PREFIXES["VNPT"] + _MOBILE_PREFIXES["MobiFone"]
_MOBILE_PREFIXES["Viettel Post"] = _MOBILE_PREFIXES["Viettel"]
# (probability of a landline, first digit of the landline subscriber number)
_LANDLINE: dict[str, tuple[float, str]] = {
    "VNPT": (0.5, "3"), "Viettel": (0.3, "6"), "MobiFone": (0.1, "3"),
    "Vietnam Post": (0.6, "3"), "Viettel Post": (0.3, "6"),
}

_OPENING_HOURS: tuple[str, ...] = (
    "7:30–17:30, Thứ 2–Chủ nhật",
    "7:00-21:00 hằng ngày",
    "7:30–11:30, 13:30–17:00 (Thứ 2–Thứ 7)",
    "8:00–20:00, Thứ 2–Thứ 7; Chủ nhật 8:00–12:00",
    "7:00–19:00 hằng ngày",
    "7h30 - 17h00, thứ Hai đến thứ Bảy",
    "07:00-11:30 & 13:30-17:30, T2-CN",
)

_STREETS: tuple[str, ...] = (
    "Trần Hưng Đạo", "Lê Lợi", "Quang Trung", "Hùng Vương", "Lý Thái Tổ", "Nguyễn Du",
    "Ngô Quyền", "Bà Triệu", "Hoàng Văn Thụ", "Trần Phú", "Lê Hồng Phong", "Nguyễn Trãi",
    "Phan Đình Phùng", "Điện Biên Phủ", "Hai Bà Trưng", "Lê Duẩn", "Nguyễn Văn Cừ", "Võ Thị Sáu",
)
_STREETS_BY_PROVINCE: dict[str, tuple[str, ...]] = {
    "LS": ("Trần Đăng Ninh", "Lương Văn Tri", "Ngô Gia Tự", "Tam Thanh", "Phai Vệ", "Bà Triệu",
           "Lê Lợi", "Trần Hưng Đạo", "Hùng Vương", "Bắc Sơn", "Hoàng Văn Thụ", "Lý Thái Tổ"),
}
# National highways through Lạng Sơn districts; other provinces get generic provincial roads.
_HIGHWAYS: dict[tuple[str, str], tuple[str, ...]] = {
    ("LS", "Huyện Hữu Lũng"): ("Quốc lộ 1A",), ("LS", "Huyện Chi Lăng"): ("Quốc lộ 1A",),
    ("LS", "Huyện Cao Lộc"): ("Quốc lộ 1A", "Quốc lộ 4A", "Quốc lộ 4B"),
    ("LS", "Huyện Văn Lãng"): ("Quốc lộ 4A",), ("LS", "Huyện Tràng Định"): ("Quốc lộ 4A", "Quốc lộ 3B"),
    ("LS", "Huyện Văn Quan"): ("Quốc lộ 1B",), ("LS", "Huyện Bình Gia"): ("Quốc lộ 1B", "Quốc lộ 279"),
    ("LS", "Huyện Bắc Sơn"): ("Quốc lộ 1B", "Quốc lộ 279"), ("LS", "Huyện Lộc Bình"): ("Quốc lộ 4B",),
    ("LS", "Huyện Đình Lập"): ("Quốc lộ 4B", "Quốc lộ 31"),
}
_VILLAGES_NORTH: tuple[str, ...] = (
    "Đồng Bành", "Nà Pàn", "Bản Chu", "Pò Mã", "Khòn Lèn", "Nà Slảng", "Phai Duốc",
    "Làng Giữa", "Đồng Tiến", "Phố Mới", "Trung Tâm", "Bản Thí", "Còn Quan", "Khánh Lợi",
)
_VILLAGES_SOUTH: tuple[str, ...] = (
    "Phú Hòa", "Bình Thạnh", "Tân Lợi", "Long Hưng", "Mỹ An", "Thạnh Phú", "Hòa Lợi", "Bến Đình",
)
# Provinces from Bình Phước southwards call hamlets "ấp" instead of "thôn".
_SOUTHERN_CODES = frozenset({
    "BP", "TN", "BDG", "DNA", "BRV", "HCM", "LA", "TG", "BTR", "TV", "VL", "DT",
    "AG", "KG", "CT", "HGI", "ST", "BL", "CM",
})

_CENTRAL_CITIES = frozenset({"Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ"})
_UNIT_PREFIXES = ("Thành phố ", "Thị xã ", "Thị trấn ", "Huyện ", "Quận ", "Phường ", "Xã ")
_LONG_SHARE = 0.05
_LONG_MIN, _LONG_MAX = 90, 120


@dataclass(frozen=True)
class District:
    """A district-level unit (quận/huyện/thị xã/thành phố thuộc tỉnh) and sample wards."""

    name: str
    wards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Province:
    """A province or centrally-run city with a short ASCII code (e.g. ``LS``)."""

    name: str
    code: str
    districts: tuple[District, ...]


@dataclass(frozen=True)
class _Slot:
    province: Province
    district: District
    carrier: str


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC."""
    return unicodedata.normalize("NFC", text)


# --------------------------------------------------------------------------- loading

def load_provinces(path: str | Path = DEFAULT_PROVINCES_PATH) -> list[Province]:
    """Load provinces/districts/wards from a ``provinces.yml`` file."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    provinces = []
    for item in data["provinces"]:
        districts = tuple(
            District(nfc(str(d["name"])), tuple(nfc(str(w)) for w in d.get("wards") or ()))
            for d in item["districts"]
        )
        provinces.append(Province(nfc(str(item["name"])), str(item["code"]), districts))
    return provinces


def select_provinces(provinces: Sequence[Province], codes: Iterable[str]) -> list[Province]:
    """Return the provinces whose codes are in ``codes`` (in the given code order)."""
    by_code = {p.code.upper(): p for p in provinces}
    wanted = [c.strip().upper() for c in codes if c.strip()]
    unknown = [c for c in wanted if c not in by_code]
    if unknown:
        raise ValueError(f"unknown province code(s): {', '.join(unknown)}")
    return [by_code[c] for c in wanted]


# --------------------------------------------------------------------------- generation

def generate_stores(n: int, provinces: Sequence[Province], seed: int = 2020) -> list[dict[str, str]]:
    """Generate ``n`` store rows (canonical keys) spread over all districts and carriers.

    Districts are visited round-robin across provinces, so every province gets a store
    once ``n >= len(provinces)`` and larger provinces get proportionally more. Carriers
    rotate independently, so a single province still gets all five carriers.
    About 5 % of names and 5 % of addresses are deliberately long (90–120 chars).
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not provinces or any(not p.districts for p in provinces):
        raise ValueError("need at least one province, each with districts")
    rng = random.Random(seed)
    slots = _plan_slots(n, provinces, rng)
    long_names = set(rng.sample(range(n), _long_count(n)))
    long_addresses = set(rng.sample(range(n), _long_count(n)))
    counters: Counter[tuple[str, str]] = Counter()
    used_names: set[tuple[str, str]] = set()
    used_phones: set[str] = set()
    rows = []
    for i, slot in enumerate(slots):
        counters[(slot.carrier, slot.province.code)] += 1
        ward = _pick_ward(slot.district, rng)
        row = {
            "store_id": _store_id(slot, counters[(slot.carrier, slot.province.code)]),
            "carrier": slot.carrier,
            "name": _unique_name(_store_name(slot, ward, rng, long=i in long_names),
                                 slot.province.code, used_names),
            "address": _address(slot, ward, rng, long=i in long_addresses),
            "ward": ward,
            "district": slot.district.name,
            "province": slot.province.name,
            "phone": _unique_phone(slot, rng, used_phones),
            "opening_hours": rng.choice(_OPENING_HOURS),
        }
        rows.append({k: nfc(v) for k, v in row.items()})
    return rows


def _long_count(n: int) -> int:
    return min(n, max(1, round(n * _LONG_SHARE))) if n else 0


def _plan_slots(n: int, provinces: Sequence[Province], rng: random.Random) -> list[_Slot]:
    """Interleave districts (rank-major, province-minor) and rotate carriers."""
    ranked = []
    for p_index, province in enumerate(provinces):
        order = list(province.districts)
        rng.shuffle(order)
        ranked += [(rank, p_index, province, d) for rank, d in enumerate(order)]
    ranked.sort(key=lambda t: (t[0], t[1]))
    cycle = [(p, d) for _, _, p, d in ranked]
    start = rng.randrange(len(CARRIERS))
    # Shift the carrier by one on every pass so a district does not keep the same
    # carrier when the number of districts is a multiple of five.
    return [
        _Slot(*cycle[i % len(cycle)], CARRIERS[(start + i + i // len(cycle)) % len(CARRIERS)])
        for i in range(n)
    ]


def _store_id(slot: _Slot, number: int) -> str:
    return f"{CARRIER_ID_TOKENS[slot.carrier]}-{slot.province.code.upper()}-{number:05d}"


def _pick_ward(district: District, rng: random.Random) -> str:
    if district.wards:
        return rng.choice(district.wards)
    short = short_name(district.name)
    # No sample wards known: fall back to the seat-town style name.
    return f"Thị trấn {short}" if district.name.startswith("Huyện ") else f"Phường {short}"


def short_name(unit: str) -> str:
    """Drop the administrative prefix ("Huyện Hữu Lũng" -> "Hữu Lũng"), keep numbered units whole."""
    for prefix in _UNIT_PREFIXES:
        if unit.startswith(prefix):
            rest = unit[len(prefix):]
            return unit if re.fullmatch(r"[0-9IVX]+", rest) else rest
    return unit


def _unit_label(unit: str) -> str:
    """Lower-case the prefix for use mid-sentence: "huyện Hữu Lũng"; keep "Quận 1" whole."""
    short = short_name(unit)
    if short == unit:
        return unit
    return unit[: len(unit) - len(short)].lower() + short


def _province_label(province: Province) -> str:
    kind = "thành phố" if province.name in _CENTRAL_CITIES else "tỉnh"
    return f"{kind} {province.name}"


def _store_name(slot: _Slot, ward: str, rng: random.Random, *, long: bool) -> str:
    if long:
        return _long_store_name(slot, ward, rng)
    place = short_name(rng.choice((slot.district.name, slot.district.name, ward)))
    options = {
        "VNPT": (f"Cửa hàng VNPT {place}", f"Điểm giao dịch VNPT-VinaPhone {place}"),
        "Viettel": (f"Cửa hàng Viettel {place}", f"Điểm giao dịch Viettel {place}"),
        "MobiFone": (f"Cửa hàng MobiFone {place}", f"Điểm giao dịch MobiFone {place}"),
        "Vietnam Post": (
            f"Bưu cục {place}",
            f"Bưu điện {_unit_label(slot.district.name)}",
            f"Điểm Bưu điện - Văn hóa xã {short_name(ward)}" if ward.startswith("Xã ")
            else f"Bưu cục {place}",
        ),
        "Viettel Post": (f"Bưu cục Viettel Post {place}", f"Điểm giao nhận Viettel Post {place}"),
    }[slot.carrier]
    return rng.choice(options)


def _long_store_name(slot: _Slot, ward: str, rng: random.Random) -> str:
    place, district = short_name(ward), short_name(slot.district.name)
    province = _province_label(slot.province)
    base = {
        "VNPT": f"Cửa hàng VNPT-VinaPhone {district} – điểm hỗ trợ cài đặt Bluezone",
        "Viettel": f"Điểm giao dịch Viettel {district} (Viettel {_unit_label(slot.district.name)})",
        "MobiFone": f"Cửa hàng MobiFone {district} – Trung tâm Kinh doanh MobiFone {province}",
        "Vietnam Post": f"Bưu cục cấp {rng.choice(('2', '3'))} {district} – Bưu điện {province}",
        "Viettel Post": f"Điểm giao dịch Viettel Post khu công nghiệp {place} (cổng số {rng.randint(1, 3)})",
    }[slot.carrier]
    extras = [
        ", thu cước và bán SIM chính chủ",
        f", đối diện chợ {place}",
        ", hỗ trợ người dân cài đặt ứng dụng Bluezone miễn phí",
        f", {ward}",
        f", {slot.district.name}",
    ]
    rng.shuffle(extras)
    return _fit_length(base, extras)


_FILLERS = (", điểm hỗ trợ cài đặt Bluezone", ", hỗ trợ cài Bluezone", " (mở cả ngày lễ)", ", Việt Nam", " – Bluezone")


def _fit_length(base: str, extras: Sequence[str], lo: int = _LONG_MIN, hi: int = _LONG_MAX) -> str:
    """Append extras (then fillers) to ``base`` until it is ``lo``..``hi`` characters long."""
    text = base
    for extra in (*extras, *_FILLERS, *_FILLERS):
        if len(text) >= lo:
            break
        if len(text) + len(extra) <= hi:
            text += extra
    if not lo <= len(text) <= hi:
        raise ValueError(f"cannot fit {base!r} into {lo}..{hi} characters")
    return text


def _unique_name(name: str, province_code: str, used: set[tuple[str, str]]) -> str:
    candidate, k = name, 1
    while (province_code, candidate) in used:
        k += 1
        candidate = f"{name} {k}"
    used.add((province_code, candidate))
    return candidate


def _address(slot: _Slot, ward: str, rng: random.Random, *, long: bool) -> str:
    urban = ward.startswith(("Phường ", "Thị trấn "))
    base = _urban_address(slot, rng) if urban else _rural_address(slot, rng)
    if not long:
        return base
    place = short_name(ward)
    extras = [
        f", tổ dân phố {rng.randint(1, 12)}" if urban else f", {_hamlet(slot, rng)}",
        f", khu dân cư {place}",
        f", gần chợ {place}",
        f" (cạnh Trường THCS {place})",
        ", đối diện Ủy ban nhân dân",
        f", cách ngã ba {place} khoảng {rng.randint(100, 900)} m",
    ]
    rng.shuffle(extras)
    return _fit_length(base, extras)


def _urban_address(slot: _Slot, rng: random.Random) -> str:
    street = rng.choice(_STREETS_BY_PROVINCE.get(slot.province.code, _STREETS))
    number = rng.randint(1, 350)
    return rng.choice((
        f"Số {number} đường {street}",
        f"Số {number} phố {street}",
        f"Số {number}, đường {street}",
        f"Số {number}/{rng.randint(2, 40)} đường {street}",
        f"Ki-ốt {rng.randint(1, 60)}, chợ {short_name(slot.district.name)}",
    ))


def _rural_address(slot: _Slot, rng: random.Random) -> str:
    roads = _HIGHWAYS.get((slot.province.code, slot.district.name))
    road = rng.choice(roads) if roads else f"Tỉnh lộ {rng.randint(2, 99)}"
    hamlet = _hamlet(slot, rng)
    return rng.choice((
        f"Km {rng.randint(1, 45)} {road}, {hamlet}",
        f"Km {rng.randint(1, 45)}+{rng.randint(1, 9)}00 {road}, {hamlet}",
        hamlet[0].upper() + hamlet[1:],
        f"Ngã ba {_village(slot, rng)}, {hamlet}",
    ))


def _village(slot: _Slot, rng: random.Random) -> str:
    southern = slot.province.code in _SOUTHERN_CODES
    return rng.choice(_VILLAGES_SOUTH if southern else _VILLAGES_NORTH)


def _hamlet(slot: _Slot, rng: random.Random) -> str:
    if slot.province.code in _SOUTHERN_CODES:
        return rng.choice((f"ấp {_village(slot, rng)}", f"ấp {rng.randint(1, 9)}"))
    return f"thôn {_village(slot, rng)}"


def _unique_phone(slot: _Slot, rng: random.Random, used: set[str]) -> str:
    while True:
        phone = _phone(slot, rng)
        digits = re.sub(r"\D", "", phone)
        if digits not in used:
            used.add(digits)
            return phone


def _phone(slot: _Slot, rng: random.Random) -> str:
    landline_share, first_digit = _LANDLINE[slot.carrier]
    if rng.random() < landline_share:
        area = AREA_CODES[slot.province.name]
        rest_len = 11 - len(area) - 1
        subscriber = first_digit + "".join(str(rng.randrange(10)) for _ in range(rest_len))
        return _format_landline(area, subscriber, rng.randrange(3))
    prefix = rng.choice(_MOBILE_PREFIXES[slot.carrier])
    digits = prefix + "".join(str(rng.randrange(10)) for _ in range(7))
    return _format_mobile(digits, rng.randrange(3))


def _format_landline(area: str, subscriber: str, style: int) -> str:
    head, tail = subscriber[:4], subscriber[4:]
    return (f"{area} {head} {tail}", f"{area}.{head}.{tail}", f"{area}{subscriber}")[style]


def _format_mobile(digits: str, style: int) -> str:
    a, b, c = digits[:4], digits[4:7], digits[7:]
    return (f"{a}.{b}.{c}", f"{a} {b} {c}", digits)[style]


def is_valid_phone(phone: str) -> bool:
    """A phone number the pipeline's loader accepts (its own rule, not a copy of it)."""
    return bool(normalise_phone(phone))


def header_labels(headers: HeaderStyle) -> list[str]:
    """Column labels for the canonical column order in the given header style."""
    if headers == "canonical":
        return list(CANONICAL_COLUMNS)
    if headers == "vietnamese":
        return [VIETNAMESE_HEADERS[c] for c in CANONICAL_COLUMNS]
    raise ValueError(f"unknown header style: {headers!r}")


_CP1258_BASE_MARKS = "\u0302\u0306\u031b"  # circumflex, breve, horn: precomposed in cp1258
_CP1258_CODECS = {"cp1258", "windows-1258", "windows1258"}


def cp1258_text(text: str) -> str:
    """Rewrite ``text`` so every character is encodable in Windows-1258.

    cp1258 has â/ê/ô/ă/ơ/ư/đ precomposed but most tone marks only as combining
    characters, so "ế" becomes "ê" + U+0301. ``NFC(decoded)`` restores the input.
    """
    out = []
    for ch in nfc(text):
        try:
            ch.encode("cp1258")
            out.append(ch)
            continue
        except UnicodeEncodeError:
            pass
        base, *marks = unicodedata.normalize("NFD", ch)
        kept = "".join(m for m in marks if m in _CP1258_BASE_MARKS)
        tones = "".join(m for m in marks if m not in _CP1258_BASE_MARKS)
        piece = unicodedata.normalize("NFC", base + kept) + tones
        piece.encode("cp1258")  # raise early for characters cp1258 cannot carry at all
        out.append(piece)
    return "".join(out)


def write_csv(
    rows: Sequence[Mapping[str, str]],
    path: str | Path,
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    headers: HeaderStyle = "canonical",
    bom: bool = False,
    line_terminator: str = "\n",
) -> None:
    """Write rows (canonical keys) as CSV; ``encoding='cp1258'`` writes Windows-1258."""
    is_cp1258 = encoding.lower().replace("_", "-") in _CP1258_CODECS
    transform = cp1258_text if is_cp1258 else nfc
    if bom and encoding.lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ValueError("bom=True is only supported with utf-8")
    file_encoding = "utf-8-sig" if bom else ("cp1258" if is_cp1258 else encoding)
    with open(path, "w", encoding=file_encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter, lineterminator=line_terminator)
        writer.writerow([transform(h) for h in header_labels(headers)])
        for row in rows:
            writer.writerow([transform(row[c]) for c in CANONICAL_COLUMNS])


def write_xlsx(
    rows: Sequence[Mapping[str, str]],
    path: str | Path,
    *,
    headers: HeaderStyle = "canonical",
    sheet_title: str = "Danh sách cửa hàng",
) -> None:
    """Write rows to a one-sheet .xlsx (header in row 1, every cell a string), byte-stable."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    ws.append(header_labels(headers))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([nfc(row[c]) for c in CANONICAL_COLUMNS])
    for letter, width in zip("ABCDEFGHI", (20, 14, 44, 44, 26, 24, 16, 16, 34)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"
    wb.properties.creator = "benchmarks/storegen.py"
    wb.properties.lastModifiedBy = "benchmarks/storegen.py"
    wb.properties.created = FIXED_TIMESTAMP
    wb.properties.modified = FIXED_TIMESTAMP
    Path(path).write_bytes(_stable_xlsx_bytes(wb))


def _stable_xlsx_bytes(wb: Workbook) -> bytes:
    """Serialise without openpyxl's save() clock stamp, with fixed zip entry timestamps."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED)
    ExcelWriter(wb, archive).save()  # writes all parts and closes the archive
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            fixed.create_system = 3
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _yaml_flow_item(value: str) -> str:
    """Plain YAML scalar when safe inside a flow sequence, else double-quoted."""
    if re.search(r"[,\[\]{}#&*!|>%@`\"]|: |^[-?:'\s]|\s$", value):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


def write_regions_yml(provinces: Sequence[Province], path: str | Path) -> None:
    """Write the ``regions.yml`` the pipeline validator uses (district belongs to province)."""
    lines = ["provinces:"]
    for province in provinces:
        names = ", ".join(_yaml_flow_item(d.name) for d in province.districts)
        lines += [f"  - name: {_yaml_flow_item(province.name)}", f"    districts: [{names}]"]
    Path(path).write_text(nfc("\n".join(lines) + "\n"), encoding="utf-8")


def rows_by_carrier(rows: Iterable[Mapping[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Group rows by carrier, in ``CARRIERS`` order."""
    groups: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        groups[row["carrier"]].append(dict(row))
    return {c: groups[c] for c in CARRIERS if c in groups}


# --------------------------------------------------------------------------- CLI

def main(argv: Sequence[str] | None = None) -> int:
    """CLI entry point: one UTF-8 CSV per carrier into ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stores", type=int, required=True, help="number of stores in total")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--province-codes", default="", help="comma-separated codes, e.g. LS,HN (default: all 63)")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--provinces", type=Path, default=DEFAULT_PROVINCES_PATH, help="provinces.yml to read")
    parser.add_argument("--headers", choices=("canonical", "vietnamese"), default="canonical")
    parser.add_argument("--regions", action="store_true", help="also write regions.yml into --out")
    args = parser.parse_args(argv)

    provinces = load_provinces(args.provinces)
    if args.province_codes:
        try:
            provinces = select_provinces(provinces, args.province_codes.split(","))
        except ValueError as exc:
            parser.error(str(exc))
    if args.stores < 0:
        parser.error("--stores must be >= 0")
    rows = generate_stores(args.stores, provinces, seed=args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    for carrier, group in rows_by_carrier(rows).items():
        target = args.out / f"stores-{CARRIER_SLUGS[carrier]}.csv"
        write_csv(group, target, headers=args.headers)
        print(f"{target}: {len(group)} stores")
    if args.regions:
        write_regions_yml(provinces, args.out / "regions.yml")
        print(f"{args.out / 'regions.yml'}: {len(provinces)} provinces")
    return 0


if __name__ == "__main__":
    sys.exit(main())
