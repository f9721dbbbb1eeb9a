"""The built guide site in a real browser (Debian's Chromium via Playwright), served on localhost:
language switcher, go pages by user agent and with JavaScript off, search in every language,
axe-core, page weight, 360 px layout, and no request leaving the site."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path
from typing import Iterator

import pytest

from campaign_kit.materials import load_project
from tests.test_site import built_site, site_materials  # noqa: F401 - shared session fixtures

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
ANDROID_UA = ("Mozilla/5.0 (Linux; Android 10; SM-A105F) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/90.0.4430.91 Mobile Safari/537.36")
IPHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 14_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/14.0 Mobile/15E148 Safari/604.1")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_site: tuple[Path, tuple[str, ...]]) -> Iterator[str]:
    out, _ = built_site
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(out)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator["sync_api.Browser"]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/run test installs it)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def requested() -> list[str]:
    """Every URL any test page asked for; the last test checks none left the site."""
    return []


def _page(browser: "sync_api.Browser", requested: list[str], **context: object) -> "sync_api.Page":
    ctx = browser.new_context(**context)  # type: ignore[arg-type]
    page = ctx.new_page()
    page.on("request", lambda r: requested.append(r.url))
    return page


@pytest.mark.parametrize("home", ["", "en/", "km/", "zh/"])
def test_home_page_weight(browser, server, requested, home) -> None:
    """First load (a fresh browser profile) of each language's home page, every byte counted."""
    page = _page(browser, requested, viewport={"width": 360, "height": 740})
    sizes: list[int] = []
    page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]))
    page.goto(server + home)
    page.wait_for_load_state("networkidle")
    total = sum(sizes)
    print(f"home page /{home} first load: {total} bytes in {len(sizes)} requests")
    assert any(".woff2" in u for u in requested)  # the self-hosted fonts are part of the count
    assert 0 < total <= 250_000
    page.context.close()


def test_no_horizontal_scroll_at_360(browser, server, requested) -> None:
    page = _page(browser, requested, viewport={"width": 360, "height": 740})
    page.goto(server)
    assert "Site Sans" in page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.evaluate("document.fonts.check('16px \"Site Sans\"', 'đăng ký')")
    for path in ("", "en/android/", "km/", "zh/iphone/", "support/", "directives/", "en/agencies/", "embed/",
                 "go/vnpt-ls-00001/"):
        page.goto(server + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.context.close()


def test_switcher_keeps_the_page(browser, server, requested) -> None:
    page = _page(browser, requested, viewport={"width": 1280, "height": 800})
    page.goto(server + "en/android/")
    page.hover(".md-select")
    page.click("a.md-select__link[hreflang=vi]")
    page.wait_for_url(server + "android/")
    assert page.evaluate("document.documentElement.lang") == "vi"
    page.hover(".md-select")
    page.click("a.md-select__link[hreflang=km]")
    page.wait_for_url(server + "km/android/")
    assert page.evaluate("document.documentElement.lang") == "km"
    page.goto(server)  # the home page (no theme JavaScript): the CSS-only menu still works
    page.hover(".md-select")
    page.click("a.md-select__link[hreflang=zh]")
    page.wait_for_url(server + "zh/")
    page.context.close()


@pytest.mark.parametrize("ua, target", [(ANDROID_UA, "play"), (IPHONE_UA, "apple")])
def test_go_page_sends_phone_to_its_store(browser, server, requested, site_materials, ua, target) -> None:
    s = load_project(site_materials).settings
    expected = (f"https://play.google.com/store/apps/details?id={s.android_package}" if target == "play"
                else f"https://apps.apple.com/app/id{s.ios_app_id}")
    ctx = browser.new_context(user_agent=ua)
    seen: list[str] = []
    # Stand in for the store so the test never leaves the machine.
    ctx.route("https://**/*", lambda route: (seen.append(route.request.url),
                                             route.fulfill(body="store", content_type="text/plain")))
    page = ctx.new_page()
    page.goto(server + "go/vnpt-ls-00001/")
    # First the page says where the code was scanned and what opens next (time to stay).
    assert "VNPT" in page.inner_text(".where")
    assert ("Google Play" if target == "play" else "App Store") in page.inner_text("#opening")
    page.wait_for_url(expected)
    assert seen == [expected]
    ctx.close()


def test_go_page_can_stay_and_switch_language(browser, server, requested) -> None:
    page = _page(browser, requested, user_agent=ANDROID_UA, locale="vi-VN")
    page.goto(server + "go/vnpt-ls-00001/")
    assert page.evaluate("document.documentElement.lang") == "vi"
    page.click("#stay")
    assert not page.is_visible("#opening")
    page.click("button[data-lang=en]")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.inner_text("h1").startswith("Install")
    assert page.get_attribute("button[data-lang=en]", "aria-pressed") == "true"
    assert page.get_attribute("#guide", "href") == "../../en/"
    page.wait_for_timeout(3500)  # past the moment it would have left
    assert page.url == server + "go/vnpt-ls-00001/"
    page.context.close()


def test_go_page_without_javascript_and_in_the_phones_language(browser, server, requested) -> None:
    page = _page(browser, requested, java_script_enabled=False, user_agent=ANDROID_UA)
    page.goto(server + "go/vtp-ls-00002/")
    assert page.is_visible("#android") and page.is_visible("#ios")
    assert not page.is_visible("#langs") and not page.is_visible("#opening")  # they need JavaScript
    assert "<script>alert(1)</script>" in page.inner_text(".where")  # shown as text, never run
    assert page.url.startswith(server)
    page.context.close()
    page = _page(browser, requested, locale="zh-CN")
    page.goto(server + "go/vnpt-ls-00001/")
    assert page.evaluate("document.documentElement.lang") == "zh"
    assert "扫描" in page.inner_text(".where") and "VNPT" in page.inner_text(".where")
    page.context.close()


@pytest.mark.parametrize("path, query, expect", [
    ("faq/", "dang ky", "faq/"), ("faq/", "đăng ký", "faq/"), ("en/faq/", "bluetooth", "en/bluetooth/"),
    ("km/android/", "ដំឡើង", "km/"), ("zh/android/", "安装", "zh/"),
])
def test_search_in_each_language(browser, server, requested, path, query, expect) -> None:
    page = _page(browser, requested, viewport={"width": 1280, "height": 800})
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    first = page.locator(".md-search-result__item a").first
    # The theme reads the query on keyup; a query sent before the worker has built its index is
    # dropped, so send it again until results come.
    page.fill("input.md-search__input", query)
    for _ in range(10):
        page.press("input.md-search__input", "End")
        try:
            first.wait_for(timeout=2_000)
            break
        except sync_api.TimeoutError:
            continue
    hrefs = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
    assert any(h.startswith(server + expect) for h in hrefs), hrefs
    page.context.close()


def test_store_filter_folds_and_degrades(browser, server, requested) -> None:
    page = _page(browser, requested, viewport={"width": 360, "height": 740})
    page.goto(server + "support/huyen-huu-lung/")
    items = page.locator("#store-list > li")
    assert items.count() == 1 and page.is_visible("#store-filter")
    page.fill("#store-filter", "xuong giang")  # typed without diacritics: "Xương Giang"
    assert page.locator("#store-list > li:not([hidden])").count() == 1
    page.fill("#store-filter", "viettel")
    assert page.locator("#store-list > li:not([hidden])").count() == 0
    page.context.close()
    page = _page(browser, requested, java_script_enabled=False)
    page.goto(server + "support/huyen-huu-lung/")
    assert page.is_visible("#store-list > li") and not page.is_visible("#store-filter")
    assert page.get_attribute("#store-list a[href^='tel:']", "href") == "tel:02053825100"
    page.context.close()


def test_home_search_form_opens_the_theme_search(browser, server, requested) -> None:
    page = _page(browser, requested, viewport={"width": 360, "height": 740})
    page.goto(server)
    page.fill("#site-q", "dang ky")
    page.press("#site-q", "Enter")
    page.wait_for_url("**/android/?q=dang+ky")
    page.locator(".md-search-result__item a").first.wait_for()
    hrefs = page.eval_on_selector_all(".md-search-result__item a", "els => els.map(e => e.href)")
    assert any(h.startswith(server + "faq/") for h in hrefs), hrefs
    page.context.close()


@pytest.mark.parametrize("path", ["", "android/", "en/faq/", "km/bluetooth/", "th/faq/", "zh/", "support/",
                                  "support/huyen-dinh-lap/", "directives/", "downloads/", "en/agencies/",
                                  "embed/", "go/", "go/vnpt-ls-00001/"])
def test_axe_finds_nothing_serious(browser, server, requested, path) -> None:
    from axe_playwright_python.sync_playwright import Axe
    page = _page(browser, requested, viewport={"width": 360, "height": 740}, java_script_enabled=True,
                 user_agent="Mozilla/5.0 (X11; Linux x86_64) axe")  # a desktop UA: go pages stay put
    page.goto(server + path)
    page.wait_for_load_state("networkidle")
    assert page.url == server + path
    violations = Axe().run(page).response["violations"]
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in violations
           if v["impact"] in ("serious", "critical")]
    assert not bad
    page.context.close()


def test_no_request_left_the_site(server, requested) -> None:
    assert requested, "the other tests made no requests"
    outside = sorted({u for u in requested if not u.startswith(server) and not u.startswith(("data:", "blob:"))})
    assert not outside
