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
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .freshness import RACY_NS

__all__ = ["FILE", "RACY_NS", "FileHashes"]

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
