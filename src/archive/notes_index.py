"""The notes index of each script (``zh-hant/notes/``): every translator's note, grouped by the term it explains.

Owns :func:`notes_pages`. A group is one term as it reads in *both* scripts
(the pair of :attr:`~archive.summary.NoteEntry.term` values of the same note
on its two pages), so both pages hold the same groups under the same ASCII
ids (``t-dengta``, the term's pinyin, numbered on a clash) even where two
Traditional terms become one Simplified word. Notes whose term could not be
found sit together at the end. Each note links to ``…/<slug>/#n-label``.
"""

from __future__ import annotations

from typing import Any

from .context import site_page
from .model import SCRIPTS
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .siteinput import SiteInput
from .sorting import slug, sort_key
from .urls import DIRS

PATH = "notes/"


def _groups(site: SiteInput) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """(hant term, hans term) → (interview index, note index) of every note explaining it."""
    hant, hans = site.summaries["hant"], site.summaries["hans"]
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for i, (a, b) in enumerate(zip(hant, hans)):
        for j, (na, nb) in enumerate(zip(a.notes, b.notes)):
            groups.setdefault((na.term, nb.term), []).append((i, j))
    return groups


def _ids(keys: list[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """An ASCII id per group, made from the Traditional term's pinyin, numbered when two collide."""
    ids: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for key in sorted(keys):
        base = slug(key[0], "t") if key[0] else "t-other"
        ident, n = base, 2
        while ident in used:
            ident, n = f"{base}-{n}", n + 1
        used.add(ident)
        ids[key] = ident
    return ids


def notes_context(site: SiteInput, script: str, groups, ids) -> dict[str, Any]:
    words = site.labels(script)
    summaries = site.summaries[script]
    column = 0 if script == "hant" else 1
    entries = []
    for key, where in groups.items():
        term = key[column]
        notes = [{"interview": summaries[i].title, "href": f"../{summaries[i].slug}/index.html#{summaries[i].notes[j].id}",
                  "number": summaries[i].notes[j].number, "text": summaries[i].notes[j].text,
                  "date_iso": summaries[i].date.isoformat()} for i, j in where]
        entries.append({"id": ids[key], "term": term or words["other_terms"], "known": bool(term), "notes": notes})
    entries.sort(key=lambda e: (not e["known"], sort_key(e["term"], script), e["id"]))
    page = site_page(script, site.settings, f"{DIRS[script]}/{PATH}", words["notes_index"], words)
    return {"page": page, "terms": entries, "count": sum(len(e["notes"]) for e in entries)}


def notes_pages(site: SiteInput) -> dict[str, bytes]:
    """``zh-hant/notes/index.html`` and ``zh-hans/notes/index.html``."""
    groups = _groups(site)
    ids = _ids(list(groups))
    return {f"{DIRS[s]}/{PATH}index.html": site.render("notes.html", notes_context(site, s, groups, ids))
            for s in SCRIPTS}
