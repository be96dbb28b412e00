"""The import report: how each note was matched (uncertain first), IMP codes, dates, and the command's options."""

from __future__ import annotations

import ast
import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from archive.importer import Imp, ImportFailed, import_text
from archive.importer.read import Line, classify
from archive.importer.report import format_text

FIXTURES = Path(__file__).parent / "fixtures" / "import"
README = Path(__file__).parents[1] / "README.md"
PACKAGE = Path(__file__).parents[1] / "src" / "archive" / "importer"


def imported(case: str, **options):
    text = (FIXTURES / f"{case}.txt").read_text(encoding="utf-8")
    return import_text(text, f"{case}.txt", case, f"interview/{case}/index.md", **options)


def test_the_text_report_lists_the_uncertain_notes_first():
    out = format_text(imported("imperfect-2-lost-marker").report, True)
    assert "2 note(s) (matched by: 1 term, 1 none)" in out
    lines = out.splitlines()
    start = lines.index("imperfect-2-lost-marker.txt: check these notes first (least certain first):")
    assert lines[start + 1:start + 3] == [
        "  imperfect-2-lost-marker.txt:9: note [^n2] placed on line 8 by none",
        "  imperfect-2-lost-marker.txt:6: note [^n1] placed on line 5 by term"]
    assert "imperfect-2-lost-marker.txt:6:1: warning[IMP005]: this note had no marker;" in out


def test_sure_matches_need_no_check():
    out = format_text(imported("imperfect-1-notes-out-of-order").report, True)
    assert "4 note(s) (matched by: 4 marker+term)" in out and "check these notes first" not in out


def test_every_code_the_importer_emits_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    section = readme[readme.index("## `archive import`"):]
    section = section[:section.index("\n## ", 5)]
    for code in Imp:
        assert re.search(rf"\| {code.name} \|", section), code.name
    used = set(re.findall(r"Imp\.(IMP\d{3})", "".join(p.read_text(encoding="utf-8") for p in PACKAGE.glob("*.py"))))
    assert used == {code.name for code in Imp}  # each code is emitted somewhere, none is only documented


def test_a_dateline_without_any_year_is_a_placeholder_with_a_finding():
    text = "海港日報1月15日訊，一位船長談霧。\n01.\n霧\n問：霧大嗎？\n很大。\n來源：北岸週刊\n"
    result = import_text(text, "y.txt", "y", "interview/y/index.md")
    assert "\ndate: 1970-01-01\n" in result.markdown
    assert [(w.line, w.code) for w in result.report.warnings if w.path == "y.txt"] == [(1, "IMP012")]
    assert "gives 1月15日 but no year" in result.report.warnings[0].message
    given = import_text(text, "y.txt", "y", "interview/y/index.md", date=dt.date(2026, 1, 15))
    assert "\ndate: 2026-01-15\n" in given.markdown and given.report.date_from == "option"
    assert not [w for w in given.report.warnings if w.code in ("IMP012", "IMP013")]


def test_the_outlet_and_source_date_come_from_the_lead():
    head = imported("outlet-yearless-dateline").markdown.split("\n---\n")[0]
    assert "\ndate: 2026-01-15\n" in head and "  outlet: 彭博社\n  date: 2026-01-05\n" in head
    assert "  outlet: 山城週報\n" in imported("outlet-quoted").markdown
    assert not [w for w in imported("outlet-quoted").report.warnings if w.code == "IMP014"]


def test_the_output_is_a_draft_and_names_a_labelled_interviewee():
    result = imported("labels-interviewee-name")
    assert result.markdown.startswith("---\ndraft: true\n")
    assert "interviewees:\n  - name: 何澄\n" in result.markdown
    assert not [w for w in result.report.warnings if w.code == "IMP015"]


def test_several_named_interviewees_keep_their_labels():
    text = ("海港日報2026年8月9日訊，兩位教練何澄和林渡談學生。\n01.\n學生\n問：你們教過多少學生？\n何澄：大概三百個。\n"
            "林渡：我少一點。\n問：誰最難忘？\n林渡：一位老先生。\n問：你呢？\n何澄：也是他。\n")
    result = import_text(text, "two.txt", "two", "interview/two/index.md")
    assert result.report.errors == ()
    assert "  - name: 何澄\n    label: 何澄\n  - name: 林渡\n    label: 林渡\n" in result.markdown
    assert "\n\n何澄：大概三百個。\n\n林渡：我少一點。\n" in result.markdown
    unnamed = import_text(text.replace("教練何澄和林渡", "教練"), "two.txt", "two", "interview/two/index.md")
    assert "何澄：大概三百個。" in unnamed.markdown and "TODO: 受訪者" in unnamed.markdown  # not in the lead: text


def test_the_importer_modules_stay_small():
    for path in PACKAGE.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        assert ast.get_docstring(tree), path.name
        assert len(source.splitlines()) <= 400, path.name
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                assert node.end_lineno - node.lineno < 60, (path.name, node.name)


def test_cli_keep_punctuation(tmp_path: Path):
    source = tmp_path / "p.txt"
    source.write_text("海港日報2026年9月1日訊,一位技師談燈塔。\n01.\n燈\n問：燈亮嗎？\n亮,很亮。\n", encoding="utf-8")
    for flag, expected in (([], "亮，很亮。"), (["--keep-punctuation"], "亮,很亮。")):
        done = subprocess.run([sys.executable, "-m", "archive", "import", str(source), "--slug", "p", "--force",
                               "--out", str(tmp_path / "out"), *flag], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert expected in (tmp_path / "out" / "p" / "index.md").read_text(encoding="utf-8")


PARTS = ["\n", "01.\n", "02.\n", "問：", "記者:", "Q：", "答：", "A:", "何澄：", "*", "＊", "▲", "（圖源：甲）", "來源：週刊",
         "編譯 | 甲\n", "據《週報》3月2日報道，", "据彭博社1月5日报道,", "1月15日訊", "2025年3月1日", "(Lena Park)", "42天",
         "燈塔", "霧笛", "，", "。", ",", "?", "(笑)", "* * *", "-{", "}-", "[^a]", "`", "https://a.b/c,d", " "]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(PARTS), max_size=60))
def test_any_text_imports_or_fails_with_a_message(parts: list[str]):
    text = "".join(parts)
    try:
        result = import_text(text, "any.txt", "any", "interview/any/index.md")
    except ImportFailed as exc:
        assert str(exc)
        return
    assert result.report.errors == (), result.markdown
    assert all(w.code.startswith(("IMP", "FM", "FN")) for w in result.report.warnings)


@pytest.mark.parametrize("line", ["問：甲", "问:甲", "記者：甲", "记者：甲", "主持人：甲", "提問：甲", "提问: 甲", "Q：甲", "Q:甲"])
def test_question_labels(line: str):
    assert classify(1, line) == Line(1, "question", "甲", line)


@pytest.mark.parametrize("line", ["記者會上很熱鬧。", "Quiet: 甲", "主持人說：好。", "問題是：甲"])
def test_not_question_labels(line: str):
    assert classify(1, line).kind == "text"


@pytest.mark.parametrize("text", ["`記者:問：-{`", "`甲:乙[^a]丙`", "寫法`中,文`和(笑)", "https://a.b/c,d-{問：(笑)"])
def test_the_importer_and_the_check_read_backticks_and_addresses_alike(text: str):
    """Hypothesis found ```記者:問：-{``` imported with its colon kept (read as code) and PUN001 then
    warning on the escaped result, whose override marker splits the line into two text runs; and an
    address running on over such a marker into Chinese (``https://a.b/c,d-{問：(笑)``)."""
    result = import_text(text, "any.txt", "any", "interview/any/index.md")
    assert result.report.errors == ()
    assert not any(w.code == "PUN001" for w in result.report.warnings), result.markdown
