"""Expected output, in Pelican's way: a tiny materials folder (tests/golden/materials: two
languages, three letters, two stores) is built and its manifest and a few extracted texts are
compared with the copies checked in under tests/golden/expected/.

Reproducibility tests compare two fresh builds with each other; this one catches a change that is
wrong but deterministic. When an output is meant to change, regenerate the expected files on
purpose and review them like code:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
    git diff --stat tests/golden/expected
"""

from __future__ import annotations

import difflib
import html
import json
import os
import re
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from campaign_kit.pipeline import Options, build

GOLDEN = Path(__file__).resolve().parent / "golden"
EXPECTED = GOLDEN / "expected"
REGENERATE = "UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py"

# What a reader sees of a few outputs: a failure here says what changed in words, before the
# manifest says which bytes did.
TEXTS = {
    "home.txt": "index.html",
    "home-en.txt": "en/index.html",
    "support-huu-lung.txt": "support/huyen-huu-lung/index.html",
    "directives.txt": "directives/index.html",
    "poster-a4-vi.txt": "downloads/print/vi/poster-a4.pdf",
    "banner-vnpt-ls-00001.txt": "downloads/stores/vnpt/huyen-huu-lung/vnpt-ls-00001-banner.pdf",
    "sms-vi.txt": "downloads/messages/vi/sms.txt",
    "loudspeaker-vi.txt": "downloads/messages/vi/loudspeaker.txt",
}


def page_text(source: str) -> str:
    """The article of a site page as lines of text (tags, scripts and styles dropped)."""
    found = re.search(r"<article\b.*?</article>", source, re.S)
    body = found.group(0) if found else source
    body = re.sub(r"<(script|style|svg)\b.*?</\1>", "", body, flags=re.S)
    body = re.sub(r"<br\s*/?>|</(p|h\d|li|tr|div|dt|dd|figcaption|td|th)>", "\n", body)
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip()) + "\n"


def pdf_text(path: Path) -> str:
    """The text layer of every page, as a PDF reader (or a print shop's preflight) finds it."""
    pdf = pdfium.PdfDocument(path)
    try:
        pages = []
        for page in pdf:
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range().replace("\r\n", "\n"))
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return "\f\n".join("".join(" ".join(line.split()) + "\n" for line in page.splitlines() if line.strip())
                       for page in pages)


def extracted(out: Path) -> dict[str, str]:
    texts = {}
    for name, rel in TEXTS.items():
        path = out / rel
        if rel.endswith(".html"):
            texts[name] = page_text(path.read_text(encoding="utf-8"))
        elif rel.endswith(".pdf"):
            texts[name] = pdf_text(path)
        else:
            texts[name] = path.read_text(encoding="utf-8")
    return texts


@pytest.fixture(scope="module")
def golden_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("golden") / "site"
    build(GOLDEN / "materials", out, Options(cache=out.parent / "cache"))
    return out


def test_golden_output(golden_build: Path) -> None:
    manifest = (golden_build / "manifest.json").read_text(encoding="utf-8")
    texts = extracted(golden_build)
    if os.environ.get("UPDATE_GOLDEN"):
        (EXPECTED / "texts").mkdir(parents=True, exist_ok=True)
        for old in (EXPECTED / "texts").glob("*.txt"):
            old.unlink()
        for name, text in texts.items():
            (EXPECTED / "texts" / name).write_text(text, encoding="utf-8")
        (EXPECTED / "manifest.json").write_text(manifest, encoding="utf-8")
        pytest.skip("golden files written: review `git diff tests/golden/expected` before committing")

    problems = []
    for name, text in texts.items():
        want = (EXPECTED / "texts" / name).read_text(encoding="utf-8")
        if text != want:
            diff = difflib.unified_diff(want.splitlines(), text.splitlines(), f"expected/{name}", "built",
                                        lineterm="", n=1)
            problems.append("\n".join(list(diff)[:40]))
    expected = {f["path"]: f for f in json.loads((EXPECTED / "manifest.json").read_text(encoding="utf-8"))["files"]}
    built = {f["path"]: f for f in json.loads(manifest)["files"]}
    for path in sorted(expected.keys() - built.keys()):
        problems.append(f"missing: {path}")
    for path in sorted(built.keys() - expected.keys()):
        problems.append(f"new: {path}")
    for path in sorted(expected.keys() & built.keys()):
        if expected[path] != built[path]:
            changed = sorted(k for k in expected[path].keys() | built[path].keys()
                             if expected[path].get(k) != built[path].get(k))
            problems.append(f"changed: {path} ({', '.join(changed)})")
    assert not problems, (f"{len(problems)} difference(s) from tests/golden/expected; if intended, "
                          f"regenerate with `{REGENERATE}` and review the diff:\n" + "\n".join(problems[:60]))


def test_golden_texts_cover_what_a_reader_needs() -> None:
    """The checked-in texts are not empty shells: the letter, the department and the store are in them."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in (EXPECTED / "texts").glob("*.txt")}
    assert texts.keys() == TEXTS.keys()
    assert "2841/BTTTT-THH" in texts["directives.txt"]
    assert "Cửa hàng VNPT Hữu Lũng" in texts["support-huu-lung.txt"]
    assert "Cửa hàng VNPT Hữu Lũng" in texts["banner-vnpt-ls-00001.txt"]  # store text is text
    assert "Bluezone" in texts["home.txt"] and "Bluezone" in texts["poster-a4-vi.txt"]
