"""The "From letters to files" page (`measures/`) and the Downloads page grouped by who uses the
files: one small build of the default kit (Lạng Sơn, two stores) with test letters added, many
checks on it; and `site.letters`, the pure resolver both pages (and later the bundles) use."""

from __future__ import annotations

import dataclasses
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from PIL import Image

from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.model import AUDIENCES, NATIONAL, Measure, Project
from campaign_kit.pipeline import Options, build
from campaign_kit.site.generated import generated_pages
from campaign_kit.site.letters import answers, letters
from campaign_kit.site.thumbs import cached_thumb, make_thumb, thumb_path

from .conftest import MATERIALS, artifacts, with_few_stores

LANGS = (("", "vi"), ("en/", "en"), ("km/", "km"), ("zh/", "zh"))
GENERAL = ("poster", "leaflet", "standee", "screen", "message", "form", "bundle")
# Markup a check lets through (a <script> is refused before the build: tests/test_hostile.py)
# must still reach the page as text.
SCRIPT = "<b class='x'>đậm</b>"
NOT_YET = "Áp phích riêng cho bệnh viện chưa có trong bộ tài liệu (thử)."
OWN_LETTER = f"""---
number: "99/TEST-LS"
date: 2021-03-01
issuer: Sở Thông tin và Truyền thông tỉnh Lạng Sơn
issuer_short: Sở TTTT Lạng Sơn
scope: Lạng Sơn
title: "V/v thử trang từ văn bản đến tài liệu"
deadlines:
  - what: "Báo cáo thử số điện thoại đã cài đặt"
    when: "trước 10h00 thứ Hai hằng tuần"
    form: installs
measures:
  - text: "Trường học treo áp phích {SCRIPT} ở cổng trường"
    audience: schools
    outputs: ["poster:poster-a4", "page:faq"]
  - text: "Bệnh viện dán hướng dẫn cài đặt ở khu khám bệnh"
    audience: hospitals
    outputs: []
    not_yet: "{NOT_YET}"
  - text: "Cửa hàng treo băng rôn điểm hỗ trợ cài đặt"
    audience: stores
    outputs: [store-banner]
---
Văn bản thử của tỉnh.
"""
OTHER_PROVINCE = """---
number: "98/TEST-LA"
date: 2021-03-02
issuer: Ủy ban nhân dân tỉnh Long An (thử)
scope: Long An
title: "V/v MARKER-LONG-AN"
measures:
  - text: "MARKER-LONG-AN-MEASURE"
    audience: agencies
    outputs: [poster]
---
Không thuộc bộ tài liệu Lạng Sơn.
"""
STAFF = "downloads/forms/danh-sach-nhan-vien-ho-tro-cai-dat.xlsx"
REPEALED = """---
number: "97/TEST-OLD"
date: 2021-03-03
issuer: Bộ Thông tin và Truyền thông
scope: national
title: "V/v MARKER-REPEALED"
in_force: false
measures:
  - text: "MARKER-REPEALED-MEASURE"
    audience: media
    outputs: ["message:press"]
---
Hết hiệu lực.
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Project, dict[str, dict[str, Any]]]:
    """The bundled materials with two stores (as `small_materials`) and the test letters, built once."""
    base = tmp_path_factory.mktemp("letters")
    materials = base / "materials"
    shutil.copytree(MATERIALS, materials)
    with_few_stores(materials)
    for name, text in (("2021-03-01-99-test.md", OWN_LETTER), ("2021-03-02-98-test.md", OTHER_PROVINCE),
                       ("2021-03-03-97-test.md", REPEALED)):
        (materials / "directives" / name).write_text(text, encoding="utf-8")
    out = base / "out"
    build(materials, out, Options(jobs=1))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return out, load_project(materials), {f["path"]: f for f in manifest["files"]}


def _article(page: Path) -> str:
    text = page.read_text(encoding="utf-8")
    return text[text.index("<article"):text.index("</article>")]


def _hrefs(fragment: str, attr: str = "href") -> list[str]:
    return [html.unescape(h) for h in re.findall(rf'{attr}="([^"#]+)(?:#[^"]*)?"', fragment)]


def _target(page: Path, href: str) -> Path:
    target = (page.parent / href).resolve()
    return target / "index.html" if href.endswith("/") else target


def test_measures_page_in_every_language_lists_the_kits_letters(built) -> None:
    out, project, _ = built
    in_force = [d for d in project.directives if d.in_force]
    assert {d.number for d in in_force} >= {"99/TEST-LS"}
    # Letters of the other provinces' kits (bundled ones and the test's): not one word of them.
    others = []
    for path in sorted((MATERIALS / "directives").glob("*.md")):
        front = yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])
        if front["scope"] not in (NATIONAL, project.campaign.campaign.province):
            others.append(front["issuer"])
    assert others, "the bundled materials have letters of other provinces"
    for prefix, lang in LANGS:
        page = out / prefix / "measures" / "index.html"
        text = page.read_text(encoding="utf-8")
        assert f'<html lang="{lang}"' in text
        article = _article(page)
        assert project.text(lang, "measures_title") in article
        for d in in_force:
            assert f'id="{d.slug}"' in article, (lang, d.number)
            assert html.escape(d.reference, quote=False) in article
            assert html.escape(d.title, quote=False) in article
        for marker in ("MARKER-LONG-AN", "98/TEST-LA", "MARKER-REPEALED", "97/TEST-OLD", *others):
            assert html.escape(marker, quote=False) not in article, (lang, marker)
        # In the nav, after the Directives page and before Downloads.
        assert '<link rel="prev" href="../directives/">' in text
        assert '<link rel="next" href="../downloads/">' in text
    # National letters first, then the province's, newest first within each.
    order = letters(project)
    scopes = [d.scope == NATIONAL for d in order]
    assert scopes == sorted(scopes, reverse=True)
    article = _article(out / "measures" / "index.html")
    positions = [article.index(f'id="{d.slug}"') for d in order]
    assert positions == sorted(positions)


def test_each_measure_links_the_files_that_answer_it(built) -> None:
    out, project, meta = built
    found = answers(project, artifacts(meta))
    assert any(a.files for a in found)
    for prefix, lang in LANGS:
        page = out / prefix / "measures" / "index.html"
        article = _article(page)
        hrefs = _hrefs(article)
        for href in hrefs:
            if not href.startswith(("http:", "https:", "tel:")):
                assert _target(page, href).is_file(), (lang, href)
        linked = {str(_target(page, h).relative_to(out)) for h in hrefs}
        for answer in found:
            assert set(answer.files) <= linked, (lang, answer.measure.text, set(answer.files) - linked)
            assert not any(meta[f].get("store_id") for f in answer.files)  # general files only
    # The test letter: the A4 posters in every language, the FAQ in the page's language; the store
    # banner as the carriers' bundles and the support-points page; the form of its deadline.
    article = _article(out / "en" / "measures" / "index.html")
    mine = article[article.index('id="2021-03-01-99-test-ls-so-tttt-lang-son"'):]
    mine = mine[:mine.index("</ol>")]
    for lang in ("vi", "en", "km", "zh"):
        assert f'href="../../downloads/print/{lang}/poster-a4.pdf"' in mine
    assert 'href="../faq/"' in mine and 'href="../support/"' in mine
    assert 'href="../../downloads/bundles/cua-hang-vnpt.zip"' in mine
    assert 'href="../../downloads/bundles/cua-hang-viettelpost.zip"' in mine
    assert 'href="../../downloads/forms/bieu-mau-so-1-bao-cao-cai-dat.xlsx"' in mine
    assert "trước 10h00 thứ Hai hằng tuần" in mine
    assert 'href="../downloads/#schools"' in mine  # the audience, to its group of downloads
    assert project.text("en", "audiences")["schools"] in mine


def test_not_yet_is_said_plainly(built) -> None:
    out, project, _ = built
    for prefix, lang in LANGS:
        article = _article(out / prefix / "measures" / "index.html")
        notices = re.findall(r'<p class="site-not-yet" role="note">(.*?)</p>', article, re.DOTALL)
        mine = [n for n in notices if html.escape(NOT_YET, quote=False) in n]
        assert len(mine) == 1, lang
        assert project.text(lang, "measure_not_yet") in mine[0]
        assert f'<span lang="vi">{html.escape(NOT_YET, quote=False)}</span>' in mine[0]


def test_measure_text_is_escaped(built) -> None:
    out, _, _ = built
    for prefix, _lang in LANGS:
        for page in ("measures", "downloads", "directives"):
            text = (out / prefix / page / "index.html").read_text(encoding="utf-8")
            assert SCRIPT not in text
        article = _article(out / prefix / "measures" / "index.html")
        assert "áp phích &lt;b class=&#39;x&#39;&gt;đậm&lt;/b&gt; ở cổng" in article


def test_downloads_grouped_by_who_uses_them(built) -> None:
    out, project, meta = built
    general = sorted(p for p, m in meta.items() if m["kind"] in GENERAL and not m.get("store_id"))
    assert {meta[p]["kind"] for p in general} == set(GENERAL)
    found = answers(project, artifacts(meta))
    audiences = [a for a in AUDIENCES if any(x.measure.audience == a and (x.files or x.pages) for x in found)]
    assert "schools" in audiences and "hospitals" not in audiences  # the hospitals' measure has no file
    for prefix, lang in LANGS:
        page = out / prefix / "downloads" / "index.html"
        article = _article(page)
        titles = project.text(lang, "audiences")
        headings = re.findall(r'<h2 id="([a-z]+)"[^>]*>(.*?)<a class="headerlink"', article)
        ids = [i for i, _ in headings]
        assert ids[:len(audiences)] == audiences, (lang, ids)
        for audience, heading in headings:
            assert titles[audience] in html.unescape(heading), (lang, audience)
        linked = {str(_target(page, h).relative_to(out)) for h in _hrefs(article)}
        assert set(general) <= linked, (lang, set(general) - linked)  # nothing disappears
        # The poster the test letter names for schools is in the schools' group.
        schools = article[article.index('id="schools"'):]
        schools = schools[:schools.index("<h2", 5)] if "<h2" in schools[5:] else schools
        assert f'{"../" * (2 if prefix else 1)}downloads/print/vi/poster-a4.pdf' in schools
        # The checksums stay folded away.
        assert article.count("<details") == article.count("<summary>") > 0
        for digest in (meta[p]["sha256"] for p in general[:3]):
            assert digest in article
    # Titles in the page's language: the English page says "A4 poster", the Chinese one "A4 海报".
    assert "A4 poster" in _article(out / "en" / "downloads" / "index.html")
    chinese = project.text("zh", "download_titles")["poster-a4"]
    assert chinese in _article(out / "zh" / "downloads" / "index.html")


def test_thumbnails_are_small_cached_and_used(built) -> None:
    out, _, meta = built
    thumbs = {p: m for p, m in meta.items() if p.startswith("downloads/thumbs/")}
    previews = [p for p, m in meta.items() if m["kind"] == "preview"]
    assert thumbs and len(thumbs) <= len(previews) + sum(m["kind"] == "screen" for m in meta.values())
    used = set()
    for prefix, _lang in LANGS:
        page = out / prefix / "downloads" / "index.html"
        article = _article(page)
        images = re.findall(r"<img [^>]*>", article)
        assert images
        for tag in images:
            src = html.unescape(re.search(r'src="([^"]+)"', tag).group(1))
            rel = str(_target(page, src).relative_to(out))
            assert rel in thumbs, tag  # no full preview on the page any more
            width, height = (int(re.search(rf'{a}="(\d+)"', tag).group(1)) for a in ("width", "height"))
            with Image.open(out / rel) as image:
                assert (width, height) == (image.width // 2, image.height // 2)
            used.add(rel)
    assert used == set(thumbs)  # each language's page shows its own language's
    for rel, m in thumbs.items():
        assert m["bytes"] < 20_000 and (out / rel).stat().st_size == m["bytes"]
        with Image.open(out / rel) as image:
            assert image.format == "JPEG" and max(image.size) <= 160
    # Kept in the cache by the preview's hash: a rebuild reads no preview to make one again.
    rel = next(p for p in thumbs if p.startswith("downloads/thumbs/print/"))
    source = next(p for p, m in meta.items() if m["kind"] == "preview" and thumb_path(p) == rel)

    def unread() -> bytes:
        raise AssertionError("the preview was read again")
    kept, _, _, _ = cached_thumb(Memo(out.with_name(out.name + ".cache")), meta[source]["sha256"], unread)
    assert Path(kept).read_bytes() == (out / rel).read_bytes()
    # The same preview makes the same bytes (no timestamp, no metadata).
    preview = (out / previews[0]).read_bytes()
    assert make_thumb(preview) == make_thumb(preview)
    assert b"Exif" not in make_thumb(preview)[0][:200]


def test_resolver_on_a_manifest(tmp_path: Path) -> None:
    """`answers` against a hand-made manifest: names, kinds, store files, forms, pages."""
    project = load_project(MATERIALS)
    letter = next(d for d in letters(project) if d.measures)
    meta: dict[str, dict[str, Any]] = {
        "downloads/print/vi/poster-a4.pdf": {"kind": "poster", "format": "poster-a4", "lang": "vi"},
        "downloads/print/vi/poster-a3.pdf": {"kind": "poster", "format": "poster-a3", "lang": "vi"},
        "downloads/messages/vi/zalo.txt": {"kind": "message", "message": "zalo", "lang": "vi"},
        STAFF: {"kind": "form", "form": "danh-sach-nhan-vien-ho-tro-cai-dat"},
        "downloads/stores/vnpt/x/a.pdf": {"kind": "store-banner", "store_id": "A", "format": "store-banner"},
        "downloads/bundles/cua-hang-vnpt.zip": {"kind": "bundle", "audience": "carrier", "carrier": "vnpt"},
        "downloads/bundles/in-an-vi.zip": {"kind": "bundle", "audience": "lang", "lang": "vi"},
    }
    measures = (Measure("a", "agencies", ("poster:poster-a4", "page:faq"), None),
                Measure("b", "stores", ("store-banner",), None),
                Measure("c", "carriers", ("form:staff", "form:installs", "message"), None),
                Measure("d", "media", ("screen:screen-tv",), "not yet"))
    test = dataclasses.replace(project, directives=(dataclasses.replace(letter, measures=measures),))
    a, b, c, d = answers(test, artifacts(meta), site_pages={"faq", "support"})
    assert (a.files, a.pages, a.unmet) == (("downloads/print/vi/poster-a4.pdf",), ("faq",), ())
    assert (b.files, b.pages) == (("downloads/bundles/cua-hang-vnpt.zip",), ("support",))
    assert c.files == ("downloads/messages/vi/zalo.txt", STAFF)  # kinds in the site's order
    assert c.unmet == ("form:installs",)
    assert not d.produced and d.unmet == ("screen:screen-tv",)
    # Without store files, no store banner: nothing to show for it.
    no_stores = {k: v for k, v in meta.items() if v["kind"] != "store-banner"}
    assert not answers(test, artifacts(no_stores))[1].produced
    # What the kit has nothing for, the page names, in the page's language.
    page = generated_pages(test, "en", "en/", artifacts(meta), tmp_path).pages["measures.md"]
    notices = re.findall(r'<p class="site-not-yet" role="note">(.*?)</p>', page, re.DOTALL)
    assert any("TV screen 1920×1080" in n and "not yet" in n for n in notices)
