"""The people index of each script (``zh-hant/people/``): everyone of the archive, once, with their interviews.

Owns :func:`people_pages`. A person is their id (the pinyin of their name in
the source script, :func:`archive.summary.person_ids`), so the same name in
several interviews is one entry with every role they had; entries sort by
zhuyin (Traditional) or pinyin (Simplified), grouped under their first sound
(:mod:`archive.sorting`). Interview pages link each name to its entry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .context import date_text, site_page
from .model import SCRIPTS
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .siteinput import SiteInput
from .sorting import initial, sort_key
from .urls import DIRS

PATH = "people/"
KIND_ORDER = {"interviewee": 0, "interviewer": 1, "credit": 2}


@dataclass
class Person:
    id: str
    names: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    interviews: list[dict[str, Any]] = field(default_factory=list)


def people(site: SiteInput, script: str) -> list[Person]:
    """Everyone in ``script``, in reading order; each interview listed newest first with their role in it."""
    found: dict[str, Person] = {}
    for summary in site.summaries[script]:
        for entry in sorted(summary.people, key=lambda p: KIND_ORDER[p.kind]):
            if not entry.id:
                continue
            person = found.setdefault(entry.id, Person(entry.id))
            if entry.name not in person.names:
                person.names.append(entry.name)
            role = entry.role if entry.kind == "credit" else ""
            kind_word = f"role_{entry.kind}"
            if any(i["slug"] == summary.slug for i in person.interviews):
                continue
            person.interviews.append({"slug": summary.slug, "title": summary.title, "kind": kind_word,
                                      "role": role, "href": f"../{summary.slug}/index.html",
                                      "date": date_text(summary.date), "date_iso": summary.date.isoformat()})
            if entry.role and entry.role not in person.roles:
                person.roles.append(entry.role)
    return sorted(found.values(), key=lambda p: (sort_key(p.names[0], script), p.id))


def people_context(site: SiteInput, script: str) -> dict[str, Any]:
    words = site.labels(script)
    groups: list[dict[str, Any]] = []
    for person in people(site, script):
        head = initial(person.names[0], script)
        if not groups or groups[-1]["initial"] != head:
            groups.append({"initial": head, "people": []})
        groups[-1]["people"].append(person)
    page = site_page(script, site.settings, f"{DIRS[script]}/{PATH}", words["people"], words)
    return {"page": page, "groups": groups, "count": sum(len(g["people"]) for g in groups)}


def people_pages(site: SiteInput) -> dict[str, bytes]:
    """``zh-hant/people/index.html`` and ``zh-hans/people/index.html``."""
    return {f"{DIRS[s]}/{PATH}index.html": site.render("people.html", people_context(site, s)) for s in SCRIPTS}
