"""The build spine: load, validate, run each stage into a staging folder, write the manifest,
swap the result in. Reads top to bottom like the table of contents of a build."""

from __future__ import annotations

import importlib
import logging
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence, TypeVar

from .errors import BuildError
from .materials import load_project
from .model import Project
from .output import Output, read_manifest, staging_dir, swap_in

log = logging.getLogger("campaign_kit")
T = TypeVar("T")

# Stage name -> module under campaign_kit.stages, in build order: downloads first, then the
# bundles and change report made from them, then the site that lists them all.
STAGES: dict[str, str] = {
    "print": "print_pdfs",
    "screens": "screens",
    "messages": "messages",
    "forms": "forms",
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
    warnings: list[str] = field(default_factory=list)

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
    def run(self, ctx: BuildContext) -> None: ...


@dataclass(frozen=True)
class BuildReport:
    files: int
    seconds: float
    warnings: tuple[str, ...]


def build(materials: Path, out: Path, options: Options = Options()) -> BuildReport:
    """Build every output from `materials` into `out`; on any failure `out` stays as it was."""
    started = time.perf_counter()
    project = load_project(materials)  # raises ContentError before anything is written
    stages = _selected(options.only)
    out = out.resolve()
    cache = (options.cache or out.with_name(out.name + ".cache")).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    staging = staging_dir(out)
    try:
        ctx = BuildContext(project=project, out=Output(staging), options=options,
                           previous=read_manifest(out), previous_root=out, cache=cache)
        _carry_over(ctx, skip=stages)
        for name in stages:
            _run_stage(ctx, name)
        if options.strict and ctx.warnings:
            raise BuildError(f"--strict: {len(ctx.warnings)} warning(s), first: {ctx.warnings[0]}")
        manifest = ctx.out.write_manifest()
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return BuildReport(files=len(manifest["files"]), seconds=time.perf_counter() - started,
                       warnings=tuple(ctx.warnings))


def _selected(only: Sequence[str]) -> list[str]:
    unknown = [s for s in only if s not in STAGES]
    if unknown:
        raise BuildError(f"unknown stage(s) {', '.join(unknown)}; stages are: {', '.join(STAGES)}")
    return [s for s in STAGES if not only or s in only]


def _run_stage(ctx: BuildContext, name: str) -> None:
    started = time.perf_counter()
    ctx.out.stage = name
    before = set(ctx.out.files())
    module: Stage = importlib.import_module(f".stages.{STAGES[name]}", __package__)  # type: ignore[assignment]
    module.run(ctx)
    # Files a stage wrote without describing them (site assets, ...) still belong to it.
    for rel in set(ctx.out.files()) - before:
        if rel not in ctx.out.meta:
            ctx.out.describe(rel, "page" if rel.endswith(".html") else "asset")
    log.info("stage %s: %.1f s", name, time.perf_counter() - started)


def _carry_over(ctx: BuildContext, skip: Sequence[str]) -> None:
    """With --only, keep the other stages' files from the last good output."""
    if not ctx.options.only or not ctx.previous:
        return
    for entry in ctx.previous["files"]:
        if entry.get("stage") in skip or not entry.get("stage"):
            continue
        meta = {k: v for k, v in entry.items() if k not in ("path", "sha256", "bytes", "kind", "stage")}
        ctx.out.stage = entry["stage"]
        ctx.out.link(entry["path"], ctx.previous_root / entry["path"], entry["kind"],
                     sha256=(entry["sha256"], entry["bytes"]), **meta)


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s" if verbose else "%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def progress_default() -> bool:
    return sys.stderr.isatty()


