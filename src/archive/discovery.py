"""What lets readers and crawlers find the site: ``sitemap.xml``, ``robots.txt`` and ``404.html``.

Owns :func:`robots_page` and :func:`not_found_page` (site pages) and the
sitemap post-plan step :func:`sitemap`, which lists every planned HTML page
(so a page added later is listed without touching this module), each
script's page with ``xhtml:link`` alternates for itself and its twin and an
``x-default`` pointing at the root page. The sitemap and robots' Sitemap
line need ``base_url``; without it there is no sitemap.
"""

from __future__ import annotations

from typing import Mapping
from xml.etree import ElementTree as ET

from .model import SCRIPTS
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .siteinput import SiteInput
from .urls import DIRS, LANGS, SCRIPT_OF_DIR

SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML = "http://www.w3.org/1999/xhtml"
NOT_FOUND = "404.html"


def _url(base: str, rel: str) -> str:
    """The public URL of a planned file: folders for index pages."""
    if rel == "index.html":
        return f"{base}/"
    if rel.endswith("/index.html"):
        return f"{base}/{rel[:-len('index.html')]}"
    return f"{base}/{rel}"


def sitemap(files: Mapping[str, object], site: SiteInput, folder=None) -> dict[str, bytes]:
    """``sitemap.xml``: every page, with hreflang alternates for the pages that have a twin."""
    base = site.settings.base_url
    if not base:
        return {}
    ET.register_namespace("", SITEMAP)
    ET.register_namespace("xhtml", XHTML)
    root = ET.Element(f"{{{SITEMAP}}}urlset")
    pages = sorted(rel for rel in files if rel.endswith(".html") and rel != NOT_FOUND)
    for rel in pages:
        url = ET.SubElement(root, f"{{{SITEMAP}}}url")
        ET.SubElement(url, f"{{{SITEMAP}}}loc").text = _url(base, rel)
        top, _, rest = rel.partition("/")
        if top in SCRIPT_OF_DIR:
            for script in SCRIPTS:
                twin = f"{DIRS[script]}/{rest}"
                if twin in files:
                    ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=LANGS[script],
                                  href=_url(base, twin))
            ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang="x-default", href=f"{base}/")
        elif rel == "index.html":
            for script in SCRIPTS:
                ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang=LANGS[script],
                              href=_url(base, f"{DIRS[script]}/index.html"))
            ET.SubElement(url, f"{{{XHTML}}}link", rel="alternate", hreflang="x-default", href=f"{base}/")
    ET.indent(root)
    return {"sitemap.xml": b'<?xml version="1.0" encoding="utf-8"?>\n'
            + ET.tostring(root, encoding="unicode").encode() + b"\n"}


def robots_page(site: SiteInput) -> dict[str, bytes]:
    """``robots.txt``: everything may be crawled; the sitemap's address when there is one."""
    lines = ["User-agent: *", "Allow: /"]
    if site.settings.base_url:
        lines.append(f"Sitemap: {site.settings.base_url}/sitemap.xml")
    return {"robots.txt": ("\n".join(lines) + "\n").encode()}


def not_found_page(site: SiteInput) -> dict[str, bytes]:
    """``404.html`` in both scripts' words; its links are absolute, since a server shows it at any address."""
    base = site.settings.base_url
    prefix = base + "/" if base else "/"
    choices = [{"lang": LANGS[s], "script": s, "words": site.labels(s), "title": site.settings.title[s],
                "href": f"{prefix}{DIRS[s]}/index.html"} for s in SCRIPTS]
    return {NOT_FOUND: site.render("404.html", {"choices": choices, "root": prefix})}
