"""Model → JSON (``interview.json``), a stable, documented schema.

Each node becomes an object with its fields in declaration order; inline and
block nodes carry a ``"type"`` naming their kind (``text``, ``noteref``,
``question`` …), dates are ISO strings, spans are ``{"path", "line", "col"}``.
The schema is versioned by ``SCHEMA_VERSION`` and described in the README.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from .model import Interview

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


def _node(node: Any) -> Any:
    """The JSON encoder's hook for what it cannot write itself: a model node (one level) or a date.

    Everything else :func:`to_data` would give as it is (text, numbers, their
    subclasses, lists and tuples) the C encoder writes without calling back,
    so a page's JSON costs one Python call per node instead of one per value.
    """
    cls = type(node)
    shape = _SHAPES.get(cls)
    if shape is not None:
        out: dict[str, Any] = {"type": shape[0]}
        for f in shape[1]:
            out[f] = getattr(node, f)
        return out
    if isinstance(node, dt.date):
        return node.isoformat()
    _shape(cls)  # raises TypeError for anything that is not a model node
    return _node(node)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_node)
"""Compact separators keep the C encoder (an indent falls back to a pure-Python one, ~10x slower)."""


def interview_json(interview: Interview) -> bytes:
    """The bytes of ``interview.json``: deterministic, UTF-8, one trailing newline (the data of :func:`to_data`)."""
    data = _node(interview)
    data.pop("folder", None)  # a local path: not part of the published data
    data.pop("draft", None)  # published pages are never drafts; the flag is the build's business
    document = {"schema": SCHEMA_VERSION, "interview": data}
    return (_ENCODER.encode(document) + "\n").encode("utf-8")
