#!/usr/bin/env python3
"""Time the media stage (guide clips in every language and pixel format, loudspeaker audio) on a
cold cache, then with the same inputs (the pipeline replays the stage), then with a site text
changed (the stage runs; every clip and audio file replays from the memo: no encode).

    .venv/bin/python benchmarks/media.py [--jobs 2] [--kit binh-phuoc] [--materials materials]

Prints the machine, each run's seconds, how many encodes it ran, and what it made (clips,
previews, audio, their sizes). Not a test: the figure belongs in the README with the machine.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from campaign_kit.media.encode import tool_version  # noqa: E402
from campaign_kit.pipeline import Options, build  # noqa: E402


class _Count(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.encodes: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        found = re.match(r"media: (\d+) encode", record.getMessage())
        if found:
            self.encodes.append(int(found.group(1)))


def _cpu() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
        return re.search(r"model name\s*:\s*(.+)", text).group(1).strip()  # type: ignore[union-attr]
    except (OSError, AttributeError):
        return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--kit", default=None)
    parser.add_argument("--materials", type=Path, default=ROOT / "materials")
    args = parser.parse_args()
    count = _Count()
    logging.getLogger("campaign_kit").addHandler(count)
    logging.getLogger("campaign_kit").setLevel(logging.INFO)
    print(f"machine: {os.cpu_count()} cores, {_cpu()}; {tool_version('ffmpeg').split(' Copyright')[0]}; "
          f"{tool_version('espeak-ng').split('  Data')[0]}; --jobs {args.jobs}")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "site"
        # A copy whose site text changed (the clips do not show it): the stage runs, its memo replays.
        edited = Path(folder) / "materials"
        shutil.copytree(args.materials, edited)
        texts = edited / "text/vi.site.yml"
        texts.write_text(texts.read_text(encoding="utf-8").replace("\ndownloads_intro: ", "\ndownloads_intro: Mới. ", 1),
                         encoding="utf-8")
        for run, materials in (("cold cache", args.materials), ("same inputs (stage replayed)", args.materials),
                               ("a site text changed (stage runs, memo replays)", edited)):
            count.encodes.clear()
            start = time.perf_counter()
            build(materials, out, Options(only=("media",), cache=Path(folder) / "cache", jobs=args.jobs,
                                          kit=args.kit))
            seconds = time.perf_counter() - start
            print(f"{run}: {seconds:.1f} s, {count.encodes[-1] if count.encodes else 0} encode(s)")
        made: dict[str, list[int]] = {}
        for path in sorted((out / "downloads").rglob("*")):
            if path.is_file() and path.parent.parent.name in ("clips", "audio"):
                made.setdefault(path.suffix, []).append(path.stat().st_size)
        for suffix, sizes in sorted(made.items()):
            print(f"  {len(sizes):3d} {suffix} files, {sum(sizes) / 1e6:.1f} MB in all, "
                  f"{min(sizes) / 1e3:.0f}–{max(sizes) / 1e3:.0f} kB each")


if __name__ == "__main__":
    main()
