"""Writing a site: a staging folder, an atomic exchange, and refusal to touch what is not ours.

Owns the safety rules of the output directory. A build writes every file
into a fresh staging folder beside the target; only when all of it is
written is the staging folder exchanged with the target in one atomic step
(``renameat2(RENAME_EXCHANGE)`` on Linux; two renames elsewhere, where a kill
between them leaves the old site in ``.NAME.old-*``), so the output path holds
a whole site, old or new, at every instant. The folder records what it wrote
in a manifest (``.archive-site``), which is data to validate, never
instructions: a line that is not a hash and a plain relative path makes the
folder "not ours", and nothing is then written or removed. A folder without a
manifest, or holding files it does not list or symbolic links, is never
emptied or replaced. Leftovers of a killed build that are provably ours are
removed by the next one, and a failed write is one ``ArchiveError``. A
page whose bytes are a blob of the build cache is hard-linked from it (and
checked where it lands) rather than copied; since neither the writer nor the
cache ever writes into an existing file, sharing storage shares no change.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from . import outfs
from .errors import ArchiveError
from .manifest import MANIFEST, MANIFEST_HEADER, manifest_text, plain_path, read_manifest, read_nofollow
from .outfs import write_error as _write_error
from .sitescan import Prescan, prescan, scan, still
from .warm import in_halves

__all__ = ["MANIFEST", "MANIFEST_HEADER", "Entry", "Prescan", "check_output", "plain_path", "prescan", "read_manifest",
           "write_site"]

TEMP_SUFFIX = ".archive-new"
"""An in-place write goes to ``.NAME.archive-new`` beside NAME, then is renamed over it."""
PARALLEL_WRITE = 1000  # from this many files to place, two halves at once (see warm.in_halves)
IN_PLACE_SHARE = 0.5
"""When at most this share of a site's files changes, they are replaced in place (see write_site): a
template change (40 % of the files) then costs 2,000 renames instead of a staged copy of 5,000 files
and the removal of the old site (0.7 s instead of 1.1–1.6 s of CPU at N = 1,000). Either way every
file is whole, old or new, at every moment, and a failure before the renames changes nothing."""


@dataclass(frozen=True)
class Entry:
    """One file of a site: the hash and size of its bytes, and where to get them."""

    hash: str
    size: int
    content: bytes | Path | Callable[[], bytes]

    @classmethod
    def of(cls, data: bytes) -> "Entry":
        return cls(hashlib.sha256(data).hexdigest(), len(data), data)

    @classmethod
    def of_file(cls, path: Path) -> "Entry":
        data = path.read_bytes()
        return cls(hashlib.sha256(data).hexdigest(), len(data), path)

    def read(self) -> bytes:
        if isinstance(self.content, bytes):
            return self.content
        if isinstance(self.content, Path):
            return self.content.read_bytes()
        return self.content()


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _temp_target(rel: str) -> str:
    """The file an in-place write's temporary file ``rel`` was meant for ('' if it is not one)."""
    folder, _, name = rel.rpartition("/")
    if not (name.startswith(".") and name.endswith(TEMP_SUFFIX) and len(name) > 1 + len(TEMP_SUFFIX)):
        return ""
    target = name[1:-len(TEMP_SUFFIX)]
    return f"{folder}/{target}" if folder else target


def _site_leftovers(out: Path, listed: Mapping[str, str], planned: Mapping[str, object] | None = None,
                    scanned: tuple[Mapping[str, os.stat_result], list[str]] | None = None) -> list[str]:
    """Refuse a site holding links or files not ours; return the temporary files of a killed in-place write.

    A ``.NAME.archive-new`` file counts as ours when NAME is the manifest,
    listed in it or planned by this build: nothing else uses that pattern there.
    ``scanned``: :func:`archive.sitescan.scan` of ``out`` when the caller has just made it.
    """
    found, odd = scanned or scan(out)
    files = set(found)
    if odd:
        raise ArchiveError(f"refusing to write into {out}: it holds a symbolic link or special file archive did not "
                           f"make ({', '.join(odd[:5])}); archive never writes through one: remove it and build again")
    planned = planned or {}
    temps = sorted(rel for rel in files
                   if _temp_target(rel) and (_temp_target(rel) in listed or _temp_target(rel) in planned
                                             or _temp_target(rel) == MANIFEST))
    foreign = sorted(rel for rel in files - set(listed) - set(temps) - {MANIFEST} if not _already(out, rel, planned))
    if foreign:
        raise ArchiveError(f"refusing to replace {out}: it holds files archive did not write "
                           f"({', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}); move them away first")
    return temps


def _already(out: Path, rel: str, planned: Mapping[str, object]) -> bool:
    """A file this build plans that already holds exactly its bytes (a killed in-place write renamed it)."""
    entry = planned.get(rel)
    if not isinstance(entry, Entry):
        return False
    data = read_nofollow(out / rel)
    return data is not None and len(data) == entry.size and hashlib.sha256(data).hexdigest() == entry.hash


def check_output(out: Path, source: Path, project: Path | None = None, contents: bool = True) -> None:
    """Refuse an output folder that could destroy sources or files archive did not write.

    ``contents`` false skips the manifest and the walk looking for foreign files (done before any write).
    """
    out, source = out.resolve(), source.resolve()
    if _inside(out, source):
        raise ArchiveError(f"refusing to write the site to {out}: it is inside the source folder {source}; "
                           "choose another --out")
    if _inside(source, out):
        raise ArchiveError(f"refusing to write the site to {out}: it contains the source folder {source}; "
                           "choose a folder of its own, e.g. site/")
    if project is not None and out == project.resolve():
        raise ArchiveError(f"refusing to write the site to the project folder {out}; use e.g. site/")
    if out.exists() and not out.is_dir():
        raise ArchiveError(f"refusing to write the site to {out}: it is a file; choose a folder")
    if contents and out.is_dir() and any(out.iterdir()):
        listed = read_manifest(out)
        if listed is None:
            raise ArchiveError(f"refusing to write the site to {out}: the folder is not empty and archive did "
                               "not create it; choose an empty or new folder")
        _site_leftovers(out, listed)


def _leftover_folders(out: Path) -> None:
    """Remove ``.NAME.staging-*`` / ``.NAME.old-*`` beside ``out`` that a killed build left and that are ours.

    Ours means: a real folder holding a valid manifest of ours (a staging
    folder gets its manifest first), or an empty one. Anything else stays.
    """
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(staging|old)-[A-Za-z0-9_]+")
    with os.scandir(out.parent) as entries:
        found = [Path(e.path) for e in entries if pattern.fullmatch(e.name) and e.is_dir(follow_symlinks=False)]
    for folder in found:
        _remove_site(folder, cut_short=".staging-" in folder.name)


def _remove_site(folder: Path, cut_short: bool = False) -> None:
    """Remove a folder of ours: the files its manifest lists, the manifest, emptied folders; nothing else."""
    try:
        listed = read_manifest(folder, cut_short)
    except ArchiveError:
        return
    try:
        if listed is not None:
            root = outfs.open_root(folder)
            try:
                outfs.remove_listed(root, listed)
                outfs.unlink_quietly(root, MANIFEST)  # last: until then a kill leaves it provably ours
            finally:
                os.close(root)
        os.rmdir(folder)
    except OSError:
        pass  # something not ours is inside, or it is gone: leave it


def write_site(files: Mapping[str, Entry | bytes], out: Path, source: Path, project: Path | None = None,
               stats: dict[str, os.stat_result] | None = None, ahead: Prescan | None = None) -> list[str]:
    """Write ``files`` as the site at ``out``; returns the paths whose content changed.

    When every file is already there with the same content, nothing is written
    at all. When a few files change (an edited interview), each new file is
    first written beside its target under a temporary name; only when all of
    them are written are they renamed into place (each rename atomic: every
    file is whole, old or new) and the manifest updated last — a failure before
    that removes the temporary files and leaves the site as it was. Otherwise
    the new site is assembled in a staging folder (unchanged files hard-linked
    from the current site) and exchanged with the current one atomically; the
    old site is then removed (it was ours: see the manifest). Builds into the
    same folder wait for each other (a lock on the parent folder).

    ``stats``: filled with ``lstat`` of the files the site holds afterwards (relative path, the
    manifest too) where the writer knows them without another walk (not after a staged write).
    ``ahead``: the site as :func:`prescan` read it a moment ago, used if it is still current.
    """
    check_output(out, source, project, contents=False)
    entries = {rel: e if isinstance(e, Entry) else Entry.of(e) for rel, e in files.items()}
    bad = sorted(rel for rel in entries if not plain_path(rel))
    if bad:
        raise ArchiveError(f"internal error: the build planned files outside the site ({', '.join(bad[:3])})")
    out = out.resolve()
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(out.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise _write_error(exc, out.parent) from None
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _write_locked(entries, out, source, project, stats, ahead)
    finally:
        os.close(lock)


def _write_locked(files: dict[str, Entry], out: Path, source: Path, project: Path | None,
                  stats: dict[str, os.stat_result] | None, ahead: Prescan | None = None) -> list[str]:
    _leftover_folders(out)
    ahead = still(ahead, out)
    if ahead is not None:
        old, scanned = ahead.listed, ahead.scanned
    else:
        old = read_manifest(out) if out.is_dir() else None
        scanned = scan(out) if old is not None else ({}, [])  # without a manifest every file is to write
    present = scanned[0]
    changed = sorted(rel for rel, entry in files.items()
                     if (old or {}).get(rel) != entry.hash or not _same_size(present.get(rel), entry.size))
    if old is not None and not changed and set(old) == set(files):
        _keep_stats(stats, present, files, out, renamed=())
        return []  # the site is already this build: write nothing, touch nothing
    if out.is_dir() and any(out.iterdir()):
        if old is None:
            check_output(out, source, project)  # raises: not empty and not ours
        for temp in _site_leftovers(out, old or {}, files, scanned if old is not None else None):
            _remove_site_file(out, temp)
    removed = sorted(set(old or {}) - set(files))
    if old is not None and len(changed) + len(removed) <= IN_PLACE_SHARE * len(files):
        _replace_in_place(files, changed, removed, out)
        _keep_stats(stats, present, files, out, renamed=(*changed, MANIFEST))  # the manifest always
    else:
        _restage(files, set(changed), out, source, project)
    return changed


def _keep_stats(stats: dict[str, os.stat_result] | None, present: Mapping[str, os.stat_result],
                files: Mapping[str, Entry], out: Path, renamed: tuple[str, ...]) -> None:
    """Fill ``stats`` with every file the site now holds (and its manifest): a new ``lstat`` of those
    just ``renamed`` into place, the scan's of those left as they were. A file missing from it is
    looked at by the caller."""
    if stats is None:
        return
    fresh = set(renamed)
    for rel in [*files, MANIFEST]:
        if rel in fresh:
            try:
                stats[rel] = os.lstat(os.path.join(str(out), rel))
            except OSError:
                pass
        elif rel in present:
            stats[rel] = present[rel]


def _remove_site_file(out: Path, rel: str) -> None:
    root = outfs.open_root(out)
    try:
        outfs.remove_listed(root, [rel])
    finally:
        os.close(root)


def _manifest_text(files: Mapping[str, Entry]) -> str:
    return manifest_text({rel: entry.hash for rel, entry in files.items()})


def _content(entry: Entry) -> bytes | Path:
    return entry.content if isinstance(entry.content, Path) else entry.read()


def _place(folder: int, name: str, entry: Entry) -> None:
    """Create ``name`` in the open folder with the entry's bytes: hard-linked from the build cache when
    the entry's content names a blob there (``link_source()``, see ``Cache.reader``), else written.

    A linked file is checked where it now is (regular, its size, and its hash unless this build wrote
    the blob), so a damaged or planted blob is never used: its bytes are then read (and made again)
    the usual way. Nothing ever writes into a site file or a blob in place (both are replaced by
    rename), so sharing their storage shares no change; the site and the cache then hold each page
    once (a template change wrote 150 MB twice at N = 1,000).
    """
    source = getattr(entry.content, "link_source", None)
    found = source() if callable(source) else None
    if found is not None and outfs.link_new(folder, name, found[0], entry.size, None if found[1] else entry.hash):
        return
    outfs.write_new(folder, name, _content(entry))


def _restage(files: Mapping[str, Entry], changed: set[str], out: Path, source: Path, project: Path | None) -> None:
    """Assemble the whole site in a staging folder beside ``out`` (manifest first), then exchange.

    The files are placed in sorted order, so each folder is made and opened once for all its files
    (:class:`outfs.Folders`), not every folder on a file's path for each file (14,000 opens for a
    cold build's 5,000 files at N = 1,000)."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    except OSError as exc:
        raise _write_error(exc, out.parent) from None
    at = [""]  # the file being placed ('' before and after: the error is the folder's)
    try:
        root = outfs.open_root(staging)
        try:
            at[0] = MANIFEST
            outfs.write_new(root, MANIFEST, _manifest_text(files).encode("utf-8"))  # first: the folder is ours
            current = str(out) if out.is_dir() else None  # the site whose unchanged files are linked

            def place(folder: int, name: str, rel: str) -> None:
                if rel in changed or current is None or not _link(os.path.join(current, rel), folder, name):
                    _place(folder, name, files[rel])

            def place_all(rels: list[str]) -> None:
                outfs.place_each(root, rels, place, at, fresh=True)

            def again(rels: list[str]) -> None:  # the half a failed child left: replaced whole
                outfs.unlink_listed(root, rels)
                place_all(rels)
            in_halves(sorted(files), place_all, again, wanted=len(files) >= PARALLEL_WRITE)
        finally:
            os.close(root)
        os.chmod(staging, 0o755)
        _swap(staging, out, source, project)
    except OSError as exc:
        _remove_site(staging)
        raise _write_error(exc, out / at[0] if at[0] else out) from None
    except BaseException:
        _remove_site(staging)
        raise


def _link(existing: str, folder: int, name: str) -> bool:
    """Hard-link an unchanged regular file from the current site (never a link's target)."""
    try:
        if not stat.S_ISREG(os.lstat(existing).st_mode):
            return False
        os.link(existing, name, dst_dir_fd=folder, follow_symlinks=False)
        return True
    except OSError:
        return False


def _swap(staging: Path, out: Path, source: Path, project: Path | None) -> None:
    """Put the complete ``staging`` at ``out``; the old site (ours) is removed afterwards."""
    if not out.exists():
        os.rename(staging, out)
        return
    check_output(out, source, project)  # nothing foreign appeared while we built
    if outfs.exchange(staging, out):
        _remove_site(staging)  # it holds the old site now
        return
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))  # no exchange here: two renames
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except BaseException:
        os.rename(old, out)
        raise
    _remove_site(old)


def _replace_in_place(files: Mapping[str, Entry], changed: list[str], removed: list[str], out: Path) -> None:
    """Write the changed files beside their targets, then rename them all into place, the manifest last.

    Both passes go through the files in sorted order with :class:`outfs.Folders` (each folder opened
    once, and only the current path's folders open at a time): no descriptor is held per file.
    """
    made: list[tuple[str, ...]] = []  # the folders made here (a child's are left, should both fail)
    written = [_temp(rel) for rel in changed + [MANIFEST]]  # the temporary files that may exist
    wanted, at = len(changed) >= PARALLEL_WRITE, [""]
    root = outfs.open_root(out)
    try:
        def temp(folder: int, name: str, rel: str) -> None:
            _place(folder, _temp(name), files[rel])

        def place_all(rels: list[str]) -> None:
            outfs.place_each(root, rels, temp, at, made=made)

        def again(rels: list[str]) -> None:  # the half a failed child left: replaced whole
            outfs.unlink_listed(root, [_temp(rel) for rel in rels])
            place_all(rels)
        try:
            in_halves(changed, place_all, again, wanted=wanted)
            at[0] = MANIFEST
            outfs.write_new(root, _temp(MANIFEST), _manifest_text(files).encode("utf-8"))
        except BaseException as exc:
            outfs.unlink_listed(root, written)
            outfs.remove_empty(root, made)
            if isinstance(exc, OSError):
                raise _write_error(exc, out / at[0] if at[0] else out) from None
            raise

        def rename(folder: int, name: str, rel: str) -> None:
            os.rename(_temp(name), name, src_dir_fd=folder, dst_dir_fd=folder)
        try:  # in one process: two renaming at once took longer (1,000 renames each: 98 µs a rename, not 40)
            outfs.place_each(root, changed, rename, at, create=False)
            outfs.remove_listed(root, removed)  # files of the previous build that this one no longer makes
            os.rename(_temp(MANIFEST), MANIFEST, src_dir_fd=root, dst_dir_fd=root)  # the manifest last
        except OSError as exc:
            raise _write_error(exc, out, "some files may already be new: build again") from None
    finally:
        os.close(root)


def _temp(rel: str) -> str:
    """The temporary name an in-place write gives ``rel`` beside it (see :func:`_temp_target`)."""
    folder, _, name = rel.rpartition("/")
    return f"{folder}/.{name}{TEMP_SUFFIX}" if folder else f".{name}{TEMP_SUFFIX}"


def _same_size(st: os.stat_result | None, size: int) -> bool:
    """Whether a regular file of the scan (its ``lstat``, None when absent) has ``size`` bytes."""
    return st is not None and stat.S_ISREG(st.st_mode) and st.st_size == size
