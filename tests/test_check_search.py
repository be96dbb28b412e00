"""``archive check`` never runs the search step: it checks pages, links and ids, not Pagefind's index.

Checking a site once planned the whole build including its post-plan search
step, which ran Pagefind whenever its cached result was missing (56 s and
2.8 GB at N = 1,000 after an edit). These tests fail if the step is run, if
Pagefind is needed to check, or if the search bundle is needed in the site.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import archive.postplan as postplan
from archive.build import build
from archive.check import run_check

from test_check import _archive

INTERVIEWS = {"one": "## 01. 一\n\n問：甲？\n\n乙。[^a]\n\n[^a]: 注。\n", "two": "## 01. 二\n\n問：丙？\n\n丁。\n"}


def test_check_never_runs_the_search_step(tmp_path, monkeypatch):
    ran: list[str] = []

    def refuse(files, site, folder):
        ran.append("search")
        raise AssertionError("archive check ran the search step")

    def refusing(make):
        return lambda: dataclasses.replace(make(), run=refuse)
    steps = tuple((name, refusing(make) if name == "search" else make) for name, make in postplan.POST_STEPS)
    assert any(name == "search" for name, _ in steps)  # the step this test guards still exists
    monkeypatch.setattr(postplan, "POST_STEPS", steps)
    root = _archive(tmp_path, INTERVIEWS)
    planned = run_check(root, None)                 # the site as the build plans it
    assert planned.diagnostics == [] and planned.pages == 14
    site = tmp_path / "site"
    build(root, site, search=False)
    assert not list(site.rglob("pagefind"))          # no search output anywhere
    for full in (False, True):
        checked = run_check(root, site, full=full)  # sources through the cache, then the built site
        assert checked.diagnostics == [] and checked.pages == 14
    assert ran == []


def _blocked_env(tmp_path: Path) -> dict[str, str]:
    """An environment in which ``import pagefind`` fails, as on a machine without it."""
    blocker = tmp_path / "blocker" / "pagefind"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text('raise ImportError("pagefind is not installed here")\n', encoding="utf-8")
    src = Path(__file__).resolve().parent.parent / "src"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(blocker.parent), str(src)]))
    env.pop("CI", None)
    return env


def test_check_works_without_pagefind(tmp_path):
    root = _archive(tmp_path, INTERVIEWS)
    env = _blocked_env(tmp_path)
    project = root.parent

    def archive(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "archive", *args], cwd=project, env=env,
                              capture_output=True, text=True)

    # the blocker works: a build with search needs Pagefind and says so
    with_search = archive("build", "-q")
    assert with_search.returncode != 0 and "pagefind" in (with_search.stdout + with_search.stderr).lower()
    assert archive("build", "-q", "--no-search").returncode == 0
    for args in ((), ("--site", "site"), ("--site", "site", "--full")):
        checked = archive("check", "--strict", *args)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "checked 14 pages: 0 error(s), 0 warning(s); ok" in checked.stderr
