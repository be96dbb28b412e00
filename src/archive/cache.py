"""A content-addressed build cache in one folder (``.archive-cache/``), safe to delete.

Owns storing and loading cached values so that a corrupt, stale or planted
entry can never change a site or run code: every key is a hash of everything
the value was made from (input bytes, templates, settings, glossary, this
package's own code and the versions of every library that shapes output),
values are plain data (JSON through :mod:`archive.codec`, never pickle), and
every entry carries a hash of its payload that is checked on every load; an
entry that fails the check or does not decode is a miss and is made again.
Writes are atomic (a temporary file renamed into place). The cache is
optional: when it cannot be written (a full or read-only disk) the build goes
on without it and says so once. It is bounded: :meth:`Cache.prune` removes the
entries used longest ago beyond a size (after builds, and ``archive cache prune``).
"""

from __future__ import annotations

import hashlib
import itertools
import os
import stat
import time
from pathlib import Path
from typing import Any, Callable, NamedTuple, Sequence

MAGIC = b"archive-cache-2\n"
"""The first line of every entry but a blob (a blob is its bytes alone, named by their hash)."""
CACHE_DIR = ".archive-cache"
MAX_BYTES = 1 << 30
"""Default bound of the cache folder (1 GiB): past it the entries used longest ago go first."""
PRUNE_AFTER = 256 << 20
"""Bytes written after which a prune (a walk of the whole folder) is due: a small rebuild does not pay
for one. A due prune runs while the next build's worker processes work (see :meth:`Cache.background_prune`):
the parent only waits for them then, and removing a template change's 2,000 old pages took 0.8 s of
wall-clock time (mostly waiting on the disk) at the end of every second template change."""
PRUNE_NOW = 2 * PRUNE_AFTER
"""Bytes written after which a build prunes at its end, not waiting for one that runs workers."""
LEDGER = "written"
"""The file at the cache's top: the bytes written since the last prune, when the last build started, and
an upper bound of the bytes the cache holds (see :meth:`Cache.settle`)."""


class Ledger(NamedTuple):
    """What :data:`LEDGER` says."""

    written: int
    """Bytes written since the last prune."""
    started: float | None
    """When the last build started (its working set is kept by the next prune)."""
    held: int | None
    """An upper bound of the bytes the cache holds, or None when not known."""


def digest(*parts: bytes | str) -> str:
    """A hex SHA-256 of the parts, each length-prefixed so that parts never run together."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def is_key(value: object) -> bool:
    """A key as :func:`digest` makes them: only such a key read from disk (a build state) names a cache file."""
    return type(value) is str and len(value) == 64 and not value.strip("0123456789abcdef")


_SERIAL = itertools.count()
"""Numbers the temporary files of one process (with its pid, names no other writer uses)."""


class Cache:
    """Values by key (plain data, see :mod:`archive.codec`) and blobs by their own hash, under one folder."""

    def __init__(self, root: Path | None, kinds: tuple[str, ...] | None = None):
        self.root = root
        self.kinds = kinds
        """Only these kinds of values are stored (blobs always are); None: every kind. A build's
        scratch cache (without ``.archive-cache``) keeps only what that build reads back."""
        self.wrote = False
        self.written = 0
        """Bytes this process stored."""
        self.failure: str | None = None
        """Why the cache stopped being written (the first failure), or None."""
        self.opened = time.time()
        """When this handle was made (a build's start): what was used since is that build's working set."""
        self.created = root is not None and not os.path.isdir(root)
        """Whether the folder is new with this handle: then it holds only what this build wrote, which a
        prune keeps (``keep_since``), so a prune at this build's end would walk it for nothing."""
        self.pruned = False
        """Whether this handle pruned (a due prune run during the build's workers)."""
        self.held: int | None = None
        """What the cache held after this handle's last prune walk (bytes it counts), if it walked."""
        self.fresh: set[str] = set()
        """The blobs this handle wrote (their bytes are this build's own: see :meth:`reader`)."""

    @property
    def enabled(self) -> bool:
        return self.root is not None

    def _path(self, kind: str, key: str) -> str:  # text: ~10 an interview, 3 pathlib joins each cost more
        assert self.root is not None
        return f"{self.root}/{kind}/{key[:2]}/{key}"

    def _write(self, path: str, payload: bytes, raw: bool = False) -> bool:
        """Store an entry atomically; on an OS error (disk full, read-only) stop writing, keep building.

        ``raw``: the payload alone, without the header of its hash (a blob: its name is its hash).
        Returns whether it was stored."""
        if self.failure is not None:
            return False
        tmp = f"{(folder := os.path.dirname(path))}/.tmp-{os.getpid()}-{next(_SERIAL)}"
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            # the entry's folder is made when a write finds it missing: asking first cost a call per entry
            try:
                fd = os.open(tmp, flags, 0o644)
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
                fd = os.open(tmp, flags, 0o644)
            try:
                view = memoryview(payload if raw else
                                  MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
                while view:
                    view = view[os.write(fd, view):]
            finally:
                os.close(fd)
            os.replace(tmp, path)
            self.wrote = True
            self.written += len(payload)
            return True
        except OSError as exc:
            self.failure = f"cannot write the build cache in {self.root} ({exc.strerror or exc}); " \
                           "building without it (delete the folder or free space to get it back)"
            try:
                os.unlink(tmp)
            except OSError:
                pass
            return False

    def _read(self, path: str) -> bytes | None:
        """An entry's payload if its recorded hash is the payload's."""
        try:
            with open(path, "rb") as entry:
                data = entry.read()
        except OSError:
            return None
        head = len(MAGIC) + 65
        if not data.startswith(MAGIC) or len(data) < head:
            return None
        recorded = data[len(MAGIC):head - 1]
        payload = data[head:]
        if hashlib.sha256(payload).hexdigest().encode() != recorded:
            return None
        try:  # used now: pruning removes the entries no build has used for longest, not the oldest made
            os.utime(path)
        except OSError:
            pass
        return payload

    def get(self, kind: str, key: str, mapping: Any = dict) -> Any | None:
        """The value stored under ``key``, or None (a miss, also for any damaged entry).

        ``mapping``: what its plain objects become (see :func:`codec.loads`)."""
        if self.root is None:
            return None
        payload = self._read(self._path(kind, key))
        if payload is None:
            return None
        from . import codec

        try:
            return codec.loads(payload, mapping, self.get_blob)
        except ValueError:  # a damaged or foreign entry is a miss, never an error
            return None

    def put(self, kind: str, key: str, value: Any, within: Sequence[tuple[str, bytes]] = (), finite: bool = False) -> None:
        """Store plain data (TypeError for anything :func:`codec.encode` refuses); its long HTML that
        blobs ``within`` (key, bytes) hold is not stored twice (:func:`codec.dumps`, as ``finite``)."""
        if self.root is not None and (self.kinds is None or kind in self.kinds):
            from . import codec

            self._write(self._path(kind, key), codec.dumps(value, within, finite))

    def get_bytes(self, kind: str, key: str) -> bytes | None:
        """The payload stored under ``key`` by :meth:`put_bytes` (checked against its hash), or None."""
        return None if self.root is None else self._read(self._path(kind, key))

    def put_bytes(self, kind: str, key: str, payload: bytes) -> None:
        """Store a payload its owner encodes and checks itself (the build state, see :mod:`archive.state`)."""
        if self.root is not None and (self.kinds is None or kind in self.kinds):
            self._write(self._path(kind, key), payload)

    def stores(self, kind: str) -> bool:
        """Whether values of ``kind`` are in this cache (so far: a write failure stops all writes)."""
        return self.root is not None and self.failure is None and (self.kinds is None or kind in self.kinds)

    def put_blob(self, data: bytes) -> str:
        """Store bytes under their own hash; returns the hash. A blob is the bytes alone (no header: its
        name is its hash, checked on every read), so that the writer can hard-link it into the site
        instead of copying it (see :meth:`reader`); :attr:`fresh` gets the hashes this handle wrote."""
        key = hashlib.sha256(data).hexdigest()
        if self.root is not None:
            path = self._path("blob", key)
            try:  # there already, whole: a damaged one is caught where it is read (get_blob) and made again
                there = os.stat(path).st_size == len(data)
            except OSError:
                there = False
            if not there and self._write(path, data, raw=True):
                self.fresh.add(key)
        return key

    def put_files(self, kind: str, key: str, files: dict[str, bytes]) -> None:
        """Store a set of files (site path → bytes): each as a blob, the listing under ``key``."""
        if self.root is not None:
            self.put(kind, key, {rel: [self.put_blob(data), len(data)] for rel, data in files.items()})

    def get_files(self, kind: str, key: str) -> dict[str, bytes] | None:
        """The files :meth:`put_files` stored under ``key``; None when the listing or any blob is missing or damaged."""
        listed = self.get(kind, key)
        if not isinstance(listed, dict):
            return None
        found = {}
        for rel, value in listed.items():
            well_formed = isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)
            data = self.get_blob(value[0]) if well_formed else None
            if data is None:  # a malformed listing, or a blob missing or damaged
                return None
            found[rel] = data
        return found

    def has(self, kind: str, key: str) -> bool:
        """Whether an entry is stored under ``key`` (not read: it may still turn out damaged, a miss then)."""
        return self.root is not None and os.path.isfile(self._path(kind, key))

    def touch(self, kind: str, key: str) -> None:
        """Mark an entry as used without loading it (pruning removes the entries used longest ago).

        A blob the site holds too (hard-linked, see :meth:`reader`) is left as it is: its time is the
        site file's, and pruning never counts it (see :meth:`prune`)."""
        if self.root is not None and self.failure is None:
            path = self._path(kind, key)
            try:
                if kind != "blob" or os.stat(path).st_nlink == 1:
                    os.utime(path)
            except OSError:
                pass  # gone, or a read-only cache: nothing to keep

    def reader(self, key: str, again: Callable[[], bytes], fresh: bool = False) -> "BlobReader":
        """A reader of the blob ``key`` for later; a blob missing or damaged by then is made ``again``.

        ``fresh``: this build wrote the blob (:attr:`fresh` of the handle that did), so the writer may
        hard-link it into the site without reading it again; any other is checked against its hash
        after linking (see :class:`BlobReader`)."""
        return BlobReader(self, key, again, fresh)

    def get_blob(self, key: str) -> bytes | None:
        """The bytes with this hash, verified, or None."""
        if self.root is None:
            return None
        path = self._path("blob", key)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            return None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            with os.fdopen(os.dup(fd), "rb") as source:
                data = source.read()
        except OSError:
            return None
        finally:
            os.close(fd)
        if hashlib.sha256(data).hexdigest() != key:
            return None
        if st.st_nlink == 1:  # renewed for pruning, unless the site holds it too (its time is the site's)
            try:
                os.utime(path)
            except OSError:
                pass
        return data

    def _ledger(self) -> Ledger | None:
        """The ledger; None when there is none or it cannot be read (a cache from before the count: a
        prune is due)."""
        try:
            parts = (self.root / LEDGER).read_text(encoding="ascii").split()  # type: ignore[operator]
            held = int(parts[2]) if len(parts) > 2 else None
            return Ledger(int(parts[0]), float(parts[1]) if len(parts) > 1 else None,
                          held if held is not None and held >= 0 else None)
        except (OSError, ValueError, IndexError):
            return None

    @staticmethod
    def _under_bound(ledger: Ledger | None, more: int = 0) -> bool:
        """Whether the ledger shows the cache (with ``more`` bytes) within :data:`MAX_BYTES`, so that a
        prune could remove nothing and its walk is skipped. Never once a whole bound's worth was
        written since the last walk: then the cache is walked and counted again whatever the ledger
        says (a wrong one delays a prune by at most that much)."""
        return ledger is not None and ledger.held is not None and ledger.written + more < MAX_BYTES \
            and ledger.held + more <= MAX_BYTES

    def background_prune(self) -> Callable[[], None] | None:
        """The prune earlier builds made due (None when none is), for this build to run while its
        workers work. The working set of the build that made it due is kept (``keep_since``: its
        start), as a prune at that build's end kept it; an entry this build is still to read and the
        prune removes is a miss (made again), never an error."""
        if self.root is None or self.kinds is not None or self.failure is not None or not self.root.is_dir():
            return None
        ledger = self._ledger()
        if ledger is not None and ledger.written < PRUNE_AFTER or self._under_bound(ledger):
            return None
        keep = ledger.started if ledger is not None and ledger.started is not None else self.opened

        def run() -> None:
            try:
                self.prune(keep_since=keep - 1)  # a second's slack for file systems' coarse times
            except OSError:  # the folder went away meanwhile: nothing to prune, the next build counts again
                return
            self.pruned = True
        return run

    def settle(self) -> None:
        """After a build: count what it wrote since the last prune. Past :data:`PRUNE_AFTER` a prune
        is due (the next build with workers runs it, see :meth:`background_prune`); past
        :data:`PRUNE_NOW` (builds without workers never run one) this build prunes now."""
        if self.root is None or self.kinds is not None or self.failure is not None \
                or not (self.written or self.pruned):
            return
        ledger = self._ledger()
        if self.created:
            held: int | None = 0
        elif self.pruned:
            held = self.held
        else:
            held = ledger.held if ledger is not None else None
        if self.pruned:
            total = self.written
        else:
            total = (ledger.written if ledger is not None else PRUNE_AFTER) + self.written
        if total >= PRUNE_NOW and not self.created and not self._under_bound(ledger, self.written):
            self.prune(keep_since=self.opened - 1)
            total, held = 0, self.held
        # what it held, and all this build wrote (some of it maybe counted already: a bound, not a sum)
        held = None if held is None else held + self.written
        try:
            (self.root / LEDGER).write_text(f"{total} {self.opened!r}" + ("" if held is None else f" {held}"),
                                            encoding="ascii")
        except OSError:
            pass

    def prune(self, max_bytes: int = MAX_BYTES, max_age_days: float | None = None,
              keep_since: float | None = None) -> tuple[int, int]:
        """Remove the entries used longest ago (a load renews an entry's time) until the folder holds
        at most ``max_bytes`` (and none unused for more than ``max_age_days``); returns (entries
        removed, bytes freed). Entries used since ``keep_since`` (the build that just ran: its working
        set, which at N = 2,000 is over 1 GiB) are never removed for size, or the next build would
        make them again. Only files of the cache's own layout (``KIND/xx/HEX`` and ``jinja/``)
        are ever removed."""
        if self.root is None or self.kinds is not None or not self.root.is_dir():
            return 0, 0
        entries = []
        for kind in sorted(os.listdir(self.root)):
            top = self.root / kind
            if not top.is_dir() or top.is_symlink():
                continue
            for dirpath, dirnames, names in os.walk(top):
                dirnames[:] = [d for d in dirnames if not os.path.islink(os.path.join(dirpath, d))]
                for name in names:
                    path = os.path.join(dirpath, name)
                    try:
                        st = os.lstat(path)
                    except OSError:
                        continue
                    if st.st_nlink == 1:  # a blob a site holds too frees nothing: neither counted nor removed
                        entries.append((st.st_mtime, st.st_size, path))
        entries.sort()
        total = sum(size for _, size, _ in entries)
        oldest = time.time() - max_age_days * 86400 if max_age_days is not None else None
        removed = freed = 0
        for mtime, size, path in entries:
            if total - freed <= max_bytes and (oldest is None or mtime >= oldest):
                break
            if keep_since is not None and mtime >= keep_since and (oldest is None or mtime >= oldest):
                break  # sorted by time: everything from here on was used by the last build
            try:
                os.unlink(path)
            except OSError:
                continue
            removed, freed = removed + 1, freed + size
        self.held = total - freed
        return removed, freed


class BlobReader:
    """A site file's bytes in the cache (:meth:`Cache.reader`): read them, or name the blob to hard-link.

    Calling it gives the bytes, checked against their hash (made again when the blob is missing or
    damaged). :meth:`link_source` names the blob's file for the writer to hard-link into the site
    (see ``output.py``), which then checks the linked file: a regular file of the right size, and,
    unless this build wrote the blob (``fresh``), of the right hash; otherwise it copies the bytes.
    """

    __slots__ = ("cache", "key", "again", "fresh")

    def __init__(self, cache: Cache, key: str, again: Callable[[], bytes], fresh: bool):
        self.cache, self.key, self.again, self.fresh = cache, key, again, fresh

    def __call__(self) -> bytes:
        data = self.cache.get_blob(self.key)
        return self.again() if data is None else data

    def link_source(self) -> tuple[str, bool] | None:
        """(the blob's file, whether its bytes are this build's own) or None without a cache."""
        if self.cache.root is None:
            return None
        return str(self.cache._path("blob", self.key)), self.fresh
