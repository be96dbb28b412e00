"""Content hashes of the input files, remembered by their ``stat`` between builds (as git's index does).

Owns the shortcut that lets a rebuild key every interview without reading
every source: a file whose size, modification and change times and inode are
those recorded with its hash has that hash. A file modified within 2 seconds
of the moment its hash was recorded is never vouched for (its next change
could keep the same times: the "racy" case), so it is read again. Whoever
goes on to use a file's bytes checks them against the hash (see
``interviews.make_interview``), so a file changed after it was looked at is caught,
not built under another file's key. The record is plain JSON in the cache
folder; a damaged one is ignored, a missing cache means every file is read.
The same rule keeps a digest of this package's own modules
(:func:`remembered_by_stat`, for :func:`archive.codeversion.code_version`).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Callable

from .freshness import RACY_NS, _installation

__all__ = ["FILE", "RACY_NS", "FileHashes", "remembered_by_stat"]

FILE = "hashes.json"


class FileHashes:
    """Remembered hashes (path → stat and SHA-256) under one cache folder; ``root`` None remembers nothing."""

    def __init__(self, root: Path | None, listed: int | None = None):
        """``listed``: when the stats this build passes were taken, if earlier than now (a listing's start)."""
        self.path = root / FILE if root is not None else None
        self.now = time.time_ns() if listed is None else min(listed, time.time_ns())
        self.known: dict[str, list] = {}
        self.changed = False
        if self.path is None:
            return
        try:
            with open(self.path, encoding="utf-8") as f:
                known = json.load(f)
        except (OSError, ValueError):
            return
        if isinstance(known, dict):
            self.known = known

    def get(self, path: str, st: os.stat_result) -> str | None:
        """The hash of the file at ``path`` if ``st`` (its stat now) is the one recorded with it."""
        entry = self.known.get(path)
        if not (isinstance(entry, list) and len(entry) == 6 and isinstance(entry[5], str)):
            return None
        size, mtime, ctime, ino, at, sha = entry
        if [size, mtime, ctime, ino] != [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]:
            return None
        if not isinstance(at, int) or not isinstance(mtime, int) or mtime >= at - RACY_NS:
            return None  # modified too close to when its hash was taken: read it again
        return sha

    def put(self, path: str, st: os.stat_result, sha: str) -> None:
        self.known[path] = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, self.now, sha]
        self.changed = True

    def save(self, keep: set[str]) -> None:
        """Write the record of the files in ``keep`` (those this build looked at), if anything changed."""
        if self.path is None or not (self.changed or set(self.known) - keep):
            return
        tmp = self.path.with_name(f"{FILE}.{os.getpid()}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as f:  # dumps: the C encoder (dump is pure Python)
                f.write(json.dumps({path: self.known[path] for path in sorted(keep) if path in self.known},
                                   ensure_ascii=False, separators=(",", ":")))
            os.replace(tmp, self.path)
        except OSError:  # an optimisation only: the next build reads every file
            try:
                os.unlink(tmp)
            except OSError:
                pass


def remembered_by_stat(root: Path, path: Path | None, compute: Callable[[], str]) -> str:
    """A digest made from the modules (``*.py``) under ``root`` by ``compute``, kept in the file ``path``.

    Kept beside a digest of every module's path, size, times and inode and of
    the Python installation (whose library folders change when a library is
    installed, upgraded or removed: see :mod:`archive.freshness`), and taken
    from there while that digest is the same; never kept when a module was
    modified within ``RACY_NS`` of the moment it was listed. A damaged record,
    or one whose value is not a hex SHA-256, is made again.
    """
    started = time.time_ns()
    lines, newest = [], 0
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(n for n in names if n.endswith(".py")):
            full = os.path.join(folder, name)
            st = os.stat(full)
            lines.append(f"{os.path.relpath(full, root)}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ctime_ns}"
                         f"\0{st.st_ino}")
            newest = max(newest, st.st_mtime_ns)
    stats = hashlib.sha256(repr((lines, _installation())).encode("utf-8", "surrogateescape")).hexdigest()
    if path is not None:
        try:
            with open(path, encoding="utf-8") as f:
                known = json.load(f)
            code = known["code"]
            if known["stats"] == stats and isinstance(code, str) and len(code) == 64 \
                    and all(c in "0123456789abcdef" for c in code):
                return code
        except (OSError, TypeError, ValueError, KeyError):
            pass  # none, damaged or of other files: compute it
    value = compute()
    if path is not None and newest < started - RACY_NS:  # a module changed just now may change again unseen
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        try:
            tmp.write_text(json.dumps({"stats": stats, "code": value}), encoding="utf-8")
            os.replace(tmp, path)
        except OSError:  # an optimisation only
            try:
                os.unlink(tmp)
            except OSError:
                pass
    return value
