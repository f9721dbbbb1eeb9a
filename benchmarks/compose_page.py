#!/usr/bin/env python3
"""Time composing store pages (banner and card) in one process, as a print worker does.

    .venv/bin/python benchmarks/compose_page.py [--stores 300] [--materials materials]

Uses the bundled materials' stores (184), or a folder made by `benchmarks.scale.make_materials`
for more; backgrounds are laid out
first and not counted. Prints milliseconds per page; compare with a naive page of the same run
(benchmarks/scale.py) rather than across machines.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign_kit.materials import load_project  # noqa: E402
from campaign_kit.memo import Memo  # noqa: E402
from campaign_kit.printing.render import Renderer  # noqa: E402
from campaign_kit.printing.stores import StorePrinter, plan_store_items  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--materials", type=Path, default=ROOT / "materials")
    args = parser.parse_args()
    project = load_project(args.materials)
    with tempfile.TemporaryDirectory() as cache:
        # Planning lays out each carrier's backgrounds. Each store once: its banner and card
        # share one QR code, as in a real build.
        printer = StorePrinter(project.default_lang, Renderer(), Memo(Path(cache)))
        items = plan_store_items(project, project.stores[:args.stores], printer)
        started = time.perf_counter()
        for item in items:
            printer.compose(item)
        seconds = time.perf_counter() - started
    print(f"{len(items)} store pages composed in {seconds:.2f} s: "
          f"{seconds * 1000 / len(items):.2f} ms per page "
          "(1 process; QR code encoded, drawn and decoded back, name and address outlined)")


if __name__ == "__main__":
    main()
