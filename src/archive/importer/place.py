"""Placing notes: every translator's note gets a place in the text, and the report says how sure it is.

Owns the order of the matcher's rules (each step only sees what the steps
before it left unmatched):

1. **sure**: a note and a marker of its section before it whose terms agree
   (score ≥ SURE), best pairs first — ``marker+term``;
2. **position**: within a section, an unmatched marker and an unmatched note
   after it pair up, first marker first (a weak shared word may prefer a
   later one) — ``marker`` when that marker was the only one waiting or the
   word confirms it, else ``order``; then markers after a note of their
   section, so no marker is dropped while a note of its section lacks one;
3. **earlier section**: a note whose marker stands in an earlier section
   (the lead's marker for a note at the very end) when the term is sure —
   ``marker+term``;
4. **term only**: the note's term, else the longest run it shares with the
   text, at its first place in the paragraphs before it — ``term``;
5. **none**: the end of the paragraph before the note — ``none``.

Markers left over share a note of the same term, or lose their ``*``. Every
guess is a warning naming the input line. Candidates are windows of bounded
size, so the whole placement is linear in the input.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass

from ..errors import Diagnostic
from .findings import Imp, ImportFailed, finding
from .labels import make_labels
from .read import TEXT_KINDS, Article
from .terms import (CROSS_SECTION, EXACT_TERM, LOOKBACK, SURE, WINDOW, find_markers, find_term,
                    mentioned, note_term, score, snippet)

MATCHED = ("marker+term", "marker", "term", "order", "none")
"""How a note was placed, surest first; the report lists the uncertain ones first."""


@dataclass(frozen=True)
class Placement:
    """Where each note is referenced, its label, and how it was placed."""

    refs: dict[tuple[int, int], tuple[str, ...]]
    """(piece index, position) → labels of the notes referenced there."""
    labels: tuple[str, ...]
    """One per note of Article.notes."""
    how: tuple[tuple[str, int], ...]
    """Per note: (one of MATCHED, line of the paragraph it is attached to)."""
    warnings: tuple[Diagnostic, ...]


class _Matcher:
    """The state of one placement: what is paired so far, and the warnings."""

    def __init__(self, article: Article, path: str):
        self.pieces, self.notes, self.path = article.pieces, article.notes, path
        self.markers = find_markers(self.pieces)
        self.terms = [note_term(n.text) for n in self.notes]
        self.at: dict[int, tuple[int, int]] = {}  # note → (piece, position)
        self.how: dict[int, str] = {}
        self.used: dict[int, int] = {}  # marker → note
        self.found: dict[int, str] = {}  # note placed by term → the term or shared run
        self.warn: list[Diagnostic] = []
        self.by_scope: dict[int, list[int]] = defaultdict(list)  # scope → marker indices in order
        for m, marker in enumerate(self.markers):
            self.by_scope[marker.scope].append(m)
        self.scope_lines = {scope: [self.markers[m].line for m in own] for scope, own in self.by_scope.items()}

    def pair(self, n: int, m: int, how: str) -> None:
        self.at[n], self.how[n], self.used[m] = (self.markers[m].piece, self.markers[m].pos), how, n

    def same_term_note(self, m: int) -> int | None:
        """A note placed at a nearby marker of the section whose term this marker repeats (霧笛* … 霧笛*)."""
        marker = self.markers[m]
        own = self.by_scope[marker.scope]
        k = bisect_left(self.scope_lines[marker.scope], marker.line)
        for other in own[max(0, k - WINDOW):k + WINDOW]:
            n = self.used.get(other)
            if n is not None and other != m and score(marker, self.terms[n]) >= EXACT_TERM:
                return n
        return None

    def sure(self) -> None:
        """Step 1: best-scoring pairs first, each note against a window of its section's markers."""
        rank: dict[int, int] = defaultdict(int)  # scope → notes seen
        pairs = []
        for n, note in enumerate(self.notes):
            own = self.by_scope.get(note.scope, [])
            hi = bisect_left(self.scope_lines.get(note.scope, []), note.line)
            j = rank[note.scope]
            rank[note.scope] += 1
            window = set(range(max(0, j - WINDOW), min(hi, j + WINDOW))) | set(range(max(0, hi - WINDOW), hi))
            for k in window:
                if (s := score(self.markers[own[k]], self.terms[n])) >= SURE:
                    pairs.append((-s, n, own[k]))
        for _, n, m in sorted(pairs):
            if n not in self.at and m not in self.used:
                self.pair(n, m, "marker+term")

    def position(self) -> None:
        """Step 2: per section, an unmatched note takes a waiting marker before it; then markers after it.

        A marker that repeats the term of a note already placed is not waiting: it shares that note."""
        events = sorted([(self.markers[m].line, 0, m) for m in range(len(self.markers))
                         if m not in self.used and self.same_term_note(m) is None]
                        + [(note.line, 1, n) for n, note in enumerate(self.notes) if n not in self.at])
        waiting: dict[int, list[int]] = defaultdict(list)
        lonely: dict[int, list[int]] = defaultdict(list)
        contested: set[int] = set()  # scopes whose waiting markers were shared out by order
        for _, kind, i in events:
            scope = self.markers[i].scope if kind == 0 else self.notes[i].scope
            queue = waiting[scope]
            if kind == 0:
                queue.append(i)
                continue
            if not queue:
                lonely[scope].append(i)
                continue
            choice = max(range(min(len(queue), WINDOW)),
                         key=lambda k: (bool(mentioned(self.markers[queue[k]], self.terms[i])), -k))
            alone = len(queue) == 1 and scope not in contested
            (contested.add if len(queue) > 1 else contested.discard)(scope)
            m = queue.pop(choice)
            self._paired_by_position(i, m, mentioned(self.markers[m], self.terms[i]), alone)
        for scope, notes in lonely.items():
            for n, m in zip(notes, waiting[scope]):
                self._paired_by_position(n, m, "", alone=False)

    def _paired_by_position(self, n: int, m: int, word: str, alone: bool) -> None:
        marker = self.markers[m]
        self.pair(n, m, "marker" if word or alone else "order")
        where = f"the marker after '{snippet(marker)}' on line {marker.line}"
        if word:
            self.warn.append(finding(Imp.IMP008, self.path, self.notes[n].line, f"matched this note to {where} "
                                     f"only by the word '{word}' it mentions; check it"))
        elif alone:
            self.warn.append(finding(Imp.IMP007, self.path, self.notes[n].line, f"matched this note to {where}, "
                                     "the only marker without a note before it (no shared term); check it"))
        else:
            self.warn.append(finding(Imp.IMP007, self.path, self.notes[n].line, f"matched this note to {where} "
                                     "by order only (no shared term); check it"))

    def earlier_section(self) -> None:
        """Step 3: a note whose marker stands in an earlier section, surely matched (nearest sections first)."""
        free = [m for m in range(len(self.markers)) if m not in self.used]
        lines = [self.markers[m].line for m in free]
        for n, note in enumerate(self.notes):
            if n in self.at:
                continue
            end = bisect_left(lines, note.line)
            scored = [(score(self.markers[m], self.terms[n]), k, m) for k, m in enumerate(free[max(0, end - WINDOW):end])
                      if self.markers[m].scope < note.scope and m not in self.used]
            best = max(scored, default=None)
            if best and best[0] >= CROSS_SECTION:
                marker = self.markers[best[2]]
                self.pair(n, best[2], "marker+term")
                self.warn.append(finding(Imp.IMP009, self.path, note.line, f"this note stands in a later section "
                                         f"than its marker; attached it at the marker after '{snippet(marker)}' on "
                                         f"line {marker.line} (same term)"))

    def term_only(self) -> None:
        """Step 4: the note's term (or longest shared run) in the paragraphs of its section before it."""
        texts: dict[int, list[int]] = defaultdict(list)  # scope → text pieces in order
        for i, piece in enumerate(self.pieces):
            if piece.kind in TEXT_KINDS:
                texts[piece.scope].append(i)
        starts = {scope: [self.pieces[i].line for i in own] for scope, own in texts.items()}
        for n, note in enumerate(self.notes):
            if n in self.at:
                continue
            own = texts.get(note.scope, [])
            end = bisect_left(starts.get(note.scope, []), note.line)
            found = find_term(self.pieces, own[max(0, end - LOOKBACK):end], self.terms[n])
            if found:
                index, pos, term, run = found
                self.at[n], self.how[n], self.found[n] = (index, pos), "term", term
                line = self.pieces[index].line
                self.warn.append(finding(Imp.IMP005, self.path, note.line, (
                    f"this note had no marker and does not open with its term; attached it after '{term}', the "
                    f"longest run it shares with the text, on line {line}; check it") if run else (
                    f"this note had no marker; attached it after its term '{term}' on line {line}")))

    def none(self) -> None:
        """Step 5: the end of the last paragraph before the note (its section's first), else the next one."""
        texts = [i for i, p in enumerate(self.pieces) if p.kind in TEXT_KINDS]
        lines = [self.pieces[i].line for i in texts]
        for n, note in enumerate(self.notes):
            if n in self.at:
                continue
            if not texts:
                raise ImportFailed(f"line {note.line}: a note, but no text to attach it to")
            end = bisect_left(lines, note.line)
            index = texts[end - 1] if end else texts[0]
            self.at[n], self.how[n] = (index, len(self.pieces[index].text)), "none"
            self.warn.append(finding(Imp.IMP006, self.path, note.line, "this note has no marker and its term is not "
                                     f"in the text before it; attached it at the end of the paragraph on line "
                                     f"{self.pieces[index].line}"))

    def leftover_markers(self, labels: tuple[str, ...], refs: dict) -> None:
        """A marker left over shares the note of the same term placed at a nearby marker, else loses its '*'.

        Runs after the labels are made, so the '*' that shares a note does not change them."""
        for m, marker in enumerate(self.markers):
            if m in self.used:
                continue
            same = self.same_term_note(m)
            key = (marker.piece, marker.pos)
            if same is not None:
                refs[key] = refs.get(key, ()) + (labels[same],)
                self.warn.append(finding(Imp.IMP011, self.path, marker.line, f"the marker after '{snippet(marker)}' "
                                         f"has no note of its own; it refers to the note on line "
                                         f"{self.notes[same].line} (same term)"))
            else:
                self.warn.append(finding(Imp.IMP010, self.path, marker.line, f"the marker after '{snippet(marker)}' "
                                         "has no note; dropped the '*'"))


def place_notes(article: Article, path: str) -> Placement:
    """Attach every note (the steps in the module's docstring, in that order)."""
    matcher = _Matcher(article, path)
    for step in (matcher.sure, matcher.position, matcher.earlier_section, matcher.term_only, matcher.none):
        step()
    notes, at = article.notes, matcher.at
    order = sorted(range(len(notes)), key=lambda n: (at[n], n))
    labels = make_labels(notes, order, {n: matcher.markers[m] for m, n in matcher.used.items()}, matcher.found)
    refs: dict[tuple[int, int], tuple[str, ...]] = {}
    for n in order:
        refs[at[n]] = refs.get(at[n], ()) + (labels[n],)
    matcher.leftover_markers(labels, refs)
    placed = tuple((matcher.how[n], article.pieces[at[n][0]].line) for n in range(len(notes)))
    return Placement(refs, labels, placed, tuple(matcher.warn))
