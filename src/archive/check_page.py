"""One built page's own findings, and the summary of it that the checks across pages need.

Owns everything ``archive check`` can say of a page from its bytes and its
site path alone — a whole document, duplicate ids, its language, its notes
and their backlinks, its script toggle, links that leave the site or point
inside the page — and the few facts the checks across pages need of it: its
ids, the files and fragments it links to, its external links and, for a
script's index and year pages, what they list. A :class:`Summary` is plain
data, kept in the build cache under the page's content hash by
:mod:`archive.check_state`, so that a page whose bytes did not change is
never read again; ``check.py`` runs the checks across pages over the
summaries of all pages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable, Iterator
from urllib.parse import unquote, urlsplit

from .errors import Code
from .pagefacts import Page
from .urls import DIRS

SCRIPT_DIRS = tuple(DIRS.values())
LANGS = {"zh-hant": "zh-Hant", "zh-hans": "zh-Hans"}
_LISTS = re.compile(r"zh-han[st]/(?:\d{4}/)?index\.html")
"""A script's index and its year pages: what they list decides SITE007."""

Finding = tuple[int, str, str, "str | None"]
"""(line, code, message, anchor): anchor is an id whose source line the finding may name instead."""


@dataclass(slots=True)
class Summary:
    """What the checks across pages need of one page, and the page's own findings (plain data)."""

    hash: str
    """SHA-256 of the page's bytes: a summary is used only for exactly these bytes."""
    local: list[Finding]
    ids: str | list[str]
    """The page's ids, packed (see :func:`pack`)."""
    needs: str | dict[str, list[str]]
    """Site file a link names (before a folder becomes its index.html) → fragments asked of it ('' for
    none), packed as lines ``target fragment…`` (see :func:`pack_needs` and :func:`need_items`)."""
    external: list[str]
    """http(s) and mailto links, never fetched."""
    listed: list[str] | None
    """Every link resolved, for a script's index and year pages; None for other pages."""
    whole: bool
    """A complete document: only then is it compared with its interview.json."""
    agreement: list | None = None
    """[hash of the interview.json beside it, [[line, code, message], …]] once compared."""

    def to_data(self) -> list:
        return [self.hash, [list(f) for f in self.local], self.ids, self.needs, self.external, self.listed,
                self.whole, self.agreement]

    @classmethod
    def from_data(cls, data: Any) -> "Summary | None":
        """The summary ``to_data`` made, or None for anything else (a damaged or planted record is a miss)."""
        try:
            digest, local, ids, needs, external, listed, whole, agreement = data
            found = cls(digest, [(int(a), str(b), str(c), d) for a, b, c, d in local], ids, needs, external,
                        listed, whole, agreement)
        except (TypeError, ValueError):
            return None
        ok = (type(digest) is str and (type(ids) is str or _strings(ids)) and _strings(external)
              and type(whole) is bool and (listed is None or _strings(listed))
              and (type(needs) is str or type(needs) is dict and all(_strings(v) for v in needs.values()))
              and all(d is None or type(d) is str for *_, d in local)
              and all(code in Code.__members__ for _, code, _, _ in found.local)
              and (agreement is None or _agreement(agreement)))
        return found if ok else None


def _plain(text: str) -> bool:
    """Text that can be packed: no space or newline (the separators)."""
    return " " not in text and "\n" not in text


def pack(values: list[str]) -> str | list[str]:
    """A list of strings as one space-separated string (a thousand pages' ids load ten times faster,
    and two pages' ids compare as one string), or as it is when a value is empty or holds a
    separator (a damaged page's id may)."""
    if values and all(value and _plain(value) for value in values):
        return " ".join(values)
    return values


def pack_needs(needs: dict[str, list[str]]) -> str | dict[str, list[str]]:
    """Links by target as lines ``target fragment…`` ('' as a fragment: the file itself), when no
    target or fragment holds a separator; else as they are."""
    if needs and all(target and _plain(target) and all(map(_plain, fragments)) for target, fragments in needs.items()):
        return "\n".join(target + "".join(f" {fragment}" for fragment in fragments)
                         for target, fragments in needs.items())
    return needs


def need_items(needs: str | dict[str, list[str]]) -> Iterator[tuple[str | None, str, list[str]]]:
    """(line or None, target, fragments) of packed or unpacked links by target; the line, the same
    on every page that asks the same of a file, names the question for a memo."""
    if type(needs) is str:
        for line in needs.split("\n"):
            target, *fragments = line.split(" ")
            yield line, target, fragments
    else:
        for target, fragments in needs.items():
            yield None, target, fragments


def id_set(ids: str | list[str]) -> set[str]:
    return set(ids.split(" ")) if type(ids) is str else set(ids)


class PackedIds:
    """A page's packed ids answering ``in`` without building a set (a fragment is never an id with a space)."""

    __slots__ = ("text",)

    def __init__(self, ids: str):
        self.text = f" {ids} "

    def __contains__(self, ident: str) -> bool:
        return bool(ident) and _plain(ident) and f" {ident} " in self.text


def _strings(value: Any) -> bool:
    """A list of strings (``join`` checks every item, in C: summaries are loaded by the thousand)."""
    if type(value) is not list:
        return False
    try:
        "".join(value)
    except TypeError:
        return False
    return True


def _agreement(value: Any) -> bool:
    return (type(value) is list and len(value) == 2 and type(value[0]) is str and type(value[1]) is list
            and all(type(f) is list and len(f) == 3 and type(f[0]) is int and f[1] in Code.__members__
                    and type(f[2]) is str for f in value[1]))


def summarize(page: Page, rel: str, digest: str) -> Summary:
    """The summary of page ``rel`` (read as ``page``) whose bytes hash to ``digest``."""
    local: list[Finding] = []

    def report(line: int, code: Code, message: str, anchor: str | None = None) -> None:
        local.append((line, code.name, message, anchor))

    needs: dict[str, dict[str, None]] = {}  # target → fragments, each once, in the order first asked
    external: list[str] = []
    for kind, *rest in links(rel, page):
        if kind == "external":
            external.append(rest[0])
        elif kind == "local":
            report(*rest)
        else:
            needs.setdefault(rest[0], {})[rest[1]] = None
    page_findings(rel, page, report)
    listed = [resolve(rel, urlsplit(url).path) or "" for url, _, _ in page.links] if _LISTS.fullmatch(rel) else None
    return Summary(digest, local, pack(list(page.ids)), pack_needs({t: list(f) for t, f in needs.items()}),
                   sorted(set(external)), listed, not page.incomplete)


def page_findings(rel: str, page: Page, report: Callable[..., None]) -> None:
    """SITE010, SITE006, SITE008, SITE003 and SITE005: what a page alone shows to be wrong."""
    for line, problem in page.incomplete:
        report(line, Code.SITE010, f"the page is not a complete document: {problem}; rebuild the site")
    for ident, line in page.duplicates:
        report(line, Code.SITE006, f"id '{ident}' is used twice on this page", ident)
    top = rel.split("/", 1)[0]
    if top in LANGS and page.lang != LANGS[top]:
        report(1, Code.SITE008, f"<html lang=\"{page.lang}\"> in {top}/; expected {LANGS[top]}")
    _notes(page, report)
    twin_rel = twin(rel)
    if twin_rel is not None:
        if page.toggle is None:
            report(1, Code.SITE005, "this page has no script toggle (a.script-toggle)")
        else:
            href, line = page.toggle
            if resolve(rel, urlsplit(href).path) != twin_rel:
                report(line, Code.SITE005, f"the script toggle points at '{href}', not at {twin_rel}")


def links(rel: str, page: Page) -> Iterator[tuple]:
    """Each link and image of a page, as ``("external", url)``, ``("local", line, code, message, anchor)``
    (SITE001/SITE002 that the page alone decides) or ``("needs", target, fragment, url, line, anchor)``:
    another file of the site, and the id asked of it, that only the whole site can answer for."""
    for url, line, role in page.links:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "mailto"):
            yield "external", url
            continue
        if parts.scheme or parts.netloc:
            if parts.scheme != "data":
                yield "local", line, Code.SITE001, f"'{url}' is neither a page of the site nor an http(s) link", None
            continue
        target = resolve(rel, unquote(parts.path))
        fragment = unquote(parts.fragment)
        anchor = None
        if role in ("doc-noteref", "doc-backlink"):
            anchor = next((i for i, h, ln in page.noterefs if h == url and ln == line), None)
        if target is None:
            yield "local", line, Code.SITE001, f"'{url}' points at a file that does not exist", None
        elif target == rel:  # inside the page: its own ids decide
            if fragment and fragment not in page.ids:
                yield "local", line, Code.SITE002, f"'{url}': {rel} has no id '{fragment}'", anchor
        else:
            yield "needs", target, fragment, url, line, anchor


def reach(target: str, fragments: list[str], present: set[str], folders: set[str],
          ids_of: Callable[[str], Any]) -> tuple[Code, str] | None:
    """Why links to ``target`` fail — (SITE001 or SITE002, the file named) — or None when the file
    exists and has every one of ``fragments`` ('' asks for the file alone) as an id.

    ``ids_of(rel)``: the ids of a page of the site (anything with ``in``), or None for a file that is not a page.
    """
    if target.rstrip("/") in folders:
        target = f"{target.rstrip('/')}/index.html"
    if target not in present:
        return Code.SITE001, target
    if target.endswith(".html"):
        ids = ids_of(target)
        if ids is not None and any(fragment and fragment not in ids for fragment in fragments):
            return Code.SITE002, target
    return None


def _notes(page: Page, report: Callable[..., None]) -> None:
    """SITE003: every note reference reaches its note, and every note links back to each reference."""
    for ref_id, href, line in page.noterefs:
        note = href[1:] if href.startswith("#") else None
        if note is None or note not in page.endnotes:
            report(line, Code.SITE003, f"note reference '{ref_id}' does not point at a note of this page", ref_id)
        elif f"#{ref_id}" not in page.endnotes[note]:
            report(page.ids.get(note, line), Code.SITE003,
                   f"note '{note}' has no backlink to its reference '{ref_id}'", ref_id)
    for note, backlinks in page.endnotes.items():
        refs = {f"#{r}" for r, h, _ in page.noterefs if h == f"#{note}"}
        for href in sorted(backlinks - refs):
            report(page.ids.get(note, 1), Code.SITE003,
                   f"note '{note}' links back to '{href}', which is not one of its references", note)


def resolve(rel: str, path: str) -> str | None:
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


def twin(rel: str) -> str | None:
    """The same page in the other script's folder, or None for a page outside both."""
    top, _, rest = rel.partition("/")
    if top not in LANGS:
        return None
    other = SCRIPT_DIRS[1] if top == SCRIPT_DIRS[0] else SCRIPT_DIRS[0]
    return f"{other}/{rest}"
