"""Models in one script → the explicit contexts templates receive.

Owns the contexts of each kind of page, the interface text of each script
(read from ``labels/<folder>.yml`` in the templates, so an archive can
override it), and the HTML of running text: escaped here, once, with the
note references' markup coming from ``blocks.html``'s ``noteref`` macro.
Templates never see a model object: each gets plain dicts, strings and
:class:`~archive.summary.Summary` values. All URLs between pages are
relative, so a site works from any folder, a web server and ``file://``.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, Iterable, Sequence
from urllib.parse import quote

import yaml
from markupsafe import Markup, escape

from .plaintext import CJK_LINE_BREAK_RE, plain_text, reading_text
from .model import (SCRIPTS, Answer, Code, Emphasis, Figure, Inline, Interview, LineBreak, Link,
                    Narration, Note, NoteRef, Paragraph, Protected, Question, Remark, Section,
                    Settings, Stage, Text, Variant, note_ref_id)
from .render import Fields
from .urls import DIRS, LANGS, OTHER, interview_dir, media_dir

OG_LOCALES = {"hant": "zh_TW", "hans": "zh_CN"}
"""Script → Open Graph locale."""
LABEL_FILES = {script: f"labels/{folder}.yml" for script, folder in DIRS.items()}
"""Where each script's interface text lives among the templates."""


def labels(env: Any, script: str) -> dict[str, str]:
    """The interface text of one script, read once per environment through its template loader."""
    known = env.__dict__.setdefault("archive_labels", {})
    if script not in known:
        source, _, _ = env.loader.get_source(env, LABEL_FILES[script])
        data = yaml.safe_load(source)
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise ValueError(f"{LABEL_FILES[script]} must be 'name: text' lines")
        known[script] = Fields(data)  # templates read them as attributes (L.permalink), ~40 times a page
    return known[script]



def date_text(value: dt.date) -> str:
    """A date as Chinese readers write it; the same in both scripts."""
    return f"{value.year}年{value.month}月{value.day}日"


def escape_text(text: str) -> str:
    """``str(markupsafe.escape(text))`` for text: the same five entities, and no Markup made per run."""
    if type(text) is not str:
        return str(escape(text))
    if not ("&" in text or "<" in text or ">" in text or "'" in text or '"' in text):
        return text  # five scans in C: a regex search of a paragraph costs eight times as much
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;") \
        .replace("'", "&#39;").replace('"', "&#34;")


def _markup(html: str) -> Markup:
    """``Markup(html)`` for a str already escaped, without Markup's checks for other inputs."""
    return str.__new__(Markup, html)


class Mode(enum.Enum):
    """How much of inline content :class:`Html` renders."""

    FULL = "full"
    """Everything: links and note references (running text)."""
    PLAIN = "plain"
    """Text and emphasis only (copies of headlines in navigation: no ids, no notes twice)."""
    NOTE = "note"
    """Inside a note's copy beside the text: links taken out of the tab order."""


class Html:
    """Renders inline content of one interview page to escaped HTML.

    Each note reference is followed by a copy of its note (``span.sidenote``):
    a margin note on wide screens, a popover on narrow ones, hidden from
    assistive technology (which follows the reference link to the notes list
    instead). ``plain`` renders text only, for copies of headlines in the
    navigation, so ids and notes never appear twice.
    """

    def __init__(self, notes: Sequence[Note], slug: str, script: str, noteref: Any = None,
                 words: dict[str, str] | None = None):
        self.notes = {note.label: note for note in notes}
        self.slug, self.script = slug, script
        self.noteref_macro = noteref
        """``blocks.html``'s ``noteref`` macro; without it note references render as nothing."""
        self.words = words or {}

    def __call__(self, inlines: Iterable[Inline]) -> Markup:
        if type(inlines) is tuple and len(inlines) == 1 and type(inlines[0]) is Text \
                and "\n" not in inlines[0].text:  # the commonest run: one text on one line
            return _markup(escape_text(inlines[0].text))
        return _markup(self._many(inlines, Mode.FULL))

    def plain(self, inlines: Iterable[Inline]) -> Markup:
        """Text and emphasis only: no note references, no links."""
        return _markup(self._many(inlines, Mode.PLAIN))

    def _many(self, inlines: Iterable[Inline], mode: Mode) -> str:
        parts = []
        for item in inlines:
            if type(item) is Text:  # most of a page: escaped here, without the dispatch below
                text = item.text
                parts.append(escape_text(CJK_LINE_BREAK_RE.sub("", text) if "\n" in text else text))
            else:
                parts.append(self._one(item, mode))
        return "".join(parts)

    def _one(self, item: Inline, mode: Mode) -> str:
        if isinstance(item, Text):
            return escape_text(CJK_LINE_BREAK_RE.sub("", item.text))
        if isinstance(item, Protected):
            return escape_text(item.text)
        if isinstance(item, Variant):
            return escape_text(item.hant if self.script == "hant" else item.hans)
        if isinstance(item, Code):
            return f"<code>{escape_text(item.text)}</code>"
        if isinstance(item, LineBreak):
            return "<br>"
        if isinstance(item, Stage):
            return f'<span class="stage">{self._many(item.children, mode)}</span>'
        if isinstance(item, Emphasis):
            tag = "strong" if item.strong else "em"
            return f"<{tag}>{self._many(item.children, mode)}</{tag}>"
        if isinstance(item, Link):
            return self._many(item.children, mode) if mode is Mode.PLAIN else self._link(item, mode)
        if isinstance(item, NoteRef):
            return self._noteref(item) if mode is Mode.FULL else ""
        raise TypeError(f"unknown inline {type(item).__name__}")

    def _noteref(self, item: NoteRef) -> str:
        note = self.notes.get(item.label)
        if note is None or self.noteref_macro is None:
            return ""
        body = [_markup(self._many(p.content, Mode.NOTE)) for p in note.paragraphs]
        return str(self.noteref_macro(note.id, note_ref_id(item.label, item.occurrence),
                                      f"sn-{item.label}-{item.occurrence}", note.number, body, self.words))

    def _link(self, link: Link, mode: Mode) -> str:
        inner = self._many(link.children, mode)
        focus = ' tabindex="-1"' if mode is Mode.NOTE else ""  # inside an aria-hidden copy
        if link.interview is None and link.fragment is None:
            return f'<a class="external" href="{escape_text(link.href)}" rel="noopener"{focus}>{inner}</a>'
        fragment = f"#{link.fragment}" if link.fragment else ""
        if link.interview in (None, self.slug):
            href = fragment or "#top"
        else:
            href = f"../{link.interview}/index.html{fragment}"
        return f'<a href="{escape_text(href)}"{focus}>{inner}</a>'


PEOPLE_PAGE = "people/index.html"
NOTES_PAGE = "notes/index.html"


def _people(interview: Interview, html: Html, ids: dict[str, str]) -> dict[str, Any]:
    """The people of the title block, each linking to their entry on the people page (``ids``: by key)."""
    def href(key: str) -> str | None:
        return f"../{PEOPLE_PAGE}#{ids[key]}" if key in ids else None

    return {
        "interviewer": (Fields(name=html(interview.interviewer.name), role=html(interview.interviewer.role),
                               href=href("interviewer")) if interview.interviewer else None),
        "interviewees": [Fields(name=html(p.name), role=html(p.role), label=p.label, href=href(p.key))
                         for p in interview.interviewees],
    }


def _paragraphs(paragraphs: Sequence[Paragraph], html: Html) -> list[Markup]:
    return [html(p.content) for p in paragraphs]


class _Blocks:
    """Turns blocks into template dicts, numbering figures through the page."""

    def __init__(self, interview: Interview, html: Html, media: str, words: dict[str, str]):
        self.html, self.media = html, media
        self.speakers = {p.key: p for p in interview.interviewees}
        self.multi = len(interview.interviewees) > 1
        self.question_label = (interview.interviewer.label if interview.interviewer and
                               interview.interviewer.label else words["question"])
        self.figures = 0
        self.names: dict[str, Markup] = {}
        """Each speaker's name as HTML, made once rather than for each of their answers."""

    def __call__(self, blocks: Sequence[Any]) -> list[dict[str, Any]]:
        return [self.block(b) for b in blocks]

    def block(self, block: Any) -> dict[str, Any]:
        html = self.html
        if isinstance(block, Paragraph):
            return Fields(type="paragraph", html=html(block.content), line=block.span.line)
        if isinstance(block, Narration):
            return Fields(type="narration", paragraphs=_paragraphs(block.paragraphs, html))
        if isinstance(block, Remark):
            return Fields(type="remark", paragraphs=_paragraphs(block.paragraphs, html))
        if isinstance(block, Figure):
            self.figures += 1
            return Fields(type="figure", id=f"fig{self.figures:02d}",
                          src=f"{self.media}/{quote(block.image)}" if block.image else None,
                          alt=block.alt or plain_text(block.caption, html.script),
                          caption=html(block.caption), credit=html(block.credit))
        if isinstance(block, Question):
            return Fields(type="question", id=block.id, number=block.number, label=self.question_label,
                          html=html(block.text.content), answers=[self.answer(a) for a in block.answers])
        raise TypeError(f"unknown block {type(block).__name__}")

    def answer(self, answer: Answer) -> dict[str, Any]:
        person = self.speakers.get(answer.speaker)
        name = ""
        if person is not None:
            name = self.names.get(person.key)
            if name is None:
                name = self.names[person.key] = self.html(person.name)
        return Fields(speaker=person.label if person and self.multi else None,
                      speaker_name=name, blocks=self(answer.blocks))


def page_context(view: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Add what depends on the archive's settings to an interview's view (kept apart so views cache)."""
    from .sharing import article_meta

    path = f"{interview_dir(view['script'], view['slug'])}/"
    page = _page(view["script"], settings, path, depth=2, title=view["title_text"], words=view["labels"])
    page.update(article_meta(view, settings, path))
    # a view is Fields throughout: made so (interview_view), or loaded so from the cache (interviews.py)
    return {"page": page, "interview": view}


def interview_view(interview: Interview, env: Any, ids: dict[str, str] | None = None) -> dict[str, Any]:
    """The settings-free part of an interview page's context: the interview, as HTML pieces.

    The lead and each section's body are rendered here, once, by ``blocks.html``
    (``lead_html``, ``body``), so that the view can be cached and a change to the
    page template re-renders only the page around them. Its mappings are
    :class:`Fields` from the start, as the page template reads them (making them
    plain and wrapping them afterwards cost 0.1 ms a page).
    """
    from .typography import phrases

    script = interview.script
    ids = ids or {}
    words = labels(env, script)
    macros = env.get_template("blocks.html").module
    html = Html(interview.notes, interview.slug, script, macros.noteref, words)
    blocks = _Blocks(interview, html, f"../../{media_dir(interview.slug)}", words)
    sections = [_section(section, blocks, html) for section in interview.sections]
    for index, section in enumerate(sections):
        section["prev"] = _neighbour(sections[index - 1]) if index > 0 else None
        section["next"] = _neighbour(sections[index + 1]) if index + 1 < len(sections) else None
    for section in sections:
        section["body"] = Markup(macros.render_blocks(section.pop("blocks"), words))
    notes = [Fields(id=n.id, number=n.number, label=n.label, paragraphs=_paragraphs(n.paragraphs, html),
                    backlinks=[f"#{note_ref_id(n.label, k)}" for k in range(1, n.references + 1)])
             for n in interview.notes]
    return Fields({
        "slug": interview.slug, "script": script, "labels": words,
        "title_text": plain_text(interview.title, script),
        "title": phrases(html(interview.title), script), "subtitle": phrases(html(interview.subtitle), script),
        "date": date_text(interview.date), "date_iso": interview.date.isoformat(),
        "summary": html(interview.summary), "summary_text": _plain(interview.summary, script),
        **_people(interview, html, ids),
        "credits": [Fields(role=html(c.role), name=html(c.name),
                           href=f"../{PEOPLE_PAGE}#{ids[f'c{n}']}" if f"c{n}" in ids else None)
                    for n, c in enumerate(interview.credits, 1)],
        "people_text": _people_text(interview),
        "image": _first_image(blocks, interview),
        "source": Fields(outlet=html(interview.source.outlet),
                         date=date_text(interview.source.date) if interview.source.date else None,
                         url=interview.source.url),
        "publisher": html(interview.publisher), "rights": html(interview.rights),
        "lead_html": Markup(macros.render_blocks(blocks(interview.lead), words)),
        "sections": sections,
        "notes": notes,
        "questions": sum(1 for s in interview.sections for b in s.blocks if isinstance(b, Question)),
    })


def _plain(inlines: Sequence[Inline], script: str) -> str:
    return reading_text(plain_text(inlines, script))


def _people_text(interview: Interview) -> list[dict[str, str]]:
    """Everyone of the interview as plain text with their kind (for JSON-LD)."""
    script = interview.script
    found = [Fields(name=_plain(p.name, script), kind="interviewee") for p in interview.interviewees]
    if interview.interviewer is not None:
        found.append(Fields(name=_plain(interview.interviewer.name, script), kind="interviewer"))
    found += [Fields(name=_plain(c.name, script), kind="credit", role=_plain(c.role, script))
              for c in interview.credits]
    return found


def _first_image(blocks: "_Blocks", interview: Interview) -> str | None:
    from .summary import _figures

    for figure in _figures(interview):
        if figure.image:
            return f"{media_dir(interview.slug)}/{figure.image}"
    return None


def _neighbour(section: dict[str, Any]) -> dict[str, Any]:
    """What a section's previous/next link shows of the section it points at."""
    return Fields(id=section["id"], headline_plain=section["headline_plain"])


def _section(section: Section, blocks: _Blocks, html: Html) -> dict[str, Any]:
    return Fields(id=section.id, number=f"{section.number:02d}",
                  headline=html(section.headline), kicker=html(section.kicker),
                  headline_plain=html.plain(section.headline), kicker_plain=html.plain(section.kicker),
                  headline_text=plain_text(section.headline, html.script),
                  blocks=blocks(section.blocks))


def root_context(settings: Settings, words: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The root page that sends a reader to their script."""
    return {"title": settings.title, "description": settings.description,
            "choices": [{"script": s, "lang": LANGS[s], "href": f"{DIRS[s]}/index.html",
                         "name": words[s]["script_name"], "title": settings.title[s]} for s in SCRIPTS],
            "canonical": f"{settings.base_url}/" if settings.base_url else None}


def site_page(script: str, settings: Settings, path: str, title: str, words: dict[str, str]) -> dict[str, Any]:
    """What a site-wide page at ``path`` (``zh-hant/people/``) shares with every other page."""
    return _page(script, settings, path, depth=path.count("/"), title=title, words=words)


def _page(script: str, settings: Settings, path: str, depth: int, title: str,
          words: dict[str, str]) -> dict[str, Any]:
    """What every page of one script shares: language, alternates, toggle, asset paths."""
    root = "../" * depth
    other = OTHER[script]
    other_path = path.replace(DIRS[script], DIRS[other], 1)

    def url(p: str) -> str:
        return f"{settings.base_url}/{p}" if settings.base_url else f"{root}{p}index.html"

    folder = f"{root}{DIRS[script]}"
    base = settings.base_url
    # Fields, as the views: a plain dict's key is found by Jinja only after a failed attribute
    # lookup, an exception each (~70 a page: 100.68 -> 100.17 M instructions an interview)
    return Fields({
        "script": script, "lang": LANGS[script], "title": title,
        "site_title": settings.title[script], "description": settings.description[script],
        "root": root, "assets": f"{root}assets", "home": f"{folder}/index.html",
        "people": f"{folder}/{PEOPLE_PAGE}", "notes": f"{folder}/{NOTES_PAGE}",
        "feed": f"{folder}/feed.xml" if base else None,
        "search": f"{folder}/pagefind/",
        "other_home": f"{root}{DIRS[other]}/index.html", "other_lang": LANGS[other],
        "url": f"{base}/{path}" if base else None,
        "locale": OG_LOCALES[script], "og_type": "website", "image_url": None, "jsonld": None,
        "canonical": url(path),
        "alternates": [Fields(lang=LANGS[s], href=url(path.replace(DIRS[script], DIRS[s], 1)))
                       for s in SCRIPTS],
        "toggle": Fields(href=f"{root}{other_path}index.html", lang=LANGS[other],
                         label=words["other_script"], title=words["switch"], script=other),
        "labels": words,
    })
