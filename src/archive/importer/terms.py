"""Terms: what a marker stands after, what a note explains, and how surely the two agree.

Owns :class:`Marker` (a ``*`` right after a term, with the clause before it
and an original-language name in parentheses), :func:`note_term` (the term a
note opens with), :func:`score` with the named score bands that are the
matcher's policy, :func:`shared_run` (the longest run a note shares with the
text, for notes whose term is in their middle) and :func:`find_term` (where a
marker-less note's term stands). Every function looks at a bounded window,
so matching stays linear in the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .read import TEXT_KINDS, Piece

MARKER_RE = re.compile(r"(?<![*＊])[*＊](?![*＊])")
CLAUSE_BREAK = re.compile(r"[，,。！!？?；;：:、「」『』《》“”\"]")
TERM_END = re.compile(r"[是指即為为係，,。：:；;、(（」』》”]")
TAIL_PARENS = re.compile(r"[(（]([^()（）]{1,60})[)）]\s*\Z")
HAS_LATIN = re.compile(r"[A-Za-z]")
EVIDENCE_CAP = 99
"""Within a band, a longer piece of evidence scores higher, up to this many characters."""

# --- the policy: how surely a note explains the term before a marker ---------------------
ORIGINAL_NAME = 1000
"""The original-language name in parentheses before the marker, 陳守燈(Chen Shou-deng)*, is in the note."""
EXACT_TERM = 800
"""The clause before the marker ends with the term the note opens with (霧笛* / *霧笛是…)."""
OPENS_WITH_TERM = 700
"""The note opens with the clause's last characters, whatever follows them."""
LONGER_FORM = 600
"""The note's term is a longer form ending with the clause's last characters (莫羅* / *伊萊亞斯·莫羅是…)."""
TERM_IN_CLAUSE = 500
"""The note's term stands earlier in the marker's clause (…Aurora會很快證明這是可行的* / *Aurora 是…):
the translator put the marker at the end of the sentence; it stays there."""
SURE = TERM_IN_CLAUSE
"""At or above: the term confirms the pairing (reported "marker+term", no warning)."""
MENTIONED = 200
"""A word of two or more characters of the clause is somewhere in the note: too weak to pair by
itself, it only prefers one marker over another when notes are paired by position (a warning)."""
CROSS_SECTION = EXACT_TERM
"""A note standing in a later section than its marker pairs with it only this surely."""

WINDOW = 16
"""How many markers on each side of a note's expected one it is scored against (linear time)."""
LOOKBACK = 200
"""How many paragraphs before a marker-less note its term is looked for in."""
RUN_MIN = 3
"""A shared run must be this long (and hold a Latin letter or digit, or be RUN_MIN_CJK Chinese characters)."""
RUN_MIN_CJK = 4
RUN_MAX = 40
RUN_EDGES = " ，,。、；;：:「」『』"
RUN_NOTE_CHARS = 300
"""Only a note's first characters are searched for a shared run (a term stands early)."""
RUN_TEXT_CHARS = 10_000
"""Only this much text before a note (its nearest paragraphs) is searched for a shared run."""


@dataclass(frozen=True)
class Marker:
    """A '*' right after a term in a paragraph."""

    piece: int
    """Index in Article.pieces."""
    pos: int
    """Index of the '*' in the piece's text."""
    line: int
    scope: int
    base: str
    """The clause before the marker, without a trailing (original name) or quote."""
    latin: str
    """The original-language name in parentheses right before the marker, if any."""


@dataclass(frozen=True)
class Term:
    """What a note explains: the term it opens with and an original-language name after it."""

    text: str
    term: str
    latin: str


def find_markers(pieces: tuple[Piece, ...]) -> list[Marker]:
    """Every marker with the term before it: the clause up to the '*', an original name in parentheses apart."""
    out = []
    for index, piece in enumerate(pieces):
        if piece.kind not in TEXT_KINDS:
            continue
        for match in MARKER_RE.finditer(piece.text):
            start = max(0, match.start() - 200)  # a clause is short: never look further back
            before = MARKER_RE.sub("", piece.text[start:match.start()]).rstrip().rstrip("」』》”\"'’")
            latin = ""
            if (tail := TAIL_PARENS.search(before)) and HAS_LATIN.search(tail.group(1)):
                latin, before = tail.group(1).strip(), before[:tail.start()].rstrip()
            base = CLAUSE_BREAK.split(before)[-1].strip()
            out.append(Marker(index, match.start(), piece.line, piece.scope, base, latin))
    return out


def note_term(text: str) -> Term:
    """The term a note opens with, and an original-language name in parentheses right after it."""
    body = text.lstrip("「『《“\"'")
    cut = TERM_END.search(body, 0, 80)
    term = body[:cut.start()] if cut else body[:12]
    latin = ""
    if cut and cut.group(0) in "(（" and (tail := re.match(r"[(（]([^()（）]{1,60})[)）]", body[cut.start():])):
        latin = tail.group(1).strip() if HAS_LATIN.search(tail.group(1)) else ""
    return Term(text, term.strip(), latin)


def fold(text: str) -> str:
    return re.sub(r"[\s\-‐·・.]+", " ", text).casefold().strip()


def _band(band: int, evidence: int) -> int:
    return band + min(evidence, EVIDENCE_CAP)


def score(marker: Marker, note: Term) -> int:
    """How surely a note explains the term before a marker: ≥ SURE sure, MENTIONED… weak, 0 nothing.

    Each band is tried only when its first character agrees, so a pair that
    shares nothing costs a few comparisons.
    """
    term, text, base = note.term, note.text, marker.base
    if marker.latin and fold(marker.latin) in fold(text):
        return _band(ORIGINAL_NAME, len(marker.latin))
    if len(term) >= 2 and base.endswith(term):
        return _band(EXACT_TERM, len(term))
    tail = base[-20:]
    opening = text.lstrip("「『《“\"'")
    if opening and len(tail) >= 2:
        start = tail.find(opening[0])
        while 0 <= start <= len(tail) - 2:  # the longest end of the clause the note opens with
            if opening.startswith(tail[start:]):
                return _band(OPENS_WITH_TERM, len(tail) - start)
            start = tail.find(opening[0], start + 1)
    if term and len(tail) >= 2 and term[-1] == tail[-1]:
        for k in range(len(tail), 1, -1):
            if term.endswith(tail[-k:]):
                return _band(LONGER_FORM, k)
    for needle in (term, note.latin):
        if len(needle) >= 2 and needle in base:
            return _band(TERM_IN_CLAUSE, len(needle))
    return _band(MENTIONED, len(word)) if (word := mentioned(marker, note)) else 0


def mentioned(marker: Marker, note: Term) -> str:
    """The longest end of the marker's clause (two characters or more) that the note mentions."""
    tail = marker.base[-20:]
    if len(tail) < 2 or tail[-2:] not in note.text:
        return ""
    return next((tail[-k:] for k in range(len(tail), 1, -1) if tail[-k:] in note.text), "")


def snippet(marker: Marker) -> str:
    """The end of the clause a marker follows, for messages."""
    return (marker.latin and f"{marker.base}({marker.latin})" or marker.base)[-12:] or "…"


def _term_like(run: str) -> bool:
    if len(run) < RUN_MIN:
        return False
    if re.search(r"[A-Za-z]{2}|\d", run):
        return True
    return sum(1 for c in run if "\u3400" <= c <= "\u9fff") >= RUN_MIN_CJK


def shared_run(note: str, text: str) -> str:
    """The longest run (up to RUN_MAX) of ``note`` that also stands in ``text`` and looks like a term.

    A binary search finds the longest shared length (a shared run of length k
    holds one of every shorter length, so each step asks ``in`` for the
    note's k-grams only); then lengths go down from there until a shared run
    looks like a term (a name, a Latin word, a number with its unit).
    """
    note = MARKER_RE.sub("", note[:RUN_NOTE_CHARS])

    def shared(k: int) -> list[str]:
        return [g for i in range(len(note) - k + 1) if (g := note[i:i + k]) in text]

    low, high, longest = RUN_MIN, min(RUN_MAX, len(note)), 0
    while low <= high:
        k = (low + high) // 2
        if shared(k):
            longest, low = k, k + 1
        else:
            high = k - 1
    for k in range(longest, RUN_MIN - 1, -1):
        if run := next((g for g in shared(k) if _term_like(g.strip(RUN_EDGES))), ""):
            return run.strip(RUN_EDGES)
    return ""


def _after_term(text: str, at: int, needle: str, latin_follows: bool) -> int:
    """Where a reference goes after ``needle`` found at ``at``: past a closing bracket or (Latin name)."""
    end = at + len(needle)
    if latin_follows and (paren := re.match(r"\s*[(（][^()（）]{1,60}[)）]", text[end:end + 70])) \
            and HAS_LATIN.search(paren.group(0)):
        return end + paren.end()
    if needle.count("(") + needle.count("（") > needle.count(")") + needle.count("）") \
            and text[end:end + 1] in (")", "）"):
        return end + 1
    return end


def find_term(pieces: tuple[Piece, ...], window: list[int], note: Term) -> tuple[int, int, str, bool] | None:
    """Where a note's term (else its longest shared run) first stands in ``window`` (piece indices, in order):
    (piece, position after it, the term, whether it is a shared run).

    Captions are searched last: a name in a photo caption is a poor place for a note.
    """
    ordered = [i for i in window if pieces[i].kind != "caption"] + [i for i in window if pieces[i].kind == "caption"]
    for needle in (note.term, note.latin):
        if len(needle) < 2:
            continue
        for index in ordered:
            at = pieces[index].text.find(needle)
            if at >= 0:
                return index, _after_term(pieces[index].text, at, needle, needle == note.term), needle, False
    joined = "\n".join(pieces[i].text for i in window)[-RUN_TEXT_CHARS:]
    run = shared_run(note.text, joined)
    if run:
        for index in ordered:
            at = pieces[index].text.find(run)
            if at >= 0:
                return index, _after_term(pieces[index].text, at, run, False), run, True
    return None
