"""Parser fixtures: each ``tests/fixtures/parse/<case>/index.md`` against ``<case>/expected.json``.

The expected file is the model serialized as in ``interview.json`` (minus the
local folder). Regenerate with ARCHIVE_REGEN=1 and read the diff.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from archive.model import Figure, Remark
from archive.parse import parse_interview
from archive.serialize import to_data

from conftest import REGEN

CASES = sorted(p.parent for p in (Path(__file__).parent / "fixtures" / "parse").glob("*/index.md"))


def _parse(case: Path):
    text = (case / "index.md").read_text(encoding="utf-8")
    return parse_interview(text, f"{case.name}/index.md", str(case))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_parse_fixture(case: Path):
    parsed = _parse(case)
    assert parsed.interview is not None, [str(d) for d in parsed.diagnostics]
    data = to_data(parsed.interview)
    data.pop("folder")
    data["diagnostics"] = [str(d) for d in parsed.diagnostics]
    expected_file = case / "expected.json"
    actual = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    if REGEN:
        expected_file.write_text(actual, encoding="utf-8")
    assert actual == expected_file.read_text(encoding="utf-8")


def test_single_interviewee_structure():
    iv = _parse(Path(__file__).parent / "fixtures" / "parse" / "single").interview
    assert isinstance(iv.lead[1], Remark)
    s1, s2 = iv.sections
    assert (s1.id, s1.number, s2.id) == ("last", 1, "s02")
    kinds = [type(b).__name__ for b in s1.blocks]
    assert kinds == ["Narration", "Question", "Narration"]  # narration, the exchange, narration after * * *
    question = s1.blocks[1]
    assert question.id == "q01" and len(question.answers) == 1
    assert len(question.answers[0].blocks) == 2  # two paragraphs: "記得…" and "當然。"
    assert [n.label for n in iv.notes] == ["horn"] and iv.notes[0].references == 2
    assert s2.blocks[0].id == "q02"


def test_two_interviewees_answer_the_same_question():
    iv = _parse(Path(__file__).parent / "fixtures" / "parse" / "multi").interview
    q = iv.sections[0].blocks[0]
    assert [a.speaker for a in q.answers] == ["p1", "p2"][::-1]  # 于 (p2) first, then 范 (p1)
    assert len(q.answers[1].blocks) == 2  # 范's answer continues in an unlabelled paragraph
    assert iv.conversion == "twp"


def test_figures_with_and_without_image_and_credit():
    iv = _parse(Path(__file__).parent / "fixtures" / "parse" / "figures").interview
    lead_figure = iv.lead[0]
    assert isinstance(lead_figure, Figure) and lead_figure.image == "lamp.svg"
    assert lead_figure.credit[0].text == "圖源：王小帆／北岸週刊"
    answer = iv.sections[0].blocks[0].answers[0]
    caption_only = answer.blocks[1]
    assert isinstance(caption_only, Figure) and caption_only.image is None
    assert caption_only.credit[0].text == "攝影：佚名"
    assert len(answer.blocks) == 3  # a figure between two paragraphs stays inside the answer


# --- the source stage's own syntax and values (issues 9, 10, 11, 14) -----------------------

import os  # noqa: E402

import pytest  # noqa: E402

from archive.model import Emphasis, NoteRef, Protected, Question as QuestionNode, Text, Variant  # noqa: E402
from archive.parse import Parsed  # noqa: E402
from archive.sources import read_archive  # noqa: E402

FRONT = """---
title: 燈塔
date: 2025-05-01
script: hant
summary: 守燈人談燈塔。
interviewees:
  - name: 林阿香
source:
  outlet: 港口週報
---

"""
BODY = "## 01. 燈\n\n問：燈還亮嗎？\n\n還亮著。\n"


@pytest.fixture
def lamp(tmp_path: Path) -> Path:
    """An interview folder whose name is a valid slug."""
    folder = tmp_path / "lamp"
    folder.mkdir()
    return folder


def parse_text(text: str, folder: Path | str = "lamp") -> Parsed:
    """Parse with images in ``folder``, whose name (the default slug) must be a valid slug."""
    return parse_interview(text, "t/index.md", str(folder))


def messages(parsed: Parsed) -> list[str]:
    return [str(d) for d in parsed.diagnostics]


def test_override_is_one_protected_leaf_even_around_markup():
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：你好 -{*強調*}- 嗎？\n\n好。\n")
    assert messages(parsed) == []
    question = parsed.interview.sections[0].blocks[0]
    assert question.text.content == (Text("你好 "), Protected("*強調*"), Text(" 嗎？"))


def test_overrides_everywhere_text_is(lamp):
    (lamp / "lamp.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect width="1" height="1"/></svg>',
                                       encoding="utf-8")
    front = FRONT.replace("title: 燈塔", "title: -{于}-家燈塔\nsubtitle: 訪-{zh-hans:于;zh-hant:於;}-燈下") \
                 .replace("  - name: 林阿香", "  - name: -{范}-阿香\ncredits:\n  - 編輯: -{余}-光")
    body = ("## 01. -{后}-灣 {#bay}\n### 小標-{干}-\n\n問：燈[^a]還亮嗎？\n\n"
            "還亮著。\n\n![燈頭-{鍾}-與燈罩](lamp.svg)\n▲燈室（圖源：-{周}-一舟／週刊）\n\n[^a]: 注-{沈}-文。\n")
    parsed = parse_text(front + body, lamp)
    assert messages(parsed) == []
    iv = parsed.interview
    assert iv.title == (Protected("于"), Text("家燈塔"))
    assert iv.subtitle == (Text("訪"), Variant(hans="于", hant="於"), Text("燈下"))
    assert iv.interviewees[0].name == (Protected("范"), Text("阿香"))
    assert iv.credits[0].name == (Protected("余"), Text("光"))
    section = iv.sections[0]
    assert section.headline == (Protected("后"), Text("灣")) and section.id == "bay"
    assert section.kicker == (Text("小標"), Protected("干"))
    figure = section.blocks[0].answers[0].blocks[1]
    assert figure.alt == "燈頭鍾與燈罩"
    assert figure.alt_content == (Text("燈頭"), Protected("鍾"), Text("與燈罩"))
    assert figure.caption == (Text("燈室"),)
    assert figure.credit == (Text("圖源："), Protected("周"), Text("一舟／週刊"))
    assert iv.notes[0].paragraphs[0].content == (Text("注"), Protected("沈"), Text("文。"))


def test_credit_without_override_is_unchanged():
    parsed = parse_text(FRONT + "▲燈室，夜裡。（攝影：佚名）\n\n" + BODY)
    figure = parsed.interview.lead[0]
    assert (figure.caption, figure.credit) == ((Text("燈室，夜裡。"),), (Text("攝影：佚名"),))


def test_unmatched_override_marks_still_reported_and_escaped_marks_are_text():
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：甲-{乙？\n\n丙}-丁。\n")
    assert [(d.line, d.code) for d in parsed.diagnostics] == [(14, "OVR001"), (16, "OVR001")]
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：甲-\\{乙？\n\n丙。\n")
    assert messages(parsed) == []
    assert parsed.interview.sections[0].blocks[0].text.content == (Text("甲-{乙？"),)


@pytest.mark.parametrize("written", ["<燈 塔.svg>", "燈%20塔.svg", "%E7%87%88%20%E5%A1%94.svg"])
def test_image_names_with_spaces_and_non_ascii(lamp, written):
    (lamp / "燈 塔.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>', encoding="utf-8")
    parsed = parse_text(FRONT + f"![燈]({written})\n▲燈塔。\n\n" + BODY, lamp)
    assert messages(parsed) == []
    assert parsed.interview.lead[0].image == "燈 塔.svg"


@pytest.mark.parametrize("line,field,value", [
    ("subtitle: 12:30", "subtitle", "12:30"),
    ("subtitle: 010", "subtitle", "010"),
    ("subtitle: yes", "subtitle", "yes"),
    ("subtitle: 0x1F", "subtitle", "0x1F"),
    ("subtitle: 1e3", "subtitle", "1e3"),
    ("subtitle: 2025-05-01", "subtitle", "2025-05-01"),
    ("subtitle: " + "9" * 5000, "subtitle", "9" * 5000),
    ("publisher: null", "publisher", None),
    ("publisher: ~", "publisher", None),
    ("publisher: 'null'", "publisher", "null"),
], ids=["time", "octal", "yes", "hex", "float", "date", "giant", "null", "tilde", "quoted-null"])
def test_text_fields_stay_text(line, field, value):
    parsed = parse_text(FRONT.replace("title: 燈塔\n", f"title: 燈塔\n{line}\n") + BODY)
    assert messages(parsed) == []
    got = getattr(parsed.interview, field)
    assert got == ((Text(value),) if value is not None else ())


@pytest.mark.parametrize("value,draft", [("true", True), ("false", False), ("True", True), ("FALSE", False)])
def test_draft_flag_is_yaml_1_2_boolean(value, draft):
    parsed = parse_text(FRONT.replace("title: 燈塔\n", f"title: 燈塔\ndraft: {value}\n") + BODY)
    assert messages(parsed) == [] and parsed.interview.draft is draft


@pytest.mark.parametrize("value,message", [
    ("2026-02-30", "t/index.md:3:7: error[FM005]: 'date' in front matter is 2026-02-30, which is not a day "
                   "of the calendar (day is out of range for month); write the real date as YYYY-MM-DD"),
    ("2025-13-01", "t/index.md:3:7: error[FM005]: 'date' in front matter is 2025-13-01, which is not a day "
                   "of the calendar (month must be in 1..12); write the real date as YYYY-MM-DD"),
    ("9" * 5000, "t/index.md:3:1: error[FM005]: 'date' in front matter must be a date written YYYY-MM-DD"),
    ("12:30", "t/index.md:3:1: error[FM005]: 'date' in front matter must be a date written YYYY-MM-DD"),
], ids=["feb-30", "month-13", "giant", "time"])
def test_impossible_and_giant_dates_are_located_errors(value, message):
    parsed = parse_text(FRONT.replace("date: 2025-05-01", f"date: {value}") + BODY)
    assert parsed.interview is None
    assert messages(parsed) == [message]


def test_date_with_time_is_still_a_date():
    parsed = parse_text(FRONT.replace("date: 2025-05-01", "date: 2025-05-01 10:30:00+08:00") + BODY)
    assert messages(parsed) == [] and str(parsed.interview.date) == "2025-05-01"


def test_lone_surrogate_in_any_field_is_a_located_error_not_a_traceback():
    parsed = parse_text(FRONT.replace("  - name: 林阿香", '  - name: "林\\udc00"') + BODY)
    assert messages(parsed) == [
        "t/index.md:7:11: error[FM005]: this value holds \\udc00, half of a UTF-16 pair, which is not a "
        "character; write the character itself (or a \\U escape with all 8 digits)"]


@pytest.mark.parametrize("slug,ok", [("a" * 60, True), ("a" * 61, False), ("con", False), ("nul", False),
                                     ("com1", False), ("lpt9", False), ("console", True), ("aux-1", True)])
def test_slug_length_and_windows_reserved_names(slug, ok):
    parsed = parse_text(FRONT.replace("title: 燈塔\n", f"title: 燈塔\nslug: {slug}\n") + BODY)
    assert (parsed.interview is not None) is ok, messages(parsed)
    if not ok:
        assert [(d.line, d.code) for d in parsed.diagnostics] == [(3, "FM005")]


def test_a_300_character_folder_name_is_not_a_slug(tmp_path):
    folder = tmp_path / ("a" * 200)
    folder.mkdir()
    parsed = parse_text(FRONT + BODY, folder)
    assert [d.code for d in parsed.diagnostics] == ["FM005"] and "200 characters long" in parsed.diagnostics[0].message


def test_misspelt_key_gives_the_hint_and_nothing_else():
    text = (FRONT.replace("interviewees:", "interviewee:")
            + "## 01. 燈\n\n問：甲？\n\n乙。\n\n問：丙？\n\n丁。\n\n問：戊？\n\n己。\n\n問：庚？\n\n辛。\n")
    assert messages(parse_text(text)) == [
        "t/index.md:6:1: error[FM003]: unknown key 'interviewee' in the front matter; "
        "did you mean 'interviewees'?"]


def test_missing_interviewees_still_reported_when_no_key_resembles_it():
    text = FRONT.replace("interviewees:\n  - name: 林阿香\n", "") + BODY
    assert [d.code for d in parse_text(text).diagnostics] == ["FM004"]


def test_answer_on_the_next_line_of_the_question_says_so():
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：燈還亮嗎？\n還亮著。\n")
    assert messages(parsed) == [
        "t/index.md:15:1: error[QA001]: this question has no answer, because this line, written right "
        "under the question, is part of it: leave a blank line between the question and its answer"]


def test_question_over_two_lines_with_an_answer_is_fine():
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：燈還亮嗎？\n還是早就熄了？\n\n還亮著。\n")
    assert messages(parsed) == []


@pytest.mark.parametrize("text,found", [
    ("甲,乙", [(12, 2)]), ("甲(乙)丙", [(12, 2)]), ("甲:乙;丙", [(12, 2)]), ("她說?好!", [(12, 3)]),
    ("a,b 與 1,2", []), ("甲 , 乙", [(12, 3)]),  # spaced marks too: the importer rewrites them
    ("`甲,乙`", []), ("見[連結](https://example.org/甲,乙)", []),
    ("甲，乙", []), ("Lena,Park", []), ("甲,Park", []),
])
def test_half_width_punctuation_between_cjk(text, found):
    parsed = parse_text(FRONT + text + "\n\n" + BODY)
    assert [(d.line, d.col) for d in parsed.diagnostics if d.code == "PUN001"] == found


def test_half_width_punctuation_in_front_matter():
    parsed = parse_text(FRONT.replace("summary: 守燈人談燈塔。", "summary: 守燈人,談燈塔。") + BODY)
    assert [(d.line, d.code) for d in parsed.diagnostics] == [(5, "PUN001")]
    assert parsed.interview is not None  # a warning


@pytest.mark.parametrize("char", ["\ue000", "\uf8ff", "\U000f0000", "\U0010fffd"])
def test_private_use_code_points_are_located_errors(char):
    parsed = parse_text(FRONT + f"甲乙{char}丙\n\n" + BODY)
    assert [(d.line, d.col, d.code) for d in parsed.diagnostics] == [(12, 3, "SRC001")]


SAFE_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
            '<defs><linearGradient id="g"/></defs><rect fill="url(#g)" width="1" height="1"/>'
            '<use xlink:href="#g"/><image href="data:image/png;base64,iVBORw0KGgo="/>'
            '<style>rect { fill: url(#g) }</style><text>燈</text></svg>')


@pytest.mark.parametrize("name,svg", [
    ("script", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("prefixed-script", '<s:svg xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></s:svg>'),
    ("onload", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
    ("javascript-href", '<svg xmlns="http://www.w3.org/2000/svg"><a href="javascript:alert(1)"><text>x</text></a></svg>'),
    ("xlink-external", '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                       '<use xlink:href="https://example.org/a.svg#x"/></svg>'),
    ("svg-data-uri", '<svg xmlns="http://www.w3.org/2000/svg"><image href="data:image/svg+xml;base64,PHN2Zz4="/></svg>'),
    ("foreign-object", '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>'),
    ("style-import", '<svg xmlns="http://www.w3.org/2000/svg"><style>@import "https://example.org/x.css";</style></svg>'),
    ("style-url", '<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill: url(https://example.org/x)"/></svg>'),
    ("entities", '<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                 '<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'),
    ("malformed", '<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'),
    ("not-xml", "GIF89a"),
])
def test_unsafe_or_unreadable_svg_is_refused_at_the_image(lamp, name, svg):
    (lamp / "lamp.svg").write_text(svg, encoding="utf-8")
    parsed = parse_text(FRONT + "![燈](lamp.svg)\n▲燈。\n\n" + BODY, lamp)
    assert parsed.interview is None
    assert {(d.line, d.col, d.code) for d in parsed.diagnostics} == {(12, 6, "FIG003")}, messages(parsed)


def test_plain_svg_with_fragments_and_embedded_raster_is_published(lamp):
    (lamp / "lamp.svg").write_text(SAFE_SVG, encoding="utf-8")
    parsed = parse_text(FRONT + "![燈](lamp.svg)\n▲燈。\n\n" + BODY, lamp)
    assert messages(parsed) == []


def test_sample_svgs_are_safe():
    from archive.media import svg_problems

    svgs = sorted((Path(__file__).parent.parent / "interview").glob("*/*.svg"))
    assert svgs and all(svg_problems(p.read_bytes()) == [] for p in svgs)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("fifo", ["archive.yml", "glossary.yml", "one/index.md"])
def test_a_fifo_where_a_file_belongs_is_a_located_error_not_a_hang(tmp_path, fifo):
    root = tmp_path / "arc"
    (root / "one").mkdir(parents=True)
    if fifo != "one/index.md":
        (root / "one" / "index.md").write_text(FRONT + BODY, encoding="utf-8")
    os.mkfifo(root / fifo)
    archive = read_archive(root)  # would block for ever on open() of the pipe
    assert [(d.path, d.line, d.code) for d in archive.diagnostics] == [(f"arc/{fifo}", 1, "SRC002")]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_fifo_as_an_image_is_a_located_error(lamp):
    os.mkfifo(lamp / "lamp.png")
    parsed = parse_text(FRONT + "![燈](lamp.png)\n▲燈。\n\n" + BODY, lamp)
    assert [(d.line, d.col, d.code) for d in parsed.diagnostics] == [(12, 6, "SRC002")]


def test_notes_are_numbered_by_first_reference_not_definition():
    text = FRONT + "## 01. 燈\n\n問：甲[^b]乙[^a]？\n\n丙。\n\n[^a]: 注甲。\n\n[^b]: 注乙。\n"
    notes = parse_text(text).interview.notes
    assert [(n.label, n.number) for n in notes] == [("b", 1), ("a", 2)]


def test_emphasis_and_note_refs_inside_questions_are_kept():
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：*燈*還亮嗎[^a]？\n\n還亮著。\n\n[^a]: 注。\n")
    content = parsed.interview.sections[0].blocks[0].text.content
    assert isinstance(content[0], Emphasis) and isinstance(content[2], NoteRef)
    assert isinstance(parsed.interview.sections[0].blocks[0], QuestionNode)


def test_a_paragraph_flooded_with_brackets_is_one_located_error():
    parsed = parse_text(FRONT + "甲" + "[" * 2001 + "]乙\n\n" + BODY)
    assert messages(parsed) == [
        "t/index.md:12:2: error[MD002]: this paragraph holds more than 2000 '[', too many to read for "
        "links and notes; split it, or write \\[ for a bracket"]


def test_brackets_and_links_below_the_flood_limit_still_work():
    parsed = parse_text(FRONT + "[" * 1000 + "[甲](https://example.org)" + "]" * 3 + "\n\n" + BODY)
    assert messages(parsed) == []
    assert any(type(x).__name__ == "Link" for x in parsed.interview.lead[0].content)


def test_more_than_64_emphasis_marks_in_a_row_are_text():
    parsed = parse_text(FRONT + "*" * 65 + "甲" + "*" * 65 + "\n\n*乙*\n\n" + BODY)
    assert messages(parsed) == []
    assert parsed.interview.lead[0].content == (Text("*" * 65 + "甲" + "*" * 65),)
    assert parsed.interview.lead[1].content == (Emphasis((Text("乙"),)),)


def test_a_paragraph_flooded_with_emphasis_marks_is_one_located_error():
    parsed = parse_text(FRONT + "甲" + "*乙 " * 4001 + "\n\n" + BODY)
    assert messages(parsed) == [
        "t/index.md:12:2: error[MD002]: this paragraph holds more than 4000 '*' or '_', too many to read "
        "for emphasis; split it, or write \\* for an asterisk"]


def test_runs_of_unmatched_override_marks_are_one_error_and_kept_as_text():
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：甲" + "-{" * 5 + "乙" + "}-" * 5 + "丙？\n\n好。\n")
    # the first -{ closes at the first }-: one override holding '-{-{-{-{乙', then four stray closes
    assert [(d.line, d.code) for d in parsed.diagnostics] == [(14, "OVR001")]
    parsed = parse_text(FRONT + "## 01. 燈\n\n問：甲" + "}-" * 5 + "乙" + "-{" * 5 + "？\n\n好。\n")
    assert [(d.line, d.code) for d in parsed.diagnostics] == [(14, "OVR001"), (14, "OVR001")]


def test_empty_interviewees_is_reported_once_without_a_cascade():
    text = FRONT.replace("interviewees:\n  - name: 林阿香\n", "interviewees:\n") + BODY + "\n問：再一問？\n\n再答。\n"
    assert [d.code for d in parse_text(text).diagnostics] == ["FM004"]
