"""The one MarkdownIt instance and the conversion of inline tokens to model inlines.

Owns the Markdown dialect: CommonMark with raw HTML off, footnotes with
labels (inline ``^[...]`` notes off), plus a block rule that records every
footnote definition with its line in ``env`` — mdit-py-plugins lets a second
``[^a]:`` silently replace the first, and we must report it. Links are let
through by markdown-it and judged here, so an unsafe scheme becomes a
diagnostic instead of silently vanishing into text. Overrides ``-{…}-`` are
an inline rule of the instance (an ``override`` token, like a footnote
reference); stage directions are split out of text tokens by
:class:`InlineReader`. Every rule that looks ahead for a closing mark
(overrides, footnote references) remembers where it found it, so a file of
``-{`` or ``[^`` repeated is read in linear time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_ref

from . import textcheck

from .errors import Code, Diagnostic
from .model import (Code as InlineCode, Emphasis, Inline, LineBreak, Link, NoteRef, Protected,
                    Span, Stage, Text, Variant)

NOTE_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
FOOTNOTE_DEF_RE = re.compile(r"\[\^([^\]\s]+)\]:")
LEFTOVER_REF_RE = re.compile(r"\[\^([^\]\s\[]+)\]")
"""A ``[^label]`` markdown-it left as text; a label never holds ``[`` (that keeps the scan linear)."""
RAW_HTML_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--")
OVERRIDE_OPEN, OVERRIDE_CLOSE = "-{", "}-"
CLOSE_RE = re.compile(re.escape(OVERRIDE_CLOSE))
NEWLINE_RE = re.compile("\n")
REF_STOP_RE = re.compile(r"[ \n\]]")
LABEL_END_RE = re.compile(r"\]")
MAX_BRACKETS = 2000
"""More '[' than this in one paragraph and it is not read for links or notes (see _bracket_guard)."""
BRACKET_RUN_RE = re.compile(r"[\[^]+")
LONG_RUN_RE = re.compile(r"\*{65,}|_{65,}")
PAIR_PART_RE = re.compile(r"\s*(zh-hans|zh-hant)\s*:([^;]*)")
INTERNAL_LINK_RE = re.compile(r"([a-z0-9]+(?:-[a-z0-9]+)*)?(?:#([A-Za-z][A-Za-z0-9_-]*))?\Z")
SAFE_SCHEMES = ("https://", "http://", "mailto:")
MAX_NESTING = 20
"""Emphasis and links nested deeper than this are an error (later stages walk the tree recursively)."""


def _record_footnote_defs(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """Note every ``[^label]:`` line (with its 0-based line) before the real rule consumes it."""
    pos = state.bMarks[start] + state.tShift[start]
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    match = FOOTNOTE_DEF_RE.match(state.src, pos)
    if match and not silent:
        state.env.setdefault("archive_defs", []).append(
            (match.group(1), start, state.sCount[start] + 1))
    return False


def find_after(state: StateInline, pattern: re.Pattern[str], pos: int) -> int:
    """Index of the next match of ``pattern`` in the inline source at or after ``pos``, or -1.

    The answer is remembered per pattern: a later question from a position
    before the remembered match gets it without scanning again, so a rule that
    looks ahead at every position costs linear time in all.
    """
    memo = state.env.setdefault("archive_find", {})
    seen = memo.get(pattern.pattern)
    if seen is not None and seen[0] is state.src and seen[1] <= pos and (seen[2] < 0 or pos <= seen[2]):
        return seen[2]
    match = pattern.search(state.src, pos)
    found = match.start() if match else -1
    memo[pattern.pattern] = (state.src, pos, found)
    return found


def override_rule(state: StateInline, silent: bool) -> bool:
    """``-{text}-`` on one line becomes an ``override`` token holding ``text`` verbatim.

    A ``-{`` with no ``}-`` after it on its line, or a ``}-`` that closes
    nothing, becomes an ``override_unmatched`` token holding the mark's text,
    so the reader can report it. ``\\-{`` opens an override like ``-{`` (the
    backslash only stops a list at the start of a line, as it always did);
    ``-\\{`` is a literal ``-{``.
    """
    src, pos = state.src, state.pos
    start = pos + 1 if src.startswith("\\" + OVERRIDE_OPEN, pos) else pos
    if src.startswith(OVERRIDE_OPEN, start):
        close = find_after(state, CLOSE_RE, start + 2)
        newline = find_after(state, NEWLINE_RE, start + 2)
        if close < 0 or close + 2 > state.posMax or 0 <= newline < close:
            return _unmatched(state, silent, OVERRIDE_OPEN, start + 2 - pos)
        if not silent:
            token = state.push("override", "", 0)
            token.content = src[start + 2:close]
            token.markup = OVERRIDE_OPEN
        state.pos = close + 2
        return True
    if src.startswith("-", pos) and pos > 0 and src[pos - 1] == "}" and (pos < 2 or src[pos - 2] != "\\"):
        return _unmatched(state, silent, OVERRIDE_CLOSE, 1)
    return False


def _unmatched(state: StateInline, silent: bool, mark: str, length: int) -> bool:
    """One token for the first unmatched ``mark`` of a paragraph; later ones are plain text."""
    text = state.src[state.pos:state.pos + length].lstrip("\\")
    reported = state.env.setdefault("archive_unmatched", {})
    if not silent and reported.get(mark) is not state.src:
        reported[mark] = state.src
        token = state.push("override_unmatched", "", 0)
        token.content = text
        token.markup = mark
    elif not silent:
        _append_text(state, text)
    state.pos += length
    return True


def _footnote_ref(state: StateInline, silent: bool) -> bool:
    """mdit-py-plugins' reference rule, run only where a label can end (it scans to the end otherwise)."""
    if not state.src.startswith("[^", state.pos):
        return False
    stop = find_after(state, REF_STOP_RE, state.pos + 2)
    if stop < 0 or state.src[stop] != "]":
        return False
    return footnote_ref(state, silent)


def _append_text(state: StateInline, text: str) -> None:
    append = getattr(state, "append_pending", None)  # markdown-it-py >= 4: amortised O(1)
    if append is not None:
        append(text)
    else:
        state.pending += text


def _bracket_guard(state: StateInline, silent: bool) -> bool:
    """``[`` that cannot start a link or note reference is plain text, decided without a scan.

    markdown-it's link rule scans ahead for the label's end at every ``[``,
    through every ``[`` nested after it: 500,000 ``[`` and one ``]`` take
    minutes. Here a run of ``[``/``^`` with no ``]`` after it is text at once,
    and a paragraph holding more than ``MAX_BRACKETS`` ``[`` is not read for
    links or notes at all: its first ``[`` becomes a ``bracket_flood`` token
    (the reader reports it), the rest text.
    """
    src = state.src
    if src[state.pos] != "[":
        return False
    memo = state.env.setdefault("archive_brackets", {})
    seen = memo.get("count")
    if seen is None or seen[0] is not src:
        seen = memo["count"] = (src, src.count("["), [False])
    flood = seen[1] > MAX_BRACKETS
    if not flood and find_after(state, LABEL_END_RE, state.pos + 1) >= 0:
        return False
    run = BRACKET_RUN_RE.match(src, state.pos, state.posMax)
    assert run is not None
    if not silent:
        if flood and not seen[2][0]:
            seen[2][0] = True
            token = state.push("bracket_flood", "", 0)
            token.content = run.group(0)
        else:
            _append_text(state, run.group(0))
    state.pos = run.end()
    return True


def _long_delimiter_run(state: StateInline, silent: bool) -> bool:
    """More than 64 ``*`` or ``_`` in a row are text: no emphasis nests that deep (the
    emphasis rule would make a token per character and pair them all)."""
    if state.src[state.pos] not in "*_":
        return False
    run = LONG_RUN_RE.match(state.src, state.pos, state.posMax)
    if run is None:
        return False
    if not silent:
        _append_text(state, run.group(0))
    state.pos = run.end()
    return True


def make_markdown() -> MarkdownIt:
    """The project's Markdown parser: safe (no raw HTML) and deterministic."""
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.use(footnote_plugin, inline=False)
    md.inline.ruler.at("footnote_ref", _footnote_ref)
    md.inline.ruler.before("text", "archive_override", override_rule)
    md.inline.ruler.before("link", "archive_bracket", _bracket_guard)
    md.inline.ruler.before("emphasis", "archive_long_run", _long_delimiter_run)
    md.block.ruler.before("footnote_def", "archive_record_defs", _record_footnote_defs,
                          {"alt": ["paragraph", "reference"]})
    md.validateLink = lambda url: True  # judged by InlineReader, which reports instead of dropping
    return md


@dataclass
class InlineReader:
    """Turns markdown-it inline tokens (or plain strings) into model inlines, reporting problems."""

    path: str
    stage_words: Sequence[str]
    lines: Sequence[str]
    """The whole source file's lines, to find columns."""
    diags: list[Diagnostic] = field(default_factory=list)
    ref_counts: dict[str, int] = field(default_factory=dict)
    defined: frozenset[str] = frozenset()
    links: list[tuple[Link, Span]] = field(default_factory=list)
    unmatched: set[tuple[int, str]] = field(default_factory=set)
    """(line, mark) of unmatched override marks already reported."""
    punctuation_lines: set[int] = field(default_factory=set)
    """Lines already given a PUN001 warning."""

    def __post_init__(self) -> None:
        words = sorted(set(self.stage_words), key=len, reverse=True)
        alternatives = "|".join(re.escape(w) for w in words) or "(?!)"
        self.stage_re = re.compile(rf"[（(\[【]\s*(?:{alternatives})\s*[）)\]】]")

    # -- diagnostics helpers

    def _col(self, line: int, needle: str) -> int:
        if 1 <= line <= len(self.lines):
            found = self.lines[line - 1].find(needle)
            if found >= 0:
                return found + 1
        return 1

    def error(self, code: Code, line: int, message: str, needle: str = "", col: int = 1) -> None:
        self.diags.append(Diagnostic.make(code, self.path, line, message,
                                          col=self._col(line, needle) if needle else col))

    # -- plain strings (front matter values, alt text)

    def plain(self, value: str | None, line: int) -> tuple[Inline, ...]:
        """Front-matter text: overrides split out, the text checks applied, no Markdown."""
        if not value:
            return ()
        return _merge(self.overrides(value, line, checked=True))

    def overrides(self, text: str, line: int, checked: bool = False) -> list[Inline]:
        """Split ``-{…}-`` out of a plain string in one forward pass (never back over the text)."""
        out: list[Inline] = []
        pos = 0
        while True:
            start = text.find(OVERRIDE_OPEN, pos)
            close = text.find(OVERRIDE_CLOSE, start + 2) if start >= 0 else -1
            if close < 0:
                break
            at = line + text.count("\n", 0, start)
            out.extend(self._words(text[pos:start], at, stage=False) if checked else [Text(text[pos:start])])
            out.append(self._override(text[start + 2:close], at))
            pos = close + 2
        at = line + text.count("\n", 0, pos)
        out.extend(self._words(text[pos:], at, stage=False) if checked else [Text(text[pos:])])
        return out

    # -- token streams

    def tokens(self, children: Sequence[Token], line: int) -> tuple[Inline, ...]:
        """Convert the children of one inline token; ``line`` is its first source line."""
        stack: list[tuple[str, list[Inline], Token | None]] = [("root", [], None)]
        too_deep = 0
        for tok in children:
            out = stack[-1][1]
            kind = tok.type
            if kind == "text":
                out.extend(self._text(tok.content, line, stage=True))
            elif kind == "softbreak":
                out.append(Text("\n"))
                line += 1
            elif kind == "hardbreak":
                out.append(LineBreak())
                line += 1
            elif kind == "code_inline":
                out.append(InlineCode(tok.content))
            elif kind == "override":
                out.append(self._override(tok.content, line))
            elif kind == "bracket_flood":
                self.error(Code.MD002, line, f"this paragraph holds more than {MAX_BRACKETS} '[', too many to "
                           "read for links and notes; split it, or write \\[ for a bracket", needle="[")
                out.append(Text(tok.content))
            elif kind == "override_unmatched":
                self._unmatched(tok.markup, line)
                out.append(Text(tok.content))
            elif kind == "footnote_ref":
                label = tok.meta["label"]
                out.append(self._ref(label, line))
            elif kind in ("em_open", "strong_open", "link_open"):
                if len(stack) > MAX_NESTING:
                    if not too_deep:
                        self.error(Code.MD002, line, f"emphasis or links nested more than {MAX_NESTING} "
                                   "deep; simplify the markup")
                    too_deep += 1
                    continue
                stack.append((kind, [], tok))
            elif kind in ("em_close", "strong_close", "link_close") and too_deep:
                too_deep -= 1
            elif kind in ("em_close", "strong_close", "link_close") and len(stack) > 1:
                opened, kids, open_tok = stack.pop()
                parent = stack[-1][1]
                if opened == "link_open" and open_tok is not None:
                    parent.extend(self._link(str(open_tok.attrs.get("href", "")), tuple(kids), line))
                else:
                    parent.append(Emphasis(tuple(kids), strong=opened == "strong_open"))
            elif kind == "image":
                # images are only meaningful as figures; the parser handles those before us
                self.error(Code.MD002, line, "an image must stand at the start of its own paragraph, "
                           "followed by a ▲ caption line", needle="![")
            else:
                self.error(Code.MD002, line, f"unsupported Markdown ({kind}); write plain text")
        while len(stack) > 1:  # unbalanced (cannot happen with markdown-it, but never lose text)
            _, kids, _ = stack.pop()
            stack[-1][1].extend(kids)
        return _merge(stack[0][1])

    def _ref(self, label: str, line: int) -> Inline:
        if not NOTE_LABEL_RE.match(label):
            self.error(Code.FN004, line, f"note label [^{label}] must be ASCII letters, digits, '-' "
                       "or '_'; rename it, e.g. [^n1]", needle=f"[^{label}]")
        count = self.ref_counts.get(label, 0) + 1
        self.ref_counts[label] = count
        return NoteRef(label, count, Span(self.path, line, self._col(line, f"[^{label}]")))

    def _link(self, href: str, children: tuple[Inline, ...], line: int) -> list[Inline]:
        span = Span(self.path, line, self._col(line, f"]({href}"))
        if href.startswith(SAFE_SCHEMES):
            link = Link(href, children)
        else:
            match = INTERNAL_LINK_RE.match(href)
            if not href or not match:
                self.error(Code.LNK001, line, f"link target '{href}' is not allowed: use https://…, "
                           "mailto:…, another interview's slug (other-slug#s03) or #anchor",
                           needle=f"]({href}")
                return list(children)
            link = Link(href, children, interview=match.group(1), fragment=match.group(2))
        self.links.append((link, span))
        return [link]

    def _text(self, text: str, line: int, stage: bool) -> list[Inline]:
        """Split stage directions and leftover note syntax out of a text run."""
        return self._words(text, line, stage)

    def _override(self, body: str, line: int) -> Inline:
        if "zh-hans" not in body and "zh-hant" not in body:
            return Protected(body)
        parts = {}
        for piece in body.split(";"):
            if not piece.strip():
                continue
            match = PAIR_PART_RE.fullmatch(piece)
            if not match or match.group(1) in parts:
                parts = {}
                break
            parts[match.group(1)] = match.group(2).strip()
        if set(parts) != {"zh-hans", "zh-hant"} or not all(parts.values()):
            self.error(Code.OVR001, line, "an explicit pair is written "
                       "-{zh-hans:简体;zh-hant:繁體;}- with both forms; fix the pair or use -{text}- "
                       "to protect text as written", needle="-{")
            return Protected(body)
        return Variant(hans=parts["zh-hans"], hant=parts["zh-hant"])

    def _words(self, text: str, line: int, stage: bool) -> list[Inline]:
        if not text:
            return []
        if not stage and (OVERRIDE_OPEN in text or OVERRIDE_CLOSE in text):
            self._unmatched(OVERRIDE_OPEN if OVERRIDE_OPEN in text else OVERRIDE_CLOSE, line)
        self._punctuation(text, line)
        for match in LEFTOVER_REF_RE.finditer(text):
            label = match.group(1)
            at = line + text.count("\n", 0, match.start())
            if label in self.defined or not NOTE_LABEL_RE.match(label):
                continue  # a defined note that markdown-it could not link is reported elsewhere
            self.error(Code.FN001, at, f"note [^{label}] is referenced but never defined; "
                       f"add a line '[^{label}]: …' or remove the reference", needle=match.group(0))
        for match in RAW_HTML_RE.finditer(text):
            at = line + text.count("\n", 0, match.start())
            self.error(Code.MD001, at, f"raw HTML '{match.group(0)[:30]}' is shown as text, not "
                       "passed through; use Markdown instead", needle=match.group(0))
        if not stage:
            return [Text(text)]
        out: list[Inline] = []
        pos = 0
        for match in self.stage_re.finditer(text):
            if match.start() > pos:
                out.append(Text(text[pos:match.start()]))
            out.append(Stage((Text(match.group(0)),)))
            pos = match.end()
        if pos < len(text):
            out.append(Text(text[pos:]))
        return out


    def _unmatched(self, mark: str, line: int) -> None:
        """OVR001 for a mark that opens or closes nothing (once per line and mark)."""
        if (line, mark) in self.unmatched:
            return
        self.unmatched.add((line, mark))
        self.error(Code.OVR001, line, "unmatched override marker: write -{text}- or "
                   "-{zh-hans:…;zh-hant:…;}-", needle=mark)

    def _punctuation(self, text: str, line: int) -> None:
        """PUN001 for ASCII punctuation between CJK characters (text runs only: never code or URLs).

        One warning per source line (the first such mark on it), so a long line
        full of them costs one scan, not one per mark.
        """
        at, previous = line, 0
        for offset, _ in textcheck.half_width(text):
            at += text.count("\n", previous, offset)
            previous = offset
            if at in self.punctuation_lines:
                continue
            self.punctuation_lines.add(at)
            context = text[offset - 1:offset + 2]
            self.error(Code.PUN001, at, textcheck.half_width_message(text, offset),
                       col=self._col(at, context) + 1)


def _merge(items: list[Inline]) -> tuple[Inline, ...]:
    """Join adjacent Text leaves so equal content always yields equal trees."""
    out: list[Inline] = []
    for item in items:
        if isinstance(item, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + item.text)
        elif not (isinstance(item, Text) and not item.text):
            out.append(item)
    return tuple(out)


def plain_text(inlines: Sequence[Inline], script: str = "hant") -> str:
    """The text of inline content, without markup (for titles, alt text and JSON)."""
    parts: list[str] = []
    for item in inlines:
        if isinstance(item, (Text, Protected, InlineCode)):
            parts.append(item.text)
        elif isinstance(item, Variant):
            parts.append(item.hant if script == "hant" else item.hans)
        elif isinstance(item, (Stage, Emphasis, Link)):
            parts.append(plain_text(item.children, script))
        elif isinstance(item, LineBreak):
            parts.append("\n")
    return "".join(parts)
