"""Site-wide outputs: each one function from what the build already holds to files.

Owns :class:`SiteInput` (the archive's settings and every published
interview's :class:`~archive.summary.Summary` per script, plus a renderer)
and :data:`SITE_PAGES`, the ordered list of site-wide outputs. Adding the
next one (people, notes, feeds, sitemap, 404 …) is one function in its own
module and one entry in that list; ``build()`` does not change. Each
function returns ``{site path: bytes}``.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable

from .context import labels, root_context
from .errors import Code, Diagnostic
from .model import SCRIPTS, Settings
from .render import render
from .summary import Passage, Summary
from .urls import DIRS


class SiteInput:
    """What every site-wide output is made from; the bulky parts are loaded only when a step asks."""

    def __init__(self, settings: Settings, env: Any, key: str,
                 summaries: Callable[[], dict[str, tuple[Summary, ...]]],
                 passages: Callable[[Summary], tuple[Passage, ...]]):
        self.settings = settings
        self.env = env
        """The Jinja environment (templates with the archive's overrides)."""
        self.key = key
        """A digest of everything the site-wide outputs are made from (they are cached under it)."""
        self._summaries, self._passages = summaries, passages

    @cached_property
    def summaries(self) -> dict[str, tuple[Summary, ...]]:
        """Script → the published interviews' summaries in that script, newest first."""
        return self._summaries()

    def passages(self, summary: Summary) -> tuple[Passage, ...]:
        """The text of one interview in the summary's script, cut at its anchors (for search)."""
        return self._passages(summary)

    def render(self, template: str, context: dict[str, Any]) -> bytes:
        return render(self.env, template, context)

    def labels(self, script: str) -> dict[str, str]:
        return labels(self.env, script)


SitePage = Callable[[SiteInput], dict[str, bytes]]


def root_page(site: SiteInput) -> dict[str, bytes]:
    """``index.html``: sends a reader to their script."""
    words = {script: site.labels(script) for script in SCRIPTS}
    return {"index.html": site.render("root.html", root_context(site.settings, words))}


def settings_notices(settings: Settings, where: str, strict: bool = False) -> list[Diagnostic]:
    """One notice when ``base_url`` is missing (feeds, the sitemap and link previews need it); an error with --strict."""
    if settings.base_url:
        return []
    if strict:
        return [Diagnostic.make(Code.ARC001, where, 1, "--strict needs base_url: the Atom feeds, sitemap.xml, "
                                "Open Graph and JSON-LD need absolute links; add base_url: https://… to archive.yml")]
    return [Diagnostic.make(Code.PUB001, where, 1, "no base_url: the Atom feeds, sitemap.xml, Open Graph and "
                            "JSON-LD need absolute links and are left out; add base_url: https://… to archive.yml")]


RESERVED_SLUGS = frozenset({"people", "notes", "pagefind", "assets", "media"})
"""Folders of a script's site pages: no interview may take one as its slug (nor a four-digit year)."""


def reserved_slug_errors(slugs: list[tuple[str, str]]) -> list[Diagnostic]:
    """(slug, source path) pairs whose slug would overwrite a site page's folder."""
    return [Diagnostic.make(Code.ID001, path, 1, f"the slug '{slug}' is the folder of a site page "
                            f"({'the year pages' if slug.isdigit() else slug + '/'}); set another slug: in the front matter")
            for slug, path in slugs if slug in RESERVED_SLUGS or (len(slug) == 4 and slug.isdigit())]


def _pages() -> tuple[SitePage, ...]:
    from .discovery import not_found_page, robots_page
    from .feeds import feed_pages
    from .notes_index import notes_pages
    from .people import people_pages
    from .years import index_pages, year_pages

    return (root_page, index_pages, year_pages, people_pages, notes_pages, feed_pages, robots_page,
            not_found_page)


SITE_PAGES: tuple[SitePage, ...] = _pages()
"""Every site-wide output, in order; a later one may replace an earlier one's file."""
