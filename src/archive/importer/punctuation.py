"""Half-width punctuation between Chinese characters → full-width (the importer's one rewrite of text).

Owns the rule: an ASCII ``, : ; ? !`` whose neighbours are Chinese (a CJK
character or Chinese punctuation before it; after it, one of those or the end
of the line, spaces and ``*`` markers skipped) becomes ``，：；？！``; a pair
``( )`` becomes ``（ ）`` when Chinese stands before it (or the line starts
with it) and after it (or the line ends, or it encloses Chinese). Latin text,
numbers (``12:30``, ``3,000``), URLs and ```code``` are never touched. The
change is one character for one, so positions and line numbers do not move.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}
CJK_PUNCT = "，。、；：？！「」『』《》〈〉（）【】…—～·“”‘’"
PROTECTED = re.compile(r"`[^`\n]*`|(?:https?|ftp)://\S+|www\.\S+|[\w.+-]+@[\w-]+\.[\w.]+")
SINGLE = re.compile(r"[,:;?!]")
PAIR = re.compile(r"\([^()\n]{0,80}\)")
SKIPPED = " \t*＊"


def is_cjk(char: str) -> bool:
    """A CJK ideograph (basic, extension A, compatibility, extensions B–F)."""
    code = ord(char)
    return (0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x2FFFF
            or 0x3040 <= code <= 0x30FF)


def _chinese(char: str) -> bool:
    return is_cjk(char) or char in CJK_PUNCT


def _before(text: str, at: int) -> str:
    """The character before ``at`` (spaces and markers skipped); '' at the line's start."""
    i = at - 1
    while i >= 0 and text[i] in SKIPPED:
        i -= 1
    return text[i] if i >= 0 else ""


def _after(text: str, at: int) -> str:
    """The character at or after ``at`` (spaces and markers skipped); '' at the line's end."""
    i = at
    while i < len(text) and text[i] in SKIPPED:
        i += 1
    return text[i] if i < len(text) else ""


def _convert(text: str, match: re.Match) -> bool:
    start, end = match.span()
    before, after = _before(text, start), _after(text, end)
    if len(match.group(0)) == 1:
        return before != "" and _chinese(before) and (after == "" or _chinese(after))
    inner = match.group(0)[1:-1]
    if not inner.strip():
        return False
    left = before == "" or _chinese(before)
    right = after == "" or _chinese(after) or any(is_cjk(c) for c in inner)
    return left and right


def normalise_line(text: str) -> tuple[str, int]:
    """The line with its half-width punctuation between Chinese made full-width, and how many changed."""
    if not any(c in text for c in FULL):
        return text, 0
    protected = [m.span() for m in PROTECTED.finditer(text)]
    count = 0
    for pattern in (PAIR, SINGLE):  # pairs first: a mark inside （…） then sees Chinese neighbours
        chars = list(text)
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(a < end and start < b for a, b in protected) or not _convert(text, match):
                continue
            for at in (start, end - 1) if end - start > 1 else (start,):
                chars[at] = FULL[chars[at]]
                count += 1
        text = "".join(chars)
    return text, count


@dataclass(frozen=True)
class Normalised:
    """The lines after normalising, how many marks changed, and the first changed line (number, before, after)."""

    lines: list[str]
    count: int
    example: tuple[int, str, str] | None


def normalise(lines: list[str]) -> Normalised:
    """Normalise every line (1-based numbers in ``example``)."""
    out: list[str] = []
    count = 0
    example = None
    for number, line in enumerate(lines, 1):
        new, changed = normalise_line(line)
        if changed and example is None:
            example = (number, line.strip(), new.strip())
        count += changed
        out.append(new)
    return Normalised(out, count, example)
