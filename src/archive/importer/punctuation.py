"""Half-width punctuation between Chinese characters → full-width (the importer's one rewrite of text).

Owns applying the rule to an article, line by line, and what the report says
of it. The rule itself lives in :mod:`archive.textcheck`, because the source
check (PUN001) applies the same one: an ASCII ``, : ; ? !`` whose neighbours are Chinese (a CJK
character or Chinese punctuation before it; after it, one of those or the end
of the line, spaces and ``*`` markers skipped) becomes ``，：；？！``; a pair
``( )`` becomes ``（ ）`` when Chinese stands before it (or the line starts
with it) and after it (or the line ends, or it encloses Chinese). Latin text,
numbers (``12:30``, ``3,000``) and URLs are never touched. A backtick in
plain text is a character like any other (the importer escapes it), not
code. The change is one character for one, so positions and line numbers do
not move.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..textcheck import FULL, normalise_line

__all__ = ["FULL", "Normalised", "normalise", "normalise_line"]


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
