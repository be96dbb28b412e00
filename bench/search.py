"""The search benchmark: ``python bench/search.py [N ...]`` (default 100 1000) prints figures.

For each N it generates a synthetic archive (bench/synth.py), builds it with
search on (one ``archive build`` process, cold, no cache), and reports the
time of the search step alone (Pagefind fed the bigram pages of both
scripts), the size of each script's bundle (all files, and the part a first
query downloads), a no-op rebuild with search on (which must not run
Pagefind), and the time to first result in Chromium: from typing a
three-character query in the masthead's box of a cold page to the first
result shown, over HTTP.

``--recall`` measures, on the sample archive, 200 random 2–4-character runs
of each script's text, queried as the site queries them (bigrams) and as
plain Pagefind would (the built HTML pages indexed as they are, query as
typed): recall (the run's page is among the results) and precision (share
of returned pages that contain the run).

A script that prints figures, not a timed test: run it on a quiet machine.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _search_step_seconds(archive: Path) -> float:
    """The search step alone, on summaries the build already holds."""
    import archive.build as build
    from archive import search

    captured = {}
    real = build.post_steps
    build.post_steps = lambda files, site, ctx: captured.setdefault("site", site) and {}
    try:
        build.plan_site(archive, REPO / "templates", cache_dir=False)
    finally:
        build.post_steps = real
    started = time.perf_counter()
    search.index_site({}, captured["site"], None)
    return time.perf_counter() - started


def first_result_ms(site: Path, query: str) -> float:
    from playwright.sync_api import sync_playwright

    httpd = _serve(site)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/zh-hant/index.html")
            page.wait_for_load_state("networkidle")
            started = time.perf_counter()
            page.fill("#search-q", query)
            page.wait_for_selector(".search-hit", timeout=60000)
            spent = (time.perf_counter() - started) * 1000
            browser.close()
    finally:
        httpd.shutdown()
    return spent


def scale(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="archive-search-bench-") as tmp:
        root = Path(tmp)
        generate(root, n)
        shutil.copytree(REPO / "templates", root / "templates")
        env = {"PYTHONPATH": str(REPO / "src")}
        cmd = [sys.executable, "-m", "archive", "build", "--archive", "interview", "--out", "site", "-q"]
        started = time.perf_counter()
        subprocess.run(cmd, cwd=root, check=True, capture_output=True, env={**env, "PATH": "/usr/bin:/bin"})
        cold = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run(cmd, cwd=root, check=True, capture_output=True, env={**env, "PATH": "/usr/bin:/bin"})
        noop = time.perf_counter() - started
        step = _search_step_seconds(root / "interview")
        bundles = {f: _size(root / "site" / f / "pagefind") for f in ("zh-hant", "zh-hans")}
        index_only = {f: _size(root / "site" / f / "pagefind/index") + _size(root / "site" / f / "pagefind/fragment")
                      for f in ("zh-hant", "zh-hans")}
        text = (root / "site/zh-hant").glob("*/interview.json")
        sample = next(text).read_text(encoding="utf-8")
        query = re.search(r'"text":"([\u4e00-\u9fff]{6,})', sample).group(1)[2:5]
        first = first_result_ms(root / "site", query)
        print(f"N = {n}: cold build with search {cold:.1f} s; search step {step:.1f} s (both scripts); "
              f"no-op rebuild {noop:.2f} s; bundle zh-hant {bundles['zh-hant'] / 1e6:.1f} MB "
              f"(index + fragments {index_only['zh-hant'] / 1e6:.1f} MB), zh-hans {bundles['zh-hans'] / 1e6:.1f} MB; "
              f"first result in Chromium {first:.0f} ms ({query})")


async def _plain_index(site: Path, folder: str, out: Path) -> None:
    from pagefind.index import PagefindIndex

    async with PagefindIndex(config={"output_path": str(out), "keep_index_url": True}) as index:
        await index.add_directory(str(site), glob=f"{folder}/*/index.html")


def recall() -> None:
    """Bigram search against plain Pagefind on the sample archive."""
    from playwright.sync_api import sync_playwright

    from archive.build import build

    with tempfile.TemporaryDirectory(prefix="archive-recall-") as tmp:
        site = Path(tmp) / "site"
        build(REPO / "interview", site, REPO / "templates", cache_dir=False)
        for folder in ("zh-hant", "zh-hans"):
            asyncio.run(_plain_index(site, folder, site / folder / "plain"))
        httpd = _serve(site)
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        rng = random.Random(15)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM)
            page = browser.new_page()
            for folder in ("zh-hant", "zh-hans"):
                page.goto(f"{base}/{folder}/index.html")
                texts = {}
                for path in sorted(site.glob(f"{folder}/*/interview.json")):
                    body = browser.new_page()
                    body.goto(f"{base}/{folder}/{path.parent.name}/index.html")
                    texts[path.parent.name] = body.evaluate(_ARTICLE)
                    body.close()
                runs = [(s, m.group(0)) for s, t in texts.items() for m in re.finditer(r"[\u4e00-\u9fff]{4,}", t)]
                queries = []
                for _ in range(200):
                    slug, run = rng.choice(runs)
                    size = rng.randint(2, 4)
                    start = rng.randint(0, len(run) - size)
                    queries.append((slug, run[start:start + size]))
                for mode, bundle, rewrite in (("bigrams", "pagefind", True), ("plain Pagefind", "plain", False)):
                    page.evaluate(_LOAD, {"url": f"{base}/{folder}/{bundle}/pagefind.js", "en": rewrite,
                                          "table": f"{base}/{folder}/pagefind/chars.json"})
                    found = precise = returned = 0
                    for slug, query in queries:
                        urls = page.evaluate(_QUERY, {"q": query, "rewrite": rewrite})
                        slugs = {u.rstrip("/").split("/")[-2] if u.endswith("index.html") else u.rstrip("/").split("/")[-1]
                                 for u in urls}
                        found += slug in slugs
                        returned += len(slugs)
                        precise += sum(1 for s in slugs if query in texts.get(s, ""))
                    print(f"{folder} {mode}: recall {found / 200:.3f}, precision {precise / max(returned, 1):.3f} "
                          f"({returned} pages returned for 200 queries)")
            browser.close()
        httpd.shutdown()


_ARTICLE = """() => {
  const a = document.querySelector('article').cloneNode(true);
  a.querySelectorAll('.sidenote, .noteref, .permalink, .copy-link, .section-nav, .q-label, .a-label, .eyebrow, '
                     + '.people dt, .role, .credits, .credit, .article-foot, .section-num, .backlinks, .notes h2')
    .forEach(e => e.remove());
  a.querySelectorAll('p, h1, h2, li, dd, figcaption, span.caption').forEach(e => e.append('\\n'));
  return a.textContent; }"""

_LOAD = """async (o) => {
  if (window.pf) await window.pf.destroy();
  window.pf = await import(o.url + '?' + Math.random());
  const l = document.documentElement.lang;
  if (o.en) document.documentElement.lang = 'en';
  const s = pf.init(); document.documentElement.lang = l; await s;
  const t = await (await fetch(o.table)).json(); window.tbl = {};
  Array.from(t.from).forEach((c, i) => window.tbl[c] = Array.from(t.to)[i]); }"""

_QUERY = """async (o) => {
  const r = await pf.search(o.rewrite ? archiveRewriteQuery(o.q, tbl) : o.q);
  return (await Promise.all(r.results.map(x => x.data()))).map(d => d.url); }"""


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--recall" in args:
        recall()
        args = [a for a in args if a != "--recall"]
        if not args:
            sys.exit(0)
    for n in [int(a) for a in args] or [100, 1000]:
        scale(n)
