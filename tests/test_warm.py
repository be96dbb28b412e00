"""The helper a rebuild forks to get ready while it plans (archive.warm): same site, and never needed.

Each test edits one interview of the sample after a first build, so that
the rebuild makes one interview again: the case the helper is for. The
site it gives is compared byte for byte with the same rebuild made without
it (``jobs=1``), and every way the helper can fail must leave a build that
makes the interviews itself.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from conftest import SAMPLE

from archive import interviews, warm
from archive.build import build

pytestmark = pytest.mark.skipif(not warm.can_fork(), reason="the helper is forked on Linux only")


def _files(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def _edited_rebuild(root: Path, seen: list | None = None, **options) -> dict[str, bytes]:
    """A first build of the sample, one interview edited, then the rebuild: its site's files.

    ``seen`` (see ``made_by``) is emptied before the rebuild."""
    archive = root / "interview"
    shutil.copytree(SAMPLE, archive)
    build(archive, root / "site", cache_dir=root / "cache", search=False)
    if seen is not None:
        seen.clear()
    source = next(p for p in sorted(archive.glob("*/index.md")))
    source.write_text(source.read_text(encoding="utf-8").replace("。", "，補記。", 1), encoding="utf-8")
    report = build(archive, root / "site", cache_dir=root / "cache", search=False, **options)
    assert report.made == 1
    return _files(root / "site")


def _marked_makers(monkeypatch) -> list[int]:
    """Every output carries the pid of the process that made it; the list gets those of the outputs the
    helper hands back (:meth:`warm.Helper.finish`, which :meth:`~warm.Helper.make` ends with too)."""
    real = interviews.make_interview

    def marked(job):
        out = real(job)
        out.__dict__["made_by"] = os.getpid()
        return out

    monkeypatch.setattr(interviews, "make_interview", marked)
    seen: list[int] = []
    real_finish = warm.Helper.finish

    def finish(self):
        outputs = real_finish(self)
        seen.extend(o.__dict__.get("made_by") for o in outputs or ())
        return outputs

    monkeypatch.setattr(warm.Helper, "finish", finish)
    return seen


@pytest.fixture
def made_by(monkeypatch):
    """The process that made each interview, as the outputs report it (the helper's pid travels with them)."""
    return _marked_makers(monkeypatch)


def test_the_helper_makes_the_edited_interview_and_the_site_is_the_one_made_without_it(tmp_path, made_by,
                                                                                       monkeypatch):
    from archive import output

    read_ahead = []
    real = output.prescan
    monkeypatch.setattr(output, "prescan", lambda out: read_ahead.append(out) or real(out))
    helped = _edited_rebuild(tmp_path / "helped", made_by)
    assert len(made_by) == 1 and made_by[0] not in (None, os.getpid())   # made in the forked helper
    assert read_ahead[-1] == tmp_path / "helped" / "site"  # the site was read while the helper worked
    alone = _edited_rebuild(tmp_path / "alone", made_by, jobs=1)          # --jobs 1: this process only
    assert made_by == []
    assert helped == alone


def test_a_helper_that_fails_leaves_the_work_to_the_build(tmp_path, monkeypatch, made_by):
    """An error in the helper (here: every interview it makes raises) is not the build's error."""
    parent = os.getpid()
    real = interviews.make_interview

    def failing_in_the_helper(job):
        if os.getpid() != parent:
            raise RuntimeError("a bug in the helper")
        return real(job)

    monkeypatch.setattr(interviews, "make_interview", failing_in_the_helper)
    helped = _edited_rebuild(tmp_path / "helped", made_by)
    assert made_by == []  # the helper returned nothing
    assert helped == _edited_rebuild(tmp_path / "alone", jobs=1)


def test_a_helper_that_dies_leaves_the_work_to_the_build(tmp_path, monkeypatch):
    parent = os.getpid()
    real = interviews.make_interview

    def dying_in_the_helper(job):
        if os.getpid() != parent:
            os._exit(9)  # killed mid-work: no reply at all
        return real(job)

    monkeypatch.setattr(interviews, "make_interview", dying_in_the_helper)
    assert _edited_rebuild(tmp_path / "helped") == _edited_rebuild(tmp_path / "alone", jobs=1)


def test_an_interview_error_is_reported_as_without_the_helper(tmp_path):
    """A source that breaks the build breaks it the same way (the diagnostics come from its making)."""
    from archive.errors import BuildError

    messages = []
    for name, options in (("helped", {}), ("alone", {"jobs": 1})):
        root = tmp_path / name
        shutil.copytree(SAMPLE, root / "interview")
        build(root / "interview", root / "site", cache_dir=root / "cache", search=False)
        source = next(p for p in sorted((root / "interview").glob("*/index.md")))
        source.write_text(source.read_text(encoding="utf-8").replace("title:", "titel:", 1), encoding="utf-8")
        with pytest.raises(BuildError) as caught:
            build(root / "interview", root / "site", cache_dir=root / "cache", search=False, **options)
        messages.append([(d.code, d.line, d.message) for d in caught.value.diagnostics])
    assert messages[0] == messages[1] and messages[0]


def test_the_helper_is_always_reaped(tmp_path):
    """Used or not, no helper outlives the planning that forked it (no zombie, no stray process)."""
    with warm.helper() as ready:
        assert ready is not None
        pid = ready.pid
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped already
    with warm.helper() as ready:
        pid = ready.pid
        ready.prepare(None, None)
        assert ready.make([]) == []  # asked for nothing: an empty reply
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_no_helper_while_another_thread_runs_or_with_one_job(tmp_path):
    """A fork copies only the calling thread (``archive serve`` builds beside its server threads)."""
    with warm.helper(wanted=False) as ready:
        assert ready is None
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not warm.can_fork()
        with warm.helper() as ready:
            assert ready is None
    finally:
        stop.set()
        other.join()


# ------------------------------------------------------------------ many interviews: the helper's share

def _synthetic(root: Path, n: int = 24) -> Path:
    import sys

    from conftest import REPO

    sys.path.insert(0, str(REPO / "bench"))
    from synth import generate

    archive = generate(root, n)
    shutil.copytree(REPO / "templates", root / "templates")
    return archive


@pytest.fixture
def shares(monkeypatch):
    """(pid of each interview's maker, from the helper's share; what ``prepare`` was told to load)."""
    seen: dict[str, list] = {"made_by": _marked_makers(monkeypatch), "convert": []}
    real_prepare = warm.Helper.prepare

    def prepare(self, templates, cache_root, convert=False):
        seen["convert"].append(convert)
        return real_prepare(self, templates, cache_root, convert)

    monkeypatch.setattr(warm.Helper, "prepare", prepare)
    return seen


def test_with_many_interviews_the_helper_makes_a_first_share_and_the_site_is_the_same(tmp_path, shares):
    from archive.jobs import HELPER_SHARE

    archive = _synthetic(tmp_path / "synth")
    report = build(archive, tmp_path / "shared", jobs=2, cache_dir=tmp_path / "cache", search=False)
    assert report.made == 24
    assert len(shares["made_by"]) == 24 // HELPER_SHARE                       # its share, made by the helper
    assert all(pid not in (None, os.getpid()) for pid in shares["made_by"])
    assert shares["convert"] == [True]  # no last build: it loaded what converting needs while the build planned
    build(archive, tmp_path / "alone", jobs=1, cache_dir=False, search=False)
    assert _files(tmp_path / "shared") == _files(tmp_path / "alone")
    (archive.parent / "templates/interview.html").write_text(  # a template change: many pages, none converted
        (archive.parent / "templates/interview.html").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    report = build(archive, tmp_path / "shared", jobs=2, cache_dir=tmp_path / "cache", search=False)
    assert report.made == 24 and shares["convert"] == [True, False]  # the last build is known: no tables loaded
    assert len(shares["made_by"]) == 24 // HELPER_SHARE  # pages rendered again only: the workers made them all


@pytest.mark.parametrize("failure", ["raises", "dies"])
def test_a_share_the_helper_fails_to_make_is_made_by_the_build(tmp_path, monkeypatch, failure):
    archive = _synthetic(tmp_path / "synth", 16)
    from archive.jobs import HELPER_SHARE

    parent = os.getpid()
    real = interviews.make_interview
    made_here = []

    def failing_in_the_helper(job):
        if os.getpid() == parent:
            made_here.append(job.folder)
        elif os.getppid() == parent and not _pool_worker():
            if failure == "dies":
                os._exit(9)
            raise RuntimeError("a bug in the helper")
        return real(job)

    monkeypatch.setattr(interviews, "make_interview", failing_in_the_helper)
    report = build(archive, tmp_path / "shared", jobs=2, cache_dir=tmp_path / "cache", search=False)
    assert report.made == 16 and len(made_here) == 16 // HELPER_SHARE  # the helper's share, made here after all
    build(archive, tmp_path / "alone", jobs=1, cache_dir=False, search=False)
    assert _files(tmp_path / "shared") == _files(tmp_path / "alone")


def _pool_worker() -> bool:
    import multiprocessing

    return multiprocessing.current_process().name != "MainProcess"


# ------------------------------------------------------------------ the site pages in two halves (warm.aside)

def _site_build(root: Path, name: str) -> dict[str, bytes]:
    if not (root / "interview").exists():
        shutil.copytree(SAMPLE, root / "interview")
    build(root / "interview", root / name, cache_dir=False, search=False)
    return _files(root / name)


def test_the_site_pages_made_in_two_halves_are_the_pages_made_in_one(tmp_path, monkeypatch):
    from archive import pages

    children = []
    real = warm.aside

    def counted(work, wanted=True):
        children.append(wanted)
        return real(work, wanted)

    monkeypatch.setattr(warm, "aside", counted)
    monkeypatch.setattr(pages, "PARALLEL_FROM", 1)
    halves = _site_build(tmp_path, "halves")
    assert children == [True]
    monkeypatch.setattr(pages, "PARALLEL_FROM", 10**9)
    assert _site_build(tmp_path, "one") == halves
    assert children == [True, False]


def test_a_half_that_fails_in_the_child_is_made_here(tmp_path, monkeypatch):
    from archive import pages

    parent = os.getpid()
    real = pages.SITE_PAGES

    def failing_in_the_child(page):
        def made(site):
            if os.getpid() != parent:
                raise RuntimeError("a bug in the child")
            return page(site)
        return made

    monkeypatch.setattr(pages, "PARALLEL_FROM", 1)
    monkeypatch.setattr(pages, "SITE_PAGES", tuple(failing_in_the_child(p) for p in real))
    halves = _site_build(tmp_path, "halves")
    monkeypatch.setattr(pages, "SITE_PAGES", real)
    monkeypatch.setattr(pages, "PARALLEL_FROM", 10**9)
    assert _site_build(tmp_path, "one") == halves


def test_work_aside_is_reaped_used_or_not():
    with warm.aside(lambda: 6 * 7) as other:
        pid = other.pid
        assert other.result() == (True, 42)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    with warm.aside(lambda: 1 / 0) as other:
        assert other.result() == (False, None)  # the error stays the caller's to meet
    with warm.aside(lambda: None) as other:
        pid = other.pid  # never asked: ended on leaving
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def test_a_refused_fork_leaves_the_work_here_and_no_descriptor_open(monkeypatch):
    """Out of memory or processes, ``fork`` fails: no helper, no child, every pipe closed."""
    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refused)
    before = sorted(os.listdir("/proc/self/fd"))
    with warm.helper() as ready:
        assert ready is None
    with warm.aside(lambda: 1) as other:
        assert other is None
    assert sorted(os.listdir("/proc/self/fd")) == before


def test_jobs_one_makes_the_site_pages_in_this_process_too(tmp_path, monkeypatch):
    from archive import pages

    asked = []
    real = warm.aside
    monkeypatch.setattr(warm, "aside", lambda work, wanted=True: (asked.append(wanted), real(work, wanted))[1])
    monkeypatch.setattr(pages, "PARALLEL_FROM", 1)
    shutil.copytree(SAMPLE, tmp_path / "interview")
    build(tmp_path / "interview", tmp_path / "site", cache_dir=False, search=False, jobs=1)
    assert asked == [False]
