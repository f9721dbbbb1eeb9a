"""The output contract: a staging folder swapped in whole, safe paths, and manifest.json.

A build writes everything into `<out>.staging/`, then exchanges it with `<out>` in one
`renameat2(RENAME_EXCHANGE)` call, so a build that fails or is killed at any moment leaves the
previous output complete. Every file in the output is listed in `manifest.json` with its sha256,
and (in a build) is a hard link to the memo's entry of that content: `Memo.intact` tells by one
`stat` whether it still is.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import glob
import hashlib
import operator
import os
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import orjson

from .artifacts import Artifact
from .errors import BuildError
from .memo import DamagedEntry, Memo, file_sha256

MANIFEST = "manifest.json"
Hashes = dict[str, tuple[str, int]]
"""Path -> (sha256, bytes)."""


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
    memo: Memo
    """Where written files are kept and linked from."""
    previous: Hashes = field(default_factory=dict)
    """The files of the last good output (its manifest)."""
    recycled: Hashes = field(default_factory=dict)
    """The files the staging folder has already (`staging_dir`); those not linked again go at the end."""
    made: dict[str, Artifact] = field(default_factory=dict)
    """What each file is, as the stage that made it described it."""
    stage: str = ""
    """The stage writing now; recorded per file so `--only` can carry the others' files over."""
    hashes: Hashes = field(default_factory=dict)
    """sha256 and size of every file written or linked: the manifest need not read them."""
    written: set[str] = field(default_factory=set)
    """Every path handed out by `path`: the files of the output, without walking the folder."""
    manifest_sha256: str | None = None
    """Of the manifest, once written."""
    _checked_dirs: set[str] = field(default_factory=set)

    def path(self, relpath: str) -> Path:
        """Where to write `relpath` (parents created). Register it with `describe` if it matters."""
        parts = _checked_parts(relpath)  # refuses `..`, absolute paths, ... before any folder is made
        parent = relpath.rpartition("/")[0]
        if parent and parent not in self._checked_dirs:
            os.makedirs(os.path.join(self.root, parent), exist_ok=True)
        target = _inside(self.root, parts, relpath, self._checked_dirs)
        self.written.add(relpath)
        return target

    def write_bytes(self, relpath: str, data: bytes, kind: str, **meta: Any) -> Path:
        self.link(relpath, self.memo.keep(data), kind, **meta)
        return self.root / relpath

    def write_text(self, relpath: str, text: str, kind: str, **meta: Any) -> Path:
        return self.write_bytes(relpath, text.encode("utf-8"), kind, **meta)

    def link(self, relpath: str, sha256: tuple[str, int], kind: str, **meta: Any) -> None:
        """Put the memo's entry of `sha256` at `relpath`: it must be intact, else `DamagedEntry`
        (the entry discarded). A recycled file that is that very entry stays (one `stat`)."""
        if self.recycled.get(relpath) == sha256 and relpath not in self.hashes and self._intact(relpath, sha256[0]):
            self.written.add(relpath)
        elif (entry := self.memo.check(*sha256)) is None:
            raise DamagedEntry(self.memo.content_path(sha256[0]))
        else:
            _hard_link(entry, self.path(relpath))
        self.hashes[relpath] = sha256
        self.describe(relpath, kind, **meta)

    def _intact(self, relpath: str, sha256: str) -> bool:
        try:
            return self.memo.intact(sha256, os.stat(f"{self.root}/{relpath}", follow_symlinks=False))
        except OSError:
            return False

    def digest(self, relpath: str) -> tuple[str, int]:
        """sha256 and size of a written file, read only if not known already."""
        if relpath not in self.hashes:
            self.hashes[relpath] = file_sha256(safe_join(self.root, relpath))
        return self.hashes[relpath]

    def describe(self, relpath: str, kind: str, **meta: Any) -> None:
        """Record what a file is: its kind and `lang`, `store_id`, `format`, `directive`, ..."""
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
        """Delete what the recycled folder had that this build did not write; list the rest."""
        for rel in sorted(self.recycled.keys() - self.written, reverse=True):
            os.unlink(os.path.join(self.root, rel))
            parts = rel.split("/")[:-1]
            while parts:
                try:
                    os.rmdir(os.path.join(self.root, *parts))
                except OSError:
                    break  # not empty
                parts.pop()
        manifest = self.manifest()
        # One file per line, to diff (json's `indent` would take its pure-Python encoder: 1.5 s
        # for 60,000 files); orjson, 0.54 -> 0.31 s for 85,000 lines (README, "Dependencies").
        lines = [orjson.dumps(entry, option=orjson.OPT_SORT_KEYS) for entry in manifest["files"]]
        data = b'{"files": [\n' + b",\n".join(lines) + b"\n]}\n"
        (self.root / MANIFEST).write_bytes(data)
        self.manifest_sha256 = hashlib.sha256(data).hexdigest()
        return manifest

    def check_files(self, manifest: dict[str, Any], full: bool = False) -> None:
        """The build's last look: every file of `manifest` is there, the memo's intact entry of its
        sha256 (one `stat` each; `full`: and read against its sha256), else `BuildError`."""
        wrong = differences(self.root, manifest, self.memo, full)
        if wrong:
            raise BuildError(f"{len(wrong)} file(s) of the output differ from its manifest (nothing "
                             f"was published): {'; '.join(wrong[:5])}")


def differences(root: Path, manifest: dict[str, Any], memo: Memo, full: bool = False,
                first: bool = False) -> list[str]:
    """How the files under `root` differ from `manifest` (see `Output.check_files`); `first`:
    stop at the first difference."""
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    wrong: list[str] = []
    try:
        for entry in manifest["files"]:
            rel, sha256, size = entry["path"], entry["sha256"], entry["bytes"]
            try:
                st = os.stat(rel, dir_fd=fd, follow_symlinks=False)
            except OSError:
                wrong.append(f"{rel}: missing")
            else:
                if st.st_size != size:
                    wrong.append(f"{rel}: {st.st_size} bytes, its manifest says {size}")
                elif not memo.intact(sha256, st):
                    wrong.append(f"{rel}: not the kept file its manifest names")
                elif full and file_sha256(root / rel)[0] != sha256:
                    wrong.append(f"{rel}: its sha256 is not its manifest's")
            if wrong and first:
                break
    finally:
        os.close(fd)
    return wrong


def _hard_link(source: str, target: Path) -> None:
    """`target` as a hard link of `source` (a copy across file systems), replacing any file."""
    try:
        os.link(source, target)
        return
    except FileExistsError:
        pass
    except OSError:
        shutil.copyfile(source, target)
        return
    temp = target.with_name(target.name + ".part")  # replaced in one step: never half there
    temp.unlink(missing_ok=True)
    os.link(source, temp)
    os.replace(temp, target)


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        return parse_manifest((out / MANIFEST).read_bytes())
    except OSError:
        return None


def parse_manifest(raw: bytes) -> dict[str, Any] | None:
    """A manifest's bytes as written, or None if they are not one. By orjson: 0.38 -> 0.14 s for
    85,000 files, and a one-store rebuild reads two (the last output's and the staging folder's)."""
    try:
        manifest = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    return manifest if isinstance(manifest, dict) and isinstance(manifest.get("files"), list) else None


def manifest_hashes(manifest: dict[str, Any] | None) -> Hashes:
    """path -> (sha256, bytes) of a manifest's files."""
    entries = (manifest or {}).get("files", [])
    return dict(zip(map(operator.itemgetter("path"), entries),
                    map(operator.itemgetter("sha256", "bytes"), entries)))


def staging_dir(out: Path) -> tuple[Path, Hashes, subprocess.Popen[bytes] | None]:
    """The staging folder next to `out` (same filesystem, so the swap is a rename), the files it
    has already, and the `rm` deleting what is set aside (`wait` for it before returning). After a
    swap it holds the output before last: recycled when it has exactly its manifest's files (a
    rebuild then links again only what changed: making 64,000 links takes seconds here). Anything
    else there (left by a killed build, unknown files) is moved aside and the build starts empty."""
    old = out.with_name(out.name + ".old")
    if old.is_dir() and not out.exists():
        os.rename(old, out)  # a build killed between the two fallback renames
    staging = out.with_name(out.name + ".staging")
    manifest = read_manifest(staging)
    recycled = manifest_hashes(manifest) if manifest and _listing(staging) == \
        {e["path"] for e in manifest["files"]} | {MANIFEST} else {}
    if recycled:
        os.unlink(staging / MANIFEST)  # being changed from now on: a killed build leaves nothing to trust
    elif staging.exists():
        os.rename(staging, Path(tempfile.mkdtemp(prefix=f"{out.name}.deleting.", dir=out.parent)) / "staging")
    aside = sorted(map(str, out.parent.glob(glob.escape(out.name) + ".deleting.*")))
    staging.mkdir(parents=True, exist_ok=True)
    return staging, recycled, subprocess.Popen(["rm", "-rf", "--", *aside]) if aside else None


def _listing(folder: Path) -> set[str] | None:
    """Every file under `folder` (None if anything is neither a file nor a folder: not ours)."""
    found: set[str] = set()
    todo = [""]  # folders to list: "" and "a/b/"
    while todo:
        rel = todo.pop()
        with os.scandir(f"{folder}/{rel}") as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    todo.append(f"{rel}{entry.name}/")
                elif entry.is_file(follow_symlinks=False):
                    found.add(rel + entry.name)
                else:
                    return None
    return found


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
