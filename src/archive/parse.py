"""Markdown source text → :class:`~archive.model.Interview`, or diagnostics.

Owns the interview format's structure: front matter, lead, numbered
sections with kickers, questions and answers, narration, figures and notes.
:func:`parse_interview` never raises on any input: it returns a model (None
when errors make one meaningless) and every diagnostic found. Work is one
pass over markdown-it's tokens, linear in the size of the input.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from typing import Sequence

from markdown_it.token import Token

from .config import CONVERSIONS, DEFAULT_STAGE_DIRECTIONS, SLUG_RE, Checker, YMap, YList, load_yaml
from .errors import Code, Diagnostic, Severity
from .markdown import NOTE_LABEL_RE, InlineReader, make_markdown
from .model import (SCRIPTS, Answer, Block, Credit, Figure, Inline, Interview,
                    Link, Narration, Note, Paragraph, Person, Question, Remark, Section,
                    Source, Span, Text)

_MD = make_markdown()

FRONT_KEYS = ("title", "subtitle", "slug", "date", "script", "conversion", "summary",
              "interviewer", "interviewees", "credits", "source", "publisher", "rights", "glossary", "draft")
FRONT_REQUIRED = ("title", "date", "script", "summary", "interviewees", "source")
PERSON_KEYS = ("name", "role", "label")
SOURCE_KEYS = ("outlet", "date", "url")
QUESTION_LABELS = ("問", "问")
PLACEHOLDER = "TODO"
PLACEHOLDER_DATE = dt.date(1970, 1, 1)
"""A front-matter value starting with this is a placeholder (``archive import`` writes them): a warning."""
DEFAULT_ANSWER_LABEL = "答"
HEADING_RE = re.compile(r"(\d{1,3})\.\s*(.*?)(?:\s*\{#([^}]*)\})?\s*\Z", re.S)
SECTION_ID_RE = re.compile(r"[a-z][a-z0-9-]{0,40}\Z")
RESERVED_ID_RE = re.compile(r"(q\d+|n-.*|r-.*|notes|top|nav|main|content)\Z")
CAPTION_MARK = ("▲", "△")
CREDIT_RE = re.compile(r"[（(]\s*((?:圖源|图源|攝影|摄影|圖片來源|图片来源|圖|图)\s*[:：].*?)\s*[）)]\s*\Z", re.S)
IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif")


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
        return _Parser(text, path, folder, stage_words).run()
    except RecursionError:
        return Parsed(None, (Diagnostic.make(Code.MD002, path, 1,
                                             "the text nests too deeply to read; simplify the markup"),))


@dataclass
class _Turn:
    """A question being assembled."""

    question: Question
    answers: list[Answer] = field(default_factory=list)
    speaker: str | None = None
    blocks: list[Paragraph | Figure] = field(default_factory=list)
    answer_span: Span | None = None


class _Parser:
    def __init__(self, text: str, path: str, folder: str, stage_words: Sequence[str]):
        self.text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
        self.path = path
        self.folder = folder
        self.lines = self.text.split("\n")
        self.diags: list[Diagnostic] = []
        self.reader = InlineReader(path, stage_words, self.lines)
        self.question_count = 0

    def error(self, code: Code, line: int, message: str, col: int = 1) -> None:
        self.diags.append(Diagnostic.make(code, self.path, line, message, col=col))

    # -- the whole file

    def run(self) -> Parsed:
        front, body, offset = split_front_matter(self.text)
        if front is None:
            self.error(Code.FM001, 1, "an interview starts with front matter between two '---' lines "
                       "(title, date, script, summary, interviewees, source); see the README")
            return Parsed(None, tuple(sorted(self.diags)))
        data, ydiags = load_yaml(front, self.path, offset=1)
        self.diags.extend(ydiags)
        if data is None and not ydiags:
            data = YMap()
            data.lines = {}
        meta = self._front(data) if isinstance(data, YMap) else None
        if data is not None and not isinstance(data, YMap):
            self.error(Code.FM005, 2, "front matter must be 'key: value' lines")
        env: dict = {}
        tokens = _MD.parse(body, env)
        defs = env.get("archive_defs", [])
        self.reader.defined = frozenset(label for label, _, _ in defs)
        people = meta["labels"] if meta else {}
        lead, sections, note_tokens = self._body(tokens, offset, people)
        notes = self._notes(note_tokens, defs, offset)
        seen_ids: dict[str, int] = {}
        for section in sections:
            if section.id in seen_ids:
                self.error(Code.ID002, section.span.line, f"section id '{section.id}' is also used on line "
                           f"{seen_ids[section.id]}; give each section its own id")
            seen_ids.setdefault(section.id, section.span.line)
        self.diags.extend(self.reader.diags)
        if meta is None or any(d.severity is Severity.ERROR for d in self.diags):
            slug = meta["slug"] if meta and isinstance(meta["slug"], str) and SLUG_RE.match(meta["slug"]) else None
            return Parsed(None, tuple(sorted(set(self.diags))), slug=slug)
        interview = Interview(
            slug=meta["slug"], script=meta["script"], source_script=meta["script"],
            conversion=meta["conversion"], title=meta["title"], subtitle=meta["subtitle"],
            date=meta["date"], summary=meta["summary"], interviewer=meta["interviewer"],
            interviewees=meta["interviewees"], credits=meta["credits"], source=meta["source"],
            publisher=meta["publisher"], rights=meta["rights"], glossary=meta["glossary"],
            lead=lead, sections=sections, notes=notes, folder=self.folder,
            span=Span(self.path, 1), draft=meta["draft"])
        return Parsed(interview, tuple(sorted(set(self.diags))), tuple(self.reader.links))

    # -- front matter

    def _front(self, data: YMap) -> dict | None:
        check = Checker(self.path)
        check.keys(data, FRONT_KEYS, FRONT_REQUIRED, "the front matter")
        plain = self.reader.plain
        line = data.lines.get
        meta: dict = {}
        meta["title"] = plain(check.text(data, "title", "front matter", required=True), line("title", 1))
        meta["subtitle"] = plain(check.text(data, "subtitle", "front matter"), line("subtitle", 1))
        meta["summary"] = plain(check.text(data, "summary", "front matter"), line("summary", 1))
        meta["publisher"] = plain(check.text(data, "publisher", "front matter"), line("publisher", 1))
        meta["rights"] = plain(check.text(data, "rights", "front matter"), line("rights", 1))
        self._placeholders(data)
        meta["date"] = check.date(data, "date", "front matter")
        meta["draft"] = check.flag(data, "draft", "front matter")
        meta["script"] = check.choice(data, "script", SCRIPTS, None)
        meta["conversion"] = check.choice(data, "conversion", CONVERSIONS, "tw")
        slug = data.get("slug", os.path.basename(os.path.normpath(self.folder)))
        if not isinstance(slug, str) or not SLUG_RE.match(slug):
            check.error(Code.FM005, line("slug", 2), f"slug '{slug}' must be lowercase ASCII letters, "
                        "digits and single '-' (it is the URL); set 'slug:' in the front matter")
        meta["slug"] = slug
        meta["glossary"] = check.glossary(data.get("glossary"), line("glossary", 1))
        meta["interviewer"], labels = None, {label: "interviewer" for label in QUESTION_LABELS}
        if data.get("interviewer") is not None:
            person = self._person(check, data["interviewer"], line("interviewer", 1), "interviewer", "interviewer")
            meta["interviewer"] = person
            if person and person.label and person.label != QUESTION_LABELS[0]:
                labels[person.label] = "interviewer"
        people = []
        items = data.get("interviewees")
        if items is not None and not (isinstance(items, YList) and items):
            check.error(Code.FM005, line("interviewees", 1), "interviewees is a list: '- name: …' lines")
        elif items:
            for number, (item, item_line) in enumerate(zip(items, items.lines), 1):
                person = self._person(check, item, item_line, f"p{number}", "an interviewee")
                if person is None:
                    continue
                if not person.label and len(items) > 1:
                    check.error(Code.QA002, item_line, "with two or more interviewees each needs a "
                                "'label:' (the speaker label that starts their answers, e.g. 陳)")
                label = person.label or DEFAULT_ANSWER_LABEL
                if label in labels:
                    check.error(Code.QA002, item_line, f"speaker label '{label}' is used twice; give each "
                                "person their own label")
                labels[label] = person.key
                people.append(Person(person.key, person.name, person.role, label))
        meta["interviewees"] = tuple(people)
        meta["labels"] = labels
        meta["credits"] = self._credits(check, data.get("credits"), line("credits", 1))
        meta["source"] = self._source(check, data.get("source"), line("source", 1))
        self.diags.extend(check.diags)
        return meta

    def _placeholders(self, data: YMap) -> None:
        """FM007 for every value still a ``TODO`` placeholder, and for the importer's unknown date."""
        def walk(node: object, where: str, line: int) -> None:
            if isinstance(node, str) and node.strip().upper().startswith(PLACEHOLDER):
                self.error(Code.FM007, line, f"'{where}' is still the placeholder '{node.strip()}'; write the real text")
            elif isinstance(node, YMap):
                for key, value in node.items():
                    walk(value, f"{where}.{key}" if where else key, node.lines.get(key, line))
            elif isinstance(node, YList):
                for index, (value, item_line) in enumerate(zip(node, node.lines)):
                    walk(value, f"{where}[{index + 1}]", item_line)

        walk(data, "", 1)
        if data.get("date") == PLACEHOLDER_DATE:
            self.error(Code.FM007, data.lines.get("date", 1), "'date' is 1970-01-01, the importer's mark for a "
                       "date the text did not give; write the publication date")

    def _person(self, check: Checker, value: object, line: int, key: str, what: str) -> Person | None:
        data = check.mapping(value, what, line)
        if data is None:
            return None
        check.keys(data, PERSON_KEYS, ("name",), what)
        name = check.text(data, "name", what, required=True)
        role = check.text(data, "role", what)
        label = check.text(data, "label", what)
        if label and (len(label) > 12 or re.search(r"[\s:：]", label)):
            check.error(Code.FM005, data.lines["label"], "a speaker label is a short word without "
                        "spaces or colons, e.g. 陳")
        return Person(key, self.reader.plain(name, line), self.reader.plain(role, line), label or "")

    def _credits(self, check: Checker, value: object, line: int) -> tuple[Credit, ...]:
        if value is None:
            return ()
        if not isinstance(value, YList):
            check.error(Code.FM005, line, "credits is a list of '- 編譯: 名字' lines, in display order")
            return ()
        credits = []
        for item, item_line in zip(value, value.lines):
            if not (isinstance(item, YMap) and len(item) == 1):
                check.error(Code.FM005, item_line, "each credit is one '- ROLE: NAME' line, e.g. '- 編輯: Mori'")
                continue
            (role, name), = item.items()
            if not isinstance(name, (str, int)) or not str(name).strip():
                check.error(Code.FM005, item_line, f"credit '{role}' needs a name")
                continue
            credits.append(Credit(self.reader.plain(role, item_line), self.reader.plain(str(name).strip(), item_line)))
        return tuple(credits)

    def _source(self, check: Checker, value: object, line: int) -> Source:
        data = check.mapping(value, "source", line) if value is not None else None
        if data is None:
            return Source((), None, None)
        check.keys(data, SOURCE_KEYS, ("outlet",), "source")
        url = check.text(data, "url", "source")
        if url and not re.match(r"https?://\S+\Z", url):
            check.error(Code.LNK001, data.lines["url"], "the source url must start with https:// or http://")
            url = None
        return Source(self.reader.plain(check.text(data, "outlet", "source"), line),
                      check.date(data, "date", "source"), url)

    # -- body

    def _body(self, tokens: list[Token], offset: int, labels: dict[str, str]):
        """Walk block tokens: lead until the first '##', then sections; returns note tokens too."""
        lead: list[Block] = []
        sections: list[Section] = []
        current: dict | None = None
        turn: _Turn | None = None
        notes: list[Token] = []
        i = 0

        def close_turn() -> None:
            nonlocal turn
            if turn is None or current is None:
                return
            self._close_answer(turn)
            question = turn.question
            if not turn.answers:
                self.error(Code.QA001, question.span.line, "this question has no answer; add the answer "
                           "paragraphs after it, or remove the question")
            current["blocks"].append(Question(question.id, question.number, question.text,
                                              tuple(turn.answers), question.span))
            turn = None

        def close_section() -> None:
            nonlocal current
            close_turn()
            if current is not None:
                sections.append(Section(current["id"], current["number"], current["headline"],
                                        current["kicker"], _group_narration(current["blocks"]),
                                        current["span"]))
            current = None

        while i < len(tokens):
            tok = tokens[i]
            line = (tok.map[0] if tok.map else 0) + 1 + offset
            kind = tok.type
            if kind == "footnote_block_open":
                j = i
                while j < len(tokens) and tokens[j].type != "footnote_block_close":
                    j += 1
                notes = tokens[i:j]
                i = j + 1
                continue
            if kind == "heading_open":
                inline = tokens[i + 1]
                if tok.tag == "h2" and tok.markup.startswith("#"):
                    previous = current["number"] if current else (sections[-1].number if sections else 0)
                    close_section()
                    current = self._section_head(inline, line, previous)
                    if i + 4 < len(tokens) and tokens[i + 3].type == "heading_open" \
                            and tokens[i + 3].tag == "h3" and tokens[i + 3].markup.startswith("#"):
                        current["kicker"] = self.reader.tokens(tokens[i + 4].children or [],
                                                               tokens[i + 3].map[0] + 1 + offset)
                        i += 3
                elif tok.markup in ("=", "-"):
                    self.error(Code.SEC002, line, "a line of '===' or '---' under text makes a heading; "
                               "leave a blank line before '---', or write '* * *' to end an answer")
                else:
                    self.error(Code.SEC002, line, f"a {'#' * int(tok.tag[1])} heading has no place here: "
                               "sections are '## 01. headline', kickers '### …' right below them, and "
                               "the title comes from the front matter")
                i += 3
                continue
            if kind == "paragraph_open":
                inline = tokens[i + 1]
                block = self._paragraph(inline, line)
                i += 3
                if current is None:
                    lead.append(block)
                    continue
                if isinstance(block, Figure):
                    (turn.blocks if turn and turn.speaker else current["blocks"]).append(block)
                    continue
                label, rest = _speaker_label(block, labels)
                if label and labels[label] == "interviewer":
                    close_turn()
                    self.question_count += 1
                    qid = f"q{self.question_count:02d}"
                    turn = _Turn(Question(qid, self.question_count, rest, (), block.span))
                elif turn is not None:
                    if label:
                        self._close_answer(turn)
                        turn.speaker, turn.answer_span = labels[label], block.span
                        turn.blocks.append(rest)
                    elif turn.speaker is None:
                        interviewees = [k for k in labels.values() if k != "interviewer"]
                        if len(set(interviewees)) == 1:
                            turn.speaker, turn.answer_span = interviewees[0], block.span
                        else:
                            self.error(Code.QA002, line, "with several interviewees, an answer starts with "
                                       "the speaker's label (e.g. '" + next(
                                           (k for k, v in labels.items() if v != "interviewer"), "答")
                                       + "：'); add it")
                            turn.speaker, turn.answer_span = "", block.span
                        turn.blocks.append(block)
                    else:
                        turn.blocks.append(block)
                elif label:
                    self.error(Code.QA002, line, f"an answer by '{label}' with no question before it; "
                               "start the question with 問：, or end the label with something else")
                    current["blocks"].append(rest)
                else:
                    current["blocks"].append(block)
                continue
            if kind == "hr":
                close_turn()
                i += 1
                continue
            if kind == "blockquote_open":
                depth, j = 1, i + 1
                while j < len(tokens) and depth:
                    depth += {"blockquote_open": 1, "blockquote_close": -1}.get(tokens[j].type, 0)
                    j += 1
                inner = [self._paragraph(tokens[k + 1], (tokens[k].map[0] if tokens[k].map else 0) + 1 + offset)
                         for k in range(i + 1, j - 1) if tokens[k].type == "paragraph_open"]
                paragraphs = tuple(p for p in inner if isinstance(p, Paragraph))
                if current is None:
                    lead.append(Remark(paragraphs, Span(self.path, line)))
                else:
                    self.error(Code.MD002, line, "a blockquote is only for the editor's remark in the lead; "
                               "remove the '>'")
                i = j
                continue
            # lists, code blocks and anything else the format has no place for
            self.error(Code.MD002, line, _unsupported(kind))
            i = _skip_block(tokens, i)
        close_section()
        return tuple(lead), tuple(sections), notes

    def _close_answer(self, turn: _Turn) -> None:
        if turn.speaker is not None and turn.blocks:
            turn.answers.append(Answer(turn.speaker, tuple(turn.blocks), turn.answer_span or turn.question.span))
        turn.speaker, turn.blocks, turn.answer_span = None, [], None

    def _section_head(self, inline: Token, line: int, count: int) -> dict:
        """``count`` is the previous section's number (0 for the first)."""
        match = HEADING_RE.match(inline.content)
        number = count + 1
        sid = f"s{number:02d}"
        headline_text = inline.content
        if not match:
            self.error(Code.SEC001, line, f"a section heading is '## {number:02d}. headline'; "
                       "add the number and the dot")
        else:
            number = int(match.group(1))
            headline_text = match.group(2)
            if number != count + 1:
                self.error(Code.SEC001, line, f"section {match.group(1)} follows section {count:02d}; "
                           f"number sections 01, 02, … without gaps (expected {count + 1:02d})")
            sid = f"s{number:02d}"
            if match.group(3) is not None:
                sid = match.group(3).strip().lstrip("#")
                if not SECTION_ID_RE.match(sid) or RESERVED_ID_RE.match(sid):
                    self.error(Code.ID002, line, f"section id '{sid}' must be lowercase ASCII "
                               "(a-z, 0-9, '-'), start with a letter, and not look like q07 or n-…")
        children = inline.children or []
        if match and children and children[0].type == "text":
            # drop "01. " and " {#id}" from the first/last text tokens, keep the rest's markup
            prefix = inline.content[:match.start(2)]
            first = Token("text", "", 0, content=children[0].content[len(prefix):])
            children = [first, *children[1:]]
            if match.group(3) is not None and children[-1].type == "text":
                tail = children[-1].content
                brace = tail.rfind("{#")
                children[-1] = Token("text", "", 0, content=tail[:brace].rstrip() if brace >= 0 else tail)
        headline = self.reader.tokens(children, line)
        if not headline_text.strip():
            self.error(Code.SEC001, line, "this section has no headline; write it after the number")
        return {"id": sid, "number": number, "headline": headline, "kicker": (),
                "blocks": [], "span": Span(self.path, line)}

    def _paragraph(self, inline: Token, line: int) -> Paragraph | Figure:
        children = list(inline.children or [])
        span = Span(self.path, line)
        image = None
        if children and children[0].type == "image":
            image = children.pop(0)
            if children and children[0].type == "softbreak":
                children.pop(0)
        caption_line = line + (1 if image is not None and children else 0)
        if image is None and not (children and children[0].type == "text"
                                  and children[0].content.startswith(CAPTION_MARK)):
            return Paragraph(self.reader.tokens(children, line), span)
        if children and children[0].type == "text" and children[0].content.startswith(CAPTION_MARK):
            children[0] = Token("text", "", 0, content=children[0].content[1:].lstrip())
        elif children:
            self.error(Code.MD002, line, "text after an image must be its caption: start the line with ▲")
        caption = self.reader.tokens(children, caption_line)
        credit: tuple[Inline, ...] = ()
        if caption and isinstance(caption[-1], Text):
            match = CREDIT_RE.search(caption[-1].text)
            if match:
                credit = (Text(match.group(1)),)
                head = caption[-1].text[:match.start()].rstrip()
                caption = caption[:-1] + ((Text(head),) if head else ())
        src = None
        alt = ""
        if image is not None:
            src = str(image.attrs.get("src", ""))
            alt = image.content
            src = self._image(src, line)
        return Figure(src, alt, caption, credit, span)

    def _image(self, src: str, line: int) -> str | None:
        col = self.lines[line - 1].find("](") + 3 if 0 < line <= len(self.lines) else 1
        if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", src) or src.startswith(("/", "\\")) or not src:
            self.error(Code.FIG002, line, f"image '{src}' must be a file in the interview's folder, "
                       "named relative to it (e.g. lamp.svg); the site loads nothing from elsewhere", col=col)
            return None
        folder = os.path.realpath(self.folder)
        full = os.path.realpath(os.path.join(folder, src))
        if os.path.commonpath([folder, full]) != folder:
            self.error(Code.FIG002, line, f"image '{src}' is outside the interview's folder; "
                       "copy it into the folder", col=col)
            return None
        if not src.lower().endswith(IMAGE_SUFFIXES):
            self.error(Code.FIG002, line, f"image '{src}' is not an image file the site can show "
                       f"({', '.join(IMAGE_SUFFIXES)})", col=col)
            return None
        if not os.path.isfile(full):
            self.error(Code.FIG001, line, f"image file '{src}' does not exist in {self.folder}; add it, "
                       "or drop the image and keep the ▲ caption as a caption-only figure", col=col)
            return None
        return os.path.relpath(full, folder).replace(os.sep, "/")

    # -- notes

    def _notes(self, tokens: list[Token], defs: list[tuple[str, int, int]], offset: int) -> tuple[Note, ...]:
        seen: dict[str, int] = {}
        for label, line0, col in defs:
            line = line0 + 1 + offset
            if label in seen:
                self.error(Code.FN002, line, f"note [^{label}] is defined twice (first on line {seen[label]}); "
                           "merge the two definitions or rename one", col=col)
            else:
                seen[label] = line
        bodies: dict[str, tuple[Paragraph, ...]] = {}
        label = None
        paragraphs: list[Paragraph] = []
        for i, tok in enumerate(tokens):
            if tok.type == "footnote_open":
                label, paragraphs = tok.meta["label"], []
            elif tok.type == "paragraph_open" and label is not None:
                para = self._paragraph(tokens[i + 1], (tok.map[0] if tok.map else 0) + 1 + offset)
                if isinstance(para, Paragraph):
                    paragraphs.append(para)
            elif tok.type == "footnote_close" and label is not None:
                bodies[label] = tuple(paragraphs)
                label = None
        refs = self.reader.ref_counts
        notes = []
        order = list(refs)  # insertion order = order of first reference
        for number, label in enumerate(order, 1):
            if label in seen:
                notes.append(Note(label, number, bodies.get(label, ()), refs[label],
                                  Span(self.path, seen[label])))
        for label, line in seen.items():
            if label not in refs:
                self.error(Code.FN003, line, f"note [^{label}] is defined but never referenced; it is "
                           f"not shown. Add [^{label}] after the term it explains, or delete it")
            if not NOTE_LABEL_RE.match(label):
                self.error(Code.FN004, line, f"note label [^{label}] must be ASCII letters, digits, '-' or '_'")
        return tuple(notes)


def _speaker_label(block: Paragraph, labels: dict[str, str]) -> tuple[str | None, Paragraph]:
    """If the paragraph starts with 'LABEL：', return the label and the paragraph without it."""
    if not block.content or not isinstance(block.content[0], Text):
        return None, block
    first = block.content[0].text
    match = re.match(r"([^\s:：]{1,12})\s*[:：]\s*", first)
    if not match or match.group(1) not in labels:
        return None, block
    rest = first[match.end():]
    content = ((Text(rest),) if rest else ()) + block.content[1:]
    return match.group(1), Paragraph(content, block.span)


def _group_narration(blocks: list) -> tuple[Block, ...]:
    """Consecutive loose paragraphs of a section form one Narration block."""
    out: list[Block] = []
    run: list[Paragraph] = []
    for block in blocks + [None]:
        if isinstance(block, Paragraph):
            run.append(block)
            continue
        if run:
            out.append(Narration(tuple(run), run[0].span))
            run = []
        if block is not None:
            out.append(block)
    return tuple(out)


def _unsupported(kind: str) -> str:
    what = kind.replace("_open", "").replace("_", " ")
    advice = {
        "bullet list": "a line starting with '* ' or '- ' makes a list; write paragraphs "
                       "(a note line is '[^label]: …')",
        "ordered list": "a line starting with '1. ' makes a list; write paragraphs, or escape it as '1\\.'",
        "code block": "a line indented by four spaces is a code block; remove the indentation",
        "fence": "code fences have no place in an interview; remove the ``` lines",
    }
    return advice.get(what, f"{what} is not part of the interview format; write paragraphs")


def _skip_block(tokens: list[Token], i: int) -> int:
    """Index after the block that starts at ``i`` (matching its nesting)."""
    tok = tokens[i]
    if tok.nesting != 1:
        return i + 1
    depth, j = 0, i
    while j < len(tokens):
        depth += tokens[j].nesting
        j += 1
        if depth == 0:
            break
    return j
