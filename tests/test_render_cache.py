"""The render side's cache entries: long HTML kept as raw segments, a page's JSON, and which entries pruning keeps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
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
        from archive.serialize import _node
        _node(Stranger())


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
