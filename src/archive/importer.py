"""Published plain text → the archive's Markdown source (``archive import``).

Owns the published plain-text format (one paragraph per line: ``ROLE | NAME``
credits, the lead, ``01.`` sections with headline and kicker, ``問:``
questions and their answers, ``*`` translator's notes and their ``*``
markers, ``▲`` captions, ``來源:`` and the rights notice), its known
imperfections, and the report of what was found. Each step is a plain
function from one value to the next::

    text ─read_lines─▶ [Line] ─read_article─▶ Article ─place_notes─▶ Placement
         ─write_front + write_body─▶ Markdown ─parse_interview (self-check)─▶ Result (+ Report)

Text is never rewritten: what a line says reaches the Markdown escaped but
unchanged, minus the ``*`` markers; only structure (labels, prefixes) is
normalised, so the Markdown parses back to the same text (tests/test_import.py
defines and checks that). Nothing is written when it does not parse back
without errors. Notes are matched to markers by the term they explain, and
only then by order; every guess is a warning naming the input line.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from .engine import engine as _opencc
from .errors import Severity
from .parse import parse_interview

# --- the published format, one line at a time -------------------------------

SECTION_RE = re.compile(r"(\d{2})\s*[.．]\Z")
QUESTION_RE = re.compile(r"[問问]\s*[:：]\s*")
NOTE_RE = re.compile(r"[*＊](?![*＊])\s*")
BREAK_RE = re.compile(r"[*＊\s]+\Z")
SOURCE_RE = re.compile(r"(?:來源|来源)\s*[:：]\s*(\S.*)")
CREDIT_RE = re.compile(r"([^|｜，,。:：]{1,12}?)\s*[|｜]\s*(\S.*)")
PARENS_RE = re.compile(r"[(（](.{6,})[)）]\Z")
RIGHTS_WORDS = ("轉載", "转载", "版權", "版权", "授權", "授权")
REMARK_START = ("編者按", "编者按", "為方便閱讀", "为方便阅读")
MARKER_RE = re.compile(r"(?<![*＊])[*＊](?![*＊])")
DATELINE_RE = re.compile(r"(?P<pub>[^\d，,。:：]{2,12}?)(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日\s*[訊讯電电]")
REPORTED_RE = re.compile(r"[據据]《(?P<outlet>[^》]{1,30})》\s*(?:(?P<y>\d{4})年)?(?P<m>\d{1,2})月(?P<d>\d{1,2})日")
PLACEHOLDER_DATE = dt.date(1970, 1, 1)
TEXT_KINDS = ("text", "remark", "question", "caption", "headline", "kicker")
WORDS = {  # placeholders per script
    "hant": {"title": "TODO: 標題", "summary": "TODO: 摘要", "person": "TODO: 受訪者"},
    "hans": {"title": "TODO: 标题", "summary": "TODO: 摘要", "person": "TODO: 受访者"},
}
TAIWAN_WORDS = ("軟體", "硬體", "計程車", "部落格", "網路", "滑鼠", "印表機", "程式", "簡訊", "隨身碟",
                "伺服器", "螢幕", "資料庫", "光碟", "泡麵", "錄影帶", "腳踏車", "晶片", "記憶體", "列印",
                "寬頻", "硬碟", "網咖", "人工智慧", "演算法", "解析度", "行動電話", "作業系統", "影片", "資訊")
"""Words only Taiwan writes this way; found in a Traditional text they suggest ``conversion: twp``."""


class ImportFailed(Exception):
    """The input cannot be imported at all (the message says why)."""


@dataclass(frozen=True, order=True)
class Finding:
    """A warning for the editor: ``path:line: warning: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


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


def read_lines(text: str) -> list[Line]:
    """Classify every non-blank line; credits only count at the top, the rights notice only last."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").split("\n")
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


# --- the article's structure --------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """One paragraph of the Markdown to write (notes are kept apart)."""

    kind: str
    """text, remark, question, caption, headline, kicker, break or note."""
    line: int
    text: str
    """As written, markers included; for questions without the label."""
    scope: int
    """0 for the lead, n for section n: notes only match markers of their own scope."""


@dataclass(frozen=True)
class Article:
    """The input's structure: what goes to the front matter, the paragraphs in order, the notes."""

    credits: tuple[tuple[str, str], ...]
    pieces: tuple[Piece, ...]
    notes: tuple[Piece, ...]
    outlet: str | None
    rights: str | None
    warnings: tuple[Finding, ...]


def is_kicker(text: str) -> bool:
    """A short line without a full stop right after the headline is its second headline."""
    return len(text) <= 40 and "。" not in text and not text.endswith((":", "："))


def is_remark(text: str) -> bool:
    """The editor's remark in the lead: 編者按…, or a lone sentence 為方便閱讀…"""
    return text.startswith(REMARK_START[:2]) or (text.startswith(REMARK_START[2:])
                                                 and len(re.findall(r"[。!！?？]", text.rstrip("。!！?？"))) == 0)


def read_article(lines: list[Line], path: str) -> Article:
    """Group lines into lead and sections; questions without an answer become text."""
    warn: list[Finding] = []
    pieces: list[Piece] = []
    notes: list[Piece] = []
    outlet = rights = None
    scope = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.kind == "section":
            scope += 1
            if int(line.text) != scope:
                warn.append(Finding(path, line.number, f"section {line.text} follows section {scope - 1:02d}; "
                                    f"written as {scope:02d}"))
            head = lines[i] if i < len(lines) else None
            if head is None or head.kind != "text":
                warn.append(Finding(path, line.number, "this section has no headline; wrote 'TODO' in its place"))
                pieces.append(Piece("headline", line.number, "TODO", scope))
                continue
            pieces.append(Piece("headline", head.number, head.text, scope))
            i += 1
            if i < len(lines) and lines[i].kind == "text" and is_kicker(lines[i].text):
                pieces.append(Piece("kicker", lines[i].number, lines[i].text, scope))
                i += 1
        elif line.kind == "note":
            notes.append(Piece("note", line.number, line.text, scope))
        elif line.kind == "source":
            if outlet is not None and line.text != outlet:
                warn.append(Finding(path, line.number, f"a second source line; kept the first ('{outlet}')"))
            outlet = outlet or line.text.strip("《》")
        elif line.kind == "rights":
            rights = line.text
        elif line.kind == "credit":
            continue
        elif line.kind == "question":
            pieces.append(Piece("question", line.number, line.text, scope))
        elif line.kind == "text" and scope == 0 and is_remark(line.text):
            pieces.append(Piece("remark", line.number, line.text, scope))
        else:
            pieces.append(Piece(line.kind, line.number, line.text, scope))
    credits = tuple((x.role, x.text) for x in lines if x.kind == "credit")
    pieces = _unanswered_to_text(pieces, {x.number: x.raw for x in lines}, path, warn)
    return Article(credits, tuple(pieces), tuple(notes), outlet, rights, tuple(warn))


def _unanswered_to_text(pieces: list[Piece], raw: dict[int, str], path: str, warn: list[Finding]) -> list[Piece]:
    """A question needs an answer paragraph before the next question, break or section."""
    out = []
    for i, piece in enumerate(pieces):
        if piece.kind == "question":
            following = (p.kind for p in pieces[i + 1:] if p.kind != "caption")
            answered = piece.scope > 0 and next(following, None) == "text"
            if not answered:
                where = "before the first section" if piece.scope == 0 else "without an answer"
                warn.append(Finding(path, piece.line, f"a question {where}; kept as a paragraph of text"))
                piece = replace(piece, kind="text", text=raw[piece.line])
        out.append(piece)
    return out


# --- notes and their markers ----------------------------------------------------


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
class Placement:
    """Where each note is referenced, its label, and how it was placed."""

    refs: dict[tuple[int, int], tuple[str, ...]]
    """(piece index, position) → labels of the notes referenced there."""
    labels: tuple[str, ...]
    """One per note of Article.notes."""
    how: tuple[tuple[str, int], ...]
    """Per note: (marker | term | order | end, line of the paragraph it is attached to)."""
    warnings: tuple[Finding, ...]


CLAUSE_BREAK = re.compile(r"[，,。！!？?；;：:、「」『』《》“”\"]")
TERM_END = re.compile(r"[是指即為为係，,。：:；;、(（」』》”]")
TAIL_PARENS = re.compile(r"[(（]([^()（）]{1,60})[)）]\s*\Z")
HAS_LATIN = re.compile(r"[A-Za-z]")


def find_markers(pieces: tuple[Piece, ...]) -> list[Marker]:
    """Every marker with the term before it: the clause up to the '*', an original name in parentheses apart."""
    out = []
    for index, piece in enumerate(pieces):
        if piece.kind not in TEXT_KINDS:
            continue
        for match in MARKER_RE.finditer(piece.text):
            before = MARKER_RE.sub("", piece.text[:match.start()]).rstrip().rstrip("」』》”\"'’")
            latin = ""
            if (tail := TAIL_PARENS.search(before)) and HAS_LATIN.search(tail.group(1)):
                latin, before = tail.group(1).strip(), before[:tail.start()].rstrip()
            base = CLAUSE_BREAK.split(before)[-1].strip()
            out.append(Marker(index, match.start(), piece.line, piece.scope, base, latin))
    return out


def note_term(text: str) -> tuple[str, str]:
    """The term a note opens with, and an original-language name in parentheses right after it."""
    body = text.lstrip("「『《“\"'")
    cut = TERM_END.search(body)
    term = body[:cut.start()] if cut else body[:12]
    latin = ""
    if cut and cut.group(0) in "(（" and (tail := re.match(r"[(（]([^()（）]{1,60})[)）]", body[cut.start():])):
        latin = tail.group(1).strip() if HAS_LATIN.search(tail.group(1)) else ""
    return term.strip(), latin


def _fold(text: str) -> str:
    return re.sub(r"[\s\-‐·・.]+", " ", text).casefold().strip()


def score(marker: Marker, note: str) -> int:
    """How surely a note explains the term before a marker: ≥600 sure, 200–599 weak (a warning), 0 nothing."""
    term, _ = note_term(note)
    if marker.latin and _fold(marker.latin) in _fold(note):
        return 1000 + len(marker.latin)
    if len(term) >= 2 and marker.base.endswith(term):
        return 800 + len(term)
    base = marker.base[-20:]
    opening = note.lstrip("「『《“\"'")
    for k in range(len(base), 1, -1):
        if opening.startswith(base[-k:]):  # the note opens with the term, whatever follows it
            return 700 + k
    for k in range(len(base), 1, -1):
        if term.endswith(base[-k:]):  # the note names a longer form: 莫羅 → 伊萊亞斯·莫羅
            return 600 + k
    for k in range(len(base), 1, -1):
        if base[-k:] in note:
            return 200 + k
    return 0


def find_term(pieces: tuple[Piece, ...], scope: int, before_line: int, note: str) -> tuple[int, int] | None:
    """Where a note's term first occurs in its scope before the note: (piece index, end position)."""
    term, latin = note_term(note)
    for needle in (term, latin):
        if len(needle) < 2:
            continue
        for index, piece in enumerate(pieces):
            if piece.scope == scope and piece.line < before_line and piece.kind in TEXT_KINDS:
                at = piece.text.find(needle)
                if at >= 0:
                    end = at + len(needle)
                    paren = re.match(r"\s*[(（][^()（）]{1,60}[)）]", piece.text[end:])
                    if needle == term and paren and HAS_LATIN.search(paren.group(0)):
                        end += paren.end()
                    return index, end
    return None


def _snippet(marker: Marker) -> str:
    return (marker.latin and f"{marker.base}({marker.latin})" or marker.base)[-12:] or "…"


def place_notes(article: Article, path: str) -> Placement:
    """Attach every note: by its term at a marker, at its term's unmarked occurrence, by order, or at the end."""
    pieces, notes = article.pieces, article.notes
    markers = find_markers(pieces)
    warn: list[Finding] = []
    at: dict[int, tuple[int, int]] = {}  # note → (piece, position)
    how: dict[int, str] = {}
    used: dict[int, int] = {}  # marker index → note

    def candidates(n: int, back: int = 0) -> list[int]:
        return [m for m, mk in enumerate(markers) if mk.scope == notes[n].scope - back and mk.line < notes[n].line]

    def greedy(low: int, high: int, back: int = 0) -> list[int]:
        pairs = sorted((-s, n, m) for n in range(len(notes)) if n not in at for m in candidates(n, back)
                       if m not in used and low <= (s := score(markers[m], notes[n].text)) < high)
        paired = []
        for _, n, m in pairs:
            if n not in at and m not in used:
                at[n], how[n], used[m] = (markers[m].piece, markers[m].pos), "marker", n
                paired.append(n)
        return paired

    greedy(600, 10 ** 6)
    for n, note in enumerate(notes):
        if n not in at and (found := find_term(pieces, note.scope, note.line, note.text)):
            at[n], how[n] = found, "term"
            term = next(t for t in note_term(note.text) if len(t) >= 2 and t in pieces[found[0]].text)
            warn.append(Finding(path, note.line, f"this note had no marker; attached it after its term "
                                f"'{term}' on line {pieces[found[0]].line}"))
    for n in greedy(800, 10 ** 6, back=1):
        marker = next(mk for mk in markers if (mk.piece, mk.pos) == at[n])
        warn.append(Finding(path, notes[n].line, f"this note stands in the next section; attached it at the "
                            f"marker after '{_snippet(marker)}' on line {marker.line} (same term)"))
    for n in greedy(200, 600):
        marker = next(mk for mk in markers if (mk.piece, mk.pos) == at[n])
        word = next(marker.base[-k:] for k in range(len(marker.base), 1, -1) if marker.base[-k:] in notes[n].text)
        warn.append(Finding(path, notes[n].line, f"matched this note to the marker after '{_snippet(marker)}' on "
                            f"line {marker.line} only by the word '{word}' it mentions; check it"))
    for n, note in enumerate(notes):
        free = [m for m in candidates(n) if m not in used]
        if n not in at and free:
            m = free[0]
            at[n], how[n], used[m] = (markers[m].piece, markers[m].pos), "order", n
            warn.append(Finding(path, note.line, f"matched this note to the marker after '{_snippet(markers[m])}' "
                                f"on line {markers[m].line} by order only (no shared term); check it"))
    for n, note in enumerate(notes):
        if n not in at:
            index = _last_paragraph(pieces, note)
            at[n], how[n] = (index, len(pieces[index].text)), "end"
            warn.append(Finding(path, note.line, f"this note has no marker and its term is not in the text "
                                f"before it; attached it at the end of the paragraph on line {pieces[index].line}"))
    order = sorted(range(len(notes)), key=lambda n: (at[n], n))
    labels = make_labels(notes, order, {n: markers[m] for m, n in used.items()})
    refs: dict[tuple[int, int], tuple[str, ...]] = {}
    for n in sorted(at, key=lambda n: (at[n], n)):
        refs[at[n]] = refs.get(at[n], ()) + (labels[n],)
    for m, marker in enumerate(markers):
        if m in used:
            continue
        same = [n for n in range(len(notes)) if how.get(n) == "marker" and notes[n].scope == marker.scope
                and score(marker, notes[n].text) >= 800]
        key = (marker.piece, marker.pos)
        if same:
            refs[key] = refs.get(key, ()) + (labels[same[0]],)
            warn.append(Finding(path, marker.line, f"the marker after '{_snippet(marker)}' has no note of its own; "
                                f"it refers to the note on line {notes[same[0]].line} (same term)"))
        else:
            warn.append(Finding(path, marker.line, f"the marker after '{_snippet(marker)}' has no note; "
                                "dropped the '*'"))
    placed = tuple((how[n], pieces[at[n][0]].line) for n in range(len(notes)))
    return Placement(refs, labels, placed, tuple(warn))


def _last_paragraph(pieces: tuple[Piece, ...], note: Piece) -> int:
    """The paragraph an unattached note hangs on: the last one before it (its scope first), else the next."""
    texts = [i for i, p in enumerate(pieces) if p.kind in TEXT_KINDS]
    if not texts:
        raise ImportFailed(f"line {note.line}: a note, but no text to attach it to")
    before = [i for i in texts if pieces[i].line < note.line]
    own = [i for i in before if pieces[i].scope == note.scope]
    return (own or before)[-1] if before else texts[0]


def slugify(text: str) -> str:
    """Lowercase ASCII words joined by '-', at most 32 characters (accents dropped, other scripts too)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:32].rsplit("-", 1)[0] if len(slug) > 32 else slug


def make_labels(notes: tuple[Piece, ...], order: list[int], markers: dict[int, Marker]) -> tuple[str, ...]:
    """Readable ASCII from a Latin term or name (chen-shou-deng), else n1, n2 … in the order given."""
    labels: list[str] = []
    counter = 0
    for n in order:
        term, latin = note_term(notes[n].text)
        words = (term if HAS_LATIN.search(term) else "", latin, markers[n].latin if n in markers else "")
        base = next((s for s in map(slugify, words) if s), "")
        label, k = base, 2
        while base and label in labels:
            label, k = f"{base}-{k}", k + 1
        while not label or label in labels:
            counter += 1
            label = f"n{counter}"
        labels.append(label)
    return tuple(labels[order.index(n)] for n in range(len(notes)))


# --- Markdown ---------------------------------------------------------------------

_SPECIAL = re.compile(r"-\{|\}-|\[\^|\{#|\](?=\()|[<\\`*_&#]")
_REPLACE = {"-{": "-{-{}-", "}-": "}-{-}-", "[^": "\\[-{^}-", "{#": "-{{}-\\#", "<": "-{<}-"}
"""Text that Markdown or the archive's own syntax would read as markup gets a backslash, or, for
what the parser reads in text itself (overrides -{…}-, note references, raw HTML), is split with a
protected span -{…}-, shown as written. Brackets are left alone ([笑] stays readable): without link
definitions only '](' makes a link, and a leading '[' a definition."""
_LABEL_START = re.compile(r"[答問问]\s*[:：]|[▲△]")
"""A paragraph starting like this would be read as a speaker's answer, a question or a caption."""


def protect(text: str) -> str:
    """A front-matter value that the parser reads back as written (it splits overrides, flags HTML there too)."""
    return re.sub(r"-\{|\}-|\[\^|<", lambda m: _REPLACE[m.group(0)].replace("\\", ""), text)


def escape(text: str, at_start: bool) -> str:
    """Text as Markdown that reads back as exactly this text; ``at_start`` when it begins a block."""
    out = _SPECIAL.sub(lambda m: _REPLACE.get(m.group(0), "\\" + m.group(0)), text)
    if not at_start:
        return out
    if out[:1] in ("+", "-", "=", "~", ">", "|", "["):
        return "\\" + out
    if match := re.match(r"\d{1,9}(?=[.)])", out):
        return out[:match.end()] + "\\" + out[match.end():]
    if _LABEL_START.match(out):
        return "-{" + out[0] + "}-" + out[1:]
    return out


def inline(text: str, refs: dict[int, tuple[str, ...]], at_start: bool) -> str:
    """A piece's text with its markers replaced by note references (or dropped) and the rest escaped."""
    markers = {m.start() for m in MARKER_RE.finditer(text)}
    out: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        chunk = "".join(buf)
        buf.clear()
        if out and chunk.startswith("("):  # '[^a](x)' would read as a link
            out.append("\\" + escape(chunk, False))
        else:
            out.append(escape(chunk, at_start and not out))

    for i in range(len(text) + 1):
        if i in refs:
            flush()
            out.append("".join(f"[^{label}]" for label in refs[i]))
        if i < len(text) and i not in markers:
            buf.append(text[i])
    flush()
    return "".join(out)


def write_body(article: Article, placement: Placement, script: str) -> str:
    """The Markdown after the front matter: one block per piece, then the notes in order of reference."""
    blocks: list[str] = []
    section = 0
    for index, piece in enumerate(article.pieces):
        refs = {pos: labels for (p, pos), labels in placement.refs.items() if p == index}
        text = inline(piece.text, refs, at_start=piece.kind in ("text", "remark"))
        if piece.kind == "headline":
            section += 1
            blocks.append(f"## {section:02d}. {text}")
        elif piece.kind == "kicker":
            blocks[-1] += f"\n### {text}"
        elif piece.kind == "question":
            blocks.append(f"{'问' if script == 'hans' else '問'}：{text}")
        elif piece.kind == "caption":
            blocks.append(f"▲{text}")
        elif piece.kind == "remark":
            blocks.append(f"> {text}")
        elif piece.kind == "break":
            blocks.append("* * *")
        else:
            blocks.append(text)
    order = [label for key in sorted(placement.refs) for label in placement.refs[key]]
    first = {label: i for i, label in reversed(list(enumerate(order)))}
    for n in sorted(range(len(article.notes)), key=lambda n: first.get(placement.labels[n], 0)):
        blocks.append(f"[^{placement.labels[n]}]: {inline(article.notes[n].text, {}, at_start=True)}")
    return "\n\n".join(blocks) + "\n"


def yaml_text(value: str) -> str:
    """A YAML scalar that reads back as ``value`` (protected): plain when that is safe, else double-quoted."""
    value = protect(value)
    try:
        plain = yaml.safe_load(f"k: {value}") == {"k": value}
    except yaml.YAMLError:
        plain = False
    if plain and value == value.strip() and "\\" not in value:
        return value
    quoted = json.dumps(value, ensure_ascii=False)
    return quoted.replace("\x85", "\\x85").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


# --- what the text says about itself ------------------------------------------------


def detect_script(text: str) -> tuple[str, int, int]:
    """hant or hans, by counting characters that only one of OpenCC's t2s / s2t would change."""
    counts = Counter(c for c in text if "\u3400" <= c <= "\u9fff")
    chars = sorted(counts)
    joined = "\n".join(chars)
    to_hans = _opencc("t2s").convert(joined).split("\n")
    to_hant = _opencc("s2t").convert(joined).split("\n")
    hant = sum(counts[c] for c, s in zip(chars, to_hans) if s != c)
    hans = sum(counts[c] for c, t in zip(chars, to_hant) if t != c)
    return ("hans" if hans > hant else "hant"), hant, hans


def taiwan_words(text: str) -> tuple[str, ...]:
    """Taiwan vocabulary in a Traditional text that the twp profile would change."""
    return tuple(w for w in TAIWAN_WORDS
                 if w in text and _opencc("tw2sp").convert(w) != _opencc("tw2s").convert(w))


def _date(match: re.Match | None, year: int | None = None) -> dt.date | None:
    if match is None or not (match.group("y") or year):
        return None
    try:
        return dt.date(int(match.group("y") or year), int(match.group("m")), int(match.group("d")))
    except ValueError:
        return None


def read_dates(lead: str, given: dt.date | None) -> tuple[dt.date | None, str, dt.date | None, str | None, str | None]:
    """(date, where it came from, source date, publisher, outlet) from the lead's dateline and 據《…》."""
    dateline = DATELINE_RE.match(lead)
    reported = REPORTED_RE.search(lead)
    date, origin = given, "option"
    if date is None:
        date, origin = _date(dateline), "dateline"
    if date is None:
        date, origin = _date(reported), "source"
    if date is None:
        origin = "none"
    source_date = _date(reported)
    if source_date is None and reported and date:
        year = date.year if (int(reported.group("m")), int(reported.group("d"))) <= (date.month, date.day) \
            else date.year - 1
        source_date = _date(reported, year)
    return (date, origin, source_date, dateline.group("pub").strip() if dateline else None,
            reported.group("outlet") if reported else None)


# --- the whole import -------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """What an import found and every warning; ``format_text`` and ``format_json`` print it."""

    input: str
    output: str
    slug: str
    script: str
    taiwan_words: tuple[str, ...]
    date: str
    date_from: str
    counts: dict[str, int]
    notes: tuple[dict, ...]
    warnings: tuple[Finding, ...]
    errors: tuple[str, ...] = ()
    """Problems of the written Markdown itself (a bug in the importer): nothing is written."""


@dataclass(frozen=True)
class Result:
    markdown: str
    report: Report


def import_text(text: str, path: str, slug: str, output: str, title: str | None = None,
                date: dt.date | None = None) -> Result:
    """Turn a published text (shown as ``path``) into the Markdown of ``output``, with its report."""
    lines = read_lines(text)
    if not any(x.kind in ("text", "question", "section") for x in lines):
        raise ImportFailed(f"{path}: no text to import")
    article = read_article(lines, path)
    placement = place_notes(article, path)
    body_text = "\n".join(x.raw for x in lines)
    script, _, _ = detect_script(body_text)
    words = taiwan_words(body_text) if script == "hant" else ()
    lead = next((p.text for p in article.pieces if p.kind == "text" and p.scope == 0), "")
    day, origin, source_date, publisher, reported = read_dates(MARKER_RE.sub("", lead), date)
    outlet = article.outlet or reported
    warn = list(article.warnings + placement.warnings)
    front = write_front(article, slug, script, words, title, day or PLACEHOLDER_DATE, source_date,
                        outlet, publisher)
    markdown = front + "\n" + write_body(article, placement, script)
    front_lines = markdown.split("\n")

    def line_of(prefix: str) -> int:
        return next((i for i, x in enumerate(front_lines, 1) if x.startswith(prefix)), 1)

    if day is None:
        warn.append(Finding(output, line_of("date:"), "no publication date in the text: wrote 1970-01-01; "
                            "set the real date (or import again with --date YYYY-MM-DD)"))
    if outlet is None:
        warn.append(Finding(output, line_of("  outlet:"), "no source line (來源:…) in the text; "
                            "write the outlet"))
    warn.append(Finding(output, line_of("  - name:"), "the interviewee is a placeholder; write the name "
                        "(and 'role:', 'label:' if there are several)"))
    parsed = parse_interview(markdown, output, str(Path(output).parent))
    errors = tuple(str(d) for d in parsed.diagnostics if d.severity is Severity.ERROR)
    warn += [Finding(d.path, d.line, f"{d.message} [{d.code}]")
             for d in parsed.diagnostics if d.severity is Severity.WARNING]
    pieces = article.pieces
    counts = {"credits": len(article.credits),
              "lead_paragraphs": sum(p.scope == 0 and p.kind in ("text", "remark") for p in pieces),
              "sections": sum(p.kind == "headline" for p in pieces),
              "questions": sum(p.kind == "question" for p in pieces),
              "answers": sum(p.kind == "question" for p in pieces),
              "answer_paragraphs": roles(pieces)["answer"],
              "narration_paragraphs": roles(pieces)["narration"],
              "notes": len(article.notes),
              "figures": sum(p.kind == "caption" for p in pieces)}
    notes = tuple({"label": label, "line": note.line, "attached": how, "at_line": at}
                  for label, note, (how, at) in zip(placement.labels, article.notes, placement.how))
    report = Report(path, output, slug, script, words, (day or PLACEHOLDER_DATE).isoformat(), origin,
                    counts, notes, tuple(sorted(set(warn), key=lambda f: (f.path != path, f.line, f.message))),
                    errors)
    return Result(markdown, report)


def roles(pieces: tuple[Piece, ...]) -> Counter:
    """How many text paragraphs of the sections are answers and how many narration."""
    out: Counter = Counter()
    asked = False
    for piece in pieces:
        if piece.kind in ("headline", "break"):
            asked = False
        elif piece.kind == "question":
            asked = True
        elif piece.kind == "text" and piece.scope > 0:
            out["answer" if asked else "narration"] += 1
    return out


def write_front(article: Article, slug: str, script: str, words: tuple[str, ...], title: str | None,
                date: dt.date, source_date: dt.date | None, outlet: str | None, publisher: str | None) -> str:
    """The front matter: what the text holds, and a TODO placeholder for what it does not."""
    todo = WORDS[script]
    out = ["---", f"title: {yaml_text(title or todo['title'])}", f"slug: {slug}", f"date: {date.isoformat()}",
           f"script: {script}", "conversion: tw"]
    if words:
        out.append(f"# conversion: twp  # Taiwan vocabulary ({'、'.join(words[:6])}); switch only after checking")
    out += [f"summary: {yaml_text(todo['summary'])}", "interviewees:", f"  - name: {yaml_text(todo['person'])}"]
    if article.credits:
        out.append("credits:")
        out += [f"  - {yaml_text(role)}: {yaml_text(name)}" for role, name in article.credits]
    out += ["source:", f"  outlet: {yaml_text(outlet or 'TODO')}"]
    if source_date:
        out.append(f"  date: {source_date.isoformat()}")
    if publisher:
        out.append(f"publisher: {yaml_text(publisher)}")
    if article.rights:
        out.append(f"rights: {yaml_text(article.rights)}")
    out.append("---")
    return "\n".join(out) + "\n"


def format_text(report: Report, written: bool) -> str:
    """The report for a person: what was found, then every warning as ``path:line: warning: …``."""
    c = report.counts
    how = Counter(n["attached"] for n in report.notes)
    notes = ", ".join(f"{how[k]} {k}" for k in ("marker", "term", "order", "end") if how[k])
    lines = [f"{report.input}: found {c['credits']} credit(s), {c['lead_paragraphs']} lead paragraph(s), "
             f"{c['sections']} section(s), {c['narration_paragraphs']} narration paragraph(s), "
             f"{c['questions']} question(s) with {c['answers']} answer(s) in {c['answer_paragraphs']} paragraph(s), "
             f"{c['notes']} note(s){f' (attached at: {notes})' if notes else ''}, {c['figures']} figure(s); "
             f"script {report.script}, date {report.date} (from {report.date_from})"]
    if report.taiwan_words:
        lines.append(f"{report.input}: Taiwan vocabulary ({'、'.join(report.taiwan_words)}): "
                     "consider 'conversion: twp' (a comment in the front matter says so)")
    lines += [str(w) for w in report.warnings]
    lines += [f"{e} (importer bug: nothing written)" for e in report.errors]
    lines.append(f"wrote {report.output}" if written else f"did not write {report.output}")
    return "\n".join(lines) + "\n"


def format_json(report: Report, written: bool) -> str:
    """The report for tools (schema version 1)."""
    data = {"version": 1, "input": report.input, "output": report.output, "written": written,
            "slug": report.slug, "script": report.script, "taiwan_vocabulary": list(report.taiwan_words),
            "date": report.date, "date_from": report.date_from, "counts": report.counts,
            "notes": list(report.notes),
            "warnings": [{"path": w.path, "line": w.line, "message": w.message} for w in report.warnings],
            "errors": list(report.errors)}
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def run(file: str, slug: str | None, title: str | None, date: dt.date | None, out: str, force: bool,
        fmt: str) -> int:
    """``archive import``: 0 written, 1 the Markdown did not parse back (nothing written), 2 could not run."""
    try:
        if file == "-":
            text, name = sys.stdin.buffer.read().decode("utf-8-sig"), "<stdin>"
        else:
            text, name = Path(file).read_text(encoding="utf-8-sig"), file
        if slug is None:
            stem = Path(file).stem.lower() if file != "-" else ""
            slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-") if stem.isascii() else ""
            if not slug:
                raise ImportFailed("give the interview's slug with --slug (lowercase ASCII, e.g. ferry-radio): "
                                   "it cannot be derived from " + ("standard input" if file == "-" else
                                                                   f"the file name '{Path(file).name}'"))
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug):
            raise ImportFailed(f"slug '{slug}' must be lowercase ASCII letters, digits and single '-'")
        target = Path(out) / slug / "index.md"
        if target.exists() and not force:
            raise ImportFailed(f"{target} exists; pass --force to overwrite it")
        result = import_text(text, name, slug, target.as_posix(), title, date)
    except (OSError, UnicodeDecodeError, ImportFailed) as exc:
        message = f"archive import: {exc}"
        if fmt == "json":
            sys.stdout.write(json.dumps({"version": 1, "written": False, "error": message}, ensure_ascii=False) + "\n")
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
