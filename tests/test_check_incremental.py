"""The incremental ``archive check`` finds exactly what ``--full`` finds (issue 13 item 4).

An archive with deliberate errors, in a built site folder and in the site a
build plans, is checked after each edit twice: incrementally (summaries of
unchanged pages from the last check, files vouched for by their status) and
with ``--full`` (every page read again). The findings must be the same, and
the edits must make them change: one introduces a problem on a page that did
not change (its link's target lost an id), one removes problems. A stale,
moved or planted record, and a page changed behind an unchanged size and
modification time, are misses.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

import archive.check_state as check_state
from archive.build import build
from archive.cache import Cache
from archive.check import run_check

from test_check import _archive, read_pages  # noqa: F401  (read_pages: a fixture)

INTERVIEWS = {
    "one": "## 01. 一\n\n問：甲？\n\n乙，[見另一篇](two#s01)。[^a]\n\n## 02. 二\n\n問：丙？\n\n丁。\n\n[^a]: 注一。\n",
    "two": "## 01. 二\n\n問：戊？\n\n己。[^b]\n\n## 02. 三\n\n問：庚？\n\n辛。\n\n[^b]: 注二。\n",
    "three": "## 01. 三\n\n問：壬？\n\n癸。[^c]\n\n[^c]: 注三。\n[^d]: 沒有用到的注。\n",  # FN003
}


@pytest.fixture
def counted(read_pages, monkeypatch) -> list[str]:  # noqa: F811  (the fixture, by name)
    """The pages read (parsed) by each check; every status is vouched for at once (no racy window)."""
    monkeypatch.setattr(check_state, "RACY_NS", -10**12)  # a file's status counts at once
    return read_pages


def _same(root: Path, site: Path | None, read: list[str]) -> tuple[list, list[str]]:
    """The incremental check's findings (after asserting --full finds the same) and the pages it read."""
    read.clear()
    incremental = run_check(root, site)
    pages_read = sorted(read)
    full = run_check(root, site, full=True)
    assert incremental.diagnostics == full.diagnostics
    assert incremental.external == full.external and incremental.pages == full.pages
    return incremental.diagnostics, pages_read


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _codes(diagnostics, where: str) -> set[str]:
    return {d.code for d in diagnostics if where in d.path or where in d.message}


def test_a_built_site_after_edits_that_add_and_remove_problems(tmp_path, counted):
    root = _archive(tmp_path, INTERVIEWS)
    site = tmp_path / "site"
    build(root, site, search=False)
    clean = {rel: (site / rel).read_text(encoding="utf-8") for rel in ("zh-hant/one/index.html",
                                                                       "zh-hant/two/index.html")}
    assert 'href="../two/index.html#s01"' in clean["zh-hant/one/index.html"]
    # deliberate errors: a duplicate id, a lost backlink, an unused note (FN003 in the sources)
    _edit(site / "zh-hant/one/index.html", 'id="q02"', 'id="q01"')
    _edit(site / "zh-hans/two/index.html", 'role="doc-backlink"', 'role="presentation"')
    found, _ = _same(root, site, counted)
    assert {"FN003", "SITE003", "SITE006"} <= {d.code for d in found}
    again, read = _same(root, site, counted)
    assert again == found and read == []  # nothing changed: no page read, nothing hashed again

    # an edit that introduces a problem on a page that did not change: its link's target loses the id
    _edit(site / "zh-hant/two/index.html", 'id="s01"', 'id="s09"')
    after, read = _same(root, site, counted)
    assert read == ["zh-hant/one/index.html", "zh-hant/two/index.html"]  # one: only to name its failing link
    assert any(d.code == "SITE002" and d.path.endswith("zh-hant/one/index.html") and "two/index.html#s01'" in d.message
               for d in after)
    assert "SITE004" in {d.code for d in after} and len(after) > len(found)

    # an edit that removes problems: both hand-edited pages restored
    for rel, text in clean.items():
        (site / rel).write_text(text, encoding="utf-8")
    fixed, read = _same(root, site, counted)
    assert read == ["zh-hant/one/index.html", "zh-hant/two/index.html"]
    assert "SITE006" not in {d.code for d in fixed} and "SITE002" not in {d.code for d in fixed}
    assert {"FN003", "SITE003"} <= {d.code for d in fixed} and len(fixed) < len(found)


def test_a_change_behind_the_same_size_and_modification_time_is_read(tmp_path, counted):
    root = _archive(tmp_path, INTERVIEWS)
    site = tmp_path / "site"
    build(root, site, search=False)
    clean, _ = _same(root, site, counted)
    page = site / "zh-hans/one/index.html"
    before = os.stat(page)
    _edit(page, 'id="q02"', 'id="q01"')  # same size
    os.utime(page, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(page).st_size == before.st_size and os.stat(page).st_mtime_ns == before.st_mtime_ns
    damaged, read = _same(root, site, counted)
    assert read == ["zh-hans/one/index.html"] and "SITE006" in {d.code for d in damaged}
    assert damaged != clean


def test_stale_moved_and_planted_records_are_misses(tmp_path, counted):
    root = _archive(tmp_path, INTERVIEWS)
    site = tmp_path / "site"
    build(root, site, search=False)
    _edit(site / "zh-hant/one/index.html", 'id="q02"', 'id="q01"')
    found, _ = _same(root, site, counted)
    cache = Cache(root.parent / ".archive-cache")
    state = check_state.CheckState(cache, str(site.resolve()))
    summaries, statuses = state.old["summaries"], state.old["statuses"]
    assert "zh-hant/one/index.html" in summaries and "zh-hant/one/index.html" in statuses
    # the damaged page's record is swapped for its twin's (clean) one, and its status for the twin's
    for records in (summaries, statuses):
        records["zh-hant/one/index.html"] = records["zh-hans/one/index.html"]
    summaries["zh-hant/two/index.html"] = ["0" * 64, [], "", "", [], None, True, None]  # planted
    summaries["zh-hans/two/index.html"] = [summaries["zh-hans/two/index.html"][0], "not", "a", "summary"]
    for name, records in (("summaries", summaries), ("statuses", statuses)):
        cache.put_bytes(check_state.KIND, state.keys[name], json.dumps(records).encode())
    again, read = _same(root, site, counted)
    assert again == found
    assert read == ["zh-hans/two/index.html", "zh-hant/one/index.html", "zh-hant/two/index.html"]


CHANGED = {f"zh-{s}/{page}/index.html" for s in ("hant", "hans") for page in ("three", "notes")}
"""The pages a note added to or removed from interview three changes: its own and the notes index."""


def test_the_planned_site_after_source_edits(tmp_path, counted):
    root = _archive(tmp_path, INTERVIEWS)
    found, _ = _same(root, None, counted)
    assert [d.code for d in found] == ["FN003"]
    three = root / "three" / "index.md"
    original = three.read_text(encoding="utf-8")
    _edit(three, "癸。[^c]", "癸。[^c]\n\n子[^e]。\n\n[^e]: 又一個注。\n[^f]: 也沒有用到。")  # introduces FN003
    more, read = _same(root, None, counted)
    assert [d.code for d in more] == ["FN003", "FN003"] and set(read) == CHANGED
    three.write_text(original.replace("[^d]: 沒有用到的注。\n", ""), encoding="utf-8")  # removes both
    none, read = _same(root, None, counted)
    assert none == [] and set(read) == CHANGED
    shutil.rmtree(root.parent / ".archive-cache" / check_state.KIND)  # no state at all: every page read
    none, read = _same(root, None, counted)
    assert none == [] and len(read) == 2 + 2 * (1 + 3 + 2 + 1)  # root, 404; per script index, pages, people,
    #                                                               notes, the year


def test_a_summary_round_trips_packed_or_as_lists():
    from archive.check_page import PackedIds, Summary, id_set, need_items, pack, pack_needs

    cases = ((["s01", "q01", "n-a"], {"zh-hant/one/index.html": ["", "q01"], "assets/app.js": [""]}),
             (["with space", "", "q01"], {"a b.html": ["x y"], "c.html": ["line\nbreak"]}),  # a damaged page's
             ([], {}))
    for ids, needs in cases:
        packed_ids, packed_needs = pack(ids), pack_needs(needs)
        assert id_set(packed_ids) == set(ids)
        assert {target: fragments for _, target, fragments in need_items(packed_needs)} == needs
        summary = Summary("0" * 64, [(3, "SITE006", "id 'q01' is used twice on this page", "q01")], packed_ids,
                          packed_needs, ["https://example.org/"], None, True, ["1" * 64, []])
        data = json.loads(json.dumps(summary.to_data()))
        assert Summary.from_data(data) == summary
    assert pack(cases[0][0]) == "s01 q01 n-a"
    assert pack_needs(cases[0][1]) == "zh-hant/one/index.html  q01\nassets/app.js "
    assert pack(cases[1][0]) == cases[1][0] and pack_needs(cases[1][1]) == cases[1][1]
    ids = PackedIds("s01 q01 n-a")
    assert "q01" in ids and "n-a" in ids and "q0" not in ids and "s01 q01" not in ids and "" not in ids
