"""Markdown source text → :class:`~archive.model.Interview`, or diagnostics.

Owns the interview format's structure: lead, numbered sections with
kickers, questions and answers, narration and notes (front matter lives in
:mod:`archive.frontmatter`, figures in :mod:`archive.figures`).
:func:`parse_interview` never raises on any input: it returns a model (None
when errors make one meaningless) and every diagnostic found. The body is a
walk over markdown-it's block tree (:class:`BlockNode`, a lean ``SyntaxTreeNode``) with one ``_on_<type>``
handler per node type, as MyST's ``render_<type>``; work is linear in the
size of the input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from . import textcheck
from .body import Body, BlockNode, block_tree, descendant_paragraphs
from .config import DEFAULT_STAGE_DIRECTIONS, YMap, load_yaml
from .errors import Code, Diagnostic, Severity
from .figures import read_paragraph
from .frontmatter import FrontMatter, read_front_matter
from .markdown import NOTE_LABEL_RE, InlineReader
from .mdrules import make_markdown
from .model import Interview, Link, Note, Paragraph, Span

_MD = make_markdown()


@dataclass(frozen=True)
class Parsed:
    """The result of parsing one file: a model (None if errors prevent one) and diagnostics."""

    interview: Interview | None
    diagnostics: tuple[Diagnostic, ...]
    links: tuple[tuple[Link, Span], ...] = ()
    """Every link with its exact position, for the archive-wide link check."""
    slug: str | None = None
    """The slug, when the front matter gave one, even if the interview has errors."""


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (front matter or None, body, number of lines before the body)."""
    if not text.startswith("---\n"):
        return None, text, 0
    end = re.search(r"^(?:---|\.\.\.)[ \t]*$", text[4:], re.M)
    if end is None:
        return None, text, 0
    front = text[4:4 + end.start()]
    body_start = 4 + end.end()
    if text[body_start:body_start + 1] == "\n":
        body_start += 1
    return front, text[body_start:], text.count("\n", 0, body_start)


def parse_interview(text: str, path: str, folder: str,
                    stage_words: Sequence[str] = DEFAULT_STAGE_DIRECTIONS) -> Parsed:
    """Parse one interview source. ``folder`` is where its images live."""
    try:
        return _parse(text, path, folder, stage_words)
    except RecursionError:
        return Parsed(None, (Diagnostic.make(Code.MD002, path, 1,
                                             "the text nests too deeply to read; simplify the markup"),))


def _parse(raw: str, path: str, folder: str, stage_words: Sequence[str]) -> Parsed:
    text = raw.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    lines = text.split("\n")
    diags: list[Diagnostic] = [
        Diagnostic.make(Code.SRC001, path, line, textcheck.private_use_message(char), col=col)
        for line, col, char in textcheck.private_use(text)]
    front, body, offset = split_front_matter(text)
    if front is None:
        diags.append(Diagnostic.make(Code.FM001, path, 1, "an interview starts with front matter between "
                                     "two '---' lines (title, date, script, summary, interviewees, source); "
                                     "see the README"))
        return Parsed(None, tuple(sorted(diags)))
    reader = InlineReader(path, stage_words, lines)
    meta = _front(front, reader, folder, diags)
    env: dict = {}
    tree = block_tree(_MD.parse(body, env))
    defs = env.get("archive_defs", [])
    reader.defined = frozenset(label for label, _, _ in defs)
    script = (meta.script if meta else None) or "hant"
    walk = Body(reader, folder, offset, meta.labels if meta else {}, script,
                people_known=meta.people_known if meta else False)
    lead, sections, notes_node = walk.run(tree)
    notes = _notes(reader, notes_node, defs, offset, folder, script)
    diags.extend(walk.diags)
    diags.extend(reader.diags)
    if meta is None or any(d.severity is Severity.ERROR for d in diags):
        return Parsed(None, tuple(sorted(set(diags))), slug=meta.slug if meta else None)
    assert meta.script is not None and meta.date is not None and meta.slug is not None
    interview = Interview(
        slug=meta.slug, script=meta.script, source_script=meta.script,  # type: ignore[arg-type]
        conversion=meta.conversion or "tw", title=meta.title, subtitle=meta.subtitle,
        date=meta.date, summary=meta.summary, interviewer=meta.interviewer,
        interviewees=meta.interviewees, credits=meta.credits, source=meta.source,
        publisher=meta.publisher, rights=meta.rights, glossary=meta.glossary,
        lead=lead, sections=sections, notes=notes, folder=folder,
        span=Span(path, 1), draft=meta.draft)
    return Parsed(interview, tuple(sorted(set(diags))), tuple(reader.links))


def _front(front: str, reader: InlineReader, folder: str, diags: list[Diagnostic]) -> FrontMatter | None:
    """The front matter, checked; None when it is not a mapping at all."""
    data, ydiags = load_yaml(front, reader.path, offset=1)
    diags.extend(ydiags)
    if data is None and not ydiags:
        data = YMap()
        data.lines, data.cols = {}, {}
    if data is not None and not isinstance(data, YMap):
        diags.append(Diagnostic.make(Code.FM005, reader.path, 2, "front matter must be 'key: value' lines"))
    if not isinstance(data, YMap):
        return None
    meta, found = read_front_matter(data, reader, folder)
    diags.extend(found)
    return meta


def _notes(reader: InlineReader, block: BlockNode | None, defs: list[tuple[str, int, int]],
           offset: int, folder: str, script: str) -> tuple[Note, ...]:
    """The notes in order of first reference; FN002/FN003/FN004 for definitions that cannot be."""
    path = reader.path
    seen: dict[str, int] = {}
    for label, line0, col in defs:
        line = line0 + 1 + offset
        if label in seen:
            reader.error(Code.FN002, line, f"note [^{label}] is defined twice (first on line {seen[label]}); "
                         "merge the two definitions or rename one", col=col)
        else:
            seen[label] = line
    bodies: dict[str, tuple[Paragraph, ...]] = {}
    for note in block.children if block is not None else ():
        if note.type == "footnote":
            bodies[note.meta["label"]] = tuple(
                para for para in (read_paragraph(reader, node.children[0].token.children or [],
                                                 (node.map[0] if node.map else 0) + 1 + offset, folder, script)
                                  for node in descendant_paragraphs(note)) if isinstance(para, Paragraph))
    refs = reader.ref_counts
    notes = [Note(label, number, bodies.get(label, ()), refs[label], Span(path, seen[label]))
             for number, label in enumerate(refs, 1) if label in seen]  # numbered by first reference
    for label, line in seen.items():
        if label not in refs:
            reader.error(Code.FN003, line, f"note [^{label}] is defined but never referenced; it is "
                         f"not shown. Add [^{label}] after the term it explains, or delete it")
        if not NOTE_LABEL_RE.match(label):
            reader.error(Code.FN004, line, f"note label [^{label}] must be ASCII letters, digits, '-' or '_'")
    return tuple(notes)
