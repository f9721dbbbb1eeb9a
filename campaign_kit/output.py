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
import marshal
import operator
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from .errors import BuildError

MANIFEST = "manifest.json"
KINDS = ("page", "asset", "poster", "leaflet", "standee", "store-banner", "store-card", "screen",
         "preview", "message", "form", "bundle", "report")


def safe_join(root: Path, relpath: str, checked_dirs: set[str] | None = None) -> Path:
    """`root / relpath`, refusing anything that would land outside `root`.

    `checked_dirs`: folders (relative) already found to be real folders inside `root`: a path
    under them needs one `lstat` per new folder, not a `resolve()` of every component (40 s for
    140,000 files)."""
    return _inside(root, _checked_parts(relpath), relpath, checked_dirs)


def _inside(root: Path, parts: list[str], relpath: str, checked_dirs: set[str] | None) -> Path:
    """`safe_join` for `parts` that `_checked_parts` has passed."""
    target = os.path.join(root, *parts)
    if checked_dirs is not None and _real_folders(root, parts[:-1], checked_dirs) \
            and not os.path.islink(target):
        return Path(target)
    if not Path(target).resolve().is_relative_to(root.resolve()):
        raise BuildError(f"refusing to write outside the output folder: {relpath!r}")
    return Path(target)


def _real_folders(root: Path, folders: list[str], checked: set[str]) -> bool:
    """True when each of root/a, root/a/b, ... is a folder and not a symbolic link (remembered)."""
    for depth in range(1, len(folders) + 1):
        rel = "/".join(folders[:depth])
        if rel in checked:
            continue
        try:
            mode = os.lstat(os.path.join(root, rel)).st_mode
        except OSError:
            return False
        if not stat.S_ISDIR(mode):
            return False
        checked.add(rel)
    return True


def _checked_parts(relpath: str) -> list[str]:
    parts = relpath.split("/")
    if not relpath or relpath.startswith("/") or "\\" in relpath or "\0" in relpath \
            or any(part in ("", ".", "..") for part in parts):
        raise BuildError(f"refusing to write outside the output folder: {relpath!r}")
    return parts


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
    existing: set[str] = field(default_factory=set)
    """Files already in a recycled staging folder: those not written again go at the end."""
    recycled: dict[str, tuple[str | None, str, int]] = field(default_factory=dict)
    """Files of the recycled folder: path -> (the source it was linked from or None, sha256, bytes).
    Linking the same source there again is nothing to do, not even a `stat`."""
    sources: dict[str, str] = field(default_factory=dict)
    """What each linked file was linked from (for the build that recycles this folder)."""
    previous_lines: dict[str, tuple[dict[str, Any], str]] = field(default_factory=dict)
    """The last manifest's entries and their lines: an unchanged entry keeps its line."""
    manifest_sha256: str | None = None
    """Of the manifest, once written."""
    folder_times: dict[str, int] = field(default_factory=dict)
    """The recycled folder's folders and their modification times, as its state recorded them."""
    touched: set[str] = field(default_factory=lambda: {""})
    """Folders whose entries this build added, replaced or removed ("": the root, whose manifest
    goes first): `save_state` reads the times of these only, the others are as they were."""
    _checked_dirs: set[str] = field(default_factory=set)

    def path(self, relpath: str) -> Path:
        """Where to write `relpath` (parents created). Register it with `describe` if it matters."""
        parts = _checked_parts(relpath)  # refuses `..`, absolute paths, ... before any folder is made
        parent = relpath.rpartition("/")[0]
        if parent and parent not in self._checked_dirs:
            os.makedirs(os.path.join(self.root, parent), exist_ok=True)
            self.touched.update(_ancestors(parent))  # folders it may have made
        self.touched.add(parent)  # the file will be made or replaced there
        target = _inside(self.root, parts, relpath, self._checked_dirs)
        self.written.add(relpath)
        self.sources.pop(relpath, None)
        return target

    def write_bytes(self, relpath: str, data: bytes, kind: str, **meta: Any) -> Path:
        target = self.path(relpath)
        # Replace, never modify in place: the file may be a hard link into a cache or old output.
        temp = target.with_name(target.name + ".part")
        temp.write_bytes(data)
        os.replace(temp, target)
        self.hashes[relpath] = (hashlib.sha256(data).hexdigest(), len(data))
        self.describe(relpath, kind, **meta)
        return target

    def keeps(self, relpath: str, source: Path | str) -> bool:
        """The recycled folder has `relpath` linked from this very `source` already (a cache file
        is named by its key: same name, same content): linking it again costs nothing."""
        known = self.recycled.get(relpath)
        return known is not None and known[0] == os.fspath(source) and relpath not in self.written

    def link(self, relpath: str, source: Path | str, kind: str | None = None,
             sha256: tuple[str, int] | None = None, keyed: bool = False, **meta: Any) -> None:
        """Put an existing file (from the cache or the previous output) at `relpath` cheaply.
        `sha256`: its (hash, size) when known, so the manifest does not read it again.
        `keyed`: the source's path names its content (a cache file named by its key), so the
        build that recycles this folder need not link it again (see `keeps`)."""
        source = os.fspath(source)
        if keyed and self.keeps(relpath, source):  # most of a rebuild's 60,000 links: look-ups only
            self.written.add(relpath)
            self.sources[relpath] = source
            self.hashes[relpath] = sha256 or self.recycled[relpath][1:]
            if kind is not None:
                self.describe(relpath, kind, **meta)
            return
        if relpath in self.existing and relpath not in self.written:
            # A recycled folder (checked: real folders and files only) that has the very file
            # (inode) already: nothing to do but to know its hash.
            target = os.path.join(self.root, relpath)
            if _same_file(source, target):
                self.written.add(relpath)
                sha256 = sha256 or self._unchanged_since_last_build(relpath, target)
                if sha256 is not None:
                    self.hashes[relpath] = sha256
                if keyed:
                    self.sources[relpath] = source
                if kind is not None:
                    self.describe(relpath, kind, **meta)
                return
        target = self.path(relpath)
        try:
            os.link(source, target)
        except FileExistsError:
            if not _same_file(source, target):  # a recycled folder often has the very file
                os.unlink(target)
                os.link(source, target)
        except OSError:
            shutil.copyfile(source, target)
        sha256 = sha256 or self._unchanged_since_last_build(relpath, target)
        if sha256 is not None:
            self.hashes[relpath] = sha256
        else:
            self.hashes.pop(relpath, None)
        if keyed:
            self.sources[relpath] = source
        if kind is not None:
            self.describe(relpath, kind, **meta)

    def _unchanged_since_last_build(self, relpath: str, target: Path | str) -> tuple[str, int] | None:
        """The last manifest's hash when `target` is the same inode as the last output's file
        (files are replaced, never modified in place, so one inode is one content): a rebuild
        that links 40,000 cached PDFs again reads none of them."""
        known = self.previous.get(relpath)
        if known is None or self.previous_root is None:
            return None
        try:
            before, now = os.stat(os.path.join(self.previous_root, relpath)), os.stat(target)
        except OSError:
            return None
        same = (before.st_ino, before.st_dev, before.st_size) == (now.st_ino, now.st_dev, known[1])
        return known if same else None

    def digest(self, relpath: str) -> tuple[str, int]:
        """sha256 and size of a written file, read only if not known already."""
        if relpath not in self.hashes:
            self.hashes[relpath] = file_sha256(safe_join(self.root, relpath))
        return self.hashes[relpath]

    def write_text(self, relpath: str, text: str, kind: str, **meta: Any) -> Path:
        return self.write_bytes(relpath, text.encode("utf-8"), kind, **meta)

    def describe(self, relpath: str, kind: str, **meta: Any) -> None:
        """Record what a file is: its kind and `lang`, `store_id`, `format`, `directive`, ..."""
        if kind not in KINDS:
            raise ValueError(f"unknown output kind {kind!r}")
        if relpath not in self.recycled:  # those were checked when they were written
            _checked_parts(relpath)
        entry = {"kind": kind, "stage": self.stage, **meta}
        if None in meta.values():  # rare: one C pass instead of a comprehension per file
            entry = {k: v for k, v in entry.items() if v is not None}
        self.meta[relpath] = entry

    def has(self, relpath: str) -> bool:
        """Whether `relpath` was written (or linked) and is there."""
        return relpath in self.hashes or (relpath in self.written
                                          and os.path.isfile(os.path.join(self.root, relpath)))

    def files(self) -> Iterator[str]:
        """Every file written (through `path`, `write_*` or `link`), sorted."""
        for rel in sorted(self.written):
            # Written or linked files are there; `path` hands out a place that may stay empty.
            if rel in self.hashes or os.path.isfile(os.path.join(self.root, rel)):
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
        """Delete what a recycled folder had that this build did not write; list the rest."""
        for rel in sorted(self.existing - self.written - {MANIFEST}, reverse=True):
            os.unlink(os.path.join(self.root, rel))
            _remove_empty_parents(self.root, rel)
            self.touched.update(_ancestors(rel.rpartition("/")[0]))
        manifest = self.manifest()
        # One file per line: diffable, and written by json's C encoder (`indent` would take the
        # pure-Python one: 1.5 s for 60,000 files); an entry as it was keeps its line.
        lines = []
        for entry in manifest["files"]:
            before = self.previous_lines.get(entry["path"])
            lines.append(before[1] if before is not None and before[0] == entry
                         else json.dumps(entry, ensure_ascii=False, sort_keys=True))
        data = ('{"files": [\n' + ",\n".join(lines) + "\n]}\n").encode("utf-8")
        (self.root / MANIFEST).write_bytes(data)
        self.manifest_sha256 = hashlib.sha256(data).hexdigest()
        return manifest


def _ancestors(folder: str) -> list[str]:
    """`a/b/c` -> [`a/b/c`, `a/b`, `a`, ``]."""
    result = [folder]
    while folder:
        folder = folder.rpartition("/")[0]
        result.append(folder)
    return result


def _same_file(a: Path | str, b: Path | str) -> bool:
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_ino, sa.st_dev) == (sb.st_ino, sb.st_dev)


def _remove_empty_parents(root: Path, rel: str) -> None:
    parts = rel.split("/")[:-1]
    while parts:
        try:
            os.rmdir(os.path.join(root, *parts))
        except OSError:
            return  # not empty
        parts.pop()


def file_sha256(path: Path) -> tuple[str, int]:
    """sha256 and size of a file."""
    with path.open("rb") as f:
        digest = hashlib.file_digest(f, "sha256")
    return digest.hexdigest(), path.stat().st_size


def manifest_hashes(manifest: dict[str, Any] | None) -> dict[str, tuple[str, int]]:
    """path -> (sha256, bytes) of a manifest's files."""
    entries = (manifest or {}).get("files", [])
    return dict(zip(map(operator.itemgetter("path"), entries),
                    map(operator.itemgetter("sha256", "bytes"), entries)))


def read_manifest_lines(out: Path) -> tuple[dict[str, Any] | None, dict[str, tuple[dict[str, Any], str]]]:
    """The manifest, and each entry with its line (as `write_manifest` writes them, one a line)."""
    try:
        text = (out / MANIFEST).read_text(encoding="utf-8")
        manifest = json.loads(text)
    except (OSError, ValueError):
        return None, {}
    entries = manifest.get("files", [])
    head, tail = '{"files": [\n', "\n]}\n"
    if not (text.startswith(head) and text.endswith(tail)):
        return manifest, {}
    # JSON keeps newlines inside strings escaped: ",\n" only ever ends an entry's line.
    lines = text[len(head):-len(tail)].split(",\n") if entries else []
    if len(lines) != len(entries):
        return manifest, {}
    return manifest, dict(zip(map(operator.itemgetter("path"), entries), zip(entries, lines)))


class Staging(NamedTuple):
    folder: Path
    files: set[str]
    """The files already in it (a recycled folder), else empty."""
    recycled: dict[str, tuple[str | None, str, int]]
    """For `Output.recycled`: the files with their source (None: written, not linked) and hash."""
    folder_times: dict[str, int] = {}
    """For `Output.folder_times`: its folders' times, when known from its state."""


def staging_dir(out: Path, states: Path | None = None) -> Staging:
    """The staging folder next to `out` (same filesystem, so the swap is a rename), and the files
    already in it.

    After a swap the staging folder holds the output before last, whole and as its manifest says:
    it is recycled, since the next build writes mostly the same files (a file already linked from
    the cache stays; the rest is replaced or deleted at the end). Making and deleting a tree of
    60,000 files and 30,000 folders on every build took 7 s of a 20,000-store rebuild. Anything
    else (left by a killed build, unknown files) is deleted and the build starts empty.

    `states`: where `save_state` kept what each output was. When the folder's manifest has its
    state and no folder of it changed since (the modification time of every folder: adding or
    removing anything anywhere changes one), it is known without reading it: 0.2 s instead of
    1.7 s for a 20,000-store output."""
    old = out.with_name(out.name + ".old")
    if old.is_dir() and not out.exists():
        os.rename(old, out)  # a build killed between the two fallback renames
    staging = out.with_name(out.name + ".staging")
    found = _as_its_state_says(staging, states) or _as_its_manifest_says(staging)
    if found is None:
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        return Staging(staging, set(), {})
    # From now on the folder is being changed: a build killed before its end leaves no manifest
    # in it, so the next one starts afresh instead of trusting it.
    os.unlink(staging / MANIFEST)
    return found


def _as_its_state_says(folder: Path, states: Path | None) -> Staging | None:
    if states is None:
        return None
    try:
        manifest_sha256 = hashlib.sha256((folder / MANIFEST).read_bytes()).hexdigest()
        state = load_state(states, state_name(folder, manifest_sha256))
        if state is None or _folder_times(folder, state["dirs"]) != state["dirs"]:
            return None
    except OSError:
        return None
    files = state["files"]
    return Staging(folder, set(files), files, state["dirs"])


def _as_its_manifest_says(folder: Path) -> Staging | None:
    """The files of `folder` if they are exactly those of its manifest (and the manifest), else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return None
    listed = {e["path"] for e in manifest.get("files", [])} | {MANIFEST}
    found: set[str] = set()
    todo = [""]
    while todo:
        rel = todo.pop()
        with os.scandir(os.path.join(folder, rel) if rel else folder) as entries:
            for entry in entries:
                path = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    todo.append(path)
                elif entry.is_file(follow_symlinks=False):
                    found.add(path)
                else:
                    return None  # a link or a device: not ours
    if found != listed:
        return None
    return Staging(folder, found - {MANIFEST}, {})


def swap_in(staging: Path, out: Path) -> None:
    """Make `staging` the new `out` atomically; the previous output becomes the next staging
    folder (see `staging_dir`)."""
    if not out.exists():
        os.rename(staging, out)
        return
    if _exchange(staging, out):
        return  # `staging` now holds the previous output
    # No renameat2 (not Linux, or an old kernel): two renames, keeping the old output until the end.
    old = out.with_name(out.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    os.rename(out, old)
    os.rename(staging, out)
    os.rename(old, staging)


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


# --- what each output was ------------------------------------------------------------------------
# Kept beside the build cache (not in the output, which is published): `<cache>/output-states/
# <sha256 of the manifest>`, for the current output and the one before it (the next staging
# folder): each file's hash and what it was linked from, and the modification time of each of its
# folders. In marshal's format: private, quick to read, and a state that does not load (another
# Python) only makes that build slower.

def save_state(folder: Path, out: Output, manifest: dict[str, Any]) -> None:
    """Remember what `out` is, under its manifest's hash and its folder (`state_name`), after
    `write_manifest`; forget all but the last two."""
    assert out.manifest_sha256 is not None, "write the manifest first"
    entries = manifest["files"]
    paths = list(map(operator.itemgetter("path"), entries))
    dirs = {""}
    for parent in {path.rpartition("/")[0] for path in paths}:
        while parent and parent not in dirs:
            dirs.add(parent)
            parent = parent.rpartition("/")[0]
    state = {  # built by C loops: 60,000 entries
        "files": dict(zip(paths, zip(map(out.sources.get, paths), map(operator.itemgetter("sha256"), entries),
                                     map(operator.itemgetter("bytes"), entries)))),
        "dirs": _current_times(out, sorted(dirs)),
    }
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / state_name(out.root, out.manifest_sha256)
    temp = target.with_name(target.name + ".part")
    temp.write_bytes(marshal.dumps(state))
    os.replace(temp, target)
    kept = sorted((p for p in folder.iterdir() if not p.name.endswith(".part")),
                  key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for stale in kept[2:]:
        if stale != target:
            stale.unlink(missing_ok=True)


def _current_times(out: Output, folders: list[str]) -> dict[str, int]:
    """`_folder_times` of `folders`, reading only those this build changed or made (a one-store
    rebuild touches a few dozen of the 30,000)."""
    known = out.folder_times
    times = {d: known[d] for d in folders if d in known and d not in out.touched}
    read = _folder_times(out.root, [d for d in folders if d not in times])
    return {d: times[d] if d in times else read[d] for d in folders}


def _folder_times(root: Path, folders: Iterable[str]) -> dict[str, int]:
    """The modification time of each folder under `root` ("": root itself), by one `stat`
    relative to root each (30,000 of them in a 20,000-store output)."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        return {d: os.stat(d or ".", dir_fd=fd).st_mtime_ns for d in folders}
    finally:
        os.close(fd)


def state_name(root: Path, manifest_sha256: str) -> str:
    """A state's file name: the manifest's hash, and the folder's inode (a rename keeps it): two
    outputs with the same manifest (a rebuild with `--force`) are two folders with their own
    folder times."""
    return f"{manifest_sha256}-{os.stat(root).st_ino}"


def load_state(folder: Path, name: str) -> dict[str, Any] | None:
    try:
        state = marshal.loads((folder / name).read_bytes())
    except (OSError, ValueError, EOFError, TypeError):
        return None
    return state if isinstance(state, dict) and {"files", "dirs"} <= state.keys() else None
