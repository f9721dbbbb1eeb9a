"""Hostile input (issue 15): unsafe links, formula injection, translation expansion, invisible and
control characters. One table per finding, each case with the exact message `check` prints."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import openpyxl
import pytest

from campaign_kit.materials import MAX_TEXT_CHARS, load_project
from campaign_kit.model import MAX_SETTING_CHARS, url_problem

from .conftest import ROOT, STORES, problems

DIRECTIVE = "directives/2021-01-28-05-ct-ttg.md"
"""A national letter every kit applies, with no settings and a plain summary."""
HEADER = "store_id,carrier,name,address,ward,district,province,phone,opening_hours\n"
GOOD_ROW = "T-1,VNPT,Cửa hàng VNPT Chi Lăng,Số 1 đường Lê Lợi,,Huyện Chi Lăng,Lạng Sơn,0912345678,7:00–17:00\n"
LIST = "materials/kits/lang-son/stores/list.csv"

Edit = Callable[[Path], None]


def replace(rel: str, old: str, new: str) -> Edit:
    def edit(materials: Path) -> None:
        path = materials / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return edit


def append(rel: str, text: str) -> Edit:
    def edit(materials: Path) -> None:
        path = materials / rel
        path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return edit


def line_of(materials: Path, rel: str, start: str) -> int:
    lines = (materials / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if line.strip().startswith(start))


def check_case(materials: Path, edit: Edit, rel: str, start: str, expected: list[str]) -> None:
    """Apply `edit`, then every problem is `rel`, at the line starting with `start`, + each of `expected`."""
    edit(materials)
    line = line_of(materials, rel, start)
    assert problems(materials) == [f"materials/{rel}, line {line}, {e}" for e in expected]


# --- 1. unsafe links ------------------------------------------------------------------------

KIT = "kits/lang-son/kit.yml"
SETTINGS = "\nsettings:\n  official_site: "
MD_JS = "'javascript:alert(document.domain)' must use https"

URL_CASES = [
    # URL settings, wherever they are set: campaign.yml, kit.yml, a directive.
    ("campaign.yml", replace("campaign.yml", "install_url: https://bluezone.gov.vn/taiapp",
                             "install_url: javascript:alert(document.domain)"),
     "install_url:", ["settings.install_url: 'javascript:alert(document.domain)' must use https"]),
    (KIT, append(KIT, SETTINGS + "'data:text/html,<script>alert(1)</script>'\n"), "official_site:",
     ["settings.official_site: 'data:text/html,<script>alert(1)</script>' must use https"]),
    (DIRECTIVE, replace(DIRECTIVE, "in_force: true", "in_force: true\nsettings:\n  install_url: evil.example/x"),
     "install_url:", ["settings.install_url: 'evil.example/x' must use https"]),
    (DIRECTIVE, replace(DIRECTIVE, "in_force: true",
                        "in_force: true\nsettings:\n  official_site: http://bluezone.gov.vn/"),
     "official_site:", ["settings.official_site: 'http://bluezone.gov.vn/' must use https"]),
    (DIRECTIVE, replace(DIRECTIVE, "in_force: true", "in_force: true\nsettings:\n  official_site: https://[::1"),
     "official_site:", ["settings.official_site: 'https://[::1' is not a valid URL (Invalid IPv6 URL)"]),
    (DIRECTIVE, replace(DIRECTIVE, "in_force: true",
                        "in_force: true\nsettings:\n  official_site: https://bluezone.gov.vn:99999/"),
     "official_site:", ["settings.official_site: 'https://bluezone.gov.vn:99999/' is not a valid URL "
                        "(Port out of range 0-65535)"]),
    (DIRECTIVE, replace(DIRECTIVE, "in_force: true",
                        "in_force: true\nsettings:\n  install_url: https://bluezone.gov.vn@evil.example/"),
     "install_url:", ["settings.install_url: 'https://bluezone.gov.vn@evil.example/' must not hold a user "
                      "name or password before the domain"]),
    (DIRECTIVE, replace(DIRECTIVE, "in_force: true",
                        "in_force: true\nsettings:\n  install_url: 'https://evil.example\\@bluezone.gov.vn/'"),
     "install_url:", ["settings.install_url: 'https://evil.example\\@bluezone.gov.vn/' is not a valid URL: "
                      "'\\' is not allowed in a URL (percent-encode it)"]),
    # The kit's site_url (every QR code's base).
    (KIT, replace(KIT, "site_url: https://bluezone.langson.gov.vn/", "site_url: javascript:alert(document.domain)"),
     "site_url:", ["site_url: 'javascript:alert(document.domain)' must use https"]),
    (KIT, replace(KIT, "site_url: https://bluezone.langson.gov.vn/", "site_url: https://[::1/"),
     "site_url:", ["site_url: 'https://[::1/' is not a valid URL (Invalid IPv6 URL)"]),
    (KIT, replace(KIT, "site_url: https://bluezone.langson.gov.vn/", "site_url: https://bluezone.langson.gov.vn"),
     "site_url:", ["site_url: 'https://bluezone.langson.gov.vn' must end with '/'"]),
    # Texts are data: Markdown links, autolinks, raw HTML attributes, bare URLs, relative links.
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: '[Install](javascript:alert(document.domain))'"),
     "install_button:", [f"install_button: {MD_JS}"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: '[Install](javascript&#58;alert(document.domain))'"),
     "install_button:", [f"install_button: {MD_JS}"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: 'Install <javascript:alert(document.domain)>'"),
     "install_button:", [f"install_button: {MD_JS}"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: \"[Install][1]\\n\\n[1]: javascript:alert(document.domain)\""),
     "install_button:", [f"install_button: {MD_JS}"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: 'Install <a href=\"data:text/html,x\">here</a>'"),
     "install_button:", ["install_button: 'data:text/html,x' must use https"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: 'Install from http://bluezone.gov.vn/taiapp'"),
     "install_button:", ["install_button: 'http://bluezone.gov.vn/taiapp' must use https"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: '[Install](https://evil.example/x)'"),
     "install_button:", ["install_button: 'https://evil.example/x': domain 'evil.example' is not in "
                         "allowed_domains of campaign.yml"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: '[Install](../android/)'"),
     "install_button:", ["install_button: link '../android/' is relative: a text is used on every page, in "
                         "print and in messages, so a link must be a full https URL on an allowed domain"]),
    ("text/en.yml", replace("text/en.yml", "install_button: Install {app_name}",
                            "install_button: 'Install {{: onclick=alert(1) }}'"),
     "install_button:", ["install_button: 'onclick=' is an HTML event handler (it runs script): not allowed"]),
    # Any string that lands in a page: a district closing the template's link around it.
    ("regions.yml", replace("regions.yml", "Huyện Đình Lập]", "Huyện Đình Lập, 'x](javascript:alert(1)) [y']"),
     "districts: [Thành phố Lạng Sơn", ["provinces[0].districts[11]: 'javascript:alert(1)' must use https"]),
    (KIT, replace(KIT, "department: Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
                  "department: '=HYPERLINK(\"http://evil.example\",\"x\")'"),
     "department:", ["department: 'http://evil.example' must use https"]),
]


@pytest.mark.parametrize("rel, edit, start, expected", URL_CASES)
def test_unsafe_links(materials: Path, rel: str, edit: Edit, start: str, expected: list[str]) -> None:
    check_case(materials, edit, rel, start, expected)


def test_unsafe_links_in_a_directive_summary_name_their_line(materials: Path) -> None:
    append(DIRECTIVE, "\nXem [hướng dẫn](../android/) và [câu hỏi](#faq).\n"      # site links: fine
                      "[x](javascript:alert(document.domain)) <https://evil.example/>\n"
                      '<a href="https://bluezone.gov.vn/" onclick="alert(1)">y</a>\n'
                      "<script>alert(1)</script>\n")(materials)
    first = line_of(materials, DIRECTIVE, "[x](")
    where = f"materials/{DIRECTIVE}, line"
    assert problems(materials) == [
        f"{where} {first}, summary: 'https://evil.example/': domain 'evil.example' is not in allowed_domains "
        "of campaign.yml",
        f"{where} {first}, summary: {MD_JS}",
        f"{where} {first + 1}, summary: 'onclick=' is an HTML event handler (it runs script): not allowed",
        f"{where} {first + 2}, summary: raw HTML <script> is not allowed",
    ]


def test_a_url_setting_placeholder_is_a_link_a_text_may_hold(materials: Path) -> None:
    replace("text/en.yml", "install_button: Install {app_name}",
            "install_button: '[Install {app_name}]({install_url})'")(materials)
    project = load_project(materials)
    assert project.text("en", "install_button") == f"[Install Bluezone]({project.settings.install_url})"


@pytest.mark.parametrize("url, expected", [
    ("https://bluezone.gov.vn/taiapp", None),
    ("HTTPS://www.bluezone.gov.vn/", None),
    ("https://[::1", "'https://[::1' is not a valid URL (Invalid IPv6 URL)"),
    ("https://[::1]/", "'https://[::1]/': domain '::1' is not in allowed_domains of campaign.yml"),
    ("https://bluezone.gov.vn:x/", "'https://bluezone.gov.vn:x/' is not a valid URL "
                                   "(Port could not be cast to integer value as 'x')"),
    ("https:///taiapp", "'https:///taiapp' names no domain (write https://<domain>/...)"),
    ("https://bluezone.gov.vn.evil.example/", "'https://bluezone.gov.vn.evil.example/': domain "
                                              "'bluezone.gov.vn.evil.example' is not in allowed_domains of campaign.yml"),
    ("https://evilbluezone.gov.vn/", "'https://evilbluezone.gov.vn/': domain 'evilbluezone.gov.vn' is not in "
                                     "allowed_domains of campaign.yml"),
    ("java\tscript:alert(1)", "'java\\u0009script:alert(1)' must use https"),
    ("https://bluezone.gov.vn/\u202etxt", "'https://bluezone.gov.vn/\\u202etxt' is not a valid URL: "
                                          "U+202E RIGHT-TO-LEFT OVERRIDE is not allowed in a URL (percent-encode it)"),
])
def test_url_problem(url: str, expected: str | None) -> None:
    """One parser for every URL: never a ValueError, never a raw control character in a message."""
    assert url_problem(url, ("bluezone.gov.vn",)) == expected


# --- 3. formula injection -------------------------------------------------------------------

INSTALLS = "downloads/forms/bieu-mau-so-1-bao-cao-cai-dat.xlsx"
STAFF = "downloads/forms/danh-sach-nhan-vien-ho-tro-cai-dat.xlsx"
HOSTILE_DISTRICTS = ("=1+1", "+84 Khu", "-2 Khu", "@SUM(A1)")
HYPERLINK = '=HYPERLINK("https://bluezone.gov.vn/","x")'


def _cells(path: Path) -> list[openpyxl.cell.cell.Cell]:
    sheet = openpyxl.load_workbook(path).active
    assert sheet is not None
    return [cell for row in sheet.iter_rows() for cell in row if cell.value is not None]


def test_text_from_materials_is_never_a_formula(small_materials: Path, tmp_path: Path) -> None:
    from campaign_kit.pipeline import Options, build

    replace(KIT, "department: Sở Thông tin và Truyền thông tỉnh Lạng Sơn",
            f"department: '{HYPERLINK}'")(small_materials)
    replace("regions.yml", "Huyện Đình Lập]",
            "Huyện Đình Lập, " + ", ".join(f"'{d}'" for d in HOSTILE_DISTRICTS) + "]")(small_materials)
    build(small_materials, tmp_path / "out", Options(only=("forms",)))
    for rel in (INSTALLS, STAFF):
        cells = _cells(tmp_path / "out" / rel)
        formulas = [c.value for c in cells if c.data_type == "f"]
        texts = {c.value for c in cells if c.data_type == "s"}
        assert set(HOSTILE_DISTRICTS) <= texts, rel
        if rel == INSTALLS:  # the form's own total stays a formula, the only one
            assert len(formulas) == 1 and str(formulas[0]).startswith("=SUM(C")
        else:
            assert formulas == [] and HYPERLINK in texts  # the staff list's A1 is the department


def test_a_formula_is_not_written_even_past_validation(tmp_path: Path) -> None:
    """The cell writer does not rely on `check`: a department with an http:// HYPERLINK (which
    `check` rejects, see URL_CASES) still becomes a string cell."""
    from campaign_kit.publish.labels import kit_words
    from campaign_kit.publish.office import xlsx_bytes
    from campaign_kit.stages.forms import build_form, form_directive, form_header, staff_rows

    project = load_project(ROOT / "materials")
    evil = '=HYPERLINK("http://evil.example","x")'
    origin = form_directive(project, "staff")
    assert origin is not None
    header = form_header(project, "staff", origin)
    header = type(header)(**{**header.__dict__, "department": evil})
    book = build_form(project, kit_words().forms["staff"], header, staff_rows(["=cmd|' /C calc'!A0"], ["@x"]))
    path = tmp_path / "staff.xlsx"
    path.write_bytes(xlsx_bytes(book, title="t", day=None, author="a"))
    cells = {c.value: c.data_type for c in _cells(path)}
    assert cells[evil] == "s" and cells["=cmd|' /C calc'!A0"] == "s" and cells["@x"] == "s"
    assert "f" not in cells.values()


# --- 4. translation expansion ---------------------------------------------------------------

BAD = "write a bare {setting} (no format, conversion, attribute or index)"
TEXT_CASES = [
    ("Install {hotline:>300000000}", [f"bad placeholder {{hotline:>300000000}}: {BAD}"]),
    ("Install {app_name!r}", [f"bad placeholder {{app_name!r}}: {BAD}"]),
    ("Install {hotline.__class__}", [f"bad placeholder {{hotline.__class__}}: {BAD}"]),
    ("Install {hotline[0]}", [f"bad placeholder {{hotline[0]}}: {BAD}"]),
    ("Install {app_name:{hotline}}", [f"bad placeholder {{app_name:{{hotline}}}}: {BAD}"]),
    ("Install {}", [f"bad placeholder {{}}: {BAD}"]),
    ("Install {app_name", ["bad placeholder: expected '}' before end of string"]),
    ("x" * (MAX_TEXT_CHARS + 1), [f"text of {MAX_TEXT_CHARS + 1:,} characters: at most {MAX_TEXT_CHARS:,} "
                                  "are allowed"]),
]


@pytest.mark.parametrize("text, expected", TEXT_CASES)
def test_only_bare_placeholders_and_bounded_texts(materials: Path, text: str, expected: list[str]) -> None:
    edit = replace("text/en.yml", "install_button: Install {app_name}", f"install_button: '{text}'")
    check_case(materials, edit, "text/en.yml", "install_button:", [f"install_button: {e}" for e in expected])


def test_texts_and_settings_at_their_limits_load(materials: Path) -> None:
    replace("text/en.yml", "install_button: Install {app_name}",
            "install_button: '" + "x" * (MAX_TEXT_CHARS - 10) + "{app_name}'")(materials)
    replace("campaign.yml", 'hotline: "1900 9095"', f'hotline: "{"1" * MAX_SETTING_CHARS}"')(materials)
    project = load_project(materials)
    assert len(project.text("en", "install_button")) == MAX_TEXT_CHARS - 10 + len("Bluezone")


def test_a_setting_value_is_bounded(materials: Path) -> None:
    check_case(materials, replace("campaign.yml", 'hotline: "1900 9095"', f'hotline: "{"1" * (MAX_SETTING_CHARS + 1)}"'),
               "campaign.yml", "hotline:",
               [f"settings.hotline: String should have at most {MAX_SETTING_CHARS} characters"])


# --- 6. invisible and control characters ----------------------------------------------------

REORDERS = "an invisible character that reorders the text (the web page and the print would disagree): remove it"
STORE_CASES = [
    ("name", "Cửa hàng \u202eVNPT", f"name: contains U+202E RIGHT-TO-LEFT OVERRIDE, {REORDERS}"),
    ("name", "Cửa hàng \u2066VNPT\u2069", f"name: contains U+2066 LEFT-TO-RIGHT ISOLATE, {REORDERS}"),
    ("address", "Số 1 \u2067Lê Lợi", f"address: contains U+2067 RIGHT-TO-LEFT ISOLATE, {REORDERS}"),
    ("address", "Số 1 \u202aLê Lợi", f"address: contains U+202A LEFT-TO-RIGHT EMBEDDING, {REORDERS}"),
    ("name", "\u200b\u200b", "name: has no visible character (only U+200B ZERO WIDTH SPACE)"),
    ("name", "\u200d\ufeff", "name: has no visible character (only U+200D ZERO WIDTH JOINER, "
                             "U+FEFF ZERO WIDTH NO-BREAK SPACE)"),
    ("name", "Cửa\x00 hàng", "name: contains U+0000 NULL, a control character: remove it"),
    ("address", "Số 1\x1b[31m", "address: contains U+001B ESCAPE, a control character: remove it"),
    ("ward", "Xã\x07 Chi Lăng", "ward: contains U+0007 BELL, a control character: remove it"),
    ("opening_hours", "7:00\x9b", "opening_hours: contains U+009B, a control character: remove it"),
]


@pytest.mark.parametrize("field, value, expected", STORE_CASES)
def test_invisible_and_control_characters_in_store_lists(materials: Path, field: str, value: str,
                                                         expected: str) -> None:
    values = dict(zip(HEADER.strip().split(","), GOOD_ROW.strip().split(",")))
    values[field] = value
    _only_stores(materials, HEADER + ",".join(values.values()) + "\n")
    assert problems(materials) == [f"{LIST}, row 2, {expected}"]


def test_a_store_row_after_an_embedded_newline_is_still_reported(materials: Path) -> None:
    """A quoted address over two lines is fine; a bad row is named by its record."""
    _only_stores(materials, HEADER + GOOD_ROW.replace("Số 1 đường Lê Lợi", '"Số 1\nđường Lê Lợi"')
                 + GOOD_ROW.replace("T-1", "T-2").replace("Cửa hàng VNPT", "\u202eCửa hàng VNPT"))
    (problem,) = problems(materials)
    assert problem.endswith(f", name: contains U+202E RIGHT-TO-LEFT OVERRIDE, {REORDERS}")


def test_scripts_keep_their_joiners(materials: Path) -> None:
    """ZWJ, ZWNJ and U+200B (Khmer breaks words with it) stay in names and texts. (A store's name
    prints in the Vietnamese fonts, which have no Khmer: the Khmer joiners are tried in a text.)"""
    name = "Cửa hàng\u200bVNPT Chi\u200c\u200dLăng"
    _only_stores(materials, HEADER + GOOD_ROW.replace("Cửa hàng VNPT Chi Lăng", name))
    replace("text/km.yml", "hotline_label: ខ្សែទូរស័ព្ទបន្ទាន់",
            'hotline_label: "ខ្សែ\\u200bទូរស័ព្ទ\\u200cបន្ទាន់\\u200d"')(materials)
    project = load_project(materials)
    assert project.stores[0].name == name
    assert project.text("km", "hotline_label") == "ខ្សែ\u200bទូរស័ព្ទ\u200cបន្ទាន់\u200d"
    bundled = load_project(ROOT / "materials")  # the bundled Khmer texts (km*.yml) load as they are
    assert bundled.texts.by_lang["km"] and not bundled.texts.missing["km"]


CHAR_CASES = [
    ("text/en.yml", "install_button: Install {app_name}", 'install_button: "Install \\u202e{app_name}"',
     "install_button:", f", install_button: contains U+202E RIGHT-TO-LEFT OVERRIDE, {REORDERS}"),
    ("text/en.yml", "install_button: Install {app_name}", 'install_button: "Install \\0{app_name}"',
     "install_button:", ", install_button: contains U+0000 NULL, a control character: remove it"),
    ("text/en.yml", "install_button: Install {app_name}", 'install_button: "Install \\e[2J{app_name}"',
     "install_button:", ", install_button: contains U+001B ESCAPE, a control character: remove it"),
    ("text/en.yml", "install_button: Install {app_name}", 'install_button: "\\u200b"',
     "install_button:", ", install_button: has no visible character (only U+200B ZERO WIDTH SPACE)"),
    # Raw in the file: YAML itself refuses it; the line is named, the character too.
    ("text/en.yml", "install_button: Install {app_name}", "install_button: Install \x07{app_name}",
     "install_button:", ": contains U+0007 BELL, a control character: remove it"),
    (DIRECTIVE, 'title: "Chỉ thị', 'title: "\u2066Chỉ thị', "title:",
     f", title: contains U+2066 LEFT-TO-RIGHT ISOLATE, {REORDERS}"),
    (DIRECTIVE, "dịch Covid-19.\n\nBộ", "dịch Covid-19.\x1b[0m\n\nBộ", "dịch Covid-19.",
     ", summary: contains U+001B ESCAPE, a control character: remove it"),
]


@pytest.mark.parametrize("rel, old, new, start, expected", CHAR_CASES)  # expected: after the line
def test_invisible_and_control_characters_in_texts(materials: Path, rel: str, old: str, new: str, start: str,
                                                   expected: str) -> None:
    edit = replace(rel, old, new)
    edit(materials)
    line = line_of(materials, rel, start)
    assert problems(materials) == [f"materials/{rel}, line {line}{expected}"]


def _only_stores(materials: Path, text: str) -> None:
    for path in (materials / STORES).glob("*"):
        if path.suffix in (".csv", ".xlsx"):
            path.unlink()
    (materials / STORES / "list.csv").write_text(text, encoding="utf-8")
