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
    pg.on("requestfailed", lambda r: pg.problems.append(f"failed: {r.url}"))
    pg.on("response", lambda r: pg.problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    yield pg
    context.close()


def test_every_page_loads_without_errors(server, page):
    base, site = server
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) == 7
    for rel in pages:
        page.goto(f"{base}/{rel}".replace("/index.html", "/index.html"))
        page.wait_for_load_state("load")
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


def test_note_opens_in_place_and_escape_returns_focus(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    ref = page.locator("a.noteref").first
    ref.click()
    assert ref.get_attribute("aria-expanded") == "true"
    pop_id = ref.get_attribute("aria-controls")
    pop = page.locator(f"#{pop_id}")
    assert pop.is_visible()
    note_id = ref.get_attribute("href")[1:]
    note_text = page.locator(f"#{note_id} .note-body").inner_text().strip()
    assert note_text[:10] in pop.inner_text()
    assert page.evaluate("window.scrollY") < 200  # the reader was not sent to the notes list
    page.keyboard.press("Escape")
    assert ref.get_attribute("aria-expanded") == "false"
    assert page.locator(f"#{pop_id}").count() == 0
    assert page.evaluate("document.activeElement.id") == ref.get_attribute("id")
    ref.focus()
    page.keyboard.press("Enter")
    assert ref.get_attribute("aria-expanded") == "true"


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
