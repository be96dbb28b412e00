"""What the site-wide pages need of one interview in one script: a typed, plain-text summary.

Owns :class:`Summary` and :func:`summarize`. The archive index, and every
site-wide output after it (people, notes, feeds, sitemap, search), reads
these values instead of HTML: each field is plain text in the page's script
or an ASCII id, so a step can group, sort or index them without parsing
markup, and the summary caches as plain data. HTML is made only in
templates, from these fields.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from markupsafe import Markup

from .plaintext import CJK_LINE_BREAK_RE, plain_text, reading_text
from .model import Figure, Inline, Interview, NoteRef, Paragraph, Question
from .urls import interview_dir, media_dir


def _pickled_by_fields(cls: type) -> type:
    """``cls`` pickled as the arguments of its constructor, in field order.

    A build's workers send each interview's summaries to the parent: with the
    default for frozen dataclasses with slots (a ``__setstate__`` that loops
    over ``fields()`` in Python for every object) unpickling them took the
    parent ~0.13 ms an interview while its workers ran; calling the class is
    half that."""
    read = operator.attrgetter(*(f.name for f in dataclasses.fields(cls)))
    single = len(dataclasses.fields(cls)) == 1

    def __reduce__(self):
        return cls, (read(self),) if single else read(self)

    cls.__reduce__ = __reduce__
    return cls


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class PersonEntry:
    """One person of an interview, as the people index lists them."""

    key: str
    """``interviewer``, ``p1`` … for interviewees, ``c1`` … for credits (ASCII, both scripts)."""
    name: str
    role: str
    """Their role line (interviewer/interviewees) or the credit's role (編譯, 編輯 …)."""
    kind: str
    """``interviewee``, ``interviewer`` or ``credit``."""
    id: str = ""
    """Their entry on the people page (``p-fanxiaolan``): from the name in the interview's source script."""


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class NoteEntry:
    """One translator's note, as the notes index lists it."""

    id: str
    """The note's anchor on its page (``n-label``)."""
    number: int
    term: str
    """The words the note explains: what its first reference follows (may be empty)."""
    text: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class SectionEntry:
    """One section: its anchor, number and headline."""

    id: str
    number: int
    headline: str
    kicker: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Passage:
    """A run of the interview's text with the nearest anchor a reader can be sent to."""

    anchor: str
    """``top`` for the lead, a section id, or a question id (``q07``)."""
    text: str


@_pickled_by_fields
@dataclass(frozen=True, slots=True)
class Summary:
    """One interview in one script, as every site-wide page sees it (its text for search: :func:`passages`)."""

    slug: str
    script: str
    path: str
    """Site-relative folder of its page, ending in '/': ``zh-hant/<slug>/``."""
    title: str
    subtitle: str
    summary: str
    date: dt.date
    outlet: str
    source_date: dt.date | None
    source_url: str | None
    people: tuple[PersonEntry, ...]
    sections: tuple[SectionEntry, ...]
    questions: int
    notes: tuple[NoteEntry, ...]
    image: str | None
    """Site-relative path of its first image, if any (for link previews)."""
    draft: bool
    title_html: Markup = Markup()
    """The title as lists show it: escaped, ``<wbr>`` between its phrases (:func:`archive.typography.phrases`)."""
    subtitle_html: Markup = Markup()


def person_ids(source: Interview) -> dict[str, str]:
    """Person key (``interviewer``, ``p1``, ``c1`` …) → their people-page id, from the source script's names.

    Made once from the unconverted interview, so both scripts' pages carry the same ids.
    """
    from .sorting import slug

    name = lambda inlines: reading_text(plain_text(inlines, source.script))  # noqa: E731
    ids = {p.key: slug(name(p.name), "p") for p in source.interviewees}
    if source.interviewer is not None:
        ids["interviewer"] = slug(name(source.interviewer.name), "p")
    ids.update({f"c{n}": slug(name(c.name), "p") for n, c in enumerate(source.credits, 1)})
    return ids


def summarize(interview: Interview, ids: dict[str, str] | None = None, view: Any = None) -> Summary:
    """The summary of a converted interview (``interview.script`` is the page's script).

    ``ids``: :func:`person_ids` of the interview before conversion. ``view``: the page's view
    (:func:`archive.context.interview_view`), whose phrased title is reused where it is the same.
    """
    from .typography import phrases_as

    script = interview.script
    ids = ids or {}
    text = lambda inlines: reading_text(plain_text(inlines, script))  # noqa: E731
    people = []
    if interview.interviewer is not None:
        people.append(PersonEntry("interviewer", text(interview.interviewer.name),
                                  text(interview.interviewer.role), "interviewer", ids.get("interviewer", "")))
    people += [PersonEntry(p.key, text(p.name), text(p.role), "interviewee", ids.get(p.key, ""))
               for p in interview.interviewees]
    people += [PersonEntry(f"c{n}", text(c.name), text(c.role), "credit", ids.get(f"c{n}", ""))
               for n, c in enumerate(interview.credits, 1)]
    sections = tuple(SectionEntry(s.id, s.number, text(s.headline), text(s.kicker)) for s in interview.sections)
    terms = _terms(interview)
    notes = tuple(NoteEntry(n.id, n.number, terms.get(n.label, ""),
                            reading_text("\n".join(plain_text(p.content, script) for p in n.paragraphs)))
                  for n in interview.notes)
    images = [b.image for b in _figures(interview) if b.image]
    return Summary(
        slug=interview.slug, script=script, path=f"{interview_dir(script, interview.slug)}/",
        title=(title := text(interview.title)), subtitle=(subtitle := text(interview.subtitle)),
        summary=text(interview.summary),
        date=interview.date, outlet=text(interview.source.outlet), source_date=interview.source.date,
        source_url=interview.source.url, people=tuple(people), sections=sections,
        questions=sum(1 for s in interview.sections for b in s.blocks if isinstance(b, Question)),
        notes=notes,
        image=f"{media_dir(interview.slug)}/{images[0]}" if images else None, draft=interview.draft,
        title_html=phrases_as(title, script, view and view.get("title")),
        subtitle_html=phrases_as(subtitle, script, view and view.get("subtitle")))




_TERM_STOP = re.compile(r"[\s，。、；：！？「」『』（）()《》〈〉“”‘’,.;:!?\"]")
MAX_TERM = 16
"""A term longer than this is not a term but the sentence before the marker."""


def _terms(interview: Interview) -> dict[str, str]:
    """label → the words its first reference follows.

    The note usually opens with the term it explains (轉速指…, 伊萊亞斯·莫羅是…): the
    longest tail of the text before the reference that the note's text starts with is
    the term. Failing that, the run of text back to the previous punctuation, when short.
    """
    bodies = {n.label: plain_text(n.paragraphs[0].content, interview.script) if n.paragraphs else ""
              for n in interview.notes}
    found: dict[str, str] = {}
    for inlines in _inline_runs(interview):
        if len(inlines) == 1 and type(inlines[0]) is not NoteRef:  # most runs: one text, no reference
            continue
        before, done = "", 0  # the text before inlines[done] (a note reference has none)
        for at, item in enumerate(inlines):
            if isinstance(item, NoteRef) and item.label not in found:
                before += plain_text(inlines[done:at], interview.script)
                done = at
                found[item.label] = _term(before, bodies.get(item.label, ""))
    return found


def _term(before: str, note: str) -> str:
    before = (CJK_LINE_BREAK_RE.sub("", before) if "\n" in before else before).rstrip()
    # the longest end of ``before`` (2-40 characters) that the note starts with: one starting with its first character
    size = min(len(before), len(note), 40)
    end = before[len(before) - size:]
    at = end.find(note[:1]) if size > 1 else -1
    while 0 <= at <= size - 2:
        if note.startswith(end[at:]):
            return end[at:].strip()
        at = end.find(note[0], at + 1)
    # else the words back to the last punctuation, when short: only the last MAX_TERM + 1 characters can tell
    pieces = _TERM_STOP.split(before[-MAX_TERM - 1:])
    tail = pieces[-1] if len(pieces) > 1 or len(before) <= MAX_TERM else ""
    return tail if 0 < len(tail) <= MAX_TERM else ""


def _inline_runs(interview: Interview) -> Iterable[Sequence[Inline]]:
    """Every paragraph-like run of inline content, in reading order (notes' own text excluded)."""
    for block in _blocks(interview):
        if isinstance(block, Paragraph):
            yield block.content
        elif isinstance(block, Figure):
            yield block.caption
        elif isinstance(block, Question):
            yield block.text.content
            for answer in block.answers:
                for inner in answer.blocks:
                    yield inner.content if isinstance(inner, Paragraph) else inner.caption


def _blocks(interview: Interview):
    for block in interview.lead:
        yield from getattr(block, "paragraphs", None) or (block,)
    for section in interview.sections:
        for block in section.blocks:
            yield from getattr(block, "paragraphs", None) or (block,)


def _figures(interview: Interview):
    for block in _blocks(interview):
        if isinstance(block, Figure):
            yield block
        elif isinstance(block, Question):
            for answer in block.answers:
                yield from (b for b in answer.blocks if isinstance(b, Figure))


def passages(interview: Interview) -> tuple[Passage, ...]:
    """The interview's text cut at its anchors (for search): lead, each section's narration, each question
    with its answers. Kept apart from :class:`Summary`, which site-wide pages load on every rebuild."""
    return tuple(_passages(interview))


def _passages(interview: Interview) -> Iterable[Passage]:
    script = interview.script
    plain = lambda inlines: reading_text(plain_text(inlines, script))  # noqa: E731 (a note reference has no text)
    lead = [plain(b.content) for b in _lead_paragraphs(interview)]
    if lead:
        yield Passage("top", "\n".join(lead))
    for section in interview.sections:
        head = [plain(section.headline), plain(section.kicker)]
        loose: list[str] = []
        for block in section.blocks:
            if isinstance(block, Question):
                parts = [plain(block.text.content)]
                for answer in block.answers:
                    parts += [plain(b.content if isinstance(b, Paragraph) else b.caption) for b in answer.blocks]
                yield Passage(block.id, "\n".join(p for p in parts if p))
            else:
                for inner in getattr(block, "paragraphs", None) or (block,):
                    loose.append(plain(inner.content if isinstance(inner, Paragraph) else inner.caption))
        yield Passage(section.id, "\n".join(p for p in head + loose if p))


def _lead_paragraphs(interview: Interview):
    for block in interview.lead:
        for inner in getattr(block, "paragraphs", None) or (block,):
            if isinstance(inner, Paragraph):
                yield inner
