"""Atom feeds, one per script (``zh-hant/feed.xml``): the newest :data:`FEED_ENTRIES` interviews.

Owns :func:`feed_pages`. A feed needs absolute links, so without
``base_url`` there is none (the build's one PUB001 warning says so). Every
date is the interview's own, never the build's clock, so two builds of the
same archive write the same bytes.
"""

from __future__ import annotations

from xml.etree import ElementTree as ET

from .model import SCRIPTS
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .siteinput import SiteInput
from .urls import DIRS, LANGS

ATOM = "http://www.w3.org/2005/Atom"
FEED_ENTRIES = 50


def _stamp(date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def feed(site: SiteInput, script: str) -> bytes:
    """The Atom document of one script."""
    base = site.settings.base_url
    folder = f"{base}/{DIRS[script]}/"
    items = site.summaries[script][:FEED_ENTRIES]
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": LANGS[script]})
    sub = lambda parent, tag, text=None, **attrs: _sub(parent, tag, text, attrs)  # noqa: E731
    sub(root, "id", f"{folder}feed.xml")
    sub(root, "title", site.settings.title[script])
    if site.settings.description[script]:
        sub(root, "subtitle", site.settings.description[script])
    sub(root, "updated", _stamp(max((s.date for s in items), default=None)) if items else "1970-01-01T00:00:00Z")
    sub(root, "link", rel="alternate", type="text/html", href=folder)
    sub(root, "link", rel="self", type="application/atom+xml", href=f"{folder}feed.xml")
    author = sub(root, "author")
    sub(author, "name", site.settings.title[script])
    for summary in items:
        url = f"{base}/{summary.path}"
        entry = sub(root, "entry")
        sub(entry, "id", url)
        sub(entry, "title", summary.title)
        sub(entry, "updated", _stamp(summary.date))
        sub(entry, "published", _stamp(summary.date))
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        for person in summary.people:
            if person.kind == "interviewer":
                sub(sub(entry, "author"), "name", person.name)
        sub(entry, "summary", summary.summary or summary.subtitle or summary.title)
    ET.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


def _sub(parent, tag: str, text, attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attrs)
    if text is not None:
        element.text = text
    return element


def feed_pages(site: SiteInput) -> dict[str, bytes]:
    """``zh-hant/feed.xml``, ``zh-hans/feed.xml`` (none without ``base_url``)."""
    if not site.settings.base_url:
        return {}
    return {f"{DIRS[s]}/feed.xml": feed(site, s) for s in SCRIPTS}
