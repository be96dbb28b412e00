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
