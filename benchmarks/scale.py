#!/usr/bin/env python3
"""National-scale benchmark: N stores over all 63 provinces, every banner and counter card.

    .venv/bin/python benchmarks/scale.py [--stores 20000] [--jobs 2] [--naive-sample 30]

Prints, from one run on this machine (compare the ratios, the machines are noisy):
- the full build: wall time, the print stage's time, ms per store page, peak memory of the whole
  process tree (sampled; the sum of PSS, and of RSS as before), and the same for 2,000 stores (is memory flat?);
- a naive render of the same templates, one WeasyPrint document per store item, on a sample,
  and the speed-up per page;
- rebuilds: nothing changed; one store edited (three times, in three lists: the median);
  a directive that changes only site text.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import storegen  # noqa: E402

STORES = "kits/lang-son/stores"
"""The default kit's store lists: the benchmark puts the whole country's stores there."""


def make_materials(target: Path, stores: int) -> Path:
    """The bundled materials with N generated stores over 63 provinces instead of the default
    kit's samples (one national kit: the stores are checked against all 63 provinces)."""
    shutil.copytree(ROOT / "materials", target)
    for path in (target / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    provinces = storegen.load_provinces()
    storegen.write_regions_yml(provinces, target / "regions.yml")
    rows = storegen.generate_stores(stores, provinces)
    for carrier, carrier_rows in sorted(storegen.rows_by_carrier(rows).items()):
        storegen.write_csv(carrier_rows, target / STORES / f"bench-{storegen_slug(carrier)}.csv")
    return target


def storegen_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class TreeMemory:
    """Peak memory of a process and all its children, sampled every 50 ms, two ways: the sum of
    their PSS (a shared page is split between the processes that map it: what the tree takes of
    the machine's memory) and the sum of their RSS (each process's shared libraries counted again,
    and a child caught between fork and exec counted at its parent's size; the earlier figures)."""

    def __init__(self, pid: int):
        self.pid, self.peak, self.peak_rss, self._stop = pid, 0, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = _tree(self.pid)
            self.peak = max(self.peak, sum(map(_pss, pids)))
            self.peak_rss = max(self.peak_rss, sum(map(_rss, pids)))
            time.sleep(0.05)

    def stop(self) -> tuple[int, int]:
        """The peaks, PSS and RSS, in bytes."""
        self._stop.set()
        self._thread.join()
        return self.peak, self.peak_rss


def _tree(root: int) -> list[int]:
    """`root` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[21]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def run_build(materials: Path, out: Path, jobs: int, *extra: str) -> dict[str, float]:
    """One `build_posters.py build` in a child process: wall time, stage times, peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "build_posters.py"), "build", "--materials", str(materials),
         "--out", str(out), "--jobs", str(jobs), *extra],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = TreeMemory(process.pid)
    log, _ = process.communicate()
    peak, peak_rss = memory.stop()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"build failed:\n{log[-3000:]}")
    figures = {"wall": wall, "peak_mib": peak / 2**20, "peak_rss_mib": peak_rss / 2**20}
    for name, seconds in re.findall(r"stage (\w+): ([\d.]+) s", log):
        figures[f"stage_{name}"] = float(seconds)
    match = re.search(r"store items: (\d+) rendered, (\d+) reused", log)
    if match:
        figures["rendered"], figures["reused"] = float(match.group(1)), float(match.group(2))
    match = re.search(r"general items: (\d+) rendered", log)
    if match:
        figures["print_rendered"] = float(match.group(1))
    return figures


def _stages(figures: dict[str, float]) -> str:
    return "stages: " + ", ".join(f"{k.removeprefix('stage_')} {v:.1f} s" for k, v in figures.items()
                                  if k.startswith("stage_"))


def naive_store_pdfs(printer: Any, items: Sequence[Any]) -> int:
    """The baseline: each planned store item's whole page laid out by WeasyPrint, one document
    per item (same templates and checks: page count, its QR code read back, text inside the safe
    area), no composing, no cache. Returns the pages rendered."""
    from campaign_kit.errors import BuildError
    from campaign_kit.printing.checks import check_qr_pdf, check_text_inside
    from campaign_kit.printing.qr import draw
    from campaign_kit.printing.render import require_pages

    for item in items:
        qr = draw(item.qr_url, item.qr_module_mm, item.qr_error)
        if qr.size_mm != item.qr_size_mm:
            raise BuildError(f"{item.rel}: QR code drawn {qr.size_mm} mm wide, planned {item.qr_size_mm} mm")
        fmt = item.fmt
        html = printer.renderer.html(fmt.template, printer.context(item.sheet, item, qr))
        pdf = printer.renderer.pdf(html, item.rel)
        require_pages(pdf, 1, f"{fmt.title}: {item.rel}")
        check_qr_pdf(pdf, [(qr.payload, qr.symbol_mm)], [item.rel])
        check_text_inside(pdf, fmt.safe_mm, [item.rel])
    return len(items)


def naive_ms_per_page(materials: Path, sample: int) -> float:
    """One WeasyPrint document per store item, same templates: the baseline. Planning (which
    lays out each carrier's backgrounds to read their slots) is not counted."""
    from campaign_kit.materials import load_project
    from campaign_kit.printing.render import Renderer
    from campaign_kit.printing.stores import StorePrinter, plan_store_items

    project = load_project(materials)
    printer = StorePrinter(project.default_lang, Renderer())
    stores = project.stores[:: max(1, len(project.stores) // sample)][:sample]
    items = plan_store_items(project, stores, printer)
    naive_store_pdfs(printer, items[:1])  # warm up fonts and stylesheets, like the real build
    started = time.perf_counter()
    pages = naive_store_pdfs(printer, items)
    return (time.perf_counter() - started) * 1000 / pages


def edit_one_store(materials: Path, nth: int = 0) -> None:
    """Rename one store (the nth list's first, so that each edit is in another list)."""
    paths = sorted((materials / STORES).glob("*.csv"))
    path = paths[nth % len(paths)]
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    rows[1][2] = rows[1][2] + " (đã chuyển địa điểm)"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(rows)


def add_site_only_directive(materials: Path) -> None:
    (materials / "directives" / "2021-03-01-site-only.md").write_text(
        "---\nnumber: 999/STTTT-BCTT\ndate: 2021-03-01\nissuer: Sở Thông tin và Truyền thông\nscope: Lạng Sơn\n"
        "title: V/v cập nhật hướng dẫn trên cổng thông tin\n---\n"
        "Chỉ cập nhật nội dung hướng dẫn trên trang thông tin; không thay đổi ấn phẩm in.\n",
        encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=20000)
    parser.add_argument("--small", type=int, default=2000, help="the smaller run, to see memory grow")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--naive-sample", type=int, default=30)
    parser.add_argument("--edits", type=int, default=3, help="one-store edits to time, one after another")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="kit-bench-"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{platform.platform()}")
    try:
        rows = []
        for n in (args.small, args.stores):
            materials = make_materials(work / f"materials-{n}", n)
            figures = run_build(materials, work / f"site-{n}", args.jobs)
            pages = 2 * n
            per_page = figures.get("stage_print", figures["wall"]) * 1000 / pages
            rows.append((n, figures, per_page))
            print(f"{n:>6} stores, {pages} pages: build {figures['wall']:.1f} s wall "
                  f"(print stage {figures.get('stage_print', float('nan')):.1f} s, site "
                  f"{figures.get('stage_site', float('nan')):.1f} s), {per_page:.2f} ms per page "
                  f"(wall, --jobs {args.jobs}), peak memory {figures['peak_mib']:.0f} MiB "
                  f"(sum of PSS; sum of RSS {figures['peak_rss_mib']:.0f} MiB)")
        n, figures, per_page = rows[-1]
        materials, out = work / f"materials-{n}", work / f"site-{n}"

        naive = naive_ms_per_page(materials, args.naive_sample)
        print(f"naive: one WeasyPrint document per store item, {args.naive_sample} stores: "
              f"{naive:.1f} ms per page (1 process) -> {naive * 2 * n / 1000 / args.jobs:.0f} s "
              f"estimated for {n} stores on {args.jobs} cores")
        print(f"speed-up per page, pipeline vs naive: {naive / per_page:.1f}x "
              f"(pipeline per page is wall time with {args.jobs} jobs; naive is 1 process: "
              f"{naive / (per_page * args.jobs):.1f}x per core)")

        noop = run_build(materials, out, args.jobs)
        print(f"no-op rebuild: {noop['wall']:.1f} s wall (inputs unchanged: the output is kept)")
        forced = run_build(materials, out, args.jobs, "--force")
        print(f"no-op rebuild with --force (every stage runs, from its cache): {forced['wall']:.1f} s wall, "
              f"store items rendered {forced.get('rendered', 0):.0f}; {_stages(forced)}")
        edits = []
        for nth in range(args.edits):  # the machines are noisy: a few edits, the median
            edit_one_store(materials, nth)
            edits.append(run_build(materials, out, args.jobs))
            one = edits[-1]
            print(f"one store edited ({nth + 1}/{args.edits}): {one['wall']:.1f} s wall, store items "
                  f"rendered {one.get('rendered', 0):.0f}; {_stages(one)}")
        walls = sorted(e["wall"] for e in edits)
        print(f"one store edited: median {walls[len(walls) // 2]:.1f} s wall of {len(walls)} edits "
              f"({', '.join(f'{w:.1f}' for w in walls)})")
        add_site_only_directive(materials)
        site = run_build(materials, out, args.jobs)
        print(f"directive changing only site text: {site['wall']:.1f} s wall, store items rendered "
              f"{site.get('rendered', 0):.0f}, general PDFs rendered {site.get('print_rendered', 0):.0f}; "
              f"{_stages(site)}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
