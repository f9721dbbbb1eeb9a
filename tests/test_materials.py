"""Loading materials/ and every validation rule, with the exact message each one prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import campaign_kit.stores
from campaign_kit.errors import ContentError
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.printing.general import general_directive
from campaign_kit.printing.stores import store_directive
from campaign_kit.stages.forms import form_directive
from campaign_kit.stages.messages import message_directive
from campaign_kit.stores import legacy_encoding, normalise_phone
from campaign_kit.text import fold

from .conftest import ROOT, STORES, problems

HEADER = "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
GOOD_ROW = "T-1,VNPT,Cửa hàng VNPT Chi Lăng,Số 1 đường Lê Lợi,,Huyện Chi Lăng,Lạng Sơn,0912345678,7:00–17:00\n"


def only_stores(materials: Path, text: str, name: str = "list.csv", encoding: str = "utf-8") -> None:
    for path in (materials / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (materials / STORES / name).write_bytes(text.encode(encoding))


# --- the bundled content -------------------------------------------------------------------

def test_bundled_materials_load() -> None:
    project = load_project(ROOT / "materials")
    assert project.settings.app_name == "Bluezone"
    assert project.settings.android_package == "com.mic.bluezone"
    assert project.settings.ios_app_id == "1508062685"
    assert [lang.code for lang in project.languages][:2] == ["vi", "en"]
    assert len(project.stores) >= 150
    assert {s.carrier for s in project.stores} == {"vnpt", "viettel", "mobifone", "vnpost", "viettelpost"}
    lang_son = next(p for p in project.provinces if p.name == "Lạng Sơn")
    assert len(lang_son.districts) == 11
    assert {s.district for s in project.stores} == set(lang_son.districts)
    # Newest first; the directive that asked for store banners is the one stores follow.
    assert project.directives[0].sort_key >= project.directives[-1].sort_key
    assert store_directive(project).number == "…/STTTT-BCVT"
    # Only the national letters and Lạng Sơn's own: Long An's install link is not Lạng Sơn's.
    assert {d.scope for d in project.directives} == {"national", "Lạng Sơn"}
    assert project.effective.set_by["install_url"] is None
    assert project.text("vi", "banner_title") == "Điểm hỗ trợ cài đặt Bluezone phòng chống Covid-19"


def test_every_text_is_nfc_and_every_store_list_encoding_reads_the_same() -> None:
    import unicodedata

    project = load_project(ROOT / "materials")
    for store in project.stores:
        for value in store.row():
            assert unicodedata.is_normalized("NFC", value), store.source
    # The Windows-1258 list decodes to the same district names as the UTF-8 ones.
    sources = {s.source.split(",")[0] for s in project.stores}
    assert any(name.endswith(".xlsx") for name in sources) and any(name.endswith(".csv") for name in sources)


def test_switching_the_app_is_a_materials_edit(materials: Path) -> None:
    (materials / "directives" / "2021-09-pc-covid.md").write_text(
        "---\nnumber: 1234/BTTTT-THH\ndate: 2021-09-22\nissuer: Bộ Thông tin và Truyền thông\n"
        "scope: national\ntitle: Chuyển sang ứng dụng PC-Covid\nsettings:\n  app_name: PC-Covid\n"
        "  android_package: com.bkav.ncovi\n---\nBluezone được tích hợp vào PC-Covid.\n",
        encoding="utf-8")
    project = load_project(materials)
    assert project.text("vi", "banner_title") == "Điểm hỗ trợ cài đặt PC-Covid phòng chống Covid-19"
    assert store_directive(project).number == "1234/BTTTT-THH"


def test_a_directive_is_credited_only_for_the_outputs_its_settings_shape(materials: Path) -> None:
    (materials / "directives" / "2021-03-sms.md").write_text(
        "---\nnumber: 99/STTTT\ndate: 2021-03-01\nissuer: Sở TTTT\nscope: Lạng Sơn\n"
        "title: Tin nhắn ngắn hơn\nsettings:\n  sms_segment_budget: 1\n---\nMỗi tin nhắn một phần.\n",
        encoding="utf-8")
    project = load_project(materials)
    assert message_directive(project, "vi", "sms").number == "99/STTTT"
    others = [message_directive(project, "vi", "zalo"), store_directive(project),
              form_directive(project, "installs")]
    others += [general_directive(project, lang.code) for lang in project.languages]
    assert all(d is not None and d.number != "99/STTTT" for d in others)


def test_an_unknown_scope_is_named_by_file_and_field(materials: Path) -> None:
    path = materials / "directives" / "2021-01-28-05-ct-ttg.md"
    _edit(path, "scope: national", "scope: Hà Giang")
    line = _line_of(path, "scope:")
    (problem,) = problems(materials)
    assert problem.startswith(f"materials/directives/2021-01-28-05-ct-ttg.md, line {line}, scope: "
                              "unknown scope 'Hà Giang': write 'national' (Prime Minister, Ministries) or a "
                              "province of regions.yml (")


def test_each_kit_applies_the_national_letters_and_its_own_provinces() -> None:
    from campaign_kit.materials import kit_names

    assert set(kit_names(ROOT / "materials")) >= {"lang-son", "binh-phuoc", "quang-binh", "long-an"}
    for kit in kit_names(ROOT / "materials"):
        project = load_project(ROOT / "materials", kit=kit)
        province = project.campaign.campaign.province
        assert {d.scope for d in project.directives} <= {"national", province}, kit
        assert any(d.scope == province for d in project.directives), kit
        assert {s.province for s in project.stores} == {province}, kit
        assert project.campaign.site_url != load_project(ROOT / "materials").campaign.site_url or kit == "lang-son"
    long_an = load_project(ROOT / "materials", kit="long-an")
    assert long_an.settings.install_url == "https://go.zalo.me/bluezone"
    assert message_directive(long_an, "vi", "zalo").scope == "Long An"


def test_a_letter_dated_by_month_sorts_after_the_dated_letters_of_that_month() -> None:
    project = load_project(ROOT / "materials", kit="long-an")
    order = [(d.date.month, d.day_known) for d in reversed(project.directives) if d.date.year == 2020]
    august = [known for month, known in order if month == 8]
    assert august == sorted(august, reverse=True)  # dated letters first, then "08/2020"
    assert any(not d.day_known and d.date_label == "08/2020" for d in project.directives)


# --- store list formats --------------------------------------------------------------------

def test_semicolon_bom_vietnamese_headers(materials: Path) -> None:
    text = ("Mã cửa hàng;Nhà mạng;Tên cửa hàng;Địa chỉ;Phường/Xã;Quận/Huyện;Tỉnh/Thành phố;"
            "Điện thoại;Giờ mở cửa\n"
            "B-1;Bưu điện;Bưu cục Chi Lăng;Khu Hòa Bình;;Huyện Chi Lăng;Lạng Sơn;(0205) 3820 100;7–17\n")
    only_stores(materials, "\ufeff" + text)
    (store,) = load_project(materials).stores
    assert (store.carrier, store.phone, store.district) == ("vnpost", "02053820100", "Huyện Chi Lăng")


def test_windows_1258_and_decomposed_text_become_nfc(materials: Path) -> None:
    import unicodedata

    from benchmarks.storegen import cp1258_text

    row = GOOD_ROW.replace("Cửa hàng VNPT Chi Lăng", "Cửa hàng Đồng Đăng")
    text = cp1258_text(HEADER + row)  # tone marks as combining characters, as Windows-1258 stores them
    assert not unicodedata.is_normalized("NFC", text)
    only_stores(materials, text, encoding="cp1258")
    (store,) = load_project(materials).stores
    assert store.name == "Cửa hàng Đồng Đăng"
    assert unicodedata.is_normalized("NFC", store.name)


def test_xlsx_with_numeric_phone(materials: Path) -> None:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Mã cửa hàng", "Nhà mạng", "Tên cửa hàng", "Địa chỉ", "Phường/Xã", "Quận/Huyện",
                  "Tỉnh/Thành phố", "Điện thoại", "Giờ mở cửa"])
    sheet.append(["X-1", "MobiFone", "Cửa hàng MobiFone", "Số 5", "", "Huyện Lộc Bình", "Lạng Sơn",
                  912345678, "8:00"])
    only_stores(materials, "")
    (materials / STORES / "list.csv").unlink()
    workbook.save(materials / STORES / "list.xlsx")
    (store,) = load_project(materials).stores
    assert store.phone == "0912345678"


@pytest.mark.parametrize("raw, expected", [
    ("0912 345 678", "0912345678"), ("0205.3812.345", "02053812345"), ("+84 912 345 678", "0912345678"),
    ("1900 9095", "19009095"), ("12345", None), ("09123456789", None), ("abc", None), ("", ""),
])
def test_phone_numbers(raw: str, expected: str | None) -> None:
    assert normalise_phone(raw) == expected


def test_legacy_encodings_are_told_apart() -> None:
    assert legacy_encoding("L¹ng S¬n") == "TCVN3"
    assert legacy_encoding("Laïng Sôn ñöôøng") == "VNI"
    assert legacy_encoding("Lạng Sơn, Đồng Đăng") is None
    assert legacy_encoding("Tôi yêu Việt Nam à") is None


# --- every rule, with its exact message ----------------------------------------------------

def test_a_list_full_of_bad_rows_reports_every_row_in_one_pass(materials: Path) -> None:
    rows = [
        GOOD_ROW,
        GOOD_ROW,                                                              # duplicate id
        "T-3,Vinafone,Cửa hàng,Số 2,,Huyện Chi Lăng,Lạng Sơn,,\n",             # unknown carrier
        "T-4,VNPT,Cửa hàng,Số 3,,Huyện Ba Vì,Lạng Sơn,,\n",                    # district elsewhere
        "T-5,VNPT,Cửa hàng,Số 4,,Huyện Chi Lăng,Lạng Sơn,12345,\n",            # bad phone
        "T-6,VNPT,,,,Huyện Chi Lăng,Lạng Sơn,,\n",                             # missing values
        "T-7,VNPT,Cửa hàng,Số 5,,Quận 1,Hồ Chí Minh,,\n",                      # unknown province
        "T-8,VNPT,L¹ng S¬n,Số 6,,Huyện Chi Lăng,Lạng Sơn,,\n",                # TCVN3 text
    ]
    only_stores(materials, HEADER + "".join(rows))
    assert problems(materials) == [
        "materials/kits/lang-son/stores/list.csv, row 3, store_id: duplicate store_id 'T-1' "
        "(first at materials/kits/lang-son/stores/list.csv, row 2)",
        "materials/kits/lang-son/stores/list.csv, row 4, carrier: unknown carrier 'Vinafone' "
        "(known: VNPT, Viettel, MobiFone, Vietnam Post, Viettel Post)",
        "materials/kits/lang-son/stores/list.csv, row 5, district: 'Huyện Ba Vì' is not a district of Lạng Sơn "
        "(see regions.yml)",
        "materials/kits/lang-son/stores/list.csv, row 6, phone: '12345' is not a Vietnamese phone number "
        "(10 digits for mobiles, 11 for landlines, starting with 0)",
        "materials/kits/lang-son/stores/list.csv, row 7, address: missing required value",
        "materials/kits/lang-son/stores/list.csv, row 7, name: missing required value",
        "materials/kits/lang-son/stores/list.csv, row 8, province: unknown province 'Hồ Chí Minh' (not in regions.yml)",
        "materials/kits/lang-son/stores/list.csv, row 9, name: text looks like TCVN3 encoding ('L¹ng S¬n'): convert the "
        "file to Unicode (e.g. Unikey's converter, TCVN3 -> Unicode) and save it as UTF-8",
    ]


def test_missing_column(materials: Path) -> None:
    only_stores(materials, "store_id,name\nA,B\n")
    assert problems(materials) == [
        "materials/kits/lang-son/stores/list.csv, row 1, carrier, address, district, province: missing column "
        "(headers: store_id, carrier, name, address, ward, district, province, phone, opening_hours "
        "or their Vietnamese names, see README)"]


def test_store_ids_that_collide_as_links(materials: Path) -> None:
    only_stores(materials, HEADER + GOOD_ROW + GOOD_ROW.replace("T-1", "t 1"))
    assert problems(materials) == [
        "materials/kits/lang-son/stores/list.csv, row 3, store_id: store_id 't 1' gives the same link 'go/t-1/' "
        "as the store at materials/kits/lang-son/stores/list.csv, row 2"]


def test_kept_store_lists_give_the_same_stores_and_problems(materials: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A list kept from the last load (unchanged bytes) is not read again, yet its rows still
    count for ids across lists, and its problems are reported again."""
    memo = Memo(tmp_path / "cache")
    only_stores(materials, HEADER + GOOD_ROW, "a.csv")
    (materials / STORES / "b.csv").write_text(HEADER + GOOD_ROW.replace("T-1", "T-2").replace(
        "0912345678", "12345"), encoding="utf-8")
    with pytest.raises(ContentError) as first:
        load_project(materials, memo)
    monkeypatch.setattr(campaign_kit.stores, "read_store_files", lambda *_: pytest.fail("read again"))
    with pytest.raises(ContentError) as again:  # both lists from the memo now
        load_project(materials, memo)
    monkeypatch.undo()
    assert (memo.root / "named" / "store-lists").is_file()
    assert [str(p) for p in again.value.problems] == [str(p) for p in first.value.problems] == [
        "materials/kits/lang-son/stores/b.csv, row 2, phone: '12345' is not a Vietnamese phone number "
        "(10 digits for mobiles, 11 for landlines, starting with 0)"]
    # Only b.csv changes: it now repeats a.csv's id, which is known from the memo alone.
    (materials / STORES / "b.csv").write_text(HEADER + GOOD_ROW, encoding="utf-8")
    with pytest.raises(ContentError) as clash:
        load_project(materials, memo)
    assert [str(p) for p in clash.value.problems] == [
        "materials/kits/lang-son/stores/b.csv, row 2, store_id: duplicate store_id 'T-1' "
        "(first at materials/kits/lang-son/stores/a.csv, row 2)"]
    (materials / STORES / "b.csv").write_text(HEADER + GOOD_ROW.replace("T-1", "T-2"), encoding="utf-8")
    kept = load_project(materials, memo).stores
    assert kept == load_project(materials).stores and [s.store_id for s in kept] == ["T-1", "T-2"]
    assert [(s.slug, s.row_key) for s in kept] == [(s.slug, repr(s.row()))
                                                   for s in load_project(materials).stores]
    # A list the memo holds that is gone is forgotten; an edited one is read again.
    (materials / STORES / "b.csv").unlink()
    edited = GOOD_ROW.replace("Chi Lăng,Số 1", "Chi Lăng,Số 9")
    (materials / STORES / "a.csv").write_text(HEADER + edited, encoding="utf-8")
    (only,) = load_project(materials, memo).stores
    assert only.address == "Số 9 đường Lê Lợi"


def _line_of(path: Path, start: str) -> int:
    """The 1-based number of the first line starting with `start` (the line a message must name)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(start))


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_url_must_be_https_on_an_allowed_domain(materials: Path) -> None:
    kit = materials / "kits" / "lang-son" / "kit.yml"
    _edit(kit, "site_url: https://bluezone.langson.gov.vn/", "site_url: http://bluezone.langson.gov.vn/")
    # Another province's letter is checked too: `check` covers every file of materials/.
    long_an = materials / "directives" / "2020-08-stttt-bctt-long-an.md"
    _edit(long_an, "install_url: https://go.zalo.me/bluezone", "install_url: https://bluezone-app.example.com/x")
    assert problems(materials) == [
        f"materials/directives/2020-08-stttt-bctt-long-an.md, line {_line_of(long_an, 'install_url:')}, "
        "settings.install_url: 'https://bluezone-app.example.com/x': domain 'bluezone-app.example.com' is "
        "not in allowed_domains of campaign.yml",
        f"materials/kits/lang-son/kit.yml, line {_line_of(kit, 'site_url:')}, site_url: "
        "'http://bluezone.langson.gov.vn/' must use https",
    ]


def test_bad_date_and_missing_number(materials: Path) -> None:
    path = materials / "directives" / "2020-08-04-2723-vpubnd-kgvx.md"
    _edit(path, 'number: "2723/VPUBND-KGVX"\n', "")
    _edit(path, "date: 2020-08-04", "date: 2020-02-30")
    line = _line_of(path, "date:")
    assert problems(materials) == [
        f"materials/directives/2020-08-04-2723-vpubnd-kgvx.md, line {line}, date: '2020-02-30' is not a valid "
        "date; write YYYY-MM-DD (or YYYY-MM when the letter leaves the day blank)",
        f"materials/directives/2020-08-04-2723-vpubnd-kgvx.md, line {line}, number: missing required value",
    ]


def test_directive_without_front_matter(materials: Path) -> None:
    (materials / "directives" / "x.md").write_text("Chỉ có nội dung.\n", encoding="utf-8")
    assert problems(materials) == [
        "materials/directives/x.md, line 1: missing front matter (a block between '---' lines at the top)"]


def test_unknown_setting_names_the_line(materials: Path) -> None:
    path = materials / "directives" / "2021-01-28-05-ct-ttg.md"
    _edit(path, "source:", "settings:\n  app_colour: blue\nsource:")
    (problem,) = problems(materials)
    line = _line_of(path, "app_colour:")
    assert problem.startswith(f"materials/directives/2021-01-28-05-ct-ttg.md, line {line}, settings.app_colour: "
                              "unknown setting (known: app_name, android_package,")


def test_setting_value_checked_against_its_type(materials: Path) -> None:
    _edit(materials / "campaign.yml", "sms_segment_budget: 2 ", "sms_segment_budget: 40 ")
    line = _line_of(materials / "campaign.yml", "sms_segment_budget:")
    assert problems(materials) == [
        f"materials/campaign.yml, line {line}, settings.sms_segment_budget: "
        "Input should be less than or equal to 10"]


def test_yaml_syntax_error_names_the_line(materials: Path) -> None:
    _edit(materials / "formats.yml", "    width_mm: 210\n", "    width_mm: [210\n")
    (problem,) = problems(materials)
    assert problem.startswith("materials/formats.yml, line 11: YAML syntax error:")


def test_text_problems(materials: Path) -> None:
    _edit(materials / "text" / "en.yml", "install_button: Install {app_name}",
          "install_button: Install {app}\nnot_a_key: x")
    assert problems(materials) == [
        "materials/text/en.yml, line 5, install_button: unknown placeholder {app} (known: app_name, "
        "android_package, ios_app_id, official_site, install_url, android_download_url, hotline, support_points, "
        "broadcasts_per_day, sms_segment_budget, public_service_goal)",
        "materials/text/en.yml, line 6, not_a_key: unknown text key (not in the vi texts)",
    ]


def test_texts_from_before_a_key_existed_are_reported_not_a_crash(materials: Path) -> None:
    _edit(materials / "text" / "vi.site.yml", "go_stay: Ở lại trang này\n", "")
    _edit(materials / "text" / "en.site.yml", "go_stay: Stay on this page\n", "")  # else "unknown key"
    _edit(materials / "text" / "km.site.yml", "go_stay: ស្នាក់នៅលើទំព័រនេះ\n", "")
    _edit(materials / "text" / "zh.site.yml", "go_stay: 留在此页\n", "")
    assert problems(materials) == ["materials/text/vi.site.yml, go_stay: missing text: the site needs it "
                                   "in the default language (see the bundled materials/text/ files)"]


def test_missing_translation_falls_back_to_vietnamese(materials: Path) -> None:
    _edit(materials / "text" / "km.yml", "hotline_label: ខ្សែទូរស័ព្ទបន្ទាន់\n", "")
    project = load_project(materials)
    assert "hotline_label" in project.texts.missing["km"]
    assert project.text("km", "hotline_label") == project.text("vi", "hotline_label")
    assert project.texts.lang_of("km", "hotline_label") == "vi"


# --- the command line ----------------------------------------------------------------------

def test_check_command_lists_every_bad_row_without_a_traceback(materials: Path) -> None:
    only_stores(materials, HEADER + GOOD_ROW + GOOD_ROW + "T-9,Nokia,X,Y,,Huyện Chi Lăng,Lạng Sơn,1,\n")
    result = subprocess.run([sys.executable, str(ROOT / "build_posters.py"), "check",
                             "--materials", str(materials)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == "3 problem(s) found; nothing was written."
    assert all(line.startswith("materials/kits/lang-son/stores/list.csv, row ") for line in lines[:-1])
    assert {line.split(",")[1] for line in lines[:-1]} == {" row 3", " row 4"}


def test_check_command_passes_on_the_bundled_materials() -> None:
    result = subprocess.run([sys.executable, "build_posters.py", "check"], capture_output=True,
                            text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: kit lang-son (Lạng Sơn): ")
    every = subprocess.run([sys.executable, "build_posters.py", "check", "--kit", "all"], capture_output=True,
                           text=True, cwd=ROOT)
    assert every.returncode == 0, every.stderr
    assert [line.split(" (")[0] for line in every.stdout.splitlines() if line.startswith("OK")] == [
        "OK: kit binh-phuoc", "OK: kit lang-son", "OK: kit long-an", "OK: kit quang-binh"]


def test_fold_drops_the_marks_of_every_latin_letter_and_keeps_other_scripts() -> None:
    import unicodedata

    assert fold("Đăng ký Bluezone ở Lạng Sơn") == "Dang ky Bluezone o Lang Son"
    assert fold("ស្វាគមន៍") == "ស្វាគមន៍"  # Khmer vowel signs are part of the letters
    assert fold("Cà phê 咖啡") == "Ca phe 咖啡"
    assert fold("a\u0301") == "a"  # not NFC: the mark still goes
    for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)):  # NFC letters: the translate table
        decomposed = unicodedata.normalize("NFD", chr(cp))
        marks = decomposed[1:]
        if marks and decomposed[0] < "\u0250" and all(unicodedata.combining(m) for m in marks):
            assert fold(chr(cp)) == decomposed[0], hex(cp)  # ǯ (ʒ + caron) is not Latin: kept


def test_a_kits_own_field_in_the_shared_campaign_file_is_named(materials: Path) -> None:
    campaign = materials / "campaign.yml"
    campaign.write_text(campaign.read_text(encoding="utf-8") + "\nsite_url: https://bluezone.gov.vn/\n",
                        encoding="utf-8")
    assert problems(materials) == [
        f"materials/campaign.yml, line {_line_of(campaign, 'site_url:')}, site_url: belongs in a kit's "
        "kit.yml (materials/kits/<kit>/kit.yml), not in the shared campaign.yml"]
