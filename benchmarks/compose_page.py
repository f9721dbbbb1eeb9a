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
from campaign_kit.printing.render import shared_renderer  # noqa: E402
from campaign_kit.printing.stores import compose_item, plan_store_items  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=300)
    parser.add_argument("--materials", type=Path, default=ROOT / "materials")
    args = parser.parse_args()
    project = load_project(args.materials)
    # Each store once: its banner and card share one QR code, as in a real build.
    items = plan_store_items(project, project.stores[:args.stores], shared_renderer())
    with tempfile.TemporaryDirectory() as cache:
        for item in {(i.carrier.id, i.format_name): i for i in items}.values():
            compose_item(item, Path(cache))  # lay out each carrier's backgrounds first
        started = time.perf_counter()
        for item in items:
            compose_item(item, Path(cache))
        seconds = time.perf_counter() - started
    print(f"{len(items)} store pages composed in {seconds:.2f} s: "
          f"{seconds * 1000 / len(items):.2f} ms per page "
          "(1 process; QR code encoded, drawn and decoded back, name and address outlined)")


if __name__ == "__main__":
    main()
