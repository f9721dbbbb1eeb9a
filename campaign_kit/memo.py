"""The build's one memo: remembered work, named by a key over its named inputs and the code
version, kept in one content-addressed store (`<cache>/memo/sha256/`) and linked into the output.

    key = ctx.memo.key("go-page", shared=..., row=store.row_key)
    ctx.memo.link(ctx.out, rel, key, lambda: render(...).encode("utf-8"), "page", store_id=...)

One index (read once a build, written back before its output is published) maps each key to the
content it made, and each content to its stamp: the inode, size and time it had when it was made.
Entries are never modified in place and the output's files are hard links to them, so one `stat`
tells whether a file is still its entry as made (`intact`). Values (store rows, a stage's record)
are kept one per name for one key (`load`/`save`), checked by their sha256.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import time
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterable, NewType

from .errors import BuildError

if TYPE_CHECKING:
    from .output import Output

PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("weasyprint", "pydyf", "pypdfium2", "zxing-cpp", "fonttools", "jinja2", "pypdf",
             "mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "pillow")
"""The libraries whose version can change what an output looks like."""

Key = NewType("Key", str)  # sha256 over a kind of work, its named inputs and the code version
Stamp = tuple[int, int, int]  # an entry's inode, size and st_mtime_ns as it was made
Found = tuple[str, tuple[str, int]]  # a kept file's path, and its (sha256, size)


class DamagedEntry(BuildError):
    """A kept file's bytes are not what it was made with (`path`: the cache entry, discarded)."""

    def __init__(self, path: str):
        super().__init__(f"cache entry {path} was damaged (its bytes are not those it was made with): "
                         "removed, made again")
        self.path = path


def file_hashes(root: Path, wanted: Iterable[Path]) -> dict[str, str]:
    """sha256 of each file of `wanted` (not those of `__pycache__`), by its path inside `root`."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(wanted) if p.is_file() and "__pycache__" not in p.parts}


@functools.lru_cache(maxsize=1)  # one value per process: the source does not change under it
def code_version() -> str:
    """Part of every key: the pipeline's own source (every file of the package) and the versions
    of the libraries that shape outputs. Any code change misses the whole memo."""
    return digest(*(f"{k}\0{v}" for k, v in file_hashes(PACKAGE, PACKAGE.rglob("*")).items()),
                  *(f"{name}=={_version(name)}" for name in LIBRARIES))


def _version(library: str) -> str:
    try:
        return metadata.version(library)
    except metadata.PackageNotFoundError:
        return "missing"


def digest(*parts: str) -> str:
    """sha256 over strings, each ended by NUL (so ("ab", "c") and ("a", "bc") differ)."""
    return hashlib.sha256("".join(part + "\0" for part in parts).encode("utf-8")).hexdigest()


def file_sha256(path: Path | str) -> tuple[str, int]:
    """sha256 and size of a file."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest(), os.fstat(f.fileno()).st_size


def key(what: str, /, **inputs: object) -> Key:
    """The key of one piece of work: what it is, each input by name (strings as they are, anything
    else by `repr`: the inputs are frozen records, tuples, sorted dicts and numbers, whose repr is
    stable) and the code version (also for worker processes, which have no `Memo`)."""
    return Key(digest(code_version(), what, *(f"{name}={value if isinstance(value, str) else repr(value)}"
                                              for name, value in sorted(inputs.items()))))


class Memo:
    """The memo of one cache folder (`<out>.cache/`)."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.root = cache / "memo"
        kept = self.load("index", Key("index"))
        self._keys: dict[str, tuple[str, int]] = kept[0] if isinstance(kept, tuple) else {}
        self._stamps: dict[str, Stamp] = kept[1] if isinstance(kept, tuple) else {}
        self._started = time.time_ns()  # entries made from now on (by workers too) are this build's
        self._changed = False
        self.repairs: list[str] = []  # damaged entries found (and discarded): said as warnings

    key = staticmethod(key)

    def flush(self) -> None:
        """Write the index back if this build added to it (before its output is published)."""
        if self._changed:
            self.save("index", Key("index"), (self._keys, self._stamps))
            self._changed = False

    # --- contents, by their sha256 -------------------------------------------------------------

    def content_path(self, sha256: str) -> str:
        """Where the bytes of this sha256 are kept (a string: a national build asks 80,000 times)."""
        return content_path(self.root, sha256)

    def intact(self, sha256: str, st: os.stat_result) -> bool:
        """A file with this `stat` is the entry of `sha256`, as it was made (one look-up)."""
        return self._stamps.get(sha256) == (st.st_ino, st.st_size, st.st_mtime_ns)

    def check(self, sha256: str, size: int) -> str | None:
        """The entry of this content, if it is there and intact: as stamped, or not stamped yet and
        made by this build (its workers) or read against its name. A damaged one is discarded."""
        path = self.content_path(sha256)
        try:
            st = os.stat(path)
        except OSError:
            return None
        if self.intact(sha256, st):
            return path
        new = sha256 not in self._stamps and st.st_mtime_ns > self._started
        if st.st_size == size and (new or file_sha256(path) == (sha256, size)):
            self._stamps[sha256] = (st.st_ino, st.st_size, st.st_mtime_ns)
            self._changed = True
            return path
        self.discard(path)
        return None

    def keep(self, data: bytes | Path) -> tuple[str, int]:
        """Keep `data` by its content: bytes, or a file just made (too big for memory, or a tool's
        output), moved in. Written only if no intact entry has it; stamped when next checked."""
        sha256, size = file_sha256(data) if isinstance(data, Path) else (hashlib.sha256(data).hexdigest(), len(data))
        if self.check(sha256, size) is None:
            _write(self.content_path(sha256), data)
        if isinstance(data, Path):
            data.unlink(missing_ok=True)  # kept already
        return sha256, size

    def discard(self, path: str) -> None:
        """Remove a damaged entry (said once), so that the build makes it again."""
        if os.path.dirname(os.path.dirname(path)) == os.fspath(self.root / "sha256"):
            self._stamps.pop(os.path.basename(path), None)
            self._changed = True
            Path(path).unlink(missing_ok=True)
            message = str(DamagedEntry(path))
            if message not in self.repairs:
                self.repairs.append(message)

    # --- results, by key ---------------------------------------------------------------------------

    def get(self, key: Key, look: bool = True) -> Found | None:
        """The kept file of `key`, if it is there and intact (`look=False`: not looked at, as the
        output checks what it links)."""
        known = self._keys.get(key)
        return None if known is None or (look and not self.check(*known)) else (self.content_path(known[0]), known)

    def remember(self, key: Key, sha256: str, size: int) -> tuple[str, int]:
        """Record that `key` made the kept content `sha256` (already in the store)."""
        self._keys[key] = (sha256, size)
        self._changed = True
        return sha256, size

    def put(self, key: Key, data: bytes | Path) -> Found:
        """Keep `data` (bytes, or a file just made, moved in) as the result of `key`."""
        sha256, size = self.keep(data)
        return self.content_path(sha256), self.remember(key, sha256, size)

    def read(self, key: Key, make: Callable[[], bytes]) -> bytes:
        """The bytes of `key`'s result, checked against their hash, or made by `make()` first."""
        found = self.get(key)
        if found is not None:
            try:
                return read_checked(found[0], found[1][0])
            except DamagedEntry:
                self.discard(found[0])
        self.put(key, data := make())
        return data

    def link(self, out: Output, rel: str, key: Key, make: Callable[[], bytes | Path], kind: str,
             **meta: Any) -> None:
        """Put the file of `key` at `rel` in the output; if there is none (or it is damaged), made
        by `make()` first: its bytes, or a file it wrote (`temp`), moved in."""
        if (found := self._keys.get(key)) is not None:
            with contextlib.suppress(DamagedEntry):  # discarded: made again below
                out.link(rel, found, kind, **meta)
                return
        out.link(rel, self.put(key, make())[1], kind, **meta)

    def temp(self, name: str) -> Path:
        """A place to make a file in, on the memo's file system (`put` moves it in)."""
        (self.root / "tmp").mkdir(parents=True, exist_ok=True)
        return self.root / "tmp" / f"{name}.{os.getpid()}"

    # --- values, one per name ----------------------------------------------------------------------

    def load(self, name: str, key: Key) -> Any:
        """The value `save` kept under `name` for this very key; None if none (or for another key,
        or its bytes are not those saved)."""
        try:  # our own file, unpickled only once checked by its hash; unreadable (another Python): a miss
            raw = (self.root / "named" / name).read_bytes()
            kept_key, value = pickle.loads(raw[32:]) if hashlib.sha256(raw[32:]).digest() == raw[:32] else (0, 0)
        except Exception:  # noqa: BLE001
            return None
        return value if kept_key == key else None

    def save(self, name: str, key: Key, value: Any) -> None:
        data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        _write(self.root / "named" / name, hashlib.sha256(data).digest() + data)


# Worker processes have no `Memo`: they keep what they make by content and hand back its hash;
# the build records the key (`Memo.remember`) and stamps the entry when it first checks it.

def content_path(root: Path | str, sha256: str) -> str:
    return f"{root}/sha256/{sha256[:2]}/{sha256}"


def keep_content(root: Path | str, data: bytes) -> tuple[str, tuple[str, int]]:
    """Keep `data` in the store under `root` (`Memo.root`): its path, sha256 and size."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = content_path(root, sha256)
    if not os.path.exists(path):
        _write(path, data)
    return path, (sha256, len(data))


def read_checked(path: str, sha256: str) -> bytes:
    """The bytes of an entry, checked against its name (else `DamagedEntry`)."""
    data = Path(path).read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        raise DamagedEntry(path)
    return data


def _write(target: Path | str, data: bytes | Path) -> None:
    """Write an entry atomically (another build may be writing the same one); a file is moved in."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if isinstance(data, bytes):
        (temp := Path(f"{target}.{os.getpid()}.part")).write_bytes(data)
        data = temp
    os.replace(data, target)
