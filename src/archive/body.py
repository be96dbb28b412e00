"""The body of an interview: markdown-it's block tokens → a block tree → lead and sections.

Owns the block tree (:class:`BlockNode`, made in one pass) and the walk over
the blocks after the front matter, one ``_on_<type>`` handler per node type
(MyST's ``render_<type>`` dispatch): the lead until
the first ``## 01.`` heading, then sections with an optional ``###`` kicker,
questions opened by the interviewer's label, answers by each interviewee's
label (or unlabelled, when there is only one), narration between them, an
editor's remark (blockquote) in the lead, and ``* * *`` closing a question.
Anything else the format has no place for is a diagnostic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Sequence

from markdown_it.token import Token

from .errors import Code, Diagnostic
from .figures import read_paragraph
from .markdown import InlineReader
from .model import (Answer, Block, Figure, Inline, LineBreak, Narration, Paragraph, Question,
                    Remark, Section, Span, Text)

HEADING_RE = re.compile(r"(\d{1,3})\.\s*(.*?)(?:\s*\{#([^}]*)\})?\s*\Z", re.S)
SECTION_ID_RE = re.compile(r"[a-z][a-z0-9-]{0,40}\Z")
RESERVED_ID_RE = re.compile(r"(q\d+|n-.*|r-.*|notes|top|nav|main|content)\Z")
LABEL_RE = re.compile(r"([^\s:：]{1,12})\s*[:：]\s*")
INTERVIEWER = "interviewer"
UNSUPPORTED = {
    "bullet_list": "a line starting with '* ' or '- ' makes a list; write paragraphs "
                   "(a note line is '[^label]: …')",
    "ordered_list": "a line starting with '1. ' makes a list; write paragraphs, or escape it as '1\\.'",
    "code_block": "a line indented by four spaces is a code block; remove the indentation",
    "fence": "code fences have no place in an interview; remove the ``` lines",
}


class BlockNode:
    """One node of the block tree: what markdown-it's ``SyntaxTreeNode`` offers the walk, made cheaply.

    ``token`` is the node's own token (a leaf such as ``inline`` or ``hr``) or
    its opening token (``paragraph_open`` for a paragraph); ``map``, ``markup``,
    ``tag`` and ``meta`` are read from it, as ``SyntaxTreeNode`` reads them.
    An inline token keeps its flat children: :class:`InlineReader` reads them
    with an explicit stack, so 5,000 nested emphasis marks cost neither
    recursion nor copies of the list.
    """

    __slots__ = ("type", "token", "children")

    def __init__(self, type: str, token: Token | None) -> None:
        self.type, self.token = type, token
        self.children: list[BlockNode] = []

    @property
    def map(self) -> list[int] | None:
        return self.token.map if self.token is not None else None

    @property
    def markup(self) -> str:
        return self.token.markup if self.token is not None else ""

    @property
    def tag(self) -> str:
        return self.token.tag if self.token is not None else ""

    @property
    def meta(self) -> dict:
        return self.token.meta if self.token is not None else {}


def block_tree(tokens: Sequence[Token]) -> BlockNode:
    """The block tokens as a tree, built in one pass without recursion (the root's type is ``root``)."""
    root = BlockNode("root", None)
    stack = [root]
    for token in tokens:
        nesting = token.nesting
        if nesting == 1:
            kind = token.type
            node = BlockNode(kind[:-5] if kind.endswith("_open") else kind, token)
            stack[-1].children.append(node)
            stack.append(node)
        elif nesting == -1:
            if len(stack) > 1:
                stack.pop()
        else:
            stack[-1].children.append(BlockNode(token.type, token))
    return root


@dataclass
class _Turn:
    """A question being assembled."""

    question: Question
    answers: list[Answer] = field(default_factory=list)
    speaker: str | None = None
    blocks: list[Paragraph | Figure] = field(default_factory=list)
    answer_span: Span | None = None


@dataclass
class _Section:
    """A section being assembled."""

    id: str
    number: int
    headline: tuple[Inline, ...]
    span: Span
    kicker: tuple[Inline, ...] = ()
    blocks: list[Block] = field(default_factory=list)


class Body:
    """One walk over the top-level blocks of a body (see the module docstring)."""

    def __init__(self, reader: InlineReader, folder: str, offset: int, labels: dict[str, str],
                 script: str, people_known: bool = True):
        self.reader, self.folder, self.offset, self.script = reader, folder, offset, script
        self.labels = labels
        self.people_known = people_known
        self.interviewees = sorted(set(k for k in labels.values() if k != INTERVIEWER),
                                   key=list(labels.values()).index)
        self.diags: list[Diagnostic] = []
        self.lead: list[Block] = []
        self.sections: list[Section] = []
        self.current: _Section | None = None
        self.turn: _Turn | None = None
        self.notes: BlockNode | None = None
        self.kicker_may_follow = False
        self.questions = 0

    def error(self, code: Code, line: int, message: str) -> None:
        self.diags.append(Diagnostic.make(code, self.reader.path, line, message))

    def line(self, node: BlockNode) -> int:
        token = node.token  # not node.map: a property call, twice, for every block
        return (token.map[0] if token is not None and token.map else 0) + 1 + self.offset

    def run(self, tree: BlockNode) -> tuple[tuple[Block, ...], tuple[Section, ...], BlockNode | None]:
        """(lead, sections, the footnote block node or None).

        Each handler is called with the node and whether a ``###`` kicker may
        stand here (the node before was a section heading).
        """
        handlers = _HANDLERS
        for node in tree.children:
            handler = handlers.get(node.type)
            if handler is None:  # the first node of its type: found by name once, not per node
                handler = handlers[node.type] = getattr(Body, f"_on_{node.type}", Body._on_other)
            kicker_may_follow = self.kicker_may_follow
            self.kicker_may_follow = False
            handler(self, node, kicker_may_follow)
        self._close_section()
        seen: dict[str, int] = {}
        for section in self.sections:
            if section.id in seen:
                self.error(Code.ID002, section.span.line, f"section id '{section.id}' is also used on line "
                           f"{seen[section.id]}; give each section its own id")
            seen.setdefault(section.id, section.span.line)
        return tuple(self.lead), tuple(self.sections), self.notes

    # -- one handler per node type

    def _on_footnote_block(self, node: BlockNode, _: bool) -> None:
        self.notes = node

    def _on_hr(self, node: BlockNode, _: bool) -> None:
        self._close_turn()

    def _on_heading(self, node: BlockNode, kicker_may_follow: bool) -> None:
        line, markup = self.line(node), node.markup
        inline = node.children[0].token.children or [] if node.children else []
        if node.tag == "h2" and markup.startswith("#"):
            previous = self.current.number if self.current else (self.sections[-1].number if self.sections else 0)
            self._close_section()
            self.current = self._section_head(node.children[0].token, line, previous)
            self.kicker_may_follow = True
        elif node.tag == "h3" and markup.startswith("#") and kicker_may_follow and self.current:
            self.current.kicker = self.reader.tokens(inline, line)
        elif markup in ("=", "-"):
            self.error(Code.SEC002, line, "a line of '===' or '---' under text makes a heading; "
                       "leave a blank line before '---', or write '* * *' to end an answer")
        else:
            self.error(Code.SEC002, line, f"a {'#' * int(node.tag[1])} heading has no place here: "
                       "sections are '## 01. headline', kickers '### …' right below them, and "
                       "the title comes from the front matter")

    def _on_blockquote(self, node: BlockNode, _: bool) -> None:
        line = self.line(node)
        if self.current is not None:
            self.error(Code.MD002, line, "a blockquote is only for the editor's remark in the lead; "
                       "remove the '>'")
        inner = [self._read(child) for child in descendant_paragraphs(node)]
        if self.current is None:
            self.lead.append(Remark(tuple(p for p in inner if isinstance(p, Paragraph)),
                                    Span(self.reader.path, line)))

    def _on_paragraph(self, node: BlockNode, _: bool) -> None:
        line = self.line(node)
        block = self._read(node, line)
        if self.current is None:
            self.lead.append(block)
        elif isinstance(block, Figure):
            turn = self.turn
            (turn.blocks if turn and turn.speaker else self.current.blocks).append(block)
        else:
            self._place(block, line)

    def _on_other(self, node: BlockNode, _: bool) -> None:
        """Lists, code blocks and anything else the format has no place for."""
        what = node.type
        advice = UNSUPPORTED.get(what, f"{what.replace('_', ' ')} is not part of the interview format; "
                                 "write paragraphs")
        self.error(Code.MD002, self.line(node), advice)

    # -- questions and answers

    def _place(self, block: Paragraph, line: int) -> None:
        """A paragraph inside a section: a question, an answer, or narration."""
        label, rest = _speaker_label(block, self.labels)
        turn, current = self.turn, self.current
        assert current is not None
        if label and self.labels[label] == INTERVIEWER:
            self._close_turn()
            self.questions += 1
            self.turn = _Turn(Question(f"q{self.questions:02d}", self.questions, rest, (), block.span))
        elif turn is None:
            if label:
                self.error(Code.QA002, line, f"an answer by '{label}' with no question before it; "
                           "start the question with 問：, or end the label with something else")
            current.blocks.append(rest)
        elif label:
            self._close_answer(turn)
            turn.speaker, turn.answer_span = self.labels[label], block.span
            turn.blocks.append(rest)
        else:
            if turn.speaker is None:
                turn.speaker, turn.answer_span = self._unlabelled_speaker(line), block.span
            turn.blocks.append(block)

    def _unlabelled_speaker(self, line: int) -> str:
        """Who gives an answer that starts without a label: the only interviewee, or nobody (QA002)."""
        if len(self.interviewees) == 1:
            return self.interviewees[0]
        if self.people_known:
            example = next((k for k, v in self.labels.items() if v != INTERVIEWER), "答")
            self.error(Code.QA002, line, "with several interviewees, an answer starts with "
                       f"the speaker's label (e.g. '{example}：'); add it")
        return ""

    def _close_answer(self, turn: _Turn) -> None:
        if turn.speaker is not None and turn.blocks:
            turn.answers.append(Answer(turn.speaker, tuple(turn.blocks), turn.answer_span or turn.question.span))
        turn.speaker, turn.blocks, turn.answer_span = None, [], None

    def _close_turn(self) -> None:
        turn, current = self.turn, self.current
        if turn is None or current is None:
            return
        self._close_answer(turn)
        question = turn.question
        if not turn.answers:
            self._no_answer(question)
        current.blocks.append(Question(question.id, question.number, question.text,
                                       tuple(turn.answers), question.span))
        self.turn = None

    def _no_answer(self, question: Question) -> None:
        """QA001, saying so when the answer is on the question's next line without a blank line."""
        if any(isinstance(item, LineBreak) or (isinstance(item, Text) and "\n" in item.text)
               for item in question.text.content):
            self.error(Code.QA001, question.span.line + 1, "this question has no answer, because this "
                       "line, written right under the question, is part of it: leave a blank line "
                       "between the question and its answer")
            return
        self.error(Code.QA001, question.span.line, "this question has no answer; add the answer "
                   "paragraphs after it, or remove the question")

    # -- sections

    def _close_section(self) -> None:
        self._close_turn()
        current = self.current
        if current is not None:
            self.sections.append(Section(current.id, current.number, current.headline, current.kicker,
                                         _group_narration(current.blocks), current.span))
        self.current = None

    def _section_head(self, inline: Token, line: int, count: int) -> _Section:
        """``count`` is the previous section's number (0 for the first)."""
        match = HEADING_RE.match(inline.content)
        number = count + 1
        sid = f"s{number:02d}"
        headline_text = inline.content
        if not match:
            self.error(Code.SEC001, line, f"a section heading is '## {number:02d}. headline'; "
                       "add the number and the dot")
        else:
            number, headline_text = int(match.group(1)), match.group(2)
            if number != count + 1:
                self.error(Code.SEC001, line, f"section {match.group(1)} follows section {count:02d}; "
                           f"number sections 01, 02, … without gaps (expected {count + 1:02d})")
            sid = f"s{number:02d}"
            if match.group(3) is not None:
                sid = match.group(3).strip().lstrip("#")
                if not SECTION_ID_RE.match(sid) or RESERVED_ID_RE.match(sid):
                    self.error(Code.ID002, line, f"section id '{sid}' must be lowercase ASCII "
                               "(a-z, 0-9, '-'), start with a letter, and not look like q07 or n-…")
        headline = self.reader.tokens(_headline_tokens(inline, match), line)
        if not headline_text.strip():
            self.error(Code.SEC001, line, "this section has no headline; write it after the number")
        return _Section(sid, number, headline, Span(self.reader.path, line))

    def _read(self, node: BlockNode, line: int | None = None) -> Paragraph | Figure:
        inline = node.children[0].token if node.children else None
        children = (inline.children or []) if inline is not None else []
        return read_paragraph(self.reader, children, self.line(node) if line is None else line,
                              self.folder, self.script)


_HANDLERS: dict[str, Callable[[Body, BlockNode, bool], None]] = {}
"""Body's handler for each node type met so far (``Body._on_<type>``, or ``Body._on_other``)."""


def _headline_tokens(inline: Token, match: re.Match[str] | None) -> list[Token]:
    """The heading's inline tokens without "01. " and " {#id}", the rest's markup kept."""
    children = list(inline.children or [])
    if not (match and children and children[0].type == "text"):
        return children
    prefix = inline.content[:match.start(2)]
    children[0] = Token("text", "", 0, content=children[0].content[len(prefix):])
    if match.group(3) is not None and children[-1].type == "text":
        tail = children[-1].content
        brace = tail.rfind("{#")
        children[-1] = Token("text", "", 0, content=tail[:brace].rstrip() if brace >= 0 else tail)
    return children


def descendant_paragraphs(node: BlockNode) -> list[BlockNode]:
    """Every paragraph inside ``node``, at any depth, in document order."""
    found, stack = [], list(reversed(node.children))
    while stack:
        child = stack.pop()
        if child.type == "paragraph":
            found.append(child)
        else:
            stack.extend(reversed(child.children))
    return found


def _speaker_label(block: Paragraph, labels: dict[str, str]) -> tuple[str | None, Paragraph]:
    """If the paragraph starts with 'LABEL：', return the label and the paragraph without it."""
    if not block.content or not isinstance(block.content[0], Text):
        return None, block
    first = block.content[0].text
    match = LABEL_RE.match(first)
    if not match or match.group(1) not in labels:
        return None, block
    rest = first[match.end():]
    content = ((Text(rest),) if rest else ()) + block.content[1:]
    return match.group(1), Paragraph(content, block.span)


def _group_narration(blocks: list[Block]) -> tuple[Block, ...]:
    """Consecutive loose paragraphs of a section form one Narration block."""
    out: list[Block] = []
    run: list[Paragraph] = []
    for block in [*blocks, None]:
        if isinstance(block, Paragraph):
            run.append(block)
            continue
        if run:
            out.append(Narration(tuple(run), run[0].span))
            run = []
        if block is not None:
            out.append(block)
    return tuple(out)
