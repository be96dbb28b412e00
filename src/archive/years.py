"""The archive index of each script at any size: grouped by year, with one page per year.

Owns :func:`index_pages` (``zh-hant/index.html``) and :func:`year_pages`
(``zh-hant/2026/index.html``). The index shows the newest
:data:`INDEX_ENTRIES` interviews in full under their years, and a year
navigation linking every year's page, so its size stays bounded however
large the archive grows (under 100 KB of HTML at 1,000 interviews); each
year page lists all of that year's interviews.
"""

from __future__ import annotations

from itertools import groupby
from typing import Any, Sequence

from .context import date_text, site_page
from .model import SCRIPTS
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .siteinput import SiteInput
from .summary import Summary
from .urls import DIRS

INDEX_ENTRIES = 60
"""Interviews the index page shows in full; older ones are on their year's page."""


def _entry(summary: Summary, prefix: str) -> dict[str, Any]:
    return {"summary": summary, "href": f"{prefix}{summary.slug}/index.html", "date": date_text(summary.date),
            "date_iso": summary.date.isoformat(), "people_prefix": prefix,
            "interviewees": [p for p in summary.people if p.kind == "interviewee"]}


def _years(summaries: Sequence[Summary]) -> list[tuple[int, list[Summary]]]:
    return [(year, list(items)) for year, items in groupby(summaries, key=lambda s: s.date.year)]


def _nav(years: list[tuple[int, list[Summary]]], prefix: str, current: int | None) -> list[dict[str, Any]]:
    return [{"year": year, "count": len(items), "href": f"{prefix}{year}/index.html", "current": year == current}
            for year, items in years]


def index_context(site: SiteInput, script: str) -> dict[str, Any]:
    words = site.labels(script)
    summaries = site.summaries[script]
    years = _years(summaries)
    shown, groups = 0, []
    for year, items in years:
        room = max(0, INDEX_ENTRIES - shown)
        entries = [_entry(s, "") for s in items[:room]]
        shown += len(entries)
        groups.append({"year": year, "entries": entries, "more": len(items) - len(entries),
                       "href": f"{year}/index.html"})
    page = site_page(script, site.settings, f"{DIRS[script]}/", site.settings.title[script], words)
    return {"page": page, "years": _nav(years, "", None), "groups": groups, "heading": None}


def year_context(site: SiteInput, script: str, year: int, items: list[Summary],
                 years: list[tuple[int, list[Summary]]]) -> dict[str, Any]:
    words = site.labels(script)
    title = f"{year}{words['year_suffix']}"
    page = site_page(script, site.settings, f"{DIRS[script]}/{year}/", f"{title} · {site.settings.title[script]}", words)
    return {"page": page, "years": _nav(years, "../", year), "heading": title,
            "groups": [{"year": year, "entries": [_entry(s, "../") for s in items], "more": 0, "href": None}]}


def index_pages(site: SiteInput) -> dict[str, bytes]:
    """Each script's index page."""
    return {f"{DIRS[s]}/index.html": site.render("index.html", index_context(site, s)) for s in SCRIPTS}


def year_pages(site: SiteInput) -> dict[str, bytes]:
    """One page per year per script, every interview of that year."""
    out = {}
    for script in SCRIPTS:
        years = _years(site.summaries[script])
        for year, items in years:
            out[f"{DIRS[script]}/{year}/index.html"] = site.render(
                "index.html", year_context(site, script, year, items, years))
    return out
