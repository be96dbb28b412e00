"""The interview model: frozen dataclasses and nothing else.

Every stage of the pipeline passes these values along; none of them is ever
mutated. Each node that comes from the source carries a :class:`Span` so a
later stage (conversion, rendering, the checker) can point an editor at the
exact line. Text lives only in :class:`Text`, :class:`Protected` and
:class:`Variant` leaves, which is what makes script conversion a plain map
over the tree (see ``scripts.py``). This module imports nothing of ours.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Literal, Union

Script = Literal["hant", "hans"]
SCRIPTS: tuple[Script, Script] = ("hant", "hans")


def note_id(label: str) -> str:
    """The anchor of a note in the notes list: ``n-label`` (ASCII, the same in both scripts)."""
    return f"n-{label}"


def note_ref_id(label: str, occurrence: int) -> str:
    """The anchor of the ``occurrence``-th reference to a note: ``r-label-1``."""
    return f"r-{label}-{occurrence}"


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node came from."""

    path: str
    """Source file, as given to the parser (usually relative to the working directory)."""
    line: int
    """1-based line number."""
    col: int = 1
    """1-based column."""

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


# --- inline content -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    """Running text, converted between scripts."""

    text: str


@dataclass(frozen=True, slots=True)
class Protected:
    """Text an editor marked ``-{...}-``: never converted."""

    text: str


@dataclass(frozen=True, slots=True)
class Variant:
    """Text with an explicit form per script: ``-{zh-hans:…;zh-hant:…;}-``."""

    hans: str
    hant: str


@dataclass(frozen=True, slots=True)
class Stage:
    """A stage direction such as （笑）, styled apart from speech."""

    children: tuple["Inline", ...]


@dataclass(frozen=True, slots=True)
class Emphasis:
    """``*text*`` (``strong`` false) or ``**text**`` (``strong`` true)."""

    children: tuple["Inline", ...]
    strong: bool = False


@dataclass(frozen=True, slots=True)
class Code:
    """Inline code: shown as written, never converted."""

    text: str


@dataclass(frozen=True, slots=True)
class Link:
    """A hyperlink. ``interview`` is set for a link to another interview of the archive."""

    href: str
    children: tuple["Inline", ...]
    interview: str | None = None
    """Slug of the interview linked to, when the link is internal."""
    fragment: str | None = None
    """Anchor within that interview (``s03``, ``q07``), if any."""


@dataclass(frozen=True, slots=True)
class NoteRef:
    """A reference to a translator's note; ``occurrence`` counts references to the same note from 1."""

    label: str
    occurrence: int
    span: Span


@dataclass(frozen=True, slots=True)
class LineBreak:
    """A hard line break inside a paragraph."""


Inline = Union[Text, Protected, Variant, Stage, Emphasis, Code, Link, NoteRef, LineBreak]


# --- blocks ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph of inline content."""

    content: tuple[Inline, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Figure:
    """A photo or illustration. ``image`` is None for a caption whose photo was lost."""

    image: str | None
    """Path of the image relative to the interview's folder."""
    alt: str
    """The alt text, plain, in the source script (overrides resolved)."""
    caption: tuple[Inline, ...]
    credit: tuple[Inline, ...]
    span: Span
    alt_content: tuple[Inline, ...] = ()
    """The alt text as inlines, overrides kept as Protected/Variant leaves: what conversion maps."""


@dataclass(frozen=True, slots=True)
class Remark:
    """An editor's remark (a blockquote in the lead)."""

    paragraphs: tuple[Paragraph, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Narration:
    """Paragraphs that belong to no question."""

    paragraphs: tuple[Paragraph, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Answer:
    """What one interviewee said in reply; may hold figures between paragraphs."""

    speaker: str
    """Key of the interviewee (see :attr:`Person.key`)."""
    blocks: tuple[Paragraph | Figure, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Question:
    """A question and the answers that follow it."""

    id: str
    """ASCII anchor, ``q01`` … numbered through the whole interview."""
    number: int
    text: Paragraph
    answers: tuple[Answer, ...]
    span: Span


Block = Union[Paragraph, Remark, Narration, Question, Figure]


@dataclass(frozen=True, slots=True)
class Section:
    """A numbered section with its headline and optional kicker."""

    id: str
    """ASCII anchor: set by the editor with ``{#id}`` or ``s01`` …"""
    number: int
    headline: tuple[Inline, ...]
    kicker: tuple[Inline, ...]
    blocks: tuple[Block, ...]
    span: Span


@dataclass(frozen=True, slots=True)
class Note:
    """A translator's note; ``number`` is its order of first reference (1-based)."""

    label: str
    number: int
    paragraphs: tuple[Paragraph, ...]
    references: int
    """How many places refer to this note."""
    span: Span

    @property
    def id(self) -> str:
        return note_id(self.label)


# --- metadata -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Person:
    """Interviewer or interviewee."""

    key: str
    """ASCII key: ``interviewer``, ``p1``, ``p2`` …"""
    name: tuple[Inline, ...]
    role: tuple[Inline, ...]
    label: str
    """Speaker label as written in the source (``問``, ``陳``)."""


@dataclass(frozen=True, slots=True)
class Credit:
    """One line of credits: role (編譯, 編輯 …) and name."""

    role: tuple[Inline, ...]
    name: tuple[Inline, ...]


@dataclass(frozen=True, slots=True)
class Source:
    """Where the interview was first published."""

    outlet: tuple[Inline, ...]
    date: _dt.date | None
    url: str | None


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    """A term with its form in each script; applied in both directions."""

    hant: str
    hans: str


@dataclass(frozen=True, slots=True)
class Interview:
    """One interview, in one script."""

    slug: str
    script: Script
    """The script the text of this value is in."""
    source_script: Script
    """The script the editor wrote it in."""
    conversion: str
    """Profile name: ``tw``, ``hk`` or ``twp``."""
    title: tuple[Inline, ...]
    subtitle: tuple[Inline, ...]
    date: _dt.date
    summary: tuple[Inline, ...]
    interviewer: Person | None
    interviewees: tuple[Person, ...]
    credits: tuple[Credit, ...]
    source: Source
    publisher: tuple[Inline, ...]
    rights: tuple[Inline, ...]
    glossary: tuple[GlossaryEntry, ...]
    lead: tuple[Block, ...]
    sections: tuple[Section, ...]
    notes: tuple[Note, ...]
    folder: str
    """The interview's folder (images are relative to it)."""
    span: Span
    draft: bool = False
    """``draft: true`` in the front matter: left out of a published build (``--drafts`` includes it)."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The archive's settings (``archive.yml``)."""

    title: dict[str, str]
    """Archive title per script."""
    description: dict[str, str]
    base_url: str | None
    stage_directions: tuple[str, ...]
    glossary: tuple[GlossaryEntry, ...]
    suppress: tuple[str, ...] = ()
    """Codes of warnings and notices this archive does not want reported (errors cannot be silenced)."""
    quotes: str = "convert"
    """``convert`` (「」 on Traditional pages, “” on Simplified ones) or ``keep`` (as the editor wrote them)."""
    templates: str | None = None
    """``templates:``: the folder of template overrides, relative to the archive folder (``--templates`` wins)."""
