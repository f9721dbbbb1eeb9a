"""The print stage, really run: WeasyPrint PDFs checked for boxes, fonts, QR codes read back with
zxing-cpp from a PDFium rendering, text inside the trim box, the overflow error and the cache.

One small build (two stores) is shared by the module; regenerate nothing by hand.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Iterator

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from campaign_kit.errors import ContentError
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.model import Project
from campaign_kit.pipeline import Options, build
from campaign_kit.printing import stores as store_printing
from campaign_kit.printing.general import general_directive
from campaign_kit.printing.render import Renderer

from .conftest import STORES

ROOT = Path(__file__).resolve().parent.parent
PT = 72 / 25.4
STORES_CSV = (
    "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
    "VNPT-LS-00001,VNPT,Cửa hàng VNPT Hữu Lũng,Số 12 đường Xương Giang,Thị trấn Hữu Lũng,"
    "Huyện Hữu Lũng,Lạng Sơn,0205 3825 100,7:30–17:30\n"
    "VTP-LS-00002,Viettel Post,Bưu cục Viettel Post Đình Lập - Trung tâm khai thác và giao dịch "
    "khu vực phía Đông tỉnh Lạng Sơn,Khu 2 thị trấn Đình Lập,"
    "Thị trấn Đình Lập,Huyện Đình Lập,Lạng Sơn,0912 345 678,7:00–21:00 hằng ngày\n")


def make_materials(target: Path, stores_csv: str = STORES_CSV) -> Path:
    shutil.copytree(ROOT / "materials", target)
    for path in (target / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (target / STORES / "few.csv").write_text(stores_csv, encoding="utf-8")
    return target


def build_stage(base: Path, stage: str) -> tuple[Path, Project, dict[str, dict]]:
    """`make_materials` under `base`, built with only `stage`: the output, the project, and the
    manifest's entries by path."""
    materials = make_materials(base / "materials")
    out = base / "site"
    build(materials, out, Options(only=(stage,), cache=base / "cache"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, load_project(materials), {e["path"]: e for e in manifest["files"]}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Project, dict[str, dict]]:
    return build_stage(tmp_path_factory.mktemp("print"), "print")


def boxes(pdf: Path) -> Iterator[tuple[list[float], list[float], list[float]]]:
    for page in PdfReader(pdf).pages:
        yield ([float(v) for v in page.mediabox], [float(v) for v in page.trimbox],
               [float(v) for v in page.bleedbox])


def decode(pdf: Path, page: int = 0, dpi: float = 150) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    image = doc[page].render(scale=dpi / 72).to_pil()
    return [r.text for r in zxingcpp.read_barcodes(image)]


def test_every_general_item_per_language(built) -> None:
    out, project, files = built
    for lang in project.languages:
        for name, fmt in project.formats.items():
            if fmt.kind not in ("poster", "leaflet", "standee"):
                continue
            rel = f"downloads/print/{lang.code}/{name}.pdf"
            entry = files[rel]
            assert entry["kind"] == fmt.kind and entry["lang"] == lang.code and entry["format"] == name
            assert entry["directive"] == general_directive(project, lang.code).reference
            preview = f"downloads/previews/print/{lang.code}/{name}.png"
            assert files[preview]["kind"] == "preview" and files[preview]["preview_of"] == rel
            assert len(PdfReader(out / rel).pages) == (2 if fmt.kind == "leaflet" else 1)


@pytest.mark.parametrize("name", ["poster-a4", "leaflet-a5", "standee-80x200", "store-banner"])
def test_media_trim_and_bleed_boxes(built, name: str) -> None:
    out, project, files = built
    fmt = project.formats[name]
    from campaign_kit.printing.marks import ZONE_MM

    rels = [p for p, e in files.items() if e.get("format") == name and p.endswith(".pdf")]
    w, h, b = fmt.width_mm * PT, fmt.height_mm * PT, fmt.bleed_mm * PT
    # The print twins (`-pdfx4.pdf`, print-shop batches) add a mark zone around the bleed.
    twins = [rel for rel in rels if files[rel].get("variant") or files[rel]["kind"] == "print-batch"]
    assert twins and len(twins) < len(rels)
    for rel in rels:
        zone = ZONE_MM * PT if rel in twins else 0
        for media, trim, bleed in boxes(out / rel):
            assert trim[2] - trim[0] == pytest.approx(w, abs=0.01)
            assert trim[3] - trim[1] == pytest.approx(h, abs=0.01)
            assert bleed[2] - bleed[0] == pytest.approx(w + 2 * b, abs=0.01)
            assert bleed[3] - bleed[1] == pytest.approx(h + 2 * b, abs=0.01)
            # The whole bleed (a banner's 3 cm hem) is declared; marks lie beyond it.
            assert media == pytest.approx([bleed[0] - zone, bleed[1] - zone, bleed[2] + zone, bleed[3] + zone])


def test_fonts_embedded_and_khmer_present(built) -> None:
    out, _, _ = built
    reader = PdfReader(out / "downloads/print/km/poster-a4.pdf")
    names = []
    for font in reader.pages[0]["/Resources"]["/Font"].values():
        font = font.get_object()
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        descriptor = descendant["/FontDescriptor"].get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
        names.append(str(font["/BaseFont"]))
    assert any("Khmer" in n for n in names), names
    text = pdfium.PdfDocument(out / "downloads/print/km/poster-a4.pdf")[0].get_textpage().get_text_range()
    # Shaped clusters map back to Khmer letters (PDFium's reading order of clusters varies).
    assert sum("\u1780" <= ch <= "\u17ff" for ch in text) > 200


def test_general_qr_codes_decode_to_the_go_page(built) -> None:
    out, project, _ = built
    assert decode(out / "downloads/print/vi/poster-a4.pdf") == [project.go_url()]
    assert decode(out / "downloads/print/zh/leaflet-a5.pdf", page=1) == [project.go_url()]
    assert decode(out / "downloads/print/km/standee-60x160.pdf", dpi=20) == [project.go_url()]


def test_store_items_carry_their_own_qr_code(built) -> None:
    out, project, files = built
    directive = store_printing.store_directive(project).reference
    for store in project.stores:
        for suffix, kind, dpi in (("banner", "store-banner", 12), ("card", "store-card", 200)):
            rel = store_printing.store_rel(store, kind)
            entry = files[rel]
            assert entry["kind"] == kind and entry["store_id"] == store.store_id
            assert entry["carrier"] == store.carrier and entry["directive"] == directive
            assert decode(out / rel, dpi=dpi) == [project.go_url(store)]
            text = pdfium.PdfDocument(out / rel)[0].get_textpage().get_text_range()
            assert directive in text and project.settings.hotline in text
            flat = " ".join(text.split())  # both show the three install steps (lines joined back)
            steps = project.text(project.default_lang, "steps")
            assert all(" ".join(str(step).split()) in flat for step in steps)


def test_store_text_is_drawn_in_its_slots_inside_the_safe_area(built) -> None:
    """Store texts are vector outlines set in the template's slots (not extractable text): the
    slots lie inside the safe area, and each slot of a real store page has ink in it."""
    import pypdfium2 as pdfium

    out, project, _ = built
    store = project.stores[0]
    printer = store_printing.StorePrinter(project.default_lang, Renderer())
    for item in store_printing.plan_store_items(project, [store], printer):
        layout = printer.layout(item.sheet)
        fmt = item.fmt
        safe = fmt.safe_mm * PT
        assert {"qr", "url", "name", "address"} <= set(layout.slots)
        page = pdfium.PdfDocument(out / item.rel)[0]
        left, bottom, *_ = page.get_mediabox()
        scale = 400 / (fmt.width_mm * PT)
        image = page.render(scale=scale).to_pil().convert("L")
        for slot in layout.slots.values():
            assert slot.inside((safe, safe, fmt.width_mm * PT - safe, fmt.height_mm * PT - safe)), slot.name
            if slot.name == "meta" and not item.meta:
                continue
            x0, x1 = (slot.x - left) * scale, (slot.x + slot.width - left) * scale
            y1 = image.height - (slot.y - bottom) * scale
            y0 = y1 - slot.height * scale
            crop = image.crop((int(x0), int(y0), int(x1) + 1, int(y1) + 1))
            assert crop.getextrema()[0] < 128, (item.rel, slot.name)  # something dark is drawn there


def _char_boxes(pdf: Path) -> Iterator[tuple[str, tuple[float, float, float, float], tuple[float, ...]]]:
    doc = pdfium.PdfDocument(pdf)
    for page in doc:
        trim = page.get_trimbox()
        textpage = page.get_textpage()
        for i in range(textpage.count_chars()):
            ch = textpage.get_text_range(i, 1)
            if ch.strip():
                yield ch, textpage.get_charbox(i), trim


@pytest.mark.parametrize("rel", ["downloads/print/vi/poster-a4.pdf", "downloads/print/km/leaflet-a5.pdf",
                                 "downloads/print/zh/standee-80x200.pdf"])
def test_text_inside_trim_box(built, rel: str) -> None:
    out, project, _ = built
    chars = list(_char_boxes(out / rel))
    assert len(chars) > 100
    for ch, (left, bottom, right, top), (tl, tb, tr, tt) in chars:
        assert tl <= left and right <= tr and tb <= bottom and top <= tt, ch


def test_store_text_inside_safe_area(built) -> None:
    out, project, files = built
    for rel, entry in files.items():
        if entry["kind"] not in ("store-banner", "store-card"):
            continue
        fmt = project.formats[entry["format"]]
        safe = fmt.safe_mm * PT * 0.99
        for ch, (left, bottom, right, top), (tl, tb, tr, tt) in _char_boxes(out / rel):
            assert tl + safe <= left and right <= tr - safe, (rel, ch)
            assert tb + safe <= bottom and top <= tt - safe, (rel, ch)


def test_standee_keeps_the_base_band_clear(built) -> None:
    out, project, _ = built
    fmt = project.formats["standee-80x200"]
    band = fmt.base_band_mm * PT
    for _, (_, bottom, _, _), (_, tb, _, _) in _char_boxes(out / "downloads/print/vi/standee-80x200.pdf"):
        assert bottom >= tb + band


def test_name_too_long_names_row_and_field(tmp_path: Path) -> None:
    # Under the loader's 150-character limit, but one word ("Viettel-Lạng-Sơn-…", never split)
    # is wider than the card.
    long_name = "Cửa hàng giao dịch " + "-".join(["Viettel-Lạng-Sơn"] * 7)
    rows = STORES_CSV + (f"VT-LS-00003,Viettel,{long_name},Số 1 đường Lê Lợi,Phường Vĩnh Trại,"
                         "Thành phố Lạng Sơn,Lạng Sơn,0912 000 111,8:00–17:00\n")
    project = load_project(make_materials(tmp_path / "materials", rows))
    with pytest.raises(ContentError) as caught:
        store_printing.plan_store_items(project, project.stores,
                                        store_printing.StorePrinter(project.default_lang, Renderer()))
    problems = caught.value.problems
    assert {(p.file, p.line, p.field) for p in problems} == {("materials/kits/lang-son/stores/few.csv", 4, "name")}
    assert "VT-LS-00003" in str(problems[0]) and "row 4" in str(problems[0])


def test_cache_renders_only_what_changed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    one_store = "\n".join(STORES_CSV.splitlines()[:2]) + "\n"
    project = load_project(make_materials(tmp_path / "m1", one_store))
    cache = Memo(tmp_path / "cache")
    first = [item.path for item in store_printing.render_store_items(project, project.stores, 1, cache)]
    assert len(first) == 2 and all(Path(path).is_file() for path in first)
    rendered: list[str] = []
    real = store_printing.render_batch

    def counting(batch):  # type: ignore[no-untyped-def]
        rendered.extend(i.rel for i in batch[0])
        return real(batch)

    monkeypatch.setattr(store_printing, "render_batch", counting)
    list(store_printing.render_store_items(project, project.stores, 1, cache))
    assert rendered == []  # nothing changed: nothing rendered
    edited = load_project(make_materials(tmp_path / "m2", one_store.replace("Số 12", "Số 14")))
    list(store_printing.render_store_items(edited, edited.stores, 1, cache))
    assert sorted(rendered) == sorted(store_printing.store_rel(edited.stores[0], k)
                                      for k in ("store-banner", "store-card"))


def test_unchanged_store_rows_are_not_planned_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="campaign_kit")
    project = load_project(make_materials(tmp_path / "m1", STORES_CSV))
    cache = Memo(tmp_path / "cache")

    def run(p: Project, context: str) -> tuple[list[str], str]:
        caplog.clear()
        paths = [item.path for item in store_printing.render_store_items(p, p.stores, 1, cache,
                                                                          context=context)]
        return paths, re.findall(r"\((\d+) stores planned again\)", caplog.text)[-1]

    first, planned = run(project, "materials A")
    assert planned == str(len(project.stores))
    assert run(project, "materials A") == (first, "0")  # same rows, same context: looked up
    assert run(project, "materials B") == (first, str(len(project.stores)))  # other materials: planned
    edited = load_project(make_materials(tmp_path / "m2", STORES_CSV.replace("Số 12", "Số 14")))
    paths, planned = run(edited, "materials B")
    assert planned == "1" and len(set(paths) - set(first)) == 2  # the edited store's two items


def test_two_builds_are_byte_identical(built, tmp_path: Path) -> None:
    out, _, files = built
    materials = make_materials(tmp_path / "materials")
    again = tmp_path / "site"
    build(materials, again, Options(only=("print",), cache=tmp_path / "cache"))
    for rel in files:
        assert hashlib.sha256((again / rel).read_bytes()).hexdigest() == files[rel]["sha256"], rel


def test_a_qr_code_that_reads_back_wrong_fails_the_build(built) -> None:
    from campaign_kit.errors import BuildError
    from campaign_kit.printing.checks import check_qr_pdf
    from campaign_kit.printing.qr import draw

    out, project, _ = built
    pdf = (out / "downloads/print/vi/poster-a4.pdf").read_bytes()
    other = draw(project.go_url() + "x/", 80)
    with pytest.raises(BuildError, match="poster-a4.*decodes to"):
        check_qr_pdf(pdf, [(other.payload, other.symbol_mm)], ["downloads/print/vi/poster-a4.pdf"])


def test_weasyprint_warnings_and_extra_pages_fail() -> None:
    from campaign_kit.errors import BuildError
    from campaign_kit.printing.render import require_pages

    renderer = Renderer()
    with pytest.raises(BuildError, match="card.pdf: WeasyPrint"):
        renderer.pdf("<style>p { color: notacolour; }</style><p>x</p>", "card.pdf")
    two_pages = renderer.pdf('<p>a</p><p style="page-break-before: always">b</p>', "x")
    with pytest.raises(BuildError, match="expected 1 page"):
        require_pages(two_pages, 1, "poster")


def test_a_character_without_glyph_fails_the_build(tmp_path: Path) -> None:
    """Refused before anything is made (`check` says the same), naming file, line and field."""
    materials = make_materials(tmp_path / "materials")
    texts = materials / "text" / "vi.print.yml"
    texts.write_text(texts.read_text(encoding="utf-8").replace(
        "why_title: Vì sao nên cài {app_name}?", "why_title: Vì sao nên cài {app_name}? \U00013000"),
        encoding="utf-8")
    with pytest.raises(ContentError) as refused:
        build(materials, tmp_path / "site", Options(only=("print",), cache=tmp_path / "cache"))
    assert re.match(r"materials/text/vi\.print\.yml, line \d+, why_title: U\+13000",
                    str(refused.value.problems[0])), refused.value.problems
    assert not (tmp_path / "site").exists()


def test_text_off_the_sheet_fails() -> None:
    from campaign_kit.errors import BuildError
    from campaign_kit.printing.checks import check_text_inside

    renderer = Renderer()
    inside = renderer.pdf('<style>@page { size: A5; margin: 10mm }</style><p>Cửa hàng</p>', "ok")
    check_text_inside(inside, 8, ["ok"])
    off = renderer.pdf('<style>@page { size: A5; margin: 0 }</style>'
                       '<p style="position: absolute; left: 140mm; white-space: nowrap">Cửa hàng VNPT</p>', "off")
    with pytest.raises(BuildError, match="off: text runs outside the trim box"):
        check_text_inside(off, 0, ["off"])
    with pytest.raises(BuildError, match="safe area"):
        check_text_inside(inside, 12, ["ok"])


def test_other_banner_and_card_sizes_scale_the_design(tmp_path: Path) -> None:
    one_store = "\n".join(STORES_CSV.splitlines()[:2]) + "\n"
    materials = make_materials(tmp_path / "materials", one_store)
    with (materials / "formats.yml").open("a", encoding="utf-8") as f:
        f.write("  store-banner-200x60:\n    kind: store-banner\n    title: Băng rôn 200×60 cm\n"
                "    template: store_banner.html.j2\n    width_mm: 2000\n    height_mm: 600\n"
                "    bleed_mm: 30\n    safe_mm: 45\n    viewing_distance_m: 3.5\n"
                "  store-card-a6:\n    kind: store-card\n    title: Thẻ quầy A6\n"
                "    template: store_card.html.j2\n    width_mm: 105\n    height_mm: 148\n"
                "    bleed_mm: 3\n    safe_mm: 6\n    viewing_distance_m: 0.4\n")
    project = load_project(materials)
    made = {name: path for _, name, _, path, _, _ in store_printing.render_store_items(
        project, project.stores, 1, Memo(tmp_path / "cache"))}
    assert set(made) == {"store-banner", "store-card", "store-banner-200x60", "store-card-a6"}
    assert store_printing.store_rel(project.stores[0], "store-card-a6").endswith("-store-card-a6.pdf")
    for name in ("store-banner-200x60", "store-card-a6"):
        fmt = project.formats[name]
        media, trim, _ = next(boxes(made[name]))
        assert trim[2] - trim[0] == pytest.approx(fmt.width_mm * PT, abs=0.01)
        assert media[3] - media[1] == pytest.approx((fmt.height_mm + 2 * fmt.bleed_mm) * PT, abs=0.01)
        assert decode(made[name], dpi=15 if fmt.kind == "store-banner" else 200) == [project.go_url(project.stores[0])]



def test_store_pdfs_do_not_depend_on_what_the_cache_held(tmp_path: Path) -> None:
    """Two stores of one carrier and district share a document; after one is edited and edited
    back, the outputs equal a fresh build's, byte for byte."""
    rows = STORES_CSV + ("VNPT-LS-00009,VNPT,Điểm giao dịch VNPT Đồng Tân,Xã Đồng Tân,Xã Đồng Tân,"
                         "Huyện Hữu Lũng,Lạng Sơn,0205 3825 999,7:30–17:30\n")
    original = load_project(make_materials(tmp_path / "a", rows))
    edited = load_project(make_materials(tmp_path / "b", rows.replace("Số 12", "Số 14")))

    def outputs(project: Project, cache: Path) -> dict[str, bytes]:
        return {item.rel: Path(item.path).read_bytes()
                for item in store_printing.render_store_items(project, project.stores, 1, memos.setdefault(
                    cache, Memo(cache)))}
    memos: dict[Path, Memo] = {}

    fresh = outputs(original, tmp_path / "fresh")
    outputs(edited, tmp_path / "history")
    outputs(original, tmp_path / "history")  # the edit reverted, with the edited batch cached
    outputs(edited, tmp_path / "history")
    assert outputs(original, tmp_path / "history") == fresh


CMYK_PROFILE = Path("/usr/share/color/icc/ghostscript/default_cmyk.icc")  # Debian's libgs-common


def test_planned_sizes_come_from_the_template_slots(built) -> None:
    """The template is the one place the boxes are given: each store's text is sized by its
    slot's own rule and width, and the composer's wrap at that size fits the slot."""
    from campaign_kit.printing.fit import OutlineFont, wrap

    _, project, _ = built
    printer = store_printing.StorePrinter(project.default_lang, Renderer())
    items = store_printing.plan_store_items(project, project.stores, printer)
    assert {i.format_name for i in items} == {"store-banner", "store-card"}
    for item in items:
        slots = printer.layout(item.sheet).slots
        for field, text in (("title", item.sheet.t["banner_title"]), ("name", item.name),
                            ("address", item.address)):
            slot, size = slots[field], item.sizes[field]
            assert slot.fit is not None and slot.fit.min_pt <= size <= slot.fit.max_pt, (item.rel, field)
            lines = wrap(text, OutlineFont.load(slot.font_file), size, slot.width)
            assert lines is not None and len(lines) <= slot.max_lines == slot.fit.max_lines
            assert len(lines) * size * slot.line_height <= slot.height + 0.01


def test_worker_processes_compose_the_same_bytes(tmp_path: Path) -> None:
    """The build's printer goes to each worker without its backgrounds (read from the cache)."""
    project = load_project(make_materials(tmp_path / "materials"))

    def outputs(jobs: int, cache: Path) -> dict[str, bytes]:
        return {item.rel: Path(item.path).read_bytes() for item in store_printing.render_store_items(
            project, project.stores, jobs, Memo(cache), batch=1)}

    assert outputs(2, tmp_path / "two") == outputs(1, tmp_path / "one")
