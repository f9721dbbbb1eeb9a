"""The build spine: load, validate, run each stage into a staging folder, write the manifest,
swap the result in. Reads top to bottom like the table of contents of a build."""

from __future__ import annotations

import ctypes
import functools
import gc
import importlib
import json
import logging
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Sequence

from . import freshness
from .artifacts import Artifact, Made
from .context import STAGES, BuildContext, Options, Stage, collecting
from .errors import BuildError
from .faults import output_lock
from .materials import build_date, default_kit, load_project
from .memo import DamagedEntry, Memo
from .output import Output, manifest_hashes, read_manifest, staging_dir, swap_in
from .stages.changes import REPORT

__all__ = ["STAGES", "BuildContext", "BuildReport", "Options", "build", "collecting"]

log = logging.getLogger("campaign_kit")

@dataclass(frozen=True)
class BuildReport:
    files: int
    seconds: float
    warnings: tuple[str, ...]
    up_to_date: bool = False
    """Nothing changed since the last build: the output was left as it was."""


def build(materials: Path, out: Path, options: Options = Options()) -> BuildReport:
    """Build every output from `materials` into `out`; on any failure `out` stays as it was.
    One build at a time into `out`: a second one stops at once (`faults.output_lock`)."""
    # A build holds millions of small objects until its end (a 20,000-store output's entries,
    # the manifest): each automatic full collection walks them all and finds nothing to free
    # (8 of them in a one-store rebuild, about 1 s of its 11). Our own code makes no garbage
    # cycles worth collecting; mkdocs does, and collects within `collecting()`.
    automatic = gc.isenabled()
    gc.disable()
    try:
        with output_lock(out):
            out = out.resolve()
            memo = Memo((options.cache or out.with_name(out.name + ".cache")).resolve())
            try:
                return _build(materials, out, options, memo)
            except DamagedEntry as exc:
                # A damaged entry found where no maker was at hand to make it again: it is
                # discarded by now, so the build (with the same memo and its repairs) makes it.
                log.warning("%s; building again", exc)
                return _build(materials, out, options, memo)
    finally:
        if automatic:
            gc.enable()


def _build(materials: Path, out: Path, options: Options, memo: Memo) -> BuildReport:
    started = time.perf_counter()
    stages = _selected(options.only)
    cache = memo.cache
    cache.mkdir(parents=True, exist_ok=True)
    kit = options.kit or default_kit(materials)
    # The date the letters are applied as of: a letter dated later waits for it (an input).
    today = options.date or build_date()
    inputs, sources = freshness.material_hashes(materials, kit), freshness.source_hashes()
    key_of = functools.partial(freshness.fingerprint, inputs, (options.strict, options.only, kit), sources=sources)
    # The same inputs as the last good build were valid then: no need to load them again.
    if not options.force and (last := freshness.up_to_date(out, memo, key_of, today)) is not None:
        log.info("nothing changed since the last build: %s is up to date", out)
        return BuildReport(files=last[0], seconds=time.perf_counter() - started, warnings=last[1], up_to_date=True)
    # Raises ContentError before anything is written.
    project = load_project(materials, memo, kit, today)
    loaded = time.perf_counter() - started
    log.info("stage load: %.1f s (%d stores)", loaded, len(project.stores))
    extra = (project.print_profile,) if project.print_profile else ()
    key = key_of(extra)
    # The output stays up to date until the day the first letter waiting for its date applies.
    until = min((d.date for d in project.directives if d.deferred), default=None)
    staging, recycled, deleting = staging_dir(out)
    try:
        previous = read_manifest(out)
        output = Output(staging, memo, previous=manifest_hashes(previous), recycled=recycled)
        ctx = BuildContext(project=project, out=output, options=options, previous=previous,
                           previous_root=out, cache=cache, memo=memo, inputs=inputs, sources=sources)
        ctx.warnings.extend(map(str, project.notices))  # said by load_project; counted for --strict
        log.info("stage prepare: %.1f s (fingerprint, last output, staging folder)",
                 time.perf_counter() - started - loaded)
        changes = _carry_over(ctx, skip=stages)
        for name in stages:
            # Each stage is handed what the stages before it made (and the change report).
            result = _run_stage(ctx, name, Made(MappingProxyType(dict(ctx.out.made)), changes))
            if name == "changes":
                changes = result
        if options.strict and ctx.warnings:
            raise BuildError(f"--strict: {len(ctx.warnings)} warning(s), first: {ctx.warnings[0]}")
        finishing = time.perf_counter()
        memo.flush()
        manifest = ctx.out.write_manifest()
        ctx.out.check_files(manifest, full=options.verify)  # raises before anything is published
        swap_in(staging, out)
        if deleting:
            deleting.wait()  # the output before last, deleted alongside the build
        log.info("stage output: %.1f s (manifest, swap)", time.perf_counter() - finishing)
    except Exception as exc:
        if isinstance(exc, DamagedEntry):
            memo.discard(exc.path)
        _keep_what_was_made(memo)
        shutil.rmtree(staging, ignore_errors=True)
        if deleting:
            deleting.wait()
        raise
    except BaseException:  # interrupted: out as fast as it can (an `rm` under way goes on alone)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    assert ctx.out.manifest_sha256 is not None  # written above
    freshness.record(memo, key, tuple(ctx.warnings), extra, ctx.out.manifest_sha256, until)
    # Repairs are said, not recorded: the next build with nothing changed has nothing to repair.
    return BuildReport(files=len(manifest["files"]), seconds=time.perf_counter() - started,
                       warnings=(*memo.repairs, *ctx.warnings))


def _keep_what_was_made(memo: Memo) -> None:
    """A failed build's work stays in the memo: the next build (or the retry) need not make it
    again. Best effort: a full disk must not hide the error that stopped the build."""
    try:
        memo.flush()
    except OSError:
        pass


def _selected(only: Sequence[str]) -> list[str]:
    unknown = [s for s in only if s not in STAGES]
    if unknown:
        raise BuildError(f"unknown stage(s) {', '.join(unknown)}; stages are: {', '.join(STAGES)}")
    return [s for s in STAGES if not only or s in only]


def _run_stage(ctx: BuildContext, name: str, made: Made) -> Any:
    started = time.perf_counter()
    ctx.out.stage = name
    before = set(ctx.out.written)
    module: Stage = importlib.import_module(f".stages.{STAGES[name]}", __package__)
    key = None
    if getattr(module, "READS_STORES", True) is False:
        # Made from materials (store lists aside), templates, code and the tools a stage names
        # (`TOOLS`: ffmpeg's version, ...) only: the same inputs as last time give the same
        # files, linked from the memo without running the stage.
        key = ctx.memo.key("stage", name=name, templates=ctx.templates_digest(), fonts=freshness.fonts_digest(),
                           materials=ctx.materials_digest(stores=False),
                           waiting=tuple(d.file for d in ctx.project.directives if d.deferred),
                           tools=tuple(version() for version in getattr(module, "TOOLS", ())))
        if _replay(ctx, name, key):
            log.info("stage %s: %.1f s (nothing changed)", name, time.perf_counter() - started)
            return None
    warned = len(ctx.warnings)
    result = module.run(ctx, made)
    # Files a stage wrote without describing them (site assets, ...) still belong to it.
    for rel in sorted(ctx.out.written - before):
        if rel not in ctx.out.made:
            ctx.out.describe(rel, "page" if rel.endswith(".html") else "asset")
    if key:
        _remember(ctx, name, key, sorted(ctx.out.written - before), ctx.warnings[warned:])
    log.info("stage %s: %.1f s", name, time.perf_counter() - started)
    _give_back()
    return result


def _give_back() -> None:
    """Hand the memory a stage freed back to the system (glibc keeps freed heap for the process):
    what WeasyPrint, PDFium and the PDFs' bytes held: with a collection before it, 60-140 MB
    after each big stage of a 20,000-store build (a 420-510 MB process). Alone it takes well
    under a millisecond. The next stage's encoders and workers have it. Elsewhere than glibc:
    nothing to do."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # this process's own symbols: libc's
    if trim is not None:
        trim(0)


def _replay(ctx: BuildContext, name: str, key: Any) -> bool:
    """Link in the files a stage made last time with this key, and say its warnings again."""
    record = ctx.memo.load(f"stage-{name}", key)
    if not isinstance(record, dict) or not all(ctx.memo.check(f["sha256"], f["bytes"]) for f in record["files"]):
        return False
    for f in record["files"]:
        ctx.out.link(f["path"], (f["sha256"], f["bytes"]), f["kind"], **f["meta"])
    for message in record["warnings"]:
        ctx.warn(message)
    return True


def _remember(ctx: BuildContext, name: str, key: Any, files: Sequence[str], warnings: Sequence[str]) -> None:
    entries: list[dict[str, Any]] = []
    for rel in files:
        sha256, size = ctx.out.digest(rel)  # every file is a memo entry (`Output.write_bytes`)
        made = ctx.out.made.get(rel)
        entries.append({"path": rel, "sha256": sha256, "bytes": size, "kind": made.kind if made else "asset",
                        "meta": made.meta() if made else {}})
    ctx.memo.save(f"stage-{name}", key, {"files": entries, "warnings": list(warnings)})


def _carry_over(ctx: BuildContext, skip: Sequence[str]) -> dict[str, Any] | None:
    """With --only, keep the other stages' files from the last good output; its change report,
    if the changes stage is not run again."""
    if not ctx.options.only or not ctx.previous:
        return None
    for entry in ctx.previous["files"]:
        if entry.get("stage") in skip or not entry.get("stage"):
            continue
        made = Artifact.from_entry(entry)
        ctx.out.stage = made.stage
        try:
            ctx.out.link(made.path, (entry["sha256"], entry["bytes"]), made.kind, **made.meta())
        except DamagedEntry:
            raise BuildError(f"--only: {entry['path']} of the last output is not as its manifest says; "
                             "build without --only to make it again") from None
    if "changes" in skip or not ctx.out.has(REPORT):
        return None
    return dict(json.loads((ctx.out.root / REPORT).read_text(encoding="utf-8")))  # checked by its link


def configure_logging(verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s" if verbose else "%(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    log.propagate = False


def progress_default() -> bool:
    return sys.stderr.isatty()


