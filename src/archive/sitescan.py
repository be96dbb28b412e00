"""Reading a site as it stands: every file's ``lstat`` in one walk, and the same read ahead of the writer.

Owns the walk the writer makes of an output folder (:func:`scan`) and the
read-ahead of it (:func:`prescan`) that a build makes while others make its
interviews, with the test (:func:`still`) that says whether what was read
ahead is still the site. Reads only: nothing here writes or removes.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import ArchiveError
from .manifest import MANIFEST, read_manifest


def scan(out: Path, times: dict[str, tuple[int, int]] | None = None) -> tuple[dict[str, os.stat_result], list[str]]:
    """Every regular file under ``out`` (relative path → its ``lstat``), and every link or special
    file (never followed). One walk serves the writer's three questions: which files differ in size
    from the plan, which are not ours, and (for the no-op stamp) what the site holds afterwards.
    ``times``: filled with each folder's modification and change times (taken before it is listed)."""
    files: dict[str, os.stat_result] = {}
    odd: list[str] = []
    folders = [("", str(out))]
    while folders:
        prefix, folder = folders.pop()
        if times is not None:
            st = os.lstat(folder)
            times[folder] = (st.st_mtime_ns, st.st_ctime_ns)
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = prefix + entry.name
                if entry.is_file(follow_symlinks=False):
                    try:
                        files[rel] = entry.stat(follow_symlinks=False)
                    except OSError:  # gone since it was listed
                        pass
                elif entry.is_dir(follow_symlinks=False):
                    folders.append((rel + "/", entry.path))
                else:
                    odd.append(rel)
    return files, sorted(odd)


@dataclass(frozen=True)
class Prescan:
    """What the writer reads of a site before it writes, read ahead (see :func:`prescan`)."""

    manifest: os.stat_result
    """The manifest's ``lstat`` when it was read."""
    listed: dict[str, str]
    scanned: tuple[dict[str, os.stat_result], list[str]]
    folders: dict[str, tuple[int, int]]
    """Each folder's times when it was listed: a file added, removed or renamed in it changes them."""


def prescan(out: Path) -> Prescan | None:
    """The site's manifest and files as they are now, or None (no site of ours there, or it cannot be read).

    A build reads them while a helper makes its few interviews (see :mod:`archive.warm`), a tenth of a
    second, and the writer uses them if, once it holds the lock, the manifest is still the very file
    read and no folder of the site has changed since it was listed (:func:`still`). Only a
    shortcut: anything unexpected and the writer reads the site itself, as it always did."""
    out = out.resolve()
    try:
        before = os.lstat(out / MANIFEST)
        if not stat.S_ISREG(before.st_mode):
            return None
        listed = read_manifest(out)
        folders: dict[str, tuple[int, int]] = {}
        return None if listed is None else Prescan(before, listed, scan(out, folders), folders)
    except (OSError, ArchiveError):
        return None


def still(ahead: Prescan | None, out: Path) -> Prescan | None:
    """``ahead`` if the site's manifest is still the file it read and every folder still has the times
    it had when listed (no file added, removed or renamed: the writer replaces files by renaming,
    another build or a hand removing one changes its folder's times), else None."""
    if ahead is None:
        return None
    try:
        now = os.lstat(out / MANIFEST)
        then = ahead.manifest
        if (now.st_ino, now.st_dev, now.st_mtime_ns, now.st_size, now.st_ctime_ns) != \
                (then.st_ino, then.st_dev, then.st_mtime_ns, then.st_size, then.st_ctime_ns):
            return None
        for folder, times in ahead.folders.items():
            st = os.lstat(folder)
            if (st.st_mtime_ns, st.st_ctime_ns) != times:
                return None
    except OSError:
        return None
    return ahead
