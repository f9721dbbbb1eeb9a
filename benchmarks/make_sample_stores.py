"""Regenerate the bundled SAMPLE store lists for Lạng Sơn (synthetic data, not real stores).

Writes into ``materials/``::

    stores/sample-vnpt-lang-son.csv         UTF-8, ",", canonical English headers
    stores/sample-viettel-lang-son.xlsx     Excel, Vietnamese headers
    stores/sample-mobifone-lang-son.csv     UTF-8 with BOM, ";", Vietnamese headers
    stores/sample-vnpost-lang-son.csv       Windows-1258, ",", CRLF, Vietnamese headers, carrier "Bưu điện"
    stores/sample-viettelpost-lang-son.xlsx Excel, canonical headers
    regions.yml                             Lạng Sơn districts for the validator

then reads every file back, checks it and prints a summary. Deterministic: running it
again produces byte-identical files (this is checked too).

Usage: python benchmarks/make_sample_stores.py [--materials DIR]
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
PROVINCE_CODE = "LS"
STORE_COUNT = 184
SEED = 2020
VNPOST_CARRIER_LABEL = "Bưu điện"


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


SAMPLES: tuple[SampleFile, ...] = (
    SampleFile("VNPT", "sample-vnpt-lang-son.csv", "csv", "canonical"),
    SampleFile("Viettel", "sample-viettel-lang-son.xlsx", "xlsx", "vietnamese"),
    SampleFile("MobiFone", "sample-mobifone-lang-son.csv", "csv", "vietnamese", delimiter=";", bom=True),
    SampleFile("Vietnam Post", "sample-vnpost-lang-son.csv", "csv", "vietnamese", encoding="cp1258",
               line_terminator="\r\n", carrier_label=VNPOST_CARRIER_LABEL),
    SampleFile("Viettel Post", "sample-viettelpost-lang-son.xlsx", "xlsx", "canonical"),
)


# --------------------------------------------------------------------------- writing

def write_samples(materials: Path, province: sg.Province) -> list[dict[str, str]]:
    """Generate the rows and write all sample files plus regions.yml; return the rows."""
    stores_dir = materials / "stores"
    stores_dir.mkdir(parents=True, exist_ok=True)
    rows = sg.generate_stores(STORE_COUNT, [province], seed=SEED)
    for sample in SAMPLES:
        target = stores_dir / sample.filename
        if sample.kind == "csv":
            sg.write_csv(sample.rows_for(rows), target, encoding=sample.encoding, delimiter=sample.delimiter,
                         headers=sample.headers, bom=sample.bom, line_terminator=sample.line_terminator)
        else:
            sg.write_xlsx(sample.rows_for(rows), target, headers=sample.headers)
    sg.write_regions_yml([province], materials / "regions.yml")
    return rows


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


def verify(materials: Path, province: sg.Province, rows: list[dict[str, str]]) -> Summary:
    """Read every written file back and check it against the generated rows."""
    regions = yaml.safe_load((materials / "regions.yml").read_text(encoding="utf-8"))
    _check(regions == {"provinces": [{"name": province.name, "districts": [d.name for d in province.districts]}]},
           "regions.yml does not round-trip")
    wards = {d.name: set(d.wards) for d in province.districts}
    summary, seen_ids = Summary(), set()
    for sample in SAMPLES:
        path = materials / "stores" / sample.filename
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
    _check_totals(summary, province)
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


def _check_totals(summary: Summary, province: sg.Province) -> None:
    total = sum(summary.per_carrier.values())
    _check(160 <= total <= 200, f"total {total} outside 160..200")
    for carrier in sg.CARRIERS:
        _check(30 <= summary.per_carrier[carrier] <= 45, f"{carrier}: {summary.per_carrier[carrier]} stores")
    missing = [d.name for d in province.districts if not summary.per_district[d.name]]
    _check(not missing, f"districts without stores: {missing}")
    _check(summary.long_names > 0 and summary.long_addresses > 0, "no long names/addresses for layout tests")


def check_deterministic(province: sg.Province, materials: Path) -> None:
    """Regenerate into a temporary directory and compare bytes with the written files."""
    with tempfile.TemporaryDirectory() as tmp:
        write_samples(Path(tmp), province)
        for rel in [f"stores/{s.filename}" for s in SAMPLES] + ["regions.yml"]:
            _check(_sha256(Path(tmp) / rel) == _sha256(materials / rel), f"{rel} is not reproducible")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------- report

def print_summary(summary: Summary, province: sg.Province, materials: Path,
                  out: Callable[[str], None] = print) -> None:
    """Print per-file, per-carrier and per-district counts."""
    out(f"SAMPLE store lists for {province.name} written to {materials}")
    for s in SAMPLES:
        fmt = "xlsx" if s.kind == "xlsx" else f"{s.encoding}{'+BOM' if s.bom else ''}, {s.delimiter!r}"
        out(f"  stores/{s.filename:36} {summary.per_carrier[s.carrier]:3d} rows  ({fmt}, {s.headers} headers)")
    out(f"  regions.yml: {len(province.districts)} districts")
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
        "encodings, byte-reproducibility")


def main(argv: Sequence[str] | None = None) -> int:
    """Write, verify and summarise the sample files."""
    parser = argparse.ArgumentParser(description="Regenerate the SAMPLE Lạng Sơn store lists.")
    parser.add_argument("--materials", type=Path, default=REPO_ROOT / "materials",
                        help="materials directory (default: %(default)s)")
    args = parser.parse_args(argv)
    province = sg.select_provinces(sg.load_provinces(), [PROVINCE_CODE])[0]
    rows = write_samples(args.materials, province)
    try:
        summary = verify(args.materials, province, rows)
        check_deterministic(province, args.materials)
    except CheckFailed as exc:
        print(f"CHECK FAILED: {exc}", file=sys.stderr)
        return 1
    print_summary(summary, province, args.materials)
    return 0


if __name__ == "__main__":
    sys.exit(main())
