"""What the importer tells the editor: its warning codes and how a finding is made.

Owns the ``IMP`` codes, one per kind of importer warning (the README's
import section documents each), and :func:`finding`, which turns one into
the project's :class:`~archive.errors.Diagnostic` so importer findings print,
sort and serialise like every other diagnostic
(``article.txt:12:1: warning[IMP005]: …``). Also :class:`ImportFailed`, for
input that cannot be imported at all. Imports nothing of the importer.
"""

from __future__ import annotations

import enum

from ..errors import Diagnostic, Severity


class ImportFailed(Exception):
    """The input cannot be imported at all (the message says why)."""


class Imp(enum.Enum):
    """Importer warning codes; the value is the short title the README lists."""

    IMP001 = "section numbers out of order (renumbered)"
    IMP002 = "section without a headline"
    IMP003 = "question without an answer (kept as text)"
    IMP004 = "a second source line"
    IMP005 = "note placed by its term only (its marker was lost)"
    IMP006 = "note with neither marker nor term (attached at a paragraph's end)"
    IMP007 = "note paired with a marker by position or order only"
    IMP008 = "note paired with a marker by a weak shared word"
    IMP009 = "note paired with a marker of an earlier section"
    IMP010 = "marker without a note (the '*' dropped)"
    IMP011 = "marker sharing another marker's note (same term)"
    IMP012 = "publication date missing (placeholder written)"
    IMP013 = "date completed by inference (a year, or a source date's year)"
    IMP014 = "source outlet missing"
    IMP015 = "interviewee missing (placeholder written)"
    IMP016 = "half-width punctuation between Chinese characters made full-width"


def finding(code: Imp, path: str, line: int, message: str) -> Diagnostic:
    """A warning at ``path:line`` with an importer code."""
    return Diagnostic(path, max(line, 1), 1, code.name, Severity.WARNING, message)
