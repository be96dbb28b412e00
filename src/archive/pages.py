"""Site-wide outputs: each one function from what the build already holds to files.

Owns :data:`SITE_PAGES`, the ordered list of site-wide outputs, the root
page, and the rules site pages impose on the archive (reserved slugs, what
needs ``base_url``). Each output is a function from a
:class:`~archive.siteinput.SiteInput` to ``{site path: bytes}``; adding the
next one is one function in its own module and one entry in that list, and
``build()`` does not change.
"""

from __future__ import annotations

from .cache import Cache, is_key
from .context import root_context
from .errors import Code, Diagnostic
from .model import SCRIPTS, Settings
from .output import Entry
from .siteinput import SiteInput, SitePage


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


def cached_site_pages(site: SiteInput, cache: Cache) -> dict[str, Entry]:
    """Every site-wide page, from the cache when nothing they are made of changed (``site.key``).

    From the cache, a page's bytes are read only if the writer needs them (the
    site's copy is out of date); a blob gone by then is made again.
    """
    listed = cache.get("site", site.key)
    if isinstance(listed, dict) and all(isinstance(v, list) and len(v) == 2 and is_key(v[0])
                                        and isinstance(v[1], int) for v in listed.values()):
        made: dict[str, bytes] = {}

        def again(rel: str) -> bytes:
            if not made:
                made.update(_make(site))
            return made[rel]
        return {rel: Entry(key, size, cache.reader(key, lambda rel=rel: again(rel)))
                for rel, (key, size) in listed.items()}
    files = _make(site)
    cache.put_files("site", site.key, files)
    return {rel: Entry.of(data) for rel, data in files.items()}


PARALLEL_FROM = 200
"""From this many published interviews the site pages are made in two halves at once (see :func:`_make`)."""


def _make(site: SiteInput) -> dict[str, bytes]:
    """Every site page's files, later pages' files replacing earlier ones'.

    From :data:`PARALLEL_FROM` interviews on, every other output is made in a child forked after the
    summaries are loaded (it shares them), while this process makes the rest: the year, people and
    notes pages, a fifth of a second each at N = 1,000, were the longest stretch of a build with only
    one core busy. Anything wrong with the child, and this process makes its half too."""
    from .warm import aside

    wanted = len(next(iter(site.summaries.values()), ())) >= PARALLEL_FROM and site.parallel  # loaded first
    mine, theirs = SITE_PAGES[0::2], SITE_PAGES[1::2]
    with aside(lambda: [page(site) for page in theirs], wanted) as other:
        made = {page: page(site) for page in mine}
        done, value = other.result() if other is not None else (False, None)
    if done and isinstance(value, list) and len(value) == len(theirs) \
            and all(isinstance(files, dict) for files in value):
        made.update(zip(theirs, value))
    else:
        made.update((page, page(site)) for page in theirs)
    return {rel: data for page in SITE_PAGES for rel, data in made[page].items()}

