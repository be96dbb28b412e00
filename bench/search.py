"""The search benchmark: ``python bench/search.py [N ...]`` (default 100 1000) prints figures.

For each N it generates a synthetic archive (bench/synth.py) and, each as a
fresh ``archive build`` process with its cache: a cold build with search,
an edit of one interview (one shard of each script re-indexed), and a
no-op; for each, wall and CPU seconds (user + system, the process and its
children) and peak memory as the largest process and the sum of the process
tree (sampled from /proc, as bench/run.py does). Then the size of each
script's bundle and the time to first result in Chromium: from typing a
three-character query in the masthead's box of a cold page to the first
result shown, over HTTP on this machine and with 50 ms added to each
request (``Network.emulateNetworkConditions``), the median of three
queries.

``--shard-sizes 32,64,128`` (with one N) builds the same archive again at
each shard size (``search.SHARD_SIZE``, from the same cache so only the
search step runs) and prints the search build's peak memory and the first
result's latency at each: the figures the shard size was chosen from.

``--recall`` measures, on the sample archive, 200 random 2–4-character runs
of each script's text, queried as the site queries them (bigrams, merged
shards) and as plain Pagefind would (the built HTML pages indexed as they
are, query as typed): recall (the run's page is among the results) and
precision (share of returned pages that contain the run).

A script that prints figures, not a timed test: run it on a quiet machine.
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import json
import random
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

from run import machine, measure  # noqa: E402
from synth import generate  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
MB = 2**20


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a request the browser gave up on (it navigated away) is no figure of ours


def _serve(site: Path):
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = _Server(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def first_result_ms(site: Path, queries: list[str], latency_ms: int = 0) -> float:
    """Median over ``queries`` of typing one into a cold page's box until its first hit shows."""
    from playwright.sync_api import sync_playwright

    httpd = _serve(site)
    spent = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
            for query in queries:
                context = browser.new_context()
                page = context.new_page()
                if latency_ms:
                    cdp = context.new_cdp_session(page)
                    cdp.send("Network.enable")
                    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": latency_ms,
                                                                  "downloadThroughput": -1, "uploadThroughput": -1})
                page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/zh-hant/index.html")
                page.wait_for_load_state("networkidle")
                started = time.perf_counter()
                page.fill("#search-q", query)
                page.wait_for_selector(".search-hit", timeout=60000)
                spent.append((time.perf_counter() - started) * 1000)
                context.close()
            browser.close()
    finally:
        httpd.shutdown()
    return statistics.median(spent)


def _queries(site: Path) -> list[str]:
    """Three-character runs from the middle of three interviews' text."""
    found = []
    for path in sorted((site / "zh-hant").glob("*/interview.json"))[:3]:
        text = path.read_text(encoding="utf-8")
        found.append(re.findall(r'"text":"([\u4e00-\u9fff]{6,})', text)[1][2:5])
    return found


def _line(what: str, run) -> str:
    return (f"  {what:<28} {run.seconds:7.2f} s wall {run.cpu:7.2f} s CPU   largest {run.largest / MB:6.0f} MB"
            f"   tree {run.tree / MB:6.0f} MB")


def _build(root: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "archive", "build", "--archive", "interview", "--out", "site", "-q", *extra]


def _edit(root: Path) -> None:
    source = sorted((root / "interview").glob("*/index.md"))[3]
    text = source.read_text(encoding="utf-8")
    head, sep, body = text.rpartition("\n\n")
    source.write_text(head + sep + body.replace("。", "。改過一句", 1), encoding="utf-8")


def _bundles(site: Path) -> str:
    out = []
    for folder in ("zh-hant", "zh-hans"):
        bundle = site / folder / "pagefind"
        shards = json.loads((bundle / "search.json").read_text(encoding="utf-8"))["shards"]
        out.append(f"{folder} {_size(bundle) / 1e6:.1f} MB in {1 + len(shards)} shard(s)")
    return "; ".join(out)


def scale(n: int, sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory(prefix="archive-search-bench-") as tmp:
        root = Path(tmp)
        generate(root, n)
        print(f"N = {n} ({machine()})")
        print(_line("cold build with search", measure(_build(root), root)))
        _edit(root)
        print(_line("edit one interview", measure(_build(root), root)))
        print(_line("no-op", measure(_build(root), root)))
        print(f"  bundles: {_bundles(root / 'site')}")
        queries = _queries(root / "site")
        print(f"  first result in Chromium: {first_result_ms(root / 'site', queries):.0f} ms local, "
              f"{first_result_ms(root / 'site', queries, 50):.0f} ms at 50 ms per request ({' '.join(queries)})")
        for size in sizes:
            shutil.rmtree(root / "site")
            code = ("import sys; import archive.search as s; s.SHARD_SIZE = int(sys.argv[1]); "
                    "from archive.cli import main; sys.exit(main(sys.argv[2:]))")
            cmd = [sys.executable, "-c", code, str(size), *_build(root)[3:]]
            run = measure(cmd, root)
            print(_line(f"shard size {size}", run) + f"   {_bundles(root / 'site')}")
            print(f"  {'':<28} first result {first_result_ms(root / 'site', queries):.0f} ms local, "
                  f"{first_result_ms(root / 'site', queries, 50):.0f} ms at 50 ms per request")


async def _plain_index(site: Path, folder: str, out: Path) -> None:
    from pagefind.index import PagefindIndex

    async with PagefindIndex(config={"output_path": str(out), "keep_index_url": True}) as index:
        await index.add_directory(str(site), glob=f"{folder}/*/index.html")


def recall(shard_size: int | None = None) -> None:
    """Bigram search against plain Pagefind on the sample archive (``shard_size`` 1: each interview a shard)."""
    from playwright.sync_api import sync_playwright

    import archive.search
    from archive.build import build

    print(f"sample archive, shard size {shard_size or archive.search.SHARD_SIZE}:")
    with tempfile.TemporaryDirectory(prefix="archive-recall-") as tmp:
        site = Path(tmp) / "site"
        default, archive.search.SHARD_SIZE = archive.search.SHARD_SIZE, shard_size or archive.search.SHARD_SIZE
        try:
            build(REPO / "interview", site, REPO / "templates", cache_dir=False)
        finally:
            archive.search.SHARD_SIZE = default
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
                    page.goto(f"{base}/{folder}/index.html")
                    page.evaluate(_OPEN if rewrite else _LOAD, f"{base}/{folder}/{bundle}/")
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

_OPEN = """async (b) => { const o = await archiveOpenSearch(b); window.pf = o.pagefind; window.tbl = o.table; }"""

_LOAD = """async (b) => { window.pf = await import(b + 'pagefind.js'); await pf.init(); window.tbl = {}; }"""

_QUERY = """async (o) => {
  const r = await pf.search(o.rewrite ? archiveRewriteQuery(o.q, tbl) : o.q);
  return (await Promise.all(r.results.map(x => x.data()))).map(d => d.url); }"""


if __name__ == "__main__":
    args = sys.argv[1:]
    sizes: list[int] = []
    if "--shard-sizes" in args:
        at = args.index("--shard-sizes")
        sizes = [int(x) for x in args[at + 1].split(",")]
        del args[at:at + 2]
    if "--recall" in args:
        recall()
        recall(1)
        args = [a for a in args if a != "--recall"]
        if not args:
            sys.exit(0)
    for n in [int(a) for a in args] or [100, 1000]:
        scale(n, sizes)
