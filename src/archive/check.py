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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import unquote, urlsplit

import lxml.html
from lxml import etree

from .context import DIRS
from .check_json import check_interview_json
from .findings import JSON_SCHEMA_VERSION, format_github, format_json, format_text  # noqa: F401 (API)
from .errors import Code, Diagnostic, Severity

SCRIPT_DIRS = tuple(DIRS.values())
LANGS = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
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


def read_page(site: Path, rel: str) -> Page:
    """Ids, links, note references and backlinks of one page, with their lines.

    lxml's HTML parser (libxml2) reads a page in about a millisecond, some
    twenty times faster than the standard library's ``html.parser``, and keeps
    every element's source line; it never fails on damaged markup.
    """
    page = Page(rel)
    data = (site / rel).read_bytes()
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


def _sources(site: Path, rel: str) -> dict[str, tuple[str, int, int]]:
    """id → (source path, line, col), from the interview.json beside a page, if any."""
    data_file = (site / rel).parent / "interview.json"
    try:
        data = json.loads(data_file.read_text(encoding="utf-8"))["interview"]
    except (OSError, ValueError, KeyError, TypeError):
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
               source_path: Callable[[str], str] = str) -> SiteReport:
    """Check a built site folder; ``shown`` is how to name the folder in findings.

    ``source_path`` turns a source path recorded in ``interview.json`` into
    the one to show (relative to the current folder).
    """
    site = Path(site)
    label = (shown or str(site)).rstrip("/")
    diags: list[Diagnostic] = []
    if not (site / "index.html").is_file():
        diags.append(Diagnostic.make(Code.SITE009, label, 1,
                                     "no index.html here: build the site first (archive build) or pass --site DIR"))
        return SiteReport(diags, [], 0)
    present: set[str] = set()
    folders: set[str] = {""}
    for dirpath, dirnames, names in os.walk(site):
        base = os.path.relpath(dirpath, site).replace(os.sep, "/")
        base = "" if base == "." else base + "/"
        folders.update(base + d for d in dirnames)
        present.update(base + n for n in names)
    rels = sorted(r for r in present if r.endswith(".html"))
    pages = {rel: read_page(site, rel) for rel in rels}
    sources: dict[str, dict[str, tuple[str, int, int]]] = {}
    external: set[tuple[str, str]] = set()

    def report(rel: str, line: int, code: str, message: str, anchor: str | None = None) -> None:
        if anchor is not None:
            spans = sources.setdefault(rel, _sources(site, rel))
            if anchor in spans:
                path, src_line, col = spans[anchor]
                diags.append(Diagnostic.make(code, source_path(path), src_line,
                                             f"{message} (in {label}/{rel}:{line})", col=col))
                return
        diags.append(Diagnostic.make(code, f"{label}/{rel}", line, message))

    for rel, page in pages.items():
        for line, problem in page.incomplete:
            report(rel, line, Code.SITE010, f"the page is not a complete document: {problem}; rebuild the site")
        data_rel = f"{rel.rpartition('/')[0]}/interview.json".lstrip("/")
        if rel.endswith("index.html") and data_rel in present and not page.incomplete:
            check_interview_json((site / data_rel).read_bytes(), data_rel, _script_of(rel), page.facts,
                                 lambda line, code, message: report(rel, line, Code[code], message))
        for ident, line in page.duplicates:
            report(rel, line, Code.SITE006, f"id '{ident}' is used twice on this page", ident)
        top = rel.split("/", 1)[0]
        if top in LANGS and page.lang != LANGS[top]:
            report(rel, 1, Code.SITE008, f"<html lang=\"{page.lang}\"> in {top}/; expected {LANGS[top]}")
        for url, line, role in page.links:
            parts = urlsplit(url)
            if parts.scheme in ("http", "https", "mailto"):
                external.add((rel, url))
                continue
            if parts.scheme or parts.netloc:
                if parts.scheme != "data":
                    report(rel, line, Code.SITE001, f"'{url}' is neither a page of the site nor an "
                           "http(s) link")
                continue
            target_rel = _resolve(rel, unquote(parts.path))
            if target_rel is not None and target_rel.rstrip("/") in folders:
                target_rel = f"{target_rel.rstrip('/')}/index.html"
            if target_rel is None or target_rel not in present:
                report(rel, line, Code.SITE001, f"'{url}' points at a file that does not exist")
                continue
            fragment = unquote(parts.fragment)
            if fragment and target_rel.endswith(".html"):
                target = pages.get(target_rel)
                if target is not None and fragment not in target.ids:
                    anchor = None
                    if role == "doc-noteref" or role == "doc-backlink":
                        anchor = next((i for i, h, ln in page.noterefs if h == url and ln == line), None)
                    report(rel, line, Code.SITE002, f"'{url}': {target_rel} has no id '{fragment}'",
                           anchor)
        for ref_id, href, line in page.noterefs:
            note = href[1:] if href.startswith("#") else None
            if note is None or note not in page.endnotes:
                report(rel, line, Code.SITE003, f"note reference '{ref_id}' does not point at a note "
                       "of this page", ref_id)
            elif f"#{ref_id}" not in page.endnotes[note]:
                report(rel, page.ids.get(note, line), Code.SITE003,
                       f"note '{note}' has no backlink to its reference '{ref_id}'", ref_id)
        for note, backlinks in page.endnotes.items():
            refs = {f"#{r}" for r, h, _ in page.noterefs if h == f"#{note}"}
            for href in sorted(backlinks - refs):
                report(rel, page.ids.get(note, 1), Code.SITE003,
                       f"note '{note}' links back to '{href}', which is not one of its references", note)
    _check_twins(pages, report)
    _check_index(pages, present, report)
    return SiteReport(sorted(set(diags)), sorted(external), len(pages))


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
        if index is not None:
            listed = {_resolve(index_rel, urlsplit(url).path) for url, _, _ in index.links}
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
              templates: Path | str | None = None) -> CheckResult:
    """Check the sources (if ``archive``) and a site: ``site`` if given, else a fresh temporary build.

    The sources are read through the build's cache (``.archive-cache`` beside the
    archive), so checking after a build costs about as much as a no-op rebuild.
    Source paths in the findings are relative to the current folder when the
    archive lies inside it (what GitHub needs to attach an annotation).
    """
    import dataclasses
    import tempfile

    from .build import plan_site
    from .errors import BuildError
    from .output import write_site
    from .sources import path_from_here

    diags: list[Diagnostic] = []
    plan = None
    source_path: Callable[[str], str] = str
    if archive is not None:
        archive = Path(archive)
        if not archive.is_dir():
            raise CheckCannotRun(f"the archive folder {archive} does not exist; pass --archive DIR")
        base = archive.resolve().parent
        source_path = lambda shown: path_from_here(shown, base)  # noqa: E731
        try:
            plan = plan_site(archive, templates)
            diags.extend(plan.diagnostics)
        except BuildError as exc:  # errors in the sources: they say it all, no site can be built
            diags.extend(exc.diagnostics)
        diags = [dataclasses.replace(d, path=source_path(d.path)) for d in diags]
    if site is not None:
        site = Path(site)
        if not site.is_dir() or not (site / "index.html").is_file():
            raise CheckCannotRun(f"{site} is not a built site (no index.html); build it first or fix --site")
        report = check_site(site, source_path=source_path)
        return CheckResult(sorted(set(diags + report.diagnostics)), report.external, report.pages)
    if archive is None:
        raise CheckCannotRun("nothing to check: give --archive DIR or --site DIR")
    if plan is None:
        return CheckResult(sorted(set(diags)), [], 0)
    with tempfile.TemporaryDirectory(prefix="archive-check-") as tmp:
        out = Path(tmp) / "site"
        write_site(plan.files, out, archive, archive.resolve().parent)
        report = check_site(out, shown="<build>", source_path=source_path)
    return CheckResult(sorted(set(diags + report.diagnostics)), report.external, report.pages)
