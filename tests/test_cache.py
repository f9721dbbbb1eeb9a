"""The render cache re-renders exactly what a change touches (logged counts of a real build)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from campaign_kit.pipeline import Options, build


def _rendered(caplog: pytest.LogCaptureFixture) -> tuple[int, int]:
    text = "\n".join(r.getMessage() for r in caplog.records)
    stores = re.findall(r"store items: (\d+) rendered", text)
    general = re.findall(r"general items: (\d+) rendered", text)
    caplog.clear()
    return int(stores[-1]), int(general[-1])


def _directive(materials: Path, name: str, settings: str = "") -> None:
    (materials / "directives" / name).write_text(
        "---\nnumber: 77/STTTT-TEST\ndate: 2021-03-01\nissuer: Sở Thông tin và Truyền thông\n"
        f"title: V/v thử\n{settings}---\nNội dung mới trên trang hướng dẫn.\n", encoding="utf-8")


@pytest.mark.slow
def test_cache_rerenders_what_a_change_touches(small_materials: Path, tmp_path: Path,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="campaign_kit")
    out, options = tmp_path / "site", Options(only=("print",), cache=tmp_path / "cache")
    build(small_materials, out, options)
    assert _rendered(caplog) == (4, 20)  # 2 stores x (banner, card); 5 formats x 4 languages

    build(small_materials, out, options)
    assert _rendered(caplog) == (0, 0)  # nothing changed

    _directive(small_materials, "2021-03-01-site.md")  # a summary for the site, no settings
    build(small_materials, out, options)
    assert _rendered(caplog) == (0, 0)

    stores = small_materials / "stores" / "few.csv"
    stores.write_text(stores.read_text(encoding="utf-8").replace("Số 12", "Số 14"), encoding="utf-8")
    build(small_materials, out, options)
    assert _rendered(caplog) == (2, 0)  # that store's banner and card only

    _directive(small_materials, "2021-03-01-site.md", "settings:\n  hotline: \"1800 1234\"\n")
    build(small_materials, out, options)
    assert _rendered(caplog) == (4, 20)  # the hotline is on every printed item

    stores.write_text("\n".join(stores.read_text(encoding="utf-8").splitlines()[:2]) + "\n",
                      encoding="utf-8")
    build(small_materials, out, options)
    assert not list((out / "downloads" / "stores" / "viettelpost").rglob("*.pdf"))  # deleted store
