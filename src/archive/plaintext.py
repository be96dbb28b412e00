"""Plain text of parsed content: what titles, summaries, alt text and search read.

Owns turning inline content into the text a reader sees (no markup, notes
left out) and the whitespace rule for it. Apart from :mod:`archive.markdown`
so that rendering pages from cached views (a template change) never imports
the Markdown parser.
"""

from __future__ import annotations

import re
from typing import Sequence

from .model import Code as InlineCode, Emphasis, Inline, LineBreak, Link, Protected, Stage, Text, Variant

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
CJK_LINE_BREAK_RE = re.compile(rf"(?<=[{_CJK}])\n|\n(?=[{_CJK}])")
"""A soft line break next to Chinese text: it vanishes on the page (Chinese has no spaces between words)."""


def reading_text(value: str) -> str:
    """Plain text as a reader sees it: soft breaks next to Chinese gone, other whitespace runs one space.

    ``str.split()`` cuts at the characters ``\\s`` matches (both ask ``str.isspace``), in C.
    """
    if "\n" in value:
        value = CJK_LINE_BREAK_RE.sub("", value)
    return " ".join(value.split())


def plain_text(inlines: Sequence[Inline], script: str = "hant") -> str:
    """The text of inline content, without markup (for titles, alt text and JSON)."""
    if type(inlines) is tuple and len(inlines) == 1 and type(inlines[0]) is Text:  # the commonest run
        return inlines[0].text
    parts: list[str] = []
    for item in inlines:
        kind = type(item)
        if kind is Text or kind is Protected or kind is InlineCode:
            parts.append(item.text)
        elif kind is Stage or kind is Emphasis or kind is Link:
            parts.append(plain_text(item.children, script))
        elif isinstance(item, (Text, Protected, InlineCode)):
            parts.append(item.text)
        elif isinstance(item, Variant):
            parts.append(item.hant if script == "hant" else item.hans)
        elif isinstance(item, (Stage, Emphasis, Link)):
            parts.append(plain_text(item.children, script))
        elif isinstance(item, LineBreak):
            parts.append("\n")
    return "".join(parts)
