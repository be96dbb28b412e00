"""The output folder's safety rules, atomic replacement and reproducibility.

Every test works on a copy of the repository's ``interview/`` and
``templates/`` in ``tmp_path`` (a "project" folder), never on the real ones.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive.build import build
from archive.errors import ArchiveError, BuildError
from archive.output import MANIFEST, Entry, check_output, write_site

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    shutil.copytree(REPO / "interview", proj / "interview")
    shutil.copytree(REPO / "templates", proj / "templates")
    return proj


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: relative path → bytes (the build cache, ours and safe to delete, aside)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file() and ".archive-cache" not in p.parts}


def manifest_paths(text: str) -> list[str]:
    """The paths a manifest lists (each line is 'sha256  path')."""
    return [line.split("  ", 1)[1] for line in text.splitlines()[1:]]


def leftovers(parent: Path) -> list[str]:
    """Staging or old-site folders left beside a site."""
    return sorted(p.name for p in parent.iterdir() if ".staging-" in p.name or ".old-" in p.name)


def break_interview(project: Path) -> None:
    index = project / "interview" / "lighthouse-keeper" / "index.md"
    text = index.read_text(encoding="utf-8")
    broken = text.replace("## 02. ", "## 07. ", 1)
    assert broken != text
    index.write_text(broken, encoding="utf-8")


FILES = {"index.html": b"<!doctype html><title>t</title>\n", "a/b.txt": "一二三\n".encode()}


# --- refusals -------------------------------------------------------------------


def test_first_build_writes_a_site_with_a_manifest(project):
    out = project / "site"
    report = build(project / "interview", out)
    files = tree(out)
    interviews = len(list((project / "interview").glob("*/index.md")))
    assert report.interviews == interviews and report.files == len(files) - 1  # all but the manifest
    assert "index.html" in files and MANIFEST in files
    listed = manifest_paths(files[MANIFEST].decode())
    assert sorted(listed) == sorted(set(files) - {MANIFEST})
    assert leftovers(project) == []


def test_refuses_the_source_folder(project):
    source = project / "interview"
    before = tree(source)
    with pytest.raises(ArchiveError, match="inside the source folder"):
        write_site(FILES, source, source, project)
    with pytest.raises(ArchiveError, match="inside the source folder"):
        build(source, source)
    assert tree(source) == before
    assert leftovers(project) == []


def test_refuses_a_folder_inside_the_source(project):
    source = project / "interview"
    with pytest.raises(ArchiveError, match="inside the source folder"):
        write_site(FILES, source / "lighthouse-keeper" / "site", source, project)
    with pytest.raises(ArchiveError, match="inside the source folder"):
        build(source, source / "site")
    assert not (source / "site").exists()
    assert not (source / "lighthouse-keeper" / "site").exists()
    assert leftovers(source) == []


def test_refuses_a_folder_that_contains_the_source(project, tmp_path):
    source = project / "interview"
    before = tree(tmp_path)
    with pytest.raises(ArchiveError, match="contains the source folder"):
        write_site(FILES, project, source, None)
    with pytest.raises(ArchiveError, match="contains the source folder"):
        write_site(FILES, tmp_path, source, None)  # a grandparent
    with pytest.raises(ArchiveError, match="contains the source folder"):
        build(source, project)
    assert tree(tmp_path) == before


def test_refuses_the_project_folder(project, tmp_path, monkeypatch):
    # a source outside the project, so only the project rule can refuse
    source = tmp_path / "elsewhere" / "interview"
    shutil.copytree(project / "interview", source)
    before = tree(project)
    with pytest.raises(ArchiveError, match="the project folder"):
        write_site(FILES, project, source, project)
    assert tree(project) == before
    # a relative spelling of the same folder is refused too
    monkeypatch.chdir(project)
    with pytest.raises(ArchiveError, match="the project folder"):
        check_output(Path("."), source, Path("../proj"))


def test_refuses_a_file(project):
    target = project / "site"
    target.write_text("not a folder", encoding="utf-8")
    with pytest.raises(ArchiveError, match="it is a file"):
        build(project / "interview", target)
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_refuses_a_non_empty_folder_it_did_not_create(project):
    out = project / "docs"
    (out / "notes").mkdir(parents=True)
    (out / "todo.txt").write_text("買菜\n", encoding="utf-8")
    (out / "notes" / "draft.md").write_text("草稿\n", encoding="utf-8")
    before = tree(out)
    with pytest.raises(ArchiveError, match="not empty and archive did not create it"):
        build(project / "interview", out)
    with pytest.raises(ArchiveError, match="not empty and archive did not create it"):
        write_site(FILES, out, project / "interview", project)
    assert tree(out) == before
    assert leftovers(project) == []


def test_refuses_a_folder_whose_manifest_is_not_ours(project):
    out = project / "docs"
    out.mkdir()
    (out / MANIFEST).write_text("index.html\n", encoding="utf-8")  # no header
    (out / "index.html").write_text("手寫的首頁\n", encoding="utf-8")
    before = tree(out)
    with pytest.raises(ArchiveError, match="did not create it"):
        build(project / "interview", out)
    assert tree(out) == before


def test_an_empty_existing_folder_is_used(project):
    out = project / "site"
    out.mkdir()
    build(project / "interview", out)
    assert (out / "index.html").is_file() and (out / MANIFEST).is_file()


def test_refuses_a_site_with_a_foreign_file(project):
    out = project / "site"
    build(project / "interview", out)
    (out / "zh-hant" / "mine.txt").write_text("我的筆記\n", encoding="utf-8")
    before = tree(out)
    assert build(project / "interview", out).written == ()  # nothing to write: nothing touched
    assert tree(out) == before
    index = project / "interview" / "river-archive" / "index.md"  # now the site must change
    index.write_text(index.read_text(encoding="utf-8").replace("最后一班渡轮", "最后一班渡船", 1), encoding="utf-8")
    with pytest.raises(ArchiveError, match=r"holds files archive did not write \(zh-hant/mine.txt\)"):
        build(project / "interview", out)
    assert tree(out) == before  # the foreign file and the old site, untouched
    assert leftovers(project) == []


# --- atomic replacement -----------------------------------------------------------


def test_a_failed_build_leaves_the_previous_site_untouched(project):
    out = project / "site"
    build(project / "interview", out)
    before = tree(out)
    break_interview(project)
    with pytest.raises(BuildError) as info:
        build(project / "interview", out)
    assert "SEC001" in [d.code for d in info.value.diagnostics]
    assert tree(out) == before
    assert leftovers(project) == []


def test_a_failure_while_writing_leaves_the_previous_site_untouched(project):
    out = project / "site"
    build(project / "interview", out)
    before = tree(out)
    missing = Entry("0" * 64, 3, project / "interview" / "no-such-file.svg")  # fails while copying
    files = {"index.html": b"new", "media/gone.svg": missing}
    with pytest.raises(ArchiveError, match=r"cannot write .*/site/media/gone.svg: No such file or directory "
                                           r"\(.*no-such-file.svg\); .*the previous site is untouched"):
        write_site(files, out, project / "interview", project)
    assert tree(out) == before
    assert leftovers(project) == []


def test_a_second_build_replaces_the_site(project):
    out = project / "site"
    build(project / "interview", out)
    first = tree(out)
    index = project / "interview" / "river-archive" / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("最后一班渡轮", "最后一班渡船", 1),
                     encoding="utf-8")
    build(project / "interview", out)
    second = tree(out)
    assert second != first
    changed = sorted(k for k in second if second[k] != first.get(k))
    assert changed and all("river-archive" in k or k.endswith("index.html") or k == MANIFEST
                           or "/pagefind/" in k for k in changed)
    assert "最后一班渡船".encode() in second["zh-hans/river-archive/index.html"]
    assert leftovers(project) == []
    assert not list(project.glob(".site.old-*")) and not list(project.glob(".site.staging-*"))


def test_a_second_build_removes_files_no_longer_generated(project):
    out = project / "site"
    build(project / "interview", out)
    assert (out / "zh-hant" / "river-archive" / "index.html").is_file()
    shutil.rmtree(project / "interview" / "river-archive")
    keeper = project / "interview" / "lighthouse-keeper" / "index.md"
    text = keeper.read_text(encoding="utf-8")
    assert "(river-archive#s04)" in text
    keeper.write_text(text.replace("(river-archive#s04)", "(#s02)"), encoding="utf-8")
    build(project / "interview", out)
    assert not (out / "zh-hant" / "river-archive").exists()
    assert not (out / "media" / "river-archive").exists()
    listed = set(manifest_paths((out / MANIFEST).read_text(encoding="utf-8")))
    assert listed == set(tree(out)) - {MANIFEST}
    assert leftovers(project) == []


def test_two_builds_are_byte_identical(project):
    build(project / "interview", project / "one")
    build(project / "interview", project / "two")
    one, two = tree(project / "one"), tree(project / "two")
    assert len(one) > 10
    assert one == two


def test_write_site_writes_exactly_the_files(project):
    out = project / "out"
    write_site(FILES, out, project / "interview", project)
    got = tree(out)
    assert {k: v for k, v in got.items() if k != MANIFEST} == FILES
    assert manifest_paths(got[MANIFEST].decode()) == ["a/b.txt", "index.html"]


# --- the command line ---------------------------------------------------------------


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
    return subprocess.run([sys.executable, "-m", "archive", "build", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_cli_builds(project):
    result = run_cli(project, "--archive", "interview", "--out", "site")
    assert result.returncode == 0, result.stderr
    assert f"built {len(list((project / 'interview').glob('*/index.md')))} interview(s)" in result.stdout
    assert (project / "site" / "index.html").is_file()


def test_cli_broken_archive_exits_1_with_diagnostics(project):
    assert run_cli(project, "--archive", "interview", "--out", "site").returncode == 0
    before = tree(project / "site")
    break_interview(project)
    result = run_cli(project, "--archive", "interview", "--out", "site")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("interview/lighthouse-keeper/index.md:")
    assert "error[SEC001]: section 07 follows section 01" in lines[0]
    assert lines[-1].startswith("build failed: ") and "untouched" in lines[-1]
    assert result.stdout == ""
    assert tree(project / "site") == before


def test_cli_refused_folder_exits_2_with_a_clear_message(project):
    (project / "docs").mkdir()
    (project / "docs" / "keep.txt").write_text("留著\n", encoding="utf-8")
    result = run_cli(project, "--archive", "interview", "--out", "docs")
    assert result.returncode == 2
    assert result.stderr.startswith("archive: refusing to write the site to ")
    assert "not empty" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert (project / "docs" / "keep.txt").read_text(encoding="utf-8") == "留著\n"

    result = run_cli(project, "--archive", "interview", "--out", "interview")
    assert result.returncode == 2
    assert "inside the source folder" in result.stderr and "Traceback" not in result.stderr


def test_cli_non_utf8_file_exits_1_without_traceback(project):
    index = project / "interview" / "lighthouse-keeper" / "index.md"
    index.write_bytes(index.read_text(encoding="utf-8").encode("utf-16"))
    result = run_cli(project, "--archive", "interview", "--out", "site")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "interview/lighthouse-keeper/index.md:1:1: error[FM002]: the file is not UTF-8 text" in result.stderr
    assert not (project / "site").exists()


def test_cli_missing_archive_exits_2(project):
    # no archive folder: the build cannot run at all (issue 10: exit 2, as archive check does)
    result = run_cli(project, "--archive", "nowhere", "--out", "site")
    assert result.returncode == 2
    assert "the archive folder nowhere does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not (project / "site").exists()


def test_cli_deep_emphasis_is_never_a_traceback(project):
    index = project / "interview" / "lighthouse-keeper" / "index.md"
    text = index.read_text(encoding="utf-8")
    deep = "*甲 " * 300 + "深" + " 乙*" * 300
    index.write_text(text.replace("問：你是怎麼成為守燈人的？", "問：你是怎麼成為守燈人的？" + deep, 1),
                     encoding="utf-8")
    result = run_cli(project, "--archive", "interview", "--out", "site")
    assert "Traceback" not in result.stderr, result.stderr[-500:]
    assert result.returncode in (0, 1, 2)


def test_the_writer_tells_what_the_site_holds_afterwards_as_lstat_would(tmp_path):
    """The no-op stamp takes the site's listing from the writer's own walk (one walk, not two):
    after an in-place write and after a write of nothing, every file and the manifest, each with
    the stat the disk gives now (a renamed file's new inode and time, not the old one's)."""
    source, out = tmp_path / "interview", tmp_path / "site"
    source.mkdir()
    files = {f"d{i}/page.html": f"<p>{i}</p>\n".encode() for i in range(6)}
    write_site(files, out, source)
    for change in ({"d1/page.html": b"<p>new</p>\n"}, {}, None):
        # None: a file dropped, nothing else changed (the manifest alone is written again)
        files = dict(files, **change) if change is not None else {k: v for k, v in files.items() if k != "d5/page.html"}
        stats: dict = {}
        write_site(files, out, source, stats=stats)
        assert set(stats) == set(files) | {MANIFEST}
        for rel, st in stats.items():
            now = os.lstat(out / rel)
            assert (st.st_ino, st.st_size, st.st_mtime_ns) == (now.st_ino, now.st_size, now.st_mtime_ns), rel


# ------------------------------------------------------------------ the site read ahead (output.prescan)

def _small_site(tmp_path: Path, **changes: bytes) -> dict[str, bytes]:
    files = {f"p{i}/index.html": f"<p>{i}</p>".encode() for i in range(10)}
    files.update({f"{name}/index.html": data for name, data in changes.items()})
    return files


def _read_ahead(tmp_path: Path):
    """A small site written, then read ahead: (its source folder, its folder, its files, the reading)."""
    from archive.output import prescan

    source = tmp_path / "interview"
    source.mkdir()
    out = tmp_path / "site"
    files = _small_site(tmp_path)
    write_site(files, out, source)
    return source, out, files, prescan(out)


def test_a_site_read_ahead_writes_what_reading_it_then_would(tmp_path):
    from archive.output import prescan

    source, out, _, ahead = _read_ahead(tmp_path)
    assert ahead is not None and len(ahead.listed) == 10 and "p3/index.html" in ahead.scanned[0]
    assert write_site(_small_site(tmp_path, p3=b"<p>new</p>"), out, source, ahead=ahead) == ["p3/index.html"]
    assert (out / "p3/index.html").read_bytes() == b"<p>new</p>"
    assert prescan(tmp_path / "nowhere") is None


def test_a_site_read_ahead_is_not_used_once_another_build_changed_it(tmp_path):
    """Read ahead, then another build writes the site: the writer must see the site as it now is.
    (With the stale reading it would take p3 for the old bytes it planned and leave the other build's.)"""
    source, out, first, ahead = _read_ahead(tmp_path)
    write_site(_small_site(tmp_path, p3=b"<p>other</p>"), out, source)  # another build, meanwhile
    assert write_site(first, out, source, ahead=ahead) == ["p3/index.html"]
    assert tree(out) == {**first, MANIFEST: (out / MANIFEST).read_bytes()}


def test_a_site_read_ahead_is_not_used_once_a_file_of_it_was_removed_by_hand(tmp_path):
    """The manifest is the same file, but a folder changed since it was listed: the writer reads the site
    again and puts the removed page back (with the stale reading it would think it still there)."""
    source, out, files, ahead = _read_ahead(tmp_path)
    (out / "p3/index.html").unlink()
    assert write_site(files, out, source, ahead=ahead) == ["p3/index.html"]
    assert (out / "p3/index.html").read_bytes() == files["p3/index.html"]
