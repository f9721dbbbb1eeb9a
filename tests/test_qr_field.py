"""QR codes in the field (issue 16): every print format's code, sized by the rule, photographed
as a phone's 1080p preview sees it from the format's viewing distance (blur 0.3 module, tilt
15-20 degrees, noise, JPEG: `benchmarks/qr_field.py`), decodes with zbar and zxing-cpp."""

from __future__ import annotations

import pytest

from benchmarks.qr_field import Code, decode_rates, printed_codes
from campaign_kit.printing import qr
from tests.conftest import MATERIALS

TRIALS = 6
"""Frames a code: 7 formats, 42 frames, about 5 s (the benchmark runs 40 a code)."""


@pytest.fixture(scope="module")
def codes() -> list[Code]:
    found = printed_codes(MATERIALS)
    assert {c.what for c in found} == {"general", "store"}
    return found


def test_every_format_reads_at_its_distance_with_zbar(codes: list[Code]) -> None:
    hits = {"zbar": 0, "zxing": 0}
    misses = []
    for c in codes:
        rates = decode_rates(c.url, c.error, qr.min_module_mm(c.distance_m), c.distance_m, TRIALS)
        for decoder, n in rates.items():
            hits[decoder] += n
            if n < TRIALS:
                misses.append(f"{c.format_name} {decoder} {n}/{TRIALS}")
    frames = len(codes) * TRIALS
    assert hits["zbar"] >= 0.95 * frames, misses
    assert hits["zxing"] >= 0.95 * frames, misses


def test_the_field_fails_codes_with_too_small_modules(codes: list[Code]) -> None:
    # The same photographs of a code with half the rule's modules (2 preview pixels) mostly
    # fail: the field is harsh enough to catch a rule without margin.
    banner = next(c for c in codes if c.format_name == "store-banner")
    half = qr.min_module_mm(banner.distance_m) / 2
    assert decode_rates(banner.url, banner.error, half, banner.distance_m, TRIALS)["zbar"] <= TRIALS // 2


@pytest.mark.parametrize("distance_m", [0.4, 0.6, 0.8, 1.2, 2.5, 3.0, 5.0])
def test_module_covers_the_models_pixels_on_a_tenth_mm_grid(distance_m: float) -> None:
    module = qr.min_module_mm(distance_m)
    px = module * qr.preview_px_per_mm(distance_m)
    assert qr.PREVIEW_PX_PER_MODULE <= px < qr.PREVIEW_PX_PER_MODULE + 0.1 * qr.preview_px_per_mm(distance_m)
    assert round(module * 10, 9) == int(round(module * 10))


def test_a_longer_link_prints_larger_with_the_same_modules() -> None:
    module = qr.min_module_mm(0.6)
    short = qr.draw("https://a.gov.vn/go/", module, "Q")
    long = qr.draw("https://bluezone.langson.gov.vn/go/mobifone-ls-00001/", module, "Q")
    assert short.payload.version < long.payload.version
    for drawing in (short, long):
        assert drawing.symbol_mm == pytest.approx(drawing.payload.modules * module)
        assert drawing.size_mm == qr.printed_size_mm(drawing.payload.modules, module)
    assert long.size_mm > short.size_mm
    store = qr.draw("https://bluezone.langson.gov.vn/go/363swf2/", module, "Q")  # its short link
    assert store.payload.version == 4 < long.payload.version and store.size_mm < long.size_mm
    assert qr.room_mm(module) == qr.printed_size_mm(17 + 4 * qr.ROOM_VERSION, module) >= long.size_mm
