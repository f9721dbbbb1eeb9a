"""Print shops get store items as batches (issue 16): one PDF/X-4 file per carrier, province and
format, a page per store (sorted by district, then store id) on one shared background, the QR
code and the store's text on the K plate alone, crop and registration marks and a slug line
outside the bleed naming the store and the page's build id (its item's own key). The per-store
files stay as they were: DeviceRGB, no output intent, no marks."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from campaign_kit.memo import Memo
from campaign_kit.model import Project
from campaign_kit.printing import marks
from campaign_kit.printing import stores as store_printing
from campaign_kit.printing.fit import PT_PER_MM
from campaign_kit.printing.pdfx import problems, separation
from campaign_kit.printing.render import Renderer, raster_pages

from .conftest import FEW_STORES
from .test_store_text import flat, project_with

MORE_STORES = FEW_STORES + (
    "VNPT-LS-00004,VNPT,Điểm giao dịch VNPT Hữu Lũng 2,Số 40 đường Chi Lăng,Thị trấn Hữu Lũng,"
    "Huyện Hữu Lũng,Lạng Sơn,0205 3825 104,7:30–17:00\n"
    "VNPT-LS-00003,VNPT,Cửa hàng VNPT Bắc Sơn,Số 5 phố Đồng Tiến,Thị trấn Bắc Sơn,"
    "Huyện Bắc Sơn,Lạng Sơn,0205 3825 103,7:30–17:00\n")
"""Three VNPT stores in two districts (Bắc Sơn sorts before Hữu Lũng, against their ids) and
one Viettel Post store."""


class Made:
    """A project's store items, each composed alone, and its batches."""

    def __init__(self, project: Project, printer: store_printing.StorePrinter):
        self.project = project
        self.items = store_printing.plan_store_items(project, project.stores, printer)
        self.files = {item.rel: printer.compose(item) for item in self.items}
        by_page = {(i.store_id, i.format_name): i for i in self.items}
        stores = {s.store_id: s for s in project.stores}
        self.batches = {b.rel: b for b in store_printing.plan_batches(
            (stores[i.store_id], i.format_name, i.key(printer.salt)) for i in self.items)}
        self.pages = {rel: [by_page[s.store_id, b.format_name] for s in b.stores] for rel, b in self.batches.items()}
        self.pdfs = {rel: printer.compose_batch(self.pages[rel], store_printing.batch_title(project, b),
                                                hashlib.sha256(repr(b.page_keys).encode()).hexdigest())
                     for rel, b in self.batches.items()}


@pytest.fixture(scope="module")
def printer() -> store_printing.StorePrinter:
    return store_printing.StorePrinter("vi", Renderer())


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, printer: store_printing.StorePrinter) -> Made:
    return Made(project_with(tmp_path_factory.mktemp("more") / "materials", MORE_STORES), printer)


VNPT_BANNER = "downloads/print-shop/lang-son/vnpt-banner-pdfx4.pdf"


def test_one_batch_per_carrier_province_and_format_a_page_per_store(made: Made) -> None:
    assert sorted(made.batches) == sorted(f"downloads/print-shop/lang-son/{c}-{f}-pdfx4.pdf"
                                          for c in ("vnpt", "viettelpost") for f in ("banner", "card"))
    for rel, batch in made.batches.items():
        expected = [s.store_id for s in made.project.stores
                    if s.carrier == batch.carrier and s.province == batch.province]
        assert len(PdfReader(io.BytesIO(made.pdfs[rel])).pages) == len(expected), rel
        assert sorted(s.store_id for s in batch.stores) == sorted(expected)
    # By district, then id: Bắc Sơn's store first, though its id is larger.
    assert [s.store_id for s in made.batches[VNPT_BANNER].stores] == ["VNPT-LS-00003", "VNPT-LS-00001", "VNPT-LS-00004"]


def test_every_batch_is_pdfx4_with_one_profile_and_one_background(made: Made) -> None:
    for rel, pdf in made.pdfs.items():
        assert problems(pdf) == [], rel  # every page read, not the build's sample
        reader = PdfReader(io.BytesIO(pdf))
        catalog = reader.trailer["/Root"]
        assert [i.get_object()["/S"] for i in catalog["/OutputIntents"]] == ["/GTS_PDFX"], rel
        forms = {page["/Resources"]["/XObject"].raw_get("/BG").idnum for page in reader.pages}
        assert len(forms) == 1, rel  # the background is one form XObject, drawn by every page
        assert pdf.count(b"/GTS_PDFX") == 1 and pdf.count(b"/DestOutputProfile") == 1, rel


def test_a_batch_page_prints_qr_and_text_on_k_alone(made: Made, printer: store_printing.StorePrinter) -> None:
    pdf, item = made.pdfs[VNPT_BANNER], made.pages[VNPT_BANNER][1]
    scale = 0.5  # px per mm: the banner's modules are over 10 mm
    plates = {ink: list(raster_pages(separation(pdf, ink), px_per_mm=scale))[1] for ink in "CMYK"}
    assert [c.text for c in zxingcpp.read_barcodes(plates["K"])] == [item.qr_url]
    slots = printer.layout(item.sheet).slots
    height = plates["K"].height

    def box(name: str) -> tuple[int, int, int, int]:
        s, px = slots[name], scale / PT_PER_MM
        return (int(s.x * px), int(height - (s.y + s.height) * px), int((s.x + s.width) * px),
                int(height - s.y * px))

    def ink(plate: Image.Image, area: tuple[int, int, int, int]) -> int:
        return 255 - plate.convert("L").crop(area).getextrema()[0]  # 255: solid somewhere

    for ink_name in "CMY":
        assert zxingcpp.read_barcodes(plates[ink_name]) == [], ink_name
        assert ink(plates[ink_name], box("qr")) == 0, ink_name
        # The name is not on this plate: at most the sample watermark's faint tint (28 %) crosses it.
        assert ink(plates[ink_name], box("name")) < 0.3 * 255, ink_name
    assert ink(plates["K"], box("name")) == 255 and ink(plates["K"], box("qr")) == 255


def test_a_batch_page_reads_back_its_store_and_slug(made: Made, printer: store_printing.StorePrinter) -> None:
    for rel, pdf in made.pdfs.items():
        for number, item in enumerate(made.pages[rel], 1):
            done = pdftotext_page(pdf, number)
            text = flat(done)
            assert unicodedata.is_normalized("NFC", done) and item.name in text, (rel, number)
            build = marks.build_id(item.key(printer.salt))
            assert f"store {item.store_id}" in text and f"build {build}" in text, (rel, text)
            assert item.district in text and item.fmt.title in text and marks.format_line(item.fmt) in text
            assert item.sheet.directive and item.sheet.directive in text


def pdftotext_page(pdf: bytes, number: int) -> str:
    import subprocess

    done = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), "-enc", "UTF-8", "-", "-"],
                          input=pdf, capture_output=True, check=True, timeout=30)
    return done.stdout.decode("utf-8")


def test_marks_and_slug_lie_outside_the_bleed(made: Made) -> None:
    for rel, pdf in made.pdfs.items():
        fmt = made.pages[rel][0].fmt
        for page, item in zip(PdfReader(io.BytesIO(pdf)).pages, made.pages[rel]):
            bleed = [float(v) for v in page.bleedbox]
            media = [float(v) for v in page.mediabox]
            zone = marks.ZONE_MM * PT_PER_MM
            assert media == pytest.approx([bleed[0] - zone, bleed[1] - zone, bleed[2] + zone, bleed[3] + zone])
            assert [round(float(v) / PT_PER_MM, 3) for v in page.trimbox] == [0, 0, fmt.width_mm, fmt.height_mm]
        drawn = marks.for_page(tuple(float(v) for v in page.trimbox), tuple(bleed), fmt,  # type: ignore[arg-type]
                               "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
        points = re.findall(r"(-?[\d.]+) (-?[\d.]+) [mlc]\b", marks._fixed_ops(drawn))
        assert len(points) > 20
        for x, y in ((float(a), float(b)) for a, b in points):
            outside = x < bleed[0] or x > bleed[2] or y < bleed[1] or y > bleed[3]
            assert outside and media[0] <= x <= media[2] and media[1] <= y <= media[3], (rel, x, y)
        document = pdfium.PdfDocument(pdf)
        for number, item in enumerate(made.pages[rel]):
            text = document[number].get_textpage()
            found = text.get_text_range().find(f"store {item.store_id}")
            assert found >= 0, (rel, number)
            assert text.get_charbox(found)[3] < bleed[1], rel  # below the bleed, in the mark zone


def test_store_files_stay_rgb_without_marks(made: Made) -> None:
    for rel, pdf in made.files.items():
        reader = PdfReader(io.BytesIO(pdf))
        page = reader.pages[0]
        assert "/OutputIntents" not in reader.trailer["/Root"], rel
        assert [float(v) for v in page.mediabox] == [float(v) for v in page.bleedbox], rel
        assert b"/DeviceCMYK" not in pdf and b"/Reg " not in pdf, rel
        assert len(pdf) < 80_000, (rel, len(pdf))  # no profile in it (the profile alone is 0.8 MB)


def test_a_one_store_edit_changes_its_batches_alone(tmp_path: Path, made: Made,
                                                    printer: store_printing.StorePrinter) -> None:
    edited = MORE_STORES.replace("Bưu cục Viettel Post Đình Lập", "Bưu cục Viettel Post Đình Lập 2")
    assert edited != MORE_STORES
    other = Made(project_with(tmp_path / "materials", edited), printer)
    changed = set()
    for rel, pdf in made.pdfs.items():
        same = hashlib.sha256(pdf).digest() == hashlib.sha256(other.pdfs[rel]).digest()
        assert same == (made.batches[rel].page_keys == other.batches[rel].page_keys), rel
        if not same:
            changed.add(rel)
    assert changed == {"downloads/print-shop/lang-son/viettelpost-banner-pdfx4.pdf",
                       "downloads/print-shop/lang-son/viettelpost-card-pdfx4.pdf"}


def test_a_sheet_whose_page_was_read_is_not_read_again(tmp_path: Path, made: Made,
                                                       printer: store_printing.StorePrinter,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A build reads the content of one page of each sheet it composes batches of (`batch_check`);
    a later build composing other batches of those sheets reads none, and a new memo reads again."""
    reads: list[tuple[int, ...]] = []
    check = store_printing.batch_check

    def counted(pdf: bytes, rel: str, walk: tuple[int, ...] = (1,)) -> None:
        reads.append(tuple(walk))
        check(pdf, rel, walk)

    monkeypatch.setattr(store_printing, "batch_check", counted)
    sheets = {made.pages[rel][0].sheet.digest for rel in made.batches}

    def compose(memo: Memo, build: str) -> list[tuple[int, ...]]:
        reads.clear()
        keyed = {memo.key("print-batch", rel=b.rel, build=build): b for b in made.batches.values()}
        store_printing.render_batches(made.project, keyed, 1, memo, printer.renderer)
        assert all(memo.get(key) for key in keyed)
        return sorted(reads)

    memo = Memo(tmp_path / "cache")
    assert len(sheets) > 1
    assert compose(memo, "first") == [()] * (len(made.batches) - len(sheets)) + [(1,)] * len(sheets)
    assert compose(memo, "second") == [()] * len(made.batches)
    assert compose(Memo(tmp_path / "another cache"), "third").count((1,)) == len(sheets)


def test_banner_eyelets_every_half_metre_at_most() -> None:
    from campaign_kit.materials import load_project

    from .conftest import MATERIALS

    fmt = load_project(MATERIALS).formats["store-banner"]
    holes = marks.eyelets_mm(fmt)
    inset, far_x, far_y = fmt.eyelet_inset_mm, fmt.width_mm - fmt.eyelet_inset_mm, fmt.height_mm - fmt.eyelet_inset_mm  # type: ignore[operator]
    assert {(inset, inset), (inset, far_y), (far_x, inset), (far_x, far_y)} <= set(holes)
    top = sorted(x for x, y in holes if y == far_y)
    assert max(b - a for a, b in zip(top, top[1:])) <= fmt.eyelet_spacing_mm
    assert "eyelets at most 500 mm apart" in marks.format_line(fmt)


def test_the_preview_of_a_batch_page_shows_the_trimmed_item(made: Made) -> None:
    for rel, pdf in made.pdfs.items():
        fmt = made.pages[rel][0].fmt
        image = next(raster_pages(pdf, width_px=300))
        assert image.height == pytest.approx(300 * fmt.height_mm / fmt.width_mm, abs=1.5), rel  # type: ignore[operator]


def test_a_press_page_refuses_a_colour_without_a_print_colour(made: Made, printer: store_printing.StorePrinter) -> None:
    from campaign_kit.compose.pdfpage import compose_pages

    press = printer.press(made.pages[VNPT_BANNER][0].sheet)
    assert compose_pages([(press, "0 0 0 rg 0 0 10 10 re f")])  # the QR code's black: 100 % K
    with pytest.raises(ValueError, match="no print colour"):  # what the build's sample check relies on
        compose_pages([(press, "0 0 0 rg 0 0 10 10 re f"), (press, "0.5 0.2 0.1 rg 0 0 10 10 re f")])


def test_the_builds_check_reads_every_pages_boxes(made: Made) -> None:
    from pypdf import PdfWriter

    from campaign_kit.errors import BuildError

    pdf = made.pdfs[VNPT_BANNER]
    store_printing.batch_check(pdf, VNPT_BANNER)  # as the build checks each batch it makes
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    del writer.pages[-1]["/TrimBox"]  # the last page: not one whose content the build reads
    broken = io.BytesIO()
    writer.write(broken)
    with pytest.raises(BuildError, match="page 3"):
        store_printing.batch_check(broken.getvalue(), VNPT_BANNER)
