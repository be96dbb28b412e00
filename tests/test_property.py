"""Property tests: parse_interview never raises and always says why it has no model.

For any text, ``parse_interview`` returns a Parsed holding either an
interview or at least one error diagnostic; every diagnostic points at a
line of the file (1 … number of lines + 1) and prints as
``path:line:col: severity[CODE]: message``.

The generated texts leave out U+0085, U+2028 and U+2029: YAML counts them
as line breaks while the file (and markdown-it) does not, so front matter
diagnostics after one point at a line the file does not have. That bug is
pinned by ``test_yaml_line_numbers_ignore_unicode_line_separators`` below
(strict xfail) instead of making the properties flaky.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archive.errors import Code, Severity
from archive.model import Question
from archive.parse import Parsed, parse_interview

# the folder's name is the default slug: make it a valid one
FOLDER = str(Path(__file__).resolve().parent / "fixtures" / "errors")
PATH = "prop/index.md"
DIAG_RE = re.compile(r"(?P<path>[^\n]+):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): "
                     r"(?P<sev>error|warning|notice)\[(?P<code>[A-Z]+\d{3})\]: (?P<msg>.+)\Z", re.S)
YAML_BREAKS = "\x85\u2028\u2029"

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def file_lines(text: str) -> int:
    """How many lines the file has, counted the way editors and markdown-it count them."""
    return len(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def check(text: str) -> Parsed:
    parsed = parse_interview(text, path=PATH, folder=FOLDER)
    assert isinstance(parsed, Parsed)
    errors = [d for d in parsed.diagnostics if d.severity is Severity.ERROR]
    assert parsed.interview is not None or errors, \
        f"no model and no error to say why: {[str(d) for d in parsed.diagnostics]}"
    if parsed.interview is not None:
        assert not errors
    assert list(parsed.diagnostics) == sorted(parsed.diagnostics)
    limit = file_lines(text) + 1
    for d in parsed.diagnostics:
        assert 1 <= d.line <= limit, f"line {d.line} outside 1..{limit}: {d}"
        assert d.col >= 1
        match = DIAG_RE.match(str(d))
        assert match, repr(str(d))
        assert match["path"] == PATH and int(match["line"]) == d.line
        assert match["code"] in Code.__members__
        # FM007 (a placeholder) is an error outside drafts, a warning in one
        assert match["sev"] == str(Code[match["code"]].severity) or match["code"] == "FM007"
        assert d.message.strip()
    return parsed


# --- arbitrary text -----------------------------------------------------------

any_text = st.text(st.characters(blacklist_characters=YAML_BREAKS, blacklist_categories=("Cs",)))


@SETTINGS
@given(any_text)
def test_arbitrary_text(text):
    check(text)


@SETTINGS
@given(any_text)
def test_arbitrary_text_after_front_matter_marker(text):
    check("---\n" + text)


# --- text built from the format's pieces ----------------------------------------

cjk = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=8)
label = st.sampled_from(["a", "b", "n1", "注", "a b", ""])
number = st.integers(min_value=0, max_value=120).map(lambda n: f"{n:02d}")

FRONT_LINES = [
    "title: 小鎮茶館", "subtitle: 老闆談三十年", "date: 2025-05-01", "date: 明天", "script: hant",
    "script: hans", "script: 繁體", "conversion: hk", "summary: 一段摘要。", "slug: tea-house",
    "slug: Bad_Slug", "interviewees:", "  - name: 林阿香", "    label: 林", "  - name: 林阿明",
    "interviewer:", "  name: 記者", "source:", "  outlet: 山城日報", "  url: https://example.org/a",
    "credits:", "  - 編輯: 某人", "glossary:", "  - {hant: 后灣, hans: 后湾}", "  - {hant: 只有}",
    "subtitel: 拼錯", "title: 又一個標題", "summary: [未閉合", "key: &a [x, y]", "more: *a", "  bad indent: x",
    "rights: -{zh-hans:只有一半}-", "publisher: <b>報</b>",
]
# (a recursive alias such as 'key: &a [*a]' is left out: it yields no model and only a warning,
# a bug pinned in test_errors.py::test_unreadable_nesting_is_an_error_not_a_silent_drop)
VALID_FRONT = ("---\ntitle: 小鎮茶館\ndate: 2025-05-01\nscript: hant\nsummary: 一段摘要。\n"
               "interviewees:\n  - name: 林阿香\nsource:\n  outlet: 山城日報\n---\n")

piece = st.one_of(
    cjk,
    st.sampled_from([
        "## ", "### ", "# ", "問：", "问：", "答：", "林：", "[^a]", "[^b]", "[^注]", "[^a]: ", "▲", "△",
        "-{", "}-", "-{zh-hans:简;zh-hant:繁;}-", "-{zh-hans:半}-", "* * *", "> ", ">", "* ", "- ", "1. ",
        "![x](y.svg)", "![門](../x.svg)", "![](http://example.org/a.png)", "[連結](https://example.org)",
        "[壞](javascript:alert(1))", "[別篇](other#s01)", "[錨](#q01)", "<b>", "</b>", "<!--", "---",
        "===", "    ", "`碼`", "```", "*", "**", "_", "（笑）", "（圖源：某人）", "{#q01}", "{#intro}",
        " ", "\t", "\\", "。", "，", "：", "\r\n", "\u3000",
    ]),
    st.builds(lambda n, t: f"## {n}. {t}", number, cjk),
    st.builds(lambda lb, t: f"[^{lb}]: {t}", label, cjk),
    st.builds(lambda lb: f"[^{lb}]", label),
)
line = st.lists(piece, max_size=6).map("".join)
body = st.lists(line, max_size=30).map("\n".join)
front = st.one_of(
    st.just(VALID_FRONT),
    st.lists(st.sampled_from(FRONT_LINES), max_size=12).map(lambda ls: "---\n" + "".join(f"{x}\n" for x in ls) + "---\n"),
    st.lists(st.sampled_from(FRONT_LINES), max_size=6).map(lambda ls: "---\n" + "".join(f"{x}\n" for x in ls)),
    st.just(""),
)


@SETTINGS
@given(front, body)
def test_grammar_documents(front_matter, text):
    check(front_matter + text)


@SETTINGS
@given(body)
def test_grammar_bodies_after_valid_front_matter(text):
    parsed = check(VALID_FRONT + "\n" + text)
    if parsed.interview is not None:
        numbers = [s.number for s in parsed.interview.sections]
        assert numbers == list(range(1, len(numbers) + 1)), "a model only with sections 01, 02, … in order"


# --- well-formed interviews always give a model -------------------------------------

answer = st.lists(cjk, min_size=1, max_size=3).map("。".join).map(lambda t: t + "。")
qa = st.tuples(answer, st.lists(answer, min_size=1, max_size=3))
section = st.tuples(cjk, st.one_of(st.none(), cjk), st.lists(qa, min_size=1, max_size=4))


@SETTINGS
@given(st.lists(answer, max_size=3), st.lists(section, min_size=1, max_size=6))
def test_well_formed_interviews_parse_cleanly(lead, sections):
    parts = [VALID_FRONT, ""]
    parts += [f"{p}\n" for p in lead]
    for n, (headline, kicker, pairs) in enumerate(sections, 1):
        parts.append(f"## {n:02d}. {headline}")
        if kicker:
            parts.append(f"### {kicker}")
        parts.append("")
        for question, answers in pairs:
            parts.append(f"問：{question}\n")
            parts += [f"{a}\n" for a in answers]
    parsed = check("\n".join(parts))
    assert parsed.diagnostics == ()
    interview = parsed.interview
    assert interview is not None
    assert [s.number for s in interview.sections] == list(range(1, len(sections) + 1))
    questions = [b for s in interview.sections for b in s.blocks if isinstance(b, Question)]
    assert [q.id for q in questions] == [f"q{n:02d}" for n in range(1, len(questions) + 1)]
    assert [len(q.answers[0].blocks) for q in questions] == [len(a) for _, _, ps in sections for _, a in ps]


# --- size and depth: never a RecursionError, never a traceback (not timed) ----------------


def _section(n: int) -> str:
    note = (n - 1) % 40 + 1
    return (f"## {n:02d}. 第{n}節\n### 小標\n\n▲只有說明的圖。\n\n問：第{n}個問題[^n{note}]？\n\n"
            f"答案的第一段，提到[別處](#s01)和-{{zh-hans:简;zh-hant:繁;}}-。（笑）\n\n答案的第二段。\n\n"
            f"* * *\n\n一段敘述。\n\n")


@pytest.mark.parametrize("repeat", [1, 20])  # section numbers have at most 3 digits
def test_forty_sections_repeated_give_a_model(repeat):
    # the same 40 sections again and again, renumbered so that the file stays valid
    notes = "".join(f"[^n{n}]: 第{n}條注。\n\n" for n in range(1, 41))
    text = VALID_FRONT + "\n" + "".join(_section(n) for n in range(1, 40 * repeat + 1)) + notes
    parsed = check(text)
    assert [str(d) for d in parsed.diagnostics] == []
    interview = parsed.interview
    assert interview is not None
    assert len(interview.sections) == 40 * repeat
    assert len(interview.notes) == 40
    assert all(note.references == repeat for note in interview.notes)


DEEP = dict([
    ("blockquote-10000-lead", ">" * 10000 + " 深\n"),
    ("blockquote-10000-section", "## 01. 甲\n\n問：一？\n\n答。\n\n" + ">" * 10000 + " 深\n"),
    ("emphasis-5000", "## 01. 甲\n\n問：一？\n\n" + "*" * 5000 + "深" + "*" * 5000 + "\n"),
    ("emphasis-words-5000", "## 01. 甲\n\n問：一？\n\n" + "*甲 " * 5000 + "深" + " 乙*" * 5000 + "\n"),
    ("brackets-5000", "## 01. 甲\n\n問：一？\n\n" + "[" * 5000 + "深" + "](x)" * 5000 + "\n"),
    ("overrides-5000", "## 01. 甲\n\n問：一？\n\n" + "-{" * 5000 + "深" + "}-" * 5000 + "\n"),
    ("notes-5000", "## 01. 甲\n\n問：一？\n\n" + "[^a]" * 5000 + "\n\n[^a]: 注。\n"),
    ("list-1000", "## 01. 甲\n\n問：一？\n\n答。\n\n" + "".join("  " * i + "- 甲\n" for i in range(1000))),
    ("list-quote-3000", "## 01. 甲\n\n問：一？\n\n答。\n\n" + "- > " * 3000 + "甲\n"),
    ("headings-5000", "".join(f"## {n:02d}. 節\n\n問：問？\n\n答。\n\n" for n in range(1, 5001))),
])


@pytest.mark.parametrize("name", list(DEEP))
def test_deep_or_long_input_never_raises(name):
    text = DEEP[name]
    parsed = check(VALID_FRONT + "\n" + text)
    assert parsed.interview is not None or parsed.diagnostics


def test_deep_nesting_without_front_matter_never_raises():
    for text in (">" * 10000, "*" * 10000, "[" * 10000, "-{" * 10000, "- " * 5000 + "甲"):
        parsed = check(text)
        assert [d.code for d in parsed.diagnostics] == ["FM001"]


@pytest.mark.parametrize("breaks", ["\u2028" * 7, "\x85" * 7, "\u2029" * 7], ids=["U+2028", "U+0085", "U+2029"])
def test_yaml_line_numbers_ignore_unicode_line_separators(breaks):
    text = f"---\n{breaks}title: a\ntitle: b\n---\n"
    parsed = parse_interview(text, path=PATH, folder=FOLDER)
    dup = [d for d in parsed.diagnostics if d.code == "FM006"]
    assert dup and dup[0].line == 3, [str(d) for d in parsed.diagnostics]
    assert all(d.line <= file_lines(text) + 1 for d in parsed.diagnostics)


# --- front matter of any shape: a model or located diagnostics, never a traceback ----------

yaml_scalar = st.one_of(
    st.sampled_from(["12:30", "010", "0x1F", "yes", "no", "on", "~", "null", "1e3", ".inf", "-.nan", "2026-02-30",
                     "2025-13-01", "1970-01-01", "2025-05-01", "2025-05-01T10:00:00Z", "true", "false", "'x'",
                     '"\\ud800"', '"\\udfff x"', '"\\U0001F600"', '"\\ue000"', "9" * 5000, "-" + "9" * 5000,
                     "!!int 5", "!!binary aGk=", "!!python/object:os.system x", "&a x", "*a", "|", ">-",
                     "'TODO: 填寫'", "TODO", "-{zh-hans:半}-", "甲,乙", "[a, b]", "{a: b}", "{", "[", "'", '"',
                     "? x", ": x", "- x", "#", "%YAML 1.2", "@", "`"]),
    st.text(st.characters(blacklist_characters=YAML_BREAKS, blacklist_categories=("Cs",)), max_size=12),
)
yaml_key = st.sampled_from(["title", "subtitle", "date", "script", "summary", "slug", "draft", "conversion",
                            "publisher", "rights", "interviewee", "interviewees", "source", "credits",
                            "glossary", "interviewer", "name", "label", "outlet", "url", "hant", "hans", "x",
                            "1", "null", "? a"])
yaml_line = st.one_of(
    st.builds(lambda k, v: f"{k}: {v}", yaml_key, yaml_scalar),
    st.builds(lambda i, k, v: f"{'  ' * i}- {k}: {v}", st.integers(0, 3), yaml_key, yaml_scalar),
    st.builds(lambda i, k, v: f"{'  ' * i}{k}: {v}", st.integers(1, 3), yaml_key, yaml_scalar),
    st.builds(lambda k: f"{k}:", yaml_key),
)


@SETTINGS
@given(st.lists(yaml_line, max_size=15))
def test_front_matter_of_any_shape_never_raises(lines):
    check("---\n" + "".join(f"{x}\n" for x in lines) + "---\n\n## 01. 甲\n\n問：一？\n\n答。\n")


@SETTINGS
@given(st.lists(yaml_line, max_size=8))
def test_random_lines_added_to_valid_front_matter_never_raise(lines):
    text = VALID_FRONT.replace("---\n", "---\n" + "".join(f"{x}\n" for x in lines), 1) if lines else VALID_FRONT
    parsed = check(text + "\n## 01. 甲\n\n問：一？\n\n答。\n")
    if parsed.interview is not None:
        for field in ("title", "subtitle", "summary", "publisher", "rights"):
            for leaf in getattr(parsed.interview, field):
                assert not hasattr(leaf, "text") or isinstance(leaf.text, str)


# --- pathological shapes (issue 11): each completes with a model or located diagnostics --------
# Small sizes keep the suite fast; bench/pathological.py times them at 1 MB and 10 MB.

N = 3000
PATHOLOGICAL = {
    "footnote-brackets": "## 01. 甲\n\n問：一？\n\n" + "[^" * N + "\n\n[^a]: 注。\n",
    "brackets-then-close": "## 01. 甲\n\n問：一？\n\n" + "[" * N + "]\n",
    "emphasis-words": "## 01. 甲\n\n問：一？\n\n" + "*甲 " * N + "深" + " 乙*" * N + "\n",
    "list-depth-2000": "## 01. 甲\n\n問：一？\n\n答。\n\n" + "- " * 2000 + "甲\n",
    "list-depth-10000": "## 01. 甲\n\n問：一？\n\n答。\n\n" + "- " * 10000 + "甲\n",
    "list-indented-300": "## 01. 甲\n\n問：一？\n\n答。\n\n" + "".join("  " * i + "- 甲\n" for i in range(300)),
    "override-open": "## 01. 甲\n\n問：一？\n\n" + "-{" * N + "\n",
    "override-close": "## 01. 甲\n\n問：一？\n\n" + "}-" * N + "\n",
    "override-pairs": "## 01. 甲\n\n問：一？\n\n" + "-{甲}-" * N + "\n",
    "questions-5000": "## 01. 甲\n\n" + "問：一？\n\n答。\n\n" * 5000,
    "half-width": "## 01. 甲\n\n問：一？\n\n" + "甲,乙\n" * N,
    "private-use": "## 01. 甲\n\n問：一？\n\n" + "甲\ue000\n" * N,
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL))
def test_pathological_shapes_complete_with_a_model_or_located_diagnostics(name):
    parsed = check(VALID_FRONT + "\n" + PATHOLOGICAL[name])
    if parsed.interview is None:
        assert any(d.severity is Severity.ERROR for d in parsed.diagnostics)
    # one finding per line at most for repeated marks: never one per character
    assert len(parsed.diagnostics) <= N + 5


def test_a_20000_entry_glossary_keeps_each_line():
    from archive.config import read_settings

    glossary = "".join(f"- {{hant: 詞{i}, hans: 词{i}}}\n" for i in range(20000)) + "- {hant: 只有}\n"
    settings, diags = read_settings(None, "a.yml", glossary, "g.yml")
    assert len(settings.glossary) == 20000
    assert [(d.line, d.code) for d in diags] == [(20001, "OVR001")]
