"""The publication as a reader uses it, in Chromium: search across scripts, the indexes, the typography fixes.

Uses the sample archive built by test_browser's ``server`` fixture (served over
HTTP: Pagefind loads its index with ``import()``, which ``file://`` forbids).
Screenshots at 375 and 1440 px land in tests/artifacts/.
"""

from __future__ import annotations

import json
import random
import re

import pytest

from test_browser import ARTIFACTS, browser, page, server  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.browser

TEXT_OF_ARTICLE = """() => {
  const a = document.querySelector('article').cloneNode(true);
  a.querySelectorAll('.sidenote, .noteref, .permalink, .copy-link, .section-nav, .q-label, .a-label, .eyebrow, '
                     + '.people dt, .role, .credits, .credit, .article-foot, .section-num, .backlinks, .notes h2')
    .forEach(e => e.remove());
  a.querySelectorAll('p, h1, h2, li, dd, figcaption, span.caption').forEach(e => e.append('\\n'));
  return a.textContent; }"""


def _search(page, query: str) -> list[dict]:
    page.fill("#search-q", query)
    page.wait_for_function("(q) => { const b = document.getElementById('search-results'); "
                           "return !b.hidden && b.getAttribute('data-query') === q; }", arg=query, timeout=15000)
    return page.eval_on_selector_all(".search-hit", "els => els.map(e => ({href: e.getAttribute('href'), "
                                     "title: e.querySelector('.search-title').textContent, "
                                     "excerpt: e.querySelector('.search-excerpt').innerHTML}))")


def _titles(site, folder: str) -> dict[str, str]:
    found = {}
    for path in sorted(site.glob(f"{folder}/*/interview.json")):
        data = json.loads(path.read_text(encoding="utf-8"))["interview"]
        found[data["slug"]] = "".join(t.get("text", "") for t in data["title"])
    return found


@pytest.mark.parametrize("folder, other", [("zh-hant", "zh-hans"), ("zh-hans", "zh-hant")])
def test_a_title_typed_in_the_other_script_finds_the_page_in_this_one(server, page, folder, other):
    base, site = server
    page.goto(f"{base}/{folder}/index.html")
    for slug, title in _titles(site, other).items():
        hits = _search(page, title[:5])
        assert any(h["href"].startswith(f"/{folder}/{slug}/index.html") for h in hits), (title[:5], hits)
    page.click(".search-hit")
    page.wait_for_load_state("load")
    assert re.search(rf"/{folder}/[\w-]+/index\.html", page.url)
    assert page.problems == []


def test_a_run_from_the_middle_of_an_answer_finds_its_question(server, page):
    base, site = server
    page.goto(f"{base}/zh-hant/index.html")
    answer = page.context.new_page()
    answer.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    text = answer.inner_text("#q05 .a p")
    answer.close()
    run = re.search(r"[\u4e00-\u9fff]{12,}", text).group(0)
    middle = run[len(run) // 2:len(run) // 2 + 3]
    hits = _search(page, middle)
    assert any(h["href"].startswith("/zh-hant/lighthouse-keeper/index.html#q") for h in hits), (middle, hits)
    hit = next(h for h in hits if "lighthouse-keeper" in h["href"])
    # the excerpt is folded back into text: no spaces between characters, the match marked
    assert re.search(r"[\u4e00-\u9fff] [\u4e00-\u9fff]", hit["excerpt"]) is None
    assert "<mark>" in hit["excerpt"] and middle in re.sub(r"</?mark>", "", hit["excerpt"])
    assert page.problems == []


def test_slash_focuses_the_search_box_and_escape_closes_results(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hans/lighthouse-keeper/index.html")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-q"
    _search(page, "灯塔")
    page.keyboard.press("Escape")
    assert page.is_hidden("#search-results")


def test_recall_and_precision_of_random_substrings(server, page):
    """200 random 2–4-character runs of each script's text: every one finds its page, and every page found has it."""
    base, site = server
    rng = random.Random(15)
    figures = {}
    for folder in ("zh-hant", "zh-hans"):
        page.goto(f"{base}/{folder}/index.html")
        page.evaluate("async (b) => { const o = await archiveOpenSearch(b); window.pf = o.pagefind;"
                      " window.tbl = o.table; }", f"{base}/{folder}/pagefind/")
        texts = {}
        for path in sorted(site.glob(f"{folder}/*/index.html")):
            if (path.parent / "interview.json").is_file():
                body = page.context.new_page()
                body.goto(path.resolve().as_uri().replace(site.resolve().as_uri(), base))
                texts[path.parent.name] = body.evaluate(TEXT_OF_ARTICLE)
                body.close()
        runs = [(slug, m.group(0)) for slug, t in texts.items() for m in re.finditer(r"[\u4e00-\u9fff]{4,}", t)]
        found = precise = returned = 0
        for _ in range(200):
            slug, run = rng.choice(runs)
            size = rng.randint(2, 4)
            start = rng.randint(0, len(run) - size)
            query = run[start:start + size]
            urls = page.evaluate("async (q) => { const r = await pf.search(archiveRewriteQuery(q, tbl));"
                                 " return (await Promise.all(r.results.map(x => x.data()))).map(d => d.url); }", query)
            slugs = {u.split("/")[2] for u in urls}
            found += slug in slugs
            returned += len(slugs)
            precise += sum(1 for s in slugs if query in texts.get(s, ""))
        figures[folder] = (found / 200, precise / max(returned, 1))
    print(f"\nrecall/precision of 200 random 2-4 character runs: {figures}")
    assert all(recall == 1.0 for recall, _ in figures.values()), figures
    assert all(precision == 1.0 for _, precision in figures.values()), figures


def test_names_link_to_the_people_index_and_notes_to_their_note(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    page.click(".people a.name")
    page.wait_for_load_state("load")
    assert "/zh-hant/people/index.html#p-" in page.url
    target = page.url.split("#")[1]
    assert page.evaluate(f"document.getElementById('{target}').matches(':target')")
    page.goto(f"{base}/zh-hans/notes/index.html")
    page.click(".term-source a")
    page.wait_for_load_state("load")
    assert re.search(r"/zh-hans/[\w-]+/index\.html#n-[\w-]+$", page.url)
    assert page.problems == []


def test_the_section_navigation_highlights_the_notes(server, page):
    base, _ = server
    page.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    page.evaluate("document.getElementById('notes').scrollIntoView()")
    page.wait_for_timeout(300)
    assert page.get_attribute(".toc-notes a", "aria-current") == "true"


def test_copy_links_stay_hidden_on_touch_screens_and_permalinks_are_legible_when_focused(server, browser):  # noqa: F811
    base, _ = server
    context = browser.new_context(viewport={"width": 375, "height": 800}, has_touch=True, is_mobile=True)
    pg = context.new_page()
    pg.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    assert pg.evaluate("matchMedia('(hover: none)').matches")
    assert pg.evaluate("getComputedStyle(document.querySelector('.copy-link')).opacity") == "0"
    context.close()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    pg.focus("#q01 .permalink")
    ratio = pg.evaluate("""() => {
      const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
      const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4; });
                         return .2126 * r + .7152 * g + .0722 * b; };
      const a = document.querySelector('#q01 .permalink');
      const fg = lum(rgb(getComputedStyle(a).color)), bg = lum(rgb(getComputedStyle(document.body).backgroundColor));
      return getComputedStyle(a).opacity === '1' ? (Math.max(fg, bg) + .05) / (Math.min(fg, bg) + .05) : 0; }""")
    assert ratio >= 4.5, ratio
    context.close()


def test_titles_keep_words_whole_on_a_phone(server, browser):  # noqa: F811
    base, _ = server
    context = browser.new_context(viewport={"width": 375, "height": 800}, is_mobile=True)
    pg = context.new_page()
    pg.goto(f"{base}/zh-hant/lighthouse-keeper/index.html")
    assert pg.evaluate("getComputedStyle(document.querySelector('.title-block h1')).wordBreak") == "keep-all"
    assert pg.evaluate("getComputedStyle(document.querySelector('.subtitle')).textAlign") in ("left", "start")
    # every line of the title ends at a phrase boundary: no line starts inside 自動化 or 燈塔
    lines = pg.evaluate("""() => { const h = document.querySelector('.title-block h1'); const r = document.createRange();
      const out = []; let top = null, line = '';
      for (const node of h.childNodes) { if (node.nodeType !== 3) continue;
        for (let i = 0; i < node.length; i++) { r.setStart(node, i); r.setEnd(node, i + 1);
          const t = Math.round(r.getBoundingClientRect().top);
          if (top !== null && t > top + 5) { out.push(line); line = ''; } top = t; line += node.data[i]; } }
      out.push(line); return out; }""")
    assert "".join(lines).startswith("燈塔") and all(not ln.startswith(("塔", "動", "化")) for ln in lines), lines
    context.close()


@pytest.mark.parametrize("width", [375, 1440])
def test_screenshots_of_the_publication(server, browser, width):  # noqa: F811
    base, _ = server
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    pg = context.new_page()
    for name, path in (("index", "zh-hant/index.html"), ("people", "zh-hans/people/index.html"),
                       ("notes", "zh-hant/notes/index.html"), ("interview", "zh-hant/lighthouse-keeper/index.html")):
        pg.goto(f"{base}/{path}")
        pg.wait_for_load_state("networkidle")
        shot = ARTIFACTS / f"pub-{name}-{width}.png"
        pg.screenshot(path=str(shot), full_page=name != "interview")
        assert shot.stat().st_size > 10_000
    pg.goto(f"{base}/zh-hant/index.html")
    _search(pg, "霧笛")
    shot = ARTIFACTS / f"pub-search-{width}.png"
    pg.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
    context.close()
