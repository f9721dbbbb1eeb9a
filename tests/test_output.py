"""The output contract: atomic swap, manifest, reproducibility, path safety."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaign_kit import pipeline
from campaign_kit.errors import BuildError, ContentError
from campaign_kit.memo import DamagedEntry, Memo
from campaign_kit.output import Output, safe_join, staging_dir, swap_in
from campaign_kit.pipeline import Options, build
from campaign_kit.text import slug

from .conftest import ROOT


@pytest.mark.parametrize("bad", ["../x", "/etc/passwd", "a/../../b", "", "a\\..\\b", "a/\0"])
def test_safe_join_refuses_paths_outside(tmp_path: Path, bad: str) -> None:
    with pytest.raises(BuildError, match="refusing to write outside"):
        safe_join(tmp_path, bad)


def test_symlink_escape_is_refused(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "link").symlink_to(tmp_path)
    with pytest.raises(BuildError):
        safe_join(tmp_path / "out", "link/evil.txt")
    out = Output(tmp_path / "out", Memo(tmp_path / "cache"))
    out.write_text("real/ok.txt", "ok", "asset")  # remembers out/real as a real folder
    with pytest.raises(BuildError):
        out.write_text("link/evil.txt", "no", "asset")  # a linked folder is still refused
    with pytest.raises(BuildError):
        out.write_text("real/../link/evil.txt", "no", "asset")
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("text", ["../../etc/passwd", "Bưu cục <script>", "..", "/", "ĐĐ", "a/b\\c"])
def test_slugs_are_plain_names(text: str) -> None:
    value = slug(text)
    assert value and value not in (".", "..")
    assert all(c.isascii() and (c.isalnum() or c == "-") for c in value)


def test_swap_replaces_whole_output_and_keeps_nothing_half_written(tmp_path: Path) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "old.txt").write_text("old")
    staging, recycled, deleting = staging_dir(out)
    assert recycled == {} and deleting is None and not any(staging.iterdir())
    (staging / "new.txt").write_text("new")
    swap_in(staging, out)
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in staging.iterdir()) == ["old.txt"]  # the previous output, until the next build
    (tmp_path / "site.deleting.1").mkdir()  # left by a killed build
    # Not as a manifest describes it: not recycled; the next build gets an empty folder at once,
    # the old one deleted alongside.
    again, recycled, deleting = staging_dir(out)
    assert again == staging and recycled == {} and not any(staging.iterdir()) and deleting is not None
    assert deleting.wait() == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site", "site.staging"]


def test_each_output_ends_exactly_as_written(tmp_path: Path) -> None:
    out = tmp_path / "site"
    for files in ({"a/x.txt": "1", "a/b/y.txt": "2", "keep.txt": "3"}, {"keep.txt": "3", "c.txt": "4"},
                  {"a/b/y.txt": "5"}, {"keep.txt": "6"}):
        staging, recycled, deleting = staging_dir(out)
        output = Output(staging, Memo(tmp_path / "cache"), recycled=recycled)
        for rel, text in files.items():
            output.write_text(rel, text, "asset")
        output.write_manifest()
        swap_in(staging, out)
        if deleting:
            deleting.wait()
        found = {p.relative_to(out).as_posix(): p.read_text() for p in out.rglob("*") if p.is_file()}
        assert found == files | {"manifest.json": found["manifest.json"]}
        assert not [p for p in out.rglob("*") if p.is_dir() and not any(p.iterdir())]  # no empty folders
    assert staging_dir(out)[1]  # the output before last is recycled: its files are known
    assert not (tmp_path / "site.staging" / "manifest.json").exists()  # in use: not trusted if the build dies


def test_recycled_folder_keeps_only_intact_entries(tmp_path: Path) -> None:
    """A recycled file that is still the memo's entry of its content stays (same inode, no link);
    one changed in place is discarded, made again and linked; a stray file recycles nothing."""
    out, memo = tmp_path / "site", Memo(tmp_path / "cache")
    for text in ("first", "second"):
        staging, recycled, _ = staging_dir(out)
        output = Output(staging, memo, recycled=recycled)
        output.write_text("a/page.txt", text, "asset")
        output.write_bytes("stores/x/card.pdf", b"%PDF cached", "store-card")
        output.check_files(output.write_manifest())
        swap_in(staging, out)
    staging, recycled, _ = staging_dir(out)  # the first output
    card = staging / "stores/x/card.pdf"
    inode = card.stat().st_ino
    page = staging / "a/page.txt"
    page.chmod(0o644)
    with open(page, "r+b") as f:  # changed in place: its entry (same inode) is no longer intact
        f.write(b"FIRST")
    os.utime(page, ns=(time.time_ns(), page.stat().st_mtime_ns + 10**9))  # a later write's time, as in real life
    output = Output(staging, memo, recycled=recycled)
    output.write_bytes("stores/x/card.pdf", b"%PDF cached", "store-card")
    assert card.stat().st_ino == inode  # kept as it was: no link made
    damaged = page.stat().st_ino
    output.write_text("a/page.txt", "first", "asset")  # its entry is the damaged file: discarded, made again
    assert memo.repairs and page.stat().st_ino != damaged
    output.check_files(output.write_manifest(), full=True)
    assert page.read_text() == "first"
    swap_in(staging, out)
    staging, _, _ = staging_dir(out)
    (staging / "a" / "stray.txt").write_text("not in its manifest")
    again, recycled, deleting = staging_dir(out)
    assert recycled == {} and not any(again.iterdir()) and deleting is not None and deleting.wait() == 0


def test_links_in_a_recycled_folder_are_never_kept(tmp_path: Path) -> None:
    """A folder or a listed file that is a symbolic link recycles nothing: no link reaches the
    output, and what it points at is left alone."""
    out, memo = tmp_path / "site", Memo(tmp_path / "cache")
    (tmp_path / "elsewhere.txt").write_text("page")

    def build(staging: Path, recycled: dict[str, tuple[str, int]]) -> None:
        output = Output(staging, memo, recycled=recycled)
        output.write_text("a/page.txt", "page", "asset")
        output.check_files(output.write_manifest())
        swap_in(staging, out)

    for _ in range(2):
        build(*staging_dir(out)[:2])
    (tmp_path / "site.staging" / "b").symlink_to(tmp_path)  # a folder elsewhere, not in its manifest
    staging, recycled, deleting = staging_dir(out)
    assert recycled == {} and not any(staging.iterdir()) and deleting is not None and deleting.wait() == 0
    assert (tmp_path / "elsewhere.txt").exists()  # what the link pointed at is left alone
    build(staging, recycled)
    page = tmp_path / "site.staging" / "a" / "page.txt"
    page.unlink()
    page.symlink_to(tmp_path / "elsewhere.txt")  # the same bytes, but not the kept entry
    staging, recycled, _ = staging_dir(out)
    assert recycled == {}
    build(staging, recycled)
    assert not (out / "a/page.txt").is_symlink() and (out / "a/page.txt").read_text() == "page"


def test_a_published_file_changed_in_place_is_not_trusted(tmp_path: Path) -> None:
    """Published files are the memo's entries (one inode): one changed in place is seen by its
    stamp, discarded, never linked again, and the output no longer matches its manifest."""
    out, memo = tmp_path / "site", Memo(tmp_path / "cache")
    staging, _, _ = staging_dir(out)
    output = Output(staging, memo)
    output.write_bytes("stores/x/card.pdf", b"%PDF cached", "store-card")
    manifest = output.write_manifest()
    output.check_files(manifest)
    swap_in(staging, out)
    memo.flush()
    entry = memo.content_path(hashlib.sha256(b"%PDF cached").hexdigest())
    assert os.stat(entry).st_ino == (out / "stores/x/card.pdf").stat().st_ino
    with open(out / "stores/x/card.pdf", "r+b") as f:  # the published file and its entry: one inode
        f.write(b"%PDF CACHED")
    with pytest.raises(BuildError, match="differ from its manifest"):
        Output(out, memo).check_files(manifest)
    staging, _, _ = staging_dir(out)
    memo = Memo(tmp_path / "cache")  # the next build's
    with pytest.raises(DamagedEntry):
        Output(staging, memo).link("stores/x/card.pdf", (os.path.basename(entry), 11), "store-card")
    assert not os.path.exists(entry) and memo.repairs  # discarded, and said


def test_manifest_lists_every_file_with_hash_and_kind(tmp_path: Path) -> None:
    output = Output(tmp_path, Memo(tmp_path / "cache"))
    output.stage = "print"
    output.write_bytes("downloads/a.pdf", b"%PDF-1.7", "poster", lang="vi", format="poster-a4")
    output.path("assets/app.css").write_text("body{}")
    output.path("index.html").write_text("<html></html>")
    manifest = output.write_manifest()
    by_path = {f["path"]: f for f in manifest["files"]}
    assert set(by_path) == {"downloads/a.pdf", "assets/app.css", "index.html"}
    assert by_path["downloads/a.pdf"] == {
        "path": "downloads/a.pdf", "kind": "poster", "stage": "print", "lang": "vi", "format": "poster-a4",
        "bytes": 8, "sha256": hashlib.sha256(b"%PDF-1.7").hexdigest()}
    assert by_path["index.html"]["kind"] == "page" and by_path["assets/app.css"]["kind"] == "asset"


def test_a_failing_stage_leaves_the_last_output_untouched(small_materials: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "site"
    out.mkdir()
    (out / "manifest.json").write_text('{"files": []}')
    (out / "keep.txt").write_text("last good output")

    def explode(ctx: pipeline.BuildContext, made: object) -> None:
        ctx.out.write_text("downloads/half.txt", "half", "message")
        raise BuildError("boom")

    import campaign_kit.stages.changes as changes
    monkeypatch.setattr(changes, "run", explode)
    with pytest.raises(BuildError, match="boom"):
        build(small_materials, out, Options(only=("changes",)))
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt", "manifest.json"]
    assert not (tmp_path / "site.staging").exists()


def test_invalid_materials_write_nothing(materials: Path, tmp_path: Path) -> None:
    (materials / "campaign.yml").write_text("campaign: [", encoding="utf-8")
    with pytest.raises(ContentError):
        build(materials, tmp_path / "site")
    assert not (tmp_path / "site").exists() and not (tmp_path / "site.staging").exists()


def _run_build(materials: Path, out: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(ROOT / "build_posters.py"), "build", "--materials",
                             str(materials), "--out", str(out), "--jobs", "1"],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_killed_build_leaves_last_output_whole_and_builds_are_reproducible(
        small_materials: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    assert _run_build(small_materials, out).wait() == 0
    first = (out / "manifest.json").read_bytes()
    files = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert json.loads(first)["files"], "the build produced no files"

    # Same input, second build (different folder): byte-identical manifest, so byte-identical files.
    other = tmp_path / "again"
    assert _run_build(small_materials, other).wait() == 0
    assert (other / "manifest.json").read_bytes() == first

    # Kill a rebuild with SIGKILL once it is writing its staging folder.
    (small_materials / "text" / "vi.yml").write_text(
        (small_materials / "text" / "vi.yml").read_text(encoding="utf-8").replace(
            "Nhân viên tại đây", "Nhân viên cửa hàng"), encoding="utf-8")
    process = _run_build(small_materials, out)
    staging = tmp_path / "site.staging"
    deadline = time.monotonic() + 120
    while not any(staging.rglob("*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert process.poll() is None, "the build finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    now = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert now == files

    # The next build cleans the leftover staging folder and succeeds; the staging folder now
    # holds the previous output, whole, until the build after deletes it.
    assert _run_build(small_materials, out).wait() == 0
    assert (out / "manifest.json").read_bytes() != first
    assert (staging / "manifest.json").read_bytes() == first
    assert {p.relative_to(staging): p.read_bytes() for p in staging.rglob("*") if p.is_file()} == files
    # Built again: the same files as the build it replaces.
    result = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    (out / "manifest.json").write_bytes((out / "manifest.json").read_bytes())  # same content: no-op
    assert _run_build(small_materials, out).wait() == 0  # up to date: kept
    (small_materials / "text" / "vi.yml").write_text(
        (small_materials / "text" / "vi.yml").read_text(encoding="utf-8").replace(
            "Nhân viên cửa hàng", "Nhân viên tại đây"), encoding="utf-8")
    assert _run_build(small_materials, out).wait() == 0  # back to the first input
    again = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    listed = {Path(e["path"]) for e in json.loads(again[Path("manifest.json")])["files"]}
    assert again.keys() == listed | {Path("manifest.json")} and result != files  # nothing left over
    # The same downloads as the first build (pages differ: the change report is not the same).
    assert {k: v for k, v in again.items() if k.parts[0] == "downloads"} == \
        {k: v for k, v in files.items() if k.parts[0] == "downloads"}
