"""One built page → the facts ``archive check`` needs of it, as plain data.

Owns reading a page (lxml, with source lines): its ids, links, note
references and backlinks, script toggle, language, the facts an interview
page shares with its ``interview.json``, and whether it is a whole document
(checked on the raw bytes, since lxml repairs a truncated page). What
``archive check`` keeps of a page between runs is the smaller summary
``check_page.py`` makes of a :class:`Page`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

_PARSER = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True)


@dataclass
class Page:
    """What the checker needs from one HTML page."""

    rel: str
    ids: dict[str, int] = field(default_factory=dict)
    duplicates: list[tuple[str, int]] = field(default_factory=list)
    links: list[tuple[str, int, str]] = field(default_factory=list)
    """(url, line, role) of every href and src."""
    noterefs: list[tuple[str, str, int]] = field(default_factory=list)
    """(reference id, href, line)."""
    endnotes: dict[str, set[str]] = field(default_factory=dict)
    """note id → hrefs of its backlinks."""
    toggle: tuple[str, int] | None = None
    lang: str | None = None
    incomplete: list[tuple[int, str]] = field(default_factory=list)
    """(line, what is missing) when the page is not a whole document of the expected shape."""
    facts: dict[str, list[str]] = field(default_factory=dict)
    """What an interview page shows: title, section, question and note ids (see check_json.facts)."""


_SHAPE = (
    (re.compile(rb"\A\s*<!doctype html>", re.I), "it does not start with <!doctype html>"),
    (re.compile(rb"<head[\s>]", re.I), "it has no <head>"),
    (re.compile(rb"<body[\s>]", re.I), "it has no <body>"),
    (re.compile(rb"</body\s*>", re.I), "its <body> is never closed"),
    (re.compile(rb"</html\s*>\s*\Z", re.I), "it ends before </html> (a truncated or damaged file)"),
)
"""Checked on the raw bytes: lxml repairs a truncated page silently."""


def _shape(data: bytes) -> list[tuple[int, str]]:
    found = [(1, message) for pattern, message in _SHAPE if not pattern.search(data)]
    if found and found[-1][1].startswith("it ends before"):
        found[-1] = (data.count(b"\n") + 1, found[-1][1])
    return found


def read_page(data: bytes, rel: str) -> Page:
    """Ids, links, note references and backlinks of one page's bytes, with their lines.

    lxml's HTML parser (libxml2) reads a page in about a millisecond, some
    twenty times faster than the standard library's ``html.parser``, and keeps
    every element's source line; it never fails on damaged markup.
    """
    page = Page(rel)
    page.incomplete = _shape(data)
    if not data.strip():
        return page
    try:
        root = lxml.html.document_fromstring(data, parser=_PARSER)
    except (etree.ParserError, ValueError):
        page.incomplete.append((1, "it cannot be parsed as HTML"))
        return page
    page.lang = root.get("lang")
    facts: dict[str, list[str]] = {"title": [], "sections": [], "questions": [], "notes": []}
    page.facts = facts
    for el in root.iter(etree.Element):
        get = el.get
        line = el.sourceline or 1
        ident = get("id")
        if ident is not None:
            if ident in page.ids:
                page.duplicates.append((ident, line))
            else:
                page.ids[ident] = line
        role = get("role", "")
        tag = el.tag
        for attr in ("href", "src"):
            value = get(attr)
            if value is not None and not (tag == "link" and get("rel") in ("canonical", "alternate")):
                page.links.append((value, line, role))
        if tag == "a":
            if role == "doc-noteref":
                page.noterefs.append((ident or "", get("href", ""), line))
            elif role == "doc-backlink":
                note = next((a.get("id") for a in el.iterancestors("li") if a.get("role") == "doc-endnote"), None)
                if note:
                    page.endnotes.setdefault(note, set()).add(get("href", ""))
            if "script-toggle" in get("class", "").split():
                page.toggle = (get("href", ""), line)
        elif role == "doc-endnote" and ident:
            page.endnotes.setdefault(ident, set())
            facts["notes"].append(ident)
        elif tag == "h1" and not facts["title"]:
            facts["title"].append(" ".join(el.text_content().split()))
        elif ident and ((tag == "section" and "section" in get("class", "").split())
                        or (tag == "div" and "qa" in get("class", "").split())):
            facts["sections" if tag == "section" else "questions"].append(ident)
    return page

