"""The per-store composer: fitting, vector text, QR codes read back, valid and stable PDFs."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from pypdf import PdfReader

from campaign_kit.compose.slots import SlotOverflow, StoreLayout, layout_from_document
from campaign_kit.printing.fit import OutlineFont, wrap
from campaign_kit.printing.qr import decode_drawing, decode_region

REGULAR = "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf"
BOLD = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"
VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ")

TEMPLATE = """<html><body><div class="page">
<h1>Điểm hỗ trợ cài đặt</h1>
<div class="name" data-slot="name" data-max-lines="2"></div>
<div class="qr" data-slot="qr"></div>
</div></body></html>"""
CSS_TEXT = """@page { size: 300mm 100mm; margin: 0; bleed: 5mm; background: #0067b1 }
body { margin: 0; font-family: "Noto Sans"; color: white }
.page { position: relative; height: 100mm }
h1 { position: absolute; left: 10mm; top: 5mm; margin: 0; font-size: 30pt }
.name { position: absolute; left: 10mm; top: 40mm; width: 180mm; height: 40mm; font-size: 40pt;
        font-weight: bold; color: #f9b200; text-align: left; line-height: 1.1 }
.qr { position: absolute; left: 210mm; top: 10mm; width: 80mm; height: 80mm }"""


def resolve(families: tuple[str, ...], weight: int) -> tuple[str, int]:
    assert families[0] == "Noto Sans"
    return (BOLD if weight >= 600 else REGULAR), 0


@pytest.fixture(scope="module")
def layout() -> StoreLayout:
    from weasyprint import CSS, HTML

    document = HTML(string=TEMPLATE).render(stylesheets=[CSS(string=CSS_TEXT)])
    return layout_from_document(document, document.write_pdf(), resolve)


def test_fonts_cover_every_vietnamese_letter() -> None:
    for path in (REGULAR, BOLD):
        font = OutlineFont.load(path)
        assert font.missing(VIETNAMESE + VIETNAMESE.upper()) == []
        assert font.missing("ក") == ["ក"]


def test_wrap_breaks_at_words_within_the_width() -> None:
    font = OutlineFont.load(BOLD)
    assert wrap("Cửa hàng VNPT", font, 40, 500) == ["Cửa hàng VNPT"]
    lines = wrap("Điểm giao dịch Viettel Post khu công nghiệp Đồng Bành thôn Đồng Bành", font, 20, 300)
    assert lines is not None and len(lines) >= 2
    assert " ".join(lines) == "Điểm giao dịch Viettel Post khu công nghiệp Đồng Bành thôn Đồng Bành"
    assert all(font.width(line, 20) <= 300 for line in lines)
    assert wrap("Đồngbànhđồngbànhđồngbànhđồngbành", font, 40, 100) is None


def test_slots_come_from_the_template(layout: StoreLayout) -> None:
    name, qr = layout.slots["name"], layout.slots["qr"]
    mm = 72 / 25.4
    assert (round(name.x / mm), round(name.width / mm), round(name.height / mm)) == (10, 180, 40)
    assert round(name.y / mm) == 100 - 40 - 40  # PDF y grows upwards from the trim box
    assert name.css_size == 40 and name.line_height == 1.1 and name.max_lines == 2
    assert name.font_file == BOLD and name.align == "left"
    assert [round(c, 2) for c in name.colour] == [0.98, 0.7, 0.0]
    assert round(qr.width / mm) == 80


def test_store_page_keeps_the_boxes_and_its_qr_reads_back(layout: StoreLayout) -> None:
    url = "https://bluezone.langson.gov.vn/go/vnpt-ls-00001/"
    pdf, qr = layout.render({"name": ("Cửa hàng VNPT Hữu Lũng", 40)}, url, 200)
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    mm = 72 / 25.4
    assert [round(v / mm) for v in page.trimbox] == [0, 0, 300, 100]
    assert [round(v / mm) for v in page.mediabox] == [-5, -5, 305, 105]
    assert decode_region(pdf, qr.box, 3, qr.modules, layout.background.media_box[:2]) == [url]
    assert qr.modules == len(__import__("segno").make_qr(url, error="m").matrix) + 8
    # Same input, same bytes: no dates, stable object order, content-derived file id.
    assert layout.render({"name": ("Cửa hàng VNPT Hữu Lũng", 40)}, url, 200)[0] == pdf
    assert layout.render({"name": ("Cửa hàng VNPT Hữu Lũng 2", 40)}, url, 200)[0] != pdf
    assert abs(qr.box[2] - 200) < 0.01 and qr.box[0] >= layout.slots["qr"].x


def test_the_page_renders_the_store_name(layout: StoreLayout) -> None:
    import pypdfium2 as pdfium

    pdf, _ = layout.render({"name": ("Cửa hàng VNPT", 40)}, "https://bluezone.langson.gov.vn/go/x/", 200)
    image = pdfium.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    # The name slot is drawn in the slot's colour (#f9b200) on the carrier's blue.
    mm = image.width / 310
    crop = image.crop((int(15 * mm), int(50 * mm), int(120 * mm), int(80 * mm)))
    colours = {pixel for _count, pixel in crop.getcolors(maxcolors=1 << 20)}
    assert any(r > 230 and 150 < g < 200 and b < 60 for r, g, b in colours)


def test_overflow_names_the_slot(layout: StoreLayout) -> None:
    url = "https://bluezone.langson.gov.vn/go/x/"
    with pytest.raises(SlotOverflow) as info:  # three lines at 40 pt in a two-line box
        layout.render({"name": ("Cửa hàng " * 12, 40)}, url, 200)
    assert info.value.slot == "name"
    assert "does not fit its place (name) at 40 pt" in str(info.value)
    with pytest.raises(SlotOverflow) as info:  # a code larger than its box
        layout.render({"name": ("Cửa hàng", 40)}, url, 400)
    assert info.value.slot == "qr"


def test_the_code_read_alone_is_the_code_on_the_page(layout: StoreLayout) -> None:
    url = "https://bluezone.langson.gov.vn/go/viettel-ls-00042/"
    pdf, qr = layout.render({"name": ("Cửa hàng Viettel Đồng Đăng", 40)}, url, 200, "q")
    on_page = decode_region(pdf, qr.box, 6, qr.modules, layout.background.media_box[:2])
    assert decode_drawing(qr, 6) == on_page == [url]
    assert qr.ops.endswith(f"cm\n{qr.symbol} Q")  # the page draws the decoded operators, scaled
    # The check can fail: the same symbol with its dark modules left out reads as nothing.
    light_only = replace(qr, symbol=qr.symbol.split("\n0 0 0 rg")[0])
    assert decode_drawing(light_only, 6) == []
    # One symbol at another size (a store's card) reads the same.
    small = layout.render({"name": ("Cửa hàng Viettel Đồng Đăng", 40)}, url, 120, "q")[1]
    assert small.symbol == qr.symbol and decode_drawing(small, 6) == [url]


def test_a_slot_whose_own_text_runs_over_is_refused() -> None:
    from weasyprint import CSS, HTML

    from campaign_kit.compose.slots import read_slots

    over = TEMPLATE.replace('data-max-lines="2"></div>',
                            f'data-max-lines="2"><div>{"Cửa hàng VNPT " * 30}</div></div>')
    document = HTML(string=over).render(stylesheets=[CSS(string=CSS_TEXT)])
    with pytest.raises(ValueError, match="slot 'name' runs over its box"):
        read_slots(document, resolve)
    fits = HTML(string=TEMPLATE).render(stylesheets=[CSS(string=CSS_TEXT)])
    assert set(read_slots(fits, resolve)) == {"name", "qr"}
