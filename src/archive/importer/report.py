"""The import's report: what was found, how each note was placed, and every finding.

Owns :class:`Report` and its two forms: :func:`format_text` for a person
(on standard error: counts, then the notes an editor should check first,
least certain first, then every finding as ``path:line:col: warning[IMPnnn]:
…``) and :func:`format_json` for tools (schema version 2 on standard output).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from ..errors import Diagnostic
from .place import MATCHED
from .read import Piece

SCHEMA_VERSION = 2
"""2: notes say ``matched`` (marker+term, marker, term, order, none); warnings carry a ``code``."""


@dataclass(frozen=True)
class Report:
    """What an import found and every warning."""

    input: str
    output: str
    slug: str
    script: str
    taiwan_words: tuple[str, ...]
    date: str
    date_from: str
    counts: dict[str, int]
    notes: tuple[dict, ...]
    """Per note: label, line, matched (one of MATCHED), at_line."""
    warnings: tuple[Diagnostic, ...]
    punctuation: dict = field(default_factory=dict)
    """changed (a count), kept (--keep-punctuation), example {line, before, after} or absent."""
    errors: tuple[str, ...] = ()
    """Problems of the written Markdown itself (a bug in the importer): nothing is written."""


def count_pieces(pieces: tuple[Piece, ...], credits: int, notes: int) -> dict[str, int]:
    """How many of each part the article has (one pass)."""
    kinds = Counter(p.kind for p in pieces)
    roles: Counter = Counter()
    asked = False
    for piece in pieces:
        if piece.kind in ("headline", "break"):
            asked = False
        elif piece.kind == "question":
            asked = True
        elif piece.kind == "text" and piece.scope > 0:
            roles["answer" if asked else "narration"] += 1
    return {"credits": credits,
            "lead_paragraphs": sum(p.scope == 0 and p.kind in ("text", "remark") for p in pieces),
            "sections": kinds["headline"], "questions": kinds["question"], "answers": kinds["question"],
            "answer_paragraphs": roles["answer"], "narration_paragraphs": roles["narration"],
            "notes": notes, "figures": kinds["caption"]}


def _uncertain_first(report: Report) -> list[str]:
    rank = {how: i for i, how in enumerate(MATCHED)}
    unsure = [n for n in report.notes if n["matched"] != "marker+term"]
    unsure.sort(key=lambda n: (-rank[n["matched"]], n["line"]))
    return [f"  {report.input}:{n['line']}: note [^{n['label']}] placed on line {n['at_line']} by "
            f"{n['matched']}" for n in unsure]


def format_text(report: Report, written: bool) -> str:
    """The report for a person."""
    c = report.counts
    how = Counter(n["matched"] for n in report.notes)
    notes = ", ".join(f"{how[k]} {k}" for k in MATCHED if how[k])
    lines = [f"{report.input}: found {c['credits']} credit(s), {c['lead_paragraphs']} lead paragraph(s), "
             f"{c['sections']} section(s), {c['narration_paragraphs']} narration paragraph(s), "
             f"{c['questions']} question(s) with {c['answers']} answer(s) in {c['answer_paragraphs']} paragraph(s), "
             f"{c['notes']} note(s){f' (matched by: {notes})' if notes else ''}, {c['figures']} figure(s); "
             f"script {report.script}, date {report.date} (from {report.date_from})"]
    if unsure := _uncertain_first(report):
        lines.append(f"{report.input}: check these notes first (least certain first):")
        lines += unsure
    if report.taiwan_words:
        lines.append(f"{report.input}: Taiwan vocabulary ({'、'.join(report.taiwan_words)}): "
                     "consider 'conversion: twp' (a comment in the front matter says so)")
    if report.punctuation.get("kept"):
        lines.append(f"{report.input}: kept half-width punctuation as written (--keep-punctuation)")
    lines += [str(w) for w in report.warnings]
    lines += [f"{e} (importer bug: nothing written)" for e in report.errors]
    lines.append(f"wrote {report.output}" if written else f"did not write {report.output}")
    return "\n".join(lines) + "\n"


def format_json(report: Report, written: bool) -> str:
    """The report for tools."""
    data = {"version": SCHEMA_VERSION, "input": report.input, "output": report.output, "written": written,
            "slug": report.slug, "script": report.script, "taiwan_vocabulary": list(report.taiwan_words),
            "date": report.date, "date_from": report.date_from, "counts": report.counts,
            "notes": list(report.notes), "punctuation": report.punctuation,
            "warnings": [{"path": w.path, "line": w.line, "code": w.code, "message": w.message}
                         for w in report.warnings],
            "errors": list(report.errors)}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"
