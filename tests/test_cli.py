"""The command line as a user's repository sees it: paths, exit 2 in every format, no traceback, drafts."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from archive import check as check_module
from archive import parse as parse_module
from archive.cli import main

from conftest import REPO, SAMPLE


def _archive(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO / "src"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "archive", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def content_repo(tmp_path) -> Path:
    """A repository holding only content/interview/ (the sample archive): no templates, no build.py."""
    repo = tmp_path / "newsroom"
    shutil.copytree(SAMPLE, repo / "content" / "interview")
    return repo


def _plant_undefined_note(repo: Path) -> tuple[str, int]:
    """Replace the first note reference of one interview with an undefined one; (slug, its line)."""
    slug = "ferry-radio"
    path = repo / "content" / "interview" / slug / "index.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, text in enumerate(lines) if "[^" in text and not text.startswith("[^"))
    lines[line] = re.sub(r"\[\^[a-z0-9-]+\]", "[^nowhere]", lines[line], count=1)
    path.write_text("\n".join(lines), encoding="utf-8")
    return slug, line + 1


def test_archive_in_a_subfolder_builds_with_the_package_templates(content_repo):
    done = _archive(content_repo, "build", "--archive", "content/interview", "--out", "public")
    assert done.returncode == 0, done.stderr
    assert (content_repo / "public" / "index.html").is_file()
    assert (content_repo / "public" / "assets" / "style.css").read_bytes() == \
        (REPO / "templates" / "assets" / "style.css").read_bytes()
    pages = sorted(p.relative_to(content_repo / "public").as_posix()
                   for p in (content_repo / "public").glob("zh-*/*/interview.json"))  # interview pages only
    assert len(pages) == 2 * len(list(SAMPLE.glob("*/index.md")))


@pytest.mark.parametrize("command", ["build", "check"])
def test_annotations_name_the_file_as_the_repository_sees_it(content_repo, command):
    slug, line = _plant_undefined_note(content_repo)
    extra = ["--out", "public"] if command == "build" else []
    done = _archive(content_repo, command, "--archive", "content/interview", *extra, "--format", "github")
    assert done.returncode == 1
    assert f"::error file=content/interview/{slug}/index.md,line={line}," in done.stdout
    assert "title=FN001::note [^nowhere]" in done.stdout
    assert "Traceback" not in done.stderr
    as_json = _archive(content_repo, command, "--archive", "content/interview", *extra, "--format", "json")
    document = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and document["ok"] is False
    assert {"path": f"content/interview/{slug}/index.md", "line": line, "code": "FN001"}.items() <= \
        next(f for f in document["findings"] if f["code"] == "FN001").items()
    assert not (content_repo / "public").exists()  # a failed build writes nothing


@pytest.mark.parametrize("command", ["build", "check"])
def test_cannot_run_speaks_every_format(tmp_path, command):
    github = _archive(tmp_path, command, "--archive", "missing", "--format", "github")
    assert github.returncode == 2
    assert re.fullmatch(rf"::error title=archive {command}::the archive folder missing does not exist[^\n]*\n",
                        github.stdout)
    as_json = _archive(tmp_path, command, "--archive", "missing", "--format", "json")
    document = json.loads(as_json.stdout)
    assert as_json.returncode == 2 and document["ok"] is False and "missing" in document["error"]
    assert document["findings"] == []
    text = _archive(tmp_path, command, "--archive", "missing")
    assert text.returncode == 2 and text.stdout == "" and "does not exist" in text.stderr


def test_missing_templates_folder_is_exit_2(content_repo):
    done = _archive(content_repo, "build", "--archive", "content/interview", "--templates", "nope")
    assert done.returncode == 2 and "templates folder nope does not exist" in done.stderr


def test_unexpected_error_in_build_is_one_line_naming_the_file(content_repo, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise RuntimeError("a stage fell over")

    monkeypatch.setattr(parse_module, "parse_interview", broken)  # read where a source is parsed
    monkeypatch.chdir(content_repo)
    code = main(["build", "--archive", "content/interview", "--no-cache", "--format", "github"])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert re.search(r"internal error while working on content/interview/[a-z-]+/index.md: "
                     r"RuntimeError: a stage fell over; this is a bug in archive, please report it", err)
    assert re.fullmatch(r"::error file=content/interview/[a-z-]+/index\.md,title=archive build::internal error[^\n]*\n",
                        out)
    assert not (content_repo / "site").exists()


def test_unexpected_error_in_check_names_the_page(content_repo, monkeypatch, capsys):
    def broken(site, rel):
        raise ValueError("cannot read")

    monkeypatch.setattr(check_module, "read_page", broken)
    monkeypatch.chdir(content_repo)
    code = main(["check", "--archive", "content/interview"])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and "Traceback" not in err
    assert re.fullmatch(r"archive check: internal error while working on [^ ]+\.html: ValueError: cannot read; "
                        r"this is a bug in archive, please report it with this line\n", err)


DRAFT = """---
title: 尚未定稿的訪談
date: 2026-04-01
script: hant
summary: 一篇草稿。
interviewees:
  - name: 甲
source:
  outlet: 週刊
draft: true
---

## 01. 草稿

問：還沒寫完嗎？

還沒。
"""


def test_a_draft_is_left_out_of_the_site_and_the_index(content_repo):
    folder = content_repo / "content" / "interview" / "unfinished"
    folder.mkdir()
    (folder / "index.md").write_text(DRAFT, encoding="utf-8")
    done = _archive(content_repo, "build", "--archive", "content/interview", "--out", "public")
    assert done.returncode == 0, done.stderr
    public = content_repo / "public"
    assert not (public / "zh-hant" / "unfinished").exists() and not (public / "zh-hans" / "unfinished").exists()
    for index in ("zh-hant/index.html", "zh-hans/index.html"):
        assert "unfinished" not in (public / index).read_text(encoding="utf-8")
    assert "unfinished" in done.stdout + done.stderr  # a notice names the draft
    with_drafts = _archive(content_repo, "build", "--archive", "content/interview", "--out", "public", "--drafts")
    assert with_drafts.returncode == 0, with_drafts.stderr
    assert (public / "zh-hant" / "unfinished" / "index.html").is_file()


def test_drafts_flag_exists():
    args = __import__("archive.cli", fromlist=["make_parser"]).make_parser().parse_args(["build", "--drafts"])
    assert args.drafts is True and args.format == "text"


def test_jobs_takes_a_number_of_processes_and_one_builds_the_same_site(content_repo):
    """``--jobs 1`` makes everything in the one process (no helper, no workers): the same site."""
    bad = _archive(content_repo, "build", "--archive", "content/interview", "--jobs", "0")
    assert bad.returncode == 2 and "'0' is not a number of processes" in bad.stderr
    assert not (content_repo / "site").exists()
    for jobs, out in (("1", "one"), ("2", "two")):
        done = _archive(content_repo, "build", "--archive", "content/interview", "--out", out, "-j", jobs,
                        "--no-cache")
        assert done.returncode == 0, done.stderr
    files = {name: sorted(p.relative_to(content_repo / name).as_posix() for p in (content_repo / name).rglob("*")
                          if p.is_file() and p.name != ".archive-site") for name in ("one", "two")}
    assert files["one"] == files["two"] and files["one"]
    assert all((content_repo / "one" / rel).read_bytes() == (content_repo / "two" / rel).read_bytes()
               for rel in files["one"])
