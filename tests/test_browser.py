"""What a reader does, in Debian's Chromium driven by Playwright.

These tests fail (never skip) when /usr/bin/chromium is missing: CI installs it.
Screenshots of each page type land in tests/artifacts/ for a person to look at.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

from archive.build import build

from conftest import SAMPLE, TEMPLATES

pytestmark = pytest.mark.browser  # `pytest -m "not browser"` skips these for a quick run; CI runs them

CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = tmp_path_factory.mktemp("browser") / "site"
    build(SAMPLE, site, TEMPLATES)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", site
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.problems = []
    pg.on("console", lambda m: pg.problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
    pg.on("pageerror", lambda e: pg.problems.append(f"page error: {e}"))
    # a request the browser cancels because the test navigated away (net::ERR_ABORTED, e.g. the favicon
    # of the page just left) is not a broken link; a missing file still shows as a 4xx response below
    pg.on("requestfailed", lambda r: pg.problems.append(f"failed: {r.url} ({r.failure})")
          if "ERR_ABORTED" not in (r.failure or "") else None)
    pg.on("response", lambda r: pg.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    yield pg
    context.close()


def test_every_page_loads_without_errors(server, page):
    base, site = server
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    interviews = len(list(SAMPLE.glob("*/index.md")))
    years = len({p.parent.name for p in site.glob("zh-hant/[0-9][0-9][0-9][0-9]/index.html")})
    # root and 404, and per script the index, each interview, people, notes and each year
    assert len(pages) == 2 + 2 * (1 + interviews + 2 + years)
    for rel in pages:
        page.goto(f"{base}/{rel}")
        page.wait_for_load_state("networkidle")
        if rel == "index.html":
            continue  # the root page may redirect by the browser's language
        assert page.problems == [], rel


def test_toggle_keeps_the_fragment_and_lands_in_view(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html#q07")
    page.click("a.script-toggle")
    page.wait_for_url("**/zh-hans/lighthouse-keeper/index.html#q07")
    box = page.locator("#q07").bounding_box()
    assert box is not None and 0 <= box["y"] < 900
    assert page.evaluate("localStorage.getItem('archive-script')") == "hans"
    assert page.problems == []


def test_root_page_applies_the_remembered_choice_but_deep_links_do_not_redirect(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/river-archive/index.html")
    page.evaluate("localStorage.setItem('archive-script', 'hans')")
    page.goto(f"{base}/zh-hant/river-archive/index.html#s02")
    page.wait_for_timeout(200)
    assert page.url.endswith("/zh-hant/river-archive/index.html#s02")
    page.goto(f"{base}/")
    page.wait_for_url("**/zh-hans/index.html")


def test_note_opens_in_place_on_a_phone_and_escape_returns_focus(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 375, "height": 812}, has_touch=True)
    page = context.new_page()
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    ref = page.locator(".section a.noteref").first
    ref.scroll_into_view_if_needed()
    y_before = page.evaluate("window.scrollY")
    ref.click()
    assert ref.get_attribute("aria-expanded") == "true"
    pop = page.locator(f"#{ref.get_attribute('aria-controls')}")
    assert pop.is_visible() and pop.get_attribute("aria-hidden") == "false"
    note_id = ref.get_attribute("href")[1:]
    note_text = page.locator(f"#{note_id} .note-body").inner_text().strip()
    assert note_text[:12] in pop.inner_text()
    assert abs(page.evaluate("window.scrollY") - y_before) < 5  # the reader stays where they were
    page.keyboard.press("Escape")
    assert ref.get_attribute("aria-expanded") == "false" and not pop.is_visible()
    assert page.evaluate("document.activeElement.id") == ref.get_attribute("id")
    page.keyboard.press("Enter")  # keyboard activation opens it again
    assert ref.get_attribute("aria-expanded") == "true"
    ref.click()  # a second tap closes
    assert ref.get_attribute("aria-expanded") == "false"
    ref.click()
    page.locator("h1").click()  # a tap outside closes
    assert ref.get_attribute("aria-expanded") == "false"
    context.close()


@pytest.mark.parametrize("width", [1280, 1440, 1920])
def test_sidenotes_sit_in_the_margin_and_overlap_nothing(server, browser, width):
    base, _ = server
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for slug in ("lighthouse-keeper", "river-archive"):
        page.goto(f"{base}/zh-hant/{slug}/index.html")
        boxes = page.evaluate("""() => {
          const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top + scrollY, r.right, r.bottom + scrollY]; };
          const text = [...document.querySelectorAll('.interview p, .interview h1, .interview h2, .figure')]
                        .map(box);
          return {notes: [...document.querySelectorAll('.sidenote')].map(box), text,
                  article: box(document.querySelector('.interview')), width: innerWidth};
        }""")
        notes = boxes["notes"]
        assert notes and all(n[2] > n[0] and n[3] > n[1] for n in notes), "sidenotes are shown"
        overlap = lambda a, b: a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]  # noqa: E731
        for i, a in enumerate(notes):
            assert a[0] >= boxes["article"][2] and a[2] <= boxes["width"], "inside the right margin"
            for b in notes[i + 1:]:
                assert not overlap(a, b), "two sidenotes overlap"
            for t in boxes["text"]:
                assert t[2] <= a[0] or not overlap(a, t), "a sidenote covers text or a figure"
    context.close()


def test_notes_work_without_javascript(server, browser):
    base, _ = server
    context = browser.new_context(java_script_enabled=False)
    pg = context.new_page()
    pg.goto(f"{base}/zh-hans/river-archive/index.html")
    ref = pg.locator("a.noteref").first
    ref_id = ref.get_attribute("id")
    ref.click()
    assert pg.url.endswith(ref.get_attribute("href"))
    pg.locator(f"a[role=doc-backlink][href='#{ref_id}']").click()
    assert pg.url.endswith(f"#{ref_id}")
    context.close()


@pytest.mark.parametrize("width, height", [(375, 812), (1440, 900)])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_screenshots(server, browser, width, height, scheme):
    base, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height}, color_scheme=scheme)
    pg = context.new_page()
    for name, rel in (("index", "zh-hant/index.html"), ("interview", "zh-hans/river-archive/index.html#q03")):
        pg.goto(f"{base}/{rel}")
        pg.wait_for_load_state("load")
        shot = ARTIFACTS / f"{name}-{width}-{scheme}.png"
        pg.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000  # a rendered page, not a blank one
        # nothing wider than the viewport: no sideways scrolling on phones
        assert pg.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_section_navigation_highlights_and_jumps(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    page.locator("#s03").scroll_into_view_if_needed()
    page.evaluate("document.getElementById('s03').scrollIntoView()")
    page.wait_for_timeout(150)
    assert page.locator(".toc a[aria-current='true']").get_attribute("data-section") == "s03"
    page.click(".toc a[data-section='s05']")
    page.wait_for_timeout(150)
    assert page.url.endswith("#s05")
    assert abs(page.locator("#s05").bounding_box()["y"]) < 120
    assert page.locator(".toc a[aria-current='true']").get_attribute("data-section") == "s05"
    width = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.progress span')).width)")
    assert width > 0


def test_keyboard_moves_between_sections(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hans/river-archive/index.html#s02")
    page.wait_for_timeout(100)
    page.keyboard.press("n")
    page.wait_for_timeout(100)
    assert page.url.endswith("#s03") and abs(page.locator("#s03").bounding_box()["y"]) < 120
    page.keyboard.press("p")
    page.wait_for_timeout(100)
    assert page.url.endswith("#s02")
    # with a modifier the key belongs to the browser: never intercepted
    assert page.evaluate("""() => { const e = new KeyboardEvent('keydown', {key: 'n', ctrlKey: true, cancelable: true});
                                     document.dispatchEvent(e); return e.defaultPrevented; }""") is False


def test_phone_navigation_opens_and_closes_after_a_jump(server, browser):
    base, _ = server
    context = browser.new_context(viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{base}/zh-hant/river-archive/index.html")
    toc = page.locator("#toc")
    assert not toc.is_visible()
    page.click(".toc-button")
    assert toc.is_visible() and page.get_attribute(".toc-button", "aria-expanded") == "true"
    page.click(".toc a[data-section='s04']")
    page.wait_for_timeout(150)
    assert not toc.is_visible() and page.url.endswith("#s04")
    assert abs(page.locator("#s04").bounding_box()["y"]) < 120
    context.close()


def test_arriving_at_a_note_highlights_note_and_references(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html#n-logbook")
    page.wait_for_timeout(100)
    refs = page.locator("a.noteref[href='#n-logbook']")
    assert refs.count() == 2
    assert all("targeted" in (refs.nth(i).get_attribute("class") or "") for i in range(2))
    bg = page.evaluate("getComputedStyle(document.getElementById('n-logbook')).backgroundColor")
    assert bg not in ("rgba(0, 0, 0, 0)", "transparent")


def test_copy_link_copies_the_question_permalink(server, browser):
    base, _ = server
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{base}/zh-hans/river-archive/index.html")
    button = page.locator("#q05 button.copy-link")
    page.locator("#q05").hover()
    button.click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{base}/zh-hans/river-archive/index.html#q05"
    twin = copied.replace("zh-hans", "zh-hant")
    page.goto(twin)
    assert page.locator("#q05").count() == 1  # the permalink works in the other script too
    context.close()


@pytest.mark.parametrize("rel", ["index.html", "zh-hant/index.html", "zh-hans/river-archive/index.html",
                                 "zh-hant/lighthouse-keeper/index.html"])
def test_accessibility_audit(server, page, rel):
    from axe_playwright_python.sync_playwright import Axe

    base, _ = server
    page.goto(f"{base}/{rel}")
    page.wait_for_load_state("networkidle")
    results = Axe().run(page)
    serious = [f"{v['id']} ({v['impact']}): {v['help']} ×{len(v['nodes'])}"
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


def test_toggle_keeps_the_scroll_position_within_a_section(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    # scroll to the middle of section 3, between its anchors, with no fragment in the URL
    page.evaluate("""() => { const s = document.getElementById('s03');
                             window.scrollTo(0, s.getBoundingClientRect().top + scrollY + 700); }""")
    page.wait_for_timeout(100)
    before = page.evaluate("""() => [...document.querySelectorAll('.qa[id], .section[id]')]
        .filter(e => e.getBoundingClientRect().top <= 80).map(e => [e.id, e.getBoundingClientRect().top]).pop()""")
    box = page.locator("a.script-toggle").bounding_box()  # a real click, without Playwright's auto-scroll
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url("**/zh-hans/lighthouse-keeper/index.html#*")
    page.wait_for_timeout(200)
    anchor, top = before
    after = page.evaluate(f"document.getElementById('{anchor}').getBoundingClientRect().top")
    assert abs(after - top) < 40, (anchor, top, after)


def test_no_layout_shift_while_scripts_load(server, page):
    base, _ = server
    page.add_init_script("""window.__shift = 0; new PerformanceObserver(l => { for (const e of l.getEntries())
        if (!e.hadRecentInput) window.__shift += e.value; }).observe({type: 'layout-shift', buffered: true});""")
    for rel in ("zh-hant/index.html", "zh-hans/river-archive/index.html"):
        page.goto(f"{base}/{rel}")
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(200)
        assert page.evaluate("window.__shift") < 0.01, rel


def test_print_shows_notes_as_endnotes_and_hides_the_chrome(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    page.emulate_media(media="print")
    assert page.locator("#notes").is_visible()
    for selector in (".masthead", "#toc", ".sidenote", ".section-nav", ".copy-link"):
        assert not page.locator(selector).first.is_visible(), selector
    pdf = page.pdf()
    assert pdf[:4] == b"%PDF" and len(pdf) > 20_000
