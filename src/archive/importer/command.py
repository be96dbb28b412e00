"""The whole import: one published text → Markdown and its report, and the ``archive import`` command.

Owns the pipeline's order (the package's docstring draws it), the findings
about the output file itself (placeholders, a missing date or outlet, at
the output's line numbers), the self-check (the Markdown must parse back
without errors, or nothing is written) and :func:`run`: reading the file,
the slug, refusing to overwrite, writing, printing the report, exit codes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import Diagnostic, Severity
from ..parse import parse_interview
from .findings import Imp, ImportFailed, finding
from .meta import read_dates
from .place import place_notes
from .punctuation import normalise
from .read import read_article, read_lines, split_lines
from .report import Report, count_pieces, format_json, format_text
from .script import detect_script, taiwan_words
from .write import PLACEHOLDER_DATE, Front, write_body, write_front

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


@dataclass(frozen=True)
class Result:
    markdown: str
    report: Report


def _output_findings(markdown: str, output: str, front: Front, speakers: bool) -> list[Diagnostic]:
    """What the editor must still write, at its line in the output."""
    lines = markdown.split("\n")

    def line_of(prefix: str) -> int:
        return next((i for i, x in enumerate(lines, 1) if x.startswith(prefix)), 1)

    warn = []
    if front.date is None:
        warn.append(finding(Imp.IMP012, output, line_of("date:"), "no publication date in the text: wrote "
                            "1970-01-01; set the real date (or import again with --date YYYY-MM-DD)"))
    if front.outlet is None:
        warn.append(finding(Imp.IMP014, output, line_of("  outlet:"), "no source line (來源:…) in the text; "
                            "write the outlet"))
    if not speakers:
        warn.append(finding(Imp.IMP015, output, line_of("  - name:"), "the interviewee is a placeholder; write "
                            "the name (and 'role:', 'label:' if there are several)"))
    return warn


def import_text(text: str, path: str, slug: str, output: str, title: str | None = None,
                date: dt.date | None = None, keep_punctuation: bool = False) -> Result:
    """Turn a published text (shown as ``path``) into the Markdown of ``output``, with its report."""
    raw = split_lines(text)
    punctuation: dict = {"changed": 0, "kept": keep_punctuation}
    if not keep_punctuation:
        normalised = normalise(raw)
        raw, punctuation["changed"] = normalised.lines, normalised.count
        if normalised.example:
            number, before, after = normalised.example
            punctuation["example"] = {"line": number, "before": before, "after": after}
    lines = read_lines(raw)
    if not any(x.kind in ("text", "question", "section") for x in lines):
        raise ImportFailed(f"{path}: no text to import")
    article = read_article(lines, path)
    placement = place_notes(article, path)
    body_text = "\n".join(x.raw for x in lines)
    script, _, _ = detect_script(body_text)
    words = taiwan_words(body_text) if script == "hant" else ()
    lead = next((x for p in article.pieces if p.kind == "text" and p.scope == 0
                 for x in lines if x.number == p.line), None) if article.pieces else None
    dates = read_dates(lead, lines, date, path)
    front = Front(slug, script, words, title, dates.date, dates.source_date, article.outlet or dates.outlet,
                  dates.publisher)
    markdown = write_front(article, front) + "\n" + write_body(article, placement, script)
    warn = [*article.warnings, *placement.warnings, *dates.warnings]
    if punctuation["changed"]:
        example = punctuation["example"]
        warn.append(finding(Imp.IMP016, path, example["line"], f"made {punctuation['changed']} half-width "
                            f"punctuation mark(s) between Chinese characters full-width, e.g. here: "
                            f"'{_excerpt(example['before'], example['after'])}' (--keep-punctuation keeps them)"))
    warn += _output_findings(markdown, output, front, bool(article.speakers))
    parsed = parse_interview(markdown, output, str(Path(output).parent))
    errors = tuple(str(d) for d in parsed.diagnostics if d.severity is Severity.ERROR)
    warn += [d for d in parsed.diagnostics if d.severity is Severity.WARNING]
    notes = tuple({"label": label, "line": note.line, "matched": how, "at_line": at}
                  for label, note, (how, at) in zip(placement.labels, article.notes, placement.how))
    report = Report(path, output, slug, script, words, (dates.date or PLACEHOLDER_DATE).isoformat(), dates.origin,
                    count_pieces(article.pieces, len(article.credits), len(article.notes)), notes,
                    tuple(sorted(set(warn), key=lambda f: (f.path != path, f.line, f.code, f.message))),
                    punctuation, errors)
    return Result(markdown, report)


def _excerpt(before: str, after: str) -> str:
    """``before`` → ``after`` around their first difference, a few characters either side."""
    at = next((i for i, (a, b) in enumerate(zip(before, after)) if a != b), 0)
    start = max(0, at - 6)
    return f"{before[start:at + 7]}' → '{after[start:at + 7]}"


def _slug(file: str, slug: str | None) -> str:
    if slug is None:
        stem = Path(file).stem.lower() if file != "-" else ""
        slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-") if stem.isascii() else ""
        if not slug:
            raise ImportFailed("give the interview's slug with --slug (lowercase ASCII, e.g. ferry-radio): "
                               "it cannot be derived from " + ("standard input" if file == "-" else
                                                               f"the file name '{Path(file).name}'"))
    if not SLUG_RE.fullmatch(slug):
        raise ImportFailed(f"slug '{slug}' must be lowercase ASCII letters, digits and single '-'")
    return slug


def run(file: str, slug: str | None, title: str | None, date: dt.date | None, out: str, force: bool,
        fmt: str, keep_punctuation: bool = False) -> int:
    """``archive import``: 0 written, 1 the Markdown did not parse back (nothing written), 2 could not run."""
    try:
        if file == "-":
            text, name = sys.stdin.buffer.read().decode("utf-8-sig"), "<stdin>"
        else:
            text, name = Path(file).read_text(encoding="utf-8-sig"), file
        target = Path(out) / _slug(file, slug) / "index.md"
        if target.exists() and not force:
            raise ImportFailed(f"{target} exists; pass --force to overwrite it")
        result = import_text(text, name, target.parent.name, target.as_posix(), title, date, keep_punctuation)
    except (OSError, UnicodeDecodeError, ImportFailed) as exc:
        message = f"archive import: {exc}"
        if fmt == "json":
            sys.stdout.write(json.dumps({"version": 2, "written": False, "error": message}, ensure_ascii=False) + "\n")
        print(message, file=sys.stderr)
        return 2
    written = not result.report.errors
    if written:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(result.markdown, encoding="utf-8")
    if fmt == "json":
        sys.stdout.write(format_json(result.report, written))
    else:
        sys.stderr.write(format_text(result.report, written))
    return 0 if written else 1
