"""The one MarkdownIt instance and the conversion of inline tokens to model inlines.

Owns turning markdown-it's inline tokens (and plain front-matter strings)
into model inlines, with the checks that belong to text: links are let through
by markdown-it and judged here, so an unsafe scheme becomes a diagnostic
instead of silently vanishing; note references are counted; override bodies
become Protected or Variant leaves; stage directions are split out of text;
raw HTML, leftover note syntax and half-width punctuation between CJK
characters are reported. The dialect itself (the MarkdownIt instance and our
rules) lives in :mod:`archive.mdrules`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Sequence

from markdown_it.token import Token

from . import textcheck
from .errors import Code, Diagnostic
from .mdrules import MAX_BRACKETS, MAX_DELIMITERS, OVERRIDE_CLOSE, OVERRIDE_OPEN
from .model import (Code as InlineCode, Emphasis, Inline, LineBreak, Link, NoteRef, Protected,
                    Span, Stage, Text, Variant)

NOTE_LABEL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\Z")
LEFTOVER_REF_RE = re.compile(r"\[\^([^\]\s\[]+)\]")
"""A ``[^label]`` markdown-it left as text; a label never holds ``[`` (that keeps the scan linear)."""
RAW_HTML_RE = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?/?>|<!--")
PAIR_PART_RE = re.compile(r"\s*(zh-hans|zh-hant)\s*:([^;]*)")
INTERNAL_LINK_RE = re.compile(r"([a-z0-9]+(?:-[a-z0-9]+)*)?(?:#([A-Za-z][A-Za-z0-9_-]*))?\Z")
SAFE_SCHEMES = ("https://", "http://", "mailto:")
MAX_NESTING = 20
"""Emphasis and links nested deeper than this are an error (later stages walk the tree recursively)."""


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
        if len(children) == 1 and children[0].type == "text":  # a paragraph of plain text
            return tuple(self._words(children[0].content, line, stage=True))  # merged already
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
            elif kind == "emphasis_flood":
                self.error(Code.MD002, line, f"this paragraph holds more than {MAX_DELIMITERS} '*' or '_', too "
                           "many to read for emphasis; split it, or write \\* for an asterisk", needle=tok.content)
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
        """The text's inlines, merged as :func:`_merge` would: no empty Text, no two Texts in a row."""
        if not text:
            return []
        if not stage and (OVERRIDE_OPEN in text or OVERRIDE_CLOSE in text):
            self._unmatched(OVERRIDE_OPEN if OVERRIDE_OPEN in text else OVERRIDE_CLOSE, line)
        if "," in text or ":" in text or ";" in text or "?" in text or "!" in text or "(" in text or ")" in text:
            self._punctuation(text, line)  # only these (textcheck.FULL) can be reported
        for match in LEFTOVER_REF_RE.finditer(text) if "[" in text else ():
            label = match.group(1)
            at = line + text.count("\n", 0, match.start())
            if label in self.defined or not NOTE_LABEL_RE.match(label):
                continue  # a defined note that markdown-it could not link is reported elsewhere
            self.error(Code.FN001, at, f"note [^{label}] is referenced but never defined; "
                       f"add a line '[^{label}]: …' or remove the reference", needle=match.group(0))
        for match in RAW_HTML_RE.finditer(text) if "<" in text else ():
            at = line + text.count("\n", 0, match.start())
            self.error(Code.MD001, at, f"raw HTML '{match.group(0)[:30]}' is shown as text, not "
                       "passed through; use Markdown instead", needle=match.group(0))
        if not stage or not ("（" in text or "(" in text or "[" in text or "【" in text):
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
    if len(items) == 1 and not (type(items[0]) is Text and not items[0].text):
        return (items[0],)
    out: list[Inline] = []
    for item in items:
        if isinstance(item, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + item.text)
        elif not (isinstance(item, Text) and not item.text):
            out.append(item)
    return tuple(out)
