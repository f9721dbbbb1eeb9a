"""Is the last output still what these inputs make? Then a rebuild has nothing to do.

Every input that shapes an output goes into one fingerprint: the bytes of `materials/`,
`docs/`, `templates/` and `mkdocs.yml`, the pipeline's code and library versions
(`memo.code_version`), the fonts on this machine (path, size and date of each file), inputs
outside these folders such as a print profile (path, size and date), and the build options. A
build records its fingerprint and its manifest's sha256 in the memo once its output is in place;
the next build with that fingerprint stops there if the output has that very manifest (a build
that put another output in place, then failed, left another) and every file is as it says.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import stat
from pathlib import Path
from typing import Any, Callable

from .memo import Key, Memo, code_version, digest, file_hashes
from .output import MANIFEST, differences, parse_manifest

log = logging.getLogger("campaign_kit")

REPO = Path(__file__).resolve().parent.parent
FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))
RECORD, LAST = "last-build", Key("last-build")


def material_hashes(materials: Path, kit: str) -> dict[str, str]:
    """sha256 of every file of `materials/` that kit `kit` reads, by its path inside it: all but
    the other kits' folders (an edited store list of Long An rebuilds nothing of Lạng Sơn)."""
    own = f"kits/{kit}/"
    return file_hashes(materials, (p for p in materials.rglob("*") if not (rel := p.relative_to(materials).as_posix())
                               .startswith("kits/") or rel.startswith(own) or rel.count("/") == 1))


def source_hashes() -> dict[str, str]:
    """sha256 of every file of `docs/`, `templates/` and `mkdocs.yml`, by its path in the repository."""
    return file_hashes(REPO, [REPO / "mkdocs.yml", *(REPO / "docs").rglob("*"), *(REPO / "templates").rglob("*")])


def fingerprint(materials: tuple[Path, str] | dict[str, str], options: Any, extra_files: tuple[str, ...] = (),
                sources: dict[str, str] | None = None) -> str:
    """One key over every input of a build (`materials`: the folder and the kit, or its `material_hashes`;
    `sources`: `source_hashes`, if already read; `extra_files`: inputs outside these folders)."""
    hashes = material_hashes(*materials) if isinstance(materials, tuple) else materials
    return digest(code_version(), repr(options), *(f"materials/{k}\0{v}" for k, v in sorted(hashes.items())),
                  *(f"{k}\0{v}" for k, v in sorted((source_hashes() if sources is None else sources).items())),
                  *fonts_digest(), *filter(None, map(_stat, map(Path, extra_files))))


@functools.lru_cache(maxsize=1)
def fonts_digest() -> tuple[str, ...]:
    """Path, size and date of every font file on this machine."""
    return tuple(filter(None, (_stat(p) for folder in FONT_DIRS if folder.is_dir() for p in sorted(folder.rglob("*")))))


def up_to_date(out: Path, memo: Memo, key_of: Callable[[tuple[str, ...]], str],
               today: dt.date) -> tuple[int, tuple[str, ...]] | None:
    """(files, warnings) of `out` if the last good build had the fingerprint `key_of(its extra
    files)`, no letter that waited for its date is due by `today`, its manifest is the one that
    build wrote and every file is as that manifest says (one `stat` a file); else None."""
    last = memo.load(RECORD, LAST)
    try:
        raw = (out / MANIFEST).read_bytes()
    except OSError:
        return None
    if not isinstance(last, dict) or last["manifest"] != hashlib.sha256(raw).hexdigest() \
            or last["fingerprint"] != key_of(last["extra_files"]) or (last["until"] and today >= last["until"]):
        return None
    manifest = parse_manifest(raw)  # the very bytes that build wrote
    if manifest is None or differences(out, manifest, memo, first=True):
        log.warning("%s: files changed since they were built: building again", out)
        return None
    return len(manifest["files"]), last["warnings"]


def record(memo: Memo, key: str, warnings: tuple[str, ...], extra_files: tuple[str, ...], manifest_sha256: str,
           until: dt.date | None) -> None:
    """After a build put its output in place: what it was built from (`extra_files`: as given to
    `fingerprint`; `until`: the date of the first letter waiting for its date)."""
    memo.save(RECORD, LAST, {"fingerprint": key, "manifest": manifest_sha256, "warnings": warnings,
                             "extra_files": extra_files, "until": until})


def _stat(path: Path) -> str | None:
    """Path, size and date of a file, by one `stat` (missing: that it is; a folder: None)."""
    try:
        st = path.stat()
    except OSError:
        return f"{path}\0missing"
    return f"{path}\0{st.st_size}\0{st.st_mtime_ns}" if stat.S_ISREG(st.st_mode) else None
