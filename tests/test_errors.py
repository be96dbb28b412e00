"""Diagnostics: one broken interview per fixture, plus archive-level checks.

Each ``tests/fixtures/errors/<case>.md`` is a small, deliberately broken
interview; ``<case>.expected`` holds the exact diagnostics that
``parse_interview`` must report for it, one ``str(d)`` per line, in the sorted
order parse returns them.

To regenerate the expected files after an intended change to messages, run::

    ARCHIVE_REGEN=1 python -m pytest -q tests/test_errors.py -k fixture

and then READ every changed ``.expected`` file (``git diff tests/fixtures``)
and confirm by hand that each code, line, column and message is right for
its input: the regenerated files are only a proposal, never a proof.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from archive.errors import Code, Diagnostic, Severity
from archive.parse import parse_interview
from archive.sources import read_archive

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "errors"
# parse with a folder relative to the repository (and the repository as the working
# directory), so messages that name the folder are the same on every machine
FOLDER = "tests/fixtures/errors"
CASES = sorted(p.stem for p in FIXTURES.glob("*.md"))
REGEN = os.environ.get("ARCHIVE_REGEN") == "1"


@pytest.fixture(autouse=True)
def _in_repo(monkeypatch):
    monkeypatch.chdir(REPO)


def _parse(case: str):
    text = (FIXTURES / f"{case}.md").read_text(encoding="utf-8")
    return parse_interview(text, path=f"errors/{case}.md", folder=FOLDER)


def _diagnostics(case: str) -> list[Diagnostic]:
    return list(_parse(case).diagnostics)


def test_fixture_set_is_complete():
    assert len(CASES) >= 30
    missing = [c for c in CASES if not (FIXTURES / f"{c}.expected").exists()]
    assert REGEN or not missing, f"no .expected for {missing}"
    orphans = sorted(p.stem for p in FIXTURES.glob("*.expected") if p.stem not in CASES)
    assert not orphans, f".expected without .md: {orphans}"


@pytest.mark.parametrize("case", CASES)
def test_fixture(case: str):
    got = "".join(f"{d}\n" for d in _diagnostics(case))
    expected_file = FIXTURES / f"{case}.expected"
    if REGEN:
        expected_file.write_text(got, encoding="utf-8")
    expected = expected_file.read_text(encoding="utf-8")
    assert got == expected


@pytest.mark.parametrize("case", CASES)
def test_fixture_has_findings_and_no_model_on_error(case: str):
    """Every fixture is broken: it reports something, sorted, and errors mean no model."""
    parsed = _parse(case)
    assert parsed.diagnostics, "a broken fixture must produce at least one diagnostic"
    assert list(parsed.diagnostics) == sorted(parsed.diagnostics)
    if any(d.severity is Severity.ERROR for d in parsed.diagnostics):
        assert parsed.interview is None
    else:
        assert parsed.interview is not None
    for d in parsed.diagnostics:
        # FM007 (a placeholder) is an error outside drafts, a warning in one
        assert d.severity is Code[d.code].severity or d.code == "FM007"


def test_many_errors_are_all_reported():
    codes = {d.code for d in _diagnostics("many-errors")}
    assert {"SEC002", "FN001", "LNK001", "SEC001", "QA001"} <= codes


def test_warnings_alone_keep_the_model():
    for case in ("note-unreferenced", "raw-html"):
        parsed = _parse(case)
        assert parsed.interview is not None
        assert parsed.diagnostics
        assert {d.severity for d in parsed.diagnostics} == {Severity.WARNING}


# --- archive-level checks through read_archive -----------------------------

FRONT = """\
---
title: {title}
slug: {slug}
date: 2025-06-0{day}
script: hant
summary: 測試用的短訪談。
interviewees:
  - name: 測試者
source:
  outlet: 測試報
---

"""

BODY = """\
## 01. 第一節

問：第一個問題？

第一個回答。{extra}

## 02. 第二節

問：第二個問題？

第二個回答。
"""


def interview(title: str, slug: str, day: int = 1, extra: str = "") -> str:
    return FRONT.format(title=title, slug=slug, day=day) + BODY.format(extra=extra)


def make_archive(root: Path, interviews: dict[str, str], archive_yml: str | None = None,
                 glossary_yml: str | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if archive_yml is not None:
        (root / "archive.yml").write_text(archive_yml, encoding="utf-8")
    if glossary_yml is not None:
        (root / "glossary.yml").write_text(glossary_yml, encoding="utf-8")
    for folder, text in interviews.items():
        (root / folder).mkdir()
        (root / folder / "index.md").write_text(text, encoding="utf-8")
    return root


def lines(diags) -> list[str]:
    return [str(d) for d in diags]


def test_clean_archive_has_no_diagnostics(tmp_path):
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1),
                                           "two": interview("二", "two", 2)})
    archive = read_archive(root)
    assert archive.diagnostics == ()
    assert [i.slug for i in archive.interviews] == ["two", "one"]  # newest first


def test_duplicate_slug_across_folders(tmp_path):
    root = make_archive(tmp_path / "arc", {"alpha": interview("甲", "same", 1),
                                           "beta": interview("乙", "same", 2)})
    archive = read_archive(root)
    assert lines(archive.diagnostics) == [
        "arc/beta/index.md:1:1: error[ID001]: slug 'same' is also used by arc/alpha/index.md; "
        "give one of them another 'slug:'",
    ]


def test_cross_links_to_missing_interview_and_missing_anchor(tmp_path):
    extra = "參見[別篇](nowhere#s01)與[他處](two#s09)。"
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1, extra),
                                           "two": interview("二", "two", 2)})
    archive = read_archive(root)
    # 'extra' ends the answer on line 17 (11 front matter lines, blank, ## 01, blank, 問, blank);
    # the column is that of the link's '](' (第一個回答。參見[別篇 is 11 characters)
    assert lines(archive.diagnostics) == [
        "arc/one/index.md:17:12: error[LNK002]: link to 'nowhere#s01': no interview has the slug 'nowhere'",
        "arc/one/index.md:17:30: error[LNK002]: link to 'two#s09': interview 'two' has no anchor "
        "'#s09' (sections, q01…, n-label)",
    ]


def test_cross_link_to_existing_anchor_passes(tmp_path):
    extra = "參見[別篇](two#s02)、[第一問](two#q01)、[本篇](#s02)與[整篇](two)。"
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1, extra),
                                           "two": interview("二", "two", 2)})
    archive = read_archive(root)
    assert archive.diagnostics == ()
    assert len(archive.interviews) == 2


def test_link_to_missing_anchor_in_same_interview(tmp_path):
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1, "見[下文](#s07)。")})
    archive = read_archive(root)
    assert [d.code for d in archive.diagnostics] == ["LNK002"]
    assert "'#s07'" in archive.diagnostics[0].message


def test_stray_markdown_file_at_top_level(tmp_path):
    root = make_archive(tmp_path / "interview", {"one": interview("一", "one", 1)})
    (root / "foo.md").write_text(interview("散", "foo", 3), encoding="utf-8")
    archive = read_archive(root)
    assert lines(archive.diagnostics) == [
        "interview/foo.md:1:1: error[ARC001]: interviews live in folders: move this file to foo/index.md",
    ]
    assert [i.slug for i in archive.interviews] == ["one"]


def test_folder_with_markdown_but_no_index(tmp_path):
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1)})
    (root / "two").mkdir()
    (root / "two" / "interview.md").write_text(interview("二", "two", 2), encoding="utf-8")
    archive = read_archive(root)
    assert [(d.code, d.path) for d in archive.diagnostics] == [("ARC001", "arc/two")]


def test_non_utf8_file_is_a_clear_diagnostic(tmp_path):
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1)})
    (root / "big5").mkdir()
    (root / "big5" / "index.md").write_bytes(interview("二", "big5", 2).encode("big5"))
    archive = read_archive(root)  # must not raise
    assert len(archive.diagnostics) == 1
    d = archive.diagnostics[0]
    assert d.path == "arc/big5/index.md"
    assert d.line == 1 and d.severity is Severity.ERROR
    assert "not UTF-8" in d.message and "save it as UTF-8" in d.message
    assert "Traceback" not in str(d)
    assert [i.slug for i in archive.interviews] == ["one"]


def test_non_utf8_archive_yml(tmp_path):
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1)})
    (root / "archive.yml").write_bytes("title:\n  hant: 測試\n  hans: 測試\n".encode("big5"))
    archive = read_archive(root)
    assert [(d.path, d.code) for d in archive.diagnostics] == [("arc/archive.yml", "FM002")]
    assert "not UTF-8" in archive.diagnostics[0].message


def test_unknown_key_in_archive_yml(tmp_path):
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1)},
                        archive_yml="title:\n  hant: 測試\n  hans: 测试\ndescriptoin:\n  hant: 說明\n")
    archive = read_archive(root)
    assert lines(archive.diagnostics) == [
        "arc/archive.yml:4:1: error[FM003]: unknown key 'descriptoin' in archive.yml; "
        "did you mean 'description'?",
    ]
    assert archive.settings.title == {"hant": "測試", "hans": "测试"}


def test_malformed_glossary_entry(tmp_path):
    glossary = "- {hant: 鍾家渡, hans: 钟家渡}\n- {hant: 只有繁體}\n- {hant: 后灣, hans: ''}\n"
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1)}, glossary_yml=glossary)
    archive = read_archive(root)
    msg = "a glossary entry is '{hant: 繁體形, hans: 简体形}' with both forms filled in"
    assert lines(archive.diagnostics) == [
        f"arc/glossary.yml:2:1: error[OVR001]: {msg}",
        f"arc/glossary.yml:3:1: error[OVR001]: {msg}",
    ]
    assert [(g.hant, g.hans) for g in archive.settings.glossary] == [("鍾家渡", "钟家渡")]


def test_missing_archive_folder(tmp_path):
    archive = read_archive(tmp_path / "nope")
    assert [d.code for d in archive.diagnostics] == ["ARC001"]
    assert archive.interviews == ()


def test_cross_link_to_note_anchor_passes(tmp_path):
    two = interview("二", "two", 2, "見注[^tide]。\n\n[^tide]: 潮汐表。")
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1, "參見[注](two#n-tide)。"),
                                           "two": two})
    assert read_archive(root).diagnostics == ()


def test_duplicate_section_id_in_one_interview(tmp_path):
    text = interview("一", "one", 1).replace("## 01. 第一節", "## 01. 第一節 {#intro}") \
                                     .replace("## 02. 第二節", "## 02. 第二節 {#intro}")
    root = make_archive(tmp_path / "arc", {"one": text})
    archive = read_archive(root)
    assert lines(archive.diagnostics) == [
        "arc/one/index.md:19:1: error[ID002]: section id 'intro' is also used on line 13; "
        "give each section its own id",
    ]


# --- bugs found while writing these tests (see the reasons) ----------------


def test_link_to_an_interview_with_errors_is_not_reported_missing(tmp_path):
    broken = interview("二", "two", 2).replace("## 02. ", "## 05. ")
    root = make_archive(tmp_path / "arc", {"one": interview("一", "one", 1, "見[別篇](two#s01)。"),
                                           "two": broken})
    archive = read_archive(root)
    assert [(d.path, d.code) for d in archive.diagnostics] == [("arc/two/index.md", "SEC001")], \
        lines(archive.diagnostics)

FRONT_OK = FRONT.format(title="題", slug="one", day=1)


def test_section_gap_is_reported_once_and_truthfully():
    body = ("## 01. 甲\n\n問：一？\n\n答一。\n\n## 03. 乙\n\n問：二？\n\n答二。\n\n"
            "## 04. 丙\n\n問：三？\n\n答三。\n")
    parsed = parse_interview(FRONT_OK + body, path="gap.md", folder=".")
    sec = [d for d in parsed.diagnostics if d.code == "SEC001"]
    assert sec and sec[0].line == 19  # the "## 03." line
    assert not any("follows section 02" in d.message for d in sec), [str(d) for d in sec]
    assert len(sec) == 1, [str(d) for d in sec]


@pytest.mark.parametrize("value", ["publisher: &p [*p]", "publisher: " + "[" * 2000 + "x" + "]" * 2000],
                         ids=["recursive-alias", "nested-2000"])
def test_unreadable_nesting_is_an_error_not_a_silent_drop(tmp_path, value):
    text = FRONT_OK.replace("title: 題\n", f"title: 題\n{value}\n") + BODY.format(extra="")
    parsed = parse_interview(text, path="deep.md", folder=str(tmp_path))
    assert parsed.interview is not None or any(d.severity is Severity.ERROR for d in parsed.diagnostics), \
        [str(d) for d in parsed.diagnostics]


def test_yaml_aliases_are_not_expanded_exponentially(monkeypatch):
    import archive.config as config

    calls = 0
    real_walk = config._walk

    def counting_walk(*args, **kwargs):
        nonlocal calls
        calls += 1
        return real_walk(*args, **kwargs)

    monkeypatch.setattr(config, "_walk", counting_walk)
    bomb = "l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 5))
    parsed = parse_interview(f"---\n{bomb}---\n\n正文。\n", path="bomb.md", folder=".")
    assert parsed.diagnostics  # unknown keys, missing keys
    # the document has 5 keys and 50 list items in its text; walking it must not cost 10^5 calls
    assert calls < 1000, f"{calls} calls to _walk for a 5-line front matter"


@pytest.mark.parametrize("old,new", [
    ("script: hant", 'script: "ha\\nnt"'),
    ("title: 題", 'title: 題\n"sub\\ntitle": x'),
    ("slug: one", 'slug: "o\\nne"'),
    ("summary: 測試用的短訪談。", "summary: |\n  測試<b\n  class=x>"),
], ids=["script", "unknown-key", "slug", "raw-html"])
def test_every_diagnostic_is_one_line(old, new):
    text = FRONT_OK.replace(old, new) + BODY.format(extra="")
    assert new in text
    parsed = parse_interview(text, path="nl.md", folder=".")
    assert parsed.diagnostics
    assert all("\n" not in str(d) for d in parsed.diagnostics), [str(d) for d in parsed.diagnostics]


PLACEHOLDERS = """---
title: "TODO: 標題"
date: 1970-01-01
script: hant
summary: 摘要。
interviewees:
  - name: "TODO: 受訪者"
    role: 守燈人
source:
  outlet: 週刊
---
## 01. 一

問：甲？

乙。
"""


def test_every_placeholder_left_by_the_importer_is_a_warning_in_a_draft():
    text = PLACEHOLDERS.replace("script: hant\n", "script: hant\ndraft: true\n")
    parsed = parse_interview(text, path="todo.md", folder="todo")
    assert parsed.interview is not None  # warnings only: the draft still builds
    assert parsed.interview.draft
    found = [(d.line, d.code, d.severity) for d in parsed.diagnostics]
    assert found == [(2, "FM007", Severity.WARNING), (3, "FM007", Severity.WARNING), (8, "FM007", Severity.WARNING)]
    assert "interviewees[1].name" in parsed.diagnostics[2].message


@pytest.mark.parametrize("draft", ["", "draft: false\n"], ids=["no-draft-key", "draft-false"])
def test_placeholders_are_errors_in_an_interview_meant_for_publication(draft):
    text = PLACEHOLDERS.replace("script: hant\n", f"script: hant\n{draft}")
    parsed = parse_interview(text, path="todo.md", folder="todo")
    assert parsed.interview is None  # never published with a placeholder
    found = [(d.line, d.code, d.severity) for d in parsed.diagnostics]
    shift = 1 if draft else 0
    assert found == [(2, "FM007", Severity.ERROR), (3, "FM007", Severity.ERROR),
                     (7 + shift, "FM007", Severity.ERROR)]
    assert str(parsed.diagnostics[0]) == (
        "todo.md:2:1: error[FM007]: 'title' is still the placeholder 'TODO: 標題'; write the real text "
        "(placeholders are allowed only with 'draft: true')")
