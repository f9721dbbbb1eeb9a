"""The output contract: a staging folder swapped in whole, safe paths, and manifest.json.

A build writes everything into `<out>.staging/`, then exchanges it with `<out>` in one
`renameat2(RENAME_EXCHANGE)` call, so a build that fails or is killed at any moment leaves the
previous output complete. Every file in the output is listed in `manifest.json` with its sha256.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

from .errors import BuildError

MANIFEST = "manifest.json"
KINDS = ("page", "asset", "poster", "leaflet", "standee", "store-banner", "store-card", "screen",
         "preview", "message", "form", "bundle", "report")


def safe_join(root: Path, relpath: str, checked_dirs: set[str] | None = None) -> Path:
    """`root / relpath`, refusing anything that would land outside `root`.

    `checked_dirs`: folders (relative) already found inside `root`; their files need no new
    `resolve()` (one system call per path component: 40 s for 140,000 files)."""
    parts = _checked_parts(relpath)
    target = root.joinpath(*parts)
    folder = "/".join(parts[:-1])
    if checked_dirs is not None and folder in checked_dirs and not target.is_symlink():
        return target
    if not target.resolve().is_relative_to(root.resolve()):
        raise BuildError(f"refusing to write outside the output folder: {relpath!r}")
    if checked_dirs is not None and target.parent.is_dir():
        checked_dirs.add(folder)
    return target


def _checked_parts(relpath: str) -> tuple[str, ...]:
    pure = PurePosixPath(relpath)
    if pure.is_absolute() or not relpath or any(part in ("..", "") for part in pure.parts) \
            or "\\" in relpath or "\0" in relpath:
        raise BuildError(f"refusing to write outside the output folder: {relpath!r}")
    return pure.parts


@dataclass
class Output:
    """The staging folder of one build, and what each stage says about the files it wrote."""

    root: Path
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    stage: str = ""
    """The stage writing now; recorded per file so `--only` can carry the others' files over."""
    hashes: dict[str, tuple[str, int]] = field(default_factory=dict)
    """sha256 and size of files whose bytes we already had: the manifest need not read them."""
    previous: dict[str, tuple[str, int]] = field(default_factory=dict)
    """sha256 and size of each file of the last good output (its manifest)."""
    previous_root: Path | None = None
    """The last good output: a file linked from the very inode it has there is known already."""
    written: set[str] = field(default_factory=set)
    """Every path handed out by `path`: the files of the output, without walking the folder."""
    _checked_dirs: set[str] = field(default_factory=set)

    def path(self, relpath: str) -> Path:
        """Where to write `relpath` (parents created). Register it with `describe` if it matters."""
        key = _key(relpath)
        parts = _checked_parts(key)  # refuses `..`, absolute paths, ... before any folder is made
        self.root.joinpath(*parts[:-1]).mkdir(parents=True, exist_ok=True)
        target = safe_join(self.root, key, self._checked_dirs)
        self.written.add(key)
        return target

    def write_bytes(self, relpath: str, data: bytes, kind: str, **meta: Any) -> Path:
        target = self.path(relpath)
        # Replace, never modify in place: the file may be a hard link into a cache or old output.
        temp = target.with_name(target.name + ".part")
        temp.write_bytes(data)
        os.replace(temp, target)
        self.hashes[_key(relpath)] = (hashlib.sha256(data).hexdigest(), len(data))
        self.describe(relpath, kind, **meta)
        return target

    def link(self, relpath: str, source: Path, kind: str | None = None,
             sha256: tuple[str, int] | None = None, **meta: Any) -> Path:
        """Put an existing file (from the cache or the previous output) at `relpath` cheaply.
        `sha256`: its (hash, size) when known, so the manifest does not read it again."""
        target = self.path(relpath)
        if target.exists():
            target.unlink()
        try:
            os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        key = _key(relpath)
        sha256 = sha256 or self._unchanged_since_last_build(key, target)
        if sha256 is not None:
            self.hashes[key] = sha256
        else:
            self.hashes.pop(key, None)
        if kind is not None:
            self.describe(relpath, kind, **meta)
        return target

    def _unchanged_since_last_build(self, relpath: str, target: Path) -> tuple[str, int] | None:
        """The last manifest's hash when `target` is the same inode as the last output's file
        (files are replaced, never modified in place, so one inode is one content): a rebuild
        that links 40,000 cached PDFs again reads none of them."""
        known = self.previous.get(relpath)
        if known is None or self.previous_root is None:
            return None
        try:
            before, now = os.stat(self.previous_root / relpath), os.stat(target)
        except OSError:
            return None
        same = (before.st_ino, before.st_dev, before.st_size) == (now.st_ino, now.st_dev, known[1])
        return known if same else None

    def digest(self, relpath: str) -> tuple[str, int]:
        """sha256 and size of a written file, read only if not known already."""
        key = _key(relpath)
        if key not in self.hashes:
            self.hashes[key] = _hash_file(safe_join(self.root, key))
        return self.hashes[key]

    def write_text(self, relpath: str, text: str, kind: str, **meta: Any) -> Path:
        return self.write_bytes(relpath, text.encode("utf-8"), kind, **meta)

    def describe(self, relpath: str, kind: str, **meta: Any) -> None:
        """Record what a file is: its kind and `lang`, `store_id`, `format`, `directive`, ..."""
        if kind not in KINDS:
            raise ValueError(f"unknown output kind {kind!r}")
        self.meta[_key(relpath)] = {"kind": kind, "stage": self.stage, **{
            k: v for k, v in meta.items() if v is not None}}

    def files(self) -> Iterator[str]:
        """Every file written (through `path`, `write_*` or `link`), sorted."""
        for rel in sorted(self.written):
            if (self.root / rel).is_file():
                yield rel

    def manifest(self) -> dict[str, Any]:
        """Every file in the folder, sorted, with sha256 and bytes; undeclared files are pages
        (HTML) or assets (everything else the site needs)."""
        entries = []
        for rel in self.files():
            if rel == MANIFEST:
                continue
            digest, size = self.digest(rel)
            meta = self.meta.get(rel) or {"kind": "page" if rel.endswith(".html") else "asset"}
            entries.append({"path": rel, "sha256": digest, "bytes": size, **meta})
        return {"files": entries}

    def write_manifest(self) -> dict[str, Any]:
        manifest = self.manifest()
        (self.root / MANIFEST).write_text(
            json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        return manifest


def _key(relpath: str) -> str:
    return PurePosixPath(relpath).as_posix()


def _hash_file(path: Path) -> tuple[str, int]:
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256")
    return digest.hexdigest(), path.stat().st_size


def manifest_hashes(manifest: dict[str, Any] | None) -> dict[str, tuple[str, int]]:
    """path -> (sha256, bytes) of a manifest's files."""
    return {e["path"]: (e["sha256"], e["bytes"]) for e in (manifest or {}).get("files", [])}


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of the last good output, if there is one."""
    try:
        return json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def staging_dir(out: Path) -> Path:
    """A fresh, empty staging folder next to `out` (same filesystem, so the swap is a rename)."""
    old = out.with_name(out.name + ".old")
    if old.is_dir() and not out.exists():
        os.rename(old, out)  # a build killed between the two fallback renames
    staging = out.with_name(out.name + ".staging")
    if staging.exists():
        shutil.rmtree(staging)  # left by a killed build
    staging.mkdir(parents=True)
    return staging


def swap_in(staging: Path, out: Path) -> None:
    """Make `staging` the new `out` atomically, then delete the old output."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        shutil.rmtree(staging)  # now holds the previous output
        return
    # No renameat2 (not Linux, or an old kernel): two renames, keeping the old output until the end.
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    os.rename(out, old)
    os.rename(staging, out)
    shutil.rmtree(old)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0
