"""What a stage is given and what it gives back: the build's options, its context, the stage
protocol. Its own module so that stages import it without importing the pipeline that runs them."""

from __future__ import annotations

import datetime as dt
import gc
import logging
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence, TypeVar

from .artifacts import Made
from .materials import reports_folder, store_lists_folder
from .memo import Memo, digest
from .model import Project
from .output import Output

log = logging.getLogger("campaign_kit")
T = TypeVar("T")

# Stage name -> module under campaign_kit.stages, in build order: downloads first, then the
# bundles and change report made from them, then the site that lists them all.
STAGES: dict[str, str] = {
    "print": "print_pdfs",
    "screens": "screens",
    "media": "media",
    "messages": "messages",
    "forms": "forms",
    "progress": "progress",
    "bundles": "bundles",
    "changes": "changes",
    "site": "site",
}


@dataclass(frozen=True)
class Options:
    """What `build` was asked for on the command line."""

    jobs: int = 1
    strict: bool = False
    """Fail on warnings that a department can live with (a missing translation, ...)."""
    only: tuple[str, ...] = ()
    """Run only these stages; the other stages' files are carried over from the last output."""
    cache: Path | None = None
    progress: bool = False
    force: bool = False
    """Run every stage even when nothing changed since the last build."""
    kit: str | None = None
    """The province's kit to build (a folder of materials/kits/); None: campaign.yml's default."""
    date: dt.date | None = None
    """The build's date, as of which letters apply (None: `materials.build_date()`, today in Vietnam)."""
    verify: bool = False
    """Read every file of the new output back and check its sha256 against the manifest
    (a build otherwise checks each file's size, and trusts kept files by inode, size and time)."""


@dataclass
class BuildContext:
    """What every stage gets: the project, the staging output, and the last good output."""

    project: Project
    out: Output
    options: Options
    previous: dict[str, Any] | None
    """The last good output's manifest (None on a first build)."""
    previous_root: Path
    cache: Path
    memo: Memo
    """The one store of remembered work (`memo.py`), under `cache`."""
    inputs: dict[str, str] = field(default_factory=dict)
    """sha256 of each file of materials/, by its path there."""
    sources: dict[str, str] = field(default_factory=dict)
    """sha256 of each file of docs/, templates/ and mkdocs.yml (`freshness.source_hashes`)."""
    warnings: list[str] = field(default_factory=list)

    def materials_digest(self, stores: bool) -> str:
        """One key over this kit's materials/, with or without its store lists (and the returned
        report forms: only the progress stage reads them)."""
        lists = (store_lists_folder(self.project.campaign.kit), reports_folder(self.project.campaign.kit))
        return digest(*(f"{k}\0{v}" for k, v in sorted(self.inputs.items())
                             if stores or not k.startswith(lists)))

    def templates_digest(self) -> str:
        """One key over templates/ (read once per build, with the build's fingerprint)."""
        return digest(*(f"{k}\0{v}" for k, v in sorted(self.sources.items()) if k.startswith("templates/")))

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        log.warning(message)

    def progress(self, items: Sequence[T] | Iterable[T], desc: str, total: int | None = None) -> Iterator[T]:
        """A progress bar in a terminal, a few plain log lines in CI."""
        total = total if total is not None else (len(items) if isinstance(items, Sequence) else None)
        if self.options.progress:
            from tqdm import tqdm
            yield from tqdm(items, desc=desc, total=total, unit="item", leave=False)
            return
        step = max(1, (total or 0) // 10)
        for i, item in enumerate(items, start=1):
            if total and (i % step == 0 or i == total):
                log.info("%s: %d/%d", desc, i, total)
            yield item


class Stage(Protocol):
    """A module of campaign_kit/stages/: `run` makes its files into `ctx.out` from the project
    and what the stages before it made (`made`); the changes stage returns its report."""

    def run(self, ctx: BuildContext, made: Made) -> Any: ...


@contextmanager
def collecting() -> Iterator[None]:
    """Automatic garbage collection within, and one collection at the end: for libraries that
    leave reference cycles behind (mkdocs' pages, Markdown's trees). A 2,000-store build, one run:
    peak 466 MiB with Python's default collection, 598 MiB with none, 468 MiB this way."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if not was:
            gc.collect()
            gc.disable()
