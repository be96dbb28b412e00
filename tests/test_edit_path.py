"""The one-interview-edit rebuild's shortcuts: each gives what the long way gives, and nothing stale.

The archive folder is listed once (by the no-op decision) and that listing
serves the scan, the interviews' images and the sources' stats; the code
version is remembered by the stat of the package's modules; the build state
writes back the rows it read for interviews not made again. Each is checked
against the long way, and for the miss that must follow any change.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from archive import codeversion as cache_module
from archive import state
from archive.codeversion import CODE_FILE, package_code
from archive.filehashes import RACY_NS, FileHashes
from archive.freshness import Stamp, Tree, _listing
from archive.interviews import InterviewOutput
from archive.sources import hashed_files, hashed_source, scan_archive


def _age(path: Path, seconds: float = 10) -> None:
    then = time.time_ns() - int(seconds * 1e9)
    os.utime(path, ns=(then, then))


def _tree(archive: Path) -> Tree:
    folders: dict[str, list] = {}
    started = time.time_ns()
    _listing([os.path.abspath(archive)], folders)
    return Tree(started, folders)


# ------------------------------------------------------------------ one listing of the archive

def _odd_archive(root: Path) -> Path:
    archive = root / "interview"
    (archive / "a").mkdir(parents=True)
    (archive / "a" / "index.md").write_text("---\ntitle: a\n---\n", encoding="utf-8")
    (archive / "a" / "photo.svg").write_text("<svg/>", encoding="utf-8")
    (archive / "a" / "notes").mkdir()                               # a folder beside the images: not an image
    (archive / "b").mkdir()
    (archive / "b" / "draft.md").write_text("x", encoding="utf-8")  # Markdown but no index.md
    (archive / "c").mkdir()
    (archive / "c" / "index.md").mkdir()                            # index.md is a folder
    (archive / "d").mkdir()
    os.symlink(archive / "nowhere", archive / "d" / "index.md")     # a broken link
    (archive / ".hidden").mkdir()
    (archive / ".hidden" / "index.md").write_text("x", encoding="utf-8")
    (archive / "stray.md").write_text("x", encoding="utf-8")
    (archive / "archive.yml").write_text("title: t\n", encoding="utf-8")
    outside = root / "elsewhere"
    outside.mkdir()
    (outside / "index.md").write_text("---\ntitle: e\n---\n", encoding="utf-8")
    os.symlink(outside, archive / "e")                              # a linked interview folder
    return archive


def test_a_scan_from_the_listing_is_the_scan_from_the_disk(tmp_path):
    archive = _odd_archive(tmp_path)
    tree = _tree(archive)
    assert os.path.abspath(archive / "a") in tree.folders and os.path.abspath(archive / "e") not in tree.folders
    listed, direct = scan_archive(archive, tree), scan_archive(archive)
    assert listed.sources == direct.sources and listed.diagnostics == direct.diagnostics
    assert [folder.name for folder, _ in direct.sources] == ["a", "d", "e"]
    assert {d.path for d in direct.diagnostics} >= {"interview/b", "interview/stray.md"}
    assert listed.tree is tree and direct.tree is None


def test_hashes_from_the_listing_are_the_hashes_from_the_disk(tmp_path):
    archive = _odd_archive(tmp_path)
    tree = _tree(archive)
    for name in ("a", "e"):
        folder = archive / name
        assert hashed_files(folder, FileHashes(None), "index.md", tree) == hashed_files(folder, FileHashes(None),
                                                                                      "index.md")
        assert hashed_source(folder / "index.md", "x", FileHashes(None), tree) == \
            hashed_source(folder / "index.md", "x", FileHashes(None))
    assert hashed_source(archive / "c" / "index.md", "x", FileHashes(None), tree)[0] is None  # a folder: a problem
    assert [os.path.basename(p) for p, _, _ in hashed_files(archive / "a", FileHashes(None), "index.md", tree)] \
        == ["photo.svg"]


def test_a_hash_taken_against_a_listed_stat_counts_from_the_listing(tmp_path):
    """A file modified within RACY_NS before the listing is not vouched for, even if hashed much later."""
    (tmp_path / "cache").mkdir()
    source = tmp_path / "index.md"
    source.write_bytes(b"one")
    _age(source, 1)  # modified a second before the listing
    listed = time.time_ns()
    later = FileHashes(tmp_path / "cache", listed - 0)
    hashed_source(source, "index.md", later)
    later.save({str(source)})
    assert later.now == listed
    assert FileHashes(tmp_path / "cache").get(str(source), os.stat(source)) is None
    assert RACY_NS > 1_000_000_000


def test_the_stamp_keeps_the_listing_only_when_it_listed_the_archive(tmp_path):
    archive = _odd_archive(tmp_path)
    stamp = Stamp(str(tmp_path / "cache"), str(archive), str(tmp_path / "site"), ())
    assert stamp.recorded_report() is None and stamp.tree is None  # no stamp yet: nothing listed
    stamp.record({}, [])
    again = Stamp(str(tmp_path / "cache"), str(archive), str(tmp_path / "site"), ())
    again.recorded_report()
    if again.tree is not None:  # the stamp was kept (no file within RACY_NS): it listed the archive
        assert again.tree.entries(archive / "a") == _tree(archive).entries(archive / "a")


# ------------------------------------------------------------------ the remembered code version

def _package(root: Path) -> Path:
    package = root / "pkg"
    (package / "sub").mkdir(parents=True)
    (package / "one.py").write_text("X = 1\n", encoding="utf-8")
    (package / "sub" / "two.py").write_text("Y = 2\n", encoding="utf-8")
    for path in (package / "one.py", package / "sub" / "two.py"):
        _age(path)
    return package


@pytest.fixture
def counted(monkeypatch):
    calls = []
    real = cache_module._code_digest

    def counting(root):
        calls.append(root)
        return real(root)
    monkeypatch.setattr(cache_module, "_code_digest", counting)
    return calls


def test_the_code_version_is_remembered_until_a_module_changes(tmp_path, counted):
    package, remember = _package(tmp_path), tmp_path / "cache"
    remember.mkdir()
    first = package_code(package, remember)
    assert (remember / CODE_FILE).is_file() and len(counted) == 1
    assert package_code(package, remember) == first and len(counted) == 1  # remembered: no module read
    (package / "sub" / "two.py").write_text("Y = 3\n", encoding="utf-8")   # same size, new content
    _age(package / "sub" / "two.py")
    second = package_code(package, remember)
    assert second != first and len(counted) == 2
    (package / "three.py").write_text("", encoding="utf-8")                # a new module
    _age(package / "three.py")
    assert package_code(package, remember) not in (first, second) and len(counted) == 3


def test_a_module_changed_just_now_is_not_remembered(tmp_path, counted):
    package, remember = _package(tmp_path), tmp_path / "cache"
    remember.mkdir()
    (package / "one.py").write_text("X = 11\n", encoding="utf-8")  # within RACY_NS
    package_code(package, remember)
    assert not (remember / CODE_FILE).exists()
    package_code(package, remember)
    assert len(counted) == 2


@pytest.mark.parametrize("content", ["not json", "[]", '{"stats": 1}', "{}", '{"stats": "%s", "code": "../x"}',
                                     '{"stats": "%s", "code": "%s"}'])
def test_a_damaged_or_foreign_record_is_a_miss(tmp_path, counted, content):
    package, remember = _package(tmp_path), tmp_path / "cache"
    remember.mkdir()
    real = package_code(package, remember)
    stats = json.loads((remember / CODE_FILE).read_text(encoding="utf-8"))["stats"]
    if content.count("%s") == 2:
        content = content % ("0" * 64, "a" * 64)  # another package's stats: not these
    elif "%s" in content:
        content = content % stats                 # these stats, but a value that is no digest
    (remember / CODE_FILE).write_text(content, encoding="utf-8")
    assert package_code(package, remember) == real and len(counted) == 2


def test_without_a_cache_nothing_is_remembered(tmp_path, counted):
    package = _package(tmp_path)
    assert package_code(package, None) == package_code(package, None) and len(counted) == 2


# ------------------------------------------------------------------ the build state's lines

def _output(folder: str, key: str) -> InterviewOutput:
    return InterviewOutput(folder, key * 64, {"hant": "a" * 64}, (), None, folder.upper(),
                           files={f"zh-hant/{folder}/index.html": ("1" * 64, 5)})


def test_lines_read_are_written_back_as_they_were_and_new_ones_encoded():
    read = state.loads(state.dumps({"x": _output("x", "1"), "y": _output("y", "2")}))
    assert read.lines.keys() == {"x", "y"}
    after = {"x": read["x"], "y": _output("y", "3"), "z": _output("z", "4")}
    assert state.dumps(after, read) == state.dumps(after)
    assert state.loads(state.dumps(after, read)) == after


def test_a_line_is_reused_only_for_the_very_object_read():
    read = state.loads(state.dumps({"x": _output("x", "1")}))
    read.lines["x"] = b'["planted"]'  # were it written back for an equal, other object, this would appear
    assert state.dumps({"x": _output("x", "1")}, read) == state.dumps({"x": _output("x", "1")})


# ------------------------------------------------------------------ what a fresh edit build imports

def test_a_remembered_code_version_needs_no_package_metadata(tmp_path):
    """importlib.metadata (and the email package it imports) costs a fresh process ~10 ms."""
    remember = tmp_path / "cache"
    remember.mkdir()
    script = ("import sys; from pathlib import Path; from archive.codeversion import code_version; "
              f"print(code_version(Path({str(remember)!r}))); print('importlib.metadata' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(Path(cache_module.__file__).resolve().parent.parent)}
    first = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    if not (remember / CODE_FILE).exists():
        pytest.skip("a module of the package was modified within RACY_NS: nothing to remember yet")
    second = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert first.stdout.split()[0] == second.stdout.split()[0]
    assert second.stdout.split()[1] == "False"


# ------------------------------------------------------------------ the output as the build left it

def test_the_output_listed_from_its_files_is_the_walk_of_it(tmp_path):
    from archive.freshness import _files_listing

    site = tmp_path / "site"
    rels = ["a/x.html", "a-b", "a.html", "a/b/c.json", "z", ".archive-site", "é/ü.html", "A/1"]
    for rel in rels:
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(rel, encoding="utf-8")
    (site / "empty").mkdir()  # a folder holds no line of its own
    assert _files_listing(str(site), rels) == _listing([str(site)])[0]
    assert _files_listing(str(site), rels[:-1]) != _listing([str(site)])[0]  # a file it was not told of: differs
    assert _files_listing(str(site), rels + ["gone.html"]) is None             # a file not there: walk instead


# ------------------------------------------------------------------ the command ends without the teardown

def test_the_command_flushes_its_output_and_keeps_its_exit_code_when_it_ends_at_once(tmp_path):
    """cli.run ends the process with os._exit: what it printed (piped, so block-buffered) must all arrive."""
    from conftest import REPO

    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "CI": "1"}
    project = tmp_path / "proj"
    import shutil

    shutil.copytree(REPO / "interview", project / "interview")
    done = subprocess.run([sys.executable, "-m", "archive", "build", "--no-search"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0].startswith("built ") and done.stdout.rstrip().endswith("in a browser")
    missing = subprocess.run([sys.executable, "-m", "archive", "build", "--archive", "nowhere"], cwd=project,
                             env=env, capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "does not exist" in missing.stderr


# ------------------------------------------------------------------ the cycle collector

def test_a_build_leaves_the_cycle_collector_as_it_found_it(tmp_path, monkeypatch):
    """Paused while a build plans (build._collector_paused), on for workers, and as the caller had it after."""
    import gc
    import shutil

    from conftest import REPO

    from archive import interviews, jobs
    from archive.build import build

    monkeypatch.setattr(interviews, "PARALLEL_FROM", 2)  # the sample's 4 interviews go to workers
    seen = []
    real = jobs._before_fork
    monkeypatch.setattr(jobs, "_before_fork", lambda *a, **k: (seen.append(gc.isenabled()), real(*a, **k)))
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        try:
            build(tmp_path / "interview", tmp_path / f"site-{enabled}", cache_dir=tmp_path / f"cache-{enabled}",
                  search=False, jobs=2)
            assert gc.isenabled() is enabled
        finally:
            gc.enable()
    assert seen == [True, True]  # the workers were forked with the collector on
