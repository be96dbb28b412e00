"""The build state (archive.state): a round trip keeps every field, and anything malformed is a miss."""

from __future__ import annotations

import datetime as dt

from archive import state
from archive.errors import Code, Diagnostic
from archive.interviews import InterviewOutput
from archive.model import Link, Span, Text
from archive.sources import LinkTargets


def _output(folder: str, **changes) -> InterviewOutput:
    link = Link((Text("甲"),), "../other/#q01")
    values = dict(
        folder=folder, parse_key="p" * 64, page_keys={"hant": "a" * 64, "hans": "b" * 64},
        diagnostics=(Diagnostic.make(Code.CNV001, f"{folder}/index.md", 3, "a guess"),),
        targets=LinkTargets("slug-1", f"{folder}/index.md", frozenset({"q01", "s01", "n-n1"}),
                            ((link, Span(f"{folder}/index.md", 7, 2)),)),
        failed_slug=None, date=dt.date(2024, 2, 29), draft=True, images=("photo.svg", "燈 塔.png"),
        view_keys={"hant": "c" * 64, "hans": "d" * 64}, summary_keys={"hant": "e" * 64, "hans": "f" * 64},
        files={"zh-hant/slug-1/index.html": ("1" * 64, 10), "zh-hans/slug-1/index.html": ("2" * 64, 11)},
        people=("9" * 64, {"p1": "p-zhang-wei", "c1": "p-lin-yu"}))
    values.update(changes)
    return InterviewOutput(**values)


def test_a_round_trip_keeps_every_field():
    outputs = {"interview/a": _output("interview/a"),
               "interview/b": _output("interview/b", targets=None, failed_slug="b", diagnostics=(), date=None,
                                      draft=False, images=(), files={}, people=None)}
    assert state.loads(state.dumps(outputs)) == outputs  # dataclass equality: a new field not kept fails here


def test_outputs_holding_unsaved_bytes_are_left_out():
    kept = _output("interview/a")
    unsaved = _output("interview/b", blobs={"1" * 64: b"<p>"})
    assert state.loads(state.dumps({"interview/a": kept, "interview/b": unsaved})) == {"interview/a": kept}


def test_anything_malformed_is_an_empty_state():
    good = state.dumps({"interview/a": _output("interview/a")})
    for payload in (None, b"", b"\xff", b"[]", b"[2, []]", b'[1, [["x"]]]', b'{"@": "InterviewOutput"}',
                    good.replace(b'"photo.svg"', b"7"), good.replace(b"2024-02-29", b"2024-02-30"),
                    good.replace(b'"Diagnostic"', b'"Exploit"'),
                    good.replace(b'"' + b"1" * 64 + b'"', b'"../../../etc/passwd"'),  # a file's blob must be a hash:
                    good.replace(b'"' + b"1" * 64 + b'"', b'"' + b"1" * 63 + b'"'),  # the key names a cache file
                    good.replace(b'"p-lin-yu"', b"7"), good.replace(b'"' + b"9" * 64 + b'"', b'"names"'),
                    good.replace(b'["' + b"9" * 64 + b'",', b'['),  # people: one item, none, three
                    good.replace(b'["' + b"9" * 64 + b'",{"p1":"p-zhang-wei","c1":"p-lin-yu"}]', b"[]"),
                    good.replace(b'["' + b"9" * 64 + b'",{', b'["' + b"9" * 64 + b'",7,{')):
        assert state.loads(payload) == {}


def test_the_same_bytes_give_the_state_already_read_and_other_bytes_are_decoded():
    """``archive serve`` rebuilds in one process: the state it wrote is not decoded again."""
    payload = state.dumps({"interview/a": _output("interview/a")})
    first = state.loads(payload)
    assert state.loads(bytes(payload)) is first
    other = payload.replace(b"slug-1", b"slug-2")
    assert state.loads(other) is not first and state.loads(other)["interview/a"].targets.slug == "slug-2"
    assert state.loads(state.FORMAT + b"\n[]") == {} and state.loads(state.FORMAT) == {}
