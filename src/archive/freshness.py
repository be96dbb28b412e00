"""The no-op decision: is the site already what a build of these inputs writes?

Owns one small state file per archive and output folder, kept in the build
cache (``.archive-cache/stamp/``): a digest of every input file's path, size,
modification time and inode (the archive folder, the templates folders the
build used, this package's own files), a digest of the build's options and
of the Python installation it runs in (each ``sys.path`` folder's own
modification time changes when a library is installed, upgraded or
removed), a digest of the output folder as the build left it, and the
build's report (counts and warnings). When every digest matches, the build
is a no-op: it repeats the recorded report and writes nothing, without
reading a source or importing the pipeline (Markdown, Jinja, the converter).
Anything else — no stamp, a damaged one, any file added, removed or touched
on either side — means a full build, which records a new stamp. As git does
with its index, a build that finds an input modified within :data:`RACY_NS`
before it started, or while it ran, records no stamp (the next build is a
full one), so an edit made while a build runs is never missed. This module
imports nothing of the pipeline, so that a no-op stays cheap.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time

VERSION = 1
STAMP_DIR = "stamp"
RACY_NS = 2_000_000_000
"""A file modified this close to the build's start (or later) is too fresh to vouch for (2 s)."""
_SKIP = frozenset({"__pycache__"})
"""Folders of derived files that never change a build's output."""


def _walk(folder: str, lines: list[str], tree: dict[str, list] | None = None) -> int:
    """Append ``path size mtime inode`` for every file under ``folder``; returns the newest mtime (ns).

    ``tree``: also keep each folder's entries there, as (name, stat), the stat None for a folder
    (see :class:`Tree`); a folder with an entry that could not be read is left out of it.
    """
    newest = 0
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        lines.append(f"{folder} -")
        return 0
    kept: list | None = [] if tree is not None else None
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in _SKIP:
                    newest = max(newest, _walk(entry.path, lines, tree))
                if kept is not None:
                    kept.append((entry.name, None))
                continue
            st = entry.stat()
        except OSError:
            lines.append(f"{entry.path} ?")
            kept = None
            continue
        lines.append(f"{entry.path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}")
        newest = max(newest, st.st_mtime_ns)
        if kept is not None:
            kept.append((entry.name, st))
    if kept is not None and tree is not None:
        tree[folder] = kept
    return newest


def _listing(folders: list[str], tree: dict[str, list] | None = None) -> tuple[str, int]:
    """A digest of every file under ``folders`` (by path, size, mtime, inode) and the newest mtime.

    ``tree``: keep the first folder's entries there (see :func:`_walk`).
    """
    lines: list[str] = []
    newest = 0
    for i, folder in enumerate(folders):
        lines.append(f"[{folder}]")
        newest = max(newest, _walk(folder, lines, tree if i == 0 else None))
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest(), newest


def _files_listing(folder: str, files: list[str], known: dict[str, os.stat_result] | None = None) -> str | None:
    """:func:`_listing` of ``[folder]`` when it holds exactly ``files`` (relative paths), found without
    listing the folder: each file's own stat, in the order the walk visits them (by name, folder by folder).

    None when one of them is not a regular file (then the folder is walked). A file added beside them
    is not seen here, but the next build's walk sees it: that build then builds (the safe side).
    ``known``: the ``lstat`` of some of them, taken by the writer during this build (a file changed
    since has another stat, which the next build's listing sees: it builds).
    """
    known = known or {}
    lines = [f"[{folder}]"]
    for rel in sorted(files, key=lambda rel: rel.split("/")):
        path = f"{folder}/{rel}"
        st = known.get(rel)
        if st is None:
            try:
                st = os.lstat(path)
            except OSError:
                return None
        if not stat.S_ISREG(st.st_mode) or "__pycache__" in rel.split("/"):
            return None
        lines.append(f"{path}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}")
    return hashlib.sha256("\n".join(lines).encode("utf-8", "surrogateescape")).hexdigest()


class Tree:
    """The archive folder as the no-op decision listed it, for the build that follows to read, not list again.

    ``folders`` maps each folder's absolute path to its entries, by name:
    (name, ``os.stat`` of the entry, following a symbolic link) or (name,
    None) for a real folder. A folder missing from it (one not listed, or
    with an entry that could not be read) is to be listed from the disk.
    Listed at ``started`` or later: a hash recorded against one of these
    stats must count as taken then (see :mod:`archive.filehashes`).
    """

    def __init__(self, started: int, folders: dict[str, list]):
        self.started = started
        self.folders = folders
        self.cwd = os.getcwd()
        """The working folder relative paths are read from (``os.path.abspath`` asks the system each time:
        three times per interview of a build)."""

    def _abs(self, path: str | os.PathLike) -> str:
        path = os.fspath(path)
        return os.path.normpath(path if os.path.isabs(path) else os.path.join(self.cwd, path))

    def entries(self, folder: str | os.PathLike) -> list[tuple[str, os.stat_result | None]] | None:
        return self.folders.get(self._abs(folder))

    def stat(self, path: str | os.PathLike) -> os.stat_result | None | bool:
        """The listed stat of a file (None: a folder; False: not known from the listing)."""
        folder, name = os.path.split(self._abs(path))
        for entry, st in self.folders.get(folder, ()):
            if entry == name:
                return st
        return False


def _installation() -> list[str]:
    """The Python running and its library folders with their modification times (installs change them).

    Only library folders (``site-packages``, ``dist-packages``) count: the
    working directory on ``sys.path`` changes whenever a build swaps its site in.
    """
    parts = [sys.version, sys.executable]
    for entry in sys.path:
        if os.path.basename(entry.rstrip(os.sep)) in ("site-packages", "dist-packages"):
            try:
                parts.append(f"{entry} {os.stat(entry).st_mtime_ns}")
            except OSError:
                parts.append(f"{entry} -")
    return parts


def _package_folders() -> list[str]:
    """This package's own files (its code and, in an installed package, its templates)."""
    here = os.path.dirname(os.path.abspath(__file__))
    checkout = os.path.join(os.path.dirname(os.path.dirname(here)), "templates")  # a source checkout's defaults
    return [here] + ([checkout] if os.path.isdir(checkout) else [])


class Stamp:
    """The no-op decision for one archive and output folder with one set of options."""

    def __init__(self, cache_root: str, archive: str, out: str, options: tuple):
        self.started = time.time_ns()
        self.archive, self.out = os.path.abspath(archive), os.path.abspath(out)
        name = hashlib.sha256(f"{self.archive}\0{self.out}".encode("utf-8", "surrogateescape")).hexdigest()
        self.path = os.path.join(cache_root, STAMP_DIR, name)
        self.listed: tuple[list[str], str, int] | None = None
        """(folders, digest, newest mtime) of the inputs as listed before the build, if they were."""
        self.tree: Tree | None = None
        """The archive folder's entries as listed then (for the build to read instead of listing it again)."""
        self.options = hashlib.sha256(repr((VERSION, options, _installation())).encode(
            "utf-8", "surrogateescape")).hexdigest()

    def recorded_report(self) -> dict | None:
        """The report of the last build when nothing it read or wrote has changed since; else None."""
        try:
            with open(self.path, encoding="utf-8") as f:
                state = json.load(f)
        except (OSError, ValueError):
            return None
        if not isinstance(state, dict) or state.get("version") != VERSION or state.get("options") != self.options:
            return None
        folders = state.get("folders")
        if not isinstance(folders, list) or folders[:1] != [self.archive] \
                or not all(isinstance(f, str) for f in folders):
            return None
        tree: dict[str, list] = {}
        self.listed = (folders, *_listing(folders, tree))
        self.tree = Tree(self.started, tree)
        if state.get("inputs") != self.listed[1] or state.get("outputs") != _listing([self.out])[0]:
            return None
        report = state.get("report")
        return report if isinstance(report, dict) else None

    def record(self, report: dict, folders: list[str], written: list[str] | None = None,
               known: dict[str, os.stat_result] | None = None) -> None:
        """Keep this build's stamp; ``folders`` are the input folders beyond the archive and this package.

        Listed after the build: a file modified since the build started (or
        just before) is too fresh to vouch for, and then no stamp is kept.
        ``written``: every file the output holds (relative paths), when the
        build knows them: they are then looked at one by one instead of
        listing the output folder (see :func:`_files_listing`); ``known``: their stats where the
        writer took them.
        """
        every = list(dict.fromkeys([self.archive, *(os.path.abspath(f) for f in folders), *_package_folders()]))
        # the inputs as listed before the build, when it read the same folders: a file changed since then
        # has other times, so the next build lists something else and builds (and anything within 2 s of
        # the start is refused below)
        inputs, newest = self.listed[1:] if self.listed and self.listed[0] == every else _listing(every)
        if newest >= self.started - RACY_NS:
            self.forget()
            return
        outputs = (_files_listing(self.out, written, known) if written is not None else None) or _listing([self.out])[0]
        state = {"version": VERSION, "options": self.options, "folders": every, "inputs": inputs,
                 "outputs": outputs, "report": report}
        tmp = f"{self.path}.{os.getpid()}.tmp"
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(json.dumps(state, ensure_ascii=False))  # dumps: the C encoder (dump is pure Python)
            os.replace(tmp, self.path)
        except OSError:  # the stamp is an optimisation: without it the next build is a full one
            self.forget(tmp)

    def forget(self, path: str | None = None) -> None:
        try:
            os.unlink(path or self.path)
        except OSError:
            pass
