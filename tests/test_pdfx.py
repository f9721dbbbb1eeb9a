"""The press files: every poster, leaflet and standee also comes as PDF/X-4 in CMYK under the
shipped profile (materials/print/), checked by `printing.pdfx` (no PDF/X validator installs
here: README, Print files), separated into plates to see the QR code and the body text on K
alone, and the campaign's print colours checked against its screen colours through the profile.

One small build (two stores, the default kit) is shared by the module.
"""

from __future__ import annotations

import io
import json
import math
import re
import shutil
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml
import zxingcpp
from PIL import Image, ImageCms
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, FloatObject

from campaign_kit.errors import ContentError
from campaign_kit.materials import load_project
from campaign_kit.model import Project
from campaign_kit.pipeline import Options, build
from campaign_kit.printing.pdfx import SMALL_TEXT_PT, problems, separation
from campaign_kit.printing.render import raster_pages

from .conftest import MATERIALS

GENERAL = ("poster", "leaflet", "standee")
PROFILE = MATERIALS / "print" / "ISOcoated_v2_300_bas.icc"
KIT = "binh-phuoc"
DROPPED = ("standee-80x200",)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Project, dict[str, dict]]:
    base = tmp_path_factory.mktemp("pdfx")
    materials = Path(shutil.copytree(MATERIALS, base / "materials"))
    formats = yaml.safe_load((materials / "formats.yml").read_text(encoding="utf-8"))
    for name in DROPPED:  # the same template at another size: time saved
        del formats["formats"][name]
    (materials / "formats.yml").write_text(yaml.safe_dump(formats, allow_unicode=True), encoding="utf-8")
    campaign = materials / "campaign.yml"  # Vietnamese, Khmer and Chinese: every script printed
    campaign.write_text(re.sub(r"\n  - code: en\n(    .*\n)+", "\n", campaign.read_text(encoding="utf-8")),
                        encoding="utf-8")
    for path in (materials / "text").glob("en.*"):
        path.unlink()
    out = base / "site"
    # Bình Phước's kit: no letter of its own asks for store banners, so the general items alone.
    build(materials, out, Options(only=("print",), cache=base / "cache", jobs=2, kit=KIT))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, load_project(materials, kit=KIT), {e["path"]: e for e in manifest["files"]}


def pdfx_files(project: Project) -> list[str]:
    return [f"downloads/print/{lang.code}/{name}-pdfx4.pdf" for name, fmt in sorted(project.formats.items())
            if fmt.kind in GENERAL for lang in project.languages]


def test_every_general_item_has_a_pdfx4_twin(built) -> None:
    out, project, files = built
    rels = pdfx_files(project)
    assert len(rels) == 4 * len(project.languages)
    for rel in rels:
        entry = files[rel]
        assert entry["variant"] == "pdf/x-4" and entry["kind"] in GENERAL, rel
        pdf = (out / rel).read_bytes()
        assert problems(pdf) == [], rel
        reader, twin = PdfReader(io.BytesIO(pdf)), PdfReader(out / rel.replace("-pdfx4", ""))
        intent = reader.trailer["/Root"]["/OutputIntents"][0].get_object()
        assert intent["/DestOutputProfile"].get_object().get_data() == PROFILE.read_bytes()
        assert str(intent["/OutputConditionIdentifier"]) == "ISO Coated v2 300% (basICColor)"
        assert len(reader.pages) == len(twin.pages)
        for page, rgb in zip(reader.pages, twin.pages):
            assert list(page.trimbox) == list(rgb.trimbox) and list(page.bleedbox) == list(rgb.bleedbox)


def test_the_rgb_file_is_what_the_checker_refuses(built) -> None:
    """The checker can fail: the screen file (sRGB, no output intent) breaks its rules, and so
    does a press file edited to paint in RGB, to lose its trim box, or to set small text in
    four-colour black."""
    out, _, _ = built
    rgb = problems((out / "downloads/print/vi/poster-a4.pdf").read_bytes())
    assert any("GTS_PDFX output intents" in p for p in rgb)
    assert any("DeviceRGB" in p for p in rgb)
    assert any("XMP" in p for p in rgb)

    pdf = (out / "downloads/print/vi/poster-a4-pdfx4.pdf").read_bytes()

    def edited(change) -> bytes:
        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
        change(writer.pages[0], writer)
        buffer = io.BytesIO()
        writer.write(buffer)
        return buffer.getvalue()

    def paint_rgb(page, writer) -> None:
        content = ContentStream(page.get_contents(), writer)
        content.operations.insert(0, ([FloatObject(1), FloatObject(0), FloatObject(0)], b"rg"))
        page.replace_contents(content)

    def rich_black(page, writer) -> None:  # in the page's design: the form the press page draws
        form = page["/Resources"]["/XObject"]["/BG"]
        content = ContentStream(form, writer)
        content.operations = [(ops if op != b"scn" or [float(v) for v in ops] != [0, 0, 0, 1]
                               else [FloatObject(v) for v in (0.6, 0.5, 0.5, 1)], op)
                              for ops, op in content.operations]
        form.set_data(content.get_data())

    def drop_trim(page, writer) -> None:
        del page["/TrimBox"]

    assert any("DeviceRGB (rg)" in p for p in problems(edited(paint_rgb)))
    assert any("TrimBox" in p for p in problems(edited(drop_trim)))
    black = problems(edited(rich_black))
    assert any(f"black text under {SMALL_TEXT_PT:g} pt must be K alone" in p for p in black), black


def _ink(image: Image.Image) -> Image.Image:
    """A plate rendered in grey: 255 where the plate prints solid, 0 where it leaves the paper."""
    return Image.eval(image.convert("L"), lambda v: 255 - v)


@pytest.mark.parametrize(("rel", "scale"), [  # px per mm: 4 px or more to a QR module
    ("downloads/print/vi/poster-a4-pdfx4.pdf", 4), ("downloads/print/km/leaflet-a5-pdfx4.pdf", 8),
    ("downloads/print/zh/standee-60x160-pdfx4.pdf", 1)])
def test_qr_code_and_body_text_are_on_the_k_plate_alone(built, rel: str, scale: float) -> None:
    out, project, _ = built
    pdf = (out / rel).read_bytes()
    rendered = {ink: list(raster_pages(separation(pdf, ink), px_per_mm=scale)) for ink in "CMYK"}
    for page, k_plate in enumerate(rendered["K"]):
        codes = zxingcpp.read_barcodes(k_plate)
        assert [c.text for c in codes] == [project.go_url()], (rel, page)
        position = codes[0].position
        corners = [position.top_left, position.top_right, position.bottom_left, position.bottom_right]
        box = (min(p.x for p in corners), min(p.y for p in corners),
               max(p.x for p in corners) + 1, max(p.y for p in corners) + 1)
        assert _ink(k_plate.crop(box)).getextrema()[1] == 255  # solid K modules
        for ink in "CMY":
            plate = rendered[ink][page]
            assert zxingcpp.read_barcodes(plate) == [], (rel, ink)
            assert _ink(plate.crop(box)).getextrema() == (0, 0), (rel, ink, "ink under the QR code")
        # Body text: the small print's strip (hotline, site, directive) is K alone too.
        strip = _small_print_strip(pdf, page, scale)
        if strip is not None:
            for ink in "CMY":
                assert _ink(rendered[ink][page].crop(strip)).getextrema()[1] == 0, (rel, ink)
            assert _ink(rendered["K"][page].crop(strip)).getextrema()[1] > 128


def _small_print_strip(pdf: bytes, page_index: int, px_per_mm: float) -> tuple[int, int, int, int] | None:
    """The pixel box (trim box origin, y down) of the line that names the hotline, from the text."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[page_index]
        left, bottom, right, top = page.get_trimbox()
        text = page.get_textpage()
        found = [m.start() for m in re.finditer("1900 9095", text.get_text_range())]
        if not found:
            return None
        x0, y0, x1, y1 = text.get_charbox(found[0])
        for i in range(found[0], found[0] + len("1900 9095")):
            a, b, c, d = text.get_charbox(i)
            x0, y0, x1, y1 = min(x0, a), min(y0, b), max(x1, c), max(y1, d)
        px = px_per_mm * 25.4 / 72
        return (int((x0 - left) * px), int((top - y1) * px), math.ceil((x1 - left) * px), math.ceil((top - y0) * px))
    finally:
        doc.close()


def _lab(image: Image.Image, profile: ImageCms.ImageCmsProfile | ImageCms.core.CmsProfile) -> tuple[float, ...]:
    lab = ImageCms.buildTransform(profile, ImageCms.createProfile("LAB"), image.mode, "LAB",
                                  renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    l_, a, b = ImageCms.applyTransform(image, lab).getpixel((0, 0))
    return (l_ * 100 / 255, a - 128, b - 128)


def test_print_colours_are_the_screen_colours_through_the_profile() -> None:
    """Each CMYK value of campaign.yml prints as close to its sRGB colour as the profile allows
    (within 2 ΔE76 of the profile's own relative-colorimetric conversion); colours printed on K
    alone by design (text) are dark enough instead. Edit one without the other and this fails."""
    campaign = yaml.safe_load((MATERIALS / "campaign.yml").read_text(encoding="utf-8"))
    cmyk_profile = ImageCms.getOpenProfile(str(PROFILE))
    srgb = ImageCms.createProfile("sRGB")
    to_cmyk = ImageCms.buildTransform(srgb, cmyk_profile, "RGB", "CMYK",
                                      renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)
    pairs = [(f"colours.{n}", campaign["colours"][n], v) for n, v in campaign["colours"]["print"].items()]
    pairs += [(f"{c['id']}.{n}", c[n], v) for c in campaign["carriers"] for n, v in c["print"].items()]
    assert len(pairs) == 5 + 3 * len(campaign["carriers"])
    for name, hex_colour, value in pairs:
        cmyk = value["cmyk"] if isinstance(value, dict) else value  # [c, m, y, k] or {cmyk:, spot:}
        screen = Image.new("RGB", (1, 1), tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)))
        printed = Image.new("CMYK", (1, 1), tuple(round(v * 2.55) for v in cmyk))
        target = _lab(screen, srgb)
        if cmyk[:3] == [0, 0, 0] and cmyk[3] == 100:
            assert target[0] < 20, name  # black text: K alone, whatever its four-colour match
            continue
        best = _lab(ImageCms.applyTransform(screen, to_cmyk), cmyk_profile)
        assert math.dist(_lab(printed, cmyk_profile), target) <= math.dist(best, target) + 2, name


def test_the_standee_base_band_fills_the_bottom_bleed(built) -> None:
    out, _, _ = built
    for rel in ("downloads/print/vi/standee-60x160.pdf", "downloads/print/vi/standee-60x160-pdfx4.pdf"):
        page = next(raster_pages((out / rel).read_bytes(), px_per_mm=1, box="bleed"))
        bottom = page.crop((0, page.height - 4, page.width, page.height))  # the last 4 mm: bleed
        assert max(bottom.convert("L").getextrema()) < 160, rel  # the dark band, no white


def test_a_kit_with_a_profile_needs_print_colours(materials: Path) -> None:
    campaign = materials / "campaign.yml"
    text = campaign.read_text(encoding="utf-8")
    no_print = re.sub(r"\n  print:\n(    .*\n)+", "\n", text)
    no_print = no_print.replace("    print: {background: [0, 99, 82, 0], foreground: [0, 0, 0, 0], "
                                "accent: [2, 16, 96, 0]}\n", "")
    assert no_print != text
    campaign.write_text(no_print, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_project(materials)
    assert [p.message for p in info.value.problems] == [
        "a kit with a print_profile prints in CMYK: give colours.print, carriers[1].print (viettel) "
        "(C, M, Y, K in percent, as campaign.yml's colours do)"]

    # Without a print profile the kit makes the sRGB files alone, and needs no print colours.
    kit = materials / "kits" / "lang-son" / "kit.yml"
    kit.write_text(re.sub(r"\nprint_profile: .*\n", "\n", kit.read_text(encoding="utf-8")), encoding="utf-8")
    assert load_project(materials).print_profile is None


def test_a_print_profile_must_be_a_cmyk_profile(materials: Path) -> None:
    srgb = materials / "print" / "srgb.icc"
    srgb.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    kit = materials / "kits" / "lang-son" / "kit.yml"
    kit.write_text(re.sub(r"\nprint_profile: .*\n", "\nprint_profile: print/srgb.icc\n",
                          kit.read_text(encoding="utf-8")), encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_project(materials)
    assert [p.message for p in info.value.problems] == ["'print/srgb.icc' is not a CMYK ICC profile"]


def test_a_spot_ink_prints_on_its_own_plate(materials: Path, tmp_path: Path) -> None:
    """A campaign colour that names a spot ink prints in it: a Separation colour space whose
    alternate is the colour's CMYK value, alone on its plate; the file stays PDF/X-4."""
    from campaign_kit.context import BuildContext
    from campaign_kit.memo import Memo
    from campaign_kit.stages import print_pdfs

    campaign = materials / "campaign.yml"
    text = campaign.read_text(encoding="utf-8")
    assert "    primary: [96, 65, 0, 0]\n" in text
    campaign.write_text(text.replace("    primary: [96, 65, 0, 0]\n",
                                     "    primary: {cmyk: [96, 65, 0, 0], spot: PANTONE 2935 C}\n"), encoding="utf-8")
    project = load_project(materials, kit=KIT)
    memo = Memo(tmp_path / "cache")
    ctx = BuildContext(project=project, out=None, options=Options(), previous=None,  # type: ignore[arg-type]
                       previous_root=tmp_path, cache=tmp_path / "cache", memo=memo)
    renderer = print_pdfs.Renderer()
    item = print_pdfs._general_item(ctx, renderer, "poster-a4", project.formats["poster-a4"], "vi", "pdf/x-4")
    made = dict(print_pdfs.render_general((renderer, [item], str(memo.root))))  # with the build's checks
    pdf = Path(memo.content_path(made[item.key][0])).read_bytes()
    assert problems(pdf) == []
    page = PdfReader(io.BytesIO(pdf)).pages[0]  # the design is the form the press page draws
    spaces = page["/Resources"]["/XObject"]["/BG"]["/Resources"]["/ColorSpace"]
    separations = [s for s in spaces.values() if s[0] == "/Separation"]
    assert [(str(s[1]), s[2], [float(v) for v in s[3]["/C1"]]) for s in separations] == [
        ("/PANTONE 2935 C", "/DeviceCMYK", [0.96, 0.65, 0, 0])]
    plates = {ink: next(raster_pages(separation(pdf, ink), px_per_mm=2)) for ink in ("PANTONE 2935 C", "C", "M")}
    plates = {ink: plate.crop((0, 0, plate.width, 20 * 2)) for ink, plate in plates.items()}  # the band's top 20 mm
    assert str(page["/Resources"]["/ColorSpace"]["/Reg"][1]) == "/All"  # the marks: on every plate
    assert _ink(plates["PANTONE 2935 C"]).getextrema()[1] == 255
    assert _ink(plates["C"]).getextrema()[1] == 0 and _ink(plates["M"]).getextrema()[1] == 0

    # Its CMYK stand-in must be its own: another colour with the same values is refused.
    text, count = re.subn(r"(?m)^    accent: \[[^\]]*\]$", "    accent: [96, 65, 0, 0]",  # the print accent
                          campaign.read_text(encoding="utf-8"), count=1)
    assert count == 1
    campaign.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_project(materials, kit=KIT)
    assert "CMYK [96.0, 65.0, 0.0, 0.0] is given to PANTONE 2935 C, no spot ink" in str(info.value.problems[0])


@pytest.mark.skipif(shutil.which("gs") is None, reason="Ghostscript is not installed (scripts/run test installs it)")
def test_ghostscript_separates_the_qr_code_onto_black_alone(built, tmp_path: Path) -> None:
    """A RIP's separation, not ours: Ghostscript's tiffsep device writes one TIFF per plate. The
    code reads from Black only, and a module carries 100 % K and nothing else (the sRGB file,
    separated the same way, puts ≈300 % of four inks there)."""
    import subprocess

    out, project, _ = built
    rel = "downloads/print/vi/poster-a4-pdfx4.pdf"
    subprocess.run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", "-sDEVICE=tiffsep", "-r100",
                    f"-sOutputFile={tmp_path / 'sep.tif'}", str(out / rel)], check=True, timeout=60)
    plates = {ink: Image.open(tmp_path / f"sep({ink}).tif").convert("L")
              for ink in ("Cyan", "Magenta", "Yellow", "Black")}  # 0: solid ink, 255: paper
    readable = [ink for ink, plate in plates.items() if zxingcpp.read_barcodes(plate)]
    assert readable == ["Black"]
    code = zxingcpp.read_barcodes(plates["Black"])[0]
    assert code.text == project.go_url()
    corners = [code.position.top_left, code.position.bottom_right]
    box = (corners[0].x, corners[0].y, corners[1].x + 1, corners[1].y + 1)
    assert plates["Black"].crop(box).getextrema()[0] == 0  # solid black modules
    for ink in ("Cyan", "Magenta", "Yellow"):
        assert plates[ink].crop(box).getextrema() == (255, 255), ink
