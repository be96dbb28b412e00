"""The cold build's shortcuts give what the general path they skip gives, for any input.

Each shortcut of the parser, the JSON writer and the page view (see
bench/stages.py for what they save) is compared with the general path it
stands in for: markdown-it's own rules (every block rule tried in turn, the
inline parser on every run of text, ``normalize`` on every body, the HTML
rules on), ``json.dumps`` of :func:`archive.serialize.to_data`, markupsafe's
``escape``, and the regex passes of ``reading_text``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st
from markdown_it.rules_core.inline import inline
from markdown_it.rules_core.normalize import normalize
from markdown_it.rules_core.text_join import text_join
from markupsafe import escape

from archive import textcheck
from archive.context import escape_text
from archive.errors import Code
from archive.plaintext import CJK_LINE_BREAK_RE, plain_text, reading_text
from archive.mdrules import make_markdown
from archive.model import (Code as InlineCode, Emphasis, Figure, LineBreak, Link, NoteRef, Paragraph, Protected,
                           Span, Stage, Text, Variant)
from archive.parse import parse_interview
from archive.scripts import to_script
from archive.serialize import SCHEMA_VERSION, _written, interview_json, to_data

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SAMPLE = Path(__file__).resolve().parent.parent / "interview"

FAST = make_markdown()
GENERAL = make_markdown()
GENERAL.block.ruler.disable("archive_plain_paragraph")
GENERAL.core.ruler.at("inline", inline)
GENERAL.core.ruler.at("normalize", normalize)
GENERAL.core.ruler.at("text_join", text_join)
GENERAL.enable(["html_block", "html_inline"])

# the marks of every block and inline rule, Chinese text, spaces, tabs, line ends, NUL
markdown_text = st.lists(st.sampled_from(
    list("`~>*-_+1.)[]^:<!#=\\{}()&;/ \t\n\r\0ab") + ["中", "文", "。", "（笑）", "-{", "}-", "[^a]", "    ",
                                                    "http://x.y", "![a](b.svg)", "▲", "<b>", "&amp;"]),
    max_size=80).map("".join)


def tokens(md, text: str) -> list[dict]:
    return [token.as_dict() for token in md.parse(text, {})]


@SETTINGS
@given(markdown_text)
def test_the_parser_shortcuts_give_markdown_its_own_tokens(text: str) -> None:
    assert tokens(FAST, text) == tokens(GENERAL, text)


def test_headings_one_line_paragraphs_and_escapes_give_markdown_its_own_tokens() -> None:
    """The lines _plain_paragraph sends to heading, or to paragraph without trying lheading, and
    bodies with and without the escapes and entities text_join is run for."""
    for text in ["## 01. a\n\nb", "#a\n---", "####### a\n===", "# a\n# b\nc\n", "#\n", " ## a {#x}\n> b",
                 "a\n\n- b", "a", "a\n", "a\n \n---", "a\n---", "a\n- b\n", "中\n\n1. b", "#a\n\n---\n",
                 "a\\*b *c", "a &amp; b\n\n[^a]: \\[x&#42;", "![a\\*b](c.svg)", "a *b* **c\n\n[^a]: `d`"]:
        assert tokens(FAST, text) == tokens(GENERAL, text), text


def test_the_shortcuts_are_taken() -> None:
    """The plain paragraph and the plain run above are what the fast rules exist for."""
    assert FAST.block.ruler.getRules("")[0].__name__ == "_plain_paragraph"
    paragraph = FAST.parse("中文。\n\n[^a]: 註。\n")[1]
    assert [child.type for child in paragraph.children] == ["text"]


@SETTINGS
@given(markdown_text)
def test_html_rules_stay_off_whatever_the_input(text: str) -> None:
    """They are disabled because they give up with ``html`` off: nothing is raw HTML either way."""
    assert not any(token.type.startswith("html") for token in FAST.parse(text, {}))
    assert tokens(FAST, text) == tokens(GENERAL, text)


def test_every_half_width_mark_is_still_reported() -> None:
    """The punctuation check runs only on text holding one of textcheck.FULL's marks: each is reported."""
    for mark in textcheck.FULL:
        words = "甲(乙)丙" if mark in "()" else f"甲{mark}乙"  # a parenthesis is reported in pairs
        source = (f"---\ntitle: 標題\ndate: 2020-01-02\nscript: hant\nsummary: 摘要\n"
                  f"interviewees: [{{name: 陳小明, label: 陳}}]\nsource: {{outlet: 報}}\n---\n\n"
                  f"## 01. 一\n\n問：{words}？\n\n陳：答。\n")
        parsed = parse_interview(source, "x/index.md", "x")
        assert any(d.code == Code.PUN001.name and d.line == 12 for d in parsed.diagnostics), mark


@SETTINGS
@given(st.text(max_size=60))
def test_escape_text_is_markupsafe_escape(text: str) -> None:
    assert escape_text(text) == str(escape(text))


_SPACE_RE = re.compile(r"\s+")


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list("中文ab \t\n\r\x0b\x0c\x1c\x1f\x85\u3000\xa0\u2028\u200b\ufeff\u180e")),
               max_size=30))
def test_reading_text_is_the_two_regex_passes(text: str) -> None:
    assert reading_text(text) == _SPACE_RE.sub(" ", CJK_LINE_BREAK_RE.sub("", text)).strip()


def test_str_split_and_regex_whitespace_agree_on_every_character() -> None:
    """What reading_text relies on: ``str.split()`` cuts exactly where ``\\s`` matches."""
    spaces = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert re.fullmatch(r"\s*", spaces)
    assert len(_SPACE_RE.sub("", "".join(chr(c) for c in range(0x110000) if not (0xD800 <= c < 0xE000)))) \
        == 0x110000 - 0x800 - len(spaces)


def test_plain_text_reads_every_inline() -> None:
    inlines = (Text("甲"), Protected("乙"), Variant(hans="丙", hant="丁"), InlineCode("x"), LineBreak(),
               Stage((Text("（笑）"),)), Emphasis((Text("戊"), NoteRef("a", 1, Span("p", 1))), strong=True),
               Link("https://x", (Text("己"),)))
    assert plain_text(inlines, "hant") == "甲乙丁x\n（笑）戊己"
    assert plain_text(inlines, "hans") == "甲乙丙x\n（笑）戊己"
    assert plain_text((Text("一"),)) == "一"


def _dumped(interview) -> bytes:
    data = to_data(interview)
    del data["folder"], data["draft"]
    return (json.dumps({"schema": SCHEMA_VERSION, "interview": data}, ensure_ascii=False,
                       separators=(",", ":")) + "\n").encode("utf-8")


def test_interview_json_is_json_dumps_of_the_data_in_both_scripts() -> None:
    checked = 0
    for source in sorted(SAMPLE.glob("*/index.md")):
        parsed = parse_interview(source.read_text("utf-8"), str(source), str(source.parent))
        if parsed.interview is None:
            continue
        for script in ("hant", "hans"):
            converted = to_script(parsed.interview, script)
            assert interview_json(converted) == _dumped(converted) == _written(converted)
            checked += 1
    assert checked >= 4


awkward = st.text(alphabet=st.sampled_from(list('a"\\\n\t\x00\x1f\u2028中\U0001F600/<>&')), max_size=8)


@SETTINGS
@given(awkward, awkward, st.booleans(), st.one_of(st.none(), awkward), st.integers(-5, 10 ** 12))
def test_interview_json_writes_any_values_as_json_dumps(text: str, other: str, strong: bool,
                                                        image: str | None, number: int) -> None:
    """Text needing escapes, None, booleans, big numbers, empty tuples and a field-less node."""
    parsed = parse_interview((SAMPLE / sorted(p.name for p in SAMPLE.iterdir()
                                              if (p / "index.md").is_file())[0] / "index.md").read_text("utf-8"),
                             "x/index.md", "x")
    assert parsed.interview is not None
    span = Span(other, number, 1)
    figure = Figure(image, text, (Text(text), LineBreak()), (), span, (Protected(other),))
    lead = (Paragraph((Emphasis((Text(text),), strong=strong), Link(other, (), "s", None)), span), figure)
    from dataclasses import replace
    interview = replace(parsed.interview, lead=lead, date=dt.date(2001, 2, 3), subtitle=())
    assert interview_json(interview) == _dumped(interview) == _written(interview)


def test_summaries_cross_processes_whole() -> None:
    """Summaries are pickled as their fields (summary._pickled_by_fields): each comes back equal, nested
    entries and all, and through its constructor rather than the slow default for frozen slots."""
    import pickle

    from archive import summary as summary_module
    from archive.summary import passages, person_ids, summarize

    checked = 0
    for source in sorted(SAMPLE.glob("*/index.md")):
        interview = parse_interview(source.read_text("utf-8"), str(source), str(source.parent)).interview
        if interview is None:
            continue
        ids = person_ids(interview)
        for script in ("hant", "hans"):
            converted = to_script(interview, script)
            for value in (summarize(converted, ids), passages(converted)):
                assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
            checked += 1
    assert checked >= 4
    for cls in (summary_module.Summary, summary_module.NoteEntry, summary_module.PersonEntry,
                summary_module.SectionEntry, summary_module.Passage):
        assert cls.__reduce__ is not object.__reduce__


def test_interview_json_is_written_by_orjson_where_it_is_installed(monkeypatch) -> None:
    """pyproject.toml installs orjson on CPython: the fast path is the one the tests above exercise. A value
    orjson refuses (a number beyond 64 bits), or no orjson at all, and the writers above write it."""
    import platform
    from dataclasses import replace

    from archive import codec, serialize

    if platform.python_implementation() == "CPython":
        assert codec.orjson() is not None
    source = sorted(SAMPLE.glob("*/index.md"))[0]
    interview = parse_interview(source.read_text("utf-8"), str(source), str(source.parent)).interview
    assert interview is not None
    huge = replace(interview, span=Span(interview.span.path, 2 ** 70, 1))
    assert interview_json(huge) == _dumped(huge)
    monkeypatch.setattr(serialize, "orjson", lambda: None)
    assert interview_json(interview) == _dumped(interview)


def test_span_json_is_json_dumps_whatever_the_path() -> None:
    """Spans are written by their own writer (serialize._span), its head kept per path."""
    source = sorted(SAMPLE.glob("*/index.md"))[0]
    text = source.read_text("utf-8")
    for path in ('訪談/"引號"/index.md', "a\\b\\index.md", "tab\there.md", source.as_posix()):
        interview = parse_interview(text, path, str(source.parent)).interview
        assert interview is not None and interview.span.path == path
        for script in ("hant", "hans"):
            converted = to_script(interview, script)
            assert interview_json(converted) == _dumped(converted) == _written(converted)


def _term_by_definition(before: str, note: str) -> str:
    """A note's term as summary._term defines it, tried size by size: the longest end of the text before
    the reference (2-40 characters, soft breaks next to Chinese gone) that the note starts with; else the
    words back to the last punctuation when short."""
    from archive.summary import MAX_TERM, _TERM_STOP

    before = CJK_LINE_BREAK_RE.sub("", before).rstrip()
    for size in range(min(len(before), len(note), 40), 1, -1):
        if note.startswith(before[-size:]):
            return before[-size:].strip()
    tail = _TERM_STOP.split(before)[-1] if before else ""
    return tail if 0 < len(tail) <= MAX_TERM else ""


term_text = st.lists(st.sampled_from(list("轉速指的是 \n，。ab") + ["莫羅", "（", "」"]), max_size=50).map("".join)


@SETTINGS
@given(term_text, st.integers(min_value=0, max_value=60), term_text)
def test_a_notes_term_is_found_as_defined(before: str, cut: int, more: str) -> None:
    """summary._term looks only where the note's first character is: the same term as trying every size."""
    from archive.summary import _term

    for note in (before[cut:] + more, more, before[cut:cut + 3]):
        assert _term(before, note) == _term_by_definition(before, note)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(["甲", "a", "\n", "\ue000", "\U00020000", "\U000f0000", "\U0010fffd",
                                         "\U000effff", "\ud7ff"]), max_size=40))
def test_the_placeholder_check_finds_what_the_regex_finds(text: str) -> None:
    """The placeholders a conversion must avoid are those the regex finds, whether or not the text
    has a character beyond the BMP (the shortcut's test)."""
    from archive.converter import _PRIVATE_RE, _private

    assert _private(text) == set(_PRIVATE_RE.findall(text))
