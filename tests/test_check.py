"""``archive check``: source findings, built-site findings on a damaged site, formats, exit codes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.build import build
from archive.check import check_site, run_check

from conftest import SAMPLE, TEMPLATES

HEAD = """---
title: {title}
date: 2026-0{month}-01
script: hant
summary: 摘要。
interviewees:
  - name: 甲
source:
  outlet: 週刊
---
"""


def _archive(tmp_path: Path, interviews: dict[str, str]) -> Path:
    root = tmp_path / "project" / "interview"
    root.mkdir(parents=True)
    (root / "archive.yml").write_text("base_url: https://example.org/check\n", encoding="utf-8")
    for month, (slug, body) in enumerate(sorted(interviews.items()), 1):
        (root / slug).mkdir()
        (root / slug / "index.md").write_text(HEAD.format(title=slug, month=month) + body, encoding="utf-8")
    shutil.copytree(TEMPLATES, tmp_path / "project" / "templates")
    return root


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "archive", "check", *args], capture_output=True,
                          text=True, cwd=cwd)


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("check") / "site"
    build(SAMPLE, out, TEMPLATES)
    return out


def test_sample_archive_is_clean(sample_site):
    result = run_check(SAMPLE, None, TEMPLATES)
    interviews = len(list(SAMPLE.glob("*/index.md")))
    years = len({i.read_text(encoding="utf-8").split("date:", 1)[1].strip()[:4] for i in SAMPLE.glob("*/index.md")})
    # root and 404; per script the index, each interview, people, notes and one page per year
    assert result.diagnostics == [] and result.pages == 2 + 2 * (1 + interviews + 2 + years)
    assert run_check(None, sample_site).diagnostics == []
    assert all(url.startswith("https://") for _, url in result.external)


def test_cli_exit_codes_and_quiet_does_not_change_the_result(tmp_path, sample_site):
    clean = _run("--archive", str(SAMPLE), "--strict")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert _run("--site", str(tmp_path / "nothing"), "--no-sources").returncode == 2
    assert _run("--bogus").returncode == 2
    root = _archive(tmp_path, {"one": "## 01. 一\n\n問：甲？\n\n乙。[^a]\n\n[^a]: 注。\n[^b]: 沒有用到。\n"})
    warn = _run("--archive", str(root))
    assert warn.returncode == 0 and "warning[FN003]" in warn.stdout
    strict = _run("--archive", str(root), "--strict")
    quiet = _run("--archive", str(root), "--strict", "--quiet")
    assert strict.returncode == quiet.returncode == 1
    assert strict.stdout == quiet.stdout


SOURCE_CASES = {
    # name: (interviews, expected "path:line: code" lines)
    "cross-link to a missing anchor": (
        {"one": "## 01. 一\n\n問：甲？\n\n見[另一篇](two#s09)。\n", "two": "## 01. 二\n\n問：乙？\n\n好。\n"},
        ["interview/one/index.md:15: LNK002"]),
    "cross-link to a missing interview": (
        {"one": "## 01. 一\n\n問：甲？\n\n見[另一篇](three)。\n"},
        ["interview/one/index.md:15: LNK002"]),
    "section numbering gap": (
        {"one": "## 01. 一\n\n問：甲？\n\n好。\n\n## 03. 三\n\n問：乙？\n\n好。\n"},
        ["interview/one/index.md:17: SEC001"]),
    "image outside the archive": (
        {"one": "## 01. 一\n\n![圖](../../templates/base.html)\n▲圖說。\n"},
        ["interview/one/index.md:13: FIG002"]),
    "note referenced never defined": (
        {"one": "## 01. 一\n\n問：甲[^x]？\n\n好。\n"},
        ["interview/one/index.md:13: FN001"]),
    "override malformed": (
        {"one": "## 01. 一\n\n問：甲？\n\n-{zh-hant:只有一半}-。\n"},
        ["interview/one/index.md:15: OVR001"]),
    "duplicate slug": (
        {"one": "## 01. 一\n\n問：甲？\n\n好。\n", "two": "---\n".join([""]) + "## 01. 二\n\n問：乙？\n\n好。\n"},
        None),  # filled in below: the second file declares the first one's slug
}


@pytest.mark.parametrize("name", sorted(SOURCE_CASES))
def test_source_findings(tmp_path, name, monkeypatch):
    interviews, expected = SOURCE_CASES[name]
    root = _archive(tmp_path, interviews)
    if name == "duplicate slug":
        text = (root / "two" / "index.md").read_text(encoding="utf-8")
        (root / "two" / "index.md").write_text(text.replace("title: two", "title: two\nslug: one"), encoding="utf-8")
        expected = ["interview/two/index.md:1: ID001"]
    monkeypatch.chdir(tmp_path / "project")
    result = run_check(Path("interview"), None)
    found = [f"{d.path}:{d.line}: {d.code}" for d in result.diagnostics]
    assert found == expected
    cli = _run("--archive", "interview", cwd=tmp_path / "project")
    assert cli.returncode == 1
    assert cli.stdout.splitlines()[0].startswith(expected[0].split(": ")[0])


def test_notes_never_leak_between_interviews(tmp_path):
    root = _archive(tmp_path, {
        "one": "## 01. 一\n\n問：甲[^a]？\n\n好。\n\n[^a]: 第一篇的注。\n",
        "two": "## 01. 二\n\n問：乙[^a]？\n\n好。\n\n[^a]: 第二篇的注。\n"})
    out = tmp_path / "site"
    build(root, out)
    one = (out / "zh-hant/one/index.html").read_text(encoding="utf-8")
    two = (out / "zh-hant/two/index.html").read_text(encoding="utf-8")
    assert "第一篇的注" in one and "第二篇的注" not in one
    assert "第二篇的注" in two and "第一篇的注" not in two


# --- a built site damaged after the build -----------------------------------------------------

def _damage(site: Path, tmp_path: Path, rel: str, old: str, new: str, count: int = 1) -> Path:
    copy = tmp_path / "damaged"
    shutil.copytree(site, copy)
    page = copy / rel
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, count), encoding="utf-8")
    return copy


def _codes(site: Path) -> list[tuple[str, str]]:
    return [(d.code, d.path.split("/", 1)[-1] if d.path.startswith(str(site)) else d.path)
            for d in check_site(site).diagnostics]


def test_removed_id_is_caught_with_its_source_line(sample_site, tmp_path):
    site = _damage(sample_site, tmp_path, "zh-hant/lighthouse-keeper/index.html", 'id="q07"', "")
    diags = check_site(site).diagnostics
    codes = sorted({d.code for d in diags})
    assert codes == ["SITE002", "SITE004", "SITE012"]  # the page no longer agrees with its interview.json
    twin = next(d for d in diags if d.code == "SITE004")
    assert twin.path == "interview/lighthouse-keeper/index.md"  # named by the source line
    source = (SAMPLE / "lighthouse-keeper/index.md").read_text(encoding="utf-8").splitlines()
    assert source[twin.line - 1].startswith("問：")


def test_removed_page_is_caught(sample_site, tmp_path):
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    shutil.rmtree(site / "zh-hans/river-archive")
    codes = {d.code for d in check_site(site).diagnostics}
    assert {"SITE001", "SITE004"} <= codes


def test_removed_backlink_is_caught(sample_site, tmp_path):
    rel = "zh-hans/lighthouse-keeper/index.html"
    html = (sample_site / rel).read_text(encoding="utf-8")
    backlink = re.search(r'<a href="#(r-[a-z-]+-1)" role="doc-backlink"[^>]*>.*?</a>', html)
    site = _damage(sample_site, tmp_path, rel, backlink.group(0), "")
    diags = check_site(site).diagnostics
    assert [d.code for d in diags] == ["SITE003"]
    assert backlink.group(1) in diags[0].message and diags[0].path.startswith("interview/")


def test_reference_to_a_missing_note_is_caught(sample_site, tmp_path):
    site = _damage(sample_site, tmp_path, "zh-hant/river-archive/index.html", 'href="#n-surya"', 'href="#n-nothing"')
    codes = sorted(d.code for d in check_site(site).diagnostics)
    assert "SITE002" in codes and "SITE003" in codes


def test_duplicate_id_wrong_toggle_wrong_lang_and_unlisted_page(sample_site, tmp_path):
    rel = "zh-hant/river-archive/index.html"
    site = _damage(sample_site, tmp_path, rel, 'id="q02"', 'id="q01"')
    assert "SITE006" in {d.code for d in check_site(site).diagnostics}
    shutil.rmtree(site)
    site = _damage(sample_site, tmp_path, rel, 'class="script-toggle" href="../../zh-hans/river-archive/',
                   'class="script-toggle" href="../../zh-hans/lighthouse-keeper/')
    assert [d.code for d in check_site(site).diagnostics] == ["SITE005"]
    shutil.rmtree(site)
    site = _damage(sample_site, tmp_path, rel, '<html lang="zh-Hant"', '<html lang="en"')
    assert [d.code for d in check_site(site).diagnostics] == ["SITE008"]
    shutil.rmtree(site)
    site = _damage(sample_site, tmp_path, "zh-hant/index.html", 'href="river-archive/index.html"', 'href="#"')
    year = site / "zh-hant/2026/index.html"  # the year page lists it too: unlisted means on neither
    year.write_text(year.read_text(encoding="utf-8").replace('href="../river-archive/index.html"', 'href="#"'),
                    encoding="utf-8")
    assert [d.code for d in check_site(site).diagnostics] == ["SITE007"]


def test_formats(sample_site, tmp_path):
    site = _damage(sample_site, tmp_path, "zh-hant/lighthouse-keeper/index.html", 'id="q07"', "")
    gh = _run("--site", str(site), "--no-sources", "--format", "github")
    assert gh.returncode == 1
    lines = gh.stdout.splitlines()
    assert lines and all(re.match(r"::error file=[^,]+,line=\d+,col=\d+,title=SITE0\d\d::", l) for l in lines)
    js = _run("--site", str(site), "--no-sources", "--format", "json", "--list-external")
    doc = json.loads(js.stdout)
    assert js.returncode == 1 and doc["version"] == 1 and doc["ok"] is False
    assert doc["counts"]["error"] == len(doc["findings"]) >= 2
    assert set(doc["findings"][0]) == {"path", "line", "col", "code", "severity", "message"}
    assert doc["external"] and all(e["url"].startswith("https://") for e in doc["external"])


# --- whole documents and interview.json (issue 11 item 7, issue 14 item 5) -----------------------


def test_page_truncated_after_article_fails(sample_site, tmp_path):
    rel = "zh-hant/river-archive/index.html"
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    data = (site / rel).read_bytes()
    (site / rel).write_bytes(data[:data.index(b"</article>") + len(b"</article>\n")])
    diags = check_site(site).diagnostics
    assert [d.code for d in diags] == ["SITE010", "SITE010"] and all(d.path.endswith(rel) for d in diags)
    assert "<body> is never closed" in diags[0].message and "ends before </html>" in diags[1].message
    assert diags[1].line == data[:data.index(b"</article>")].count(b"\n") + 2  # the line after the cut


def test_page_without_body_and_empty_page_fail(sample_site, tmp_path):
    site = _damage(sample_site, tmp_path, "zh-hans/index.html", "</body>", "")
    assert [d.code for d in check_site(site).diagnostics] == ["SITE010"]
    (site / "zh-hans/index.html").write_bytes(b"")
    assert "SITE010" in {d.code for d in check_site(site).diagnostics}


def _edit_json(site: Path, rel: str, change) -> None:
    path = site / rel
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document["interview"])
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")


def test_interview_json_that_disagrees_with_its_page_fails(sample_site, tmp_path):
    rel = "zh-hans/lighthouse-keeper/interview.json"
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    _edit_json(site, rel, lambda iv: iv["title"].__setitem__(0, {"type": "text", "text": "另一个标题"}))
    diags = check_site(site).diagnostics
    assert [(d.code, d.path.split("/damaged/")[-1]) for d in diags] == \
        [("SITE012", "zh-hans/lighthouse-keeper/index.html")]
    assert "title" in diags[0].message and "另一个标题" in diags[0].message
    shutil.rmtree(site)
    shutil.copytree(sample_site, site)
    _edit_json(site, rel, lambda iv: iv["sections"][1].__setitem__("id", "s99"))
    diags = check_site(site).diagnostics
    assert [d.code for d in diags] == ["SITE012"] and "section ids" in diags[0].message
    shutil.rmtree(site)
    shutil.copytree(sample_site, site)
    _edit_json(site, rel, lambda iv: iv["notes"].pop())
    assert "note ids" in check_site(site).diagnostics[0].message


def test_interview_json_off_the_schema_fails(sample_site, tmp_path):
    rel = "zh-hant/river-archive/interview.json"
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    _edit_json(site, rel, lambda iv: iv["sections"][0].__setitem__("extra", 1))
    diags = check_site(site).diagnostics
    assert [d.code for d in diags] == ["SITE011"] and "interview.sections[0]" in diags[0].message
    (site / rel).write_text('{"schema": 2, "interview": {}}', encoding="utf-8")
    assert [d.code for d in check_site(site).diagnostics] == ["SITE011"]
    (site / rel).write_bytes(b'{"schema": 1, "interview": ')
    assert [d.code for d in check_site(site).diagnostics] == ["SITE011"]
    _edit_json_fresh = sample_site / rel
    document = json.loads(_edit_json_fresh.read_text(encoding="utf-8"))
    document["interview"]["script"] = "hans"
    (site / rel).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    diags = check_site(site).diagnostics
    assert [d.code for d in diags] == ["SITE011"] and "hant folder" in diags[0].message


def test_interview_pages_are_known_by_their_interview_json_not_their_depth(sample_site, tmp_path):
    site = tmp_path / "grown"
    shutil.copytree(sample_site, site)
    for folder in ("zh-hant", "zh-hans"):  # a site-wide page, as the people index is
        (site / folder / "extra").mkdir()
        shutil.copy(site / folder / "index.html", site / folder / "extra" / "index.html")
    extra = check_site(site).diagnostics
    assert "SITE007" not in {d.code for d in extra}
    # an interview page deeper than zh-*/slug/ is still one, and must be listed
    for folder in ("zh-hant", "zh-hans"):
        deep = site / folder / "people" / "river-archive"
        shutil.copytree(site / folder / "river-archive", deep)
    codes = [(d.code, d.path.split("/grown/")[-1]) for d in check_site(site).diagnostics]
    assert ("SITE007", "zh-hant/people/river-archive/index.html") in codes
    assert ("SITE007", "zh-hans/people/river-archive/index.html") in codes


# --- the incremental check (issue 13 item 4) ---------------------------------------------------------


@pytest.fixture
def read_pages(monkeypatch) -> list[str]:
    """The pages each check reads (parses), in order."""
    import archive.check as check_module

    read: list[str] = []
    real = check_module.read_page

    def counting(data, rel):
        read.append(rel)
        return real(data, rel)

    monkeypatch.setattr(check_module, "read_page", counting)
    return read


def test_a_second_check_reads_only_the_pages_whose_bytes_changed(tmp_path, read_pages):
    root = _archive(tmp_path, {"one": "## 01. 一\n\n問：甲？\n\n乙。\n", "two": "## 01. 二\n\n問：丙？\n\n丁。\n"})
    read = read_pages
    first = run_check(root, None)
    # root, 404; per script the index, two interviews, people, notes and the year page
    assert first.diagnostics == [] and len(read) == first.pages == 14
    read.clear()
    assert run_check(root, None).diagnostics == [] and read == []  # nothing changed: no page read
    source = root / "two" / "index.md"
    source.write_text(source.read_text(encoding="utf-8").replace("丁。", "丁，戊。"), encoding="utf-8")
    assert run_check(root, None).diagnostics == []
    assert sorted(read) == ["zh-hans/two/index.html", "zh-hant/two/index.html"]
    read.clear()
    assert run_check(root, None, full=True).diagnostics == [] and len(read) == 14
    # a damaged page is caught although its neighbours come from the cache
    site = tmp_path / "site"
    build(root, site)
    read.clear()
    assert run_check(root, site).diagnostics == [] and len(read) == 0
    page = site / "zh-hant/one/index.html"
    page.write_bytes(page.read_bytes().replace(b"</html>", b""))
    diags = run_check(root, site).diagnostics
    assert [d.code for d in diags] == ["SITE010"] and read == ["zh-hant/one/index.html"]
    # only the interview.json changed (same content, other bytes): its page is read again to compare
    page.write_bytes(page.read_bytes() + b"</html>\n")
    data = site / "zh-hans/two/interview.json"
    data.write_text(json.dumps(json.loads(data.read_text(encoding="utf-8")), ensure_ascii=False, indent=1),
                    encoding="utf-8")
    read.clear()
    assert run_check(root, site).diagnostics == []
    assert sorted(read) == ["zh-hans/two/index.html", "zh-hant/one/index.html"]
