"""Incremental builds: what each kind of change rebuilds, and a cache that can never make a wrong site."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from archive.build import build

from conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from synth import generate  # noqa: E402


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    shutil.copytree(REPO / "interview", proj / "interview")
    shutil.copytree(REPO / "templates", proj / "templates")
    return proj


def _build(project: Path):
    return build(project / "interview", project / "site")


def _pages(written) -> set[str]:
    """Written files other than the search bundles (which change whenever indexed text does)."""
    return {rel for rel in written if "/pagefind/" not in rel}


def _searched(written) -> set[str]:
    """The scripts whose search bundle was rewritten."""
    return {rel.split("/")[0] for rel in written if "/pagefind/" in rel}


def _count(project: Path) -> int:
    return len(list((project / "interview").glob("*/index.md")))


def test_nothing_changed_writes_nothing(project):
    first = _build(project)
    assert first.made == _count(project) and len(first.written) == first.files
    stamp = {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")}
    again = _build(project)
    assert again.written == () and again.made == 0
    assert {p: p.stat().st_mtime_ns for p in (project / "site").rglob("*")} == stamp


def test_editing_one_interview_rewrites_only_its_pages(project):
    _build(project)
    source = project / "interview/river-archive/index.md"
    source.write_text(source.read_text(encoding="utf-8").replace("一号藏品", "头号藏品"), encoding="utf-8")
    report = _build(project)
    assert report.made == 1
    assert sorted(_pages(report.written)) == ["zh-hans/river-archive/index.html", "zh-hans/river-archive/interview.json",
                                              "zh-hant/river-archive/index.html", "zh-hant/river-archive/interview.json"]
    assert _searched(report.written) == {"zh-hant", "zh-hans"}  # the edited words are indexed again
    assert "頭號藏品" in (project / "site/zh-hant/river-archive/index.html").read_text(encoding="utf-8")


def test_a_summary_change_also_rewrites_the_indexes(project):
    _build(project)
    source = project / "interview/lighthouse-keeper/index.md"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("summary: ", "summary: 新摘要。", 1), encoding="utf-8")
    report = _build(project)
    assert {"zh-hant/index.html", "zh-hans/index.html"} <= set(report.written)
    # the interview, the indexes (and its year page), the feeds and the search bundles
    assert all("lighthouse-keeper" in rel or rel.endswith("/index.html") and rel.count("/") == 1
               or rel.endswith("/2026/index.html") or rel.endswith("/feed.xml") for rel in _pages(report.written))


@pytest.mark.parametrize("change, expect_made, expect_written", [
    ("template", "all", {"interview pages"}),
    ("asset", 0, {"assets/style.css"}),
    ("settings", "all", {"every Traditional page"}),
    ("glossary", "all", {"zh-hant/river-archive/index.html", "zh-hant/river-archive/interview.json"}),
    ("image", 1, {"media/river-archive/ferry.svg"}),
])
def test_each_input_kind_invalidates_what_depends_on_it(project, change, expect_made, expect_written):
    clean = _build(project)
    if change == "template":
        path = project / "templates/interview.html"
        path.write_text(path.read_text(encoding="utf-8").replace('class="eyebrow"', 'class="eyebrow dated"'),
                        encoding="utf-8")
    elif change == "asset":
        path = project / "templates/assets/style.css"
        path.write_text(path.read_text(encoding="utf-8") + "\n/* changed */\n", encoding="utf-8")
    elif change == "settings":
        path = project / "interview/archive.yml"
        path.write_text(path.read_text(encoding="utf-8").replace("海港日報訪談錄", "海港日報訪談集"), encoding="utf-8")
    elif change == "glossary":
        path = project / "interview/glossary.yml"
        path.write_text(path.read_text(encoding="utf-8") + "- {hant: 頭號藏品, hans: 一号藏品}\n", encoding="utf-8")
    elif change == "image":
        path = project / "interview/river-archive/ferry.svg"
        path.write_text(path.read_text(encoding="utf-8").replace("</svg>", "<!-- retouched --></svg>"),
                        encoding="utf-8")
    report = _build(project)
    assert report.made == (_count(project) if expect_made == "all" else expect_made)
    written = set(report.written)
    if expect_written == {"interview pages"}:
        slugs = [p.parent.name for p in (project / "interview").glob("*/index.md")]
        assert {r for r in written if r.endswith("index.html") and r.count("/") == 2} == {
            f"{d}/{s}/index.html" for d in ("zh-hant", "zh-hans") for s in slugs}
    elif expect_written == {"every Traditional page"}:  # and the root page; the Simplified title is the same
        assert written == {"index.html", "zh-hant/feed.xml"} | {
            r for r in _tree(project / "site") if r.startswith("zh-hant/") and r.endswith(".html")}
    elif change == "glossary":  # the Traditional page and the Traditional search index
        assert _pages(written) == expect_written and _searched(written) == {"zh-hant"}
    else:
        assert written == expect_written
    # and the result is exactly what a build without any cache makes
    fresh = project.parent / "fresh"
    shutil.copytree(project / "interview", fresh / "interview")
    shutil.copytree(project / "templates", fresh / "templates")
    build(fresh / "interview", fresh / "site", cache_dir=False)
    assert _tree(fresh / "site") == _tree(project / "site")
    assert clean.files == report.files


def test_a_corrupt_cache_never_makes_a_wrong_site(project):
    _build(project)
    good = _tree(project / "site")
    shutil.rmtree(project / "site")
    cache = project / ".archive-cache"
    entries = [p for p in cache.rglob("*") if p.is_file()]
    assert len(entries) > 10
    for number, path in enumerate(entries):  # damage every entry, in several ways
        data = path.read_bytes()
        if number % 3 == 0:
            path.write_bytes(data[: len(data) // 2])
        elif number % 3 == 1:
            path.write_bytes(data[:-5] + b"XXXXX")
        else:
            path.write_bytes(b"")
    report = _build(project)
    assert _tree(project / "site") == good
    assert report.made == _count(project)  # everything was made again


def test_a_stale_entry_with_a_valid_checksum_is_never_used_for_other_inputs(project):
    """Keys cover every input: even a well-formed entry cannot stand in for a changed source."""
    _build(project)
    source = project / "interview/lighthouse-keeper/index.md"
    source.write_text(source.read_text(encoding="utf-8").replace("守燈人", "看燈人"), encoding="utf-8")
    _build(project)
    assert "看燈人" in (project / "site/zh-hant/lighthouse-keeper/index.html").read_text(encoding="utf-8")
    source.write_text(source.read_text(encoding="utf-8").replace("看燈人", "守燈人"), encoding="utf-8")
    report = _build(project)  # back to the first text: served from the cache, and right
    assert report.made == 1 and dict(report.stages)["convert"] == 0.0  # remade from cached entries, nothing converted
    assert "看燈人" not in (project / "site/zh-hant/lighthouse-keeper/index.html").read_text(encoding="utf-8")


def test_deleting_the_cache_is_safe(project):
    _build(project)
    good = _tree(project / "site")
    shutil.rmtree(project / ".archive-cache")
    report = _build(project)
    assert report.written == () and _tree(project / "site") == good


def test_parallel_cold_build_equals_a_serial_one(tmp_path):
    archive = generate(tmp_path / "synth", 12)
    shutil.copytree(REPO / "templates", tmp_path / "synth" / "templates")
    build(archive, tmp_path / "serial", jobs=1, cache_dir=False)
    report = build(archive, tmp_path / "parallel", jobs=2, cache_dir=tmp_path / "cache")
    assert report.made == 12
    assert _tree(tmp_path / "serial") == _tree(tmp_path / "parallel")


@pytest.fixture
def synthetic(tmp_path: Path) -> Path:
    generate(tmp_path / "big", 16)
    shutil.copytree(REPO / "templates", tmp_path / "big" / "templates")
    build(tmp_path / "big" / "interview", tmp_path / "big" / "site", jobs=1)
    return tmp_path / "big"


def test_a_small_change_is_replaced_in_place_and_equals_a_fresh_build(synthetic):
    site = synthetic / "site"
    victim = synthetic / "interview/synthetic-00003/index.md"
    victim.write_text(victim.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
    shutil.rmtree(synthetic / "interview/synthetic-00005")  # and one interview removed
    report = build(synthetic / "interview", site, jobs=1)
    # the edited and the removed interview; every site-wide page lists interviews, so they follow
    assert report.made == 1 and {r for r in _pages(report.written) if r.count("/") == 2 and not r.split("/")[1].isdigit()
                                  and r.split("/")[1] not in ("people", "notes")} == {
        f"{d}/synthetic-00003/{f}" for d in ("zh-hant", "zh-hans") for f in ("index.html", "interview.json")}
    assert not (site / "zh-hant/synthetic-00005").exists() and not (site / "media/synthetic-00005").exists()
    assert not [p for p in site.rglob("*") if ".archive-new" in p.name]
    fresh = synthetic.parent / "fresh"
    shutil.copytree(synthetic / "interview", fresh / "interview")
    shutil.copytree(synthetic / "templates", fresh / "templates")
    build(fresh / "interview", fresh / "site", cache_dir=False, jobs=1)
    assert _tree(fresh / "site") == _tree(site)


def test_a_failure_during_an_in_place_write_leaves_the_site_as_it_was(synthetic, monkeypatch):
    import archive.outfs as outfs
    from archive.errors import ArchiveError

    site = synthetic / "site"
    before = _tree(site)
    victim = synthetic / "interview/synthetic-00003/index.md"
    victim.write_text(victim.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
    calls = 0
    real_write = outfs.write_new

    def failing_write(folder, name, content):
        nonlocal calls
        calls += 1
        if calls == 3:
            raise OSError(28, "No space left on device")
        real_write(folder, name, content)

    monkeypatch.setattr(outfs, "write_new", failing_write)
    with pytest.raises(ArchiveError, match="No space left on device; free some disk space"):
        build(synthetic / "interview", site, jobs=1)
    assert calls == 3
    assert _tree(site) == before
    assert not [p for p in site.rglob("*") if ".archive-new" in p.name]
