"""Writing the archive's Markdown: escaped text, note references, the body's blocks and the front matter.

Owns how text reaches Markdown unchanged (:func:`escape` for body text,
:func:`protect` and :func:`yaml_text` for front-matter values), the blocks
of the body (``## 01.`` headlines, ``問：`` questions, answers with a speaker
label when there are several interviewees, ``▲`` captions, ``>`` remarks,
labelled footnotes in the order they are first referenced) and the front
matter of a draft (``draft: true``, TODO placeholders for what the text does
not say). Nothing here decides anything about the input.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass

import yaml

from .place import Placement
from .read import Article
from .terms import MARKER_RE

PLACEHOLDERS = {  # per script
    "hant": {"title": "TODO: 標題", "summary": "TODO: 摘要", "person": "TODO: 受訪者"},
    "hans": {"title": "TODO: 标题", "summary": "TODO: 摘要", "person": "TODO: 受访者"},
}
PLACEHOLDER_DATE = dt.date(1970, 1, 1)
"""The date written when the text gives none; ``archive check`` reports it (FM007)."""

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

    last = 0
    for i in sorted(set(refs) | markers):  # cut the text at references and markers only
        buf.append(text[last:i])
        if i in refs:
            flush()
            out.append("".join(f"[^{label}]" for label in refs[i]))
        last = i + 1 if i in markers else i
    buf.append(text[last:])
    flush()
    return "".join(out)


def write_body(article: Article, placement: Placement, script: str) -> str:
    """The Markdown after the front matter: one block per piece, then the notes in order of reference."""
    blocks: list[str] = []
    section = 0
    by_piece: dict[int, dict[int, tuple[str, ...]]] = defaultdict(dict)
    for (index, pos), labels in placement.refs.items():
        by_piece[index][pos] = labels
    labelled = len(article.speakers) > 1
    names = re.compile("(?:" + "|".join(map(re.escape, article.speakers)) + r")\s*[:：]") if labelled else None
    for index, piece in enumerate(article.pieces):
        speaker = f"{piece.speaker}：" if labelled and piece.speaker else ""
        text = inline(piece.text, by_piece.get(index, {}), at_start=piece.kind in ("text", "remark") and not speaker)
        if names and not speaker and names.match(text):  # not a speaker's label: keep it text
            text = "-{" + text[0] + "}-" + text[1:]
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
            blocks.append(speaker + text)
    order = [label for key in sorted(placement.refs) for label in placement.refs[key]]
    first = {label: i for i, label in reversed(list(enumerate(order)))}
    for n in sorted(range(len(article.notes)), key=lambda n: first.get(placement.labels[n], 0)):
        blocks.append(f"[^{placement.labels[n]}]: {inline(article.notes[n].text, {}, at_start=True)}")
    return "\n\n".join(blocks) + "\n"


@dataclass(frozen=True)
class Front:
    """What the front matter says besides the article's credits and rights."""

    slug: str
    script: str
    taiwan_words: tuple[str, ...]
    title: str | None
    date: dt.date | None
    source_date: dt.date | None
    outlet: str | None
    publisher: str | None


def write_front(article: Article, front: Front) -> str:
    """The front matter of a draft: what the text holds, and a TODO placeholder for what it does not."""
    todo = PLACEHOLDERS[front.script]
    out = ["---", "draft: true", f"title: {yaml_text(front.title or todo['title'])}", f"slug: {front.slug}",
           f"date: {(front.date or PLACEHOLDER_DATE).isoformat()}", f"script: {front.script}", "conversion: tw"]
    if front.taiwan_words:
        out.append(f"# conversion: twp  # Taiwan vocabulary ({'、'.join(front.taiwan_words[:6])}); "
                   "switch only after checking")
    out += [f"summary: {yaml_text(todo['summary'])}", "interviewees:"]
    names = article.speakers or (todo["person"],)
    for name in names:
        out.append(f"  - name: {yaml_text(name)}")
        if len(names) > 1:
            out.append(f"    label: {yaml_text(name)}")
    if article.credits:
        out.append("credits:")
        out += [f"  - {yaml_text(role)}: {yaml_text(name)}" for role, name in article.credits]
    out += ["source:", f"  outlet: {yaml_text(front.outlet or 'TODO')}"]
    if front.source_date:
        out.append(f"  date: {front.source_date.isoformat()}")
    if front.publisher:
        out.append(f"publisher: {yaml_text(front.publisher)}")
    if article.rights:
        out.append(f"rights: {yaml_text(article.rights)}")
    out.append("---")
    return "\n".join(out) + "\n"


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
