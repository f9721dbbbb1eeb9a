"""Typography that reads: Vietnamese lines break between words, never inside one ("cộng | đồng");
no heading ends on a word alone; the standee's warning stays clear of its small print; every text
colour pair is at WCAG AA contrast; a store's name is the largest text of its banner and card.

The layout checks lay out every general item and screen in every language, and every carrier's
store banner and card background, with the build's own renderer and read WeasyPrint's line boxes
(`words.last_lines`): what is checked is what prints. A store's own texts are drawn by the fast
path: they are checked as it wraps them (`printing.fit.wrap` in each slot).
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

from campaign_kit import words
from campaign_kit.compose.slots import StoreLayout
from campaign_kit.context import BuildContext
from campaign_kit.materials import load_project
from campaign_kit.memo import Memo
from campaign_kit.pipeline import Options
from campaign_kit.printing import stores as store_printing
from campaign_kit.printing.fit import FitRule, OutlineFont, breaks, fit_text, wrap
from campaign_kit.printing.render import Renderer
from campaign_kit.stages import print_pdfs, screens

ROOT = Path(__file__).resolve().parent.parent
MATERIALS = ROOT / "materials"
PRINT_CSS = ROOT / "templates" / "print" / "print.css"
FONT = "/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf"
PX_TO_MM = 25.4 / 96
MIN_GAP_MM = 5.0

# The printed Vietnamese texts, segmented by hand ("_" joins the syllables of one word): every
# word here must stay whole. Words the general lexicon lacked ("truy vết", "khoanh vùng") and the
# store names ("CH Play", "App Store") are in the list's campaign section.
GOLD = [
    "Cài_đặt Bluezone để bảo_vệ mình và cộng_đồng",
    "Ứng_dụng phát_hiện tiếp_xúc gần, phòng_chống Covid-19",
    "Điểm hỗ_trợ cài_đặt Bluezone phòng_chống Covid-19",
    "Nhân_viên tại đây sẽ giúp bạn cài_đặt miễn_phí",
    "Ứng_dụng cảnh_báo khi bạn đã tiếp_xúc gần với người nhiễm Covid-19.",
    "Quét mã QR hoặc tìm “Bluezone” trên CH_Play hoặc App_Store",
    "Cài_đặt, mở ứng_dụng và khai_báo số điện_thoại",
    "Giúp ngành y_tế truy_vết, khoanh_vùng dịch nhanh_chóng",
    "Không thu_thập vị_trí; dữ_liệu lưu trên điện_thoại của bạn",
    "Chỉ cài ứng_dụng tên đúng “Bluezone”; cảnh_giác với ứng_dụng giả_mạo tên gần giống.",
    "Cần giúp cài_đặt? Đến điểm hỗ_trợ gần nhất hoặc gọi đường_dây_nóng.",
    "Tại quầy này, nhân_viên giúp bạn cài Bluezone miễn_phí",
    "Danh_sách cửa_hàng là dữ_liệu mẫu, không phải điểm hỗ_trợ thật.",
    "Cửa_hàng VNPT Hữu_Lũng, số 12 đường Xương_Giang, thành_phố Lạng_Sơn",
    "Bộ Y_tế và Bộ Thông_tin và Truyền_thông",
]


@pytest.mark.parametrize("gold", GOLD)
def test_words_of_the_printed_texts(gold: str) -> None:
    """Every word of the hand segmentation is one word of `split_words`; none is split."""
    text = gold.replace("_", " ")
    expected = [w.replace("_", " ") for w in gold.split()]
    found = words.split_words(text)
    split = [w for w in expected if " " in w and w not in found]
    assert split == [], f"split inside a word: {split} in {found}"


def test_punctuation_ends_a_word_and_lines_keep_their_text() -> None:
    assert words.split_words("cài, đặt") == ["cài,", "đặt"]  # a comma between: two words
    assert words.split_words("“cộng đồng”") == ["“cộng đồng”"]
    assert words.split_words("") == []
    assert words.keep_words("bảo vệ cộng đồng") == "bảo\u00a0vệ cộng\u00a0đồng"
    text = "Cài đặt Bluezone để bảo vệ mình và cộng đồng\nQuét mã"
    assert words.keep_words(text).replace("\u00a0", " ") == text  # only spaces change
    # Names stay whole in every language; Vietnamese words only in Vietnamese.
    assert words.keep_words("on CH Play or App Store", "en") == "on CH\u00a0Play or App\u00a0Store"
    assert words.keep_words("cộng đồng", "en") == "cộng đồng"


def test_headings_keep_their_last_two_words() -> None:
    nb, wj = "\u00a0", "\u2060"
    assert words.heading("Cài đặt Bluezone để bảo vệ mình và cộng đồng") == \
        f"Cài{nb}đặt Bluezone để bảo{nb}vệ mình và{nb}cộng{nb}đồng"
    assert words.heading("Install Bluezone to protect your community", "en").endswith(f"your{nb}community")
    assert words.heading("安装 Bluezone，保护自己和社区", "zh") == f"安装 Bluezone，保护自己和社{wj}区"
    assert words.heading("保护社区。", "zh") == f"保护社{wj}区。"
    assert words.heading("ដំឡើង Bluezone ក្នុង ៣ ជំហាន", "km").endswith(f"៣{nb}ជំហាន")  # a short last run
    assert words.heading("Bluezone", "en") == "Bluezone"


def test_the_word_list_is_content_and_part_of_the_print_key() -> None:
    from campaign_kit.printing.render import templates_digest

    lexicon = words.load()
    assert "cộng đồng" in lexicon.words and "CH Play" in lexicon.names
    assert len(lexicon.words) > 20000
    assert words.Lexicon.parse("# a comment\nCH Play\nbảo vệ\n").names == frozenset({"CH Play"})
    assert len(templates_digest()) == 64 and lexicon.digest in {words.digest()}


# -- the fast store path: printing.fit -----------------------------------------------------------

STORE_TEXTS = [
    "Cửa hàng VNPT Hữu Lũng",
    "Bưu cục Viettel Post Đình Lập - Trung tâm khai thác và giao dịch khu vực phía Đông tỉnh Lạng Sơn",
    "Điểm giao dịch Viettel Post khu công nghiệp Đồng Bành thôn Đồng Bành",
    "Điểm hỗ trợ cài đặt Bluezone phòng chống Covid-19",
    "Số 12 đường Xương Giang, phường Hoàng Văn Thụ, thành phố Lạng Sơn",
]


@pytest.mark.parametrize("text", STORE_TEXTS)
def test_store_text_wraps_between_words_at_every_width(text: str) -> None:
    """At each width the composer's lines keep every word whole, unless keeping them whole needs
    more lines (then, as before words were known, it breaks at syllables); no word alone below a
    line of three or more."""
    font = OutlineFont.load(FONT)
    whole = words.split_words(text)
    inside = {s for w, s0 in _word_starts(whole) for s in range(s0 + 1, s0 + len(w.split()))}
    kept = 0
    widths = range(int(font.width(text, 24) / 3), int(font.width(text, 24)), 5)  # 1 to 3 lines, as slots have
    for width in widths:
        lines = wrap(text, font, 24, width)
        assert lines is not None
        assert " ".join(lines) == " ".join(text.split())  # nothing lost, nothing added
        starts = {len(" ".join(lines[:i]).split()) for i in range(1, len(lines))}
        if inside & starts:
            by_words = breaks([font.width(w, 24) for w in whole], font.width(" ", 24), width)
            assert by_words is None or len(by_words) + 1 > len(lines), (width, lines)
            continue
        kept += 1
        if len(lines) > 1 and len(words.split_words(lines[-2])) >= 3:
            assert len(words.split_words(lines[-1])) >= 2, (width, lines)  # no word alone below
    assert kept >= 0.7 * len(widths)


def _word_starts(found: list[str]) -> Iterator[tuple[str, int]]:
    n = 0
    for w in found:
        yield w, n
        n += len(w.split())


def test_a_word_wider_than_the_box_breaks_at_its_syllables() -> None:
    font = OutlineFont.load(FONT)
    width = font.width("đường dây", 40) + 1  # "đường dây nóng" is one word, wider than this
    assert wrap("đường dây nóng", font, 40, width) == ["đường dây", "nóng"]
    # Kept whole while that costs no line; broken at syllables where it would cost one.
    two = max(font.width("gọi đường dây", 40), font.width("đường dây nóng", 40)) + 1
    assert wrap("gọi đường dây nóng", font, 40, two) == ["gọi", "đường dây nóng"]
    assert wrap("gọi đường dây nóng ngay", font, 40, two) == ["gọi đường dây", "nóng ngay"]
    assert wrap("Đồngbànhđồngbànhđồngbành", font, 40, 100) is None


def test_breaks_moves_a_lonely_last_word_down() -> None:
    assert breaks([3, 3, 3, 3], 1, 11) == [2]  # greedy: 3 3 3 | 3 -> 3 3 | 3 3
    assert breaks([3, 3, 3], 1, 8) == [2]  # the line above would keep one word: as greedy left it
    assert breaks([5, 5, 5], 1, 11) == [2]  # the last two do not fit one line together
    assert fit_text("Cửa hàng VNPT Hữu Lũng", FONT, 40, FitRule(30, 10, 2)) is not None


# -- what WeasyPrint lays out: every general item and screen, every language ---------------------

@pytest.fixture(scope="module")
def laid_out(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, str, Any]]:
    """(format, language, laid-out document) of every general item and screen."""
    tmp = tmp_path_factory.mktemp("typography")
    project = load_project(MATERIALS)
    ctx = BuildContext(project=project, out=None, options=Options(), previous=None,  # type: ignore[arg-type]
                       previous_root=tmp, cache=tmp / "cache", memo=Memo(tmp / "cache"))
    renderer = print_pdfs.Renderer()
    docs = []
    for name, fmt in sorted(project.formats.items()):
        for lang in (language.code for language in project.languages):
            if fmt.kind in print_pdfs.GENERAL_KINDS:
                html = print_pdfs._general_item(ctx, renderer, name, fmt, lang).html
            elif fmt.kind == "screen":
                html = renderer.html(fmt.template, screens.screen_context(ctx, renderer, fmt, lang))
            else:
                continue
            docs.append((name, lang, renderer.document(html, f"{name} {lang}")))
    assert {lang for _, lang, _ in docs} == {"vi", "en", "km", "zh"} and len(docs) >= 16
    return [(name, lang, doc) for name, lang, (doc, _) in docs] + [("pdf", lang, pdf) for name, lang, (_, pdf) in docs
                                                                  if name == "poster-a4"]


@pytest.fixture(scope="module")
def printer() -> store_printing.StorePrinter:
    return store_printing.StorePrinter("vi", Renderer())


# Over the store-list limit's 150 characters, cut there: a real name's words, not "WWW".
LONGEST_NAME = ("Điểm giao dịch Viettel Post khu công nghiệp Đồng Bành thôn Đồng Bành xã Chi Lăng huyện Chi "
                "Lăng tỉnh Lạng Sơn gần chợ trung tâm và trạm y tế xã cạnh bưu cục cũ")[:150]


@pytest.fixture(scope="module")
def store_items(printer: store_printing.StorePrinter) -> list[store_printing.StoreItem]:
    """Every bundled store's banner and card, and a store of each carrier named with 150 characters."""
    project = load_project(MATERIALS)
    items = store_printing.plan_store_items(project, project.stores, printer)
    first = {store.carrier: store for store in reversed(project.stores)}
    for name in (LONGEST_NAME, LONGEST_NAME.upper()):  # lists often come in capitals: 14 % wider
        items += store_printing.plan_store_items(
            project, [dataclasses.replace(store, name=name) for store in first.values()], printer)
    assert len(LONGEST_NAME) == 150 and len({i.sheet.carrier.id for i in items}) == 5
    return items


@pytest.fixture(scope="module")
def store_backgrounds(store_items, printer) -> list[tuple[str, str, Any]]:
    """(format and carrier, language, laid-out background with its title) of every carrier's sheet."""
    sheets = {(i.sheet.carrier.id, i.format_name): i for i in store_items}
    docs = []
    for (carrier, name), item in sorted(sheets.items()):
        html = printer.renderer.html(item.fmt.template, {**printer.context(item.sheet), "title_pt": item.sizes["title"]})
        docs.append((f"{name} {carrier}", item.sheet.lang, printer.renderer.document(html, f"{name} {carrier}")[0]))
    assert len(docs) == 10
    return docs


def test_no_heading_ends_on_a_word_alone(laid_out) -> None:
    problems = [f"{name} {lang}: {p}" for name, lang, doc in laid_out if name != "pdf"
                for p in words.lonely_last_lines(doc)]
    headings = sum(len(words.last_lines(doc)) for name, _, doc in laid_out if name != "pdf")
    assert headings > 80  # every heading was seen
    assert problems == []


def test_no_store_heading_ends_on_a_word_alone(store_backgrounds) -> None:
    """The title, subtitle, lead, caption and steps of every carrier's banner and card."""
    problems = [f"{name}: {p}" for name, _, doc in store_backgrounds for p in words.lonely_last_lines(doc)]
    seen = {what.split(".", 1)[1] for _, _, doc in store_backgrounds for what, _, _ in words.last_lines(doc)}
    assert {"subtitle", "lead", "qr-caption"} <= seen
    # The title is set in its slot and the banner's steps in flex boxes, which `last_lines` does
    # not open: every block of several lines is read here (the build reads the title's slot too,
    # `compose.slots.read_slots`).
    paragraphs = {name: list(_paragraphs(doc)) for name, _, doc in store_backgrounds}
    problems += [f"{name}: {' | '.join(lines)}" for name, found in paragraphs.items() for lines in found
                 if words.lonely(lines[-1], "vi")]
    assert all(any(len(lines) > 1 for lines in [_slot_lines(doc, "title")]) or name.startswith("store-banner")
               for name, _, doc in store_backgrounds)  # the card's title has two lines: it was read
    steps = [lines for name, found in paragraphs.items() if name.startswith("store-banner") for lines in found
             if "Bluetooth" in "".join(lines)]
    assert len(steps) == 5  # the banner's third step, on each carrier's
    assert problems == []


def test_no_vietnamese_line_breaks_inside_a_word_on_store_backgrounds(store_backgrounds) -> None:
    """"ứng | dụng" in the banner's third step, before the store templates used `heading`."""
    assert _split_words(store_backgrounds) == []


def test_store_texts_wrap_between_words(store_items, printer) -> None:
    """Every bundled store's name and address as the composer draws them in their slots."""
    inside, wrapped = [], 0
    for item in store_items:
        slots = printer.layout(item.sheet).slots
        for field, text in (("name", item.name), ("address", item.address)):
            slot = slots[field]
            lines = wrap(text, OutlineFont.load(slot.font_file, slot.font_number), item.sizes[field],
                         slot.width, slot.max_lines)
            assert lines is not None and len(lines) <= slot.max_lines
            wrapped += len(lines) > 1
            starts = {len(" ".join(lines[:i]).split()) for i in range(1, len(lines))}
            for w, s0 in _word_starts(words.split_words(text)):
                if starts & set(range(s0 + 1, s0 + len(w.split()))):
                    inside.append(f"{item.rel}: {w!r} in {' | '.join(lines)}")
    assert wrapped > 20  # long names and addresses were wrapped
    assert inside == []


def _slot_lines(doc: Any, slot: str) -> list[str]:
    for box in words._boxes(doc.pages[0]._page_box):
        element = getattr(box, "element", None)
        if element is not None and element.get("data-slot") == slot and hasattr(box, "children"):
            lines = ["".join(words._texts(line)) for line in words._boxes(box) if type(line).__name__ == "LineBox"]
            return [line for line in lines if line.strip()]
    return []


def test_no_vietnamese_line_breaks_inside_a_word(laid_out) -> None:
    assert _split_words(laid_out) == []


def _split_words(laid_out: list[tuple[str, str, Any]]) -> list[str]:
    inside = []
    for name, lang, doc in laid_out:
        if lang != "vi" or name == "pdf":
            continue
        for lines in _paragraphs(doc):
            text = " ".join(" ".join(line.replace(words.NBSP, " ").split()) for line in lines)
            starts = {len(" ".join(lines[:i]).replace(words.NBSP, " ").split()) for i in range(1, len(lines))}
            for w, s0 in _word_starts(words.split_words(text)):
                if starts & set(range(s0 + 1, s0 + len(w.split()))):
                    inside.append(f"{name}: {w!r} in {' | '.join(lines)}")
    return inside


def _paragraphs(doc: Any) -> Iterator[list[str]]:
    """The lines of every block that has several."""
    for page in doc.pages:
        for box in words._boxes(page._page_box):
            lines = [child for child in getattr(box, "children", ()) if type(child).__name__ == "LineBox"]
            if len(lines) > 1:
                yield ["".join(words._texts(line)) for line in lines]


def test_bound_words_still_extract_and_search_as_text(laid_out, tmp_path: Path) -> None:
    pdf = next(data for name, lang, data in laid_out if name == "pdf" and lang == "vi")
    (tmp_path / "poster.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "poster.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert "\u00a0" not in text and "\u2060" not in text
    assert "bảo vệ mình và cộng đồng" in " ".join(text.split())


def test_the_warning_stays_clear_of_the_small_print(laid_out) -> None:
    """On every page of every general item, whatever the language: the last box of the flow
    (the warning, the QR code, the columns) ends at least MIN_GAP_MM above the small print."""
    gaps = {}
    for name, lang, doc in laid_out:
        if name == "pdf" or name.startswith("screen"):
            continue
        for number, page in enumerate(doc.pages):
            found: dict[str, Any] = {}
            for box in words._boxes(page._page_box):
                element = getattr(box, "element", None)
                if element is None or element.tag == "span" or not hasattr(box, "border_box_y"):
                    continue
                for cls in set((element.get("class") or "").split()) & {"warning", "small-print", "qr", "columns"}:
                    found.setdefault(cls, box)
            footer = found.pop("small-print", None)
            if footer is None or not found:
                continue
            above = max(b.border_box_y() + b.border_height() for b in found.values())
            gaps[f"{name} {lang} page {number + 1}"] = (footer.border_box_y() - above) * PX_TO_MM
    assert any(k.startswith("standee-80x200 km") for k in gaps)
    assert {k: round(v, 1) for k, v in gaps.items() if v < MIN_GAP_MM} == {}


# -- contrast ------------------------------------------------------------------------------------

def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two sRGB colours."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_formula() -> None:
    assert round(contrast("#ffffff", "#000000"), 1) == 21.0
    assert round(contrast("#ffffff", "#00a0e3"), 2) == 2.94  # the accent before: too light for text


BODY, LARGE = 4.5, 3.0


def _colour_pairs() -> list[tuple[str, str, str, float]]:
    """(what, text colour, background, the ratio it needs) for every text the print design sets
    on a colour: campaign.yml's colours and print.css's own (their sRGB values)."""
    campaign = yaml.safe_load((MATERIALS / "campaign.yml").read_text(encoding="utf-8"))
    c = campaign["colours"]
    css = PRINT_CSS.read_text(encoding="utf-8")
    root = re.search(r"^:root \{([^}]*)\}", css, re.M)
    assert root is not None
    v = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))
    sample = re.search(r"\.sample \{ color: (#[0-9a-fA-F]{6})", css)
    assert sample is not None
    pairs = [
        ("band: app name, tagline", v["on-colour"], c["primary"], BODY),
        ("step numbers (ol.steps li::before)", v["on-colour"], c["accent"], BODY),
        ("check marks (ul.why li::before)", c["accent"], c["background"], BODY),
        ("headline, section titles", c["primary_dark"], c["background"], BODY),
        ("body text", c["text"], c["background"], BODY),
        ("warning", c["text"], v["warning-paper"], BODY),
        ("small print", v["muted"], c["background"], BODY),
        ("sample mark", sample.group(1), c["background"], BODY),
        ("screens: text on the primary", "#ffffff", c["primary"], BODY),
        ("screens: footer (92 % white)", _over("#ffffff", 0.92, c["primary"]), c["primary"], BODY),
        ("screens: step numbers", c["primary_dark"], "#ffffff", BODY),
        ("screens: QR card", c["text"], "#ffffff", BODY),
    ]
    # Carrier colours: banner text is all large (56 pt and up at 300×80 cm, scaled with the size).
    pairs += [(f"{k['id']} banner", k["foreground"], k["background"], LARGE) for k in campaign["carriers"]]
    return pairs


def _over(colour: str, alpha: float, background: str) -> str:
    mix = [round(int(colour[i:i + 2], 16) * alpha + int(background[i:i + 2], 16) * (1 - alpha)) for i in (1, 3, 5)]
    return "#" + "".join(f"{x:02x}" for x in mix)


@pytest.mark.parametrize("what,text,background,needed", _colour_pairs(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_text_colour_pair_is_wcag_aa(what: str, text: str, background: str, needed: float) -> None:
    assert contrast(text, background) >= needed, f"{what}: {text} on {background} is {contrast(text, background):.2f}:1"


def test_the_store_card_band_is_large_text_at_wcag_aa(store_backgrounds, store_items) -> None:
    """The A5 card's band: the title white (the carrier's foreground) on the carrier's colour, and
    the carrier's wordmark in its colour on a white tab. Both 14 pt bold or more, so large text
    (3:1): white on Viettel red is 4.48:1, under the 4.5:1 an 11 pt carrier line needed."""
    sheets = {f"{i.format_name} {i.sheet.carrier.id}": i.sheet for i in store_items}
    checked = set()
    for name, _, doc in store_backgrounds:
        if not name.startswith("store-card"):
            continue
        sheet, band = sheets[name], _band_texts(doc)
        assert {"title", "wordmark"} <= {what for what, _, _ in band}, name
        for what, size, weight in band:
            assert size >= 14 and weight >= 700, f"{name}: the band's {what} at {size} pt, weight {weight}"
        c = sheet.colours
        pairs = {"title": (c["carrier_foreground"], c["carrier_background"]), "wordmark": (c["carrier_wordmark"], c["paper"])}
        for what, (text, background) in pairs.items():
            assert contrast(text, background) >= LARGE, f"{name} {what}: {text} on {background}"
        checked.add(sheet.carrier.id)
    assert len(checked) == 5
    assert store_printing.wordmark_colour(sheets["store-card vnpost"].carrier, "#ffffff") == "foreground"  # yellow


def _band_texts(doc: Any) -> list[tuple[str, float, int]]:
    """(class of the nearest element with one, size in points, weight) of each text in the card's band."""
    def walk(box: Any, cls: str) -> Iterator[tuple[str, float, int]]:
        box = getattr(box, "_box", box)
        element = getattr(box, "element", None)
        if element is not None and getattr(box, "element_tag", None) is not None:
            cls = element.get("class") or cls
        text = getattr(box, "text", None)
        if isinstance(text, str) and text.strip():
            yield cls, round(box.style["font_size"] * 0.75, 2), int(box.style["font_weight"])
        for child in getattr(box, "children", ()):
            yield from walk(child, cls)

    band = next(box for box in words._boxes(doc.pages[0]._page_box)
                if getattr(box, "element", None) is not None and box.element.get("class") == "band")
    return list(walk(band, "band"))


def test_the_store_name_is_the_largest_text_of_its_page(store_items, printer) -> None:
    """Every bundled store and a 150-character name, on every carrier's banner and card: the name
    is set larger than the title, wordmark, subtitle, steps, address, link and hours. (Before: a
    long name shrank to 90 pt under the banner's 110 pt subtitle and address.)"""
    smaller = []
    for item in store_items:
        found = printer.layout(item.sheet)
        others = {**found.text_sizes, "address": item.sizes["address"], "title": item.sizes["title"],
                  **{n: s.css_size for n, s in found.slots.items() if n in ("url", "meta")}}
        assert {"div.wordmark", "div.subtitle" if item.format_name == "store-banner" else "div.lead"} <= set(others)
        what, largest = max(others.items(), key=lambda entry: entry[1])
        if not item.sizes["name"] > largest:
            smaller.append(f"{item.rel}: name {item.sizes['name']} pt, {what} {largest} pt")
    assert {LONGEST_NAME, LONGEST_NAME.upper()} <= {i.name for i in store_items}
    assert smaller == []


def test_a_store_template_whose_name_can_be_outsized_is_refused(store_items, printer) -> None:
    """`check_hierarchy`, run on each background the build lays out: a name whose smallest size
    is not above another text's (here the subtitle's, made as large) stops the build."""
    item = next(i for i in store_items if i.format_name == "store-banner")
    found = printer.layout(item.sheet)
    assert store_printing.check_hierarchy(found) is None
    name = found.slots["name"].fit
    assert name is not None
    louder = StoreLayout(found.background, found.slots, {**found.text_sizes, "div.subtitle": name.min_pt})
    problem = store_printing.check_hierarchy(louder)
    assert problem and "div.subtitle" in problem and "largest text" in problem
    address = dataclasses.replace(found.slots["address"], fit=FitRule(name.min_pt + 1, 10, 2))
    assert "address" in (store_printing.check_hierarchy(
        StoreLayout(found.background, {**found.slots, "address": address}, found.text_sizes)) or "")
    # The sample watermark (larger than any text, at 28 % opacity) is a mark over the page.
    assert item.sheet.sample and not any("sample-mark" in what for what in found.text_sizes)


def test_a_store_background_whose_heading_ends_on_a_word_alone_is_refused() -> None:
    """The build-time check of the store path: `compose.slots.read_slots` reads the background's
    layout once per carrier and format, and refuses a heading ending on one word."""
    from campaign_kit.compose.slots import read_slots
    from campaign_kit.printing.render import Renderer

    renderer = Renderer()
    page = ('<html lang="vi"><body style="font-family: \'Noto Sans\'; font-size: 20pt; width: {w}mm">'
            '<div class="title">{title}</div><div data-slot="qr" style="width: 20mm; height: 20mm"></div>'
            "</body></html>")
    resolve = lambda families, weight: (FONT, 0)  # noqa: E731
    title = "Điểm hỗ trợ cài đặt Bluezone phòng chống dịch"
    lonely = [w for w in range(60, 130, 3)
              if words.lonely_last_lines(renderer.document(page.format(w=w, title=title), "x")[0])]
    assert lonely, "no width left the last word alone: the check was not exercised"
    doc, _ = renderer.document(page.format(w=lonely[0], title=title), "lonely")
    with pytest.raises(ValueError, match="one word alone"):
        read_slots(doc, resolve)
    bound, _ = renderer.document(page.format(w=lonely[0], title=words.heading(title)), "kept")
    assert words.lonely_last_lines(bound) == [] and "qr" in read_slots(bound, resolve)
