"""Front matter (the YAML between the two ``---`` lines) → :class:`FrontMatter`, or diagnostics.

Owns the interview's metadata schema: which keys exist and which are
required, people and their speaker labels, credits, the original source,
the slug rules, and placeholders (``TODO`` values and the importer's
1970-01-01 date), which are warnings in a draft and errors in an interview
meant for publication. Text values go through the same :class:`InlineReader`
as the body, so overrides ``-{…}-`` and the text checks apply to them too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re

from .config import CONVERSIONS, Checker, YList, YMap, check_slug
from .errors import Code, Diagnostic, Severity
from .markdown import InlineReader
from .model import SCRIPTS, Credit, GlossaryEntry, Inline, Person, Source

FRONT_KEYS = ("title", "subtitle", "slug", "date", "script", "conversion", "summary",
              "interviewer", "interviewees", "credits", "source", "publisher", "rights", "glossary", "draft")
FRONT_REQUIRED = ("title", "date", "script", "summary", "interviewees", "source")
PERSON_KEYS = ("name", "role", "label")
SOURCE_KEYS = ("outlet", "date", "url")
QUESTION_LABELS = ("問", "问")
PLACEHOLDER = "TODO"
"""A front-matter value starting with this is a placeholder (``archive import`` writes them)."""
PLACEHOLDER_DATE = dt.date(1970, 1, 1)
"""The importer's mark for a date the published text did not give."""
DEFAULT_ANSWER_LABEL = "答"
INTERVIEWER = "interviewer"


@dataclasses.dataclass
class FrontMatter:
    """The checked metadata of one interview (fields None where the value was missing or wrong)."""

    title: tuple[Inline, ...] = ()
    subtitle: tuple[Inline, ...] = ()
    summary: tuple[Inline, ...] = ()
    publisher: tuple[Inline, ...] = ()
    rights: tuple[Inline, ...] = ()
    date: dt.date | None = None
    draft: bool = False
    script: str | None = None
    conversion: str | None = None
    slug: str | None = None
    """The slug when it is valid."""
    glossary: tuple[GlossaryEntry, ...] = ()
    interviewer: Person | None = None
    interviewees: tuple[Person, ...] = ()
    credits: tuple[Credit, ...] = ()
    source: Source = Source((), None, None)
    labels: dict[str, str] = dataclasses.field(default_factory=dict)
    """Speaker label → person key (``interviewer`` for the question labels)."""
    people_known: bool = True
    """False when the interviewees could not be read: the body then cannot judge answer labels."""


def read_front_matter(data: YMap, reader: InlineReader, folder: str) -> tuple[FrontMatter, list[Diagnostic]]:
    """Check one front matter mapping; every problem is a diagnostic, nothing raises."""
    check = Checker(reader.path)
    check.keys(data, FRONT_KEYS, FRONT_REQUIRED, "the front matter")
    plain, line = reader.plain, data.lines.get
    meta = FrontMatter()
    meta.title = plain(check.text(data, "title", "front matter", required=True), line("title", 1))
    meta.subtitle = plain(check.text(data, "subtitle", "front matter"), line("subtitle", 1))
    meta.summary = plain(check.text(data, "summary", "front matter"), line("summary", 1))
    meta.publisher = plain(check.text(data, "publisher", "front matter"), line("publisher", 1))
    meta.rights = plain(check.text(data, "rights", "front matter"), line("rights", 1))
    meta.date = check.date(data, "date", "front matter")
    meta.draft = check.flag(data, "draft", "front matter")
    meta.script = check.choice(data, "script", SCRIPTS, None)
    meta.conversion = check.choice(data, "conversion", CONVERSIONS, "tw")
    slug = data.get("slug", os.path.basename(os.path.normpath(folder)))
    problem = check_slug(slug)
    if problem:
        check.error(Code.FM005, line("slug", 2), problem)
    meta.slug = None if problem else slug
    meta.glossary = check.glossary(data.get("glossary"), line("glossary", 1))
    meta.labels = {label: INTERVIEWER for label in QUESTION_LABELS}
    if data.get("interviewer") is not None:
        person = _person(check, reader, data["interviewer"], line("interviewer", 1), INTERVIEWER, "interviewer")
        meta.interviewer = person
        if person and person.label and person.label != QUESTION_LABELS[0]:
            meta.labels[person.label] = INTERVIEWER
    meta.interviewees, meta.people_known = _interviewees(check, reader, data, meta.labels)
    meta.credits = _credits(check, reader, data.get("credits"), line("credits", 1))
    meta.source = _source(check, reader, data.get("source"), line("source", 1))
    return meta, check.diags + _placeholders(data, reader.path, meta.draft, meta.date)


def _interviewees(check: Checker, reader: InlineReader, data: YMap,
                  labels: dict[str, str]) -> tuple[tuple[Person, ...], bool]:
    """The interviewees (adding their labels), and whether they could be read at all."""
    items = data.get("interviewees")
    line = data.lines.get("interviewees", 1)
    if items is None:  # missing (FM004) or misspelt (FM003 names it): the body cannot judge labels
        return (), False
    if not (isinstance(items, YList) and items):
        check.error(Code.FM005, line, "interviewees is a list: '- name: …' lines")
        return (), False
    people = []
    for number, (item, item_line) in enumerate(zip(items, items.lines), 1):
        person = _person(check, reader, item, item_line, f"p{number}", "an interviewee")
        if person is None:
            continue
        if not person.label and len(items) > 1:
            check.error(Code.QA002, item_line, "with two or more interviewees each needs a "
                        "'label:' (the speaker label that starts their answers, e.g. 陳)")
        label = person.label or DEFAULT_ANSWER_LABEL
        if label in labels:
            check.error(Code.QA002, item_line, f"speaker label '{label}' is used twice; give each "
                        "person their own label")
        labels[label] = person.key
        people.append(Person(person.key, person.name, person.role, label))
    return tuple(people), True


def _placeholders(data: YMap, path: str, draft: bool, date: dt.date | None) -> list[Diagnostic]:
    """FM007 for every value still a ``TODO`` placeholder, and for the importer's unknown date.

    A warning in a draft (the importer's output is one); an error in an
    interview meant for publication, so a placeholder is never published.
    """
    found: list[Diagnostic] = []
    severity = Severity.WARNING if draft else Severity.ERROR
    tail = "" if draft else " (placeholders are allowed only with 'draft: true')"

    def add(line: int, message: str) -> None:
        found.append(dataclasses.replace(Diagnostic.make(Code.FM007, path, line, message + tail),
                                         severity=severity))

    stack: list[tuple[object, str, int]] = [(data, "", 1)]
    while stack:
        node, where, line = stack.pop()
        if isinstance(node, str) and node.strip().upper().startswith(PLACEHOLDER):
            add(line, f"'{where}' is still the placeholder '{node.strip()}'; write the real text")
        elif isinstance(node, YMap):
            stack.extend((value, f"{where}.{key}" if where else key, node.lines.get(key, line))
                         for key, value in reversed(node.items()))
        elif isinstance(node, YList):
            stack.extend((value, f"{where}[{index + 1}]", item_line)
                         for index, (value, item_line) in reversed(list(enumerate(zip(node, node.lines)))))
    if date == PLACEHOLDER_DATE:
        add(data.lines.get("date", 1), "'date' is 1970-01-01, the importer's mark for a "
            "date the text did not give; write the publication date")
    return found


def _person(check: Checker, reader: InlineReader, value: object, line: int, key: str,
            what: str) -> Person | None:
    data = check.mapping(value, what, line)
    if data is None:
        return None
    check.keys(data, PERSON_KEYS, ("name",), what)
    name = check.text(data, "name", what, required=True)
    role = check.text(data, "role", what)
    label = check.text(data, "label", what)
    if label and (len(label) > 12 or re.search(r"[\s:：]", label)):
        check.error(Code.FM005, data.lines["label"], "a speaker label is a short word without "
                    "spaces or colons, e.g. 陳")
    return Person(key, reader.plain(name, line), reader.plain(role, line), label or "")


def _credits(check: Checker, reader: InlineReader, value: object, line: int) -> tuple[Credit, ...]:
    if value is None:
        return ()
    if not isinstance(value, YList):
        check.error(Code.FM005, line, "credits is a list of '- 編譯: 名字' lines, in display order")
        return ()
    credits = []
    for item, item_line in zip(value, value.lines):
        if not (isinstance(item, YMap) and len(item) == 1):
            check.error(Code.FM005, item_line, "each credit is one '- ROLE: NAME' line, e.g. '- 編輯: Mori'")
            continue
        (role, name), = item.items()
        if not isinstance(name, str) or not name.strip():
            check.error(Code.FM005, item_line, f"credit '{role}' needs a name")
            continue
        credits.append(Credit(reader.plain(role, item_line), reader.plain(name.strip(), item_line)))
    return tuple(credits)


def _source(check: Checker, reader: InlineReader, value: object, line: int) -> Source:
    data = check.mapping(value, "source", line) if value is not None else None
    if data is None:
        return Source((), None, None)
    check.keys(data, SOURCE_KEYS, ("outlet",), "source")
    url = check.text(data, "url", "source")
    if url and not re.match(r"https?://\S+\Z", url):
        check.error(Code.LNK001, data.lines["url"], "the source url must start with https:// or http://")
        url = None
    return Source(reader.plain(check.text(data, "outlet", "source"), line),
                  check.date(data, "date", "source"), url)
