"""People's names are converted as names: surname forms, one form everywhere, warnings where it is a guess."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from archive.build import build
from archive.plaintext import plain_text
from archive.model import GlossaryEntry
from archive.names import hant_surname, name_form, split
from archive.parse import parse_interview
from archive.scripts import name_diagnostics, people, to_script

FIXTURE = Path(__file__).parent / "fixtures" / "names" / "index.md"
PEOPLE_HANS = "周一舟 范小明 于丹 余光华 沈冬青 钟小红 干小宝".split()
PEOPLE_HANT = "周一舟 范小明 于丹 余光華 沈冬青 鍾小紅 干小寶".split()


@pytest.mark.parametrize("hans, hant", [
    *zip(PEOPLE_HANS, PEOPLE_HANT),
    ("叶小青", "葉小青"), ("万小明", "萬小明"), ("闫小明", "閆小明"), ("后小明", "后小明"),
    ("欧阳小明", "歐陽小明"), ("苏小明", "蘇小明"), ("宁小波", "寧小波"),
])
def test_a_simplified_name_keeps_its_surname_form(hans, hant):
    assert name_form(hans, "hans", "hant", "s2tw").target == hant
    assert name_form(hans, "hans", "hant", "s2tw").doubt is None


@pytest.mark.parametrize("hant, hans", [
    ("鍾小紅", "钟小红"), ("於小明", "於小明"), ("范曉嵐", "范晓岚"), ("葉小青", "叶小青"), ("周一舟", "周一舟"),
])
def test_a_traditional_name_keeps_its_surname_form(hant, hans):
    assert name_form(hant, "hant", "hans", "tw2s").target == hans


def test_the_hong_kong_profile_writes_its_own_forms_for_the_given_name():
    assert name_form("钟小红", "hans", "hant", "s2hk").target == "鍾小紅"


def test_names_split_at_compound_surnames_and_refuse_what_is_not_a_chinese_name():
    assert split("欧阳小明", "hans") == ("欧阳", "小明")
    assert split("周一舟", "hans") == ("周", "一舟")
    assert split("約翰·史密斯", "hant") is None and split("Ana", "hans") is None


def test_a_surname_the_tables_cannot_settle_is_a_doubt():
    form, doubt = hant_surname("须")
    assert form == "須" and doubt == "the surname 须 may be 須 or 鬚"


def test_the_names_case_reads_right_everywhere_on_the_traditional_page():
    parsed = parse_interview(FIXTURE.read_text(encoding="utf-8"), "names/index.md", str(FIXTURE.parent))
    assert parsed.interview is not None, parsed.diagnostics
    assert [name for _, name in people(parsed.interview)] == ["周一舟", "范小明", "于丹", "余光华", "沈冬青",
                                                               "钟小红", "干小宝"]
    hant = to_script(parsed.interview, "hant")
    assert plain_text(hant.interviewer.name) == "周一舟" and hant.interviewer.label == "周"
    assert [plain_text(p.name) for p in hant.interviewees] == ["范小明", "于丹"]
    assert [p.label for p in hant.interviewees] == ["范", "于"]
    assert [plain_text(c.name) for c in hant.credits] == ["余光華、沈冬青", "鍾小紅", "干小寶"]
    assert plain_text(hant.title) == "周一舟與范小明談理髮店"
    assert plain_text(hant.summary) == "于丹和余光華說起週一的理髮店。"  # 周一 is Monday here
    answer = hant.sections[0].blocks[0].answers[0].blocks[0]
    assert plain_text(answer.content) == "開門。于丹、余光華、沈冬青、鍾小紅和干小寶都來過。頭髮很長。"
    assert plain_text(hant.notes[0].paragraphs[0].content) == "周一舟記。"


def test_the_names_case_through_a_whole_build(tmp_path):
    archive = tmp_path / "interview"
    shutil.copytree(FIXTURE.parent, archive / "names")
    (archive / "archive.yml").write_text("base_url: https://example.org/names\n", encoding="utf-8")  # no PUB001
    report = build(archive, tmp_path / "site", Path(__file__).parent.parent / "templates", cache_dir=False)
    assert not report.warnings
    page = (tmp_path / "site" / "zh-hant" / "names" / "index.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", page)
    for name in PEOPLE_HANT:
        assert name in text
    for wrong in ("週一舟", "範小明", "於丹", "餘光華", "瀋冬青", "鐘小紅", "幹小寶", "乾小寶"):
        assert wrong not in text
    assert "店週一開門" in text
    hans = (tmp_path / "site" / "zh-hans" / "names" / "index.html").read_text(encoding="utf-8")
    assert all(name in hans for name in PEOPLE_HANS)


def _with_person(name: str, glossary: str = "") -> str:
    source = FIXTURE.read_text(encoding="utf-8").replace("  - 校对: 干小宝\n", f"  - 校对: {name}\n")
    return source.replace("source:\n", f"{glossary}source:\n", 1)


def test_a_guessed_name_is_a_warning_at_its_line_and_the_glossary_silences_it():
    source = _with_person("须小明")
    parsed = parse_interview(source, "names/index.md", str(FIXTURE.parent))
    found = name_diagnostics(parsed.interview, (), source)
    line = source.splitlines().index("  - 校对: 须小明") + 1
    assert [(d.code, d.line) for d in found] == [("CNV001", line)]
    assert "须 may be 須 or 鬚" in found[0].message and "須小明" in found[0].message
    assert name_diagnostics(parsed.interview, (GlossaryEntry(hant="須小明", hans="须小明"),), source) == []
    with_own = _with_person("须小明", "glossary:\n  - {hant: 須小明, hans: 须小明}\n")
    parsed = parse_interview(with_own, "names/index.md", str(FIXTURE.parent))
    assert name_diagnostics(parsed.interview, (), with_own) == []


def test_the_glossary_outranks_the_name_rule():
    parsed = parse_interview(FIXTURE.read_text(encoding="utf-8"), "names/index.md", str(FIXTURE.parent))
    hant = to_script(parsed.interview, "hant", (GlossaryEntry(hant="鐘小紅", hans="钟小红"),))
    assert plain_text(hant.credits[1].name) == "鐘小紅"
    assert "鐘小紅" in plain_text(hant.sections[0].blocks[0].answers[0].blocks[0].content)


def test_a_name_written_with_an_override_is_left_to_the_override():
    source = _with_person("-{zh-hans:钟小白;zh-hant:鐘小白;}-")
    parsed = parse_interview(source, "names/index.md", str(FIXTURE.parent))
    assert "钟小白" not in [name for _, name in people(parsed.interview)]
    hant = to_script(parsed.interview, "hant")
    assert plain_text(hant.credits[2].name) == "鐘小白"


def test_the_build_and_archive_check_report_the_guess(tmp_path):
    from archive.check import run_check

    archive = tmp_path / "interview"
    (archive / "names").mkdir(parents=True)
    source = _with_person("须小明")
    (archive / "names" / "index.md").write_text(source, encoding="utf-8")
    (archive / "archive.yml").write_text("base_url: https://example.org/names\n", encoding="utf-8")  # no PUB001
    templates = Path(__file__).parent.parent / "templates"
    report = build(archive, tmp_path / "site", templates, cache_dir=False)
    line = source.splitlines().index("  - 校对: 须小明") + 1
    assert [(d.code, d.line) for d in report.warnings] == [("CNV001", line)]
    assert report.warnings[0].path.endswith("names/index.md")
    result = run_check(archive, tmp_path / "site", templates)
    assert [(d.code, d.line) for d in result.diagnostics if d.code == "CNV001"] == [("CNV001", line)]
