"""Is the last output still what these inputs make? Then a rebuild has nothing to do.

Every input that shapes an output goes into one fingerprint: the bytes of `materials/`,
`docs/`, `templates/` and `mkdocs.yml`, the pipeline's code and library versions
(`memo.code_version`), the fonts on this machine (path, size and date of each file), the print
profile, and the build options. A build records its fingerprint next to its cache once its output
is in place; the next build with the same fingerprint, and an output still as the manifest
describes it, stops there. Anything else goes through the stages, whose own caches re-render
only what changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from pathlib import Path
from typing import Any

from .memo import Key, Memo, code_version, digest
from .output import MANIFEST

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("docs", "templates", "mkdocs.yml")
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
RECORD = "last-build"


def material_hashes(materials: Path, kit: str) -> dict[str, str]:
    """sha256 of every file of `materials/` that kit `kit` reads, by its path inside it: all but
    the other kits' folders (an edited store list of Long An rebuilds nothing of Lạng Sơn)."""
    own = f"kits/{kit}/"
    hashes = {}
    for p in sorted(materials.rglob("*")):
        rel = p.relative_to(materials).as_posix()
        if p.is_file() and "__pycache__" not in p.parts and (not rel.startswith("kits/") or rel.startswith(own)
                                                              or rel.count("/") == 1):
            hashes[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return hashes


def source_hashes() -> dict[str, str]:
    """sha256 of every file of `docs/`, `templates/` and `mkdocs.yml`, by its path in the repository."""
    hashes = {}
    for name in SOURCES:
        root = REPO / name
        paths = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else []
        hashes.update({p.relative_to(REPO).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
                       for p in paths if "__pycache__" not in p.parts})
    return hashes


def fingerprint(materials: tuple[Path, str] | dict[str, str], options: Any, extra_files: tuple[str, ...] = (),
                sources: dict[str, str] | None = None) -> str:
    """One key over every input of a build (`materials`: the folder and the kit, or its `material_hashes`;
    `sources`: `source_hashes`, if already read; `extra_files`: inputs outside these folders,
    such as a print profile, by path, size and date)."""
    hashes = material_hashes(*materials) if isinstance(materials, tuple) else materials
    parts = [code_version(), repr(options), *(f"materials/{k}\0{v}" for k, v in sorted(hashes.items()))]
    parts.extend(f"{k}\0{v}" for k, v in sorted((source_hashes() if sources is None else sources).items()))
    parts.extend(fonts_digest())
    parts.extend(_stats([Path(f) for f in extra_files]))
    return digest(*parts)


@functools.lru_cache(maxsize=1)
def fonts_digest() -> tuple[str, ...]:
    """Path, size and date of every font file on this machine."""
    return tuple(line for folder in FONT_DIRS if folder.is_dir() for line in _stats(sorted(folder.rglob("*"))))


LAST = Key("last-build")


def last_build(memo: Memo) -> dict[str, Any]:
    """What the last good build recorded (`record`), or {} (none, or a build changing it now)."""
    kept = memo.load(RECORD, LAST)
    return kept if isinstance(kept, dict) else {}


def up_to_date(out: Path, memo: Memo, key: str, today: dt.date) -> tuple[int, tuple[str, ...]] | None:
    """(files, warnings) of `out` if it was built from inputs with this fingerprint, its
    manifest is the one that build wrote, and no letter that waited for its date is due by
    `today`; else None. Whether its files are still as built is `output.as_built`'s."""
    last = last_build(memo)
    try:
        manifest = (out / MANIFEST).read_bytes()
    except OSError:
        return None
    if last.get("fingerprint") != key or last.get("manifest") != hashlib.sha256(manifest).hexdigest() \
            or (last["until"] and today >= last["until"]):
        return None
    # Each entry has one key "path" (a quote inside a value is escaped): counted, not parsed.
    return manifest.count(b'"path": '), last["warnings"]


def record(memo: Memo, key: str, warnings: tuple[str, ...], extra_files: tuple[str, ...], manifest_sha256: str,
           until: dt.date | None) -> None:
    """After a build put its output in place: remember what it was built from (`extra_files`:
    the inputs outside the folders, as given to `fingerprint`; `until`: the date of the first
    letter waiting for its date)."""
    memo.save(RECORD, LAST, {"fingerprint": key, "manifest": manifest_sha256, "warnings": warnings,
                             "extra_files": extra_files, "until": until})


def forget(memo: Memo) -> None:
    """Before a build changes the output: until it records its own, none is up to date."""
    memo.save(RECORD, LAST, None)


def _stats(paths: list[Path]) -> list[str]:
    result = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            result.append(f"{path}\0missing")
            continue
        if path.is_file():
            result.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}")
    return result
