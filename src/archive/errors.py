"""Diagnostics: what went wrong, where, and what to do about it.

Every stage reports problems as :class:`Diagnostic` values instead of
raising, so a build can collect all of them, print them sorted and fail once.
The only exception type is :class:`BuildError`, raised by the top-level
build when diagnostics of error severity exist (it carries them), and by the
output stage when a directory is refused::

    Exception
     └── ArchiveError            anything archive reports to a user
          └── BuildError         carries the list of diagnostics
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable


class Severity(enum.IntEnum):
    NOTICE = 0
    WARNING = 1
    ERROR = 2

    def __str__(self) -> str:
        return self.name.lower()


class Code(enum.Enum):
    """Diagnostic codes; the README documents each with an example and the fix."""

    # value: (default severity, short title)
    FM001 = (Severity.ERROR, "front matter missing or not closed")
    FM002 = (Severity.ERROR, "front matter is not valid YAML")
    FM003 = (Severity.ERROR, "unknown key")
    FM004 = (Severity.ERROR, "required key missing")
    FM005 = (Severity.ERROR, "invalid value")
    FM006 = (Severity.ERROR, "duplicate key")
    FM007 = (Severity.WARNING, "placeholder left in the front matter")
    FN001 = (Severity.ERROR, "note referenced but never defined")
    FN002 = (Severity.ERROR, "note defined twice")
    FN003 = (Severity.WARNING, "note never referenced")
    FN004 = (Severity.ERROR, "note label not ASCII")
    FIG001 = (Severity.ERROR, "image file missing")
    FIG002 = (Severity.ERROR, "image outside the interview folder")
    QA001 = (Severity.ERROR, "question without an answer")
    QA002 = (Severity.ERROR, "unknown or missing speaker")
    SEC001 = (Severity.ERROR, "section numbering")
    SEC002 = (Severity.ERROR, "misplaced heading")
    ID001 = (Severity.ERROR, "duplicate slug")
    ID002 = (Severity.ERROR, "duplicate or invalid id")
    LNK001 = (Severity.ERROR, "unsafe or unsupported link")
    LNK002 = (Severity.ERROR, "link to a missing interview or anchor")
    OVR001 = (Severity.ERROR, "malformed conversion override")
    MD001 = (Severity.WARNING, "raw HTML is not allowed")
    MD002 = (Severity.ERROR, "unsupported Markdown construct")
    ARC001 = (Severity.ERROR, "archive settings")
    ARC002 = (Severity.NOTICE, "draft left out of the site")
    ARC003 = (Severity.WARNING, "build cache unavailable")
    PUB001 = (Severity.NOTICE, "base_url missing: absolute links left out (an error with --strict)")
    PUB002 = (Severity.ERROR, "search indexing failed")
    # built-site findings of ``archive check`` (check.py); all errors
    SITE001 = (Severity.ERROR, "a link or image points at a file that does not exist")
    SITE002 = (Severity.ERROR, "a #fragment names no id on the target page")
    SITE003 = (Severity.ERROR, "a note reference and its note do not link to each other")
    SITE004 = (Severity.ERROR, "the two scripts differ in pages or ids")
    SITE005 = (Severity.ERROR, "the script toggle does not point at the page's twin")
    SITE006 = (Severity.ERROR, "an id is used twice on one page")
    SITE007 = (Severity.ERROR, "an interview page is missing from its script's index")
    SITE008 = (Severity.ERROR, "the page's language does not match its folder")
    SITE009 = (Severity.ERROR, "the site folder cannot be read as a site")
    SITE010 = (Severity.ERROR, "a page is not a complete HTML document")
    SITE011 = (Severity.ERROR, "interview.json does not follow the documented schema")
    SITE012 = (Severity.ERROR, "interview.json does not agree with its page")
    # source stage
    SRC001 = (Severity.ERROR, "private-use character in a source")
    SRC002 = (Severity.ERROR, "not a regular file")
    FIG003 = (Severity.ERROR, "unsafe or malformed SVG")
    PUN001 = (Severity.WARNING, "half-width punctuation between Chinese characters")
    # conversion
    CNV001 = (Severity.WARNING, "a name's converted form is a guess")

    @property
    def severity(self) -> Severity:
        return self.value[0]


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One finding, printed as ``path:line:col: severity[CODE]: message``."""

    path: str
    line: int
    col: int
    code: str
    severity: Severity
    message: str

    @classmethod
    def make(cls, code: Code, path: str, line: int, message: str, col: int = 1) -> "Diagnostic":
        one_line = message.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
        return cls(path, max(line, 1), max(col, 1), code.name, code.severity, one_line)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}[{self.code}]: {self.message}"


def has_errors(diagnostics: Iterable[Diagnostic], strict: bool = False) -> bool:
    """True when any diagnostic fails the run (warnings too, with ``strict``)."""
    floor = Severity.WARNING if strict else Severity.ERROR
    return any(d.severity >= floor for d in diagnostics)


class ArchiveError(Exception):
    """A problem reported to the user with a clear message (never a traceback)."""


class BuildError(ArchiveError):
    """The build found errors; ``diagnostics`` holds all of them, sorted."""

    def __init__(self, diagnostics: Iterable[Diagnostic]):
        self.diagnostics = sorted(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))
