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

from .context import index_context, labels, root_context
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


def index_pages(site: SiteInput) -> dict[str, bytes]:
    """``zh-hant/index.html``, ``zh-hans/index.html``: every interview, newest first."""
    return {f"{DIRS[script]}/index.html":
            site.render("index.html", index_context(site.summaries[script], site.settings, script,
                                                    site.labels(script)))
            for script in SCRIPTS}


SITE_PAGES: tuple[SitePage, ...] = (
    root_page,
    index_pages,
)
"""Every site-wide output, in order; a later one may replace an earlier one's file."""
