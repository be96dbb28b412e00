"""Traditional ⇄ Simplified conversion of a whole interview, with the editor's overrides.

Owns which OpenCC profile an interview uses, the glossary (archive-wide plus
per interview, applied in both directions), and the tree walk that converts
every :class:`~archive.model.Text` leaf while leaving ids, labels, links and
:class:`~archive.model.Protected` text alone and resolving each
:class:`~archive.model.Variant` to its script's form.

opencc-python-reimplemented has no custom-dictionary API, so glossary terms
are swapped for private-use placeholder characters (which OpenCC passes
through untouched, and which keep the text one string so OpenCC's phrase
matching still sees the words around them), converted, and swapped back for
the target form. Each distinct (profile, glossary, text) is converted once.
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache
from typing import Any, Iterable

from opencc import OpenCC

from .model import GlossaryEntry, Interview, Person, Script, Text, Variant

# (source script, conversion) → OpenCC profile converting to the other script
PROFILES: dict[tuple[str, str], str] = {
    ("hant", "tw"): "tw2s", ("hant", "hk"): "hk2s", ("hant", "twp"): "tw2sp",
    ("hans", "tw"): "s2tw", ("hans", "hk"): "s2hk", ("hans", "twp"): "s2twp",
}
_PLACEHOLDER_BASE = 0xF0000  # Supplementary Private Use Area-A: never in real text, never converted
SCRIPT_TAGS = {"hant": "zh-Hant", "hans": "zh-Hans"}


@lru_cache(maxsize=None)
def _opencc(profile: str) -> OpenCC:
    return OpenCC(profile)


def converter_version() -> str:
    """Identifies the conversion code and data, for cache keys."""
    import opencc

    return f"opencc-python-reimplemented {getattr(opencc, '__version__', '0.1.7')}"


class Converter:
    """Converts text from one script to the other with one profile and one glossary."""

    def __init__(self, source: Script, target: Script, conversion: str,
                 glossary: Iterable[GlossaryEntry] = ()):
        self.source, self.target = source, target
        self.profile = None if source == target else PROFILES[(source, conversion)]
        # later entries (the interview's own) override earlier ones (the archive's)
        pairs: dict[str, str] = {}
        for entry in glossary:
            src = entry.hant if source == "hant" else entry.hans
            pairs[src] = entry.hant if target == "hant" else entry.hans
        self.terms = sorted(pairs, key=len, reverse=True)
        self.forms = [pairs[t] for t in self.terms]
        self.term_re = re.compile("|".join(map(re.escape, self.terms))) if self.terms else None
        self.index = {t: i for i, t in enumerate(self.terms)}
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        if not text:
            return text
        hit = self.cache.get(text)
        if hit is None:
            hit = self.cache[text] = self._convert(text)
        return hit

    def _convert(self, text: str) -> str:
        if self.term_re is not None:
            text = self.term_re.sub(lambda m: chr(_PLACEHOLDER_BASE + self.index[m.group(0)]), text)
        if self.profile is not None:
            text = _opencc(self.profile).convert(text)
        if self.term_re is not None:
            text = re.sub(f"[{chr(_PLACEHOLDER_BASE)}-{chr(_PLACEHOLDER_BASE + len(self.terms) - 1)}]",
                          lambda m: self.forms[ord(m.group(0)) - _PLACEHOLDER_BASE], text)
        return text


def to_script(interview: Interview, target: Script,
              archive_glossary: Iterable[GlossaryEntry] = ()) -> Interview:
    """The same interview with every text in ``target`` script; ids and structure unchanged."""
    convert = Converter(interview.source_script, target, interview.conversion,
                        tuple(archive_glossary) + interview.glossary)
    converted = _map(interview, convert, target)
    return dataclasses.replace(converted, script=target)


def convert_text(text: str, source: Script, target: Script, conversion: str = "tw",
                 glossary: Iterable[GlossaryEntry] = ()) -> str:
    """Convert one plain string (no override syntax); for tests and tools."""
    return Converter(source, target, conversion, glossary)(text)


def _label(person: Person, converted_name: tuple, convert: Converter, target: str) -> str:
    """A speaker label is usually a surname (范, 于): take it from the converted name, where the
    glossary and overrides protect it, rather than from OpenCC, which reads 于 as a preposition."""
    from .markdown import plain_text

    source_name = plain_text(person.name, convert.source)
    if person.label and source_name.startswith(person.label):
        return plain_text(converted_name, target)[:len(person.label)]
    return convert(person.label)


_SKIP_FIELDS = {"glossary", "span", "id", "slug", "script", "source_script", "conversion", "folder",
                "image", "href", "interview", "fragment", "label", "url", "key", "speaker"}


def _map(node: Any, convert: Converter, target: str) -> Any:
    if isinstance(node, Text):
        return Text(convert(node.text))
    if isinstance(node, Variant):
        return Text(node.hant if target == "hant" else node.hans)
    if isinstance(node, tuple):
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
        return dataclasses.replace(node, **changes) if changes else node
    return node
