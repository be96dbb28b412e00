"""What ``archive check`` keeps between runs: each page's summary under its content hash, in the build cache.

Owns two cache entries. The summaries, one per project cache: site path →
summary (:class:`archive.check_page.Summary`, which names its content hash), shared by a
check of a built site folder and of the site a build plans, since a summary
depends only on a page's path and bytes. A summary is used only for a page
whose bytes hash to the hash it was made from, so a stale record is a miss;
the entry is plain JSON in the cache (its payload hash checked on every
load) and each record is validated, so a damaged or planted one is a
miss too. And, per site folder, the status of each file read: as git's index
and the build's no-op stamp (``freshness.py``) do, a file whose size,
modification time, change time and inode are the ones recorded is taken to
hold the recorded bytes without reading them; a file modified within
:data:`~archive.freshness.RACY_NS` of the recording is too fresh to vouch for
and is read again next time. Every other file is read and hashed.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from .cache import Cache, digest
from .check_page import Summary
from .codeversion import code_version
from .freshness import RACY_NS

KIND = "check"
"""The cache kind of both entries."""


def status(st: os.stat_result) -> str:
    """A file's size, modification time, change time and inode, as the statuses entry keeps them."""
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


class CheckState:
    """The records of one check: loaded at its start, saved (when anything changed) at its end.

    Both entries are one JSON object (site path → record) read by the JSON
    parser alone: a summary record is :meth:`Summary.to_data`, a status record
    the string ``"<sha256> <status>"``.
    """

    def __init__(self, cache: Cache | None, folder: str | None = None, fresh: bool = False):
        """``folder``: the site folder checked (None: a planned site); ``fresh``: ignore what is
        recorded (``--full``), but record what this check reads."""
        self.cache = cache if cache is not None and cache.enabled else None
        self.started = time.time_ns()
        self.keys = {"summaries": digest(code_version(), "check-summaries") if self.cache else "",
                     "statuses": digest("check-statuses", folder) if self.cache and folder else ""}
        self.old: dict[str, dict[str, Any]] = {}
        self.new: dict[str, dict[str, Any]] = {}
        for name, key in self.keys.items():
            self.old[name] = self._load(key) if key and not fresh else {}
            self.new[name] = {}
        self.dirty = {name: False for name in self.keys}

    def _load(self, key: str) -> dict[str, Any]:
        payload = self.cache.get_bytes(KIND, key)
        try:
            found = json.loads(payload.decode("utf-8")) if payload is not None else {}
        except (UnicodeDecodeError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def vouched(self, rel: str, current: str) -> str | None:
        """The recorded hash of the file at ``rel`` if its status is the recorded one, else None."""
        record = self.old["statuses"].get(rel)
        if type(record) is str and record[65:] == current and record[64:65] == " ":
            return record[:64]
        return None

    def summary(self, rel: str, sha: str) -> Summary | None:
        """The recorded summary of page ``rel`` when its bytes hash to ``sha``, else None."""
        record = self.old["summaries"].get(rel)
        if type(record) is list and record and record[0] == sha:
            return Summary.from_data(record)
        return None

    def keep(self, rel: str, sha: str, current: str | None, summary: Summary | None, made: bool) -> None:
        """Record the file at ``rel`` as this check saw it: its status (in a site folder, and only when not
        too fresh to vouch for) and its summary (a page). ``made``: the summary was made or changed by this
        check; otherwise the recorded one is kept as it was stored."""
        if current is not None and self.keys["statuses"] and len(sha) == 64:
            _, mtime, ctime, _ = current.split(" ")
            if max(int(mtime), int(ctime)) < self.started - RACY_NS:
                self._set("statuses", rel, f"{sha} {current}")
        if summary is not None:
            old = self.old["summaries"].get(rel)
            if not made and type(old) is list and old and old[0] == sha:
                self._set("summaries", rel, old)
            else:
                self._set("summaries", rel, summary.to_data())

    def _set(self, name: str, rel: str, record: Any) -> None:
        self.new[name][rel] = record
        if not self.dirty[name] and self.old[name].get(rel) != record:
            self.dirty[name] = True

    def save(self) -> None:
        """Store the records of this check that differ from the loaded ones (files gone included)."""
        if self.cache is None:
            return
        for name, key in self.keys.items():
            if key and (self.dirty[name] or self.new[name].keys() != self.old[name].keys()):
                payload = json.dumps(self.new[name], ensure_ascii=False, separators=(",", ":"))
                self.cache.put_bytes(KIND, key, payload.encode("utf-8"))
