"""The build's one memo: remembered work, named by a key over the named inputs that shaped it and
the code version, kept in one store under the cache folder (`<cache>/memo/`) and linked into the
output from there.

    key = ctx.memo.key("go-page", shared=..., row=store.row_key)
    ctx.memo.link(ctx.out, rel, key, lambda: render(...).encode("utf-8"), "page", store_id=...)

Every result's bytes are kept once, named by their sha256 (`sha256/<ab>/<sha256>`), and an index
maps each key to the content it made (`index`: read once a build, written back at its end):
- `link`/`read`: the output file (or the checked bytes) of a key, made by a function on a miss;
- `content`: bytes already made (a font subset, a page), kept by their hash alone;
- `load`/`save`: a value (a table of store rows, a stage's record), one per `name`, valid for
  one key; its bytes carry their sha256 (a damaged value is a miss, not a wrong answer);
- `folder`: a kept folder (a language's mkdocs build, its files' hashes listed with it), one
  per `name`, valid for one key.

Nothing is ever modified in place, so an entry names one content forever: a rebuild with the same
key links the same entry, and an output folder recycled with it linked already has nothing to do
(`Output.keeps`). Nothing kept is trusted blindly: every entry is linked with the hash it is named
by, and `Output.link` accepts it only by the inode, size and time the last outputs recorded or by
reading it against that hash; a damaged entry is discarded (`discard`) and made again.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import shutil
from importlib import metadata
from pathlib import Path
from typing import Any, Callable, NewType

from .output import DamagedEntry, Output, file_sha256

PACKAGE = Path(__file__).resolve().parent
LIBRARIES = ("weasyprint", "pydyf", "pypdfium2", "zxing-cpp", "fonttools", "jinja2", "pypdf",
             "mkdocs", "mkdocs-material", "markdown", "pymdown-extensions", "pillow")
"""The libraries whose version can change what an output looks like."""

Key = NewType("Key", str)
"""sha256 (hex) over a kind of work, its named inputs and the code version."""


@functools.lru_cache(maxsize=1)  # one value per process: the source does not change under it
def code_version() -> str:
    """Part of every key: the pipeline's own source (every file of the package) and the versions
    of the libraries that shape outputs. Any code change misses the whole memo."""
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


def digest(*parts: str) -> str:
    """sha256 over strings, each ended by NUL (so ("ab", "c") and ("a", "bc") differ)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") + b"\0")
    return h.hexdigest()


def encode(value: object) -> str:
    """An input as the text its key is made of: strings as they are, anything else by `repr`
    (the inputs are frozen records, tuples, sorted dicts and numbers, whose repr is stable)."""
    return value if isinstance(value, str) else repr(value)


class Memo:
    """The memo of one cache folder (`<out>.cache/`)."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.root = cache / "memo"
        self._keys: dict[str, tuple[str, int]] | None = None
        """The index: key -> (sha256, size) of the content it made (read on first use)."""
        self._changed = False
        self.repairs: list[str] = []
        """Damaged entries found while reading (`read`): said as warnings."""

    def key(self, what: str, /, **inputs: object) -> Key:
        """The key of one piece of work: what it is, each input by name, and the code version."""
        return Key(digest(code_version(), what, *(f"{name}={encode(value)}" for name, value in sorted(inputs.items()))))

    # --- results by key, kept by content ------------------------------------------------------

    def _index(self) -> dict[str, tuple[str, int]]:
        if self._keys is None:
            loaded = self.load("index", Key("index"))
            self._keys = loaded if isinstance(loaded, dict) else {}
        return self._keys

    def get(self, key: Key) -> tuple[str, tuple[str, int]] | None:
        """The kept file of `key` and its (sha256, size), if the index has one and it is there."""
        found = self.known(key)
        return found if found is not None and os.path.exists(found[0]) else None

    def known(self, key: Key) -> tuple[str, tuple[str, int]] | None:
        """`get` without looking at the file: for one the output already has from that entry
        (`Output.keeps`), or one just found or made (a national build asks 40,000 times)."""
        known = self._index().get(key)
        return None if known is None else (self.content_path(known[0]), known)

    def read(self, key: Key, make: Callable[[], bytes]) -> bytes:
        """The bytes of `key`'s result, checked against the hash it is kept under (a damaged
        entry is discarded, said, and made again), or made by `make()` first."""
        found = self.get(key)
        if found is not None:
            with open(found[0], "rb") as f:
                data = f.read()
            if hashlib.sha256(data).hexdigest() == found[1][0]:
                return data
            self.discard(found[0])
            self.repairs.append(f"cache entry {found[0]} was damaged (its bytes are not those it was "
                                "made with): removed, made again")
        data = make()
        self.put(key, data)
        return data

    def put(self, key: Key, data: bytes) -> tuple[str, tuple[str, int]]:
        """Keep `data` as the result of `key`."""
        path, (sha256, size) = keep_content(self.root, data)
        return path, self.remember(key, sha256, size)

    def remember(self, key: Key, sha256: str, size: int) -> tuple[str, int]:
        """Record that `key` made the kept content `sha256` (already in the store)."""
        self._index()[key] = (sha256, size)
        self._changed = True
        return sha256, size

    def link(self, out: Output, rel: str, key: Key, make: Callable[[], bytes], kind: str, **meta: Any) -> None:
        """Put the file of `key` at `rel` in the output, made by `make()` first if there is none:
        the recycled output folder that has it from this very entry has nothing to do."""
        self._link(out, rel, key, lambda: self.put(key, make()), kind, meta)

    def link_written(self, out: Output, rel: str, key: Key, write: Callable[[Path], None], kind: str,
                     **meta: Any) -> None:
        """`link` for a file too big to hold in memory: `write(path)` makes it on a miss."""
        self._link(out, rel, key, lambda: self.put_written(key, write), kind, meta)

    def put_written(self, key: Key, write: Callable[[Path], None]) -> tuple[str, tuple[str, int]]:
        temp = self.root / "tmp" / f"{key}.{os.getpid()}"
        temp.parent.mkdir(parents=True, exist_ok=True)
        try:
            write(temp)
            sha256, size = file_sha256(temp)
            path = self.content_path(sha256)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.replace(temp, path)
        finally:
            temp.unlink(missing_ok=True)
        return path, self.remember(key, sha256, size)

    def _link(self, out: Output, rel: str, key: Key, produce: Callable[[], tuple[str, tuple[str, int]]],
              kind: str, meta: dict[str, Any]) -> None:
        found = self.known(key)
        # The recycled output has this very entry at `rel`: a look-up, not a `stat` (20,000 go pages).
        if found is None or not (out.keeps(rel, found[0]) or os.path.exists(found[0])):
            found = produce()
        try:
            out.link(rel, found[0], kind, sha256=found[1], keyed=True, **meta)
        except DamagedEntry as exc:  # not the bytes it is named by: made again, said
            self.discard(exc.path)
            out.repairs.append(str(exc))
            found = produce()
            out.link(rel, found[0], kind, sha256=found[1], keyed=True, **meta)

    def content(self, out: Output, rel: str, data: bytes, kind: str, **meta: Any) -> None:
        """Put `data` at `rel` by way of the store: a file the recycled output folder has already
        is neither written nor linked again."""
        sha256 = hashlib.sha256(data).hexdigest()
        path = self.content_path(sha256)
        if not out.keeps(rel, path) and not self._usable(out, path, (sha256, len(data))):
            _write(path, data)
        out.link(rel, path, kind, sha256=(sha256, len(data)), keyed=True, **meta)

    def content_path(self, sha256: str) -> str:
        """Where the bytes of this sha256 are kept (a string: a national build asks 80,000 times)."""
        return content_path(self.root, sha256)

    def share(self, out: Output, rel: str) -> tuple[str, int]:
        """Keep a file this build wrote into the output under its content too (a hard link, not a
        copy: staging files are never modified in place); its sha256 and size."""
        sha256, size = out.digest(rel)
        path = self.content_path(sha256)
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            os.link(out.root / rel, path)
            out.sources[rel] = path  # the next build checks it with the output's files
        return sha256, size

    def usable(self, out: Output, sha256: str, size: int) -> bool:
        """The content is kept and holds those bytes (a damaged entry is discarded: False)."""
        return self._usable(out, self.content_path(sha256), (sha256, size))

    def _usable(self, out: Output, path: str, claim: tuple[str, int]) -> bool:
        try:
            out.known_hash(path, os.stat(path), claim)
        except OSError:
            return False
        except DamagedEntry as exc:
            self.discard(exc.path)
            out.repairs.append(str(exc))
            return False
        return True

    def flush(self) -> None:
        """Write the index back if this build added to it (before its output is published)."""
        if self._changed and self._keys is not None:
            self.save("index", Key("index"), self._keys)
            self._changed = False

    # --- values and folders, one per name --------------------------------------------------------

    def load(self, name: str, key: Key) -> Any:
        """The value `save` kept under `name` for this very key; None if none (or for another key,
        or its bytes are not those saved)."""
        try:
            raw = (self.root / "named" / name).read_bytes()
        except OSError:
            return None
        if hashlib.sha256(raw[32:]).digest() != raw[:32]:
            return None
        try:
            kept_key, value = pickle.loads(raw[32:])  # our own file, checked by its hash above
        except Exception:  # noqa: BLE001 - an unreadable value (another Python) is a miss
            return None
        return value if kept_key == key else None

    def save(self, name: str, key: Key, value: Any) -> None:
        data = pickle.dumps((key, value), protocol=pickle.HIGHEST_PROTOCOL)
        _write(self.root / "named" / name, hashlib.sha256(data).digest() + data)

    def folder(self, name: str, key: Key) -> Path:
        """Where the kept folder of `name` for `key` is (it may not be there: `keep_folder`)."""
        return self.root / "folders" / name / key

    def keep_folder(self, name: str, key: Key, made: Path) -> Path:
        """Move the folder `made` in as the one kept folder of `name` (for `key`)."""
        target = self.folder(name, key)
        if target.parent.exists():
            shutil.rmtree(target.parent)  # one kept folder per name is enough
        target.parent.mkdir(parents=True)
        os.replace(made, target)
        return target

    # --- discarding --------------------------------------------------------------------------------

    def discard(self, path: str) -> bool:
        """Remove a damaged entry so that the build makes it again (a kept folder goes whole; a
        path outside the memo, such as the last output's file, is left alone). True if it was ours."""
        try:
            parts = Path(path).resolve().relative_to(self.cache.resolve()).parts
        except ValueError:
            return False
        if parts[:2] == ("memo", "folders") and len(parts) > 4:
            shutil.rmtree(self.cache.joinpath(*parts[:4]), ignore_errors=True)
        else:
            Path(path).unlink(missing_ok=True)
        return True


# For worker processes, which have no `Memo` (its index stays with the build): they keep what
# they make by content and hand back its hash; the build records the key (`Memo.remember`).

def content_path(root: Path | str, sha256: str) -> str:
    return f"{root}/sha256/{sha256[:2]}/{sha256}"


def keep_content(root: Path | str, data: bytes) -> tuple[str, tuple[str, int]]:
    """Keep `data` in the store under `root` (`Memo.root`): its path, sha256 and size."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = content_path(root, sha256)
    if not os.path.exists(path):
        _write(path, data)
    return path, (sha256, len(data))


def _write(target: Path | str, data: bytes) -> None:
    """Write an entry atomically (another build may be writing the same one)."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    temp = f"{target}.{os.getpid()}.part"
    with open(temp, "wb") as f:
        f.write(data)
    os.replace(temp, target)
