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


def to_data(node: Any) -> Any:
    """A JSON-ready value for any model node."""
    if isinstance(node, (str, int, float, bool)) or node is None:
        return node
    if isinstance(node, dt.date):
        return node.isoformat()
    if isinstance(node, tuple):
        return [to_data(item) for item in node]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out: dict[str, Any] = {"type": type(node).__name__.lower()}
        for f in dataclasses.fields(node):
            out[f.name] = to_data(getattr(node, f.name))
        return out
    raise TypeError(f"cannot serialize {type(node).__name__}")


def interview_json(interview: Interview) -> bytes:
    """The bytes of ``interview.json``: deterministic, UTF-8, one trailing newline."""
    data = to_data(interview)
    data.pop("folder", None)  # a local path: not part of the published data
    data.pop("draft", None)  # published pages are never drafts; the flag is the build's business
    document = {"schema": SCHEMA_VERSION, "interview": data}
    # compact separators keep the C encoder (an indent falls back to a pure-Python one, ~10x slower)
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
