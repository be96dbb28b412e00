"""The sharded search index in Chromium: the merged shards answer exactly as one index does.

Builds the sample archive twice, once as one shard per script and once with
one interview per shard (``SHARD_SIZE = 1``), serves both over HTTP and runs
the same queries through the site's own loader (``archiveOpenSearch`` in
app.js, which merges the shards): the same pages come back for every query,
typed in either script, and the search box shows the hits of every shard.
"""

from __future__ import annotations

import functools
import http.server
import json
import random
import re
import threading

import pytest

import archive.search as search
from archive.build import build

from conftest import SAMPLE, TEMPLATES
from test_browser import _Quiet, browser, page  # noqa: F401 - shared fixtures
from test_publication_browser import TEXT_OF_ARTICLE

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    root = tmp_path_factory.mktemp("shards")
    build(SAMPLE, root / "whole", TEMPLATES, cache_dir=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_SIZE", 1)
        build(SAMPLE, root / "sharded", TEMPLATES, cache_dir=False)
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", root
    httpd.shutdown()


_OPEN = "async (b) => { window.opened = await archiveOpenSearch(b); }"
_QUERY = """async (q) => {
  const r = await opened.pagefind.search(archiveRewriteQuery(q, opened.table));
  return (await Promise.all(r.results.map(x => x.data()))).map(d => d.url).sort(); }"""


def _queries(page, base: str, site: str, folder: str, root) -> list[str]:
    texts = []
    for path in sorted((root / site).glob(f"{folder}/*/interview.json")):
        page.goto(f"{base}/{site}/{folder}/{path.parent.name}/index.html")
        texts.append(page.evaluate(TEXT_OF_ARTICLE))
    runs = [m.group(0) for t in texts for m in re.finditer(r"[\u4e00-\u9fff]{4,}", t)]
    rng = random.Random(13)
    found = []
    for _ in range(60):
        run = rng.choice(runs)
        size = rng.randint(1, 4)
        start = rng.randint(0, len(run) - size)
        found.append(run[start:start + size])
    return found


@pytest.mark.parametrize("folder, other", [("zh-hant", "zh-hans"), ("zh-hans", "zh-hant")])
def test_merged_shards_find_the_same_pages_as_one_index(sites, page, folder, other):
    base, root = sites
    listing = json.loads((root / "sharded" / folder / "pagefind/search.json").read_text(encoding="utf-8"))
    assert listing["shards"], "the sharded build should have more than one shard"
    queries = _queries(page, base, "whole", folder, root) + _queries(page, base, "whole", other, root)
    answers = {}
    for site in ("whole", "sharded"):
        page.goto(f"{base}/{site}/{folder}/index.html")
        page.evaluate(_OPEN, f"{base}/{site}/{folder}/pagefind/")
        answers[site] = [[u.replace(f"/{site}/", "/", 1) for u in page.evaluate(_QUERY, q)] for q in queries]
    assert answers["sharded"] == answers["whole"], [(q, w, s) for q, w, s in zip(queries, answers["whole"], answers["sharded"]) if w != s]
    assert sum(bool(a) for a in answers["whole"]) > len(queries) * 0.9  # the queries do find pages
    # pages of more than one shard come back, each linking into this script's folder
    urls = {u for a in answers["sharded"] for u in a}
    assert len({u.split("/")[2] for u in urls}) == len(list(SAMPLE.glob("*/index.md")))
    assert all(u.startswith(f"/{folder}/") for u in urls)
    assert page.problems == []


def test_the_search_box_shows_hits_from_every_shard(sites, page):
    base, root = sites
    page.goto(f"{base}/sharded/zh-hant/index.html")
    titles = []
    for path in sorted((root / "sharded/zh-hant").glob("*/interview.json")):
        data = json.loads(path.read_text(encoding="utf-8"))["interview"]
        titles.append((path.parent.name, "".join(t.get("text", "") for t in data["title"])))
    for slug, title in titles:
        page.fill("#search-q", title[:4])
        page.wait_for_function("(q) => document.getElementById('search-results').getAttribute('data-query') === q",
                               arg=title[:4])
        hrefs = page.eval_on_selector_all(".search-hit", "els => els.map(e => e.getAttribute('href'))")
        assert any(h.startswith(f"/sharded/zh-hant/{slug}/index.html") for h in hrefs), (title, hrefs)
        excerpts = page.eval_on_selector_all(".search-excerpt", "els => els.map(e => e.textContent)")
        # folded back into text: no token spaces, no run-end marker (search.RUN_END) after a character
        assert not [e for e in excerpts if re.search(r"[\u4e00-\u9fff](x| [\u4e00-\u9fff])", e)], excerpts
    assert page.problems == []
