"""Regenerate the bundled SAMPLE store lists of the province kits (synthetic data, not real stores).

Writes into ``materials/kits/<kit>/stores/`` for each kit (here for ``lang-son``)::

    sample-vnpt-lang-son.csv         UTF-8, ",", canonical English headers
    sample-viettel-lang-son.xlsx     Excel, Vietnamese headers
    sample-mobifone-lang-son.csv     UTF-8 with BOM, ";", Vietnamese headers
    sample-vnpost-lang-son.csv       Windows-1258, ",", CRLF, Vietnamese headers, carrier "Bưu điện"
    sample-viettelpost-lang-son.xlsx Excel, canonical headers

Lạng Sơn gets 184 stores (its lists are the ones the tests and benchmarks know); Bình Phước,
Quảng Bình and Long An a smaller set (40-60 stores each), in the same five shapes.

``materials/regions.yml`` is shared by every kit and may hold hand edits: it is never rewritten.
A kit's province missing from it is appended (its districts from ``benchmarks/data/provinces.yml``);
a province already there must list exactly those districts, or the run stops and says so.

Then every file is read back, checked and summarised. Deterministic: running it again produces
byte-identical files (this is checked too).

Usage: python benchmarks/make_sample_stores.py [--kit lang-son|binh-phuoc|quang-binh|long-an|all]
                                               [--materials DIR]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import storegen as sg  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED = 2020
VNPOST_CARRIER_LABEL = "Bưu điện"


@dataclass(frozen=True)
class Kit:
    """One province's kit: which province (storegen code), how many sample stores, and the
    bounds the checks hold the generated lists to."""

    name: str  # folder of materials/kits/
    province_code: str  # code in benchmarks/data/provinces.yml
    stores: int
    total_range: tuple[int, int]
    per_carrier_range: tuple[int, int]
    seed: int = SEED

    def stores_dir(self, materials: Path) -> Path:
        return materials / "kits" / self.name / "stores"


KITS: dict[str, Kit] = {k.name: k for k in (
    # Lạng Sơn's 184 stores: byte-identical to the lists generated before kits existed.
    Kit("lang-son", "LS", 184, (160, 200), (30, 45)),
    Kit("binh-phuoc", "BP", 44, (40, 60), (7, 11)),  # 11 districts, 4 stores each
    Kit("quang-binh", "QB", 40, (40, 60), (7, 11)),  # 8 districts, 5 stores each
    Kit("long-an", "LA", 60, (40, 60), (10, 14)),  # 15 districts, 4 stores each
)}


@dataclass(frozen=True)
class SampleFile:
    """How one carrier's sample list is written (mirrors what that carrier sends)."""

    carrier: str
    filename: str
    kind: str  # "csv" or "xlsx"
    headers: sg.HeaderStyle
    encoding: str = "utf-8"
    delimiter: str = ","
    bom: bool = False
    line_terminator: str = "\n"
    carrier_label: str | None = None  # value written in the carrier column, if not canonical

    def rows_for(self, rows: Sequence[dict[str, str]]) -> list[dict[str, str]]:
        """This carrier's rows, with the carrier column relabelled if needed."""
        mine = [dict(r) for r in rows if r["carrier"] == self.carrier]
        if self.carrier_label:
            for r in mine:
                r["carrier"] = self.carrier_label
        return mine


def samples_for(kit: str) -> tuple[SampleFile, ...]:
    """How each carrier's sample list of `kit` is written: one shape per carrier, as they send them."""
    return (
        SampleFile("VNPT", f"sample-vnpt-{kit}.csv", "csv", "canonical"),
        SampleFile("Viettel", f"sample-viettel-{kit}.xlsx", "xlsx", "vietnamese"),
        SampleFile("MobiFone", f"sample-mobifone-{kit}.csv", "csv", "vietnamese", delimiter=";", bom=True),
        SampleFile("Vietnam Post", f"sample-vnpost-{kit}.csv", "csv", "vietnamese", encoding="cp1258",
                   line_terminator="\r\n", carrier_label=VNPOST_CARRIER_LABEL),
        SampleFile("Viettel Post", f"sample-viettelpost-{kit}.xlsx", "xlsx", "canonical"),
    )


# --------------------------------------------------------------------------- writing

def write_samples(materials: Path, kit: Kit, province: sg.Province) -> list[dict[str, str]]:
    """Generate the rows and write the kit's sample files; return the rows."""
    stores_dir = kit.stores_dir(materials)
    stores_dir.mkdir(parents=True, exist_ok=True)
    rows = sg.generate_stores(kit.stores, [province], seed=kit.seed)
    for sample in samples_for(kit.name):
        target = stores_dir / sample.filename
        if sample.kind == "csv":
            sg.write_csv(sample.rows_for(rows), target, encoding=sample.encoding, delimiter=sample.delimiter,
                         headers=sample.headers, bom=sample.bom, line_terminator=sample.line_terminator)
        else:
            sg.write_xlsx(sample.rows_for(rows), target, headers=sample.headers)
    return rows


def ensure_regions(path: Path, provinces: Sequence[sg.Province]) -> list[str]:
    """Make sure regions.yml lists each province with its districts, without rewriting it: a
    missing province is appended at the end (the file keeps its order, comments and other
    provinces); one already there must list the same districts. Returns the names appended."""
    if not path.exists():
        sg.write_regions_yml(provinces, path)
        return [p.name for p in provinces]
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    listed = data.get("provinces") if isinstance(data, dict) else None
    _check(isinstance(listed, list) and list(data) == ["provinces"],
           f"{path}: expected a file with only a 'provinces:' list; edit it by hand")
    by_name = {sg.nfc(str(p.get("name"))): p for p in listed if isinstance(p, dict)}
    missing = []
    for province in provinces:
        if province.name not in by_name:
            missing.append(province)
            continue
        have = [sg.nfc(str(d)) for d in by_name[province.name].get("districts") or ()]
        want = [d.name for d in province.districts]
        _check(have == want, f"{path}: {province.name} lists the districts {have}, "
                             f"benchmarks/data/provinces.yml {want}; make them agree by hand")
    if missing:
        with tempfile.TemporaryDirectory() as tmp:
            block = Path(tmp) / "regions.yml"
            sg.write_regions_yml(missing, block)
            lines = block.read_text(encoding="utf-8").splitlines(keepends=True)[1:]  # without "provinces:"
        text = path.read_text(encoding="utf-8")
        path.write_text(text + ("" if text.endswith("\n") else "\n") + "".join(lines), encoding="utf-8")
        try:
            names = [sg.nfc(str(p["name"])) for p in yaml.safe_load(path.read_text(encoding="utf-8"))["provinces"]]
        except (yaml.YAMLError, KeyError, TypeError):
            names = []
        if names != [*by_name, *(p.name for p in missing)]:  # the list was not the file's last block
            path.write_text(text, encoding="utf-8")
            raise CheckFailed(f"{path}: could not append {', '.join(p.name for p in missing)}; add by hand")
    return [p.name for p in missing]


# --------------------------------------------------------------------------- reading back

def read_csv_back(path: Path, sample: SampleFile) -> tuple[list[str], list[list[str]]]:
    """Read a sample CSV with the csv module; cp1258 text is NFC-normalised after decoding."""
    raw = path.read_bytes()
    if sample.bom:
        _check(raw.startswith(b"\xef\xbb\xbf"), f"{path.name}: missing UTF-8 BOM")
    if sample.encoding == "cp1258":
        _check(not _is_utf8(raw), f"{path.name}: expected Windows-1258 bytes, got valid UTF-8")
        _check(b"\r\n" in raw, f"{path.name}: expected CRLF line endings")
    encoding = "utf-8-sig" if sample.bom else sample.encoding
    with open(path, encoding=encoding, newline="") as fh:
        table = list(csv.reader(fh, delimiter=sample.delimiter))
    if sample.encoding == "cp1258":
        table = [[sg.nfc(cell) for cell in row] for row in table]
    return table[0], table[1:]


def read_xlsx_back(path: Path) -> tuple[list[str], list[list[str]]]:
    """Read the first sheet of a sample workbook; every cell must be a string."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        table = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    finally:
        wb.close()
    for r in table:
        _check(all(isinstance(v, str) for v in r), f"{path.name}: non-string cell in {r}")
    return table[0], table[1:]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- checks

class CheckFailed(Exception):
    """A generated file does not match expectations."""


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise CheckFailed(message)


@dataclass
class Summary:
    """Counts collected while verifying the files."""

    per_carrier: Counter[str] = field(default_factory=Counter)
    per_district: Counter[str] = field(default_factory=Counter)
    per_pair: Counter[tuple[str, str]] = field(default_factory=Counter)
    long_names: int = 0
    long_addresses: int = 0


def verify(materials: Path, kit: Kit, province: sg.Province, rows: list[dict[str, str]]) -> Summary:
    """Read every written file back and check it against the generated rows."""
    regions = yaml.safe_load((materials / "regions.yml").read_text(encoding="utf-8"))
    entry = [{"name": p["name"], "districts": p["districts"]} for p in regions["provinces"]
             if p["name"] == province.name]
    _check(entry == [{"name": province.name, "districts": [d.name for d in province.districts]}],
           f"regions.yml does not list {province.name} with its districts (once)")
    # A district without sample wards in provinces.yml gets storegen's seat-town ward ("Thị trấn ...").
    wards = {d.name: set(d.wards) or {sg._pick_ward(d, None)} for d in province.districts}
    summary, seen_ids = Summary(), set()
    for sample in samples_for(kit.name):
        path = kit.stores_dir(materials) / sample.filename
        if sample.kind == "csv":
            header, body = read_csv_back(path, sample)
        else:
            header, body = read_xlsx_back(path)
        _check(header == sg.header_labels(sample.headers), f"{path.name}: unexpected header {header}")
        expected = [[r[c] for c in sg.CANONICAL_COLUMNS] for r in sample.rows_for(rows)]
        _check(body == expected, f"{path.name}: content differs from the generated rows")
        for values in body:
            record = dict(zip(sg.CANONICAL_COLUMNS, values))
            _check_record(record, sample, province, wards, seen_ids)
            _count(summary, sample.carrier, record)
    _check_totals(summary, kit, province)
    return summary


def _check_record(record: dict[str, str], sample: SampleFile, province: sg.Province,
                  wards: dict[str, set[str]], seen_ids: set[str]) -> None:
    sid = record["store_id"]
    _check(sid not in seen_ids, f"duplicate store_id {sid}")
    seen_ids.add(sid)
    token = sg.CARRIER_ID_TOKENS[sample.carrier]
    _check(sid.startswith(f"{token}-{province.code}-") and len(sid.rsplit("-", 1)[1]) == 5, f"bad id {sid}")
    _check(record["carrier"] == (sample.carrier_label or sample.carrier), f"{sid}: carrier {record['carrier']}")
    _check(record["province"] == province.name, f"{sid}: province {record['province']}")
    _check(record["district"] in wards, f"{sid}: district {record['district']} not in regions")
    _check(record["ward"] in wards[record["district"]], f"{sid}: ward {record['ward']} not in its district")
    _check(sg.is_valid_phone(record["phone"]), f"{sid}: invalid phone {record['phone']}")
    for key, value in record.items():
        _check(bool(value.strip()), f"{sid}: empty {key}")
        _check(unicodedata.is_normalized("NFC", value), f"{sid}: {key} is not NFC")
        _check(len(value) <= 120, f"{sid}: {key} longer than 120 characters")


def _count(summary: Summary, carrier: str, record: dict[str, str]) -> None:
    summary.per_carrier[carrier] += 1
    summary.per_district[record["district"]] += 1
    summary.per_pair[(record["district"], carrier)] += 1
    summary.long_names += len(record["name"]) >= 90
    summary.long_addresses += len(record["address"]) >= 90


def _check_totals(summary: Summary, kit: Kit, province: sg.Province) -> None:
    total = sum(summary.per_carrier.values())
    lo, hi = kit.total_range
    _check(lo <= total <= hi, f"total {total} outside {lo}..{hi}")
    lo, hi = kit.per_carrier_range
    for carrier in sg.CARRIERS:
        _check(lo <= summary.per_carrier[carrier] <= hi, f"{carrier}: {summary.per_carrier[carrier]} stores")
    missing = [d.name for d in province.districts if not summary.per_district[d.name]]
    _check(not missing, f"districts without stores: {missing}")
    _check(summary.long_names > 0 and summary.long_addresses > 0, "no long names/addresses for layout tests")


def check_deterministic(materials: Path, kit: Kit, province: sg.Province) -> None:
    """Regenerate into a temporary directory and compare bytes with the written files."""
    with tempfile.TemporaryDirectory() as tmp:
        write_samples(Path(tmp), kit, province)
        for s in samples_for(kit.name):
            rel = kit.stores_dir(Path(".")) / s.filename
            _check(_sha256(Path(tmp) / rel) == _sha256(materials / rel), f"{rel} is not reproducible")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- report

def print_summary(summary: Summary, kit: Kit, province: sg.Province, materials: Path,
                  out: Callable[[str], None] = print) -> None:
    """Print per-file, per-carrier and per-district counts."""
    folder = kit.stores_dir(materials)
    out(f"SAMPLE store lists for {province.name} (kit {kit.name}) written to {folder}")
    for s in samples_for(kit.name):
        fmt = "xlsx" if s.kind == "xlsx" else f"{s.encoding}{'+BOM' if s.bom else ''}, {s.delimiter!r}"
        out(f"  {s.filename:38} {summary.per_carrier[s.carrier]:3d} rows  ({fmt}, {s.headers} headers)")
    abbrev = {"VNPT": "VNPT", "Viettel": "Viettel", "MobiFone": "MobiF", "Vietnam Post": "VNPost",
              "Viettel Post": "VTPost"}
    out("")
    out(f"  {'district':28}" + "".join(f"{abbrev[c]:>8}" for c in sg.CARRIERS) + f"{'total':>8}")
    for d in province.districts:
        cells = "".join(f"{summary.per_pair[(d.name, c)]:8d}" for c in sg.CARRIERS)
        out(f"  {d.name:28}{cells}{summary.per_district[d.name]:8d}")
    totals = "".join(f"{summary.per_carrier[c]:8d}" for c in sg.CARRIERS)
    out(f"  {'total':28}{totals}{sum(summary.per_carrier.values()):8d}")
    out(f"\n  long names (>=90 chars): {summary.long_names}, long addresses: {summary.long_addresses}")
    out("  checks passed: headers, content round-trip, NFC, unique ids, districts/wards, phones, "
        "encodings, byte-reproducibility\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Write, verify and summarise the sample files of one kit or of all."""
    parser = argparse.ArgumentParser(description="Regenerate the SAMPLE store lists of the province kits.")
    parser.add_argument("--kit", choices=(*KITS, "all"), default="all",
                        help="the kit whose lists to write (default: %(default)s)")
    parser.add_argument("--materials", type=Path, default=REPO_ROOT / "materials",
                        help="materials directory (default: %(default)s)")
    args = parser.parse_args(argv)
    kits = list(KITS.values()) if args.kit == "all" else [KITS[args.kit]]
    all_provinces = sg.load_provinces()
    provinces = sg.select_provinces(all_provinces, [k.province_code for k in kits])
    try:
        added = ensure_regions(args.materials / "regions.yml", provinces)
        results = []
        for kit, province in zip(kits, provinces):
            rows = write_samples(args.materials, kit, province)
            summary = verify(args.materials, kit, province, rows)
            check_deterministic(args.materials, kit, province)
            results.append((summary, kit, province))
    except CheckFailed as exc:
        print(f"CHECK FAILED: {exc}", file=sys.stderr)
        return 1
    for summary, kit, province in results:
        print_summary(summary, kit, province, args.materials)
    regions = args.materials / "regions.yml"
    print(f"{regions}: " + (f"appended {', '.join(added)}" if added else "already lists every province; unchanged"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
