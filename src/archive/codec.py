"""Plain data ⇄ values, for the build cache: JSON that can never run code when loaded.

Owns the one encoding of everything the cache stores: the model's frozen
dataclasses, diagnostics, dates and HTML fragments become JSON objects
tagged with ``"@"``; everything else is JSON as it is. Decoding builds only
the classes registered here (a fixed allow-list, looked up by name), so an
entry planted in the cache can at worst decode to a wrong value of a known
type, and a malformed one raises :class:`ValueError`, which the cache turns
into a miss. Lists inside a dataclass come back as tuples (every sequence
field of the model is a tuple), so a decoded model equals the original.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from markupsafe import Markup

from . import model
from .errors import Diagnostic, Severity

_CLASSES: dict[str, type] = {}


def register(*classes: type) -> None:
    """Allow these dataclasses to be stored (by class name, which must be unique)."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        _CLASSES[cls.__name__] = cls


register(*(value for value in vars(model).values()
           if isinstance(value, type) and dataclasses.is_dataclass(value)), Diagnostic)


def encode(value: Any) -> Any:
    """A JSON-ready value; raises TypeError for anything not plain data or registered."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, Markup):
        return {"@": "html", "v": str(value)}
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        if any(not isinstance(key, str) or key == "@" for key in value):
            raise TypeError("only dicts with string keys other than '@' are plain data")
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return {"@": "set", "v": sorted(encode(item) for item in value)}
    if isinstance(value, dt.date):
        return {"@": "date", "v": value.isoformat()}
    if isinstance(value, Severity):
        return int(value)
    cls = type(value)
    if _CLASSES.get(cls.__name__) is cls:
        out = {"@": cls.__name__}
        for f in dataclasses.fields(value):
            out[f.name] = encode(getattr(value, f.name))
        return out
    raise TypeError(f"cannot store a {cls.__name__} in the cache")


def decode(data: Any, in_dataclass: bool = False) -> Any:
    """The value ``encode`` was given; raises ValueError for anything it could not have made."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        items = [decode(item, in_dataclass) for item in data]
        return tuple(items) if in_dataclass else items
    if not isinstance(data, dict):
        raise ValueError(f"unexpected {type(data).__name__} in a cache entry")
    tag = data.get("@")
    if tag is None:
        return {key: decode(item, in_dataclass) for key, item in data.items()}
    if tag == "html":
        return Markup(_str(data.get("v")))
    if tag == "date":
        return dt.date.fromisoformat(_str(data.get("v")))
    if tag == "set":
        values = data.get("v")
        if not isinstance(values, list):
            raise ValueError("a set is stored as a list")
        return frozenset(decode(item, True) for item in values)
    cls = _CLASSES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise ValueError(f"unknown kind {tag!r} in a cache entry")
    fields = {f.name for f in dataclasses.fields(cls)}
    given = {key: decode(item, True) for key, item in data.items() if key != "@"}
    if not set(given) <= fields:
        raise ValueError(f"unknown fields for {tag}")
    if cls is Diagnostic and "severity" in given:
        given["severity"] = Severity(given["severity"])
    try:
        return cls(**given)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text in a cache entry")
    return value


def dumps(value: Any) -> bytes:
    """The bytes of a cache entry's payload: compact JSON, UTF-8."""
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(payload: bytes) -> Any:
    """The value of a payload ``dumps`` made; ValueError for anything else."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not a cache entry: {exc}") from None
    try:
        return decode(data)
    except RecursionError:
        raise ValueError("a cache entry nested too deeply") from None
