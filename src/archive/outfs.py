"""Filesystem steps inside the output folder that never follow a symbolic link.

Owns the system calls ``output.py`` builds its guarantees from: opening a
folder path one component at a time with ``O_NOFOLLOW`` (so a link planted
inside the site makes the step fail instead of writing or deleting
elsewhere), writing a new file exclusively, removing the files a manifest
lists, hard-linking a file in (checked after linking), and exchanging two folders atomically with Linux's
``renameat2(RENAME_EXCHANGE)``. Where the exchange is not available (another
system, an old C library, a filesystem that refuses it), :func:`exchange`
says so by returning False and the caller falls back to two renames. Every
failure is an ``OSError``; the caller turns it into one clear line.
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import os
import stat
from pathlib import Path
from typing import Callable, Iterable

from .errors import ArchiveError

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
AT_FDCWD = -100
RENAME_EXCHANGE = 2
CHUNK = 1 << 20


def open_root(folder: Path | str) -> int:
    """A descriptor of ``folder`` itself (the folder the user named; a link there is the user's choice)."""
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)


def open_dir(root: int, parts: Iterable[str]) -> int:
    """Open the folder ``root/parts…`` without following links (a missing one is an error)."""
    fd = os.dup(root)
    try:
        for part in parts:
            child = os.open(part, DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


class Folders:
    """The folders under ``root`` that files placed in sorted order go into, each opened once.

    Consecutive files share their folders: each folder on the current path stays open until a file
    outside it comes, so only the current path's descriptors are open (staging 5,000 files at
    N = 1,000 had opened 14,000 folders, one per path part per file; an in-place write kept one
    descriptor per file, 2,000 for a template change, past a common limit of 1,024). Never through
    a link. ``fresh``: a tree this build is making (a staging folder), where a missing folder is the
    rule: it is made first, then opened. ``create`` false: a missing folder is an error. ``made``:
    gets the path of each folder made here. The descriptors are this object's: :meth:`close`."""

    def __init__(self, root: int, create: bool = True, fresh: bool = False,
                 made: list[tuple[str, ...]] | None = None):
        self.root, self.create, self.fresh, self.made = root, create, fresh, made
        self.path: tuple[str, ...] = ()
        self.fds: list[int] = []

    def open(self, parts: tuple[str, ...]) -> int:
        """The open folder ``root/parts…``; valid until the next call or :meth:`close`."""
        keep = 0
        while keep < len(self.fds) and keep < len(parts) and parts[keep] == self.path[keep]:
            keep += 1
        while len(self.fds) > keep:
            os.close(self.fds.pop())
        self.path = parts[:keep]
        parent = self.fds[-1] if self.fds else self.root
        for part in parts[keep:]:
            parent = self._child(parent, part)
            self.fds.append(parent)
            self.path += (part,)
        return parent

    def _child(self, parent: int, part: str) -> int:
        if self.fresh:
            try:
                os.mkdir(part, 0o755, dir_fd=parent)
            except FileExistsError:
                return os.open(part, DIR_FLAGS, dir_fd=parent)
        else:
            try:
                return os.open(part, DIR_FLAGS, dir_fd=parent)
            except FileNotFoundError:
                if not self.create:
                    raise
                try:
                    os.mkdir(part, 0o755, dir_fd=parent)
                except FileExistsError:  # made meanwhile (the other half of a write, see place_each)
                    return os.open(part, DIR_FLAGS, dir_fd=parent)
        if self.made is not None:
            self.made.append((*self.path, part))
        return os.open(part, DIR_FLAGS, dir_fd=parent)

    def close(self) -> None:
        while self.fds:
            os.close(self.fds.pop())
        self.path = ()


def place_each(root: int, rels: list[str], place: Callable[[int, str, str], None], at: list[str],
               create: bool = True, fresh: bool = False, made: list[tuple[str, ...]] | None = None) -> None:
    """``place(folder, name, rel)`` for each site path ``rel`` (in sorted order) with its folder under
    ``root`` open (:class:`Folders`: each opened once); ``at[0]`` names the one being placed while it is
    (for an error's message), '' after the last."""
    folders = Folders(root, create=create, fresh=fresh, made=made)
    try:
        for rel in rels:
            at[0] = rel
            *parts, name = rel.split("/")
            place(folders.open(tuple(parts)), name, rel)
        at[0] = ""
    finally:
        folders.close()


def remove_empty(root: int, folders: Iterable[tuple[str, ...]]) -> None:
    """Remove these folders under ``root`` (paths as parts), deepest first, where they are empty;
    never through a link (those :class:`Folders` made after a failed write, or emptied ones)."""
    for parts in sorted(folders, key=len, reverse=True):
        try:
            fd = open_dir(root, parts[:-1])
        except OSError:
            continue
        try:
            os.rmdir(parts[-1], dir_fd=fd)
        except OSError:
            pass  # not empty, or already gone
        finally:
            os.close(fd)


def write_new(folder: int, name: str, content: bytes | Path) -> None:
    """Create ``name`` in the open folder (it must not exist) and write all of ``content``.

    ``content`` is bytes or the path of a source file to copy. A failure
    (a full disk, a quota) removes the partial file before raising.
    """
    fd = os.open(name, NEW_FILE_FLAGS, 0o644, dir_fd=folder)
    try:
        try:
            if isinstance(content, Path):
                with open(content, "rb") as source:
                    while chunk := source.read(CHUNK):
                        _write_all(fd, chunk)
            else:
                _write_all(fd, content)
        finally:
            os.close(fd)
    except BaseException:
        unlink_quietly(folder, name)
        raise


_CAN_LINK = os.link in os.supports_dir_fd and os.link in os.supports_follow_symlinks
"""Whether this system links into an open folder without following a link (Linux, macOS)."""


def link_new(folder: int, name: str, source: str, size: int, sha: str | None = None) -> bool:
    """Hard-link the file ``source`` as ``name`` in the open folder (it must not exist), if what got
    linked is a regular file of ``size`` bytes and, with ``sha``, of that SHA-256; False, leaving
    nothing, otherwise (a link planted at ``source`` is linked as a link, seen and undone; another
    filesystem or a system without hard links cannot link at all).

    The check reads the linked file itself, never ``source`` again, so what it passes is exactly
    what the folder then holds.
    """
    if not _CAN_LINK:
        return False
    try:
        os.link(source, name, dst_dir_fd=folder, follow_symlinks=False)
    except OSError:
        return False
    try:
        if sha is None:
            st = os.stat(name, dir_fd=folder, follow_symlinks=False)
            good = stat.S_ISREG(st.st_mode) and st.st_size == size
        else:
            good = _holds(folder, name, size, sha)
    except OSError:
        good = False
    if not good:
        unlink_quietly(folder, name)
    return good


def _holds(folder: int, name: str, size: int, sha: str) -> bool:
    fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=folder)
    try:
        st = os.fstat(fd)
        if not (stat.S_ISREG(st.st_mode) and st.st_size == size):
            return False
        digest = hashlib.sha256()
        while chunk := os.read(fd, CHUNK):
            digest.update(chunk)
        return digest.hexdigest() == sha
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def unlink_quietly(folder: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=folder)
    except FileNotFoundError:
        pass


def remove_listed(root: int, rels: Iterable[str]) -> None:
    """Remove the listed files under ``root`` and the folders that become empty; never through a link.

    A listed path whose folder is missing or is a link is skipped: what is
    not where the list says is not ours to remove. A listed name that is a
    link is removed as a link (its target is never touched).
    """
    folders: set[tuple[str, ...]] = set()
    for parts in unlink_listed(root, rels):
        for depth in range(1, len(parts)):
            folders.add(tuple(parts[:depth]))
    remove_empty(root, folders)  # one not empty holds something not ours: it stays


def unlink_listed(root: int, rels: Iterable[str]) -> list[list[str]]:
    """Remove the listed files under ``root`` where their folders still are (never through a link);
    returns the parts of each path whose folder was found."""
    found = []
    for rel in rels:
        parts = rel.split("/")
        try:
            fd = open_dir(root, parts[:-1])
        except OSError:
            continue
        try:
            unlink_quietly(fd, parts[-1])
        except OSError:
            pass
        finally:
            os.close(fd)
        found.append(parts)
    return found


def _renameat2():
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    function.restype = ctypes.c_int
    return function


_RENAMEAT2 = _renameat2()


def exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step; False (nothing done) where the system cannot."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def write_error(exc: OSError, path: Path, done: str = "the previous site is untouched") -> ArchiveError:
    """One line for a write that failed: where, why, and what to do."""
    reason = exc.strerror or str(exc)
    if isinstance(exc.filename, str) and os.path.isabs(exc.filename) and ".staging-" not in exc.filename:
        reason += f" ({exc.filename})"  # e.g. the source file a copy reads
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "free some disk space (or raise the quota) and build again"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        advice = "make the folder writable for this user or choose another --out"
    elif exc.errno in (errno.ELOOP, errno.ENOTDIR):
        advice = "a symbolic link or a file stands where the site needs a folder: remove it and build again"
    else:
        advice = "fix the cause and build again"
    return ArchiveError(f"cannot write {path}: {reason}; {advice}; {done}")
