"""QR payload and drawing, shrink-to-fit, the font table: the print stage's parts, no WeasyPrint."""

from __future__ import annotations

import base64
import re

import pytest
import segno

from campaign_kit.errors import BuildError
from campaign_kit.printing.checks import check_glyphs
from campaign_kit.printing.fit import FitRule, count_lines, fit_text
from campaign_kit.printing.fonts import load_font_table
from campaign_kit.printing.qr import QUIET_ZONE, draw, min_module_mm, payload, short_url
from campaign_kit.printing.render import TEMPLATES, css_value

URL = "https://bluezone.langson.gov.vn/go/vnpt-ls-00001/"


def test_payload_is_smallest_version_at_asked_level_or_better() -> None:
    info, code = payload(URL, "M")
    assert info.error in ("M", "Q", "H")
    smallest = segno.make_qr(URL, error="m", boost_error=False)
    assert info.version == smallest.version
    assert info.modules == 17 + 4 * info.version


@pytest.mark.parametrize("error", ["M", "Q", "H"])
def test_drawing_is_vector_with_quiet_zone_and_min_size(error: str) -> None:
    qr = draw(URL, min_module_mm(0.6), error)  # type: ignore[arg-type]
    svg = base64.b64decode(qr.data_uri.split(",", 1)[1]).decode()
    assert "<path" in svg and "<image" not in svg
    side = qr.payload.modules + 2 * QUIET_ZONE
    assert f'viewBox="0 0 {side} {side}"' in svg
    # The dark path never enters the quiet zone.
    first_move = re.search(r'd="M(\d+) (\d+(?:\.\d+)?)h', svg.split('stroke=')[1])
    assert first_move and int(first_move.group(1)) >= QUIET_ZONE
    assert qr.symbol_mm == pytest.approx(qr.payload.modules * min_module_mm(0.6))
    assert qr.size_mm == pytest.approx(qr.symbol_mm / qr.payload.modules * side, abs=0.05)
    assert qr.short_url == "bluezone.langson.gov.vn/go/vnpt-ls-00001"
    order = "LMQH"
    assert order.index(qr.payload.error) >= order.index(error)


def test_short_url() -> None:
    assert short_url("https://a.gov.vn/go/") == "a.gov.vn/go"


FONT = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"


def test_fit_shrinks_then_wraps_then_gives_up() -> None:
    rule = FitRule(max_pt=20, min_pt=11, max_lines=2, step_pt=1)
    short = fit_text("Cửa hàng VNPT Hữu Lũng", FONT, 132, rule)
    assert short is not None and short.size_pt == 20 and short.lines == 1
    longer = fit_text("Cửa hàng MobiFone Thành phố Lạng Sơn chi nhánh Đông Kinh", FONT, 132, rule)
    assert longer is not None and 11 <= longer.size_pt < 20 and longer.lines == 1
    wrapped = fit_text("Trung tâm Kinh doanh MobiFone Lạng Sơn, cửa hàng giao dịch "
                       "phường Đông Kinh, thành phố Lạng Sơn", FONT, 132, rule)
    assert wrapped is not None and wrapped.size_pt == 11 and wrapped.lines == 2
    assert fit_text("Cửa hàng " * 25, FONT, 132, rule) is None
    assert count_lines("x" * 500, FONT, 11, 132) > 2  # one unbreakable word never fits


def test_font_table_finds_missing_glyphs() -> None:
    fonts = load_font_table(TEMPLATES)
    khmer = "ដំឡើង Bluezone"
    assert fonts.missing_glyphs("km", [khmer]) == set()
    assert fonts.missing_glyphs("zh", ["安装 Bluezone，保护自己"]) == set()
    assert fonts.missing_glyphs("vi", ["Điểm hỗ trợ cài đặt ỹ Ỵ đ"]) == set()
    assert "ដ" in fonts.missing_glyphs("vi", [khmer])
    with pytest.raises(BuildError, match="U\\+13000"):
        check_glyphs(fonts, "vi", ["hieroglyph \U00013000"], "poster")


def test_css_values_refuse_markup() -> None:
    assert str(css_value("#0b5cad")) == "#0b5cad"
    assert str(css_value('"Noto Sans", sans-serif')) == '"Noto Sans", sans-serif'
    with pytest.raises(BuildError):
        css_value("red;}</style><script>")


def test_svg_and_pdf_writers_draw_the_same_modules() -> None:
    from campaign_kit.printing.qr import draw_operators, encode

    code = encode(URL, "Q")
    svg = base64.b64decode(draw(URL, 60, "Q").data_uri.split(",", 1)[1]).decode()
    dark_path = svg.split('stroke="none" d="')[1].split('"')[0]
    svg_runs = {(int(x), int(y), int(w)) for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", dark_path)}
    side = code.payload.modules_with_quiet_zone
    ops = draw_operators(URL, 0, 0, 100, "Q").symbol
    pdf_runs = {(int(x), side - 1 - int(y), int(w)) for x, y, w in re.findall(r"(\d+) (\d+) (\d+) 1 re", ops)}
    dark = {(x + QUIET_ZONE, y + QUIET_ZONE) for y, row in enumerate(code.rows) for x, v in enumerate(row) if v}
    assert svg_runs == pdf_runs and len(svg_runs) > 50
    assert {(x + i, y) for x, y, w in svg_runs for i in range(w)} == dark  # the matrix, nothing else


@pytest.mark.parametrize("width_mm", [40, 90, 132])
def test_what_the_planner_fits_the_drawer_wraps_the_same(width_mm: float) -> None:
    from campaign_kit.printing.fit import PT_PER_MM, OutlineFont, wrap

    font = OutlineFont.load(FONT)
    rule = FitRule(max_pt=20, min_pt=9, max_lines=3, step_pt=1)
    texts = ["Cửa hàng VNPT Hữu Lũng", "Điểm giao dịch Viettel Post khu công nghiệp Đồng Bành thôn Đồng Bành",
             "Bưu cục Viettel Post Đình Lập - Trung tâm khai thác và giao dịch khu vực phía Đông",
             "Số 12 đường Xương Giang, Thị trấn Hữu Lũng, Huyện Hữu Lũng"]
    fitted = 0
    for text in texts:
        fit = fit_text(text, FONT, width_mm, rule)
        if fit is None:
            continue
        fitted += 1
        lines = wrap(text, font, fit.size_pt, width_mm * PT_PER_MM)
        assert lines is not None and len(lines) <= fit.lines
        assert " ".join(lines).split() == text.split()  # broken at spaces only: no word is split
        assert all(font.width(line, fit.size_pt) <= width_mm * PT_PER_MM for line in lines)
    assert fitted >= 2
