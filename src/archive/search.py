"""Search: the one module that calls Pagefind, and the text it is fed.

Owns the post-plan step that indexes the published interviews, one set of
Pagefind bundles per script (``zh-hant/pagefind/``, ``zh-hans/pagefind/``),
and the tokens both sides agree on. Pagefind segments Chinese into words at
index time and the browser segments queries differently, so neither side sees
words: each run of Han characters is cut into overlapping bigrams plus the
run's last character marked (``這是一段，`` → ``這是 是一 一段 段x ，``), punctuation kept
so excerpts fold back into text, and every record is declared ``en`` (a CJK
language would make Pagefind's JavaScript split the query bigrams apart
again). ``app.js`` cuts the query the same way. One record per passage of
:class:`~archive.summary.Summary`, linking to its nearest anchor. The index
is sharded (:func:`split`): the interviews of each script are grouped by a
hash of their slug, each shard is one Pagefind process cached on its own
(so an edit re-indexes one shard, and no process holds the whole archive),
and the browser merges the shards (:func:`combine` lays them out).
Beside each bundle, :data:`LISTING` names the other shards and maps
characters of the other script to this one (from the conversion engine
through :mod:`archive.scripts`) so a query typed in either script finds the
same pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Mapping

from markupsafe import escape

from .errors import ArchiveError
from .model import SCRIPTS
from .output import Entry
from .urls import DIRS, INTERVIEW_DATA, OTHER

if TYPE_CHECKING:
    from .siteinput import SiteInput

BUNDLE = "pagefind"
"""The bundle's folder inside each script's folder."""
LISTING = "search.json"
"""Beside each script's bundle: ``{"shards": [the other shards' folders], "from": …, "to": …}`` (the character table)."""
ENTRY = "pagefind-entry.json"
COUNTS = "counts.json"
"""A shard's character counts: kept with the shard in the cache, never published."""
SHARD_SIZE = 64
"""Interviews per shard at most (a power of two of shards per script): chosen by bench/search.py's
figures, memory of one Pagefind process against the browser's time to first result."""
HEADING = "¶"
"""The text of each passage's heading (a heading needs text to become a sub-result); app.js drops it from excerpts."""
RUN_END = "x"
"""Follows the last character of each Han run (``段x``): a letter Pagefind keeps in the word, which the
English stemmer leaves alone in a two-letter word; ``app.js`` drops it from excerpts."""
RECORD_LANGUAGE = "en"
"""A non-CJK code: Pagefind's browser side then keeps the query's bigrams whole."""
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_TOKEN = re.compile(f"[{_HAN}]+|[^\\s{_HAN}]+")
_INVENTORY = "".join(chr(c) for c in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)))
"""Every character the cross-script table considers: CJK Unified Ideographs and Extension A."""
_DROP = re.compile(r"^(pagefind-(ui|modular-ui|component-ui|highlight)[\w.-]*|playground/.*)$")
"""Bundle files the site's own search box does not use (Pagefind's UI kits)."""
_BUNDLE_FILE = re.compile(r"^(index/|fragment/|filter/)?[\w-]+(\.[\w-]+)*$")
"""The names a Pagefind bundle's files have: what a shard read back from the cache may place in the site."""
_RUNTIME = re.compile(r"^(pagefind\.js|pagefind-worker\.js|wasm\.[\w-]+\.pagefind)$")
"""Pagefind's script and WebAssembly: the same in every shard, published once (with the first shard)."""


def version() -> str:
    """Pagefind's version: part of the search step's cache key."""
    from importlib import metadata  # 13 ms to import: not on a build's path without search

    try:
        return f"pagefind {metadata.version('pagefind')}"
    except metadata.PackageNotFoundError:
        return "pagefind -"


def cut(text: str) -> str:
    """Text as index tokens: each Han run as overlapping bigrams plus its last character and :data:`RUN_END`.

    Every Han token is thus two characters long, and none is a prefix of
    another: Pagefind, finding no word that starts with a query word, falls
    back to the longest word that is a prefix of it (``長`` for ``長一``), which
    within a shard that lacks the bigram would return pages without it.
    """
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if _HAN_RUN.fullmatch(token):
            out.extend(token[i:i + 2] for i in range(len(token) - 1))
            out.append(token[-1] + RUN_END)
        else:
            out.append(token)
    return " ".join(out)


def record_page(summary, passages) -> str:
    """What Pagefind indexes of one interview: a page of tokens, one ``<h2 id>`` per passage.

    The heading ids are the passages' anchors, so each match comes back as a
    sub-result linking to its nearest question or section (``…#q07``); the lead
    (with the title, subtitle, people and summary) is the text before the first
    heading and links to the page itself. The notes follow under ``#notes``.
    """
    people = " ".join(p.name for p in summary.people)
    parts = [f'<html lang="{RECORD_LANGUAGE}"><head><meta charset="utf-8">'
             f'<meta data-pagefind-meta="title[content]" content="{escape(summary.title)}"></head><body>']
    for passage in passages:
        text = passage.text
        if passage.anchor == "top":
            text = " ｜ ".join(t for t in (summary.title, summary.subtitle, people, summary.summary, text) if t)
            parts.append(f"<p>{escape(cut(text))}</p>")
        else:
            parts.append(f'<h2 id="{escape(passage.anchor)}">{HEADING}</h2><p>{escape(cut(text))}</p>')
    if not any(p.anchor == "top" for p in passages):
        parts.insert(1, f"<p>{escape(cut(' ｜ '.join((summary.title, summary.subtitle, people, summary.summary))))}</p>")
    notes = "\n".join(f"{n.term} {n.text}" for n in summary.notes)
    if notes:
        parts.append(f'<h2 id="notes">{HEADING}</h2><p>{escape(cut(notes))}</p>')
    parts.append("</body></html>")
    return "".join(parts)


def char_table(counts: Mapping[str, int], script: str) -> dict[str, str]:
    """Characters of the other script → this script's, only where they differ.

    Made by converting every character of the inventory with the archive's
    conversion engine. Where several characters of this script become the same
    one in the other (髮, 發 → 发), the one the indexed text uses most
    (``counts``, over every shard) wins.
    """
    from .scripts import convert_text

    other = OTHER[script]
    mine = _INVENTORY
    theirs = convert_text("\n".join(mine), script, other).split("\n")
    table: dict[str, str] = {}
    if len(theirs) != len(mine):
        return table
    for ch, conv in zip(mine, theirs):
        if len(conv) != 1 or conv == ch or counts.get(conv):
            continue  # a character this script's text uses itself (台 beside 臺) is never rewritten
        best = table.get(conv)
        if best is None or counts.get(ch, 0) > counts.get(best, 0):
            table[conv] = ch
    # the other script's own characters converted here, where single-character conversion is known
    back = convert_text("\n".join(table), other, script).split("\n")
    for conv, ch in zip(list(table), back):
        if not counts.get(table[conv]) and len(ch) == 1 and ch != conv:
            table[conv] = ch
    return dict(sorted(table.items()))


def split(read: list[str]) -> dict[str, list[str]]:
    """The files the step reads (``zh-hant/<slug>/interview.json``) cut into shards, named ``zh-hant/<k>``.

    Each script's interviews go to :func:`shard_count` shards by a hash of the
    slug, so editing, adding or removing one interview changes one shard of each
    script; the count changes only when the archive doubles or halves.
    """
    by_folder: dict[str, list[str]] = {}
    for rel in read:
        by_folder.setdefault(rel.split("/")[0], []).append(rel)
    parts: dict[str, list[str]] = {}
    for folder, rels in sorted(by_folder.items()):
        count = shard_count(len(rels))
        for rel in rels:
            parts.setdefault(f"{folder}/{shard_of(rel.split('/')[1], count)}", []).append(rel)
    return parts


def shard_count(interviews: int) -> int:
    """The number of shards of one script: the smallest power of two giving at most :data:`SHARD_SIZE` each."""
    count = 1
    while count * SHARD_SIZE < interviews:
        count *= 2
    return count


def shard_of(slug: str, count: int) -> int:
    """The shard of an interview: a stable hash of its slug (the same in every process and release)."""
    return int.from_bytes(hashlib.sha256(slug.encode("utf-8")).digest()[:8], "big") % count


def index_shard(files: Mapping[str, object], site: SiteInput, folder: Path | None) -> dict[str, bytes]:
    """One shard's Pagefind bundle, made from the interviews whose data files are ``files``.

    Beside the bundle, :data:`COUNTS` holds how often each character occurs in the
    shard's text (for :func:`char_table`); :func:`combine` keeps it out of the site.
    """
    rels = sorted(files)
    script = next(s for s, d in DIRS.items() if d == rels[0].split("/")[0])
    slugs = {rel.split("/")[1] for rel in rels}
    pages: list[tuple[str, str]] = []
    counts: Counter[str] = Counter()
    with _LOADING:  # shards run in threads; the summaries are loaded once
        summaries = site.summaries[script]
    for summary in summaries:
        if summary.slug in slugs:
            passages = site.passages(summary)
            pages.append((summary.slug, record_page(summary, passages)))
            for passage in passages:
                counts.update(passage.text)
    out = _run_pagefind(pages) if pages else {}
    out[COUNTS] = json.dumps(dict(sorted(counts.items())), ensure_ascii=False).encode()
    return out


def combine(parts: Mapping[str, Mapping[str, Entry]], site: SiteInput) -> dict[str, Entry]:
    """The shards laid out in each script's ``pagefind/`` folder, with :data:`LISTING`.

    The first shard (by number) sits in the folder itself with Pagefind's
    script and WebAssembly, so ``pagefind/pagefind.js`` starts on it; every
    other shard is a folder ``pagefind/<k>/`` of index files only, which
    ``app.js`` merges (Pagefind's ``mergeIndex``). Only each shard's
    :data:`COUNTS` is read here: the bundles' files are passed on unread.
    """
    out: dict[str, Entry] = {}
    for script in SCRIPTS:
        base = f"{DIRS[script]}/{BUNDLE}"
        mine = sorted((name for name in parts if name.startswith(f"{DIRS[script]}/")),
                      key=lambda name: int(name.rsplit("/", 1)[1]))
        counts: Counter[str] = Counter()
        for name in mine:
            if COUNTS in parts[name]:
                counts.update(_counts(parts[name][COUNTS].read()))
        shards = [name for name in mine if ENTRY in parts[name]]
        for i, name in enumerate(shards):
            where = base if i == 0 else f"{base}/{name.rsplit('/', 1)[1]}"
            for rel, entry in parts[name].items():
                if rel != COUNTS and _BUNDLE_FILE.match(rel) and (i == 0 or not _RUNTIME.match(rel)):
                    out[f"{where}/{rel}"] = entry
        table = char_table(counts, script)
        listing = {"shards": [f"{name.rsplit('/', 1)[1]}/" for name in shards[1:]],
                   "from": "".join(table), "to": "".join(table.values())}
        out[f"{base}/{LISTING}"] = Entry.of(json.dumps(listing, ensure_ascii=False, separators=(",", ":")).encode())
    return out


def _counts(data: bytes) -> dict[str, int]:
    """A shard's character counts as stored; anything else (a damaged entry) counts nothing."""
    try:
        found = json.loads(data)
    except ValueError:
        return {}
    if not isinstance(found, dict):
        return {}
    return {k: v for k, v in found.items() if isinstance(k, str) and isinstance(v, int)}


def _run_pagefind(pages: list[tuple[str, str]]) -> dict[str, bytes]:
    """One run of Pagefind's command line over a folder of :func:`record_page` pages: the bundle's files.

    One process per shard: its memory is returned when it exits, and it runs in
    a scratch folder with no ``PAGEFIND_*`` variables, so no configuration of the
    user's (``pagefind.yml`` in the working folder) changes the index. One
    Pagefind process at a time (the next shard's pages are written meanwhile):
    a shard of 64 interviews peaks near 200 MB, and the build's own process
    holds about 285 MB at N = 2,000 (the shards' bundles are in the cache, not
    in it: see :mod:`archive.postplan`), so two side by side would pass the
    600 MB the whole process tree may use.
    """
    exe = _executable()
    with tempfile.TemporaryDirectory(prefix="archive-search-") as tmp:
        site_dir, bundle = Path(tmp) / "pages", Path(tmp) / "bundle"
        for slug, page in pages:
            target = site_dir / slug / "index.html"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PAGEFIND")}
        cmd = [str(exe), "--site", str(site_dir), "--output-path", str(bundle), "--keep-index-url", "--silent"]
        try:
            with _ONE_AT_A_TIME:
                done = subprocess.run(cmd, cwd=tmp, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                      check=False, timeout=TOOL_TIMEOUT)
        except subprocess.TimeoutExpired:
            raise SearchError(f"Pagefind did not finish indexing within {TOOL_TIMEOUT:.0f} s; "
                              "build with --no-search to skip search") from None
        except OSError as error:
            raise SearchError(f"Pagefind could not start ({error}); build with --no-search to skip search") from None
        found = _read_bundle(bundle)
        if done.returncode != 0 or ENTRY not in found:
            said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
            raise SearchError(f"Pagefind failed while indexing ({said[-1] if said else f'exit {done.returncode}'}); "
                              "build with --no-search to skip search")
        return found


def _executable() -> Path:
    """Pagefind's binary, as the ``pagefind`` package finds it (the extended build when installed)."""
    try:
        from pagefind.service import get_executable
    except ImportError as error:  # pragma: no cover - a dependency of the package
        raise SearchError(f"search needs the pagefind package ({error}); install it with "
                          "pip install 'pagefind[extended]', or build with --no-search") from None
    exe = get_executable()
    if exe is None:
        raise SearchError("Pagefind's program was not found; install it with pip install 'pagefind[extended]', "
                          "or build with --no-search")
    return exe


_LOADING = threading.Lock()
_ONE_AT_A_TIME = threading.Lock()
TOOL_TIMEOUT = 600.0
"""Seconds one shard's Pagefind run may take before the build gives up on it (a shard takes a few)."""


def _read_bundle(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not _DROP.match(rel):
            found[rel] = path.read_bytes()
    return found


class SearchError(ArchiveError):
    """Pagefind is missing or failed; the message says what to do (shown as it is, also when a shard is
    made again while the site is written because its stored bundle went missing)."""


def reads(rel: str) -> bool:
    """What the search index is made from: each page's model (``interview.json``), never the page's HTML."""
    return rel.endswith(f"/{INTERVIEW_DATA}")


def indexed_text(site: SiteInput, script: str) -> Iterable[str]:
    """Every passage's text in ``script`` (for benchmarks and tests)."""
    for summary in site.summaries[script]:
        for passage in site.passages(summary):
            yield passage.text
