"""Guards found by mutation: each test here fails on a deliberate bug the rest of the suite let through.

A mutation pass over the suite (one deliberate bug at a time) found bugs no
test caught: notes numbered in definition order instead of first reference,
``archive check`` missing an absent anchor on *another* page, a template
printing text with ``|safe``, Simplified pages keeping Traditional text. Plus
the build's own promises that nothing else pins: drafts stay out of the site.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from archive.build import build
from archive.errors import BuildError
from archive.check import check_site
from archive.parse import parse_interview

from conftest import SAMPLE, TEMPLATES

FRONT = """---
title: {title}
date: 2026-0{month}-01
script: hant
summary: {summary}
interviewees:
  - name: 甲
source:
  outlet: 週刊
{extra}---
"""
BODY = "導言。\n\n## 01. 標題\n\n問：問題？\n\n回答{refs}。\n{defs}"


def _archive(tmp_path: Path, interviews: dict[str, dict[str, str]]) -> Path:
    root = tmp_path / "project" / "interview"
    root.mkdir(parents=True)
    for month, (slug, fields) in enumerate(sorted(interviews.items()), 1):
        (root / slug).mkdir()
        front = FRONT.format(title=fields.get("title", slug), month=month,
                             summary=fields.get("summary", "摘要。"), extra=fields.get("extra", ""))
        body = BODY.format(refs=fields.get("refs", ""), defs=fields.get("defs", ""))
        (root / slug / "index.md").write_text(front + body, encoding="utf-8")
    shutil.copytree(TEMPLATES, tmp_path / "project" / "templates")
    return root


def test_notes_are_numbered_by_first_reference_not_by_definition():
    text = FRONT.format(title="t", month=1, summary="s", extra="") + \
        "## 01. 標題\n\n問：問？\n\n甲[^b]乙[^a]丙[^b]。\n\n[^a]: 先定義的註。\n\n[^b]: 後定義的註。\n"
    parsed = parse_interview(text, "x/index.md", "x")
    assert parsed.interview is not None, parsed.diagnostics
    assert [(n.label, n.number, n.references) for n in parsed.interview.notes] == [("b", 1, 2), ("a", 2, 1)]


def test_check_finds_a_missing_anchor_on_another_page(tmp_path):
    site = tmp_path / "site"
    build(SAMPLE, site, TEMPLATES, cache_dir=False)
    assert check_site(site).diagnostics == []
    page = site / "zh-hant/lighthouse-keeper/index.html"
    html = page.read_text(encoding="utf-8")
    page.write_text(html.replace("</article>", '<p><a href="../river-archive/index.html#s99">x</a></p></article>', 1),
                    encoding="utf-8")
    found = [d for d in check_site(site).diagnostics if d.code == "SITE002"]
    assert len(found) == 1 and "#s99" in found[0].message and "zh-hans/river-archive" not in found[0].message
    assert "zh-hant/river-archive/index.html has no id 's99'" in found[0].message


def test_text_that_looks_like_markup_is_escaped_everywhere(tmp_path):
    title = 'A<b>&amp;"q"'
    root = _archive(tmp_path, {"one": {"title": f"'{title}'", "summary": "'<i>摘要</i> & 更多'"}})
    site = tmp_path / "site"
    build(root, site, cache_dir=False)
    pages = [site / "zh-hant/index.html", site / "zh-hans/index.html",
             site / "zh-hant/one/index.html", site / "zh-hans/one/index.html"]
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert "<b>" not in html and "<i>" not in html, page
        assert "A&lt;b&gt;&amp;amp;" in html, page
    assert "&lt;i&gt;摘要&lt;/i&gt; &amp; 更多" in (site / "zh-hant/index.html").read_text(encoding="utf-8")


TRADITIONAL_ONLY = set("燈說們這時國麼與為會來對開關進過還樣點當從裡邊兩個")
"""Characters that never appear in Simplified text (the sample protects 後 on purpose, so it is not here)."""


def test_simplified_pages_hold_no_traditional_text(tmp_path):
    site = tmp_path / "site"
    build(SAMPLE, site, TEMPLATES, cache_dir=False)
    for page in sorted((site / "zh-hans").rglob("index.html")):
        text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))
        assert not TRADITIONAL_ONLY & set(text), (page, sorted(TRADITIONAL_ONLY & set(text)))
    hant = re.sub(r"<[^>]+>", "", (site / "zh-hant/lighthouse-keeper/index.html").read_text(encoding="utf-8"))
    assert "燈塔" in hant and "灯塔" not in hant


@pytest.mark.parametrize("drafts", [False, True])
def test_a_draft_is_left_out_of_the_site_unless_asked_for(tmp_path, drafts):
    root = _archive(tmp_path, {"done": {}, "wip": {"extra": "draft: true\n"}})
    site = tmp_path / "site"
    report = build(root, site, cache_dir=False, drafts=drafts)
    index = (site / "zh-hant/index.html").read_text(encoding="utf-8")
    assert (site / "zh-hant/done/index.html").is_file() and 'href="done/index.html"' in index
    assert (site / "zh-hant/wip/index.html").is_file() is drafts
    assert (site / "zh-hans/wip").exists() is drafts
    assert ('href="wip/index.html"' in index) is drafts
    assert report.interviews == (2 if drafts else 1)
    notices = [d for d in report.warnings if d.code == "ARC002"]
    assert len(notices) == (0 if drafts else 1)
    if not drafts:
        assert notices[0].path.endswith("wip/index.md") and "draft" in notices[0].message


def test_an_archive_can_silence_a_warning_but_not_an_error(tmp_path):
    root = _archive(tmp_path, {"one": {"refs": "[^a]", "defs": "\n[^a]: 註。\n\n[^b]: 沒人引用的註。\n"}})
    report = build(root, tmp_path / "site", cache_dir=False)
    assert [d.code for d in report.warnings] == ["PUB001", "FN003"]  # PUB001: a notice, no base_url
    (root / "archive.yml").write_text("suppress: [FN003, PUB001]\n", encoding="utf-8")
    assert build(root, tmp_path / "site", cache_dir=False).warnings == ()
    (root / "archive.yml").write_text("suppress: [FN001, NOPE]\n", encoding="utf-8")
    with pytest.raises(BuildError) as failed:
        build(root, tmp_path / "site", cache_dir=False)
    messages = [str(d) for d in failed.value.diagnostics]
    assert any("FN001 is an error and cannot be silenced" in m for m in messages)
    assert any("'NOPE' is not a diagnostic code" in m for m in messages)


def test_quotation_marks_follow_each_script_unless_the_archive_keeps_them(tmp_path):
    root = _archive(tmp_path, {"one": {"refs": "「好」"}})
    build(root, tmp_path / "site")
    assert "回答「好」" in (tmp_path / "site/zh-hant/one/index.html").read_text(encoding="utf-8")
    assert "回答“好”" in (tmp_path / "site/zh-hans/one/index.html").read_text(encoding="utf-8")
    (root / "archive.yml").write_text("quotes: keep\n", encoding="utf-8")
    build(root, tmp_path / "site")  # the cache must not serve the converted marks
    assert "回答「好」" in (tmp_path / "site/zh-hans/one/index.html").read_text(encoding="utf-8")


def test_an_override_in_alt_text_is_kept_on_both_pages(tmp_path):
    root = _archive(tmp_path, {"one": {}})
    (root / "one" / "lamp.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
                                           encoding="utf-8")
    source = root / "one" / "index.md"
    source.write_text(source.read_text(encoding="utf-8").replace(
        "導言。", "導言。\n\n![-{後灣}-的燈塔](lamp.svg)\n▲燈塔。"), encoding="utf-8")
    build(root, tmp_path / "site", cache_dir=False)
    hans = (tmp_path / "site/zh-hans/one/index.html").read_text(encoding="utf-8")
    hant = (tmp_path / "site/zh-hant/one/index.html").read_text(encoding="utf-8")
    assert 'alt="後灣的灯塔"' in hans and 'alt="後灣的燈塔"' in hant


def test_an_image_named_with_spaces_and_chinese_is_published_and_linked(tmp_path):
    root = _archive(tmp_path, {"one": {}})
    (root / "one" / "燈 塔.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>',
                                            encoding="utf-8")
    source = root / "one" / "index.md"
    source.write_text(source.read_text(encoding="utf-8").replace("導言。", "導言。\n\n![燈塔](<燈 塔.svg>)\n▲燈塔。"),
                      encoding="utf-8")
    site = tmp_path / "site"
    build(root, site, cache_dir=False)
    assert (site / "media/one/燈 塔.svg").is_file()
    assert 'src="../../media/one/%E7%87%88%20%E5%A1%94.svg"' in (site / "zh-hant/one/index.html").read_text(encoding="utf-8")
    assert check_site(site).diagnostics == []
