"""What ``archive check`` keeps between runs: each page's summary under its content hash, in the build cache.

Owns two cache entries. The summaries, one per project cache: site path →
[content hash, summary] (:class:`archive.check_page.Summary`), shared by a
check of a built site folder and of the site a build plans, since a summary
depends only on a page's path and bytes. A summary is used only for a page
whose bytes hash to the hash it was made from, so a stale record is a miss;
the entry is plain data through the cache (JSON, its payload hash checked on
every load) and each record is validated, so a damaged or planted one is a
miss too. And, per site folder, the status of each file read: as git's index
and the build's no-op stamp (``freshness.py``) do, a file whose size,
modification time, change time and inode are the ones recorded is taken to
hold the recorded bytes without reading them; a file modified within
:data:`~archive.freshness.RACY_NS` of the recording is too fresh to vouch for
and is read again next time. Every other file is read and hashed.
"""

from __future__ import annotations

import os
import time
from typing import Any

from .cache import Cache, code_version, digest
from .check_page import Summary
from .freshness import RACY_NS

KIND = "check"
"""The cache kind of both entries."""

Status = list[int]
"""[size, mtime_ns, ctime_ns, inode] of a file in a site folder."""


def status(st: os.stat_result) -> Status:
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


class CheckState:
    """The records of one check: loaded at its start, saved (when anything changed) at its end."""

    def __init__(self, cache: Cache | None, folder: str | None = None, fresh: bool = False):
        """``folder``: the site folder checked (None: a planned site); ``fresh``: ignore what is
        recorded (``--full``), but record what this check reads."""
        self.cache = cache if cache is not None and cache.enabled else None
        self.started = time.time_ns()
        self.keys = {"summaries": digest(code_version(), "check-summaries") if self.cache else "",
                     "statuses": digest("check-statuses", folder) if self.cache and folder else ""}
        self.old: dict[str, dict[str, Any]] = {}
        self.new: dict[str, dict[str, list]] = {}
        for name, key in self.keys.items():
            loaded = self.cache.get(KIND, key) if key and not fresh else None
            self.old[name] = loaded if isinstance(loaded, dict) else {}
            self.new[name] = {}
        self.dirty = {name: False for name in self.keys}

    def vouched(self, rel: str, current: Status) -> str | None:
        """The recorded hash of the file at ``rel`` if its status is the recorded one, else None."""
        record = self.old["statuses"].get(rel)
        if type(record) is list and len(record) == 2 and type(record[0]) is str and record[1] == current:
            return record[0]
        return None

    def summary(self, rel: str, sha: str) -> Summary | None:
        """The recorded summary of page ``rel`` when its bytes hash to ``sha``, else None."""
        record = self.old["summaries"].get(rel)
        if type(record) is list and len(record) == 2 and record[0] == sha:
            found = Summary.from_data(record[1])
            if found is not None and found.hash == sha:
                return found
        return None

    def keep(self, rel: str, sha: str, current: Status | None, summary: Summary | None, made: bool) -> None:
        """Record the file at ``rel`` as this check saw it: its status (in a site folder, and only when not
        too fresh to vouch for) and its summary (a page). ``made``: the summary was made or changed by this
        check; otherwise the recorded one is kept as it was stored."""
        if current is not None and self.keys["statuses"] and max(current[1], current[2]) < self.started - RACY_NS:
            self._set("statuses", rel, [sha, current])
        if summary is not None:
            old = self.old["summaries"].get(rel)
            if not made and type(old) is list and len(old) == 2 and old[0] == sha:
                self._set("summaries", rel, old)
            else:
                self._set("summaries", rel, [sha, summary.to_data()])

    def _set(self, name: str, rel: str, record: list) -> None:
        self.new[name][rel] = record
        if not self.dirty[name] and self.old[name].get(rel) != record:
            self.dirty[name] = True

    def save(self) -> None:
        """Store the records of this check that differ from the loaded ones (files gone included)."""
        if self.cache is None:
            return
        for name, key in self.keys.items():
            if key and (self.dirty[name] or self.new[name].keys() != self.old[name].keys()):
                self.cache.put(KIND, key, self.new[name])
