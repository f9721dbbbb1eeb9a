"""The build cache (`<out>.cache/`): files named by a key over everything that shaped them.

A rebuild asks for the file of a key; if it exists it is linked into the output, otherwise it is
made. Nothing is ever modified in place, so a key names one content forever (and an output file
that is the same inode as a cache file is known to hold that content).
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import marshal
import os
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any, Sequence

from .output import DamagedEntry, Output

log = logging.getLogger("campaign_kit")

PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("weasyprint", "pydyf", "segno", "pypdfium2", "zxing-cpp", "fonttools", "jinja2", "pypdf",
             "mkdocs", "mkdocs-material", "markdown", "pymdown-extensions")
"""The libraries whose version can change what an output looks like."""


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """Part of every cache key: the pipeline's own source (every file of the package) and the
    versions of the libraries that shape outputs. Any code change misses the whole cache."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            h.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            h.update(f"{name}=={metadata.version(name)}\0".encode())
        except metadata.PackageNotFoundError:
            h.update(f"{name} missing\0".encode())
    return h.hexdigest()


def content_key(*parts: str) -> str:
    """A cache key over everything that shapes an output (for a page: the rendered HTML, which
    already holds every text, colour and QR code, plus the template/font digests and code version)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def cached_file(cache: Path, group: str, key: str, suffix: str) -> Path:
    return Path(cached_path(cache, group, key, suffix))


def cached_path(cache: Path, group: str, key: str, suffix: str) -> str:
    """`cached_file` as a string, for loops over every store (a Path costs more than the look-up)."""
    return f"{cache}/{group}/{key[:2]}/{key}{suffix}"


KEPT_BUILDS = "site-mkdocs"
"""Groups whose entries are whole folders (`<group>/<lang>/<key>/`): a damaged file discards its folder."""


def discard(cache: Path, path: str) -> bool:
    """Remove a damaged cache entry so that the build makes it again (an entry outside the
    cache, such as the last output's file, is left alone). True if it was the cache's."""
    try:
        parts = Path(path).resolve().relative_to(cache.resolve()).parts
    except ValueError:
        return False
    if parts and parts[0] == KEPT_BUILDS and len(parts) > 3:
        shutil.rmtree(cache.joinpath(*parts[:3]), ignore_errors=True)
    else:
        Path(path).unlink(missing_ok=True)
    return True


def store_in_cache(target: Path, data: bytes) -> Path:
    """Write atomically (another process may be writing the same key)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f"{target.name}.{os.getpid()}.part")
    temp.write_bytes(data)
    os.replace(temp, target)
    return target


# --- memos: what a build worked out, for the next one -------------------------------------------
# One marshal file each (private, quick to read): a dict of entries, valid while the `context` it
# was saved under (a key that holds the code version and every other input the entries came
# from) is the same.

def load_memo(path: Path, context: str) -> dict[str, Any]:
    """The entries `save_memo` kept at `path` under this `context`; empty if none (or another,
    or its bytes are not those saved: a damaged memo would point at other files)."""
    try:
        raw = path.read_bytes()
        if hashlib.sha256(raw[32:]).digest() != raw[:32]:
            return {}
        data = marshal.loads(raw[32:])
    except (OSError, ValueError, EOFError, TypeError):
        return {}
    valid = isinstance(data, dict) and data.get("context") == context
    return data["entries"] if valid and isinstance(data.get("entries"), dict) else {}


def save_memo(path: Path, context: str, entries: dict[str, Any]) -> None:
    data = marshal.dumps({"context": context, "entries": entries})
    store_in_cache(path, hashlib.sha256(data).digest() + data)  # checked by `load_memo`


# --- whole stages ------------------------------------------------------------------------------
# A stage that reads no store (messages, forms, screens) makes the same files from the same
# materials, templates and code: its files are kept by content and linked in again, its
# warnings said again, instead of running it (a few seconds each, on every rebuild).

def replay_stage(cache: Path, out: Output, stage: str, key: str) -> list[str] | None:
    """Link in the files the stage made last time for this key; its warnings, or None (a miss)."""
    try:
        record = json.loads((cache / "stages" / f"{stage}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    files = record.get("files", [])
    if record.get("key") != key or not all(_usable(cache, out, _kept(cache, f["sha256"]), (f["sha256"], f["bytes"]))
                                           for f in files):
        return None
    for f in files:
        out.link(f["path"], _kept(cache, f["sha256"]), f["kind"], sha256=(f["sha256"], f["bytes"]), keyed=True,
                 **f["meta"])
    return list(record.get("warnings", []))


def remember_stage(cache: Path, out: Output, stage: str, key: str, files: Sequence[str],
                   warnings: Sequence[str]) -> None:
    entries: list[dict[str, Any]] = []
    for rel in sorted(files):
        sha256, size = out.digest(rel)
        kept = _kept(cache, sha256)
        if not kept.exists():
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.link(out.root / rel, kept)  # staging files are never modified in place: share them
            out.sources[rel] = os.fspath(kept)  # the next build checks it with the output's files
        info = dict(out.meta.get(rel, {}))
        kind = info.pop("kind", "asset")
        info.pop("stage", None)
        entries.append({"path": rel, "sha256": sha256, "bytes": size, "kind": kind, "meta": info})
    target = cache / "stages" / f"{stage}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    store_in_cache(target, json.dumps({"key": key, "files": entries, "warnings": list(warnings)},
                                      ensure_ascii=False, sort_keys=True).encode("utf-8"))


def link_content(cache: Path, out: Output, rel: str, data: bytes, kind: str, **meta: Any) -> None:
    """Write `data` at `rel` by way of the cache's content store (files named by their sha256):
    a file the recycled output folder has already is neither written nor linked again."""
    sha256 = hashlib.sha256(data).hexdigest()
    kept = _kept(cache, sha256)
    if not out.keeps(rel, kept) and not _usable(cache, out, kept, (sha256, len(data))):
        store_in_cache(kept, data)
    out.link(rel, kept, kind, sha256=(sha256, len(data)), keyed=True, **meta)


def _usable(cache: Path, out: Output, path: Path, claim: tuple[str, int]) -> bool:
    """`path` exists and holds the bytes `claim` says (a content-store entry is named by its
    hash); a damaged one is discarded, with a warning, and is a miss."""
    try:
        out.known_hash(os.fspath(path), os.stat(path), claim)
    except OSError:
        return False
    except DamagedEntry as exc:
        discard(cache, exc.path)
        out.repairs.append(str(exc))
        log.warning("%s", exc)
        return False
    return True


def _kept(cache: Path, sha256: str) -> Path:
    return cache / "files" / sha256[:2] / sha256
