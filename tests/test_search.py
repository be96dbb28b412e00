"""The sharded search index: how interviews are grouped, what one edit re-indexes, how shards are laid out."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import archive.search as search
from archive.build import build
from archive.search import LISTING, shard_count, shard_of, split

from conftest import SAMPLE, TEMPLATES


def _rels(folder: str, n: int) -> list[str]:
    return [f"{folder}/interview-{i:04d}/interview.json" for i in range(n)]


def test_shard_count_is_the_smallest_power_of_two_keeping_shards_at_most_shard_size():
    size = search.SHARD_SIZE
    assert [shard_count(n) for n in (0, 1, size)] == [1, 1, 1]
    assert shard_count(size + 1) == 2 and shard_count(2 * size) == 2 and shard_count(2 * size + 1) == 4
    assert shard_count(1000) * size >= 1000 > shard_count(1000) * size // 2


def test_interviews_go_to_shards_by_a_stable_hash_of_their_slug():
    parts = split(_rels("zh-hant", 1000) + _rels("zh-hans", 1000))
    count = shard_count(1000)
    assert {name.split("/")[0] for name in parts} == {"zh-hant", "zh-hans"}
    assert len(parts) == 2 * count
    for name, rels in parts.items():
        folder, number = name.split("/")
        assert all(rel.startswith(f"{folder}/") and shard_of(rel.split("/")[1], count) == int(number) for rel in rels)
    assert max(len(r) for r in parts.values()) < 2 * search.SHARD_SIZE  # the hash spreads them
    # the same slug lands in the same numbered shard of both scripts, in any process (sha256, not hash())
    assert shard_of("interview-0007", 16) == int.from_bytes(
        __import__("hashlib").sha256(b"interview-0007").digest()[:8], "big") % 16


def test_adding_or_editing_one_interview_changes_one_shard_per_script():
    before = split(_rels("zh-hant", 999) + _rels("zh-hans", 999))
    after = split(_rels("zh-hant", 1000) + _rels("zh-hans", 1000))
    changed = {name for name in after if after[name] != before.get(name)}
    number = shard_of("interview-0999", shard_count(1000))
    assert changed == {f"zh-hant/{number}", f"zh-hans/{number}"}


@pytest.fixture
def sharded(monkeypatch):
    """The sample archive indexed one interview per shard (three interviews: several shards per script)."""
    monkeypatch.setattr(search, "SHARD_SIZE", 1)
    runs: list[int] = []
    real = search._run_pagefind
    monkeypatch.setattr(search, "_run_pagefind", lambda pages: runs.append(len(pages)) or real(pages))
    return runs


def test_shards_are_laid_out_first_in_the_bundle_then_in_numbered_folders(tmp_path, sharded):
    out = tmp_path / "site"
    build(SAMPLE, out, TEMPLATES, cache_dir=False)
    interviews = len(list(SAMPLE.glob("*/index.md")))
    shards = 0
    for folder in ("zh-hant", "zh-hans"):
        bundle = out / folder / "pagefind"
        listing = json.loads((bundle / LISTING).read_text(encoding="utf-8"))
        assert len(listing["shards"]) >= 1, "the sample should make more than one shard at one interview each"
        shards += 1 + len(listing["shards"])
        entries = [bundle / "pagefind-entry.json"] + [bundle / s / "pagefind-entry.json" for s in listing["shards"]]
        assert sum(json.loads(e.read_text())["languages"]["en"]["page_count"] for e in entries) == interviews
        for shard in listing["shards"]:  # Pagefind's script and WebAssembly are published once
            assert shard.rstrip("/").isdigit() and (bundle / shard / "index").is_dir()
            assert not (bundle / shard / "pagefind.js").exists() and not list((bundle / shard).glob("wasm.*"))
        assert (bundle / "pagefind.js").is_file() and (bundle / "pagefind-worker.js").is_file()
        assert not (bundle / "counts.json").exists() and not list(bundle.rglob("counts.json"))
    assert len(sharded) == shards and sum(sharded) == 2 * interviews  # one Pagefind run per shard


def _built(tmp_path: Path) -> Path:
    """A copy of the sample project (archive and templates), built once with its search index."""
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project / "interview")
    shutil.copytree(TEMPLATES, project / "templates")
    build(project / "interview", project / "site")
    return project


def test_an_edit_re_indexes_one_shard_per_script_and_equals_a_fresh_build(tmp_path, sharded):
    project = _built(tmp_path)
    sharded.clear()
    report = build(project / "interview", project / "site")
    assert sharded == [] and report.written == ()
    source = project / "interview/river-archive/index.md"
    source.write_text(source.read_text(encoding="utf-8").replace("一号藏品", "头号藏品"), encoding="utf-8")
    report = build(project / "interview", project / "site")
    shard = shard_of("river-archive", shard_count(len(list(SAMPLE.glob("*/index.md")))))
    together = sum(shard_of(p.parent.name, shard_count(3)) == shard for p in SAMPLE.glob("*/index.md"))
    assert sharded == [together, together]  # the edited interview's shard, in each script
    assert any("/pagefind/" in rel for rel in report.written)
    fresh = tmp_path / "fresh"
    build(project / "interview", fresh, project / "templates", cache_dir=False)
    assert _tree(fresh) == _tree(project / "site")


def test_a_damaged_shard_in_the_cache_is_a_miss(tmp_path, sharded):
    project = _built(tmp_path)
    first = _tree(project / "site")
    cache = project / ".archive-cache"
    assert cache.is_dir()
    for path in cache.rglob("*"):  # every stored file cut short: each shard is made again, the same
        if path.is_file() and path.stat().st_size > 64:
            path.write_bytes(path.read_bytes()[:32])
    sharded.clear()
    shutil.rmtree(project / "site")
    build(project / "interview", project / "site")
    assert sharded and _tree(project / "site") == first


def test_pagefind_failing_is_one_clear_error(tmp_path, monkeypatch):
    from archive.errors import BuildError

    monkeypatch.setattr(search, "_executable", lambda: Path("/bin/false"))
    with pytest.raises(BuildError) as caught:
        build(SAMPLE, tmp_path / "site", TEMPLATES, cache_dir=False)
    assert "Pagefind failed while indexing" in str(caught.value) and "--no-search" in str(caught.value)
    assert not (tmp_path / "site").exists()


class _Bundle(dict):
    """A shard's bundle as Pagefind's output is read (a dict that can be followed by a weak reference)."""


def test_the_step_keeps_no_shard_s_bundle_once_stored_and_runs_one_pagefind_at_a_time(tmp_path, sharded, monkeypatch):
    """Each shard's files go to the cache when it is done; the step passes on readers, not bytes.

    Counted, not measured: every bundle read from Pagefind's output is followed by
    a weak reference, and when the shards are joined none is still held (before,
    the step held every shard's bundle until the site was written: 152 MB at
    N = 2,000). Pagefind runs one process at a time.
    """
    import gc
    import subprocess
    import weakref

    from archive.build import plan_site

    bundles: list[weakref.ref] = []
    real_read = search._read_bundle

    def read_bundle(folder):
        found = _Bundle(real_read(folder))
        bundles.append(weakref.ref(found))
        return found

    held_at_join: list[int] = []
    real_combine = search.combine

    def combine(parts, site):
        gc.collect()
        held_at_join.append(sum(ref() is not None for ref in bundles))
        return real_combine(parts, site)

    running, most = [0], [0]
    real_run = subprocess.run

    def run(*args, **kwargs):
        running[0] += 1
        most[0] = max(most[0], running[0])
        try:
            return real_run(*args, **kwargs)
        finally:
            running[0] -= 1

    monkeypatch.setattr(search, "_read_bundle", read_bundle)
    monkeypatch.setattr(search, "combine", combine)
    monkeypatch.setattr(search.subprocess, "run", run)
    plan = plan_site(SAMPLE, TEMPLATES, cache_dir=tmp_path / "cache")
    assert len(bundles) == len(sharded) >= 4 and held_at_join == [0]
    assert most[0] == 1
    bundle_files = {rel: e for rel, e in plan.files.items() if "/pagefind/" in rel and not rel.endswith(LISTING)}
    assert bundle_files and not any(isinstance(e.content, bytes) for e in bundle_files.values())
    out = tmp_path / "site"
    build(SAMPLE, out, TEMPLATES, cache_dir=False)  # the same files as a build that never used a cache
    assert {rel: e.read() for rel, e in bundle_files.items()} == {rel: (out / rel).read_bytes() for rel in bundle_files}


def test_a_stored_listing_naming_anything_but_a_blob_is_a_miss(tmp_path):
    from archive.cache import Cache
    from archive.postplan import _stored

    cache = Cache(tmp_path / "cache")
    blob = cache.put_blob(b"index")
    never = lambda: {}  # noqa: E731 - nothing is read in this test
    cache.put("post", "good", {"zh-hant/pagefind/index/a.pf_index": [blob, 5]})
    found = _stored(cache, "good", never)
    assert found is not None and found["zh-hant/pagefind/index/a.pf_index"].read() == b"index"
    for planted in (["../../../etc/passwd", 5], [blob.upper(), 5], [blob, -1], [blob], "x"):
        cache.put("post", "planted", {"zh-hant/pagefind/index/a.pf_index": planted})
        assert _stored(cache, "planted", never) is None


def _bundle_blobs(project: Path) -> list[Path]:
    """The cache's copies of the site's search bundle files (a blob's name is its content's hash)."""
    from archive.manifest import read_manifest

    hashes = {h for rel, h in read_manifest(project / "site").items() if "/pagefind/" in rel}
    return [p for p in (project / ".archive-cache/blob").rglob("*") if p.name in hashes]


def test_a_bundle_file_gone_from_the_cache_is_made_again_when_the_site_needs_it(tmp_path, sharded):
    project = _built(tmp_path)
    first = _tree(project / "site")
    blobs = _bundle_blobs(project)
    assert blobs
    for path in blobs:
        path.write_bytes(path.read_bytes()[:40])
    sharded.clear()
    shutil.rmtree(project / "site")
    build(project / "interview", project / "site")
    assert sharded and _tree(project / "site") == first


def test_pagefind_failing_while_the_site_is_written_leaves_it_as_it_was(tmp_path, sharded, monkeypatch):
    project = _built(tmp_path)
    for path in _bundle_blobs(project):
        path.unlink()
    gone = next(p for p in sorted((project / "site/zh-hant/pagefind").rglob("*")) if p.is_file() and p.name != LISTING)
    gone.unlink()  # the site needs it again: its stored copy is missing, so its shard is made again
    before = _tree(project / "site")
    from archive.errors import ArchiveError

    monkeypatch.setattr(search, "_executable", lambda: Path("/bin/false"))
    with pytest.raises(ArchiveError) as caught:  # a message for the user, not a traceback
        build(project / "interview", project / "site")
    assert "Pagefind failed while indexing" in str(caught.value) and "--no-search" in str(caught.value)
    assert _tree(project / "site") == before


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_build_without_search_makes_no_search_text_and_the_next_build_with_it_does(tmp_path, monkeypatch):
    """``--no-search`` (also ``archive serve`` and ``check``) neither makes nor stores the text for search;
    a build with search after it makes the text of every interview in its workers (not one at a time,
    in the step that indexes) and gives the site a fresh build with search gives."""
    from archive import build as build_module
    from archive import interviews

    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project / "interview")
    shutil.copytree(TEMPLATES, project / "templates")
    cache = project / ".archive-cache"
    build(project / "interview", project / "site", search=False)
    assert not (cache / "passages").exists()
    remade = []
    real = interviews.make_interview
    monkeypatch.setattr(build_module, "make_interview", lambda job: (remade.append(job), real(job))[1],
                        raising=False)
    report = build(project / "interview", project / "site")
    interviews_count = len(list(SAMPLE.glob("*/index.md")))
    assert report.made == interviews_count  # each one again, for its text alone (its pages were current)
    assert len(list((cache / "passages").rglob("*"))) >= 2 * interviews_count
    assert remade == []  # the indexing step found every text made
    fresh = tmp_path / "fresh"
    build(project / "interview", fresh, project / "templates", cache_dir=False)
    assert _tree(fresh) == _tree(project / "site")
    again = build(project / "interview", project / "site")
    assert again.made == 0 and again.written == ()
