"""The render side's cache entries: long HTML kept as raw segments, a page's JSON, and which entries pruning keeps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from archive import codec
from archive.cache import Cache
from archive.parse import parse_interview
from archive.serialize import SCHEMA_VERSION, interview_json, to_data

from conftest import REPO


def _view() -> dict:
    body = Markup('<p class="x">「引號」與 "quotes" ' + "長段落。" * 400 + "</p>")
    return {"views": {"hant": {"body": body, "short": Markup("<em>短</em>"), "n": 3, "none": None}},
            "list": [body, Markup("<i>i</i>" * 300)]}


def test_long_html_is_stored_after_the_json_and_comes_back_as_markup():
    value = _view()
    payload = codec.dumps(value)
    assert payload.startswith(b"\x01")
    head, _, rest = payload.partition(b"\n")
    sizes = [int(n) for n in head[1:].split()]
    assert len(sizes) == 4 and sum(sizes) == len(rest)  # the JSON, then three long fragments
    assert "長段落".encode() not in rest[:sizes[0]]  # not inside the JSON
    back = codec.loads(payload)
    assert back == value
    assert type(back["views"]["hant"]["body"]) is Markup and type(back["list"][1]) is Markup
    assert codec.loads(codec.dumps({"short": Markup("<b>b</b>")})) == {"short": Markup("<b>b</b>")}
    assert not codec.dumps({"short": Markup("<b>b</b>")}).startswith(b"\x01")


@pytest.mark.parametrize("damage", [
    lambda p: p[:-1],                                   # a segment cut short
    lambda p: p + b"x",                                 # more bytes than the lengths say
    lambda p: b"\x01" + b"99999" + p[p.index(b" "):],   # a JSON length that does not fit
    lambda p: b"\x01abc\n" + p[p.index(b"\n") + 1:],    # lengths that are not numbers
    lambda p: b"\x01",                                   # nothing after the marker
    lambda p: p.replace(b'"i":1', b'"i":7', 1),         # a reference to a segment that is not there
    lambda p: p.replace(b'"i":1', b'"i":"1"', 1),       # a reference that is not a number
])
def test_a_damaged_segmented_payload_is_a_miss_never_a_wrong_value(damage):
    payload = codec.dumps(_view())
    with pytest.raises(ValueError):
        codec.loads(damage(payload))


def test_an_entry_is_the_json_the_standard_encoder_writes_and_any_number_comes_back(monkeypatch):
    """orjson writes entries (codec._json) where installed: the same bytes as the json module's (floats
    aside, which read back the same); numbers it cannot write (beyond 64 bits) or JSON cannot hold (not
    finite) come back as they were stored."""
    value = {"views": {"hant": {"t": "「引號」\u2028\x00\x7f\"\\", "n": -3, "f": 0.1, "e": 1e300, "b": True}},
             "list": [None, Markup("<i>i</i>"), 2 ** 63 - 1]}
    fast = codec.dumps(value)
    monkeypatch.setattr(codec, "orjson", lambda: None)
    assert codec.dumps(value) == fast
    monkeypatch.undo()
    assert codec.loads(fast) == value
    odd = {"big": 2 ** 80, "small": -(2 ** 70), "floats": [float("inf"), float("-inf"), 2.5]}
    assert codec.loads(codec.dumps(odd)) == odd
    import math

    assert math.isnan(codec.loads(codec.dumps([float("nan")]))[0])
    with pytest.raises(ValueError):
        codec.loads(b'{"@":"float","v":"1e999999"}')  # only the three names a non-finite float is stored as


def test_a_view_made_of_fields_is_stored_as_plain_objects():
    """A view's mappings are Fields from the start (context.interview_view): the same bytes as dicts."""
    from archive.jinjaenv import Fields

    plain = {"a": [{"b": Markup("<i>x</i>"), "c": 1}], "d": {"e": None}}
    made = Fields(a=[Fields(b=Markup("<i>x</i>"), c=1)], d=Fields(e=None))
    assert codec.dumps(made) == codec.dumps(plain)
    assert codec.loads(codec.dumps(made), Fields) == plain
    with pytest.raises(TypeError):
        codec.register_mapping(list)
    with pytest.raises(TypeError):  # a key the codec reserves is refused in a mapping of any kind
        codec.dumps(Fields({"@": "html", "v": "x"}))


def test_a_finite_value_written_by_orjsons_walk_is_the_entry_the_codecs_walk_writes():
    """``finite`` (a view): orjson walks the value itself, calling back for HTML, mappings, dataclasses
    and dates; the bytes are the codec's own, and a value that walk cannot vouch for (a key "@", a
    number beyond 64 bits, a class not registered) gets the codec's answer, an entry or a TypeError."""
    import datetime as dt

    from archive.errors import Code, Diagnostic
    from archive.jinjaenv import Fields
    from archive.model import Span, Text

    value = {"views": Fields(hant=Fields(body=_view()["views"]["hant"]["body"], short=Markup("<b>b</b>"),
                                         items=[Fields(n=1, ok=True, none=None), ("a", Markup("<i>i</i>"))])),
             "outline": {"date": dt.date(2020, 2, 29), "spans": (Span("a.md", 3, 2),), "text": Text("t"),
                         "anchors": frozenset({"q02", "q01"}), "none": frozenset(), "numbers": frozenset({2, 1}),
                         "diagnostics": (Diagnostic.make(Code.MD002, "a.md", 4, "m"),), "f": 0.25}}
    assert codec._walked(value, []) is not None
    assert codec.dumps(value, finite=True) == codec.dumps(value)
    assert codec.loads(codec.dumps(value, finite=True)) == codec.loads(codec.dumps(value))
    assert codec.dumps(value, [("ab" * 32, _page(_view()).encode())], finite=True) == \
        codec.dumps(value, [("ab" * 32, _page(_view()).encode())])
    for odd in ({"a": {"@": "html", "v": "x"}}, Fields({"@": "date", "v": "2020-01-01"}),
                {"big": 2 ** 80}, {"set": frozenset({dt.date(2020, 1, 1)})}):  # a tag inside a tag
        assert codec._walked(odd, []) is None  # the codec's walk decides
        try:
            expected = codec.dumps(odd)
        except TypeError:
            with pytest.raises(TypeError):
                codec.dumps(odd, finite=True)
        else:
            assert codec.dumps(odd, finite=True) == expected
    with pytest.raises(TypeError):
        codec.dumps({"x": object()}, finite=True)


def test_every_view_a_build_stores_is_written_by_orjsons_walk(tmp_path, monkeypatch):
    """The views of the sample archive (outline, both scripts' HTML pieces) are all values that walk
    vouches for: none falls back to the codec's own, slower walk."""
    import shutil

    from archive.build import build
    from conftest import REPO

    shutil.copytree(REPO / "interview", tmp_path / "interview")
    walked = codec._walked
    results = []
    monkeypatch.setattr(codec, "_walked", lambda value, segments: results.append(walked(value, segments)) or
                        results[-1])
    build(tmp_path / "interview", tmp_path / "site", search=False, jobs=1)
    assert len(results) >= 3 and all(result is not None for result in results)  # one an interview


def _page(value: dict) -> str:
    """A page holding the view's long HTML in order, with markup around it, as a template makes one."""
    return "<html><main>" + "<hr>".join([value["views"]["hant"]["body"], value["list"][0],
                                          value["list"][1]]) + "</main></html>"


def test_long_html_a_page_holds_is_stored_as_its_place_in_that_page():
    """A view's entry names where its long HTML is in its pages (blobs of the cache) instead of holding
    a copy; loading takes it from the page, checked; a page gone (or none given) makes the entry a miss."""
    value = _view()
    page = _page(value)
    key = "ab" * 32
    payload = codec.dumps(value, [("cd" * 32, b"<p>another page</p>"), (key, page.encode())])
    assert "長段落".encode() not in payload and len(payload) < len(codec.dumps(value)) / 5
    pages = {key: page.encode()}
    back = codec.loads(payload, blob=pages.get)
    assert back == value and type(back["list"][1]) is Markup
    for blob in (None, {}.get, lambda k: None):
        with pytest.raises(ValueError):
            codec.loads(payload, blob=blob)
    with pytest.raises(ValueError):  # a place beyond the page's text
        codec.loads(payload, blob={key: b"<p>short</p>"}.get)
    inside = page.encode().index("「".encode()) + 1  # a cut inside a character
    for planted in (b"../../etc/passwd:0:5", key.encode() + b":9:2", key.upper().encode() + b":0:5",
                    key.encode() + f":{inside}:{inside + 6}".encode()):
        head, _, rest = payload.partition(b"\n")
        parts = head.split(b" ")
        parts[1] = planted
        with pytest.raises(ValueError):
            codec.loads(b" ".join(parts) + b"\n" + rest, blob=lambda k: page.encode())


def test_long_html_no_page_holds_is_stored_as_it_is():
    """Pieces a template does not show verbatim are stored whole (only pieces after them are sought
    further), and the entry loads without any page."""
    value = _view()
    moved = {"views": {"hant": dict(value["views"]["hant"])}, "list": list(reversed(value["list"]))}
    page = _page(value)
    payload = codec.dumps(moved, [("ab" * 32, page.encode())])
    head = payload.partition(b"\n")[0][1:].split(b" ")
    assert sum(b":" in part for part in head) == 2  # the body and the (now last) first list item
    assert codec.loads(payload, blob={"ab" * 32: page.encode()}.get) == moved
    assert codec.loads(codec.dumps(value, [("ab" * 32, b"<p>nothing of it</p>")])) == value


@settings(max_examples=400, deadline=None)
@given(text=st.binary(max_size=60).map(lambda b: bytes(98 + x % 2 for x in b)),
       raw=st.binary(min_size=1, max_size=9).map(lambda b: bytes(98 + x % 2 for x in b)),
       start=st.integers(0, 12), prefix=st.integers(1, 4))
def test_a_segment_is_found_where_a_whole_search_finds_it(text, raw, start, prefix):
    """Seeking a segment by its first bytes and comparing the rest finds what ``bytes.find`` finds,
    on texts of two letters where a prefix matches often and the whole rarely."""
    was = codec._PREFIX
    codec._PREFIX = prefix
    try:
        assert codec._find(text, raw, start) == text.find(raw, start)
    finally:
        codec._PREFIX = was


def test_a_segment_reference_outside_a_segmented_payload_is_refused():
    with pytest.raises(ValueError):
        codec.loads(json.dumps({"a": {"@": "seg", "i": 0}}).encode())


def test_interview_json_is_the_documented_data_of_the_model():
    """The encoder's fast path writes exactly what the generic walk (``to_data``) describes."""
    checked = 0
    for path in sorted((REPO / "interview").glob("*/index.md")):
        parsed = parse_interview(path.read_text(encoding="utf-8"), str(path), str(path.parent))
        if parsed.interview is None:
            continue
        checked += 1
        data = to_data(parsed.interview)
        del data["folder"], data["draft"]
        expected = json.dumps({"schema": SCHEMA_VERSION, "interview": data}, ensure_ascii=False,
                              separators=(",", ":")) + "\n"
        assert interview_json(parsed.interview) == expected.encode("utf-8")
    assert checked >= 2


def test_interview_json_refuses_what_is_not_model_data():
    class Stranger:
        pass

    with pytest.raises(TypeError):
        from archive.serialize import _object
        _object(Stranger())


def test_pruning_keeps_the_entries_a_build_used_and_removes_those_unused_longest(tmp_path: Path):
    cache = Cache(tmp_path / "c")
    for n in range(4):
        cache.put("view", f"{n:02d}" * 32, {"n": Markup("x" * 2000)})
    old = 1_000_000_000
    for n, path in enumerate(sorted((tmp_path / "c/view").rglob("*"))):
        if path.is_file():
            os.utime(path, (old + n, old + n))  # made long ago, 00 first
    assert cache.get("view", "00" * 32) == {"n": Markup("x" * 2000)}  # used now
    size = next((tmp_path / "c/view").rglob("0000*")).stat().st_size
    removed, _ = cache.prune(max_bytes=2 * size)
    assert removed == 2
    assert cache.get("view", "00" * 32) is not None  # the oldest made, but just used
    assert cache.get("view", "03" * 32) is not None  # the newest of the unused ones
    assert cache.get("view", "01" * 32) is None and cache.get("view", "02" * 32) is None


def _templates(tmp_path: Path) -> Path:
    import shutil

    folder = tmp_path / "templates"
    shutil.copytree(REPO / "templates", folder)
    return folder


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_each_kind_of_page_is_keyed_by_the_templates_it_reads(tmp_path: Path):
    from archive.render import page_templates_key, site_templates_key

    folder = _templates(tmp_path)
    keys = lambda: (page_templates_key(folder), site_templates_key(folder))  # noqa: E731
    first = keys()
    _edit(folder / "interview.html", "{% block body %}\n", "{% block body %}\n<!-- visible -->\n")
    second = keys()
    assert second[0] != first[0] and second[1] == first[1]  # the site-wide pages never read it
    _edit(folder / "index.html", "{% extends", "<!-- index -->{% extends")
    third = keys()
    assert third[0] == second[0] and third[1] != second[1]  # nor do interview pages read the index's
    for shared in ("base.html", "blocks.html", "labels/zh-hant.yml"):
        before = keys()
        path = folder / shared
        path.write_bytes(path.read_bytes() + b"\n")
        after = keys()
        assert after[0] != before[0] and after[1] != before[1], shared


@pytest.mark.parametrize("reference", ['{% include "interview.html" ignore missing %}',
                                       "{% include page_name ignore missing %}", "{% broken"])
def test_a_template_that_may_read_the_interview_page_keeps_it_in_the_site_key(tmp_path: Path, reference: str):
    from archive.render import site_templates_key

    folder = _templates(tmp_path)
    _edit(folder / "404.html", "</", f"{reference}</")
    before = site_templates_key(folder)
    _edit(folder / "interview.html", "{% block body %}\n", "{% block body %}\n<!-- visible -->\n")
    assert site_templates_key(folder) != before


def test_an_interview_page_template_change_renders_no_site_wide_page(tmp_path: Path, monkeypatch):
    import shutil

    from archive import pages
    from archive.build import build

    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    folder = _templates(project)
    calls = []
    monkeypatch.setattr(pages, "SITE_PAGES", tuple(
        (lambda site, page=page: calls.append(page.__name__) or page(site)) for page in pages.SITE_PAGES))
    build(project / "interview", project / "site", search=False)
    assert calls
    calls.clear()
    _edit(folder / "interview.html", "{% block body %}\n", "{% block body %}\n<!-- visible -->\n")
    report = build(project / "interview", project / "site", search=False)
    assert calls == [] and report.made > 0
    assert all(rel.endswith("/index.html") and rel.count("/") == 2 for rel in report.written)
    assert b"<!-- visible -->" in (project / "site/zh-hans/river-archive/index.html").read_bytes()
    _edit(folder / "index.html", "{% extends", "<!-- index -->{% extends")
    report = build(project / "interview", project / "site", search=False)
    assert calls and report.made == 0  # the interviews' pages came from the cache


def test_a_view_loads_with_every_plain_object_as_the_mapping_templates_read():
    from archive.render import Fields

    value = {"views": {"hant": {"sections": [{"id": "s01", "body": Markup("<p>x</p>" * 300)}],
                                "source": {"outlet": Markup("<i>報</i>")}}}}
    for payload in (codec.dumps(value), codec.dumps({"short": [{"a": Markup("<b>b</b>")}]})):
        back = codec.loads(payload, Fields)
        assert back == codec.loads(payload)

        def every(node):
            if isinstance(node, dict):
                assert type(node) is Fields
                for item in node.values():
                    every(item)
            elif isinstance(node, list):
                for item in node:
                    every(item)
        every(back)
    assert type(codec.loads(codec.dumps(value), Fields)["views"]["hant"]["sections"][0]["body"]) is Markup


def test_a_page_template_change_keeps_what_later_builds_read_from_being_pruned_first(tmp_path: Path):
    """Summaries, search text and the pages' JSON are not loaded when only interview.html changed,
    yet the next edit needs them: the build marks them used (or the site holds them: see
    test_pages_are_stored_once_and_a_damaged_blob_is_never_linked), so pruning takes older page
    bytes first."""
    import shutil

    from archive.build import build
    from archive.cache import CACHE_DIR

    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    folder = _templates(project)
    build(project / "interview", project / "site")  # with search: its text is in the cache too
    cache = project / CACHE_DIR
    old = 1_000_000_000
    for path in cache.rglob("*"):
        if path.is_file():
            os.utime(path, (old, old))  # everything from the first build: long ago
    _edit(folder / "interview.html", "{% block body %}\n", "{% block body %}\n<!-- visible -->\n")
    build(project / "interview", project / "site")
    for kind in ("summary", "passages", "blob"):
        entries = [p for p in (cache / kind).rglob("*") if p.is_file()]
        assert entries and all(p.stat().st_mtime > old + 1 or (kind == "blob" and p.stat().st_nlink > 1)
                               for p in entries if kind != "blob" or _is_current(p, project)), kind
        # a blob the site holds too (hard-linked) keeps the site file's time; pruning never takes it


def _is_current(blob: Path, project: Path) -> bool:
    """Whether a blob holds a file of a current interview page (the previous pages' bytes are rightly
    stale; the site-wide pages' bytes are the site entry's business)."""
    import hashlib

    site = project / "site"
    pages = {hashlib.sha256(p.read_bytes()).hexdigest() for p in site.glob("zh-*/*/*")
             if p.name in ("index.html", "interview.json") and (p.parent / "interview.json").is_file()}
    return blob.name in pages


def test_a_prune_never_removes_what_the_build_that_ran_used(tmp_path: Path):
    """The working set of the last build stays whatever the bound: at N = 2,000 it is over 1 GiB, and
    removing part of it made the next builds convert those interviews again."""
    import os
    import time

    from archive.cache import Cache

    cache = Cache(tmp_path / "c")
    old = [cache.put_blob(f"old {i}".encode() * 100) for i in range(5)]
    past = time.time() - 3600
    for key in old:
        os.utime(cache._path("blob", key), (past, past))
    fresh = Cache(tmp_path / "c")  # the next build
    used = [fresh.put_blob(f"new {i}".encode() * 100) for i in range(5)]
    removed, _ = fresh.prune(max_bytes=1, keep_since=fresh.opened - 1)
    assert removed == 5
    assert all(fresh.get_blob(key) is not None for key in used)
    assert all(fresh.get_blob(key) is None for key in old)
    assert fresh.prune(max_bytes=1)[0] == 5  # without a working set to keep, the bound rules


def test_what_the_last_build_made_of_an_interview_comes_from_the_build_state(tmp_path: Path, monkeypatch):
    """A page template change takes each interview's outline from the build state (no source parsed, only
    views read); rendered pages, outlines and people's ids have no cache entry of their own; and without
    the state (a moved project, say) the same site is rendered again from the cached views, whose entry
    holds the outline too, still without parsing."""
    import shutil

    from archive import parse
    from archive.build import build
    from archive.cache import Cache

    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    folder = _templates(project)
    build(project / "interview", project / "site", templates=folder, search=False, jobs=1)
    cache = project / ".archive-cache"
    kinds = {p.name for p in cache.iterdir() if p.is_dir()}
    assert {"view", "summary", "blob"} <= kinds and not kinds & {"outline", "ids", "page"}, kinds

    def parsed(*args, **kwargs):
        raise AssertionError("a source was parsed again")
    read: list[str] = []
    get = Cache.get
    monkeypatch.setattr(parse, "parse_interview", parsed)
    monkeypatch.setattr(Cache, "get", lambda self, kind, key, *a, **k: read.append(kind) or get(self, kind, key, *a, **k))
    _edit(folder / "interview.html", "{% block body %}\n", "{% block body %}\n<!-- changed -->\n")
    report = build(project / "interview", project / "site", templates=folder, search=False, jobs=1)
    assert report.made > 0 and "view" in read and not set(read) & {"outline", "ids", "page"}
    site = {p.relative_to(project / "site"): p.read_bytes() for p in sorted((project / "site").rglob("*"))
            if p.is_file()}
    assert b"<!-- changed -->" in site[Path("zh-hans/river-archive/index.html")]

    shutil.rmtree(cache / "state")
    shutil.rmtree(cache / "stamp", ignore_errors=True)  # else nothing changed, as far as the build can tell
    read.clear()
    report = build(project / "interview", project / "site", templates=folder, search=False, jobs=1)
    assert report.made > 0 and "view" in read
    assert {p.relative_to(project / "site"): p.read_bytes() for p in sorted((project / "site").rglob("*"))
            if p.is_file()} == site


def test_a_view_holds_no_second_copy_of_its_pages_and_is_a_miss_once_they_are_gone(tmp_path: Path, monkeypatch):
    """Views name their long HTML's place in their pages (codec.dumps): an interview's view entry is a
    fraction of its pages. With the pages' blobs gone from the cache (the site keeps its own links), a
    template change parses the sources again and builds exactly what a cold build of it does."""
    import shutil

    from archive import parse
    from archive.build import build

    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    folder = _templates(project)
    build(project / "interview", project / "site", templates=folder, search=False, jobs=1)
    cache = project / ".archive-cache"
    views = sum(p.stat().st_size for p in (cache / "view").rglob("*") if p.is_file())
    pages = sum(p.stat().st_size for p in (project / "site").glob("zh-*/*/index.html"))
    assert 0 < views < pages / 2, (views, pages)
    shutil.rmtree(cache / "blob")
    _edit(folder / "interview.html", "{% block body %}\n", "{% block body %}\n<!-- changed -->\n")
    parsed = []
    real = parse.parse_interview
    monkeypatch.setattr(parse, "parse_interview", lambda *a, **k: parsed.append(a[1]) or real(*a, **k))
    report = build(project / "interview", project / "site", templates=folder, search=False, jobs=1)
    assert report.made == 3 and len(parsed) == 3  # parsed again: every view was a miss
    build(project / "interview", tmp_path / "cold", templates=folder, search=False, cache_dir=False)
    assert _files(project / "site") == _files(tmp_path / "cold")


def _files(site: Path) -> dict[Path, bytes]:
    return {p.relative_to(site): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_site_listing_whose_keys_are_not_hashes_is_a_miss(tmp_path: Path):
    """The site pages' listing names each file's blob by its hash: a planted one naming a path outside the
    cache is a miss (pages.cached_site_pages), and that file never reaches the site (nor the writer's checks)."""
    import shutil

    from archive.build import build

    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    build(project / "interview", project / "site", search=False, jobs=1)
    before = (project / "site/zh-hant/index.html").read_bytes()
    cache_dir = project / ".archive-cache"
    cache = Cache(cache_dir)
    [entry] = [p for p in (cache_dir / "site").rglob("*") if p.is_file()]
    listed = cache.get("site", entry.name)
    assert listed and "zh-hant/index.html" in listed
    outside = tmp_path / "outside.html"
    outside.write_bytes(b"<p>not the site</p>")
    listed["zh-hant/index.html"] = [str(outside), len(outside.read_bytes())]
    (project / "site/zh-hant/index.html").unlink()
    cache.put("site", entry.name, listed)
    shutil.rmtree(cache_dir / "stamp", ignore_errors=True)
    build(project / "interview", project / "site", search=False, jobs=1)
    assert (project / "site/zh-hant/index.html").read_bytes() == before
    assert outside.read_bytes() == b"<p>not the site</p>"
