"""Model → JSON (``interview.json``), a stable, documented schema.

Each node becomes an object with its fields in declaration order; inline and
block nodes carry a ``"type"`` naming their kind (``text``, ``noteref``,
``question`` …), dates are ISO strings, spans are ``{"path", "line", "col"}``.
The schema is versioned by ``SCHEMA_VERSION`` and described in the README.
:func:`interview_json` writes the bytes ``json.dumps`` gives of
:func:`to_data`'s value with compact separators, without making that value:
with orjson, which calls back for each model node's fields only, or, where
orjson is not installed, with one writer per model class.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import operator
from json.encoder import encode_basestring
from typing import Any, Callable

from .codec import orjson
from .model import Interview, Span

SCHEMA_VERSION = 1


_ATOMS = frozenset({str, int, float, bool, type(None)})
_SHAPES: dict[type, tuple[str, tuple[str, ...]]] = {}


def _shape(cls: type) -> tuple[str, tuple[str, ...]]:
    """A model class's ``"type"`` name and field names, looked up once per class."""
    shape = _SHAPES.get(cls)
    if shape is None:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"cannot serialize {cls.__name__}")
        shape = _SHAPES[cls] = (cls.__name__.lower(), tuple(f.name for f in dataclasses.fields(cls)))
    return shape


def to_data(node: Any) -> Any:
    """A JSON-ready value for any model node.

    Dispatches on the exact type (a set lookup) and reads each class's fields
    once (``dataclasses.fields`` per node was half the cost of a page's JSON).
    """
    cls = type(node)
    if cls in _ATOMS:
        return node
    if cls is tuple or cls is list:
        return [item if type(item) in _ATOMS else to_data(item) for item in node]
    if isinstance(node, (str, int, float)):  # a subclass (an enum of str, Markup): as it is
        return node
    if isinstance(node, dt.date):
        return node.isoformat()
    if isinstance(node, tuple):
        return [to_data(item) for item in node]
    name, fields = _shape(cls)
    out: dict[str, Any] = {"type": name}
    for f in fields:
        value = getattr(node, f)
        out[f] = value if type(value) in _ATOMS else to_data(value)
    return out


LEFT_OUT = ("folder", "draft")
"""The interview's fields ``interview.json`` leaves out (see :func:`interview_json`)."""
_WRITERS: dict[type, Callable[[Any], str]] = {}
_TOP: dict[type, Callable[[Any], str]] = {}
"""The interview's own writer, without the fields left out of the file."""


def _writer(cls: type, skip: tuple[str, ...] = ()) -> Callable[[Any], str]:
    """The JSON text of one node of ``cls`` (an object: ``"type"``, then each field but ``skip``).

    The keys' text is made once per class and the fields read in one
    ``attrgetter`` call (a dict per node, walked by the encoder, was a third
    of a page's JSON).
    """
    name, fields = _shape(cls)
    fields = tuple(f for f in fields if f not in skip)
    head = "{" + encode_basestring("type") + ":" + encode_basestring(name)
    if not fields:
        return lambda node: head + "}"
    keys = ["," + encode_basestring(f) + ":" for f in fields]
    read = operator.attrgetter(*fields)
    if len(fields) == 1:
        key = keys[0]
        return lambda node: head + key + _value(read(node)) + "}"
    return lambda node: head + "".join([k + _value(v) for k, v in zip(keys, read(node))]) + "}"


def _value(value: Any) -> str:
    """The JSON text of one value, as the encoder below writes it."""
    cls = type(value)
    if cls is str:
        return encode_basestring(value)
    if cls is tuple:
        return "[" + ",".join([_value(item) for item in value]) + "]"
    write = _WRITERS.get(cls)
    if write is not None:
        return write(value)
    if value is None:
        return "null"
    if cls is int:
        return int.__repr__(value)
    if cls is bool:
        return "true" if value else "false"
    if dataclasses.is_dataclass(cls) and not isinstance(value, type):
        write = _WRITERS[cls] = _writer(cls)
        return write(value)
    return _ENCODER.encode(value)  # dates, booleans, lists, subclasses of text or numbers


_SPAN_HEADS: dict[str, str] = {}
"""``{"type":"span","path":…,"line":`` by path: every node of an interview has a span of the same file."""


def _span(span: Span) -> str:
    """A span's JSON (the commonest node: one per block, note reference and inline run)."""
    head = _SPAN_HEADS.get(span.path)
    if head is None:
        if len(_SPAN_HEADS) > 4096:  # one per source file: a long-lived process (archive serve) stays small
            _SPAN_HEADS.clear()
        head = _SPAN_HEADS[span.path] = '{"type":"span","path":' + encode_basestring(span.path) + ',"line":'
    line, col = span.line, span.col
    if type(line) is not int or type(col) is not int:
        return _writer(Span)(span)
    return f'{head}{line},"col":{col}}}'


_WRITERS[Span] = _span


def interview_json(interview: Interview) -> bytes:
    """The bytes of ``interview.json``: deterministic, UTF-8, one trailing newline (the data of :func:`to_data`).

    The interview's ``folder`` (a local path) and ``draft`` (published pages
    are never drafts; the flag is the build's business) are left out.
    Written by orjson where it is installed (see :func:`archive.codec.orjson`):
    the same bytes in a third less time; else, or for a value orjson refuses
    (a number beyond 64 bits), by :func:`_written`.
    """
    fast = orjson()
    if fast is not None:
        try:
            return fast.dumps({"schema": SCHEMA_VERSION, "interview": interview}, default=_object,
                              option=fast.OPT_PASSTHROUGH_DATACLASS | fast.OPT_APPEND_NEWLINE)
        except fast.JSONEncodeError:
            pass
    return _written(interview)


def _written(interview: Interview) -> bytes:
    """:func:`interview_json` by the writers above, without orjson."""
    write = _TOP.get(Interview)
    if write is None:
        write = _TOP[Interview] = _writer(Interview, skip=LEFT_OUT)
    document = "{" + encode_basestring("schema") + ":" + _value(SCHEMA_VERSION) + "," \
        + encode_basestring("interview") + ":" + write(interview) + "}"
    return (document + "\n").encode("utf-8")


_OBJECTS: dict[type, Callable[[Any], Any]] = {}


def _object(node: Any) -> Any:
    """The encoders' hook (orjson's, and the json module's in :func:`_value`) for what they do not write
    themselves: a model node as its ``"type"`` and fields, one level (they write the values, and call
    back for the nodes among them), or a date as ISO text; TypeError for anything else."""
    make = _OBJECTS.get(type(node))
    if make is None:
        make = _OBJECTS[type(node)] = _object_maker(type(node))
    return make(node)


def _object_maker(cls: type) -> Callable[[Any], Any]:
    if issubclass(cls, dt.date):
        return lambda node: node.isoformat()
    name, fields = _shape(cls)  # raises TypeError for anything that is not a model node
    if cls is Interview:
        fields = tuple(f for f in fields if f not in LEFT_OUT)
    if not all(field.isidentifier() for field in fields):  # dataclasses refuse such fields: never reached
        raise TypeError(f"cannot serialize {cls.__name__}: a field that is not a name")
    # one dict display reading each field, as dataclasses make their methods: half the time of a cold
    # build's interview.json (0.53 instead of 1.1 ms an interview) against a generic getter, zip and dict
    body = ", ".join([f"'type': {name!r}", *(f"{field!r}: node.{field}" for field in fields)])
    namespace: dict[str, Any] = {}
    exec(f"def make(node):\n    return {{{body}}}\n", namespace)  # noqa: S102 (field names, not input)
    return namespace["make"]


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_object)
"""What :func:`_value` hands what it does not write itself (compact separators keep the C encoder)."""
