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
context (头*发* → 頭*髮*); the result is cut back at the leaf boundaries. The
profiles are character-for-character except for the vocabulary of ``twp``
(内存 → 記憶體); when a run changes length it is converted leaf by leaf
instead. Glossary terms and names are swapped for private-use placeholder
characters (which OpenCC passes through untouched) before the engine runs and
for their target forms after; the placeholders are chosen among code points
the run does not contain, so a private-use character in a source can never be
mistaken for one. Each distinct run is converted once per converter.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Iterable, Sequence

from . import engine
from .errors import Code as Codes, Diagnostic
from .model import (Code, Emphasis, Figure, GlossaryEntry, Interview, Link, LineBreak, NoteRef, Person, Protected,
                    Script, Stage, Text, Variant)
from .names import NameForm, name_forms, names_in, registry_version

# (source script, conversion) → OpenCC profile converting to the other script
PROFILES: dict[tuple[str, str], str] = {
    ("hant", "tw"): "tw2s", ("hant", "hk"): "hk2s", ("hant", "twp"): "tw2sp",
    ("hans", "tw"): "s2tw", ("hans", "hk"): "s2hk", ("hans", "twp"): "s2twp",
}
SCRIPT_TAGS = {"hant": "zh-Hant", "hans": "zh-Hans"}
_PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A: OpenCC passes it through
_PLACEHOLDER_END = 0x10FFFD
_QUOTES = {"hant": dict(zip("“”‘’", "「」『』")), "hans": dict(zip("「」『』", "“”‘’"))}
_LATIN = re.compile(r"[A-Za-z0-9]")

# a run is a sequence of pieces (kind, source text): "text" converts, "keep" is shown as written,
# "variant" shows its target form; the source text of all three is the engine's context.
# "opaque" (inline code) is one placeholder character in the stream and is never converted.
Piece = tuple[str, str]


def converter_version() -> str:
    """The engine and name data that shape converted text, e.g. ``opencc 1.4.2; faker 40.63.0``, for cache keys."""
    return f"{engine.engine_version()}; {registry_version()}"


class Converter:
    """Converts runs of text from one script to the other with one profile, glossary and name list."""

    def __init__(self, source: Script, target: Script, conversion: str,
                 glossary: Iterable[GlossaryEntry] = (), names: Iterable[NameForm] = (),
                 quotes: bool = True):
        self.source, self.target = source, target
        self.profile = None if source == target else PROFILES[(source, conversion)]
        self.quotes = _QUOTES[target] if quotes else {}
        pairs: dict[str, str] = {n.source: n.target for n in names}
        # later entries (the interview's own) override earlier ones (the archive's) and any name
        for entry in glossary:
            src = entry.hant if source == "hant" else entry.hans
            pairs[src] = entry.hant if target == "hant" else entry.hans
        self.forms = pairs
        terms = sorted((t for t in pairs if t), key=len, reverse=True)
        self.term_re = re.compile("|".join(map(re.escape, terms))) if terms else None
        self.cache: dict[tuple[Piece, ...], list[str]] = {}

    def __call__(self, text: str) -> str:
        """One plain string (no override syntax)."""
        return self.run((("text", text),))[0] if text else text

    def run(self, pieces: Sequence[Piece]) -> list[str]:
        """The target text of each piece of one run (``keep`` pieces come back as written)."""
        key = tuple(pieces)
        hit = self.cache.get(key)
        if hit is None:
            hit = self.cache[key] = self._run(key)
        return hit

    def _run(self, pieces: tuple[Piece, ...]) -> list[str]:
        out = self._convert(pieces)
        if out is None:  # the run changed length: no safe cut, so convert each piece on its own
            out = [self._convert((piece,))[0] if piece[0] == "text" else piece[1]  # type: ignore[index]
                   for piece in pieces]
        return self._quote(pieces, out) if self.quotes else out

    def _convert(self, pieces: tuple[Piece, ...]) -> list[str] | None:
        """Each piece converted in the context of the whole run; None when a longer run changed length."""
        stream_parts, swapped = self._swap_terms(pieces)
        stream = "".join(stream_parts)
        converted = engine.convert(self.profile, stream) if self.profile else stream
        if len(converted) != len(stream) and len(pieces) > 1:
            return None
        out, at = [], 0
        for (kind, source), part in zip(pieces, stream_parts):
            piece = converted if len(pieces) == 1 else converted[at:at + len(part)]
            at += len(part)
            if kind == "text":
                out.append("".join(swapped.get(ch, ch) for ch in piece) if swapped else piece)
            else:
                out.append(source)
        return out

    def _swap_terms(self, pieces: tuple[Piece, ...]) -> tuple[list[str], dict[str, str]]:
        """Each piece's engine input, glossary terms and names replaced by unused private-use characters."""
        if self.term_re is None:
            return [("\ufffc" if kind == "opaque" else text) for kind, text in pieces], {}
        used = {ch for _, text in pieces for ch in text if ord(ch) >= _PLACEHOLDER_BASE}
        free = (chr(cp) for cp in range(_PLACEHOLDER_BASE, _PLACEHOLDER_END) if chr(cp) not in used)
        by_term: dict[str, str] = {}
        swapped: dict[str, str] = {}

        def placeholder(match: re.Match) -> str:
            term = match.group(0)
            if term not in by_term:
                by_term[term] = mark = next(free)
                swapped[mark] = self.forms[term]
            return by_term[term]

        parts = []
        for kind, text in pieces:
            if kind == "text":
                parts.append(self.term_re.sub(placeholder, text))
            else:
                parts.append("\ufffc" if kind == "opaque" else text)
        return parts, swapped

    def _quote(self, pieces: tuple[Piece, ...], texts: list[str]) -> list[str]:
        """Quotation marks in the target script's convention; an apostrophe (don’t) and protected text stay."""
        joined = "".join(texts)
        out, at = [], 0
        for (kind, _), text in zip(pieces, texts):
            if kind == "text" and any(ch in self.quotes for ch in text):
                text = "".join(self.quotes[ch] if ch in self.quotes and not _apostrophe(joined, at + i) else ch
                               for i, ch in enumerate(text))
            out.append(text)
            at += len(text)
        return out


def _apostrophe(text: str, i: int) -> bool:
    """’ between two Latin letters or digits (don’t, rock’n’roll) is an apostrophe, not a quote."""
    return text[i] == "’" and 0 < i < len(text) - 1 and bool(_LATIN.match(text[i - 1])) and bool(_LATIN.match(text[i + 1]))


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


def to_script(interview: Interview, target: Script,
              archive_glossary: Iterable[GlossaryEntry] = (), quotes: bool = True) -> Interview:
    """The same interview with every text in ``target`` script; ids and structure unchanged.

    ``quotes`` false keeps quotation marks as written (``quotes: keep`` in archive.yml).
    """
    source = interview.source_script
    profile = None if source == target else PROFILES[(source, interview.conversion)]
    names = name_forms((name for _, name in people(interview)), source, target, profile)
    convert = Converter(source, target, interview.conversion,
                        tuple(archive_glossary) + interview.glossary, names, quotes)
    converted = _map(interview, convert, target)
    return dataclasses.replace(converted, script=target)


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
_INLINE = (Text, Protected, Variant, Stage, Emphasis, Code, Link, NoteRef, LineBreak)


def _pieces(inlines: Iterable[Any], source: str, out: list[Piece]) -> None:
    for item in inlines:
        if isinstance(item, Text):
            out.append(("text", item.text))
        elif isinstance(item, Protected):
            out.append(("keep", item.text))
        elif isinstance(item, Variant):
            out.append(("variant", item.hant if source == "hant" else item.hans))
        elif isinstance(item, Code):
            out.append(("opaque", item.text))
        elif isinstance(item, LineBreak):
            out.append(("keep", "\n"))
        elif isinstance(item, (Stage, Emphasis, Link)):
            _pieces(item.children, source, out)


def _rebuild(inlines: tuple, texts: Iterable[str], target: str) -> tuple:
    result = []
    for item in inlines:
        if isinstance(item, Text):
            result.append(Text(next(texts)))  # type: ignore[call-overload]
        elif isinstance(item, Variant):
            next(texts)  # type: ignore[call-overload]
            result.append(Text(item.hant if target == "hant" else item.hans))
        elif isinstance(item, (Protected, Code, LineBreak)):
            next(texts)  # type: ignore[call-overload]
            result.append(item)
        elif isinstance(item, (Stage, Emphasis, Link)):
            result.append(dataclasses.replace(item, children=_rebuild(item.children, texts, target)))
        else:
            result.append(item)
    return tuple(result)


def _run(inlines: tuple, convert: Converter, target: str) -> tuple:
    """A run of inline content converted as one string."""
    pieces: list[Piece] = []
    _pieces(inlines, convert.source, pieces)
    if not pieces:
        return inlines
    return _rebuild(inlines, iter(convert.run(pieces)), target)


def _label(person: Person, converted_name: tuple, convert: Converter, target: str) -> str:
    """A speaker label is usually a surname (范, 于): take it from the converted name, where the
    name rules, the glossary and overrides decide it, rather than from OpenCC, which reads 于 as a preposition."""
    from .markdown import plain_text

    source_name = plain_text(person.name, convert.source)
    if person.label and source_name.startswith(person.label):
        return plain_text(converted_name, target)[:len(person.label)]
    return convert(person.label)


def _map(node: Any, convert: Converter, target: str) -> Any:
    if isinstance(node, tuple):
        if node and all(isinstance(item, _INLINE) for item in node):
            return _run(node, convert, target)
        return tuple(_map(item, convert, target) for item in node)
    if isinstance(node, Person):
        name = _map(node.name, convert, target)
        return dataclasses.replace(node, name=name, role=_map(node.role, convert, target),
                                   label=_label(node, name, convert, target))
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        changes = {}
        for f in dataclasses.fields(node):
            if f.name in _SKIP_FIELDS:
                continue
            value = getattr(node, f.name)
            if isinstance(value, tuple) or dataclasses.is_dataclass(value):
                changes[f.name] = _map(value, convert, target)
            elif f.name == "alt" and isinstance(value, str):
                changes[f.name] = convert(value)
        if isinstance(node, Figure) and node.alt_content:
            # the alt text as written, overrides kept: its plain form follows the converted inlines
            from .markdown import plain_text

            changes["alt"] = plain_text(changes["alt_content"], target)
        return dataclasses.replace(node, **changes) if changes else node
    return node
