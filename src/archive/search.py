"""Search: the one module that calls Pagefind, and the text it is fed.

Owns the post-plan step that indexes the published interviews, one Pagefind
bundle per script (``zh-hant/pagefind/``, ``zh-hans/pagefind/``), and the
tokens both sides agree on. Pagefind segments Chinese into words at index
time and the browser segments queries differently, so neither side sees
words: each run of Han characters is cut into overlapping bigrams plus the
run's last character (``這是一段，`` → ``這是 是一 一段 段 ，``), punctuation kept
so excerpts fold back into text, and every record is declared ``en`` (a
CJK language would make Pagefind's JavaScript split the query bigrams
apart again). ``app.js`` cuts the query the same way. One record per
passage of :class:`~archive.summary.Summary`, linking to its nearest anchor.
Beside each bundle, ``chars.json`` maps characters of the other script to
this one (from the conversion engine through :mod:`archive.scripts`) so a
query typed in either script finds the same pages.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import re
import tempfile
import zlib
from collections import Counter
from importlib import metadata
from pathlib import Path
from typing import Iterable, Mapping

from markupsafe import escape

from .model import SCRIPTS
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .siteinput import SiteInput
from .urls import DIRS, INTERVIEW_DATA, OTHER

BUNDLE = "pagefind"
"""The bundle's folder inside each script's folder."""
CHAR_TABLE = "chars.json"
HEADING = "¶"
"""The text of each passage's heading (a heading needs text to become a sub-result); app.js drops it from excerpts."""
RECORD_LANGUAGE = "en"
"""A non-CJK code: Pagefind's browser side then keeps the query's bigrams whole."""
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_HAN_RUN = re.compile(f"[{_HAN}]+")
_TOKEN = re.compile(f"[{_HAN}]+|[^\\s{_HAN}]+")
_INVENTORY = "".join(chr(c) for c in (*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)))
"""Every character the cross-script table considers: CJK Unified Ideographs and Extension A."""
_DROP = re.compile(r"^(pagefind-(ui|modular-ui|component-ui|highlight)[\w.-]*|playground/.*)$")
"""Bundle files the site's own search box does not use (Pagefind's UI kits)."""


def version() -> str:
    """Pagefind's version: part of the search step's cache key."""
    try:
        return f"pagefind {metadata.version('pagefind')}"
    except metadata.PackageNotFoundError:
        return "pagefind -"


def cut(text: str) -> str:
    """Text as index tokens: each Han run as overlapping bigrams plus its last character; the rest kept."""
    out: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if _HAN_RUN.fullmatch(token):
            out.extend(token[i:i + 2] for i in range(len(token) - 1))
            out.append(token[-1])
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


def char_table(site: SiteInput, script: str) -> dict[str, str]:
    """Characters of the other script → this script's, only where they differ.

    Made by converting every character of the inventory with the archive's
    conversion engine. Where several characters of this script become the same
    one in the other (髮, 發 → 发), the one the indexed text uses most wins.
    """
    from .scripts import convert_text

    other = OTHER[script]
    counts = Counter(ch for s in site.summaries[script] for p in site.passages(s) for ch in p.text)
    mine = _INVENTORY
    theirs = convert_text("\n".join(mine), script, other).split("\n")
    table: dict[str, str] = {}
    if len(theirs) != len(mine):
        return table
    for ch, conv in zip(mine, theirs):
        if len(conv) != 1 or conv == ch or counts[conv]:
            continue  # a character this script's text uses itself (台 beside 臺) is never rewritten
        best = table.get(conv)
        if best is None or counts[ch] > counts[best]:
            table[conv] = ch
    # the other script's own characters converted here, where single-character conversion is known
    back = convert_text("\n".join(table), other, script).split("\n")
    for conv, ch in zip(list(table), back):
        if counts[table[conv]] == 0 and len(ch) == 1 and ch != conv:
            table[conv] = ch
    return dict(sorted(table.items()))


def index_site(files: Mapping[str, object], site: SiteInput, folder: Path | None) -> dict[str, bytes]:
    """The search bundles of both scripts, and their character tables."""
    pages = {script: [(s.slug, record_page(s, site.passages(s))) for s in site.summaries[script]] for script in SCRIPTS}
    built = asyncio.run(_run_pagefind(pages))
    out: dict[str, bytes] = {}
    for script in SCRIPTS:
        base = f"{DIRS[script]}/{BUNDLE}"
        for rel, data in built[script].items():
            out[f"{base}/{rel}"] = data
        table = char_table(site, script)
        pairs = {"from": "".join(table), "to": "".join(table.values())}
        out[f"{base}/{CHAR_TABLE}"] = json.dumps(pairs, ensure_ascii=False, separators=(",", ":")).encode()
    return out


async def _run_pagefind(wanted: dict[str, list[tuple[str, str]]]) -> dict[str, dict[str, bytes]]:
    """One Pagefind service, one index per script, each fed one folder of :func:`record_page` pages.

    A folder rather than ``add_custom_record`` calls: the Python service answers
    one message per 0.1 s, so a record per passage would cost minutes at a
    thousand interviews; a folder is one message.
    """
    try:
        from pagefind.service import PagefindService
    except ImportError as error:  # pragma: no cover - a dependency of the package
        raise SearchError(f"search needs the pagefind package ({error}); install it with "
                          "pip install 'pagefind[extended]', or build with --no-search") from None
    out: dict[str, dict[str, bytes]] = {}
    try:
        service = await PagefindService().launch()
    except Exception as error:  # noqa: BLE001 - any failure of the external tool becomes one message
        raise SearchError(f"Pagefind could not start ({error}); build with --no-search to skip search") from None
    try:
        for script, records in wanted.items():
            index = await _within(service.create_index({"keep_index_url": True}), 60, "start an index")
            with tempfile.TemporaryDirectory(prefix="archive-search-") as tmp:
                pages, bundle = Path(tmp) / "pages", Path(tmp) / "bundle"
                for slug, page in records:
                    target = pages / slug / "index.html"
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_text(page, encoding="utf-8")
                pages.mkdir(exist_ok=True)
                await _within(index.add_directory(str(pages)), TOOL_TIMEOUT, "index the pages")
                await _within(index.write_files(output_path=str(bundle)), TOOL_TIMEOUT, "write the index")
                out[script] = await _settled_bundle(bundle)
            await _within(index.delete_index(), 60, "free the index")
    except Exception as error:  # noqa: BLE001
        raise SearchError(f"Pagefind failed while indexing ({error}); build with --no-search to skip search") from None
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(service.close(), 10)
    return out


TOOL_TIMEOUT = 1800.0
"""Seconds one Pagefind call may take before the build gives up on it (1,000 interviews take about 60)."""


async def _within(call, seconds: float, what: str):
    """Await one Pagefind call; a service that stops answering (a broken pipe) fails the step instead of hanging."""
    try:
        return await asyncio.wait_for(call, seconds)
    except asyncio.TimeoutError:
        raise SearchError(f"Pagefind did not {what} within {seconds:.0f} s; build with --no-search "
                          "to skip search") from None


async def _settled_bundle(folder: Path, timeout: float = 60.0) -> dict[str, bytes]:
    """The bundle once Pagefind has finished writing it.

    Pagefind answers ``write_files`` before every file is flushed (a file read
    at once can be empty or cut short), so the folder is read until every
    gzip file is whole, the entry file parses, and two reads agree.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    previous = None
    while True:
        current = _read_bundle(folder)
        if current == previous and _whole(current):
            return current
        if loop.time() > deadline:
            raise SearchError(f"Pagefind did not finish writing its index within {timeout:.0f} s")
        previous = current
        await asyncio.sleep(0.05)


def _whole(files: dict[str, bytes]) -> bool:
    try:
        json.loads(files["pagefind-entry.json"])
        if not files.get("pagefind.js"):
            return False
        for rel, data in files.items():
            if data[:2] == b"\x1f\x8b":
                gzip.decompress(data)
    except (KeyError, ValueError, EOFError, OSError, zlib.error):
        return False
    return True


def _read_bundle(folder: Path) -> dict[str, bytes]:
    found = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and not _DROP.match(rel):
            found[rel] = path.read_bytes()
    return found


class SearchError(Exception):
    """Pagefind is missing or failed; the message says what to do."""


def reads(rel: str) -> bool:
    """What the search index is made from: each page's model (``interview.json``), never the page's HTML."""
    return rel.endswith(f"/{INTERVIEW_DATA}")


def indexed_text(site: SiteInput, script: str) -> Iterable[str]:
    """Every passage's text in ``script`` (for benchmarks and tests)."""
    for summary in site.summaries[script]:
        for passage in site.passages(summary):
            yield passage.text
