"""A content-addressed build cache in one folder (``.archive-cache/``), safe to delete.

Owns storing and loading cached values so that a corrupt or stale entry can
never change a site: every key is a hash of everything the value was made
from (input bytes, templates, settings, glossary, this package's own code
and the converter's version), and every entry carries a hash of its payload
that is checked on every load; an entry that fails the check, or cannot be
unpickled, is a miss and is made again. Writes are atomic (a temporary
file renamed into place), so an interrupted build leaves no half entry.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

MAGIC = b"archive-cache-1\n"
CACHE_DIR = ".archive-cache"


def digest(*parts: bytes | str) -> str:
    """A hex SHA-256 of the parts, each length-prefixed so that parts never run together."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


@lru_cache(maxsize=None)
def code_version() -> str:
    """A hash of this package's source and the converter's version: new code, new keys."""
    from .scripts import converter_version

    root = Path(__file__).resolve().parent
    parts: list[bytes | str] = [converter_version()]
    for path in sorted(root.glob("*.py")):
        parts += [path.name, path.read_bytes()]
    return digest(*parts)


def tree_hash(folder: Path, skip: tuple[str, ...] = ()) -> str:
    """A hash of every file's relative path and bytes under ``folder``, but the top folders in ``skip``."""
    parts: list[bytes | str] = []
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = path.relative_to(folder)
            if rel.parts[0] not in skip:
                parts += [rel.as_posix(), path.read_bytes()]
    return digest(*parts)


class Cache:
    """Values by key (pickled) and blobs by their own hash, under one folder."""

    def __init__(self, root: Path | None):
        self.root = root
        self.hits = self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def _path(self, kind: str, key: str) -> Path:
        assert self.root is not None
        return self.root / kind / key[:2] / key

    def _write(self, path: Path, payload: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _read(self, path: Path) -> bytes | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head = len(MAGIC) + 65
        if not data.startswith(MAGIC) or len(data) < head:
            return None
        payload = data[head:]
        if hashlib.sha256(payload).hexdigest().encode() != data[len(MAGIC):head - 1]:
            return None
        return payload

    def get(self, kind: str, key: str) -> Any | None:
        """The value stored under ``key``, or None (a miss, also for any damaged entry)."""
        if self.root is None:
            return None
        payload = self._read(self._path(kind, key))
        if payload is None:
            self.misses += 1
            return None
        try:
            value = pickle.loads(payload)
        except Exception:  # a damaged or foreign entry is a miss, never an error
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        if self.root is not None:
            self._write(self._path(kind, key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def put_blob(self, data: bytes) -> str:
        """Store bytes under their own hash; returns the hash."""
        key = hashlib.sha256(data).hexdigest()
        if self.root is not None:
            path = self._path("blob", key)
            if self._read(path) is None:
                self._write(path, data)
        return key

    def get_blob(self, key: str) -> bytes | None:
        """The bytes with this hash, verified, or None."""
        if self.root is None:
            return None
        data = self._read(self._path("blob", key))
        if data is None or hashlib.sha256(data).hexdigest() != key:
            return None
        return data
