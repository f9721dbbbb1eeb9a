#!/usr/bin/env python3
"""Hostile .xlsx store lists (issue 15, finding 2): how long `check` takes on them, and how much
memory, against a real list of the same kit.

    .venv/bin/python benchmarks/hostile_xlsx.py [--repo .] [--timeout 120] [--memory-limit-mb 4000]

Builds in a temporary folder, part by part with zipfile (streamed, so building needs no memory):
- `4m-rows`: a header and 4,000,000 one-cell rows (the finding's 615 KB file);
- `huge-cell`: a header and one row whose name is one 200 MB cell (the finding's 208 KB file);
- `row-limit`: 250,000 different rows that unzip under the size bound, for the row limit;
- `real-10k`: a real 10,000-row list (benchmarks/storegen.py), for comparison.
Each is read twice in its own subprocess: by the reader alone (`stores.read_store_files`) and by
`build_posters.py check --kit lang-son` on a copy of materials/ with the file as the kit's only
store list. Prints, for each: seconds, peak RSS of that child (`os.wait4`'s rusage, the children's
getrusage one child at a time) and the first line it reported. `--repo` runs another checkout's
code (an older one, to compare); `--timeout` and `--memory-limit-mb` (RLIMIT_AS) stop a run
that would not end.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from typing import Callable, Iterable

ROOT = Path(__file__).resolve().parent.parent

STORES = "materials/kits/lang-son/stores"
HEADER = ("store_id", "carrier", "name", "address", "ward", "district", "province", "phone", "opening_hours")
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_PARTS = {
    "[Content_Types].xml": (
        f'<?xml version="1.0"?><Types xmlns="{_PKG}/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
    "_rels/.rels": (
        f'<?xml version="1.0"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<?xml version="1.0"?><workbook {_NS} xmlns:r="{_REL}"><sheets>'
        '<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0"?><Relationships xmlns="{_PKG}/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
}


def _cells(values: Iterable[str]) -> bytes:
    return b"".join(b'<c t="inlineStr"><is><t>' + v.encode() + b"</t></is></c>" for v in values)


def write_sheet(path: Path, rows: Iterable[bytes]) -> None:
    """An .xlsx of one sheet: the header, then `rows` (raw `<row>` elements), streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0"?><worksheet {_NS}><sheetData>'.encode())
            part.write(b"<row>" + _cells(HEADER) + b"</row>")
            for row in rows:
                part.write(row)
            part.write(b"</sheetData></worksheet>")


def four_million_rows(path: Path) -> None:
    write_sheet(path, (b"<row>" + _cells(["T"]) + b"</row>" for _ in range(4_000_000)))


def huge_cell(path: Path) -> None:
    def rows() -> Iterable[bytes]:
        yield b"<row>" + _cells(["T-1", "VNPT"]) + b'<c t="inlineStr"><is><t>'
        for _ in range(200):
            yield b"A" * 1_000_000
        yield b"</t></is></c></row>"
    write_sheet(path, rows())


def row_limit(path: Path) -> None:
    write_sheet(path, (b'<row r="%d">' % n + _cells([f"T-{n}", "VNPT", f"Cửa hàng {n}"]) + b"</row>"
                       for n in range(2, 250_002)))


def real_list(path: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from benchmarks import storegen

    rows = storegen.generate_stores(10_000, storegen.select_provinces(storegen.load_provinces(), ["LS"]))
    storegen.write_xlsx(rows, path)


CASES: dict[str, Callable[[Path], None]] = {
    "4m-rows": four_million_rows, "huge-cell": huge_cell, "row-limit": row_limit, "real-10k": real_list}

READER = """
import sys
from pathlib import Path
from campaign_kit.stores import read_store_files
problems = []
path = Path(sys.argv[1])
rows = read_store_files([path], {path: path.name}, problems)
print(f"{len(rows)} rows read, {len(problems)} problem(s)")
for problem in problems[:1]:
    print(str(problem)[:160])
"""


def run(command: list[str], cwd: Path, timeout: float, memory_mb: int) -> tuple[float, float, str]:
    """Seconds, peak RSS (MB) and the first line of output of `command`, run alone. The peak is
    its own (`os.wait4`), but Linux counts in it what the fork copied of this process before
    exec: this process stays small (files are built in a child) for that."""
    def limit() -> None:
        os.setpgrp()
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb << 20, memory_mb << 20))

    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        child = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=limit)
        timer = threading.Timer(timeout, os.killpg, (child.pid, signal.SIGKILL))
        timer.start()
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        timer.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen need not wait
        out.seek(0)
        lines = [line for line in out.read().decode(errors="replace").splitlines() if line.strip()]
    if child.returncode == -signal.SIGKILL and seconds >= timeout:
        said = f"killed after the {timeout:.0f} s time-out"
    else:
        said = next((line for line in lines if "problem" in line or "stores/" in line or "OK:" in line),
                    lines[-1] if lines else f"exit {child.returncode}")
    return seconds, usage.ru_maxrss / 1024, said[:150]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repo", default=str(ROOT), help="the checkout whose code runs (default: this one)")
    parser.add_argument("--timeout", type=float, default=120, help="seconds before a run is killed")
    parser.add_argument("--memory-limit-mb", type=int, default=4000, help="address space of a run (RLIMIT_AS)")
    parser.add_argument("--cases", default=",".join(CASES), help=f"comma-separated, of: {', '.join(CASES)}")
    parser.add_argument("--build", nargs=2, metavar=("CASE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:  # in a child: what building needs never counts in the runs' peaks (see `run`)
        CASES[args.build[0]](Path(args.build[1]))
        return
    repo = Path(args.repo).resolve()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(repo / "materials", work / "materials")
        for bundled in (work / STORES).glob("*"):  # the kit's lists: only the case's file
            bundled.unlink()
        print(f"code: {repo}; time-out {args.timeout:.0f} s, address space {args.memory_limit_mb} MB")
        print(f"{'case':<10} {'file':>9} {'unzipped':>9} {'run':<7} {'seconds':>8} {'peak RSS':>9}  reported")
        seconds, peak, _ = run([python, "-c", "import campaign_kit.stores"], repo, args.timeout,
                               args.memory_limit_mb)
        print(f"{'(import)':<10} {'':>9} {'':>9} {'reader':<7} {seconds:>8.1f} {peak:>7.0f}MB  the floor: "
              "Python and the reader's imports")
        for name in args.cases.split(","):
            path = work / f"{name}.xlsx"
            subprocess.run([python, __file__, "--build", name, str(path)], check=True)
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(i.file_size for i in archive.infolist())
            kit_copy = work / STORES / path.name
            shutil.copy(path, kit_copy)
            runs = {"reader": [python, "-c", READER, str(path)],
                    "check": [python, str(repo / "build_posters.py"), "check", "--kit", "lang-son",
                              "--materials", str(work / "materials")]}
            for run_name, command in runs.items():
                seconds, peak, said = run(command, repo, args.timeout, args.memory_limit_mb)
                print(f"{name:<10} {path.stat().st_size / 1e6:>7.2f}MB {unzipped / 1e6:>7.1f}MB {run_name:<7} "
                      f"{seconds:>8.1f} {peak:>7.0f}MB  {said}", flush=True)
            kit_copy.unlink()


if __name__ == "__main__":
    main()
