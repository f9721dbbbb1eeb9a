"""Screen images: exact pixel sizes, a QR code that reads back, Khmer and Chinese really drawn."""

from __future__ import annotations

from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageChops

from campaign_kit.model import Project
from campaign_kit.printing.general import general_directive

from .test_print import build_stage


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Project, dict[str, dict]]:
    return build_stage(tmp_path_factory.mktemp("screens"), "screens")


def test_every_screen_has_its_exact_size_and_reads_back(screens) -> None:
    out, project, files = screens
    formats = {n: f for n, f in project.formats.items() if f.kind == "screen"}
    assert {(f.width_px, f.height_px) for f in formats.values()} == {(1920, 1080), (1080, 1920), (1080, 1080)}
    for lang in project.languages:
        for name, fmt in formats.items():
            rel = f"downloads/screens/{lang.code}/{name}.png"
            entry = files[rel]
            assert entry["kind"] == "screen" and entry["lang"] == lang.code and entry["format"] == name
            assert entry["directive"] == general_directive(project, lang.code).reference
            with Image.open(out / rel) as image:
                assert image.size == (fmt.width_px, fmt.height_px)
                assert [r.text for r in zxingcpp.read_barcodes(image)] == [project.go_url()]


def test_scripts_are_drawn_not_boxes(screens) -> None:
    out, _, _ = screens
    vi, km, zh = (Image.open(out / f"downloads/screens/{lang}/screen-tv.png").convert("L")
                  for lang in ("vi", "km", "zh"))
    # The headline area differs between languages: the text is really there in each script.
    for other in (km, zh):
        diff = ImageChops.difference(vi, other).crop((0, 200, 1100, 600))
        assert diff.getbbox() is not None
        assert diff.point(lambda px: 255 if px > 64 else 0).histogram()[255] > 5000
