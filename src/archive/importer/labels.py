"""Note labels: readable ASCII from a note's Latin term or name (``chen-shou-deng``), else ``n1``, ``n2`` ….

Owns :func:`make_labels` and :func:`slugify`. Labels are unique in the file,
ASCII (identical in both scripts) and given in the order notes are first
referenced, so the same input always gets the same labels.
"""

from __future__ import annotations

import re
import unicodedata

from .read import Piece
from .terms import HAS_LATIN, Marker, note_term

SLUG_LENGTH = 32


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-', at most SLUG_LENGTH characters (accents dropped, other scripts too)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_LENGTH].rsplit("-", 1)[0] if len(slug) > SLUG_LENGTH else slug


def make_labels(notes: tuple[Piece, ...], order: list[int], markers: dict[int, Marker],
                found: dict[int, str] | None = None) -> tuple[str, ...]:
    """One label per note (in ``notes``' order), chosen in the order given; ``found``: the term or shared
    run a marker-less note was placed after, used when it has Latin letters."""
    found = found or {}
    labels: dict[int, str] = {}
    taken: set[str] = set()
    suffix: dict[str, int] = {}  # base → the next number to try (a base used many times stays linear)
    counter = 0
    for n in order:
        term = note_term(notes[n].text)
        words = (term.term if HAS_LATIN.search(term.term) else "", term.latin, markers[n].latin if n in markers else "",
                 found[n] if HAS_LATIN.search(found.get(n, "")) else "")
        base = next((s for s in map(slugify, words) if s), "")
        label, k = base, suffix.get(base, 2)
        while base and label in taken:
            label, k = f"{base}-{k}", k + 1
        suffix[base] = k
        while not label or label in taken:
            counter += 1
            label = f"n{counter}"
        labels[n] = label
        taken.add(label)
    return tuple(labels[n] for n in range(len(notes)))
