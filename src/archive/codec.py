"""Plain data ⇄ values, for the build cache: JSON that can never run code when loaded.

Owns the one encoding of everything the cache stores: the model's frozen
dataclasses, diagnostics, dates and HTML fragments become JSON objects
tagged with ``"@"``; everything else is JSON as it is. Decoding builds only
the classes registered here (a fixed allow-list, looked up by name), so an
entry planted in the cache can at worst decode to a wrong value of a known
type, and a malformed one raises :class:`ValueError`, which the cache turns
into a miss. Lists inside a dataclass come back as tuples (every sequence
field of the model is a tuple), so a decoded model equals the original.
Long HTML fragments (a page's section bodies) are kept out of the JSON as
raw UTF-8 segments after it (JSON-escaping and scanning them cost more).
A segment that a page in the cache holds verbatim is not stored again at
all, only where it is in that page (see :func:`dumps`).
The JSON is written by orjson where it is installed (:func:`orjson`, the
project's one way to it), else by the json module; it is read by the json
module, whose object hook builds the tagged values as it parses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from functools import lru_cache
from typing import Any, Callable, Sequence

from markupsafe import Markup

from . import model
from .errors import Diagnostic, Severity

_CLASSES: dict[str, type] = {}


_MAPPINGS: set[type] = {dict}
"""dict, and the dict subclasses written exactly as one (see :func:`register_mapping`)."""


def register_mapping(cls: type) -> None:
    """Store a dict subclass as a plain JSON object, on :func:`encode`'s fast path (it comes back as
    what ``loads``' ``mapping`` makes, a dict by default)."""
    if not issubclass(cls, dict):
        raise TypeError(f"{cls.__name__} is not a dict")
    _MAPPINGS.add(cls)


def register(*classes: type) -> None:
    """Allow these dataclasses to be stored (by class name, which must be unique)."""
    for cls in classes:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        _CLASSES[cls.__name__] = cls


register(*(value for value in vars(model).values()
           if isinstance(value, type) and dataclasses.is_dataclass(value)), Diagnostic)


_PLAIN = frozenset({str, int, bool, type(None)})
"""Written as they are (a float too, but through :func:`_encode_other`, which tags one that is not finite)."""
_FIELDS: dict[type, tuple[str, ...]] = {}
_NAMES: dict[type, frozenset[str]] = {}


SEGMENT = 1024
"""HTML at least this long (in characters) is stored as a raw segment after the JSON (see :func:`dumps`)."""
_SEGMENTED = b"\x01"
"""The first byte of a payload with segments (a JSON text never starts with it)."""


def encode(value: Any, segments: list[str] | None = None) -> Any:
    """A JSON-ready value; raises TypeError for anything not plain data or registered.

    The common types are dispatched on their exact class and each registered
    class's field names are read once (the cache encodes whole models).
    ``segments``: long HTML goes there, replaced by a reference ``{"@": "seg", "i": n}``.
    """
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is Markup:  # most of a view: its HTML pieces
        return _html(value, segments)
    if cls is tuple or cls is list:
        return [item if type(item) in _PLAIN else encode(item, segments) for item in value]
    if cls in _MAPPINGS and "@" not in value and all(type(key) is str for key in value):
        return {key: item if type(item) in _PLAIN else encode(item, segments) for key, item in value.items()}
    fields = _FIELDS.get(cls)
    if fields is not None:
        out = {"@": cls.__name__}
        for name in fields:
            item = getattr(value, name)
            out[name] = item if type(item) in _PLAIN else encode(item, segments)
        return out
    return _encode_other(value, segments)


def _html(value: Markup, segments: list[str] | None) -> dict[str, Any]:
    """HTML, tagged (its text as a str: :func:`_walked` hands a str subclass back to Python), or as a
    reference to a segment when long."""
    if segments is not None and len(value) >= SEGMENT:
        segments.append(value)
        return {"@": "seg", "i": len(segments) - 1}
    return {"@": "html", "v": str.__str__(value)}


def _encode_other(value: Any, segments: list[str] | None = None) -> Any:
    if isinstance(value, Markup):
        return _html(value, segments)
    if isinstance(value, Severity):
        return int(value)
    if isinstance(value, float) and not math.isfinite(value):  # JSON has none: orjson would write null
        return {"@": "float", "v": repr(float(value))}
    if isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [encode(item, segments) for item in value]
    if isinstance(value, dict):
        if any(not isinstance(key, str) or key == "@" for key in value):
            raise TypeError("only dicts with string keys other than '@' are plain data")
        return {key: encode(item, segments) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        if all(type(item) is str for item in value):
            return {"@": "set", "v": sorted(value)}
        return {"@": "set", "v": sorted(encode(item) for item in value)}
    if isinstance(value, dt.date):
        return {"@": "date", "v": value.isoformat()}
    if _fields_of(type(value)) is not None:
        return encode(value, segments)
    raise TypeError(f"cannot store a {type(value).__name__} in the cache")


def _fields_of(cls: type) -> tuple[str, ...] | None:
    """A registered dataclass's field names (read once), None for any other class."""
    if cls not in _FIELDS and _CLASSES.get(cls.__name__) is cls:
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return _FIELDS.get(cls)


def decode(data: Any, in_dataclass: bool = False) -> Any:
    """The value ``encode`` was given, from parsed JSON; raises ValueError for anything it could not have made."""
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):
        items = [decode(item, in_dataclass) for item in data]
        return tuple(items) if in_dataclass else items
    if not isinstance(data, dict):
        raise ValueError(f"unexpected {type(data).__name__} in a cache entry")
    if "@" not in data:
        return {key: decode(item, in_dataclass) for key, item in data.items()}
    return _tagged({key: decode(item, True) for key, item in data.items()})


def _tagged(data: dict[str, Any]) -> Any:
    """The value of one tagged object whose members are already decoded (lists inside it as tuples)."""
    tag = data["@"]
    if tag == "html":
        return Markup(_str(data.get("v")))
    if tag == "date":
        return dt.date.fromisoformat(_str(data.get("v")))
    if tag == "float" and data.get("v") in ("nan", "inf", "-inf"):
        return float(data["v"])
    if tag == "set":
        values = data.get("v")
        if not isinstance(values, (list, tuple)):
            raise ValueError("a set is stored as a list")
        return frozenset(values)
    cls = _CLASSES.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise ValueError(f"unknown kind {tag!r} in a cache entry")
    fields = _NAMES.get(cls)
    if fields is None:
        fields = _NAMES[cls] = frozenset(f.name for f in dataclasses.fields(cls))
    given = {key: item for key, item in data.items() if key != "@"}
    if not given.keys() <= fields:
        raise ValueError(f"unknown fields for {tag}")
    if cls is Diagnostic and "severity" in given:
        given["severity"] = Severity(given["severity"])
    try:
        return cls(**given)
    except TypeError as exc:
        raise ValueError(str(exc)) from None


_NESTED = (list, dict)
_new_str = str.__new__
"""``_new_str(Markup, text)`` is ``Markup(text)`` for a ``str``, without markupsafe's ``__new__`` in Python."""


def _frozen(value: Any) -> Any:
    """Lists as tuples, through lists and untagged dicts (what :func:`decode` does inside a dataclass)."""
    if type(value) is list:
        return tuple([_frozen(item) if type(item) in _NESTED else item for item in value])
    if type(value) is dict:
        return {key: _frozen(item) if type(item) in _NESTED else item for key, item in value.items()}
    return value


def _hook(data: dict[str, Any]) -> Any:
    """``json.loads``'s object hook: tagged objects become values as the parser meets them."""
    tag = data.get("@")
    if tag is None:
        return data
    if tag == "html" and len(data) == 2 and type(data.get("v")) is str:  # most tagged objects of a view
        return _new_str(Markup, data["v"])
    return _tagged({key: _frozen(item) for key, item in data.items()})


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("expected text in a cache entry")
    return value


def dumps(value: Any, within: Sequence[tuple[str, bytes]] = (), finite: bool = False) -> bytes:
    """The bytes of a cache entry's payload: compact JSON, UTF-8.

    When the value holds long HTML, the payload is ``\\x01``, then one ASCII
    line of the parts' sizes (the JSON's, then each segment's), then the JSON,
    then the segments' UTF-8 bytes one after the other.

    ``within``: (blob key, its bytes) of files the cache holds (the pages a
    view was rendered into). A segment found verbatim in one of them is not
    stored: its part on the first line is ``KEY:START:END`` (where in those
    bytes) instead of a size, and :func:`loads` takes it from the blob. A
    view's entry is then a quarter of its size.

    ``finite``: the caller knows ``value`` holds no NaN or infinity (a view: HTML, text, whole
    numbers), so orjson may walk it itself (:func:`_walked`, the same bytes in half the time).
    """
    segments: list[str] = []
    text = _walked(value, segments) if finite else None
    if text is None:  # (_walked left no segments behind)
        text = _json(encode(value, segments))
    if not segments:
        return text
    parts = _located(segments, within)
    head = " ".join([str(len(text)), *(str(len(part)) if type(part) is bytes else part for part in parts)])
    return b"".join((_SEGMENTED, head.encode("ascii"), b"\n", text, *(p for p in parts if type(p) is bytes)))


def _walked(value: Any, segments: list[str]) -> bytes | None:
    """``_json(encode(value, segments))`` by orjson's own walk, calling back for what :func:`encode` tags;
    None without orjson or where it cannot vouch for the result (a value refused, a key ``"@"``)."""
    fast = orjson()
    if fast is None:
        return None
    tags = 0

    def tagged(item: Any) -> Any:
        nonlocal tags
        cls = type(item)
        if cls is Markup:
            tags += 1
            return _html(item, segments)
        if cls in _MAPPINGS:  # a dict subclass (a key "@" in it: see the count below)
            return dict(item)
        fields = _fields_of(cls)
        if fields is not None:
            tags += 1
            return {"@": cls.__name__, **{name: getattr(item, name) for name in fields}}
        out = _encode_other(item, segments)  # dates, sets, a Severity; TypeError for what the cache refuses
        tags += type(out) is dict and "@" in out  # tags it made deeper are not counted: then encode() decides
        return out

    try:
        text = fast.dumps(value, default=tagged, option=fast.OPT_PASSTHROUGH_SUBCLASS
                          | fast.OPT_PASSTHROUGH_DATACLASS | fast.OPT_PASSTHROUGH_DATETIME)
    except fast.JSONEncodeError:
        text = None
    if text is None or text.count(b'"@":') != tags:  # a '"@":' only ever is a key (quotes in text are escaped)
        segments.clear()
        return None
    return text


def _located(segments: list[str], within: Sequence[tuple[str, bytes]]) -> list[bytes | str]:
    """Each segment's UTF-8 bytes, or where they are in one of the files ``within`` (``KEY:START:END``).

    Segments are sought in order, each after the last one found (a view's pieces come in the order its
    page shows them), in the same text or a later one: one pass over the texts. After two segments
    found nowhere the rest are not sought (a template that shows the pieces otherwise)."""
    parts: list[bytes | str] = []
    current, at, misses = 0, 0, 0
    for segment in segments:
        raw = segment.encode("utf-8")
        found = -1
        if misses < 2:
            for index in range(current, len(within)):
                found = _find(within[index][1], raw, at if index == current else 0)
                if found >= 0:
                    current, at = index, found + len(raw)
                    break
            else:
                misses += 1
        parts.append(f"{within[current][0]}:{found}:{at}" if found >= 0 else raw)
    return parts


_PREFIX = 64
"""Bytes of a segment sought by :func:`_find` before the whole is compared."""


def _find(text: bytes, raw: bytes, start: int) -> int:
    """``text.find(raw, start)``: its first bytes sought, the rest compared where they are (``bytes.find``
    prepares a long needle in time of its length: ~0.25 ms a view's segments, each a little further)."""
    prefix = raw[:_PREFIX]
    found = text.find(prefix, start)
    while found >= 0 and not text.startswith(raw, found):
        found = text.find(prefix, found + 1)
    return found


def _json(data: Any) -> bytes:
    """Compact JSON, UTF-8: orjson's bytes where it is installed (the json module's for everything
    :func:`encode` gives but floats, some of which it writes shorter: ``1e-7`` for ``1e-07``; both read
    back the same), else the json module's (also for an integer beyond 64 bits, which orjson refuses)."""
    fast = orjson()
    if fast is not None:
        try:
            return fast.dumps(data)
        except fast.JSONEncodeError:
            pass
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@lru_cache(maxsize=1)
def orjson() -> Any:
    """The orjson module where it is installed and loads (every CPython platform it has wheels for),
    else None: then the json module writes, the same text. The project's one way to orjson (the
    cache's entries here, ``interview.json`` in :mod:`archive.serialize`)."""
    try:
        import orjson as module
    except ImportError:  # not installed, or not for this interpreter (a broken or mismatched wheel)
        return None
    return module


def loads(payload: bytes, mapping: Callable[[dict[str, Any]], Any] = dict,
          blob: Callable[[str], bytes | None] | None = None) -> Any:
    """The value of a payload ``dumps`` made; ValueError for anything else.

    ``mapping``: what each plain JSON object becomes (a dict subclass that
    templates read, say), so that no second walk over the value is needed.
    ``blob``: the bytes of a blob by key, checked (``Cache.get_blob``), for segments stored
    as a place in one; without it, or when that blob is gone, the payload is a ValueError.
    """
    try:
        segments: list[Markup] = []
        if payload[:1] == _SEGMENTED:
            payload, segments = _segmented(payload, blob)
        # tagged objects are decoded by the parser's hook, bottom up: no second walk over the value
        return json.loads(payload.decode("utf-8"), object_hook=_object_hook(mapping, segments))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"not a cache entry: {exc}") from None
    except RecursionError:
        raise ValueError("a cache entry nested too deeply") from None


def _object_hook(mapping: Callable[[dict[str, Any]], Any], segments: list[Markup]) -> Callable[[dict[str, Any]], Any]:
    """The parser's hook: each plain object as a ``mapping``, each tagged one as its value (one call per
    object: a view holds ~400 of them, most of them HTML)."""
    plain = mapping is dict
    count = len(segments)

    def hook(data: dict[str, Any]) -> Any:
        if "@" not in data:
            return data if plain else mapping(data)
        tag = data["@"]
        if len(data) == 2:
            if tag == "html" and type(data.get("v")) is str:
                return _new_str(Markup, data["v"])
            if tag == "seg":
                index = data.get("i")
                if type(index) is not int or not 0 <= index < count:
                    raise ValueError("not a cache entry: a segment that is not there")
                return segments[index]
        return _hook(data)
    return hook


def _segmented(payload: bytes, blob: Callable[[str], bytes | None] | None) -> tuple[bytes, list[Markup]]:
    """The JSON of a payload with segments, and the segments (see :func:`dumps`)."""
    end = payload.find(b"\n")
    head = payload[1:end].decode("ascii", "replace").split(" ") if end > 0 else []
    if not head or not all(part.isdigit() or _PLACE.fullmatch(part) for part in head) or not head[0].isdigit():
        raise ValueError("not a cache entry: a damaged segment list")
    sizes = [int(part) for part in head if part.isdigit()]
    if end + 1 + sum(sizes) != len(payload):
        raise ValueError("not a cache entry: its segments do not add up")
    start = end + 1 + sizes[0]
    segments = []
    files: dict[str, bytes] = {}
    for part in head[1:]:
        if part.isdigit():
            size = int(part)
            segments.append(_new_str(Markup, payload[start:start + size].decode("utf-8")))
            start += size
            continue
        key, start_text, end_text = part.split(":")
        first, last = int(start_text), int(end_text)
        if key not in files:
            data = blob(key) if blob is not None else None
            if data is None:
                raise ValueError("not a cache entry: the page its HTML is in is gone")
            files[key] = data
        if not first <= last <= len(files[key]):
            raise ValueError("not a cache entry: HTML beyond its page")
        segments.append(_new_str(Markup, files[key][first:last].decode("utf-8")))  # cut inside a
        # character: UnicodeDecodeError, a miss
    return payload[end + 1:end + 1 + sizes[0]], segments


_PLACE = re.compile(r"[0-9a-f]{64}:[0-9]{1,9}:[0-9]{1,9}")
"""A segment stored as a place in a blob's text (see :func:`dumps`): the blob's key (a hash, never a path)."""
