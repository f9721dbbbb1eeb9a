"""Short store links (issue 16): `go/<code>/` from the store's identity, stable whatever the other
stores, a QR version lower than the old `go/<slug>/` link's, and both pages built."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp

from campaign_kit import model
from campaign_kit.context import BuildContext, Options
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.model import SHORT_CODE_ALPHABET, SHORT_CODE_LENGTH, Project, Store, short_links
from campaign_kit.output import Output
from campaign_kit.printing import stores as store_printing
from campaign_kit.printing.qr import encode
from campaign_kit.stages import site

from .conftest import MATERIALS

KITS = sorted(p.name for p in (MATERIALS / "kits").iterdir() if (p / "kit.yml").is_file())


@pytest.fixture(scope="module")
def project() -> Project:
    return load_project(MATERIALS, kit="lang-son")


def _store(like: Store, store_id: str) -> Store:
    return dataclasses.replace(like, store_id=store_id)


def test_a_stores_code_is_pinned(project: Project) -> None:
    # Printed banners carry this code: a change to how it is derived breaks every one of them.
    store = next(s for s in project.stores if s.store_id == "MOBIFONE-LS-00001")
    assert project.short_links.codes[store.store_id] == "363swf2"
    assert project.go_url(store) == "https://bluezone.langson.gov.vn/go/363swf2/"
    assert project.go_url() == "https://bluezone.langson.gov.vn/go/"
    for code in project.short_links.codes.values():
        assert len(code) == SHORT_CODE_LENGTH and set(code) <= set(SHORT_CODE_ALPHABET)
        assert not set(code) & set("01oli")


def test_codes_do_not_depend_on_the_other_stores(project: Project) -> None:
    stores = project.stores
    codes = project.short_links.codes
    assert short_links(stores).codes == codes  # another run
    assert short_links(stores[::-1]).codes == codes  # lists in another order
    fewer = short_links(stores[::2]).codes
    assert all(fewer[s.store_id] == codes[s.store_id] for s in stores[::2])
    more = short_links((*stores, _store(stores[0], "VNPT-LS-99999"))).codes
    assert {k: v for k, v in more.items() if k != "VNPT-LS-99999"} == codes
    assert len(set(more.values())) == len(more)
    # The identity is the carrier and the go-page name: a list that retypes the id's case keeps it.
    assert short_links((_store(stores[0], stores[0].store_id.lower()),)).codes[
        stores[0].store_id.lower()] == codes[stores[0].store_id]
    other = dataclasses.replace(stores[0], carrier="viettel" if stores[0].carrier != "viettel" else "vnpt")
    assert short_links((other,)).codes[other.store_id] != codes[stores[0].store_id]


def test_a_collision_lengthens_both_codes(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    real = model.short_code_digits
    a, b, *_ = project.stores
    clash = "abcdefghj"  # two stores' digits agree on 9 characters

    def digits(carrier: str, store_slug: str) -> str:
        own = real(carrier, store_slug)
        return clash + own[len(clash):] if store_slug in (a.slug, b.slug) else own

    monkeypatch.setattr(model, "short_code_digits", digits)
    stores = _again(project.stores)
    links = short_links(stores)
    assert links.codes[a.store_id] != links.codes[b.store_id]
    assert {len(links.codes[a.store_id]), len(links.codes[b.store_id])} == {len(clash) + 1}
    assert all(links.codes[s.store_id].startswith(clash) for s in (a, b))
    assert links.retired == {"abcdefg", "abcdefgh", "abcdefghj"}  # what either may have printed
    others = {k: v for k, v in links.codes.items() if k not in (a.store_id, b.store_id)}
    assert others == {k: v for k, v in project.short_links.codes.items() if k in others}
    assert short_links(stores[::-1]) == links  # the rule is not first come, first served


@pytest.mark.parametrize("kit", KITS)
def test_every_bundled_stores_code_is_version_4_or_lower(kit: str) -> None:
    project = load_project(MATERIALS, kit=kit)
    error = store_printing.QR_ERROR["store-banner"]
    assert project.stores
    for store in project.stores:
        old = encode(f"{project.campaign.site_url}go/{store.slug}/", error).payload.version
        new = encode(project.go_url(store), error).payload.version
        assert new <= 4 and new < old, (store.store_id, new, old)


def _again(stores: tuple[Store, ...]) -> tuple[Store, ...]:
    """The stores made again: each works out its code's digits when made (`Store.code_digits`)."""
    return tuple(dataclasses.replace(store) for store in stores)


def _go_pages(project: Project, root: Path) -> BuildContext:
    """The site stage's go pages alone (no mkdocs), into `root/out`."""
    (root / "out").mkdir(parents=True)
    memo = Memo(root / "cache")
    ctx = BuildContext(project=project, out=Output(root / "out", memo), options=Options(), previous=None,
                       previous_root=root / "prev", cache=root / "cache", memo=memo)
    site._write_go_pages(ctx)
    return ctx


def test_both_go_pages_hold_the_store(small_materials: Path, tmp_path: Path) -> None:
    project = load_project(small_materials)
    ctx = _go_pages(project, tmp_path)
    out = tmp_path / "out"
    for store in project.stores:
        new = out / "go" / project.short_links.codes[store.store_id] / "index.html"
        old = out / "go" / store.slug / "index.html"
        assert new.read_bytes() == old.read_bytes()
        assert store.name.replace("&", "&amp;") in new.read_text(encoding="utf-8")
        assert {ctx.out.made[f"go/{p.parent.name}/index.html"].store_id for p in (new, old)} == {store.store_id}
    assert not ctx.warnings


def test_a_retired_code_and_a_slug_taken_by_a_code_still_open_the_app_store(
        small_materials: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = load_project(small_materials)
    a, b = project.stores
    real = model.short_code_digits

    def digits(carrier: str, store_slug: str) -> str:  # a's code is b's old link, then a collision
        return (b.slug + real(carrier, store_slug)) if store_slug == a.slug else real(carrier, store_slug)

    monkeypatch.setattr(model, "SHORT_CODE_LENGTH", len(b.slug))
    monkeypatch.setattr(model, "short_code_digits", digits)
    project = dataclasses.replace(project, stores=_again(project.stores))
    ctx = _go_pages(project, tmp_path)
    out = tmp_path / "out"
    assert project.short_links.codes[a.store_id] == b.slug
    assert a.name in (out / "go" / b.slug / "index.html").read_text(encoding="utf-8")  # the code keeps it
    assert ctx.warnings == [f"site: store {b.store_id}'s old link go/{b.slug}/ is store {a.store_id}'s "
                            f"short code now: reprint {b.store_id}'s banner and card"]

    clash = "abcdefgh"
    monkeypatch.setattr(model, "SHORT_CODE_LENGTH", 7)
    monkeypatch.setattr(model, "short_code_digits", lambda c, s: clash + real(c, s)[len(clash):])
    project = dataclasses.replace(project, stores=_again(project.stores))  # short links worked out again
    _go_pages(project, tmp_path / "again")
    retired = (tmp_path / "again/out/go/abcdefg/index.html").read_text(encoding="utf-8")
    assert project.settings.android_package in retired
    assert a.name not in retired and b.name not in retired


def test_the_banner_carries_and_prints_the_short_link(small_materials: Path, tmp_path: Path) -> None:
    project = load_project(small_materials)
    store = project.stores[0]
    made = {name: path for _, name, _, path, _, _ in store_printing.render_store_items(
        project, project.stores[:1], 1, Memo(tmp_path / "cache"))}
    page = pdfium.PdfDocument(made["store-banner"])[0]
    codes = zxingcpp.read_barcodes(page.render(scale=15 / 72).to_pil())
    assert [c.text for c in codes] == [project.go_url(store)]
    assert "/go/" + project.short_links.codes[store.store_id] + "/" in project.go_url(store)
    text = page.get_textpage().get_text_range()
    assert project.go_url(store).removeprefix("https://").rstrip("/") in text
    assert store.slug not in text
