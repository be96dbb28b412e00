"""Start-up and the no-op decision: a command imports only what it needs, a no-op reads one small file.

``archive --help`` and a build that changes nothing must not import the
pipeline's heavy libraries (Jinja, markdown-it, lxml, the process pool): a
fresh process then costs little more than the interpreter. The no-op
decision (:mod:`archive.freshness`) must never hide a change: any input or
output touched, a damaged state file or an input too fresh to vouch for
means a full build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive.build import build
from archive.freshness import RACY_NS, STAMP_DIR

from conftest import REPO

HEAVY = ("jinja2", "markdown_it", "lxml", "concurrent.futures.process", "yaml", "opencc", "markupsafe")
"""Modules a fresh process must not import to print help or to find that nothing changed."""

_PROBE = """
import atexit, json, os, runpy, sys
probe = lambda: open(os.environ["ARCHIVE_PROBE"], "w").write(json.dumps(sorted(sys.modules)))
atexit.register(probe)
real_exit = os._exit  # the command ends with os._exit (cli.run), which runs no atexit function
os._exit = lambda code: (probe(), real_exit(code))
sys.argv = ["archive", *json.loads(os.environ["ARCHIVE_ARGS"])]
runpy.run_module("archive", run_name="__main__", alter_sys=True)
"""


def _run(args: list[str], cwd: Path, tmp: Path) -> tuple[subprocess.CompletedProcess, set[str]]:
    """Run ``archive ARGS`` in a fresh interpreter; its result and every module it imported."""
    probe = tmp / f"modules-{time.monotonic_ns()}.json"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "ARCHIVE_PROBE": str(probe),
           "ARCHIVE_ARGS": json.dumps(args), "CI": "1"}
    done = subprocess.run([sys.executable, "-c", _PROBE], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)
    return done, set(json.loads(probe.read_text()))


def _aged(folder: Path, seconds: float = 60) -> None:
    """Make every file under ``folder`` look modified a while ago (as files an editor saved earlier)."""
    past = time.time() - seconds
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (past, past))


def _build_settled(project: Path):
    """Build; if no stamp could be kept (this package's code was saved a moment ago), wait and build again."""
    report = build(project / "interview", project / "site")
    stamps = project / ".archive-cache" / STAMP_DIR
    if not stamps.is_dir() or not any(stamps.iterdir()):
        time.sleep(RACY_NS / 1e9)
        report = build(project / "interview", project / "site")
    return report


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    shutil.copytree(REPO / "interview", proj / "interview")
    shutil.copytree(REPO / "templates", proj / "templates")
    _aged(proj)
    return proj


def test_help_imports_no_part_of_the_pipeline(tmp_path):
    done, modules = _run(["--help"], tmp_path, tmp_path)
    assert done.returncode == 0 and "build" in done.stdout
    assert not [m for m in HEAVY if m in modules]
    assert "archive.build" not in modules


def test_a_no_op_build_in_a_fresh_process_imports_no_part_of_the_pipeline(project, tmp_path):
    args = ["build", "--archive", "interview", "--out", "site", "--jobs", "1"]  # all work in the probed process
    first, modules = _run(args, project, tmp_path)
    assert first.returncode == 0, first.stderr
    assert {"jinja2", "markdown_it"} <= modules  # the probe sees what a real build imports
    if not (project / ".archive-cache" / STAMP_DIR).is_dir():  # this package's code was saved a moment ago
        time.sleep(RACY_NS / 1e9)
        _run(args, project, tmp_path)
    again, modules = _run(args, project, tmp_path)
    assert again.returncode == 0, again.stderr
    assert " 0 files written" in again.stdout, (first.stdout, again.stdout)
    assert [m for m in HEAVY if m in modules] == []


def test_a_template_change_renders_from_cached_views_without_the_markdown_parser(project, tmp_path):
    """After a change to interview.html the pages are rendered again from cached views: no source is
    parsed, so the process never imports markdown-it (its import was ~25 ms of every template change).
    (``--jobs 1``: the interviews are made in the probed process, not in a helper, see archive.warm.)"""
    args = ["build", "--archive", "interview", "--out", "site", "--no-search", "--jobs", "1"]
    first, modules = _run(args, project, tmp_path)
    assert first.returncode == 0 and "markdown_it" in modules, first.stderr
    page = project / "templates" / "interview.html"
    text = page.read_text(encoding="utf-8")
    at = text.rindex("{% endblock %}")
    page.write_text(text[:at] + "<span hidden>changed</span>" + text[at:], encoding="utf-8")
    again, modules = _run(args, project, tmp_path)
    assert again.returncode == 0, again.stderr
    assert " 0 files written" not in again.stdout
    assert "markdown_it" not in modules and "jinja2" in modules


def test_a_no_op_that_repeats_a_warning_imports_no_part_of_the_pipeline_either(project, tmp_path):
    """The warning's path is shown relative to the current folder (sources.path_from_here): that module
    imports the settings' reader (YAML) and the parser (Markdown) only where they are used."""
    settings = project / "interview" / "archive.yml"
    settings.write_text("".join(line for line in settings.read_text(encoding="utf-8").splitlines(keepends=True)
                                if not line.startswith("base_url:")), encoding="utf-8")
    _aged(project)
    args = ["build", "--archive", "interview", "--out", "site", "--no-search"]
    _run(args, project, tmp_path)
    if not (project / ".archive-cache" / STAMP_DIR).is_dir():  # this package's code was saved a moment ago
        time.sleep(RACY_NS / 1e9)
        _run(args, project, tmp_path)
    again, modules = _run(args, project, tmp_path)
    assert " 0 files written" in again.stdout and "PUB001" in again.stderr, (again.stdout, again.stderr)
    assert [m for m in HEAVY if m in modules] == [] and "archive.parse" not in modules


def test_a_no_op_repeats_the_warnings_of_the_build_it_stands_for(project):
    source = project / "interview/river-archive/index.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text + "\n[^unused]: 一條沒有人引用的注。\n", encoding="utf-8")  # FN003: a warning
    _aged(project)
    first = _build_settled(project)
    assert first.warnings, "the edit should have produced a warning"
    assert (project / ".archive-cache" / STAMP_DIR).is_dir()
    again = build(project / "interview", project / "site")
    assert again.written == () and again.made == 0
    assert again.warnings == first.warnings
    assert (again.interviews, again.pages, again.files) == (first.interviews, first.pages, first.files)


def test_any_change_on_either_side_means_a_full_build(project):
    out = project / "site"
    build(project / "interview", out)
    cases = []
    # an interview edited (same size: only its time and content differ)
    source = project / "interview/river-archive/index.md"
    text = source.read_text(encoding="utf-8")
    assert "一号藏品" in text
    source.write_text(text.replace("一号藏品", "头号藏品"), encoding="utf-8")
    report = build(project / "interview", out)
    cases.append(report.made)
    assert "頭號藏品" in (out / "zh-hant/river-archive/index.html").read_text(encoding="utf-8")
    # a page of the site deleted: the next build puts it back
    _aged(project)
    build(project / "interview", out)
    (out / "zh-hans/index.html").unlink()
    report = build(project / "interview", out)
    assert "zh-hans/index.html" in report.written and (out / "zh-hans/index.html").is_file()
    # a template changed
    _aged(project)
    build(project / "interview", out)
    template = project / "templates/interview.html"
    template.write_text(template.read_text(encoding="utf-8").replace("<h1>", "<h1 class=\"t\">", 1),
                        encoding="utf-8")
    report = build(project / "interview", out)
    assert any(rel.endswith("/index.html") for rel in report.written)
    assert 'class="t"' in (out / "zh-hant/river-archive/index.html").read_text(encoding="utf-8")
    assert cases == [1]


def test_an_input_too_fresh_to_vouch_for_leaves_no_stamp(project):
    source = project / "interview/river-archive/index.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n", encoding="utf-8")  # just saved
    build(project / "interview", project / "site")
    stamps = project / ".archive-cache" / STAMP_DIR
    assert not stamps.exists() or not any(stamps.iterdir())
    _aged(project)
    _build_settled(project)
    assert any(stamps.iterdir())


def test_a_damaged_stamp_is_a_full_build_never_an_error(project):
    first = _build_settled(project)
    stamps = list((project / ".archive-cache" / STAMP_DIR).iterdir())
    assert len(stamps) == 1
    for damage in (b"", b"{not json", json.dumps({"version": 1, "folders": "x"}).encode()):
        stamps[0].write_bytes(damage)
        (project / "site/index.html").unlink()
        report = build(project / "interview", project / "site")
        assert "index.html" in report.written
        assert report.files == first.files


def test_the_cache_is_pruned_only_once_enough_was_written(tmp_path, monkeypatch):
    """A prune walks the whole cache: a small rebuild must not pay for one. Past PRUNE_AFTER one is
    due and the next build runs it while its workers work; past PRUNE_NOW the build prunes at once."""
    import archive.cache as cache_module
    from archive.cache import LEDGER, Cache

    walks = []
    monkeypatch.setattr(Cache, "prune", lambda self, *args, **kw: walks.append((self.root, kw)) or (0, 0))
    monkeypatch.setattr(cache_module, "PRUNE_AFTER", 10_000)
    monkeypatch.setattr(cache_module, "PRUNE_NOW", 20_000)
    monkeypatch.setattr(cache_module, "MAX_BYTES", 5_000)  # every prune here could remove something
    root = tmp_path / "cache"
    first = Cache(root)
    assert first.background_prune() is None  # no cache folder yet: nothing to prune
    first.put_blob(b"a" * 1_000)
    first.settle()  # no count yet (a cache from before the count): a prune is due
    assert walks == [] and int((root / LEDGER).read_text().split()[0]) >= 10_000
    due = Cache(root)
    run = due.background_prune()
    assert run is not None
    run()
    assert walks == [(root, {"keep_since": first.opened - 1})]  # the last build's working set is kept
    due.put_blob(b"b" * 4_000)
    due.settle()
    assert int((root / LEDGER).read_text().split()[0]) == 4_000  # counted again from that prune
    small = Cache(root)
    assert small.background_prune() is None
    small.put_blob(b"c" * 8_000)
    small.settle()
    assert len(walks) == 1 and int((root / LEDGER).read_text().split()[0]) >= 12_000
    huge = Cache(root)
    huge.put_blob(b"d" * 9_000)
    huge.settle()  # past PRUNE_NOW without a prune on the way: now
    assert len(walks) == 2 and (root / LEDGER).read_text().split()[0] == "0"
    (root / LEDGER).write_text("not a number")
    assert Cache(root).background_prune() is not None
    fresh_root = tmp_path / "fresh"
    fresh = Cache(fresh_root)  # a new folder holds only this build's working set: no walk at its end
    fresh.put_blob(b"e" * 30_000)
    fresh.settle()
    assert len(walks) == 2 and int((fresh_root / LEDGER).read_text().split()[0]) >= 30_000


def test_a_due_prune_that_could_remove_nothing_walks_nothing(tmp_path, monkeypatch):
    """The ledger keeps a bound of what the cache holds (0 for a new folder, what the last walk counted,
    plus every byte written since): while it is within MAX_BYTES a due prune is skipped. Once a whole
    bound's worth was written since the last walk, the cache is walked whatever the ledger says."""
    import archive.cache as cache_module
    from archive.cache import LEDGER, Cache

    walks = []
    real = Cache.prune
    monkeypatch.setattr(Cache, "prune", lambda self, *a, **kw: (walks.append(1), real(self, *a, **kw))[1])
    monkeypatch.setattr(cache_module, "PRUNE_AFTER", 1_000)
    monkeypatch.setattr(cache_module, "PRUNE_NOW", 2_000)
    monkeypatch.setattr(cache_module, "MAX_BYTES", 10_000)
    root = tmp_path / "cache"
    first = Cache(root)
    first.put("outline", "a" * 64, {"x": "y" * 3_000})
    first.settle()
    assert int((root / LEDGER).read_text().split()[2]) >= 3_000  # a new folder: what this build wrote
    for i in range(2):  # due, and past PRUNE_NOW, but within the bound: no walk
        cache = Cache(root)
        assert cache.background_prune() is None
        cache.put("outline", f"{i}" * 64, {"x": "y" * 2_500})
        cache.settle()
    assert walks == []
    cache = Cache(root)
    cache.put("outline", "c" * 64, {"x": "y" * 3_000})
    cache.settle()  # past the bound now: walked, and counted again from the walk
    held = sum(p.stat().st_size for p in root.rglob("*") if p.is_file() and p.name != LEDGER)
    ledger = (root / LEDGER).read_text().split()
    assert walks == [1] and ledger[0] == "0" and held <= int(ledger[2]) <= 2 * held  # a bound, not far off
    (root / LEDGER).write_text("0 0 0")  # a ledger that says nothing is held
    for i in range(4):
        cache = Cache(root)
        if (run := cache.background_prune()) is not None:
            run()
        cache.put("outline", f"d{i}" * 32, {"x": "y" * 3_000})
        cache.settle()
    assert len(walks) == 2  # walked again once a bound's worth had been written since


def test_a_due_prune_runs_while_the_workers_work_and_is_joined(tmp_path):
    """make_all runs ``meanwhile`` in a thread once the workers are forked (fork is chosen: no other
    thread ran before), and the thread is done when the generator is."""
    import threading

    from archive import interviews
    from archive.jobs import make_all

    seen = []

    def meanwhile() -> None:
        seen.append((threading.current_thread().name, len(threading.enumerate())))

    made = list(make_all([_job(tmp_path, i) for i in range(interviews.PARALLEL_FROM)], 2, None,
                                    meanwhile=meanwhile))
    assert len(made) == interviews.PARALLEL_FROM and [name for name, _ in seen] == ["archive-meanwhile"]
    assert not any(t.name == "archive-meanwhile" for t in threading.enumerate())
    assert list(make_all([], 2, None, meanwhile=meanwhile)) == [] and len(seen) == 1  # no workers


def test_the_pool_hands_out_smaller_pieces_towards_the_end():
    """Pieces of up to 16 jobs in order, shrinking at the end, so that the workers finish together."""
    from archive.jobs import _pieces

    for n, workers in ((1_000, 2), (9, 2), (100, 4), (1, 1)):
        pieces = _pieces(list(range(n)), workers)
        assert [job for piece in pieces for job in piece] == list(range(n))
        sizes = [len(piece) for piece in pieces]
        assert max(sizes) <= 16 and sizes == sorted(sizes, reverse=True) and sizes[-workers:] == [1] * workers
    assert len(_pieces(list(range(1_000)), 2)[0]) == 16


def _failing_piece(piece):
    """A worker's piece (see test below): the first job fails, every other one is noted as made."""
    import time

    for job in piece:
        if job.folder.endswith("gone-0"):
            raise RuntimeError("a bug in the worker")
        time.sleep(0.005)
        with open(Path(job.folder).parent / "made", "a", encoding="utf-8") as made:
            made.write(job.folder + "\n")
    return []


def test_a_failing_worker_stops_the_pieces_not_yet_started(tmp_path, monkeypatch):
    """An error in a worker (or Ctrl-C) reaches the build without the pool making every other interview
    first: the pieces not yet handed to a worker are cancelled."""
    from archive import jobs

    monkeypatch.setattr(jobs, "_make_piece", _failing_piece)
    with pytest.raises(RuntimeError):
        list(jobs.make_all([_job(tmp_path, i) for i in range(400)], 2, None))
    made = (tmp_path / "made").read_text(encoding="utf-8").count("\n") if (tmp_path / "made").exists() else 0
    assert made < 150, made  # of 399: a few pieces were running or queued, no more


def test_workers_collect_garbage_in_large_batches(tmp_path, monkeypatch):
    """Each worker raises the young generation's threshold as it starts (warm.WORKER_GC_THRESHOLD)."""
    import concurrent.futures
    import gc

    from archive import interviews, jobs, warm

    started = []
    real = concurrent.futures.ProcessPoolExecutor

    def pool(*args, **kwargs):
        started.append(kwargs.get("initializer"))
        return real(*args, **kwargs)

    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", pool)
    made = list(jobs.make_all([_job(tmp_path, i) for i in range(interviews.PARALLEL_FROM)], 2, None))
    assert len(made) == interviews.PARALLEL_FROM and started == [warm.worker_started]
    was = gc.get_threshold()
    try:
        warm.worker_started()
        assert gc.get_threshold() == (warm.WORKER_GC_THRESHOLD, *was[1:]) and warm.WORKER_GC_THRESHOLD > was[0]
    finally:
        gc.set_threshold(*was)


def test_a_scratch_cache_keeps_only_its_kinds_and_never_prunes(tmp_path):
    from archive.cache import Cache

    scratch = Cache(tmp_path / "scratch", kinds=("passages",))
    scratch.put("page", "k1", {"a": 1})
    scratch.put("passages", "k2", ["text"])
    key = scratch.put_blob(b"page bytes")
    assert scratch.get("page", "k1") is None
    assert scratch.get("passages", "k2") == ["text"]
    assert scratch.get_blob(key) == b"page bytes"
    assert scratch.stores("passages") and not scratch.stores("page")
    assert scratch.prune() == (0, 0)


def test_no_cache_builds_the_same_site_and_leaves_nothing_behind(project, tmp_path):
    cached = build(project / "interview", tmp_path / "cached")
    bare = build(project / "interview", project / "site", cache_dir=False)
    assert bare.files == cached.files
    for rel in ("index.html", "zh-hant/river-archive/index.html", "zh-hans/river-archive/interview.json"):
        assert (project / "site" / rel).read_bytes() == (tmp_path / "cached" / rel).read_bytes()
    assert sorted(p.name for p in project.iterdir()) == [".archive-cache", "interview", "site", "templates"]


def test_an_input_changed_while_the_build_runs_is_built_by_the_next_build(project, monkeypatch):
    """The stamp keeps the inputs as listed before the build: a change made during it is seen next time."""
    _aged(project)
    _build_settled(project)
    source = project / "interview/river-archive/index.md"
    source.write_text(source.read_text(encoding="utf-8") + "\n<!-- a -->\n", encoding="utf-8")
    _aged(project)
    import archive.jobs as jobs

    real = jobs.make_interviews

    def edited_meanwhile(*args, **kwargs):
        result = real(*args, **kwargs)
        source.write_text(source.read_text(encoding="utf-8") + "\n<!-- b -->\n", encoding="utf-8")
        _aged(project)  # an old modification time: only the listing taken before the build can tell
        return result
    monkeypatch.setattr(jobs, "make_interviews", edited_meanwhile)
    import archive.build as build_module

    monkeypatch.setattr(build_module, "make_interviews", edited_meanwhile)
    assert build(project / "interview", project / "site").made == 1
    monkeypatch.undo()
    assert build(project / "interview", project / "site").made == 1  # not a no-op: <!-- b --> is new


def test_an_edit_rebuild_without_search_loads_neither_the_search_adapter_nor_pypinyin(project, tmp_path):
    """An editor's rebuild pays for what it makes: not for Pagefind's adapter, nor for pypinyin's tables
    (0.26 s) when the edited interview's people are those of the last build. (``--jobs 1``: made in the
    probed process, not in a helper, see archive.warm.)"""
    args = ["build", "--archive", "interview", "--out", "site", "--no-search", "--jobs", "1"]
    first, modules = _run(args, project, tmp_path)
    assert first.returncode == 0, first.stderr
    assert "pypinyin" in modules  # the probe sees them when they are needed
    source = project / "interview/river-archive/index.md"
    text = source.read_text(encoding="utf-8")
    at = text.index("。", text.index("## "))  # a sentence of the first section: no summary changes
    source.write_text(text[:at] + "，是的" + text[at:], encoding="utf-8")
    again, modules = _run(args, project, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "markdown_it" in modules and " 0 files written" not in again.stdout, again.stdout
    assert [m for m in ("archive.search", "pypinyin", "asyncio", "xml.sax") if m in modules] == []


def _job(tmp_path: Path, n: int):
    """A job whose source is gone: the worker reports it at once (enough to run the pool)."""
    from archive.interviews import InterviewJob

    return InterviewJob(str(tmp_path / f"gone-{n}"), f"gone-{n}/index.md", None, "k", {}, {}, None, None, None,
                        source_hash="0" * 64)
