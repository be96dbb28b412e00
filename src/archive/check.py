"""``archive check``: the CI gate for notes, links and anchors, in the sources and in the built site.

Owns the second layer of checking — the built HTML — because a check of the
sources alone misses what a build dropped or what someone changed after it.
The first layer is everything :func:`archive.sources.read_archive` reports.
Site findings point at the source line when the page's ``interview.json``
says where an id came from, and at the page's own line otherwise. Nothing
is fetched: external links are only collected.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import unquote, urlsplit

from .cache import CACHE_DIR, Cache, code_version, digest
from .context import DIRS
from .check_json import check_interview_json
from .findings import JSON_SCHEMA_VERSION, format_github, format_json, format_text  # noqa: F401 (API)
from .errors import Code, Diagnostic
from .output import Entry
from .pagefacts import Page, read_page

SCRIPT_DIRS = tuple(DIRS.values())
LANGS = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}


def _sources(files: Mapping[str, Entry], rel: str) -> dict[str, tuple[str, int, int]]:
    """id → (source path, line, col), from the interview.json beside a page, if any."""
    entry = files.get(_beside(rel, "interview.json"))
    try:
        data = json.loads(entry.read().decode("utf-8"))["interview"]
    except (AttributeError, OSError, ValueError, KeyError, TypeError):
        return {}
    found: dict[str, tuple[str, int, int]] = {}

    def where(span: Any) -> tuple[str, int, int] | None:
        if isinstance(span, dict) and isinstance(span.get("path"), str) and isinstance(span.get("line"), int):
            return span["path"], span["line"], int(span.get("col", 1))
        return None

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind, span = node.get("type"), where(node.get("span"))
            if span and kind in ("section", "question") and isinstance(node.get("id"), str):
                found.setdefault(node["id"], span)
            elif span and kind == "note":
                found.setdefault(f"n-{node.get('label')}", span)
            elif span and kind == "noteref":
                found.setdefault(f"r-{node.get('label')}-{node.get('occurrence')}", span)
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)

    walk(data)
    return found


@dataclass
class SiteReport:
    diagnostics: list[Diagnostic]
    external: list[tuple[str, str]]
    """(page, url) of every external link, sorted."""
    pages: int


def check_site(site: Path | str, shown: str | None = None,
               source_path: Callable[[str], str] = str, cache: Cache | None = None) -> SiteReport:
    """Check a built site folder; ``shown`` is how to name the folder in findings.

    ``source_path`` turns a source path recorded in ``interview.json`` into
    the one to show (relative to the current folder); ``cache`` keeps each
    page's facts under its content hash (see :func:`check_files`).
    """
    site = Path(site)
    label = (shown or str(site)).rstrip("/")
    if not (site / "index.html").is_file():
        return SiteReport([Diagnostic.make(Code.SITE009, label, 1, "no index.html here: build the site first "
                                           "(archive build) or pass --site DIR")], [], 0)
    files: dict[str, Entry] = {}
    for dirpath, _, names in os.walk(site):
        base = os.path.relpath(dirpath, site).replace(os.sep, "/")
        for name in names:
            rel = name if base == "." else f"{base}/{name}"
            path = Path(dirpath) / name
            # pages and their data are read (and hashed); other files need only to exist
            files[rel] = Entry.of_file(path) if name.endswith((".html", ".json")) else Entry("", 0, path)
    return check_files(files, label, source_path, cache)


def check_files(files: Mapping[str, Entry], label: str, source_path: Callable[[str], str] = str,
                cache: Cache | None = None) -> SiteReport:
    """Check a site given as its files (site path → hash and bytes), on disk or only planned.

    With ``cache``, a page whose bytes did not change since the last check is
    not read at all: its facts (ids, links, notes, shape) and its agreement
    with its ``interview.json`` come from the cache under their content
    hashes; every check across pages still runs over all of them.
    """
    diags: list[Diagnostic] = []
    present = set(files)
    folders = {""} | {rel.rsplit("/", i)[0] for rel in present for i in range(1, rel.count("/") + 1)}
    pages = {rel: _page(files[rel], rel, cache) for rel in sorted(present) if rel.endswith(".html")}
    sources: dict[str, dict[str, tuple[str, int, int]]] = {}
    external: set[tuple[str, str]] = set()

    def report(rel: str, line: int, code: str, message: str, anchor: str | None = None) -> None:
        if anchor is not None:
            spans = sources.setdefault(rel, _sources(files, rel))
            if anchor in spans:
                path, src_line, col = spans[anchor]
                diags.append(Diagnostic.make(code, source_path(path), src_line,
                                             f"{message} (in {label}/{rel}:{line})", col=col))
                return
        diags.append(Diagnostic.make(code, f"{label}/{rel}", line, message))

    for rel, page in pages.items():
        for line, problem in page.incomplete:
            report(rel, line, Code.SITE010, f"the page is not a complete document: {problem}; rebuild the site")
        data_rel = _beside(rel, "interview.json")
        if rel.endswith("index.html") and data_rel in present and not page.incomplete:
            for line, code, message in _agreement(files, rel, data_rel, page, cache):
                report(rel, line, Code[code], message)
        for ident, line in page.duplicates:
            report(rel, line, Code.SITE006, f"id '{ident}' is used twice on this page", ident)
        top = rel.split("/", 1)[0]
        if top in LANGS and page.lang != LANGS[top]:
            report(rel, 1, Code.SITE008, f"<html lang=\"{page.lang}\"> in {top}/; expected {LANGS[top]}")
        external.update(_check_links(rel, page, pages, present, folders, report))
        _check_notes(rel, page, report)
    _check_twins(pages, report)
    _check_index(pages, present, report)
    return SiteReport(sorted(set(diags)), sorted(external), len(pages))


def _check_links(rel: str, page, pages: dict, present: set[str], folders: set[str], report) -> set[tuple[str, str]]:
    """SITE001/SITE002 for one page's links and images; returns its external links (never fetched)."""
    external: set[tuple[str, str]] = set()
    for url, line, role in page.links:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "mailto"):
            external.add((rel, url))
            continue
        if parts.scheme or parts.netloc:
            if parts.scheme != "data":
                report(rel, line, Code.SITE001, f"'{url}' is neither a page of the site nor an http(s) link")
            continue
        target_rel = _resolve(rel, unquote(parts.path))
        if target_rel is not None and target_rel.rstrip("/") in folders:
            target_rel = f"{target_rel.rstrip('/')}/index.html"
        if target_rel is None or target_rel not in present:
            report(rel, line, Code.SITE001, f"'{url}' points at a file that does not exist")
            continue
        fragment = unquote(parts.fragment)
        target = pages.get(target_rel) if fragment and target_rel.endswith(".html") else None
        if target is not None and fragment not in target.ids:
            anchor = None
            if role in ("doc-noteref", "doc-backlink"):
                anchor = next((i for i, h, ln in page.noterefs if h == url and ln == line), None)
            report(rel, line, Code.SITE002, f"'{url}': {target_rel} has no id '{fragment}'", anchor)
    return external


def _check_notes(rel: str, page, report) -> None:
    """SITE003: every note reference reaches its note, and every note links back to each reference."""
    for ref_id, href, line in page.noterefs:
        note = href[1:] if href.startswith("#") else None
        if note is None or note not in page.endnotes:
            report(rel, line, Code.SITE003, f"note reference '{ref_id}' does not point at a note of this page", ref_id)
        elif f"#{ref_id}" not in page.endnotes[note]:
            report(rel, page.ids.get(note, line), Code.SITE003,
                   f"note '{note}' has no backlink to its reference '{ref_id}'", ref_id)
    for note, backlinks in page.endnotes.items():
        refs = {f"#{r}" for r, h, _ in page.noterefs if h == f"#{note}"}
        for href in sorted(backlinks - refs):
            report(rel, page.ids.get(note, 1), Code.SITE003,
                   f"note '{note}' links back to '{href}', which is not one of its references", note)


CHECK_CACHE = "check"
"""Cache kind of a page's facts and of a page's agreement with its interview.json."""


def _page(entry: Entry, rel: str, cache: Cache | None) -> Page:
    """A page's facts: from the cache when a page with these bytes was read before."""
    key = digest(code_version(), "page", rel, entry.hash) if cache is not None and entry.hash else None
    if key is not None:
        known = cache.get(CHECK_CACHE, key)
        if isinstance(known, Page):
            return known
    page = read_page(entry.read(), rel)
    if key is not None:
        cache.put(CHECK_CACHE, key, page)
    return page


def _agreement(files: Mapping[str, Entry], rel: str, data_rel: str, page: Page,
               cache: Cache | None) -> list[tuple[int, str, str]]:
    """(line, code, message) of each way a page and its interview.json disagree, cached by both hashes."""
    page_hash, data_hash = files[rel].hash, files[data_rel].hash
    key = digest(code_version(), "agree", rel, page_hash, data_hash) if cache is not None and page_hash else None
    if key is not None:
        known = cache.get(CHECK_CACHE, key)
        if isinstance(known, list):
            return [tuple(item) for item in known]
    found: list[tuple[int, str, str]] = []
    shown = {name: list(values) for name, values in page.facts.items()}  # a cached Page holds tuples
    check_interview_json(files[data_rel].read(), data_rel, _script_of(rel), shown,
                         lambda line, code, message: found.append((line, code, message)))
    if key is not None:
        cache.put(CHECK_CACHE, key, [list(item) for item in found])
    return found


def _beside(rel: str, name: str) -> str:
    return f"{rel.rpartition('/')[0]}/{name}".lstrip("/")


def _resolve(rel: str, path: str) -> str | None:
    """The site-relative file a link from page ``rel`` names, or None if it leaves the site."""
    if not path:
        return rel
    parts = rel.split("/")[:-1]
    for piece in path.split("/"):
        if piece in ("", "."):
            continue
        if piece == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(piece)
    joined = "/".join(parts)
    if path.endswith("/") or not parts:
        joined = f"{joined}/index.html".lstrip("/")
    return joined


def _twin(rel: str) -> str | None:
    top, _, rest = rel.partition("/")
    if top not in LANGS:
        return None
    other = SCRIPT_DIRS[1] if top == SCRIPT_DIRS[0] else SCRIPT_DIRS[0]
    return f"{other}/{rest}"


def _check_twins(pages: dict[str, Page], report) -> None:
    for rel, page in pages.items():
        twin_rel = _twin(rel)
        if twin_rel is None:
            continue
        twin = pages.get(twin_rel)
        if twin is None:
            report(rel, 1, Code.SITE004, f"this page has no twin in the other script ({twin_rel} is missing)")
        elif rel.startswith(SCRIPT_DIRS[0]):
            for ident in sorted(set(page.ids) - set(twin.ids)):
                report(twin_rel, 1, Code.SITE004, f"id '{ident}' exists in {rel} but not in this page",
                       ident)
            for ident in sorted(set(twin.ids) - set(page.ids)):
                report(rel, 1, Code.SITE004, f"id '{ident}' exists in {twin_rel} but not in this page",
                       ident)
        if page.toggle is None:
            report(rel, 1, Code.SITE005, "this page has no script toggle (a.script-toggle)")
        else:
            href, line = page.toggle
            if _resolve(rel, urlsplit(href).path) != twin_rel:
                report(rel, line, Code.SITE005, f"the script toggle points at '{href}', not at {twin_rel}")


def _script_of(rel: str) -> str | None:
    """hant/hans for a page under zh-hant/ or zh-hans/."""
    top = rel.split("/", 1)[0]
    return top.removeprefix("zh-") if top in LANGS else None


def _check_index(pages: dict[str, Page], present: set[str], report) -> None:
    """Every interview page (an index.html with an interview.json beside it) is listed in its index."""
    for top in SCRIPT_DIRS:
        index_rel = f"{top}/index.html"
        index = pages.get(index_rel)
        listed = set()
        # the index and the year pages it links (zh-hant/2026/): a large archive lists older years there
        for list_rel in [index_rel] + sorted(r for r in pages if re.fullmatch(rf"{top}/\d{{4}}/index\.html", r)):
            if list_rel in pages and (list_rel == index_rel or index is not None):
                listed |= {_resolve(list_rel, urlsplit(url).path) for url, _, _ in pages[list_rel].links}
        for rel in pages:
            if rel.startswith(f"{top}/") and rel.endswith("/index.html") and rel != index_rel \
                    and f"{rel[:-len('index.html')]}interview.json" in present and rel not in listed:
                report(rel, 1, Code.SITE007, f"this interview is not listed in {index_rel}")


# --- the whole check ------------------------------------------------------


class CheckCannotRun(Exception):
    """The checker could not run (exit 2): no archive, an unreadable site."""


@dataclass
class CheckResult:
    diagnostics: list[Diagnostic]
    external: list[tuple[str, str]]
    pages: int


def run_check(archive: Path | str | None, site: Path | str | None,
              templates: Path | str | None = None, full: bool = False) -> CheckResult:
    """Check the sources (if ``archive``) and a site: ``site`` if given, else a fresh temporary build.

    The sources are read through the build's cache (``.archive-cache`` beside the
    archive), so checking after a build costs about as much as a no-op rebuild,
    and the site's pages are read only when their bytes changed since the
    last check (``full``: read every page again).
    Source paths in the findings are relative to the current folder when the
    archive lies inside it (what GitHub needs to attach an annotation).
    """
    import dataclasses

    from .build import plan_site
    from .errors import BuildError
    from .sources import path_from_here

    diags: list[Diagnostic] = []
    plan = None
    source_path: Callable[[str], str] = str
    cache = None
    if archive is not None:
        archive = Path(archive)
        if not archive.is_dir():
            raise CheckCannotRun(f"the archive folder {archive} does not exist; pass --archive DIR")
        base = archive.resolve().parent
        source_path = lambda shown: path_from_here(shown, base)  # noqa: E731
        cache = None if full else Cache(base / CACHE_DIR)
        try:  # a check reads pages, links and ids: never the search index (Pagefind), nor its output
            plan = plan_site(archive, templates, search=False)
            diags.extend(plan.diagnostics)
        except BuildError as exc:  # errors in the sources: they say it all, no site can be built
            diags.extend(exc.diagnostics)
        diags = [dataclasses.replace(d, path=source_path(d.path)) for d in diags]
    if site is not None:
        site = Path(site)
        if not site.is_dir() or not (site / "index.html").is_file():
            raise CheckCannotRun(f"{site} is not a built site (no index.html); build it first or fix --site")
        report = check_site(site, source_path=source_path, cache=cache)
        return CheckResult(sorted(set(diags + report.diagnostics)), report.external, report.pages)
    if archive is None:
        raise CheckCannotRun("nothing to check: give --archive DIR or --site DIR")
    if plan is None:
        return CheckResult(sorted(set(diags)), [], 0)
    report = check_files(plan.files, "<build>", source_path, cache)  # the site as the build plans it
    return CheckResult(sorted(set(diags + report.diagnostics)), report.external, report.pages)
