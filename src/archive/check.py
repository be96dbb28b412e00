"""``archive check``: the CI gate for notes, links and anchors, in the sources and in the built site.

Owns the second layer of checking — the built HTML — because a check of the
sources alone misses what a build dropped or what someone changed after it,
and the checks across pages: links and ids between pages, twins in the two
scripts, interviews listed in their index. The first layer is everything a
plan of the site (:func:`archive.build.plan_site`, without the search step)
reports of the sources. A page's own findings and the facts the checks
across pages need come from its summary (``check_page.py``), kept under the
page's content hash (``check_state.py``): only pages whose bytes changed
are read. Site findings point at the source line when the page's
``interview.json`` says where an id came from, and at the page's own line
otherwise. Nothing is fetched: external links are only collected.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Callable, Mapping

from .cache import CACHE_DIR, Cache
from .check_json import check_interview_json
from .check_page import LANGS, SCRIPT_DIRS, PackedIds, Summary, id_set, links, need_items, reach, summarize, twin
from .check_state import CheckState, status
from .findings import JSON_SCHEMA_VERSION, format_github, format_json, format_text  # noqa: F401 (API)
from .errors import Code, Diagnostic
from .output import Entry
from .pagefacts import read_page

Report = Callable[..., None]
"""report(rel, line, code, message, anchor=None)"""


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


def check_site(site: Path | str, shown: str | None = None, source_path: Callable[[str], str] = str,
               cache: Cache | None = None, full: bool = False) -> SiteReport:
    """Check a built site folder; ``shown`` is how to name the folder in findings.

    ``source_path`` turns a source path recorded in ``interview.json`` into
    the one to show (relative to the current folder). With ``cache``, a file
    whose status is the one recorded by the last check is not read, and a
    page whose bytes did not change keeps its summary (``full``: read every
    file again, and record what was read).
    """
    site = Path(site)
    label = (shown or str(site)).rstrip("/")
    if not (site / "index.html").is_file():
        return SiteReport([Diagnostic.make(Code.SITE009, label, 1, "no index.html here: build the site first "
                                           "(archive build) or pass --site DIR")], [], 0)
    state = CheckState(cache, str(site.resolve()), fresh=full) if cache is not None else None
    files, statuses = _site_files(site, state)
    return check_files(files, label, source_path, state, statuses)


def _site_files(site: Path, state: CheckState | None) -> tuple[dict[str, Entry], dict[str, str]]:
    """Every file of a site folder: pages and their data with their hashes, other files only by name.

    A page or interview.json is read and hashed unless ``state`` vouches for its
    hash by its status; the bytes are not kept (a page read again is in the OS's cache).
    A link to a file is read through, a link to a folder is not followed.
    """
    files: dict[str, Entry] = {}
    statuses: dict[str, str] = {}
    folders = [(str(site), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            rel = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                folders.append((entry.path, rel + "/"))
            elif entry.is_dir():
                continue  # a link to a folder is not followed (as os.walk does not)
            elif not entry.name.endswith((".html", ".json")):
                files[rel] = Entry("", 0, partial(_read, entry.path))  # other files need only to exist
            else:
                st = entry.stat()  # before reading: a change after it is seen next time
                current = status(st)
                sha = state.vouched(rel, current) if state is not None else None
                if sha is None:
                    sha = hashlib.sha256(_read(entry.path)).hexdigest()
                files[rel] = Entry(sha, st.st_size, partial(_read, entry.path))
                statuses[rel] = current
    return files, statuses


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def check_files(files: Mapping[str, Entry], label: str, source_path: Callable[[str], str] = str,
                state: CheckState | None = None, statuses: Mapping[str, str] | None = None) -> SiteReport:
    """Check a site given as its files (site path → hash and bytes), on disk or only planned.

    With ``state``, a page whose bytes did not change since the last check is
    not read at all: its summary (its own findings, ids, links, and its
    agreement with its ``interview.json``) comes from the state under its
    content hash; every check across pages runs over all summaries. The state
    is saved at the end (``statuses``: of files in a site folder, by site path).
    """
    diags: list[Diagnostic] = []
    present = set(files)
    folders = {""} | {rel.rsplit("/", i)[0] for rel in present for i in range(1, rel.count("/") + 1)}
    sources: dict[str, dict[str, tuple[str, int, int]]] = {}

    def report(rel: str, line: int, code: Code, message: str, anchor: str | None = None) -> None:
        if anchor is not None:
            spans = sources.setdefault(rel, _sources(files, rel))
            if anchor in spans:
                path, src_line, col = spans[anchor]
                diags.append(Diagnostic.make(code, source_path(path), src_line,
                                             f"{message} (in {label}/{rel}:{line})", col=col))
                return
        diags.append(Diagnostic.make(code, f"{label}/{rel}", line, message))

    summaries = {rel: _summary(files, rel, present, state, statuses or {}, report)
                 for rel in sorted(present) if rel.endswith(".html")}
    if state is not None:
        for rel in sorted(present - summaries.keys()):
            if files[rel].hash and rel in (statuses or {}):  # interview.json in a site folder
                state.keep(rel, files[rel].hash, statuses[rel], None, made=False)
        state.save()
    ids = _Ids(summaries)
    verdicts: dict[str, bool] = {}  # what a page asks of a file, by its packed line: most pages ask the same
    for rel, summary in summaries.items():
        for line, target, fragments in need_items(summary.needs):
            reached = verdicts.get(line) if line is not None else None
            if reached is None:
                reached = reach(target, fragments, present, folders, ids.get) is None
                if line is not None:
                    verdicts[line] = reached
            if not reached:
                _check_links(rel, files[rel], present, folders, ids, report)  # what fails, link by link
                break
    _check_twins(summaries, report)
    _check_index(summaries, present, report)
    external = {(rel, url) for rel, summary in summaries.items() for url in summary.external}
    return SiteReport(sorted(set(diags)), sorted(external), len(summaries))


def _summary(files: Mapping[str, Entry], rel: str, present: set[str], state: CheckState | None,
             statuses: Mapping[str, str], report: Report) -> Summary:
    """A page's summary (from the state when its bytes did not change), its own findings reported."""
    entry = files[rel]
    summary = state.summary(rel, entry.hash) if state is not None and entry.hash else None
    made, page = summary is None, None
    if summary is None:
        page = read_page(entry.read(), rel)
        summary = summarize(page, rel, entry.hash)
    data_rel = _beside(rel, "interview.json")
    if rel.endswith("index.html") and data_rel in present and summary.whole:
        data = files[data_rel]
        if not (data.hash and summary.agreement and summary.agreement[0] == data.hash):
            page = page or read_page(entry.read(), rel)  # its interview.json changed, the page did not
            found: list[list] = []
            check_interview_json(data.read(), data_rel, _script_of(rel), page.facts,
                                 lambda line, code, message: found.append([line, code, message]))
            summary.agreement, made = [data.hash, found], True
        for line, code, message in summary.agreement[1]:
            report(rel, line, Code[code], message)
    for line, code, message, anchor in summary.local:
        report(rel, line, Code[code], message, anchor)
    if state is not None and entry.hash:
        state.keep(rel, entry.hash, statuses.get(rel), summary, made)
    return summary


def _check_links(rel: str, entry: Entry, present: set[str], folders: set[str], ids: "_Ids",
                 report: Report) -> None:
    """SITE001/SITE002 for each link of a page to another file that does not reach it (the page read again)."""
    for kind, *rest in links(rel, read_page(entry.read(), rel)):
        if kind != "needs":
            continue  # external, or reported from the summary
        target, fragment, url, line, anchor = rest
        why = reach(target, [fragment], present, folders, ids.get)
        if why and why[0] is Code.SITE001:
            report(rel, line, Code.SITE001, f"'{url}' points at a file that does not exist")
        elif why:
            report(rel, line, Code.SITE002, f"'{url}': {why[1]} has no id '{fragment}'", anchor)


def _beside(rel: str, name: str) -> str:
    return f"{rel.rpartition('/')[0]}/{name}".lstrip("/")


def _check_twins(summaries: dict[str, Summary], report: Report) -> None:
    """SITE004: every page of a script folder has its twin in the other, with the same ids."""
    for rel, summary in summaries.items():
        twin_rel = twin(rel)
        if twin_rel is None:
            continue
        other = summaries.get(twin_rel)
        if other is None:
            report(rel, 1, Code.SITE004, f"this page has no twin in the other script ({twin_rel} is missing)")
        elif rel.startswith(SCRIPT_DIRS[0]) and summary.ids != other.ids:  # the same packed ids: nothing to say
            own, theirs = id_set(summary.ids), id_set(other.ids)
            for ident in sorted(own - theirs):
                report(twin_rel, 1, Code.SITE004, f"id '{ident}' exists in {rel} but not in this page", ident)
            for ident in sorted(theirs - own):
                report(rel, 1, Code.SITE004, f"id '{ident}' exists in {twin_rel} but not in this page", ident)


class _Ids:
    """Each page's ids by site path, made ready for ``in`` when first asked for (None: not a page)."""

    def __init__(self, summaries: dict[str, Summary]):
        self.summaries = summaries
        self.ready: dict[str, Any] = {}

    def get(self, rel: str) -> Any:
        found = self.ready.get(rel)
        if found is None and rel in self.summaries:
            ids = self.summaries[rel].ids
            found = self.ready[rel] = PackedIds(ids) if type(ids) is str else set(ids)
        return found


def _script_of(rel: str) -> str | None:
    """hant/hans for a page under zh-hant/ or zh-hans/."""
    top = rel.split("/", 1)[0]
    return top.removeprefix("zh-") if top in LANGS else None


def _check_index(summaries: dict[str, Summary], present: set[str], report: Report) -> None:
    """Every interview page (an index.html with an interview.json beside it) is listed in its index."""
    for top in SCRIPT_DIRS:
        index_rel = f"{top}/index.html"
        listed: set[str] = set()
        # the index and the year pages it links (zh-hant/2026/): a large archive lists older years there
        if index_rel in summaries:
            for list_rel, summary in summaries.items():
                if list_rel.startswith(f"{top}/") and summary.listed is not None:
                    listed.update(summary.listed)
        for rel in summaries:
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
        cache = Cache(base / CACHE_DIR)
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
        report = check_site(site, source_path=source_path, cache=cache, full=full)
        return CheckResult(sorted(set(diags + report.diagnostics)), report.external, report.pages)
    if archive is None:
        raise CheckCannotRun("nothing to check: give --archive DIR or --site DIR")
    if plan is None:
        return CheckResult(sorted(set(diags)), [], 0)
    state = CheckState(cache, fresh=full)
    report = check_files(plan.files, "<build>", source_path, state)  # the site as the build plans it
    return CheckResult(sorted(set(diags + report.diagnostics)), report.external, report.pages)
