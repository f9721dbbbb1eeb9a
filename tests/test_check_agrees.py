"""Issue 15, finding 7: `check` refuses what `build` would refuse. A store field too long to
print, and a character no font the item prints in has (an emoji, Tangut), are problems of
`check`, naming the file, the row or line, and the field; texts, settings and names that print
are checked in each language they print in."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign_kit.materials import load_project
from campaign_kit.model import MAX_STORE_CHARS

from .conftest import STORES, problems

HEADER = "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
GOOD_ROW = "T-1,VNPT,Cửa hàng VNPT Chi Lăng,Số 1 đường Lê Lợi,Xã Chi Lăng,Huyện Chi Lăng,Lạng Sơn,0912345678,7:00–17:00\n"
LIST = "materials/kits/lang-son/stores/list.csv"
FIX = "remove it, or add a font that has it to templates/print/fonts.yml"
MICROBE = "U+1F9A0 🦠 MICROBE"
EVERY_LANGUAGE = "vi, en: Noto Sans; km: Noto Sans Khmer, Noto Sans; zh: Noto Sans CJK SC, Noto Sans"


def only_stores(materials: Path, *rows: str) -> None:
    """The default kit's store lists replaced by one list: a good row (row 2), then `rows`."""
    for path in (materials / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (materials / STORES / "list.csv").write_text(HEADER + GOOD_ROW + "".join(rows), encoding="utf-8")


def row_with(field: str, value: str) -> str:
    """The good row with another id and `field` set to `value` (quoted: values hold commas)."""
    values = dict(zip(HEADER.strip().split(","), GOOD_ROW.strip().split(",")), store_id="T-2")
    values[field] = value
    return ",".join('"' + v.replace('"', '""') + '"' for v in values.values()) + "\n"


def edit(materials: Path, rel: str, old: str, new: str) -> int:
    """Replace `old` by `new` in `rel`; the line (1-based) where `new` starts."""
    path = materials / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[:text.index(old)].count("\n") + 1


# --- store rows -------------------------------------------------------------------------------

def sized(words: str, n: int) -> str:
    """`words` repeated to exactly `n` characters (ending in a letter: values are trimmed)."""
    return (words * n)[:n - 1] + "x"


NAME, ADDRESS = "Cửa hàng giao dịch VNPT ", "Số 1 đường Lê Lợi "
STORE_CASES = [
    # Too long to print: the bounds of MAX_STORE_CHARS.
    ("store_id", "T" * 300, "store_id: 300 characters: at most 40 are allowed (shorten it in the store list)"),
    ("store_id", sized("T-9", 41), "store_id: 41 characters: at most 40 are allowed (shorten it in the store list)"),
    ("name", sized(NAME, 151), "name: 151 characters: at most 150 are allowed (shorten it in the store list)"),
    ("name", sized(NAME, 1200), "name: 1,200 characters: at most 150 are allowed (shorten it in the store list)"),
    ("address", sized(ADDRESS, 201), "address: 201 characters: at most 200 are allowed (shorten it in the store list)"),
    ("ward", sized("Xã ", 101), "ward: 101 characters: at most 100 are allowed (shorten it in the store list)"),
    ("opening_hours", sized("7:00–17:00 ", 101), "opening_hours: 101 characters: at most 100 are allowed "
                                                 "(shorten it in the store list)"),
    # Characters no font of the Vietnamese print stack has: store items print in Vietnamese.
    ("name", "Cửa hàng 🦠 VNPT", f"name: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
    ("address", "Số 1 \U00017000\U00017001", "address: U+17000 \U00017000, U+17001 \U00017001 are in no font it "
                                             f"prints in (vi: Noto Sans): {FIX}"),
    ("ward", "Xã 😷", f"ward: U+1F637 😷 FACE WITH MEDICAL MASK is in no font it prints in (vi: Noto Sans): {FIX}"),
    ("opening_hours", "7:00–17:00 🦠", f"opening_hours: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
    ("store_id", "T-🦠", f"store_id: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
    ("name", "ហាងទូរស័ព្ទ", "name: U+1784 ង KHMER LETTER NGO, U+1791 ទ KHMER LETTER TO, U+1796 ព KHMER LETTER PO, "
                          "U+179A រ KHMER LETTER RO, U+179F ស KHMER LETTER SA and 5 more are in no font it prints in "
                          f"(vi: Noto Sans): {FIX}"),
]


@pytest.mark.parametrize("field, value, expected", STORE_CASES)
def test_a_store_row_that_cannot_print_is_a_problem_of_check(materials: Path, field: str, value: str,
                                                             expected: str) -> None:
    only_stores(materials, row_with(field, value))
    assert problems(materials) == [f"{LIST}, row 3, {expected}"]


def test_the_issues_rows_are_refused_where_they_are(materials: Path) -> None:
    """The issue's own rows: a 5,000-character name (refused by the store-list reader's own bound
    too, whichever says it first), a 300-character id, an emoji, Tangut: one pass, each at its row."""
    only_stores(materials, row_with("name", "x" * 5000), row_with("store_id", "T" * 300).replace("T-2", "T-3"),
                row_with("name", "Cửa hàng 🦠").replace("T-2", "T-4"),
                row_with("address", "Số \U00017000").replace("T-2", "T-5"))
    found = problems(materials)
    assert [p.split(": ", 1)[0] for p in found] == [f"{LIST}, row {n}, {f}" for n, f in
                                                    ((3, "name"), (4, "store_id"), (5, "name"), (6, "address"))]
    assert "5,000 characters" in found[0]
    assert found[1].endswith("store_id: 300 characters: at most 40 are allowed (shorten it in the store list)")
    assert found[2].endswith(f"name: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}")
    assert found[3].endswith(f"address: U+17000 \U00017000 is in no font it prints in (vi: Noto Sans): {FIX}")


def test_store_fields_at_their_bounds_load_and_one_more_character_does_not(materials: Path) -> None:
    at_bound = {"store_id": sized("T-9", 40), "name": sized(NAME, 150), "address": sized(ADDRESS, 200),
                "ward": sized("Xã ", 100), "opening_hours": sized("7:00–17:00 ", 100)}
    assert tuple(at_bound) == tuple(MAX_STORE_CHARS)
    rows = [row_with(f, v).replace("T-2", f"T-{i + 3}") for i, (f, v) in enumerate(at_bound.items())]
    only_stores(materials, *rows, row_with("name", sized(NAME, 151)))  # row 8
    assert problems(materials) == [f"{LIST}, row 8, name: 151 characters: at most 150 are allowed "
                                   "(shorten it in the store list)"]
    (materials / STORES / "list.csv").write_text(HEADER + GOOD_ROW + "".join(rows), encoding="utf-8")
    stores = {s.store_id: s for s in load_project(materials).stores}
    assert [stores[at_bound["store_id"]].store_id] + [
        getattr(stores[f"T-{i + 3}"], f) for i, f in enumerate(at_bound) if f != "store_id"] == list(at_bound.values())


# --- texts, settings and names that print ------------------------------------------------------

TEXT_CASES = [
    # A text in its own language: a Khmer poster prints in Noto Sans Khmer, then Noto Sans.
    ("text/km.yml", "tagline: កម្មវិធី", "tagline: \U00017000 កម្មវិធី",
     f"tagline: U+17000 \U00017000 is in no font it prints in (km: Noto Sans Khmer, Noto Sans): {FIX}"),
    # Khmer letters in a Vietnamese poster: Noto Sans has none.
    ("text/vi.yml", "poster_headline: Cài đặt", "poster_headline: ហ Cài đặt",
     f"poster_headline: U+17A0 ហ KHMER LETTER HA is in no font it prints in (vi: Noto Sans): {FIX}"),
    # One item of a list.
    ("text/vi.yml", "  - Bật Bluetooth", "  - 🦠 Bật Bluetooth",
     f"steps[2]: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
    # A store banner's text (Vietnamese only).
    ("text/vi.yml", "banner_title: Điểm", "banner_title: 🦠 Điểm",
     f"banner_title: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
    # Settings print in every language, wherever they are set.
    ("campaign.yml", 'hotline: "1900 9095"', 'hotline: "1900 9095 🦠"',
     f"settings.hotline: {MICROBE} is in no font it prints in ({EVERY_LANGUAGE}): {FIX}"),
    ("directives/2020-08-01-2841-bttt-thh.md", "app_name: Bluezone", "app_name: Bluezone🦠",
     f"settings.app_name: {MICROBE} is in no font it prints in ({EVERY_LANGUAGE}): {FIX}"),
    # A directive's number on every print that follows it; the department on every poster.
    ("directives/2020-08-01-2841-bttt-thh.md", 'number: "2841/BTTTT-THH"', 'number: "2841/BTTTT-THH 🦠"',
     f"number: {MICROBE} is in no font it prints in ({EVERY_LANGUAGE}): {FIX}"),
    ("kits/lang-son/kit.yml", "department: Sở", "department: 🦠 Sở",
     f"department: {MICROBE} is in no font it prints in ({EVERY_LANGUAGE}): {FIX}"),
    # The carrier's name on its store banners; a poster format's title (its PDF's).
    ("campaign.yml", "    name: VNPT\n", "    name: VNPT 🦠\n",
     f"carriers[0].name: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
    ("formats.yml", "title: Áp phích A4", "title: Áp phích A4 🦠",
     f"formats.poster-a4.title: {MICROBE} is in no font it prints in ({EVERY_LANGUAGE}): {FIX}"),
]


@pytest.mark.parametrize("rel, old, new, expected", TEXT_CASES)
def test_a_printed_text_without_glyphs_is_a_problem_of_check(materials: Path, rel: str, old: str, new: str,
                                                             expected: str) -> None:
    line = edit(materials, rel, old, new)
    assert problems(materials) == [f"materials/{rel}, line {line}, {expected}"]


def test_a_fallback_text_is_checked_in_each_language_it_prints_in(materials: Path) -> None:
    """English lacks the tagline: its posters print the Vietnamese one, in English's fonts."""
    edit(materials, "text/en.yml", "tagline: The close-contact alert app against Covid-19\n", "")
    line = edit(materials, "text/vi.yml", "tagline: Ứng dụng", "tagline: 🦠 Ứng dụng")
    assert problems(materials) == [
        f"materials/text/vi.yml, line {line}, tagline: {MICROBE} is in no font it prints in (vi, en: Noto Sans): {FIX}"]


@pytest.mark.parametrize("shown, printed, expected", [
    # The site's button, and the poster's tagline.
    (("text/en.yml", "install_button: Install {app_name}", "install_button: Install {app_name} 🦠"),
     ("text/en.yml", "tagline: The", "tagline: 🦠 The"),
     f"tagline: {MICROBE} is in no font it prints in (en: Noto Sans): {FIX}"),
    # A setting no print shows, and one every poster shows.
    (("campaign.yml", "android_package: com.mic.bluezone", "android_package: com.mic.bluezone🦠"),
     ("campaign.yml", 'hotline: "1900 9095"', 'hotline: "1900 9095 🦠"'),
     f"settings.hotline: {MICROBE} is in no font it prints in ({EVERY_LANGUAGE}): {FIX}"),
    # The language switcher's name, and a carrier's on its banners.
    (("campaign.yml", "    name: 中文", "    name: 中文 🦠"),
     ("campaign.yml", "    name: Viettel\n", "    name: Viettel 🦠\n"),
     f"carriers[1].name: {MICROBE} is in no font it prints in (vi: Noto Sans): {FIX}"),
])
def test_only_what_prints_is_checked_for_glyphs(materials: Path, shown: tuple[str, str, str],
                                                printed: tuple[str, str, str], expected: str) -> None:
    """The site and the messages are not printed: their texts may hold what the print fonts lack."""
    edit(materials, *shown)
    line = edit(materials, *printed)
    assert problems(materials) == [f"materials/{printed[0]}, line {line}, {expected}"]

