"""Models in one script → the explicit contexts templates receive.

Owns URLs and anchors, the interface text of each script, and the HTML of
inline content (escaped here, once; templates only place it). Templates
never see a model object: each gets plain dicts and strings built here.
All URLs between pages are relative, so a site works from any folder,
from a web server and from ``file://``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Callable, Iterable, Sequence

from markupsafe import Markup, escape

from .markdown import plain_text
from .model import (SCRIPTS, Answer, Code, Emphasis, Figure, Inline, Interview, LineBreak, Link,
                    Narration, Note, NoteRef, Paragraph, Protected, Question, Remark, Section,
                    Settings, Stage, Text, Variant)
from .scripts import SCRIPT_TAGS

OTHER = {"hant": "hans", "hans": "hant"}
DIRS = {"hant": "zh-hant", "hans": "zh-hans"}

LABELS: dict[str, dict[str, str]] = {
    "hant": {
        "script_name": "繁體", "other_script": "简体", "switch": "切換至简体中文",
        "contents": "目錄", "notes": "譯註", "note": "譯註", "back": "回到正文",
        "prev": "上一節", "next": "下一節", "top": "回到頁首",
        "interviewer": "採訪", "interviewee": "受訪者", "source": "原文出處",
        "published": "刊出", "original_date": "原刊日期", "publisher": "出版",
        "lead": "導言", "question": "問", "permalink": "本段連結", "data": "訪談資料（JSON）",
        "archive": "全部訪談", "sections": "節", "questions": "問", "remark": "編者按",
        "figure": "圖", "credit": "圖源", "close": "關閉", "skip": "跳至正文",
        "home_intro": "請選擇字體", "read": "閱讀",
        "menu": "目錄", "copy_link": "複製連結", "copied": "已複製",
    },
    "hans": {
        "script_name": "简体", "other_script": "繁體", "switch": "切換至繁體中文",
        "contents": "目录", "notes": "译注", "note": "译注", "back": "回到正文",
        "prev": "上一节", "next": "下一节", "top": "回到页首",
        "interviewer": "采访", "interviewee": "受访者", "source": "原文出处",
        "published": "刊出", "original_date": "原刊日期", "publisher": "出版",
        "lead": "导言", "question": "问", "permalink": "本段链接", "data": "访谈数据（JSON）",
        "archive": "全部访谈", "sections": "节", "questions": "问", "remark": "编者按",
        "figure": "图", "credit": "图源", "close": "关闭", "skip": "跳至正文",
        "home_intro": "请选择字体", "read": "阅读",
        "menu": "目录", "copy_link": "复制链接", "copied": "已复制",
    },
}

_CJK = r"\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f"
_NEWLINE_CJK = re.compile(rf"(?<=[{_CJK}])\n|\n(?=[{_CJK}])")


def date_text(value: dt.date) -> str:
    """A date as Chinese readers write it; the same in both scripts."""
    return f"{value.year}年{value.month}月{value.day}日"


def note_ref_id(label: str, occurrence: int) -> str:
    return f"r-{label}-{occurrence}"


class Html:
    """Renders inline content of one interview page to escaped HTML.

    Each note reference is followed by a copy of its note (``span.sidenote``):
    a margin note on wide screens, a popover on narrow ones, hidden from
    assistive technology (which follows the reference link to the notes list
    instead). ``plain`` renders text only, for copies of headlines in the
    navigation, so ids and notes never appear twice.
    """

    def __init__(self, notes: Sequence[Note], slug: str, script: str):
        self.notes = {note.label: note for note in notes}
        self.slug, self.script = slug, script

    def __call__(self, inlines: Iterable[Inline]) -> Markup:
        return Markup("".join(self._one(item, "full") for item in inlines))

    def plain(self, inlines: Iterable[Inline]) -> Markup:
        """Text and emphasis only: no note references, no links."""
        return Markup("".join(self._one(item, "plain") for item in inlines))

    def _many(self, inlines: Iterable[Inline], mode: str) -> str:
        return "".join(self._one(item, mode) for item in inlines)

    def _one(self, item: Inline, mode: str) -> str:
        if isinstance(item, Text):
            return str(escape(_NEWLINE_CJK.sub("", item.text)))
        if isinstance(item, Protected):
            return str(escape(item.text))
        if isinstance(item, Variant):
            return str(escape(item.hant if self.script == "hant" else item.hans))
        if isinstance(item, Code):
            return f"<code>{escape(item.text)}</code>"
        if isinstance(item, LineBreak):
            return "<br>"
        if isinstance(item, Stage):
            return f'<span class="stage">{self._many(item.children, mode)}</span>'
        if isinstance(item, Emphasis):
            tag = "strong" if item.strong else "em"
            return f"<{tag}>{self._many(item.children, mode)}</{tag}>"
        if isinstance(item, Link):
            return self._many(item.children, mode) if mode == "plain" else self._link(item, mode)
        if isinstance(item, NoteRef):
            return "" if mode != "full" else self._noteref(item)
        raise TypeError(f"unknown inline {type(item).__name__}")

    def _noteref(self, item: NoteRef) -> str:
        note = self.notes.get(item.label)
        if note is None:
            return ""
        ref = note_ref_id(item.label, item.occurrence)
        label = LABELS[self.script]["note"]
        body = "".join(f'<span class="sn-p">{self._many(p.content, "note")}</span>' for p in note.paragraphs)
        return (f'<a class="noteref" id="{ref}" href="#n-{item.label}" role="doc-noteref" '
                f'aria-label="{label} {note.number}">{note.number}</a>'
                f'<span class="sidenote" id="sn-{item.label}-{item.occurrence}" aria-hidden="true">'
                f'<span class="sn-num">{note.number}</span>{body}</span>')

    def _link(self, link: Link, mode: str) -> str:
        inner = self._many(link.children, mode)
        focus = ' tabindex="-1"' if mode == "note" else ""  # inside an aria-hidden copy
        if link.interview is None and link.fragment is None:
            return f'<a class="external" href="{escape(link.href)}" rel="noopener"{focus}>{inner}</a>'
        fragment = f"#{link.fragment}" if link.fragment else ""
        if link.interview in (None, self.slug):
            href = fragment or "#top"
        else:
            href = f"../{link.interview}/index.html{fragment}"
        return f'<a href="{escape(href)}"{focus}>{inner}</a>'


def _people(interview: Interview, html: Html) -> dict[str, Any]:
    return {
        "interviewer": ({"name": html(interview.interviewer.name), "role": html(interview.interviewer.role)}
                        if interview.interviewer else None),
        "interviewees": [{"name": html(p.name), "role": html(p.role), "label": p.label}
                         for p in interview.interviewees],
    }


def _paragraphs(paragraphs: Sequence[Paragraph], html: Html) -> list[Markup]:
    return [html(p.content) for p in paragraphs]


class _Blocks:
    """Turns blocks into template dicts, numbering figures through the page."""

    def __init__(self, interview: Interview, html: Html, media: str):
        self.html, self.media = html, media
        self.speakers = {p.key: p for p in interview.interviewees}
        self.multi = len(interview.interviewees) > 1
        self.question_label = (interview.interviewer.label if interview.interviewer and
                               interview.interviewer.label else LABELS[interview.script]["question"])
        self.figures = 0

    def __call__(self, blocks: Sequence[Any]) -> list[dict[str, Any]]:
        return [self.block(b) for b in blocks]

    def block(self, block: Any) -> dict[str, Any]:
        html = self.html
        if isinstance(block, Paragraph):
            return {"type": "paragraph", "html": html(block.content), "line": block.span.line}
        if isinstance(block, Narration):
            return {"type": "narration", "paragraphs": _paragraphs(block.paragraphs, html)}
        if isinstance(block, Remark):
            return {"type": "remark", "paragraphs": _paragraphs(block.paragraphs, html)}
        if isinstance(block, Figure):
            self.figures += 1
            return {"type": "figure", "id": f"fig{self.figures:02d}",
                    "src": f"{self.media}/{block.image}" if block.image else None,
                    "alt": block.alt or plain_text(block.caption, html.script),
                    "caption": html(block.caption), "credit": html(block.credit)}
        if isinstance(block, Question):
            return {"type": "question", "id": block.id, "number": block.number,
                    "label": self.question_label, "html": html(block.text.content),
                    "answers": [self.answer(a) for a in block.answers]}
        raise TypeError(f"unknown block {type(block).__name__}")

    def answer(self, answer: Answer) -> dict[str, Any]:
        person = self.speakers.get(answer.speaker)
        return {"speaker": person.label if person and self.multi else None,
                "speaker_name": self.html(person.name) if person else "",
                "blocks": self(answer.blocks)}


def page_context(view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Add what depends on the archive's settings to an interview's view (kept apart so views cache)."""
    path = f"{DIRS[view['script']]}/{view['slug']}/"
    return {"page": _page(view["script"], settings, path, depth=2, title=view["title_text"]), "interview": view}


BlockRenderer = Callable[[list, dict], Markup]
"""Renders a list of block dicts (``blocks.html``'s ``render_blocks`` macro) with the page's labels."""


def interview_view(interview: Interview, render_blocks: BlockRenderer | None = None) -> dict[str, Any]:
    """The settings-free part of an interview page's context: the interview, as HTML pieces.

    With ``render_blocks``, the lead and each section's body are rendered here, once,
    to HTML (``lead_html``, ``body``), so that the view can be cached and a change to
    the page template re-renders only the page around them.
    """
    script = interview.script
    html = Html(interview.notes, interview.slug, script)
    blocks = _Blocks(interview, html, f"../../media/{interview.slug}")
    sections = [_section(section, blocks, html) for section in interview.sections]
    for index, section in enumerate(sections):
        section["prev"] = sections[index - 1] if index > 0 else None
        section["next"] = sections[index + 1] if index + 1 < len(sections) else None
    notes = [{"id": n.id, "number": n.number, "label": n.label,
              "paragraphs": _paragraphs(n.paragraphs, html),
              "backlinks": [f"#{note_ref_id(n.label, k)}" for k in range(1, n.references + 1)]}
             for n in interview.notes]
    if render_blocks is not None:
        labels = LABELS[script]
        lead_html = render_blocks(blocks(interview.lead), labels)
        for section in sections:
            section["body"] = render_blocks(section.pop("blocks"), labels)
    return {
        "slug": interview.slug, "script": script, "title_text": plain_text(interview.title, script),
        "title": html(interview.title), "subtitle": html(interview.subtitle),
        "date": date_text(interview.date), "date_iso": interview.date.isoformat(),
        "summary": html(interview.summary),
        **_people(interview, html),
        "credits": [{"role": html(c.role), "name": html(c.name)} for c in interview.credits],
        "source": {"outlet": html(interview.source.outlet),
                   "date": date_text(interview.source.date) if interview.source.date else None,
                   "url": interview.source.url},
        "publisher": html(interview.publisher), "rights": html(interview.rights),
        "lead_html": lead_html if render_blocks is not None else None,
        "lead": blocks(interview.lead) if render_blocks is None else [],
        "sections": sections,
        "notes": notes,
        "questions": sum(1 for s in interview.sections for b in s.blocks if isinstance(b, Question)),
    }


def _section(section: Section, blocks: _Blocks, html: Html) -> dict[str, Any]:
    return {"id": section.id, "number": f"{section.number:02d}",
            "headline": html(section.headline), "kicker": html(section.kicker),
            "headline_plain": html.plain(section.headline), "kicker_plain": html.plain(section.kicker),
            "headline_text": plain_text(section.headline, html.script),
            "blocks": blocks(section.blocks)}


def index_entry(interview: Interview) -> dict[str, Any]:
    """What the archive index shows of one interview (in the interview's script)."""
    html = Html(interview.notes, interview.slug, interview.script)
    return {
        "href": f"{interview.slug}/index.html", "slug": interview.slug,
        "title": html.plain(interview.title), "subtitle": html.plain(interview.subtitle),
        "date": date_text(interview.date), "date_iso": interview.date.isoformat(),
        "summary": html.plain(interview.summary), **_people(interview, html),
        "source": html.plain(interview.source.outlet),
        "sections": len(interview.sections),
    }


def index_context(entries: Sequence[dict[str, Any]], settings: Settings, script: str) -> dict[str, Any]:
    """The archive index of one script: the entries, newest first (as given)."""
    page = _page(script, settings, f"{DIRS[script]}/", depth=1, title=settings.title[script])
    return {"page": page, "interviews": list(entries)}


def root_context(settings: Settings) -> dict[str, Any]:
    """The root page that sends a reader to their script."""
    return {"title": settings.title, "description": settings.description,
            "choices": [{"script": s, "lang": SCRIPT_TAGS[s], "href": f"{DIRS[s]}/index.html",
                         "name": LABELS[s]["script_name"], "title": settings.title[s]} for s in SCRIPTS],
            "canonical": f"{settings.base_url}/" if settings.base_url else None}


def _page(script: str, settings: Settings, path: str, depth: int, title: str) -> dict[str, Any]:
    """What every page of one script shares: language, alternates, toggle, asset paths."""
    root = "../" * depth
    other = OTHER[script]
    other_path = path.replace(DIRS[script], DIRS[other], 1)

    def url(p: str) -> str:
        return f"{settings.base_url}/{p}" if settings.base_url else f"{root}{p}index.html"

    return {
        "script": script, "lang": SCRIPT_TAGS[script], "title": title,
        "site_title": settings.title[script], "description": settings.description[script],
        "root": root, "assets": f"{root}assets", "home": f"{root}{DIRS[script]}/index.html",
        "canonical": url(path),
        "alternates": [{"lang": SCRIPT_TAGS[s], "href": url(path.replace(DIRS[script], DIRS[s], 1))}
                       for s in SCRIPTS],
        "toggle": {"href": f"{root}{other_path}index.html", "lang": SCRIPT_TAGS[other],
                   "label": LABELS[script]["other_script"], "title": LABELS[script]["switch"],
                   "script": other},
        "labels": LABELS[script],
    }
