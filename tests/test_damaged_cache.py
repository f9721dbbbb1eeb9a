"""Trust nothing kept (issue 14): published files are hard links to cache entries, so damage to
an entry (a truncation, a byte written in place, a deleted file) must be found and made again,
never published with the hash the file had before.

One small build for the module; each test damages it, builds again and checks the output
against its manifest (so the next test starts from a good output). A copy would not do: the
build recognises its files by inode.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pypdfium2
import pytest

from campaign_kit.errors import BuildError
from campaign_kit.memo import Memo
from campaign_kit.output import Output
from campaign_kit.pipeline import BuildReport, Options, build

from .conftest import MATERIALS, with_few_stores

PAGES = {"poster": 1, "leaflet": 2, "standee": 1, "store-banner": 1, "store-card": 1}

class Built:
    def __init__(self, materials: Path, out: Path):
        self.materials, self.out, self.cache = materials, out, out.with_name(out.name + ".cache")

    def build(self, force: bool = False) -> BuildReport:
        return build(self.materials, self.out, Options(jobs=1, force=force))

    def manifest(self) -> dict[str, dict[str, object]]:
        entries = json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))["files"]
        return {e["path"]: e for e in entries}

    def entry(self, rel: str) -> Path:
        """The cache file the published `rel` is a hard link of."""
        ino = os.stat(self.out / rel).st_ino
        found = [p for p in self.cache.rglob("*") if p.is_file() and p.stat().st_ino == ino]
        assert found, f"{rel} is no cache entry's link"
        return found[0]

    def first(self, kind: str) -> str:
        return next(rel for rel, e in sorted(self.manifest().items()) if e["kind"] == kind)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    base = tmp_path_factory.mktemp("damaged")
    materials = base / "materials"
    shutil.copytree(MATERIALS, materials)
    with_few_stores(materials)
    kit = Built(materials, base / "site")
    kit.build()
    kit.build(force=True)  # a rebuild: the staging folder now holds the output before last
    return kit


def assert_as_its_manifest_says(kit: Built) -> None:
    """Every file of the output, and no other, with its manifest's size and sha256; every PDF
    (and every PDF inside a bundle) opens and has its pages."""
    manifest = kit.manifest()
    found = {p.relative_to(kit.out).as_posix() for p in kit.out.rglob("*") if p.is_file()}
    assert found == set(manifest) | {"manifest.json"}
    for rel, entry in manifest.items():
        data = (kit.out / rel).read_bytes()
        assert (len(data), hashlib.sha256(data).hexdigest()) == (entry["bytes"], entry["sha256"]), rel
        if rel.endswith(".pdf"):  # a print-shop batch has a page per store (its manifest says how many)
            count = len(pypdfium2.PdfDocument(data))
            pages = entry.get("pages") or PAGES.get(str(entry["kind"]))
            assert count == pages if pages else count >= 1, rel
        if entry["kind"] == "bundle":
            with zipfile.ZipFile(io.BytesIO(data)) as bundle:
                for name in bundle.namelist():
                    if name.endswith(".pdf"):
                        assert len(pypdfium2.PdfDocument(bundle.read(name))) >= 1, f"{rel}: {name}"


def named(report: BuildReport, entry: Path) -> bool:
    return any(str(entry) in warning and "damaged" in warning for warning in report.warnings)


def test_truncated_cache_entries_are_made_again(built: Built) -> None:
    store_rel, general_rel = built.first("store-banner"), built.first("leaflet")
    store_pdf, general_pdf = built.entry(store_rel), built.entry(general_rel)
    with open(store_pdf, "r+b") as f:
        f.truncate(1000)
    with open(general_pdf, "r+b") as f:
        f.truncate(os.path.getsize(general_pdf) // 2)
    report = built.build()
    assert named(report, store_pdf) and named(report, general_pdf)
    assert_as_its_manifest_says(built)
    assert built.entry(store_rel) == store_pdf and built.entry(general_rel) == general_pdf  # made again
    again = built.build()  # repaired: nothing to build, nothing to say again
    assert again.up_to_date and not any("damaged" in w for w in again.warnings)


def test_a_byte_written_in_place_keeping_the_size(built: Built) -> None:
    rel = "downloads/messages/vi/sms.docx"
    docx = built.entry(rel)
    size = docx.stat().st_size
    with open(docx, "r+b") as f:  # the published file is this very inode
        f.seek(size // 2)
        byte = f.read(1)
        f.seek(size // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    assert docx.stat().st_size == size
    report = built.build()  # not --force: "nothing changed" must not hide it
    assert not report.up_to_date and named(report, docx)
    assert_as_its_manifest_says(built)
    zipfile.ZipFile(built.out / rel).testzip()


def test_a_deleted_cache_entry(built: Built) -> None:
    store_pdf = built.entry(built.first("store-card"))
    poster_rel = built.first("poster")
    poster_pdf = built.entry(poster_rel)
    store_pdf.unlink()
    poster_pdf.unlink()
    built.build(force=True)
    assert_as_its_manifest_says(built)
    assert poster_pdf.is_file()  # a missing entry is a miss: made again


def test_last_step_checks_every_file_against_the_manifest(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    out = Output(tmp_path / "out", Memo(tmp_path / "cache"))
    out.write_bytes("a.pdf", b"%PDF-1.7 one", "poster")
    out.write_bytes("b.pdf", b"%PDF-1.7 two", "poster")
    manifest = out.write_manifest()
    out.check_files(manifest, full=True)
    target = tmp_path / "out" / "b.pdf"
    before = target.stat()
    target.write_bytes(b"%PDF-1.7 TWO")  # same size, and its time put back: only reading finds it
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    out.check_files(manifest)
    with pytest.raises(BuildError, match="b.pdf: its sha256"):
        out.check_files(manifest, full=True)
    target.write_bytes(b"%PDF")
    with pytest.raises(BuildError, match=r"b.pdf: 4 bytes, its manifest says 12"):
        out.check_files(manifest)


def test_an_old_entry_that_is_not_its_hash_is_written_again(tmp_path: Path) -> None:
    """A content-store entry no recent output had (so no recorded stat) is read before its name
    is trusted: damaged, it is replaced and said."""
    cache, data = tmp_path / "cache", b"body { color: red }"
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    first = Memo(cache)
    Output(tmp_path / "one", first).write_bytes("site.css", data, "asset")  # (its index not kept)
    entry = next(p for p in (cache / "memo" / "sha256").rglob("*") if p.is_file())
    entry.write_bytes(b"body { color: RED }")  # replaced, same size: as a crash might leave it
    os.utime(entry, ns=(0, 0))  # made before the next build
    memo = Memo(cache)
    out = Output(tmp_path / "two", memo)
    out.write_bytes("site.css", data, "asset")
    assert memo.repairs and str(entry) in memo.repairs[0]
    assert entry.read_bytes() == data and (tmp_path / "two" / "site.css").read_bytes() == data
    assert out.digest("site.css") == (hashlib.sha256(data).hexdigest(), len(data))
