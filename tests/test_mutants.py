"""Tests written from a mutation run (mutmut 3) over parse, scripts, check and output.

Each test kills mutants that survived the fast tests and that change something a
user sees: where ``archive check`` points, which files a build refuses to
overwrite, which files a rebuild carries over. Each docstring names the
mutants (mutmut's names, ``archive.<module>.x_<function>__mutmut_<n>``).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from archive.build import build
from archive.check import check_site
from archive.errors import ArchiveError
from archive.output import MANIFEST, write_site

from conftest import SAMPLE, TEMPLATES

PAGE = "zh-hant/lighthouse-keeper/index.html"
SOURCE = "interview/lighthouse-keeper/index.md"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("mutants") / "site"
    build(SAMPLE, out, TEMPLATES)
    return out


def _without(site: Path, tmp_path: Path, rel: str, old: str) -> Path:
    """A copy of ``site`` with the first ``old`` removed from page ``rel``."""
    copy = tmp_path / "damaged"
    shutil.copytree(site, copy)
    page = copy / rel
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, "", 1), encoding="utf-8")
    return copy


def _source_lines() -> list[str]:
    return (SAMPLE / "lighthouse-keeper/index.md").read_text(encoding="utf-8").splitlines()


def _twin_finding(site: Path, ident: str):
    found = [d for d in check_site(site).diagnostics if d.code == "SITE004" and f"'{ident}'" in d.message]
    assert len(found) == 1, found
    return found[0]


def test_a_missing_section_id_points_at_its_heading_in_the_source(sample_site, tmp_path):
    """Kills check._sources mutants 43 and 44 (the "section" kind misspelt): the finding
    would name the built page instead of the ``## 01.`` line an editor has to look at."""
    site = _without(sample_site, tmp_path, PAGE, ' id="s01"')
    finding = _twin_finding(site, "s01")
    assert finding.path == SOURCE
    assert _source_lines()[finding.line - 1].startswith("## 01.")


def test_a_missing_note_id_points_at_the_note_definition(sample_site, tmp_path):
    """Kills check._sources mutants 55-63 (the "note" kind misspelt, the ``n-<label>`` key
    lost): a note missing from one script's page must point at its ``[^label]:`` line."""
    site = _without(sample_site, tmp_path, PAGE, ' id="n-egret"')
    finding = _twin_finding(site, "n-egret")
    assert finding.path == SOURCE
    assert _source_lines()[finding.line - 1].startswith("[^egret]:")


def test_a_missing_reference_id_points_at_the_reference_line_and_column(sample_site, tmp_path):
    """Kills check._sources mutants 24, 28 and 29 (the recorded column ignored, every
    finding at column 1): GitHub annotations and editors jump to the ``[^egret]`` itself."""
    site = _without(sample_site, tmp_path, PAGE, ' id="r-egret-1"')
    finding = _twin_finding(site, "r-egret-1")
    assert finding.path == SOURCE
    assert finding.col > 1
    assert _source_lines()[finding.line - 1][finding.col - 1:].startswith("[^egret]")


def test_site_findings_name_the_folder_as_given_without_a_doubled_slash(sample_site, tmp_path):
    """Kills check.check_site mutants 4 (``rstrip(None)``: ``site//zh-hant/…``) and 5
    (``lstrip``: an absolute folder loses its leading slash and names a path that does not exist)."""
    rel = "zh-hant/river-archive/index.html"
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    page = site / rel
    page.write_text(page.read_text(encoding="utf-8").replace('<html lang="zh-Hant"', '<html lang="en"', 1),
                    encoding="utf-8")
    assert [(d.code, d.path) for d in check_site(str(site)).diagnostics] == [("SITE008", f"{site}/{rel}")]
    shown = [(d.code, d.path) for d in check_site(site, shown="public/").diagnostics]
    assert shown == [("SITE008", f"public/{rel}")]


def test_a_foreign_file_at_a_planned_path_is_refused_even_when_its_size_matches(tmp_path):
    """Kills output._already mutants 8 and 9 (``and`` → ``or``): a file the site's manifest
    does not list, standing where this build wants to write, is excused only when it already
    holds exactly the planned bytes; otherwise someone else's file would be overwritten.
    One new file among twenty is written in place, the path with no second look."""
    source, out = tmp_path / "interview", tmp_path / "site"
    source.mkdir()
    pages = {f"p{i:02}.html": f"<p>{i}</p>\n".encode() for i in range(20)}
    write_site(pages, out, source)
    (out / "new.html").write_bytes(b"<p>MINE</p>\n")  # not ours; same size as the planned bytes
    with pytest.raises(ArchiveError, match=r"holds files archive did not write \(new.html\)"):
        write_site({**pages, "new.html": b"<p>next</p>\n"}, out, source)
    assert (out / "new.html").read_bytes() == b"<p>MINE</p>\n"
    assert "new.html" not in (out / MANIFEST).read_text(encoding="utf-8")


def test_a_restaged_site_hard_links_unchanged_files_and_writes_nothing_elsewhere(tmp_path, monkeypatch):
    """Kills output._link mutants 1 (regular files never linked: every image copied again),
    7 and 11 (the link made relative to the current folder instead of the staging folder:
    a stray file where the user stands and the file missing from the site)."""
    source, out, elsewhere = tmp_path / "interview", tmp_path / "site", tmp_path / "cwd"
    source.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    image = bytes(range(256)) * 64
    write_site({"a.html": b"one", "b.html": b"two", "photo.jpg": image}, out, source)
    before = os.stat(out / "photo.jpg").st_ino
    # two of three files change: more than the in-place share, so the site is restaged
    assert write_site({"a.html": b"ONE", "b.html": b"TWO", "photo.jpg": image}, out, source) == ["a.html", "b.html"]
    assert (out / "photo.jpg").read_bytes() == image
    assert os.stat(out / "photo.jpg").st_ino == before  # carried over, not copied
    assert list(elsewhere.iterdir()) == []


def _damaged(site: Path, tmp_path: Path, rel: str, old: str, new: str, keep_json: bool = True) -> Path:
    copy = tmp_path / "damaged"
    shutil.copytree(site, copy)
    page = copy / rel
    text = page.read_text(encoding="utf-8")
    assert old in text
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    if not keep_json:
        (page.parent / "interview.json").unlink()
    return copy


def _page_line(site: Path, rel: str, needle: str) -> int:
    lines = (site / rel).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if needle in line)


def _source_line(slug: str, prefix: str) -> int:
    lines = (SAMPLE / slug / "index.md").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if prefix in line)


RIVER = "zh-hant/river-archive/index.html"


def test_note_findings_point_at_the_reference_and_the_definition_in_the_source(sample_site, tmp_path):
    """Kills check._check_notes mutants 13/18 and 42/47 (no message) and 14/19 and 43/48
    (no anchor: the finding names the built page instead of the source line to edit)."""
    site = _damaged(sample_site, tmp_path, RIVER, 'href="#n-surya"', 'href="#n-nothing"')
    found = [(d.path, d.line, d.message.split(" (in ")[0]) for d in check_site(site).diagnostics
             if d.code == "SITE003"]
    assert found == [
        ("interview/river-archive/index.md", _source_line("river-archive", "[^surya]"),
         "note reference 'r-surya-1' does not point at a note of this page"),
        ("interview/river-archive/index.md", _source_line("river-archive", "[^surya]:"),
         "note 'n-surya' links back to '#r-surya-1', which is not one of its references")]


def test_without_interview_json_note_findings_point_at_the_page_lines(sample_site, tmp_path):
    """Kills check._check_notes mutants 11, 22, 31-34, 40 and 49-53 (the page line of a
    note finding lost or taken from the wrong place): a page with no ``interview.json``
    beside it (hand-made, or the file lost) is reported at its own lines."""
    site = _damaged(sample_site, tmp_path, RIVER, 'href="#n-surya"', 'href="#n-nothing"', keep_json=False)
    found = [(d.path, d.line, d.message[:20]) for d in check_site(site).diagnostics if d.code == "SITE003"]
    assert found == [(f"{site}/{RIVER}", _page_line(site, RIVER, 'href="#n-nothing"'), "note reference 'r-su"),
                     (f"{site}/{RIVER}", _page_line(site, RIVER, 'id="n-surya"'), "note 'n-surya' links")]
    shutil.rmtree(site)
    page = "zh-hant/lighthouse-keeper/index.html"
    site = _damaged(sample_site, tmp_path, page, '<a href="#r-egret-1" role="doc-backlink"',
                    '<a href="#r-egret-9" role="doc-backlink"', keep_json=False)
    found = [(d.path, d.line, d.message) for d in check_site(site).diagnostics if d.code == "SITE003"]
    note_line = _page_line(site, page, 'id="n-egret"')
    assert found == [
        (f"{site}/{page}", note_line, "note 'n-egret' has no backlink to its reference 'r-egret-1'"),
        (f"{site}/{page}", note_line, "note 'n-egret' links back to '#r-egret-9', which is not one of its references")]


def test_links_written_with_dot_and_slash_forms_resolve_like_their_plain_forms(sample_site, tmp_path):
    """Kills check._resolve mutants 11 and 12 (``./`` not skipped, or ending the walk), 20,
    22 and 24 (a folder link ``river-archive/`` not read as its index.html, so the index
    seems not to list the interview) and 25/26 (``../`` to the site's root page lost)."""
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    index, year = site / "zh-hant/index.html", site / "zh-hant/2026/index.html"
    text = index.read_text(encoding="utf-8").replace('href="river-archive/index.html"', 'href="./river-archive/"')
    text = text.replace("</main>", '<a href="../">root</a> <a href="./missing.html">gone</a></main>', 1)
    index.write_text(text, encoding="utf-8")
    year.write_text(year.read_text(encoding="utf-8").replace('href="../river-archive/index.html"',
                                                             'href="../river-archive/"'), encoding="utf-8")
    found = [(d.code, d.path, d.message) for d in check_site(site).diagnostics]
    assert found == [("SITE001", f"{site}/zh-hant/index.html", "'./missing.html' points at a file that does not exist")]


def test_a_site_file_deleted_or_edited_by_hand_is_restored_by_the_next_build(tmp_path):
    """Kills output._same_size mutants 3 (a missing file counted as present) and 4
    (``and`` → ``or``: a file of another size counted as unchanged): the manifest still
    lists both with the right hashes, so only the size check sees that the site is damaged."""
    source, out = tmp_path / "interview", tmp_path / "site"
    source.mkdir()
    files = {"index.html": b"<p>home</p>\n", "a.html": b"<p>a</p>\n", "b.html": b"<p>b</p>\n"}
    write_site(files, out, source)
    (out / "a.html").unlink()
    (out / "b.html").write_bytes(b"<p>b, edited by hand</p>\n")
    assert write_site(files, out, source) == ["a.html", "b.html"]
    assert {name: (out / name).read_bytes() for name in files} == files


def test_an_apostrophe_is_told_from_a_closing_quote_at_every_position():
    """Kills scripts._apostrophe mutants 6 (``0 < i`` → ``1 < i``: "I’m" at a run's start
    shown as 「I』m」), 8 and 9 (a closing ’ as a run's last character: IndexError, a traceback),
    10 ("don’t" at a run's end read as a quote), 13, 14 and 17 (one neighbour checked twice or
    the wrong one: 好’ok and OK’。 keep ’, 说I’m converts it)."""
    from archive.scripts import convert_text

    assert convert_text("I’m 说‘好’", "hans", "hant") == "I’m 說『好』"
    assert convert_text("‘OK’。说I’m，don’t", "hans", "hant") == "『OK』。說I’m，don’t"
    assert convert_text("‘好’ok ‘OK’", "hans", "hant") == "『好』ok 『OK』"


def test_protected_text_keeps_its_quotes_and_an_apostrophe_is_read_across_pieces():
    """Kills scripts.Converter._quote mutants 10 (``and`` → ``or``: text protected with
    ``-{…}-`` gets its quotation marks changed), 3, 31 and 32 (the run's offsets lost, so the
    apostrophe of "don*’t*", split by emphasis, is read as a closing quote) and 15 (a piece
    that is only a quotation mark, as in "*‘*对’", left in the source script's form)."""
    from archive.scripts import Converter

    convert = Converter("hans", "hant", "tw")
    pieces = [("text", "他说"), ("keep", "“原样”"), ("text", "‘好’，don"), ("text", "’t"), ("text", "‘"),
              ("text", "对’")]
    assert convert.run(pieces) == ["他說", "“原样”", "『好』，don", "’t", "『", "對』"]


def test_a_span_without_a_column_in_interview_json_is_read_as_column_1(sample_site, tmp_path):
    """Kills check._sources mutants 25 and 27 (no default column: a hand-damaged
    interview.json becomes a traceback) and 30 (default column 2)."""
    site = _without(sample_site, tmp_path, PAGE, ' id="r-egret-1"')
    data = site / "zh-hant/lighthouse-keeper/interview.json"
    text = data.read_text(encoding="utf-8")
    span = f'"path":"{SOURCE}","line":30,"col":31}}'
    assert text.count(span) == 1
    data.write_text(text.replace(span, f'"path":"{SOURCE}","line":30}}'), encoding="utf-8")
    finding = _twin_finding(site, "r-egret-1")
    assert (finding.path, finding.line, finding.col) == (SOURCE, 30, 1)


def _interview(body: str) -> str:
    head = (SAMPLE / "lighthouse-keeper/index.md").read_text(encoding="utf-8").split("\n---\n", 1)[0]
    return f"{head}\n---\n{body}"


def test_an_image_in_a_note_is_checked_against_the_interview_folder():
    """Kills parse._notes mutant 33 (the folder not passed when a note's paragraphs are
    read): an image in a note must be looked up in the interview's own folder."""
    from archive.parse import parse_interview

    text = _interview("## 01. 一\n\n問：甲[^a]？\n\n好。\n\n[^a]: ![圖](missing.png)\n    ▲說明。\n")
    parsed = parse_interview(text, "interview/one/index.md", "interview/one")
    found = [(d.code, d.line) for d in parsed.diagnostics]
    assert found == [("FIG001", text.splitlines().index("[^a]: ![圖](missing.png)") + 1)]
    assert "does not exist in interview/one" in parsed.diagnostics[0].message


def test_a_note_defined_twice_points_at_the_second_definition_and_its_column():
    """Kills parse._notes mutant 15 (FN002 without its column): an indented second
    definition is reported where its ``[^a]:`` starts."""
    from archive.parse import parse_interview

    text = _interview("## 01. 一\n\n問：甲[^a]？\n\n好。\n\n[^a]: 一。\n\n  [^a]: 二。\n")
    parsed = parse_interview(text, "interview/one/index.md", "interview/one")
    found = [(d.code, d.line, d.col) for d in parsed.diagnostics if d.code == "FN002"]
    assert found == [("FN002", text.splitlines().index("  [^a]: 二。") + 1, 3)]


def test_a_rename_failing_after_an_in_place_write_says_the_site_may_be_partly_new(tmp_path, monkeypatch):
    """Kills output._replace_in_place mutants 84-91 (the message of a rename that fails once
    every temporary file is written): one line naming the folder and the reason, saying that
    some files may already be new (never "the previous site is untouched"), not a traceback."""
    import errno

    import archive.output as output

    source, out = tmp_path / "interview", tmp_path / "site"
    source.mkdir()
    pages = {f"p{i:02}.html": f"<p>{i}</p>\n".encode() for i in range(20)}
    write_site(pages, out, source)

    def refuse(*args, **kwargs):
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(output.os, "rename", refuse)
    with pytest.raises(ArchiveError) as caught:
        write_site({**pages, "p00.html": b"<p>new</p>\n"}, out, source)
    assert str(caught.value) == (f"cannot write {out}: Permission denied; make the folder writable for this user "
                                 "or choose another --out; some files may already be new: build again")


def test_an_interview_listed_on_its_index_or_its_year_page_alone_is_listed(sample_site, tmp_path):
    """Kills check._check_index mutants 2, 3, 13 and 15 (year pages ignored: an older
    interview that only its year page lists is reported unlisted), 16 (the last list read
    replaces the others), 11 (a script's missing index.html becomes a traceback) and 43."""
    rel, index, year = "zh-hant/river-archive/index.html", "zh-hant/index.html", "zh-hant/2026/index.html"
    on_year = _damaged(sample_site, tmp_path, index, 'href="river-archive/index.html"', 'href="#"')
    assert check_site(on_year).diagnostics == []
    shutil.rmtree(on_year)
    on_index = _damaged(sample_site, tmp_path, year, 'href="../river-archive/index.html"', 'href="#"')
    assert check_site(on_index).diagnostics == []
    shutil.rmtree(on_index)
    site = tmp_path / "damaged"
    shutil.copytree(sample_site, site)
    (site / index).unlink()
    unlisted = [(d.path, d.line) for d in check_site(site).diagnostics if d.code == "SITE007"]
    assert (f"{site}/{rel}", 1) in unlisted
