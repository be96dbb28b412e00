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


def scan(out: Path) -> tuple[dict[str, os.stat_result], list[str]]:
    """Every regular file under ``out`` (relative path → its ``lstat``), and every link or special
    file (never followed). One walk serves the writer's three questions: which files differ in size
    from the plan, which are not ours, and (for the no-op stamp) what the site holds afterwards."""
    files: dict[str, os.stat_result] = {}
    odd: list[str] = []
    folders = [("", str(out))]
    while folders:
        prefix, folder = folders.pop()
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
    """The manifest's ``lstat`` when it was read: the same file later means the same site."""
    listed: dict[str, str]
    scanned: tuple[dict[str, os.stat_result], list[str]]


def prescan(out: Path) -> Prescan | None:
    """The site's manifest and files as they are now, or None (no site of ours there, or it cannot be read).

    A build reads them while it waits for the interviews it makes (see :mod:`archive.warm`), and the
    writer uses them if the manifest is still the very file read (same inode, time and size) once it
    holds the lock: every build that changes the site replaces its manifest, last. Only a shortcut:
    anything unexpected and the writer reads the site itself, as it always did."""
    out = out.resolve()
    try:
        before = os.lstat(out / MANIFEST)
        if not stat.S_ISREG(before.st_mode):
            return None
        listed = read_manifest(out)
        return None if listed is None else Prescan(before, listed, scan(out))
    except (OSError, ArchiveError):
        return None


def still(ahead: Prescan | None, out: Path) -> Prescan | None:
    """``ahead`` if the site's manifest is still the file it read, else None."""
    if ahead is None:
        return None
    try:
        now = os.lstat(out / MANIFEST)
    except OSError:
        return None
    then = ahead.manifest
    same = (now.st_ino, now.st_dev, now.st_mtime_ns, now.st_size, now.st_ctime_ns) == \
        (then.st_ino, then.st_dev, then.st_mtime_ns, then.st_size, then.st_ctime_ns)
    return ahead if same else None
