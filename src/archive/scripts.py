"""Traditional ⇄ Simplified conversion of a whole interview, with the editor's overrides.

Owns which OpenCC profile an interview uses, the glossary (archive-wide plus
per interview, applied in both directions), the people's names (converted
by :mod:`archive.names` and then applied like glossary entries of lower
rank), quotation marks (「」『』 on Traditional pages, “”‘’ on Simplified
ones), and the tree walk that converts the model while leaving ids, labels,
links and :class:`~archive.model.Protected` text alone and resolving each
:class:`~archive.model.Variant` to its script's form.

A run of inline content (a paragraph, a headline, a caption) converts as one
string, so a word split by emphasis, a link or a note reference keeps its
context (头*发* → 頭*髮*); the result is cut back at the leaf boundaries (how a
run converts, with the glossary, names and quotation marks, is
:mod:`archive.converter`'s). The walk first gathers every run of the
interview so the engine converts them all in one call, then rebuilds the tree;
a node whose text does not change is kept as it is, so the page in the source
script (overrides and quotation marks only) costs little.
"""

from __future__ import annotations

import dataclasses
import operator
import typing
from collections.abc import Iterable, Iterator
from typing import Any

from . import engine
from .converter import PROFILES, Converter, Piece, Run, has_any
from .errors import Code as Codes, Diagnostic
from .model import (Answer, Code, Emphasis, Figure, GlossaryEntry, Inline, Interview, LineBreak, Link, Narration, Note,
                    Paragraph, Person, Protected, Question, Script, Section, Stage, Text, Variant)
from .names import name_forms, names_in, registry_version

__all__ = ["PROFILES", "SCRIPT_TAGS", "Converter", "convert_text", "converter_version", "name_diagnostics",
           "people", "to_script"]
SCRIPT_TAGS = {"hant": "zh-Hant", "hans": "zh-Hans"}


def converter_version() -> str:
    """The engine and name data that shape converted text, e.g. ``opencc 1.4.2; faker 40.63.0``, for cache keys."""
    return f"{engine.engine_version()}; {registry_version()}"


# --- the interview tree ---------------------------------------------------------------------------

def people(interview: Interview) -> list[tuple[str, str]]:
    """(field, name) for every person the front matter names, as plain source text without overrides."""
    found: list[tuple[str, str]] = []

    def add(field: str, inlines: tuple) -> None:
        if inlines and all(isinstance(item, Text) for item in inlines):
            found.extend((field, name) for name in names_in("".join(item.text for item in inlines)))
    if interview.interviewer is not None:
        add("interviewer", interview.interviewer.name)
    for i, person in enumerate(interview.interviewees, 1):
        add(f"interviewees[{i}]", person.name)
    for i, credit in enumerate(interview.credits, 1):
        add(f"credits[{i}]", credit.name)
    return found


def to_script(interview: Interview, target: Script, archive_glossary: Iterable[GlossaryEntry] = (),
              quotes: bool = True, source_text: str | None = None) -> Interview:
    """The same interview with every text in ``target`` script; ids and structure unchanged.

    ``quotes`` false keeps quotation marks as written (``quotes: keep`` in archive.yml).
    ``source_text``: the interview's source, where the caller has it. In the source's own script
    only overrides (``-{…}-``) and quotation marks change anything, and a character reference (``&…;``)
    may make a mark: a source with none of them is the page as it is, not walked.
    """
    source = interview.source_script
    profile = None if source == target else PROFILES[(source, interview.conversion)]
    if profile is None and source_text is not None and not has_any(
            source_text, ("-{", "&", *(Converter.marks(target) if quotes else ()))):
        return dataclasses.replace(interview, script=target)
    names = name_forms((name for _, name in people(interview)), source, target, profile)
    convert = Converter(source, target, interview.conversion,
                        tuple(archive_glossary) + interview.glossary, names, quotes)
    walk = _Walk(convert, target)
    if convert.profile is not None:  # the source script's own page calls no engine: nothing to gather
        walk.convert_all(interview)
    return dataclasses.replace(walk.node(interview), script=target)


def name_diagnostics(interview: Interview, archive_glossary: Iterable[GlossaryEntry] = (),
                     text: str | None = None) -> list[Diagnostic]:
    """A warning (CNV001) for each front-matter name whose converted form is a guess.

    A glossary entry for the name (archive-wide or the interview's own) settles
    it and silences the warning. ``text`` is the source, used to point at the
    line that names the person (else the interview's first line).
    """
    source = interview.source_script
    target: Script = "hans" if source == "hant" else "hant"
    settled = {entry.hant if source == "hant" else entry.hans
               for entry in tuple(archive_glossary) + interview.glossary}
    lines = text.splitlines() if text else []
    found = []
    fields = dict((name, field) for field, name in reversed(people(interview)))
    for form in name_forms(fields, source, target, PROFILES[(source, interview.conversion)]):
        if form.doubt is None or form.source in settled:
            continue
        line = next((i for i, row in enumerate(lines, 1) if form.source in row), interview.span.line)
        found.append(Diagnostic.make(
            Codes.CNV001, interview.span.path, line,
            f"{fields[form.source]}: {form.doubt}; the {SCRIPT_TAGS[target]} pages say {form.target}. "
            f"If that is wrong, add it to the glossary (hant: …, hans: …), which fixes every occurrence, "
            f"or write -{{zh-hans:…;zh-hant:…;}}- where it is named"))
    return found


def convert_text(text: str, source: Script, target: Script, conversion: str = "tw",
                 glossary: Iterable[GlossaryEntry] = (), quotes: bool = True) -> str:
    """Convert one plain string (no override syntax) by the same path as :func:`to_script`."""
    return Converter(source, target, conversion, glossary, (), quotes)(text)


_SKIP_FIELDS = {"glossary", "span", "id", "slug", "script", "source_script", "conversion", "folder",
                "image", "href", "interview", "fragment", "label", "url", "key", "speaker"}
_NESTED = frozenset({Stage, Emphasis, Link})
_RUN, _NODES, _NODE, _ALT = "run", "nodes", "node", "alt"


class _Plan:
    """How the walk treats one model class, read once from its type hints: every field (a node is
    rebuilt from them all: each is an init field) and, for each field that may hold text (not ids,
    spans, links, keys), its position and kind: a run of inline content, a tuple of nodes, a node
    (or None), or the plain alt text of a figure."""

    __slots__ = ("fields", "names", "values")

    def __init__(self, cls: type):
        hints = typing.get_type_hints(cls)
        if not all(f.init for f in dataclasses.fields(cls)):
            raise TypeError(f"{cls.__name__}: conversion rebuilds nodes from all fields; each must be an init field")
        self.names = tuple(f.name for f in dataclasses.fields(cls))
        getter = operator.attrgetter(*self.names)
        self.values = getter if len(self.names) > 1 else lambda node: (getter(node),)
        fields = []
        for i, name in enumerate(self.names):
            hint = hints[name]
            if name in _SKIP_FIELDS:
                continue
            if hint == tuple[Inline, ...]:
                fields.append((i, _RUN))
            elif typing.get_origin(hint) is tuple:
                fields.append((i, _NODES))
            elif any(dataclasses.is_dataclass(t) for t in (hint, *typing.get_args(hint))):
                fields.append((i, _NODE))
            elif name == "alt" and hint is str:
                fields.append((i, _ALT))
        self.fields = tuple(fields)


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    try:
        return _PLANS[cls]
    except KeyError:
        plan = _PLANS[cls] = _Plan(cls)
        return plan


def _pieces(inlines: Iterable[Any], source: str, out: list[Piece]) -> None:
    for item in inlines:
        kind = type(item)
        if kind is Text:
            out.append(("text", item.text))
        elif kind is Protected:
            out.append(("keep", item.text))
        elif kind is Variant:
            out.append(("variant", item.hant if source == "hant" else item.hans))
        elif kind is Code:
            out.append(("opaque", item.text))
        elif kind is LineBreak:
            out.append(("keep", "\n"))
        elif kind in _NESTED:
            _pieces(item.children, source, out)


def _as_written(inlines: Iterable[Any], marks: tuple[str, ...]) -> bool:
    """No override to resolve and no quotation mark of ``marks`` to change: what the source
    script's own page shows as the source has it."""
    for item in inlines:
        kind = type(item)
        if kind is Variant:
            return False
        if kind is Text:
            if marks and has_any(item.text, marks):
                return False
        elif kind in _NESTED and not _as_written(item.children, marks):
            return False
    return True


def _rebuild(inlines: tuple, texts: Iterator[str], target: str) -> tuple:
    """The inlines with their converted texts: the same tuple, leaf for leaf, where nothing changed."""
    result, changed = [], False
    for item in inlines:
        kind = type(item)
        if kind is Text:
            text = next(texts)
            if text != item.text:
                item, changed = Text(text), True
        elif kind is Variant:
            next(texts)
            item, changed = Text(item.hant if target == "hant" else item.hans), True
        elif kind is Protected or kind is Code or kind is LineBreak:
            next(texts)
        elif kind in _NESTED:
            children = _rebuild(item.children, texts, target)
            if children is not item.children:
                item, changed = dataclasses.replace(item, children=children), True
        result.append(item)
    return tuple(result) if changed else inlines


class _Walk:
    """One interview's conversion: :meth:`convert_all` gathers every run and converts them together,
    :meth:`node` rebuilds the tree from the results."""

    def __init__(self, convert: Converter, target: str):
        self.convert, self.source, self.target = convert, convert.source, target
        self.runs: dict[int, Run] = {}
        """The pieces of each run gathered, by the id of its tuple (alive in the interview meanwhile)."""
        self.done: dict[int, list[str]] = {}
        """The converted texts of each run gathered, by the same id."""

    def convert_all(self, interview: Interview) -> None:
        """Gather every run of the interview and convert them all in one engine call."""
        extra: list[Run] = []
        self.gather(interview, extra)
        outs = self.convert.convert_all(list(self.runs.values()) + extra)
        self.done = dict(zip(self.runs, outs))
        self.convert.cache.update(zip(extra, outs[len(self.runs):]))

    def gather(self, node: Any, extra: list[Run]) -> None:
        """Note the pieces of every run under ``node``; the plain strings that convert go to ``extra``.
        The commonest classes are spared the general path, as in :meth:`node`."""
        cls = type(node)
        if cls is Paragraph:
            self.note(node.content)
            return
        if cls is Answer:
            children = node.blocks
        elif cls is Question:
            self.gather(node.text, extra)
            children = node.answers
        elif cls is Narration or cls is Note:
            children = node.paragraphs
        elif cls is Section:
            self.note(node.headline)
            self.note(node.kicker)
            children = node.blocks
        else:
            self.gather_any(node, extra)
            return
        for item in children:
            self.gather(item, extra)

    def note(self, inlines: tuple) -> None:
        """Note the pieces of one run."""
        if inlines:
            pieces: list[Piece] = []
            _pieces(inlines, self.source, pieces)
            self.runs[id(inlines)] = tuple(pieces)

    def gather_any(self, node: Any, extra: list[Run]) -> None:
        """:meth:`gather` for any class, by its plan."""
        cls = type(node)
        plan = _plan(cls)
        if cls is Person:
            extra.append((("text", node.label),))
        values = plan.values(node)
        for i, kind in plan.fields:
            value = values[i]
            if kind is _RUN:
                self.note(value)
            elif kind is _NODES:
                for item in value:
                    self.gather(item, extra)
            elif kind is _NODE:
                if value is not None:
                    self.gather(value, extra)
            elif not getattr(node, "alt_content", ()):  # _ALT
                extra.append((("text", value),))

    def run(self, inlines: tuple) -> tuple:
        """A run of inline content converted as one string."""
        if not inlines:
            return inlines
        texts = self.done.get(id(inlines))
        if texts is None:  # not gathered: the source script's own page, which calls no engine
            if self.convert.profile is None and _as_written(inlines, self.convert.quote_marks):
                return inlines
            pieces: list[Piece] = []
            _pieces(inlines, self.source, pieces)
            texts = self.convert.run(pieces) if pieces else []
        if not texts:
            return inlines
        if len(inlines) == 1 and type(inlines[0]) is Text:  # the commonest run
            return inlines if texts[0] == inlines[0].text else (Text(texts[0]),)
        return _rebuild(inlines, iter(texts), self.target)

    def nodes(self, items: tuple) -> tuple:
        """A tuple of nodes converted; the same tuple when no node changes."""
        new = [self.node(item) for item in items]
        return tuple(new) if any(map(operator.is_not, new, items)) else items

    def node(self, node: Any) -> Any:
        """``node`` with every text in the target script; ``node`` itself when nothing changes.

        The commonest classes (nine nodes in ten) are spared the general path below, which reads the
        class's plan and rebuilds from all fields: with :meth:`gather` alike, 0.78 M instructions an
        interview less (of 101 M).
        """
        cls = type(node)
        if cls is Paragraph:
            content = self.run(node.content)
            return node if content is node.content else Paragraph(content, node.span)
        if cls is Answer:
            blocks = self.nodes(node.blocks)
            return node if blocks is node.blocks else Answer(node.speaker, blocks, node.span)
        if cls is Question:
            text, answers = self.node(node.text), self.nodes(node.answers)
            return node if text is node.text and answers is node.answers else \
                Question(node.id, node.number, text, answers, node.span)
        if cls is Narration:
            paragraphs = self.nodes(node.paragraphs)
            return node if paragraphs is node.paragraphs else Narration(paragraphs, node.span)
        if cls is Note:
            paragraphs = self.nodes(node.paragraphs)
            return node if paragraphs is node.paragraphs else \
                Note(node.label, node.number, paragraphs, node.references, node.span)
        if cls is Section:
            headline, kicker, blocks = self.run(node.headline), self.run(node.kicker), self.nodes(node.blocks)
            return node if headline is node.headline and kicker is node.kicker and blocks is node.blocks else \
                Section(node.id, node.number, headline, kicker, blocks, node.span)
        if cls is Person:
            name = self.run(node.name)
            return dataclasses.replace(node, name=name, role=self.run(node.role),
                                       label=_label(node, name, self.convert))
        plan = _plan(cls)
        values = plan.values(node)
        new = None
        for i, kind in plan.fields:
            value = values[i]
            if kind is _RUN:
                changed = self.run(value)
            elif kind is _NODES:
                changed = self.nodes(value)
            elif kind is _NODE:
                changed = value if value is None else self.node(value)
            elif getattr(node, "alt_content", ()):  # _ALT: the alt text as written follows the converted inlines
                continue
            else:
                changed = self.convert(value)
                if changed == value:
                    continue
            if changed is not value:
                if new is None:
                    new = list(values)
                new[i] = changed
        if cls is Figure and node.alt_content:
            from .plaintext import plain_text

            new = list(values) if new is None else new
            new[plan.names.index("alt")] = plain_text(new[plan.names.index("alt_content")], self.target)
        return node if new is None else cls(*new)


def _label(person: Person, converted_name: tuple, convert: Converter) -> str:
    """A speaker label is usually a surname (范, 于): take it from the converted name, where the
    name rules, the glossary and overrides decide it, rather than from OpenCC, which reads 于 as a preposition."""
    from .plaintext import plain_text

    source_name = plain_text(person.name, convert.source)
    if person.label and source_name.startswith(person.label):
        return plain_text(converted_name, convert.target)[:len(person.label)]
    return convert(person.label)
