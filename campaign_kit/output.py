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

from .artifacts import Artifact
from .errors import BuildError

MANIFEST = "manifest.json"


class DamagedEntry(BuildError):
    """A kept file's bytes are not what it was made with (`path`: the cache entry)."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path = path


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
    made: dict[str, Artifact] = field(default_factory=dict)
    """What each file is, as the stage that made it described it."""
    stage: str = ""
    """The stage writing now; recorded per file so `--only` can carry the others' files over."""
    hashes: dict[str, tuple[str, int]] = field(default_factory=dict)
    """sha256 and size of files whose bytes we already had: the manifest need not read them."""
    previous: dict[str, tuple[str, int]] = field(default_factory=dict)
    """sha256 and size of each file of the last good output (its manifest)."""
    verified: dict[int, tuple[int, int, str]] = field(default_factory=dict)
    """inode -> (bytes, st_mtime_ns, sha256) of the last two outputs' files that `check_kept`
    found as their states recorded them: a file linked from one of them needs no reading."""
    fresh_ns: int = 0
    """Files modified after this (`build_clock`) were made by this build: the hash their maker
    gives is theirs. Older files not `verified` are read (0: every file counts as new)."""
    stats: Stats | None = None
    """Each file's inode, time and size, from `check_files`: `save_state` records them."""
    repairs: list[str] = field(default_factory=list)
    """Damaged cache entries found (and discarded) while linking: said as warnings."""
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
            self.hashes[relpath] = self.recycled[relpath][1:]  # the verified file's own, not a claim
            if kind is not None:
                self.describe(relpath, kind, **meta)
            return
        found = None
        if relpath in self.existing and relpath not in self.written:
            # A recycled folder (checked: real folders and files only) that has the very file
            # (inode) already: nothing to do but to know its hash.
            target = os.path.join(self.root, relpath)
            found = _same_file(source, target)
            if found is not None:
                self.written.add(relpath)
        copied = False
        if found is None:
            target = os.fspath(self.path(relpath))
            try:
                os.link(source, target)
            except FileExistsError:
                if _same_file(source, target) is None:  # a recycled folder often has the very file
                    os.unlink(target)
                    os.link(source, target)
            except OSError:
                shutil.copyfile(source, target)
                copied = True  # its own inode, made now: nothing known of it but its bytes
            found = os.stat(target)
        known = self.known_hash(target, found, sha256, source, copied)
        if known is not None:
            self.hashes[relpath] = known
        else:
            self.hashes.pop(relpath, None)
        if keyed and not copied:
            self.sources[relpath] = source
        if kind is not None:
            self.describe(relpath, kind, **meta)

    def known_hash(self, path: str, st: os.stat_result, claim: tuple[str, int] | None = None,
                   source: str | None = None, copied: bool = False) -> tuple[str, int] | None:
        """sha256 and size of the file at `path` (`st`: its `os.stat`), as far as it can be
        trusted without reading it; None: read it for the manifest.

        An inode `check_kept` verified keeps its recorded hash; a file this build made keeps
        the hash its maker gives (`claim`). Any other file is older than this build and not
        one of the last two outputs': it is read now, and a `claim` it does not match means
        the cache entry `source` (default `path`) is damaged (`DamagedEntry`)."""
        record = self.verified.get(st.st_ino)
        if not copied and record is not None and record[0] == st.st_size and record[1] == st.st_mtime_ns:
            return record[2], record[0]
        if not copied and st.st_mtime_ns > self.fresh_ns:
            return claim
        actual = file_sha256(Path(path))
        if claim is not None and actual != tuple(claim):
            raise DamagedEntry(source or path, f"cache entry {source or path} was damaged (its bytes are "
                               f"not those it was made with): removed, made again")
        return actual

    def digest(self, relpath: str) -> tuple[str, int]:
        """sha256 and size of a written file, read only if not known already."""
        if relpath not in self.hashes:
            self.hashes[relpath] = file_sha256(safe_join(self.root, relpath))
        return self.hashes[relpath]

    def write_text(self, relpath: str, text: str, kind: str, **meta: Any) -> Path:
        return self.write_bytes(relpath, text.encode("utf-8"), kind, **meta)

    def describe(self, relpath: str, kind: str, **meta: Any) -> None:
        """Record what a file is: its kind and `lang`, `store_id`, `format`, `directive`, ..."""
        if relpath not in self.recycled:  # those were checked when they were written
            _checked_parts(relpath)
        self.made[relpath] = Artifact.of(relpath, kind, self.stage, meta)

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
            made = self.made.get(rel)
            meta = made.entry() if made else {"kind": "page" if rel.endswith(".html") else "asset"}
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

    def check_files(self, manifest: dict[str, Any], full: bool = False) -> None:
        """The build's last look: every file of `manifest` is there with its size (one `stat`
        each; `full`: and its sha256, reading every file), else `BuildError`. Keeps each file's
        inode and time for `save_state`."""
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY)
        wrong: list[str] = []
        stats = Stats([], [])
        try:
            for entry in manifest["files"]:
                rel = entry["path"]
                try:
                    st = os.stat(rel, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    wrong.append(f"{rel}: missing")
                    continue
                if st.st_size != entry["bytes"]:
                    wrong.append(f"{rel}: {st.st_size} bytes, its manifest says {entry['bytes']}")
                elif full and file_sha256(self.root / rel)[0] != entry["sha256"]:
                    wrong.append(f"{rel}: its sha256 is not its manifest's")
                stats.paths.append(rel)
                stats.values.extend((st.st_ino, st.st_mtime_ns, st.st_size))
        finally:
            os.close(fd)
        if wrong:
            raise BuildError(f"{len(wrong)} file(s) of the output differ from its manifest (nothing "
                             f"was published): {'; '.join(wrong[:5])}")
        self.stats = stats


def _ancestors(folder: str) -> list[str]:
    """`a/b/c` -> [`a/b/c`, `a/b`, `a`, ``]."""
    result = [folder]
    while folder:
        folder = folder.rpartition("/")[0]
        result.append(folder)
    return result


def _same_file(a: Path | str, b: Path | str) -> os.stat_result | None:
    """`os.stat(b)` if `a` and `b` are the same inode, else None."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return None
    return sb if (sa.st_ino, sa.st_dev) == (sb.st_ino, sb.st_dev) else None


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
    stats: Stats | None = None
    """Each file's inode, time and size as its state recorded them, for `check_kept`."""


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
    return Staging(folder, set(files), files, state["dirs"], state["stats"])


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
    return int(result) == 0


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
    # What `check_kept` and `as_built` compare with (a truncation or a write in place changes a
    # file's size or time; a replaced file has another inode), first: `load_stats` reads only it.
    stats = out.stats if out.stats is not None and out.stats.paths == paths else _file_stats(out.root, paths)
    head = marshal.dumps((stats.paths, stats.values))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / state_name(out.root, out.manifest_sha256)
    temp = target.with_name(target.name + ".part")
    temp.write_bytes(_STATE_MAGIC + len(head).to_bytes(8, "little") + head + marshal.dumps(state))
    os.replace(temp, target)
    kept = sorted((p for p in folder.iterdir() if not p.name.endswith(".part")),
                  key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for stale in kept[2:]:
        if stale != target:
            stale.unlink(missing_ok=True)


class Stats(NamedTuple):
    """Each file's inode, st_mtime_ns and size, as a state records them: two flat lists (64,000
    files load in 13 ms; a dict of tuples takes three times as long)."""

    paths: list[str]
    values: list[int]
    """inode, time and size of `paths[0]`, then of `paths[1]`, ..."""

    def rows(self) -> Iterator[tuple[str, int, int, int]]:
        values = self.values
        return zip(self.paths, values[0::3], values[1::3], values[2::3])


def _file_stats(root: Path, paths: list[str]) -> Stats:
    """`Stats` of the files under `root`."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        stats = [os.stat(p, dir_fd=fd, follow_symlinks=False) for p in paths]
    finally:
        os.close(fd)
    return Stats(list(paths), [v for st in stats for v in (st.st_ino, st.st_mtime_ns, st.st_size)])


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


_STATE_MAGIC = b"ckstate2"
"""A state: this, the length of its `Stats` part, that part, then the rest (an older state without
stats is not used: its folder is read instead, once)."""


def load_state(folder: Path, name: str) -> dict[str, Any] | None:
    """The state `save_state` kept under `name`: "files", "dirs" and "stats" (`Stats`)."""
    try:
        data = (folder / name).read_bytes()
        stats, end = _unpack_stats(data)
        state = marshal.loads(data[end:])
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(state, dict) or not {"files", "dirs"} <= state.keys() or stats is None:
        return None
    state["stats"] = stats
    return state


def load_stats(folder: Path, name: str) -> Stats | None:
    """Only the `Stats` of a state (what `as_built` needs): the rest is not decoded."""
    try:
        return _unpack_stats((folder / name).read_bytes())[0]
    except (OSError, ValueError, EOFError, TypeError):
        return None


def _unpack_stats(data: bytes) -> tuple[Stats | None, int]:
    start = len(_STATE_MAGIC) + 8
    if not data.startswith(_STATE_MAGIC):
        return None, 0
    end = start + int.from_bytes(data[len(_STATE_MAGIC):start], "little")
    paths, values = marshal.loads(data[start:end])
    if not (isinstance(paths, list) and isinstance(values, list) and len(values) == 3 * len(paths)):
        return None, end
    return Stats(paths, values), end


# --- trust nothing kept ----------------------------------------------------------------------------
# The output's files are hard links to cache entries: a cache file truncated or written over in
# place (a full disk, a crash, an editor) is the published file too, and the next build would
# link it again and keep its old hash. So a build trusts a kept file only as its state recorded
# it: same inode, size and modification time (one `stat`; a truncation or a write in place
# changes the size or the time), and reads any other file it did not make itself.

class Kept(NamedTuple):
    recycled: dict[str, tuple[str | None, str, int]]
    """The staging folder's `recycled` files without those found changed."""
    verified: dict[int, tuple[int, int, str]]
    """For `Output.verified`."""
    damaged: list[tuple[str, list[str], bool]]
    """Each file found changed in place (its path), the cache entries that are that very inode
    (to discard), and whether it is the last output's (published) rather than the staging
    folder's only."""


def output_state(out: Path, states: Path | None, stats_only: bool = False) -> dict[str, Any] | None:
    """The state `save_state` kept of the output `out` (None: none, or its manifest is gone);
    `stats_only`: {"stats": its `Stats`} alone."""
    if states is None:
        return None
    try:
        name = state_name(out, hashlib.sha256((out / MANIFEST).read_bytes()).hexdigest())
    except OSError:
        return None
    if stats_only:
        stats = load_stats(states, name)
        return None if stats is None else {"stats": stats}
    return load_state(states, name)


def check_kept(staging: Staging, out: Path, out_state: dict[str, Any] | None) -> Kept:
    """Which files of the recycled staging folder and of the last output (`out`, its state
    `out_state`) are still as their states recorded them: one `stat` per inode (the two share
    most; 64,000 in 0.3 s on this machine). A file whose inode is the recorded one but whose
    size or time is not was changed in place: it and the cache entries linked to it are
    `damaged`. A file replaced or removed is only not verified (read if it is linked again)."""
    verified: dict[int, tuple[int, int, str]] = {}
    changed: dict[int, str] = {}
    published: set[int] = set()
    unsure: set[str] = set()
    """The staging folder's files not verified (`keeps` must not trust them)."""
    folders: list[tuple[Path, dict[str, tuple[str | None, str, int]], Stats]] = []
    if staging.stats is not None:
        folders.append((staging.folder, staging.recycled, staging.stats))
        if len(staging.stats.paths) != len(staging.recycled):
            unsure = set(staging.recycled) - set(staging.stats.paths)
    else:
        unsure = set(staging.recycled)
    if out_state is not None:
        folders.append((out, out_state["files"], out_state["stats"]))
    for folder, files, stats in folders:
        try:
            fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        try:
            for rel, ino, mtime, size in stats.rows():
                if ino in verified:
                    continue
                if ino in changed:
                    if folder == out:
                        published.add(ino)
                    else:
                        unsure.add(rel)
                    continue
                try:
                    st = os.stat(rel, dir_fd=fd, follow_symlinks=False)
                except OSError:
                    st = None  # gone: nothing to trust, nothing damaged
                record = files.get(rel)
                if st is not None and record is not None and st.st_ino == ino:
                    if st.st_size == size and st.st_mtime_ns == mtime:
                        verified[ino] = (size, mtime, record[1])
                        continue
                    changed[ino] = os.path.join(folder, rel)
                    if folder == out:
                        published.add(ino)
                # (else replaced by another file: that one is not ours to trust)
                if folder != out:
                    unsure.add(rel)
        finally:
            os.close(fd)
    # `keeps` trusts a recycled file without a look: only those verified now.
    recycled = {rel: record for rel, record in staging.recycled.items() if rel not in unsure} \
        if unsure else staging.recycled
    if not changed:
        return Kept(recycled, verified, [])
    sources: dict[int, set[str]] = {ino: set() for ino in changed}
    for _folder, files, stats in folders:
        for rel, ino, _mtime, _size in stats.rows():
            source = files[rel][0] if ino in sources and rel in files else None
            if source is not None and _inode(source) == ino:
                sources[ino].add(source)
    return Kept(recycled, verified, [(shown, sorted(sources[ino]), ino in published)
                                     for ino, shown in sorted(changed.items())])


def as_built(out: Path, out_state: dict[str, Any] | None) -> bool:
    """Every file of the output `out` is still the inode, size and time its state recorded
    (a file changed in place since, or no state: False)."""
    if out_state is None:
        return False
    try:
        fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False
    try:
        for rel, ino, mtime, size in out_state["stats"].rows():
            st = os.stat(rel, dir_fd=fd, follow_symlinks=False)
            if st.st_ino != ino or st.st_mtime_ns != mtime or st.st_size != size:
                return False
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def build_clock(folder: Path) -> int:
    """The file system's time now, as it dates files (its clock lags `time.time_ns`): a file
    modified later than this was made by this build (`Output.fresh_ns`)."""
    probe = folder / "build-started"
    temp = probe.with_name(f"{probe.name}.{os.getpid()}.part")
    temp.write_bytes(b"")  # a new file: dated now
    os.replace(temp, probe)
    return os.stat(probe).st_mtime_ns


def _inode(path: str) -> int | None:
    try:
        return os.stat(path).st_ino
    except OSError:
        return None
