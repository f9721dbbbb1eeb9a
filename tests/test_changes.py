"""Stage 'changes': the change report between two builds, grouped for people, naming the
directive that caused the change."""

from __future__ import annotations

import json
from pathlib import Path

from campaign_kit.materials import load_project
from campaign_kit.pipeline import Options, build
from campaign_kit.stages.changes import FileState, change_report, previous_files

STAGES = ("messages", "forms", "bundles", "changes")
NEW_DIRECTIVE = """---
number: 99/STTTT-TEST
date: 2021-03-01
issuer: Sở Thông tin và Truyền thông tỉnh Lạng Sơn
scope: Lạng Sơn
title: V/v đổi đường dây nóng và số đoạn tin nhắn
settings:
  hotline: "1800 1234"
  sms_segment_budget: 3
---
Đường dây nóng mới; tin nhắn được dài tới 3 đoạn.
"""


def _report(out: Path) -> dict:
    return json.loads((out / "changes.json").read_text(encoding="utf-8"))


def _check_schema(report: dict) -> None:
    assert set(report) == {"first_build", "groups"}
    for group in report["groups"]:
        assert set(group) == {"kind", "count", "directive", "summary", "added", "changed", "removed"}
        assert set(group["summary"]) == {"vi", "en"}
        assert group["count"] == len(group["added"]) + len(group["changed"]) + len(group["removed"]) > 0


def test_directive_added_between_two_builds(small_materials: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build(small_materials, out, Options(only=STAGES))
    first = _report(out)
    _check_schema(first)
    assert first["first_build"] is True
    assert all(g["added"] and not g["changed"] for g in first["groups"])
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert any(e["path"] == "changes.json" and e["kind"] == "report" for e in manifest["files"])

    (small_materials / "directives" / "2021-03-01-99-test.md").write_text(NEW_DIRECTIVE, encoding="utf-8")
    build(small_materials, out, Options(only=STAGES))
    second = _report(out)
    _check_schema(second)
    assert second["first_build"] is False
    reference = "99/STTTT-TEST (01/03/2021)"
    messages = [g for g in second["groups"] if g["kind"] == "message"]
    assert messages and all(g["directive"] == reference for g in messages)
    vi = next(g for g in messages if "downloads/messages/vi/loudspeaker.txt" in g["changed"])
    assert "downloads/messages/vi/sms.docx" in vi["changed"]  # the budget it shows changed
    assert reference in vi["summary"]["vi"] and reference in vi["summary"]["en"]
    assert vi["summary"]["vi"].startswith(f"{vi['count']} tệp tin nhắn")
    assert "thay đổi" in vi["summary"]["vi"] and "changed" in vi["summary"]["en"]
    # Unchanged files are not listed: the Zalo text does not mention the hotline.
    assert "downloads/messages/vi/zalo.txt" not in vi["changed"]
    # The forms show neither the hotline nor the SMS budget: nothing to use anew, nothing named.
    assert not [g for g in second["groups"] if g["kind"] == "form"]

    # Nothing changed since: rebuilding only the report (the rest carried over) lists nothing.
    build(small_materials, out, Options(only=("changes",)))
    assert _report(out) == {"first_build": False, "groups": []}


def test_added_changed_removed_and_what_is_ignored(small_materials: Path) -> None:
    project = load_project(small_materials)
    banner = "downloads/stores/vnpt/x/store-banner.pdf"
    previous = previous_files({"files": [
        {"path": banner, "kind": "store-banner", "sha256": "a", "stage": "print", "directive": "OLD"},
        {"path": "downloads/stores/vnpt/y/store-banner.pdf", "kind": "store-banner", "sha256": "b",
         "stage": "print"},
        {"path": "vi/index.html", "kind": "page", "sha256": "c", "stage": "site"},
        {"path": "assets/x.css", "kind": "asset", "sha256": "d", "stage": "site"},
        {"path": "downloads/site-only.pdf", "kind": "poster", "sha256": "e", "stage": "site"},
    ]})
    assert sorted(previous) == [banner, "downloads/stores/vnpt/y/store-banner.pdf"]
    current = {
        banner: FileState(banner, "store-banner", None, "a2", "NEW (01/01/2021)"),
        "downloads/print/en/poster-a4.pdf": FileState("downloads/print/en/poster-a4.pdf", "poster",
                                                      "en", "p", "NEW (01/01/2021)"),
    }
    report = change_report(project, previous, current)
    _check_schema(report)
    assert [(g["kind"], g["count"]) for g in report["groups"]] == [("poster", 1), ("store-banner", 2)]
    banners = report["groups"][1]
    assert banners["changed"] == [banner]
    assert banners["removed"] == ["downloads/stores/vnpt/y/store-banner.pdf"]
    assert banners["directive"] == "NEW (01/01/2021)"
    assert banners["summary"]["vi"] == (
        "2 băng rôn cửa hàng thay đổi (1 sửa, 1 bỏ) theo văn bản NEW (01/01/2021): in lại các tệp này")
    assert banners["summary"]["en"] == (
        "2 store banners changed (1 updated, 1 removed) following NEW (01/01/2021): reprint these")
    assert "(English)" in report["groups"][0]["summary"]["en"]


def test_first_build_lists_everything_as_added(small_materials: Path) -> None:
    project = load_project(small_materials)
    state = FileState("downloads/forms/a.xlsx", "form", None, "x", None)
    report = change_report(project, None, {state.path: state})
    assert report["first_build"] is True
    assert report["groups"][0]["added"] == [state.path]
    assert report["groups"][0]["summary"]["en"] == "First build: 1 report forms"
