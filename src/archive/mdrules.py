"""markdown-it rules of our own dialect, each linear in its input.

Owns the syntax markdown-it does not know and the guards that keep markdown-it
linear: overrides ``-{…}-`` (an ``override`` token, or ``override_unmatched``
for a mark that opens or closes nothing), a record of every footnote
definition line (mdit-py-plugins lets a second ``[^a]:`` replace the first
silently), footnote references run only where a label can end, and guards that
turn floods of ``[`` and of ``*``/``_`` into text or one ``bracket_flood``
token. Every rule that looks ahead for a closing mark remembers where it found
it (:func:`find_after`), so no position is scanned twice. A line that only a
paragraph (or a ``---``/``===`` heading under it) can start goes straight to
those two rules instead of through the nine before them, which is most lines of
an interview, and a ``#`` line to the heading rule first
(:func:`_plain_paragraph`); inline content holding no character an inline
rule reacts to becomes its one text token without an inline parse
(:func:`_inline`); ``normalize`` and ``text_join`` run only on a body that has
something for them to do. tests/test_fast_paths.py holds each to markdown-it's own result.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_block.heading import heading
from markdown_it.rules_block.lheading import lheading
from markdown_it.rules_block.paragraph import paragraph
from markdown_it.rules_core import StateCore
from markdown_it.rules_core.normalize import normalize
from markdown_it.rules_core.text_join import text_join
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_ref

FOOTNOTE_DEF_RE = re.compile(r"\[\^([^\]\s]+)\]:")
OVERRIDE_OPEN, OVERRIDE_CLOSE = "-{", "}-"
CLOSE_RE = re.compile(re.escape(OVERRIDE_CLOSE))
NEWLINE_RE = re.compile("\n")
REF_STOP_RE = re.compile(r"[ \n\]]")
LABEL_END_RE = re.compile(r"\]")
MAX_BRACKETS = 2000
"""More '[' than this in one paragraph and it is not read for links or notes (see _bracket_guard)."""
BRACKET_RUN_RE = re.compile(r"[\[^]+")
LONG_RUN_RE = re.compile(r"\*{65,}|_{65,}")
DELIMITER_RUN_RE = re.compile(r"[*_]+")
MAX_DELIMITERS = 4000
"""More '*' and '_' than this in one paragraph and it is not read for emphasis."""
OPEN_RUN_RE = re.compile(r"(?:\\?-\{)+")
CLOSE_RUN_RE = re.compile(r"(?:\}-)+")
BLOCK_MARKS = frozenset("`~>*-_+0123456789[<#")
"""The first characters of a line that a block rule other than lheading and paragraph can take:
fences, blockquotes, rules, lists, footnote and reference definitions, HTML, ATX headings."""


def _plain_paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line starting with none of :data:`BLOCK_MARKS`, not indented as code: lheading, else paragraph;
    a line starting with ``#``: heading, else lheading, else paragraph.

    Every other block rule gives up on such a line (each checks its mark
    first), so trying them all in turn, as markdown-it does, decides the same
    at nine calls' cost; here they are skipped. lheading is skipped too when
    the next line is blank or there is none (most paragraphs of an interview
    are one line): it looks for its underline there, and finding none, only
    leaves ``parentType`` set to ``paragraph``, as done here (32.75 -> 30.91 M
    instructions an interview's parse, with the heading lines). Not a terminator of
    any block.
    """
    if state.sCount[start] - state.blkIndent >= 4:
        return False
    mark = state.src[state.bMarks[start] + state.tShift[start]]
    if mark == "#":
        if heading(state, start, end, silent):
            return True
    elif mark in BLOCK_MARKS:
        return False
    after = start + 1
    if after < end and state.bMarks[after] + state.tShift[after] < state.eMarks[after]:
        return lheading(state, start, end, silent) or paragraph(state, start, end, silent)
    state.parentType = "paragraph"
    return paragraph(state, start, end, silent)


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


def _normalize(state: StateCore) -> None:
    """markdown-it's ``normalize`` (``\\r`` line ends to ``\\n``, NUL to U+FFFD), only where there is one."""
    if "\r" in state.src or "\0" in state.src:
        normalize(state)


def _text_join(state: StateCore) -> None:
    """markdown-it's ``text_join``, only on a body with a backslash or an ampersand.

    It turns the ``text_special`` tokens of the escape and entity rules (the
    only ones, which start at ``\\`` and ``&``) into text and joins them with the
    text around them; every other run of text is one token already (the inline
    parser's pending text, and ``fragments_join`` after emphasis). Without
    either mark it rebuilds every inline token's children unchanged
    (30.91 -> 30.37 M instructions an interview's parse).
    """
    if "\\" in state.src or "&" in state.src:
        text_join(state)


def _inline(state: StateCore) -> None:
    """markdown-it's ``inline`` core rule, with plain text spared the inline parser.

    Content with no terminator character (none of the marks the ``text`` rule
    stops at, which every other inline rule of ours and markdown-it's needs to
    start) is consumed whole by the ``text`` rule and becomes one text token:
    that token is made here directly. Anything else is parsed as before.
    """
    md = state.md
    terminator = md.inline.terminator_re.search
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            content = token.content
            if content and terminator(content) is None and not token.children:
                text = Token("text", "", 0)
                text.content = content
                token.children.append(text)
            else:
                md.inline.parse(content, md, state.env, token.children)


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
    """One token for the first unmatched ``mark`` of a paragraph; later ones are plain text.

    The marks of the same kind right after it are unmatched too (no ``}-``
    follows on the line; no ``-{`` comes between), so the whole run is taken
    at once: 500,000 of them do not each go through every inline rule.
    """
    src = state.src
    text = src[state.pos:state.pos + length].lstrip("\\")
    run = (OPEN_RUN_RE if mark == OVERRIDE_OPEN else CLOSE_RUN_RE).match(src, state.pos + length, state.posMax)
    more = run.group(0) if run else ""
    reported = state.env.setdefault("archive_unmatched", {})
    if not silent and reported.get(mark) is not src:
        reported[mark] = src
        token = state.push("override_unmatched", "", 0)
        token.content = text
        token.markup = mark
        if more:
            _append_text(state, more.replace("\\-{", "-{"))
    elif not silent:
        _append_text(state, text + more.replace("\\-{", "-{"))
    state.pos += length + len(more)
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
    return _take_run(state, run, silent, flood, seen[2], "bracket_flood")


def _long_delimiter_run(state: StateInline, silent: bool) -> bool:
    """``*`` and ``_`` that emphasis need not pair: long runs, and floods.

    More than 64 in a row are text (no emphasis nests that deep; the emphasis
    rule would make a token per character and pair them all). A paragraph
    holding more than ``MAX_DELIMITERS`` of them is not read for emphasis: its
    first run becomes an ``emphasis_flood`` token (the reader reports it), the
    rest text.
    """
    src = state.src
    if src[state.pos] not in "*_":
        return False
    memo = state.env.setdefault("archive_delimiters", {})
    seen = memo.get("count")
    if seen is None or seen[0] is not src:
        seen = memo["count"] = (src, src.count("*") + src.count("_"), [False])
    flood = seen[1] > MAX_DELIMITERS
    run = (DELIMITER_RUN_RE if flood else LONG_RUN_RE).match(src, state.pos, state.posMax)
    if run is None:
        return False
    return _take_run(state, run, silent, flood, seen[2], "emphasis_flood")


def _take_run(state: StateInline, run: re.Match, silent: bool, flood: bool, reported: list[bool],
              kind: str) -> bool:
    """Consume a run the rules above own: the first run of a flood becomes a ``kind`` token (reported
    once a paragraph), any other run plain text."""
    if not silent:
        if flood and not reported[0]:
            reported[0] = True
            token = state.push(kind, "", 0)
            token.content = run.group(0)
        else:
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
    md.block.ruler.before("code", "archive_plain_paragraph", _plain_paragraph)
    md.core.ruler.at("normalize", _normalize)
    md.core.ruler.at("inline", _inline)
    md.core.ruler.at("text_join", _text_join)
    md.disable(["html_block", "html_inline"])  # with "html" off, both give up on every input
    md.block.ruler.before("footnote_def", "archive_record_defs", _record_footnote_defs,
                          {"alt": ["paragraph", "reference"]})
    md.validateLink = lambda url: True  # judged by InlineReader, which reports instead of dropping
    return md
