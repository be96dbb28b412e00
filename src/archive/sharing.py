"""What a shared link shows: Open Graph, Twitter card and schema.org JSON-LD of an interview page.

Owns :func:`article_meta` (the page fields the ``<head>`` of ``interview.html``
prints) and :func:`json_ld`, the one place JSON is put inside ``<script>``:
``<``, ``>`` and ``&`` are written as ``\\u003c`` … so neither ``</script>`` nor
``<!--`` can appear in it whatever the interview's text says. Absolute URLs
need ``base_url``; without it the page keeps only what is relative.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from .model import Settings
from .urls import LANGS


def json_ld(data: dict[str, Any]) -> Markup:
    """``data`` as JSON safe to print between ``<script type="application/ld+json">`` tags."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def article_meta(view: dict[str, Any], settings: Settings, path: str) -> dict[str, Any]:
    """Page fields of an interview: its type, description, image and JSON-LD (when ``base_url`` is set)."""
    base = settings.base_url
    meta: dict[str, Any] = {"og_type": "article", "description": view["summary_text"] or settings.description[view["script"]],
                            "image_url": None, "jsonld": None}
    if not base:
        return meta
    url = f"{base}/{path}"
    image = f"{base}/{view['image']}" if view.get("image") else None
    meta["image_url"] = image
    person = lambda p: {"@type": "Person", "name": p["name"]}  # noqa: E731
    people = view["people_text"]
    article: dict[str, Any] = {
        "@context": "https://schema.org", "@type": "Article", "headline": view["title_text"],
        "description": view["summary_text"], "datePublished": view["date_iso"], "inLanguage": LANGS[view["script"]],
        "url": url, "mainEntityOfPage": url,
        "about": [person(p) for p in people if p["kind"] == "interviewee"],
        "author": [person(p) for p in people if p["kind"] == "interviewer"],
        "contributor": [{**person(p), "roleName": p.get("role", "")} for p in people if p["kind"] == "credit"],
        "publisher": {"@type": "Organization", "name": settings.title[view["script"]], "url": f"{base}/"},
        "isPartOf": {"@type": "WebSite", "name": settings.title[view["script"]], "url": f"{base}/"},
    }
    article = {k: v for k, v in article.items() if v != []}
    if image:
        article["image"] = image
    meta["jsonld"] = json_ld(article)
    return meta
