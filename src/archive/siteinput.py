"""What every site-wide output is made from: :class:`SiteInput`, and the shape of a site page.

Owns the one value the build hands to every site-wide output (settings, the
Jinja environment, the published interviews' summaries loaded on demand, and
their text for search) so that the output modules depend on it and on nothing
of each other's; the list of outputs lives in :mod:`archive.pages`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Callable

from .context import labels
from .model import Settings
from .render import render
from .summary import Passage, Summary


class SiteInput:
    """What every site-wide output is made from; the bulky parts are loaded only when a step asks."""

    def __init__(self, settings: Settings, env: Any, key: str,
                 summaries: Callable[[], dict[str, tuple[Summary, ...]]],
                 passages: Callable[[Summary], tuple[Passage, ...]], parallel: bool = True):
        self.settings = settings
        self.parallel = parallel
        """Whether the outputs may be made in more than one process (not with ``--jobs 1``)."""
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
