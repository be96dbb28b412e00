"""Checks on raw source text that do not depend on Markdown: reserved and half-width characters.

Owns two rules that apply to every text an editor writes (interview body,
front matter, ``archive.yml``, ``glossary.yml``): private-use code points are
refused, because the conversion stage uses them as placeholders, and ASCII
punctuation ``, : ; ? ! ( )`` between Chinese text is made full-width by
``archive import`` and pointed out (PUN001) in sources, by one rule
(:func:`normalise_line`), so an imported article never draws the warning.
Both scans are linear in the text. This module imports nothing of ours.
"""

from __future__ import annotations

import bisect
import re
from typing import Iterator, Sequence

PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
"""The Private Use Area and the supplementary private use planes 15 and 16."""


def private_use(text: str, first_line: int = 1) -> Iterator[tuple[int, int, str]]:
    """(line, column, character) of the first private-use code point on each line that has one."""
    line, line_start, last_line = first_line, 0, 0
    for match in PRIVATE_USE_RE.finditer(text):
        # count the line breaks between the previous finding and this one only
        breaks = text.count("\n", line_start, match.start())
        if breaks:
            line += breaks
            line_start = text.rfind("\n", line_start, match.start()) + 1
        if line == last_line:
            continue
        last_line = line
        yield line, match.start() - line_start + 1, match.group(0)


def private_use_message(char: str) -> str:
    return (f"U+{ord(char):04X} is a private-use character, which archive reserves for its own "
            "use while converting; delete it or replace it with the character it stands for")


# --- half-width punctuation: one rule for `archive import` (which rewrites) and PUN001 (which warns)

FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
CJK_PUNCT = "，。、；：？！「」『』《》〈〉（）【】…—～·“”‘’"
_ADDRESS_CHAR = f"[^\\s\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff{CJK_PUNCT}]"
"""A character a web address runs over: anything but a space and what :func:`_chinese` counts as Chinese."""
PROTECTED = re.compile(rf"(?:https?|ftp)://{_ADDRESS_CHAR}+|www\.{_ADDRESS_CHAR}+|[\w.+-]+@[\w-]+\.[\w.]+")
"""Addresses, left as written. A web address ends where Chinese text begins (published text
percent-encodes what an address holds of it): running on to the next space, it swallowed the text
after it, and the importer, which reads a whole line, and PUN001, which reads the parsed runs that
an override marker or a note splits it into, then disagreed (hypothesis found
``https://a.b/c,d-{問：(笑)``)."""
SINGLE = re.compile(r"[,:;?!]")
PAIR = re.compile(r"\([^()\n]{0,80}\)")
_PAIR_PASSES = 41
"""Nested pairs convert innermost first, one level a pass; 80 characters inside hold at most 40 levels."""
SKIPPED = " \t*＊"


def is_cjk(char: str) -> bool:
    """A CJK ideograph (basic, extension A, compatibility, extensions B–F)."""
    code = ord(char)
    return (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF
            or 0x3040 <= code <= 0x30FF)


def _chinese(char: str) -> bool:
    return is_cjk(char) or char in CJK_PUNCT


def _before(text: Sequence[str], at: int) -> str:
    """The character before ``at`` (spaces and markers skipped); '' at the line's start."""
    i = at - 1
    while i >= 0 and text[i] in SKIPPED:
        i -= 1
    return text[i] if i >= 0 else ""


def _after(text: Sequence[str], at: int) -> str:
    """The character at or after ``at`` (spaces and markers skipped); '' at the line's end."""
    i = at
    while i < len(text) and text[i] in SKIPPED:
        i += 1
    return text[i] if i < len(text) else ""


def _convert(text: Sequence[str], match: re.Match, at_edges: bool) -> bool:
    """Whether the mark (or pair) matched becomes full-width; ``text`` holds the marks changed so far."""
    start, end = match.span()
    before, after = _before(text, start), _after(text, end)
    edge_before = at_edges and before == ""
    edge_after = at_edges and after == ""
    if len(match.group(0)) == 1:
        return before != "" and _chinese(before) and (edge_after or (after != "" and _chinese(after)))
    inner = match.group(0)[1:-1]
    if not inner.strip():
        return False
    left = edge_before or (before != "" and _chinese(before))
    right = edge_after or (after != "" and _chinese(after)) or (before != "" and any(is_cjk(c) for c in inner))
    return left and right


def _overlaps(spans: list[tuple[int, int]], starts: list[int], start: int, end: int) -> bool:
    """Whether [start, end) meets one of the sorted, disjoint ``spans`` (a binary search, not a scan)."""
    i = bisect.bisect_left(starts, end) - 1  # the last span starting before ``end``
    return i >= 0 and spans[i][1] > start


def _protected(text: str) -> list[tuple[int, int]]:
    """The addresses in a line of text, sorted and not overlapping.

    Backticks are not code here: the rule reads text only, never Markdown.
    PUN001 sees the parsed text runs (a code span is a node of its own, never
    a run), and the importer escapes every backtick of the plain text it
    reads, so a backtick the rule meets is a character on the page. (Reading
    them as code spans made the two disagree whenever something split a line
    into runs between two backticks: hypothesis found ```記者:問：-{``` .)"""
    return [m.span() for m in PROTECTED.finditer(text)]


def normalise_line(text: str, at_edges: bool = True) -> tuple[str, int]:
    """The line with its half-width punctuation between Chinese made full-width, and how many changed.

    ``at_edges``: the line's start and end count as Chinese (true for an imported paragraph, which is a
    whole line; false for the check of a Markdown text run, which warns only between Chinese text)."""
    if not any(c in text for c in FULL):
        return text, 0
    protected = _protected(text)
    starts = [a for a, _ in protected]
    count = 0
    # pairs first (a mark inside （…） then sees Chinese neighbours), innermost first: (甲(1)乙) needs a
    # second pass once (1) is （1）; a pair holds at most 80 characters, so at most 41 passes (linear)
    for _ in range(_PAIR_PASSES):
        text, changed = _pass(PAIR, text, protected, starts, at_edges)
        count += changed
        if not changed:
            break
    text, changed = _pass(SINGLE, text, protected, starts, at_edges)
    return text, count + changed


def _pass(pattern: re.Pattern, text: str, protected: list[tuple[int, int]], starts: list[int],
          at_edges: bool) -> tuple[str, int]:
    """One pass of ``pattern`` over the line: the marks it makes full-width, and how many."""
    chars = list(text)
    changed = 0
    for match in pattern.finditer(text):
        start, end = match.span()
        if _overlaps(protected, starts, start, end) or not _convert(chars, match, at_edges):
            continue
        for at in (start, end - 1) if end - start > 1 else (start,):
            chars[at] = FULL[chars[at]]
            changed += 1
    return "".join(chars), changed


def half_width(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of each ASCII mark :func:`normalise_line` would make full-width, line by line."""
    start = 0
    for line in text.split("\n"):
        new, changed = normalise_line(line, at_edges=False)
        if changed:
            for index, (old, now) in enumerate(zip(line, new)):
                if old != now:
                    yield start + index, old
        start += len(line) + 1


def half_width_message(text: str, offset: int) -> str:
    char = text[offset]
    context = text[max(offset - 1, 0):offset + 2]
    return (f"half-width '{char}' between Chinese characters ('{context}'); "
            f"write the full-width '{FULL[char]}'")
