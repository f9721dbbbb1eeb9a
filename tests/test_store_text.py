"""Store banners and cards carry their store's text as text (issue 16): the outlines drawn in the
slots have the same words under them, so `pdftotext` (poppler) and PDFium, as a print shop, the
department or a screen reader uses them, give back the store's NFC name, address and link."""

from __future__ import annotations

import shutil
import subprocess
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from campaign_kit.compose import pdfpage
from campaign_kit.materials import load_project
from campaign_kit.model import Project
from campaign_kit.printing import stores as store_printing
from campaign_kit.printing.fit import OutlineFont, wrap
from campaign_kit.printing.qr import short_url
from campaign_kit.printing.render import Renderer

from .conftest import FEW_STORES, MATERIALS, STORES

Composed = list[tuple[store_printing.StoreItem, bytes]]

# Escaped in a PDF literal string: parentheses and a backslash; written decomposed (NFD).
AWKWARD = "Cửa hàng (VNPT) Hữu Lũng \\ số 2"
# Wider than the banner's name slot on one line at its smallest size: set on two lines.
LONG = "Bưu cục Viettel Post Đình Lập - Trung tâm khai thác và giao dịch khu vực phía Đông tỉnh Lạng Sơn"


def project_with(base: Path, stores_csv: str) -> Project:
    shutil.copytree(MATERIALS, base)
    for path in (base / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (base / STORES / "few.csv").write_text(stores_csv, encoding="utf-8")
    return load_project(base)


@pytest.fixture(scope="module")
def printer() -> store_printing.StorePrinter:
    """One printer for the module: every project below has the same carriers' backgrounds."""
    return store_printing.StorePrinter("vi", Renderer())


def compose_all(project: Project, printer: store_printing.StorePrinter) -> Composed:
    assert project.default_lang == printer.lang
    items = store_printing.plan_store_items(project, project.stores, printer)
    assert {i.format_name for i in items} == {"store-banner", "store-card"}
    return [(item, printer.compose(item)) for item in items]


@pytest.fixture(scope="module")
def few(tmp_path_factory: pytest.TempPathFactory, printer: store_printing.StorePrinter) -> Composed:
    return compose_all(project_with(tmp_path_factory.mktemp("few") / "materials", FEW_STORES), printer)


@pytest.fixture(scope="module")
def awkward(tmp_path_factory: pytest.TempPathFactory, printer: store_printing.StorePrinter) -> Composed:
    rows = FEW_STORES.replace("Cửa hàng VNPT Hữu Lũng", unicodedata.normalize("NFD", AWKWARD))
    rows = rows.replace("Bưu cục Viettel Post Đình Lập,", f"{LONG},")
    return compose_all(project_with(tmp_path_factory.mktemp("awkward") / "materials", rows), printer)


def pdftotext(pdf: bytes) -> str:
    done = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True,
                          check=True, timeout=30)
    return done.stdout.decode("utf-8")


def pdfium_text(pdf: bytes) -> str:
    return str(pdfium.PdfDocument(pdf)[0].get_textpage().get_text_range())


def flat(text: str) -> str:
    """Lines joined with spaces: a wrapped name reads as the name."""
    return " ".join(text.split())


@pytest.mark.parametrize("extract", [pdftotext, pdfium_text], ids=["pdftotext", "pdfium"])
def test_each_store_item_gives_its_name_address_and_link(few: Composed, extract) -> None:
    for item, pdf in few:
        text = extract(pdf)
        assert unicodedata.is_normalized("NFC", text), item.rel
        for shown in (item.name, item.address, short_url(item.qr_url)):
            assert flat(text).count(shown) == 1, (item.rel, shown, text)  # once: no doubled text
        # The background's own text (set by WeasyPrint) is still there.
        assert item.sheet.t["banner_title"] in flat(text), item.rel


def test_each_text_lies_in_its_slot(few: Composed, printer: store_printing.StorePrinter) -> None:
    """Where the outlines are drawn, the text is: searching highlights the store's name."""
    for item, pdf in few:
        slots = printer.layout(item.sheet).slots
        page = pdfium.PdfDocument(pdf)[0].get_textpage()
        for slot, shown in (("name", item.name), ("address", item.address), ("url", short_url(item.qr_url))):
            s = slots[slot]
            assert shown in page.get_text_bounded(s.x, s.y, s.x + s.width, s.y + s.height), (item.rel, slot)


@pytest.mark.parametrize("extract", [pdftotext, pdfium_text], ids=["pdftotext", "pdfium"])
def test_escaped_characters_decomposed_input_and_wrapped_lines(
        awkward: Composed, printer: store_printing.StorePrinter, extract) -> None:
    wrapped = 0
    for item, pdf in awkward:
        assert item.name in (AWKWARD, LONG)  # the loader made the NFD row NFC
        slot = printer.layout(item.sheet).slots["name"]
        drawn = wrap(item.name, OutlineFont.load(slot.font_file), item.sizes["name"], slot.width)
        assert drawn
        text = extract(pdf)
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        # Each drawn line is a line of text, in order, with a line break (never a lost space)
        # between; parentheses and backslash intact; every word once.
        start = lines.index(drawn[0])
        assert lines[start:start + len(drawn)] == drawn, (item.rel, lines)
        assert flat(text).count(item.name) == 1, (item.rel, text)
        wrapped += len(drawn) > 1
    assert wrapped, "no page wraps the long name: the test would check no line break"
    titles = {pdfium.PdfDocument(pdf).get_metadata_dict()["Title"] for _item, pdf in awkward}
    assert AWKWARD in titles  # the document's title too


def test_the_text_changes_nothing_printed(few: Composed, printer: store_printing.StorePrinter,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The words are invisible: the page renders exactly as its outlines alone."""
    item, pdf = next((i, p) for i, p in few if i.format_name == "store-card")
    monkeypatch.setattr(pdfpage.TextLayer, "show", lambda self, *args: "")
    outlines_only = printer.compose(item)
    assert outlines_only != pdf and item.name not in pdfium_text(outlines_only)

    def pixels(data: bytes) -> bytes:
        return bytes(pdfium.PdfDocument(data)[0].render(scale=0.5).to_pil().convert("RGB").tobytes())

    assert pixels(pdf) == pixels(outlines_only)


def test_two_fonts_and_characters_past_two_bytes() -> None:
    """Each outline font has its own widths; a character no two-byte code holds reads as U+FFFD
    and does not swallow its neighbours."""
    bold = OutlineFont.load("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf")
    regular = OutlineFont.load("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
    background = pdfpage.Background.from_pdf(pdfpage.single_page_pdf("", (0, 0, 400, 200)))
    layer = pdfpage.TextLayer()
    ops = [bold.draw("Đình Lập", 10, 150, 20), layer.show(bold, "Đình Lập", 20, 10, 150),
           layer.show(regular, "Số 2 \U0001f600 ngõ (3)", 12, 10, 100)]
    pdf = background.compose("\n".join(ops), text=layer)
    text = pdfium_text(pdf)
    assert "Đình Lập" in text and "Số 2 \ufffd ngõ (3)" in text
    assert pdftotext(pdf).split() == ["Đình", "Lập", "Số", "2", "\ufffd", "ngõ", "(3)"]
    page = pdfium.PdfDocument(pdf)[0].get_textpage()
    left, _, right, _ = page.get_charbox(text.index("p"))  # the last letter ends where its outline does
    assert right == pytest.approx(10 + bold.width("Đình Lập", 20), abs=0.5) and left > 10
