"""The build spine: load, validate, run each stage into a staging folder, write the manifest,
swap the result in. Reads top to bottom like the table of contents of a build."""

from __future__ import annotations

import gc
import importlib
import logging
import shutil
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Protocol, Sequence, TypeVar

from . import freshness
from .cache import code_version, content_key, discard, remember_stage, replay_stage
from .errors import BuildError
from .materials import default_kit, load_project, store_lists_folder
from .model import Project
from .output import (
    DamagedEntry,
    Output,
    as_built,
    build_clock,
    check_kept,
    manifest_hashes,
    output_state,
    read_manifest_lines,
    save_state,
    staging_dir,
    swap_in,
)

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
    force: bool = False
    """Run every stage even when nothing changed since the last build."""
    kit: str | None = None
    """The province's kit to build (a folder of materials/kits/); None: campaign.yml's default."""
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
    inputs: dict[str, str] = field(default_factory=dict)
    """sha256 of each file of materials/, by its path there."""
    sources: dict[str, str] = field(default_factory=dict)
    """sha256 of each file of docs/, templates/ and mkdocs.yml (`freshness.source_hashes`)."""
    warnings: list[str] = field(default_factory=list)

    def materials_digest(self, stores: bool) -> str:
        """One key over this kit's materials/, with or without its store lists."""
        lists = store_lists_folder(self.project.campaign.kit)
        return content_key(*(f"{k}\0{v}" for k, v in sorted(self.inputs.items())
                             if stores or not k.startswith(lists)))

    def templates_digest(self) -> str:
        """One key over templates/ (read once per build, with the build's fingerprint)."""
        return content_key(*(f"{k}\0{v}" for k, v in sorted(self.sources.items()) if k.startswith("templates/")))

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


STATES = "output-states"
"""In the cache: what the last outputs were (`output.save_state`)."""


@dataclass(frozen=True)
class BuildReport:
    files: int
    seconds: float
    warnings: tuple[str, ...]
    up_to_date: bool = False
    """Nothing changed since the last build: the output was left as it was."""


def build(materials: Path, out: Path, options: Options = Options()) -> BuildReport:
    """Build every output from `materials` into `out`; on any failure `out` stays as it was."""
    # A build holds millions of small objects until its end (a 20,000-store output's entries,
    # the manifest): each automatic full collection walks them all and finds nothing to free
    # (8 of them in a one-store rebuild, about 1 s of its 11). Our own code makes no garbage
    # cycles worth collecting; mkdocs does, and collects within `collecting()`.
    automatic = gc.isenabled()
    gc.disable()
    try:
        try:
            return _build(materials, out, options)
        except DamagedEntry as exc:
            # A damaged cache entry only found while linking it (one no recent output had): it
            # is discarded by now, so the build makes it again.
            log.warning("%s; building again", exc)
            return _build(materials, out, options)
    finally:
        if automatic:
            gc.enable()


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


def _build(materials: Path, out: Path, options: Options) -> BuildReport:
    started = time.perf_counter()
    stages = _selected(options.only)
    out = out.resolve()
    cache = (options.cache or out.with_name(out.name + ".cache")).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    kit = options.kit or default_kit(materials)
    inputs, sources = freshness.material_hashes(materials, kit), freshness.source_hashes()
    if not options.force:
        # The same inputs as the last good build were valid then: no need to load them again.
        last_extra = freshness.recorded_extra_files(cache)
        key = freshness.fingerprint(inputs, (options.strict, options.only, kit), last_extra, sources)
        if (last := freshness.up_to_date(out, cache, key)) is not None:
            if as_built(out, output_state(out, cache / STATES, stats_only=True)):
                log.info("nothing changed since the last build: %s is up to date", out)
                return BuildReport(files=last[0], seconds=time.perf_counter() - started, warnings=last[1],
                                   up_to_date=True)
            log.warning("%s: files changed since they were built (or no record of them): building again", out)
    # Raises ContentError before anything is written.
    project = load_project(materials, cache / "store-lists.marshal", kit)
    loaded = time.perf_counter() - started
    log.info("stage load: %.1f s (%d stores)", loaded, len(project.stores))
    extra = (project.print_profile,) if project.print_profile else ()
    key = freshness.fingerprint(inputs, (options.strict, options.only, kit), extra, sources)
    freshness.forget(cache)
    clock = build_clock(cache)
    staging = staging_dir(out, cache / STATES)
    try:
        previous, previous_lines = read_manifest_lines(out)
        # Kept files (the recycled folder's, the last output's: the cache's own inodes) are
        # trusted only as recorded; those changed in place are discarded, so stages make them again.
        kept = check_kept(staging, out, output_state(out, cache / STATES))
        repairs = _discard_damaged(cache, kept.damaged)
        output = Output(staging.folder, previous=manifest_hashes(previous), existing=staging.files,
                        recycled=kept.recycled, verified=kept.verified, fresh_ns=clock,
                        previous_lines=previous_lines, folder_times=staging.folder_times, repairs=repairs)
        ctx = BuildContext(project=project, out=output, options=options, previous=previous,
                           previous_root=out, cache=cache, inputs=inputs, sources=sources)
        log.info("stage prepare: %.1f s (fingerprint, last output, staging folder)",
                 time.perf_counter() - started - loaded)
        _carry_over(ctx, skip=stages)
        for name in stages:
            _run_stage(ctx, name)
        if options.strict and ctx.warnings:
            raise BuildError(f"--strict: {len(ctx.warnings)} warning(s), first: {ctx.warnings[0]}")
        finishing = time.perf_counter()
        manifest = ctx.out.write_manifest()
        ctx.out.check_files(manifest, full=options.verify)  # raises before anything is published
        save_state(cache / STATES, ctx.out, manifest)
        swap_in(staging.folder, out)
        log.info("stage output: %.1f s (manifest, swap, old output deleted)", time.perf_counter() - finishing)
    except DamagedEntry as exc:
        discard(cache, exc.path)
        shutil.rmtree(staging.folder, ignore_errors=True)
        raise
    except BaseException:
        shutil.rmtree(staging.folder, ignore_errors=True)
        raise
    freshness.record(out, cache, key, tuple(ctx.warnings), extra, ctx.out.manifest_sha256)
    # Repairs are said, not recorded: the next build with nothing changed has nothing to repair.
    return BuildReport(files=len(manifest["files"]), seconds=time.perf_counter() - started,
                       warnings=(*ctx.out.repairs, *ctx.warnings))


def _discard_damaged(cache: Path, damaged: list[tuple[str, list[str], bool]]) -> list[str]:
    """Remove the cache entries of files changed in place; a warning for each, and for each
    published file changed (a damaged file left in the staging folder only is just replaced)."""
    messages = []
    for shown, sources, published in damaged:
        for source in sources:
            discard(cache, source)
        if sources:
            messages.append(f"{', '.join(f'cache entry {s}' for s in sources)} was damaged "
                            "(size/time changed since it was made): removed, made again")
        elif published:
            messages.append(f"{shown} was changed since it was built: made again")
        else:
            log.info("%s: changed since it was built (not published): replaced", shown)
            continue
        log.warning("%s", messages[-1])
    return messages


def _selected(only: Sequence[str]) -> list[str]:
    unknown = [s for s in only if s not in STAGES]
    if unknown:
        raise BuildError(f"unknown stage(s) {', '.join(unknown)}; stages are: {', '.join(STAGES)}")
    return [s for s in STAGES if not only or s in only]


def _run_stage(ctx: BuildContext, name: str) -> None:
    started = time.perf_counter()
    ctx.out.stage = name
    before = set(ctx.out.written)
    module: Stage = importlib.import_module(f".stages.{STAGES[name]}", __package__)
    memo = None
    if getattr(module, "READS_STORES", True) is False:
        # Made from materials (store lists aside), templates and code only: the same inputs as
        # last time give the same files, linked from the cache without running the stage.
        memo = content_key(code_version(), name, ctx.templates_digest(), *freshness.fonts_digest(),
                           ctx.materials_digest(stores=False))
        replayed = replay_stage(ctx.cache, ctx.out, name, memo)
        if replayed is not None:
            for message in replayed:
                ctx.warn(message)
            log.info("stage %s: %.1f s (nothing changed)", name, time.perf_counter() - started)
            return
    warned = len(ctx.warnings)
    module.run(ctx)
    # Files a stage wrote without describing them (site assets, ...) still belong to it.
    for rel in sorted(ctx.out.written - before):
        if rel not in ctx.out.meta:
            ctx.out.describe(rel, "page" if rel.endswith(".html") else "asset")
    if memo:
        remember_stage(ctx.cache, ctx.out, name, memo, sorted(ctx.out.written - before), ctx.warnings[warned:])
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
        try:
            ctx.out.link(entry["path"], ctx.previous_root / entry["path"], entry["kind"],
                         sha256=(entry["sha256"], entry["bytes"]), **meta)
        except DamagedEntry:
            raise BuildError(f"--only: {entry['path']} of the last output is not as its manifest says; "
                             "build without --only to make it again") from None


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s" if verbose else "%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def progress_default() -> bool:
    return sys.stderr.isatty()


