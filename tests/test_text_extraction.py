"""Printed items give their text back (issue 16): `pdftotext` (poppler) and PDFium, as a print
shop, the department, a search index or a screen reader use them, extract a Khmer poster and its
PDF/X-4 twin as the source has it, though Khmer shaping reorders and stacks glyphs
(`render.mark_actual_text`: each such line carries its text as /ActualText); Chinese and
Vietnamese too, and a Latin-script item pays nothing for it."""

from __future__ import annotations

import re
import subprocess
import unicodedata
import zlib
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from campaign_kit.context import BuildContext
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.model import Project
from campaign_kit.pipeline import Options
from campaign_kit.printing.general import texts
from campaign_kit.printing.pdfx import problems
from campaign_kit.stages import print_pdfs

from .conftest import MATERIALS

ITEMS = (("km", None), ("km", print_pdfs.PDFX), ("zh", None), ("vi", None))
EXACT = ("tagline", "poster_headline", "poster_lead")
"""The headline, tagline and lead: compared exactly."""


def render(base: Path, project: Project, lang: str, variant: str | None) -> tuple[print_pdfs.GeneralItem, bytes]:
    """The A4 poster as the print stage makes it, with its checks (the twin: marks, PDF/X-4)."""
    memo = Memo(base / "cache")
    ctx = BuildContext(project=project, out=None, options=Options(), previous=None,  # type: ignore[arg-type]
                       previous_root=base, cache=base / "cache", memo=memo)
    renderer = print_pdfs.Renderer()
    item = print_pdfs._general_item(ctx, renderer, "poster-a4", project.formats["poster-a4"], lang, variant)
    made = dict(print_pdfs.render_general((renderer, [item], str(memo.root))))
    return item, Path(memo.content_path(made[item.key][0])).read_bytes()


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(MATERIALS)


@pytest.fixture(scope="module")
def posters(project: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str | None], bytes]:
    base = tmp_path_factory.mktemp("extraction")
    return {(lang, variant): render(base, project, lang, variant)[1] for lang, variant in ITEMS}


def poppler(pdf: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8").splitlines()


def pdfium_lines(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        pages = []
        for page in doc:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(pages).replace("\r\n", "\n").splitlines()
    finally:
        doc.close()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def actual_texts(pdf: bytes) -> int:
    """How many /ActualText spans the file's deflated streams hold (a twin's: in its page form)."""
    count = 0
    for match in re.finditer(rb"/FlateDecode[^>]*>>\s*stream\r?\n", pdf):
        decompressor = zlib.decompressobj()
        try:
            count += decompressor.decompress(pdf[match.end():]).count(b"/ActualText")
        except zlib.error:
            continue
    return count


EXTRACTORS = {"poppler": poppler, "pdfium": pdfium_lines}


@pytest.mark.parametrize("extract", EXTRACTORS)
@pytest.mark.parametrize("lang,variant", ITEMS)
def test_headline_tagline_and_lead_extract_exactly_once(posters, project: Project, lang: str, variant: str | None,
                                             extract: str) -> None:
    """Lines joined by a space: the A4 poster breaks these texts at spaces, if at all."""
    flat = " ".join(nfc(line) for line in EXTRACTORS[extract](posters[lang, variant]))
    source = texts(project, lang)
    for key in EXACT:
        assert flat.count(nfc(source[key])) == 1, (key, source[key], flat[:300])


@pytest.mark.parametrize("extract", EXTRACTORS)
@pytest.mark.parametrize("lang,variant", ITEMS)
def test_every_printed_text_extracts_unscrambled(posters, project: Project, lang: str, variant: str | None,
                                                 extract: str) -> None:
    """The poster's other texts (steps, reasons, captions) are set over lines: compared without
    white space (and the zero-width spaces that mark where Khmer may break), so a line break is
    no difference, and a scrambled cluster is."""
    def bare(text: str) -> str:
        return "".join(nfc(text).replace("\u200b", " ").split())

    flat = bare(" ".join(EXTRACTORS[extract](posters[lang, variant])))
    source = texts(project, lang)
    printed = [*EXACT, "scan_caption", "lookalike_warning"]
    values = [source[key] for key in printed] + list(source["steps"]) + list(source["why"])
    missing = [value for value in values if bare(value) not in flat]
    assert missing == []


def test_khmer_lines_carry_actual_text_and_the_twin_keeps_it(posters) -> None:
    spans = actual_texts(posters["km", None])
    assert spans >= len(EXACT) + 3  # the headings, the lead, every step and reason
    assert actual_texts(posters["km", print_pdfs.PDFX]) == spans  # the composer copies the page's content
    assert problems(posters["km", print_pdfs.PDFX]) == []  # marked content is PDF/X-4


@pytest.mark.parametrize("lang", ["vi", "zh"])
def test_scripts_whose_glyphs_give_their_text_pay_nothing(posters, lang: str) -> None:
    assert actual_texts(posters[lang, None]) == 0


def test_vietnamese_extracts_as_its_source_spaces_included(posters, project: Project) -> None:
    """The no-break spaces and word joiners the typesetting puts in (`words.keep_words`) come
    back as the source's spaces: PDFium gave U+00A0 between the syllables of a word."""
    for extract in EXTRACTORS.values():
        text = "\n".join(extract(posters["vi", None]))
        assert "\u00a0" not in text and "\u2060" not in text
        assert unicodedata.is_normalized("NFC", text)
    assert nfc(texts(project, "vi")["poster_lead"]) in poppler(posters["vi", None])


def test_same_poster_same_bytes(posters, project: Project, tmp_path: Path) -> None:
    assert render(tmp_path / "a", project, "km", None)[1] == posters["km", None]
    first = render(tmp_path / "b", project, "km", print_pdfs.PDFX)
    second = render(tmp_path / "c", project, "km", print_pdfs.PDFX)
    assert first[1] == second[1] and first[0].key == second[0].key
