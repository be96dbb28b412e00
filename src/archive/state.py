"""The build state: what the last build made of each interview, kept between builds in one cache entry.

Owns the state's encoding. A rebuild reads the whole state (every
interview's keys, link targets, diagnostics and files, about 2 KB each) and
writes it again when anything changed, so at N = 1,000 its decoding and
encoding were a third of an edit-one rebuild through the generic cache codec
(ten tagged objects per interview, each built by a hook). Here an interview
is one plain JSON array in a fixed order, on a line of its own (JSON text
never holds a raw line break), decoded by the JSON parser alone; anchors
travel as one space-separated string (ids never contain spaces); only the
rare parts (diagnostics, links) go through :mod:`archive.codec`. The state
read remembers each interview's line, so that writing it again after an
edit encodes only the interviews made again and copies the others' lines
(at N = 1,000, 1 ms instead of 20). Anything that does not have the
expected shape makes the whole state a miss (every interview is made
again), never an error: like every cache entry it is data, checked, and
never trusted to name a path or run code.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from . import codec
from .cache import is_key
from .interviews import InterviewOutput
from .sources import LinkTargets

FORMAT = b"archive-state 3"
"""The first line of a state; then one line per interview."""


class State(dict):
    """The outputs a state holds, by folder, and the line each was read from (see :func:`dumps`)."""

    def __init__(self, outputs: dict[str, InterviewOutput] | None = None, lines: dict[str, bytes] | None = None):
        super().__init__(outputs or {})
        self.lines = lines or {}


def dumps(outputs: dict[str, InterviewOutput], previous: State | None = None) -> bytes:
    """The state of these interviews (by folder), as bytes; outputs with unsaved page bytes are left out.

    An output that is the very object ``previous`` read is written as the line it was read from.
    """
    kept, lines = {}, {}
    for folder, output in sorted(outputs.items()):
        if output.blobs:
            continue
        same = previous is not None and previous.get(folder) is output
        kept[folder] = output
        lines[folder] = previous.lines[folder] if same else _line(output)  # type: ignore[union-attr]
    payload = b"\n".join([FORMAT, *lines.values()])
    _remember(payload, State(kept, lines))
    return payload


def loads(payload: bytes | None) -> State:
    """The outputs a state holds, by folder; empty for anything :func:`dumps` did not make.

    The same bytes as this process last wrote or read give that state again, without decoding
    (``archive serve`` rebuilds in one process).
    """
    if payload is None:
        return State()
    if _LAST and _LAST[0] == payload:
        return _LAST[1]
    head, *lines = payload.split(b"\n")
    if head != FORMAT:
        return State()
    try:
        outputs = [_output(json.loads(line)) for line in lines]
    except (ValueError, TypeError, KeyError, AttributeError):
        return State()
    read = State({output.folder: output for output in outputs},
                 {output.folder: line for output, line in zip(outputs, lines)})
    _remember(payload, read)
    return read


_LAST: list = []
"""(payload, state) this process last wrote or read."""


def _remember(payload: bytes, read: State) -> None:
    _LAST[:] = [payload, read]


def _line(output: InterviewOutput) -> bytes:
    return json.dumps(_row(output), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _row(o: InterviewOutput) -> list[Any]:
    targets = None if o.targets is None else [o.targets.slug, o.targets.path, " ".join(sorted(o.targets.anchors)),
                                              codec.encode(o.targets.links) if o.targets.links else []]
    return [o.folder, o.parse_key, o.page_keys, codec.encode(o.diagnostics) if o.diagnostics else [], targets,
            o.failed_slug, o.date.isoformat() if isinstance(o.date, dt.date) else None, o.draft, list(o.images),
            o.view_keys, o.summary_keys, {rel: [key, size] for rel, (key, size) in o.files.items()},
            None if o.people is None else [o.people[0], o.people[1]]]


def _output(row: list[Any]) -> InterviewOutput:
    folder, parse_key, page_keys, diagnostics, targets, failed_slug, date, draft, images, view_keys, \
        summary_keys, files, people = row
    if targets is not None:
        slug, path, anchors, links = targets
        targets = LinkTargets(_text(slug), _text(path), frozenset(_text(anchors).split()),
                              _tuple(codec.decode(links, True)) if links else ())
    return InterviewOutput(
        _text(folder), _text(parse_key), _keys(page_keys),
        _tuple(codec.decode(diagnostics, True)) if diagnostics else (), targets,
        None if failed_slug is None else _text(failed_slug),
        date=None if date is None else dt.date.fromisoformat(_text(date)), draft=draft is True,
        images=tuple(_text(name) for name in images), view_keys=_keys(view_keys), summary_keys=_keys(summary_keys),
        files={_text(rel): (_key(key), _size(size)) for rel, (key, size) in files.items()},
        people=None if people is None else _people(people))


def _people(value: Any) -> tuple[str, dict[str, str]]:
    if type(value) is not list or len(value) != 2:
        raise TypeError("expected people's names and ids in the build state")
    return _key(value[0]), _keys(value[1])


def _text(value: Any) -> str:
    if type(value) is not str:
        raise TypeError("expected text in the build state")
    return value


def _key(value: Any) -> str:
    if not is_key(value):  # it names the file's blob in the cache: never a path of its own
        raise TypeError("expected a content hash in the build state")
    return value


def _size(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise TypeError("expected a size in the build state")
    return value


def _keys(value: Any) -> dict[str, str]:
    if type(value) is not dict:
        raise TypeError("expected keys in the build state")
    return {_text(k): _text(v) for k, v in value.items()}


def _tuple(value: Any) -> tuple:
    if type(value) is not tuple:
        raise TypeError("expected a list in the build state")
    return value
