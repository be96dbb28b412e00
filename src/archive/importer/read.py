"""Reading the published plain text: lines → what each line is → the article's pieces.

Owns the published format line by line (``ROLE | NAME`` credits at the top,
``01.`` sections with headline and kicker, question labels 問/问/記者/主持人/
提問/Q, answer labels 答/A or an interviewee's name, ``*`` notes, ``▲``
captions, ``來源:`` and the rights notice last) and the grouping of lines into
:class:`Article`: the paragraphs to write in order (:class:`Piece`), the notes
kept apart, and what goes to the front matter. Text is never rewritten here:
only labels and prefixes are taken off. One pass over the lines, so time is
linear in the input.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from ..errors import Diagnostic
from .findings import Imp, finding

SECTION_RE = re.compile(r"(\d{2})\s*[.．]\Z")
QUESTION_RE = re.compile(r"(?:[問问]|記者|记者|主持人|提[問问]|Q)\s*[:：]\s*")
ANSWER_RE = re.compile(r"(?:答|A)\s*[:：]\s*")
NAME_LABEL_RE = re.compile(r"([^\s\d，,。:：；;！!？?「」『』《》()（）*＊▲]{2,12}?)\s*[:：]\s*")
NOTE_RE = re.compile(r"[*＊](?![*＊])\s*")
BREAK_RE = re.compile(r"[*＊\s]+\Z")
SOURCE_RE = re.compile(r"(?:來源|来源)\s*[:：]\s*(\S.*)")
CREDIT_RE = re.compile(r"([^|｜，,。:：]{1,12}?)\s*[|｜]\s*(\S.*)")
PARENS_RE = re.compile(r"[(（](.{6,})[)）]\Z")
RIGHTS_WORDS = ("轉載", "转载", "版權", "版权", "授權", "授权")
REMARK_START = ("編者按", "编者按", "為方便閱讀", "为方便阅读")
SPEECH_WORDS = ("說", "说", "道", "問", "问", "表示", "指出", "寫", "写")
"""A name label is not 他說： or 報道指出：, which end in a verb of saying."""
TEXT_KINDS = ("text", "remark", "question", "caption", "headline", "kicker")


@dataclass(frozen=True)
class Line:
    """One non-blank line of the input and what it is."""

    number: int
    kind: str
    """credit, section, question, note, caption, source, rights, break or text."""
    text: str
    """The content after its prefix (問:, *, ▲, 來源:, ROLE |), stripped."""
    raw: str
    """The whole line, stripped."""
    role: str = ""
    """Credits: the role (編譯, 編輯 …)."""


def classify(number: int, raw: str) -> Line:
    """What one stripped line is, judged by itself."""
    if SECTION_RE.match(raw):
        return Line(number, "section", raw[:2], raw)
    if match := QUESTION_RE.match(raw):
        return Line(number, "question", raw[match.end():], raw)
    if BREAK_RE.match(raw):
        return Line(number, "break", "", raw)
    if match := NOTE_RE.match(raw):
        return Line(number, "note", raw[match.end():], raw)
    if raw.startswith("▲"):
        return Line(number, "caption", raw[1:].strip(), raw)
    if match := SOURCE_RE.fullmatch(raw):
        return Line(number, "source", match.group(1).strip(), raw)
    if match := CREDIT_RE.fullmatch(raw):
        return Line(number, "credit", match.group(2).strip(), raw, match.group(1).strip())
    return Line(number, "text", raw, raw)


def split_lines(text: str) -> list[str]:
    """The input's lines (any newline convention, a BOM dropped); line n is item n - 1."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")


def read_lines(raw: list[str]) -> list[Line]:
    """Classify every non-blank line; credits only count at the top, the rights notice only last."""
    lines = [classify(n, s.strip()) for n, s in enumerate(raw, 1) if s.strip()]
    head = next((i for i, line in enumerate(lines) if line.kind != "credit"), len(lines))
    lines = lines[:head] + [replace(x, kind="text", text=x.raw, role="") if x.kind == "credit" else x
                            for x in lines[head:]]
    if lines and lines[-1].kind == "text":
        last = lines[-1]
        wrapped = PARENS_RE.fullmatch(last.raw)
        after_source = len(lines) > 1 and lines[-2].kind == "source"
        if after_source or (wrapped and any(w in last.raw for w in RIGHTS_WORDS)):
            lines[-1] = replace(last, kind="rights", text=wrapped.group(1).strip() if wrapped else last.raw)
    return lines


@dataclass(frozen=True)
class Piece:
    """One paragraph of the Markdown to write (notes are kept apart)."""

    kind: str
    """text, remark, question, caption, headline, kicker, break or note."""
    line: int
    text: str
    """As written, markers included; for questions and labelled answers without the label."""
    scope: int
    """0 for the lead, n for section n: notes only match markers of their own scope first."""
    speaker: str = ""
    """An answer's speaker label as the text wrote it (陳守燈：), when it had one other than 答/A."""


@dataclass(frozen=True)
class Article:
    """The input's structure: what goes to the front matter, the paragraphs in order, the notes."""

    credits: tuple[tuple[str, str], ...]
    pieces: tuple[Piece, ...]
    notes: tuple[Piece, ...]
    outlet: str | None
    rights: str | None
    speakers: tuple[str, ...]
    """Interviewees named as answer labels, in order of first appearance."""
    warnings: tuple[Diagnostic, ...]


def is_kicker(text: str) -> bool:
    """A short line without a full stop right after the headline is its second headline."""
    return len(text) <= 40 and "。" not in text and not text.endswith((":", "："))


def is_remark(text: str) -> bool:
    """The editor's remark in the lead: 編者按…, or a lone sentence 為方便閱讀…"""
    return text.startswith(REMARK_START[:2]) or (text.startswith(REMARK_START[2:])
                                                 and len(re.findall(r"[。!！?？]", text.rstrip("。!！?？"))) == 0)


class _Reader:
    """One pass over the classified lines, collecting pieces, notes and warnings."""

    def __init__(self, lines: list[Line], path: str):
        self.lines, self.path = lines, path
        self.warn: list[Diagnostic] = []
        self.pieces: list[Piece] = []
        self.notes: list[Piece] = []
        self.outlet: str | None = None
        self.rights: str | None = None
        self.scope = 0
        self.i = 0

    def section(self, line: Line) -> None:
        lines, self.scope = self.lines, self.scope + 1
        if int(line.text) != self.scope:
            self.warn.append(finding(Imp.IMP001, self.path, line.number, f"section {line.text} follows section "
                                     f"{self.scope - 1:02d}; written as {self.scope:02d}"))
        head = lines[self.i] if self.i < len(lines) else None
        if head is None or head.kind != "text":
            self.warn.append(finding(Imp.IMP002, self.path, line.number,
                                     "this section has no headline; wrote 'TODO' in its place"))
            self.pieces.append(Piece("headline", line.number, "TODO", self.scope))
            return
        self.pieces.append(Piece("headline", head.number, head.text, self.scope))
        self.i += 1
        if self.i < len(lines) and lines[self.i].kind == "text" and is_kicker(lines[self.i].text):
            self.pieces.append(Piece("kicker", lines[self.i].number, lines[self.i].text, self.scope))
            self.i += 1

    def one(self, line: Line) -> None:
        if line.kind == "section":
            self.section(line)
        elif line.kind == "note":
            self.notes.append(Piece("note", line.number, line.text, self.scope))
        elif line.kind == "source":
            if self.outlet is not None and line.text != self.outlet:
                self.warn.append(finding(Imp.IMP004, self.path, line.number,
                                         f"a second source line; kept the first ('{self.outlet}')"))
            self.outlet = self.outlet or line.text.strip("《》")
        elif line.kind == "rights":
            self.rights = line.text
        elif line.kind == "credit":
            return
        elif line.kind == "text" and self.scope == 0 and is_remark(line.text):
            self.pieces.append(Piece("remark", line.number, line.text, self.scope))
        else:
            self.pieces.append(Piece(line.kind, line.number, line.text, self.scope))

    def read(self) -> Article:
        while self.i < len(self.lines):
            self.i += 1
            self.one(self.lines[self.i - 1])
        credits = tuple((x.role, x.text) for x in self.lines if x.kind == "credit")
        pieces = _unanswered_to_text(self.pieces, {x.number: x.raw for x in self.lines}, self.path, self.warn)
        pieces, speakers = _answer_labels(pieces)
        return Article(credits, tuple(pieces), tuple(self.notes), self.outlet, self.rights, speakers,
                       tuple(self.warn))


def read_article(lines: list[Line], path: str) -> Article:
    """Group lines into lead and sections; questions without an answer become text."""
    return _Reader(lines, path).read()


def _unanswered_to_text(pieces: list[Piece], raw: dict[int, str], path: str,
                        warn: list[Diagnostic]) -> list[Piece]:
    """A question needs an answer paragraph before the next question, break or section (one pass from the end)."""
    out = list(pieces)
    following = None  # the kind of the next piece that is not a caption
    for i in range(len(pieces) - 1, -1, -1):
        piece = pieces[i]
        if piece.kind == "question" and not (piece.scope > 0 and following == "text"):
            where = "before the first section" if piece.scope == 0 else "without an answer"
            warn.append(finding(Imp.IMP003, path, piece.line, f"a question {where}; kept as a paragraph of text"))
            out[i] = piece = replace(piece, kind="text", text=raw[piece.line])
        if piece.kind != "caption":
            following = piece.kind
    return out


def _answer_labels(pieces: list[Piece]) -> tuple[list[Piece], tuple[str, ...]]:
    """Take 答:/A: off an answer's first paragraph, and an interviewee's name when it labels two answer
    paragraphs or more and the lead names that person (so 其實： twice is not a speaker).

    Several names count only when every answer opens with one of them (the
    archive's format then needs a label on each answer)."""
    answers = _answer_paragraphs(pieces)  # index → is the answer's first paragraph
    names: Counter = Counter()
    for i in answers:
        match = NAME_LABEL_RE.match(pieces[i].text)
        if match and not ANSWER_RE.match(pieces[i].text) and not match.group(1).endswith(SPEECH_WORDS):
            names[match.group(1)] += 1
    lead = "".join(p.text for p in pieces if p.scope == 0)
    speakers = tuple(name for name, count in names.items() if count >= 2 and name in lead)
    if len(speakers) > 1 and not all(_label(pieces[i].text) in speakers for i, first in answers.items() if first):
        speakers = ()  # several names, but some answers unlabelled: the parser could not tell who speaks
    out = list(pieces)
    for i, first in answers.items():
        text = pieces[i].text
        if first and (match := ANSWER_RE.match(text)) and match.end() < len(text):
            out[i] = replace(pieces[i], text=text[match.end():])
        elif (match := NAME_LABEL_RE.match(text)) and match.group(1) in speakers and match.end() < len(text):
            out[i] = replace(pieces[i], text=text[match.end():], speaker=match.group(1))
    return out, speakers


def _label(text: str) -> str:
    return match.group(1) if (match := NAME_LABEL_RE.match(text)) else ""


def _answer_paragraphs(pieces: list[Piece]) -> dict[int, bool]:
    """The text paragraphs that answer a question (index → whether it opens the answer)."""
    out: dict[int, bool] = {}
    asked = first = False
    for i, piece in enumerate(pieces):
        if piece.kind in ("headline", "break"):
            asked = False
        elif piece.kind == "question":
            asked = first = True
        elif piece.kind == "text" and asked:
            out[i], first = first, False
    return out
