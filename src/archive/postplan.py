"""Post-plan steps: tools that read the planned site and add files to it (the sitemap, search indexing).

Owns :class:`PostStep`, :data:`POST_STEPS` and the machinery around them: a
step receives every planned file (and, if its tool needs a folder, a
temporary copy of the site made by :func:`materialized`), and returns more
files for the plan, so the output folder still holds only what ``archive``
wrote. A step's result is cached under a digest of its name, its version
and the files it reads, so a rebuild that changed nothing it reads costs a
cache lookup. A step that ``split``s its input runs once per part, each
part cached under a digest of its own files (a rebuild re-runs only the
parts whose files changed, up to one per core at a time), and ``combine``
joins the parts' files. A part's files go to the cache as soon as it is
done and stay there: the step hands on readers of them, so the process holds
the parts in flight, never every part's files.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

from .cache import Cache, digest
from .errors import ArchiveError
from .output import Entry
from .siteinput import SiteInput


@dataclass(frozen=True)
class PostStep:
    """One tool run over the planned site."""

    name: str
    version: str
    """Changes whenever the step's output for the same input may change (its tool's version)."""
    reads: Callable[[str], bool]
    """Which planned files (by site path) the step reads: only they decide its cache key."""
    run: Callable[[Mapping[str, Entry], SiteInput, Path | None], dict[str, bytes]]
    """Planned files, the site input and a materialised copy (or None) → files to add."""
    needs_folder: bool = False
    split: Callable[[list[str]], dict[str, list[str]]] | None = None
    """Cuts the files read into named parts: ``run`` then gets one part's files, and each part is cached alone."""
    combine: Callable[[Mapping[str, Mapping[str, Entry]], SiteInput], dict[str, Entry]] | None = None
    """The parts' files (part name → the files ``run`` returned, as entries whose bytes are read on demand)
    → the files to add (with ``split``)."""


def _search_step() -> PostStep:
    from . import search
    from .codeversion import code_version

    return PostStep(name="search", version=f"{search.version()} {code_version()}", reads=search.reads,
                    run=search.index_shard, split=search.split, combine=search.combine)


def _sitemap_step() -> PostStep:
    from .discovery import sitemap

    return PostStep(name="sitemap", version="1", reads=lambda rel: rel.endswith(".html"), run=sitemap)


POST_STEPS: tuple[tuple[str, Callable[[], PostStep]], ...] = (("sitemap", _sitemap_step), ("search", _search_step))
"""Every post-plan step by name, in order; each sees the files of the steps before it. Each is made when a
build runs it (``--no-search`` never imports the search adapter or asks Pagefind its version)."""


def post_steps(skip: frozenset[str] = frozenset()) -> tuple[PostStep, ...]:
    """The post-plan steps to run, but those named in ``skip``."""
    return tuple(make() for name, make in POST_STEPS if name not in skip)


@contextlib.contextmanager
def materialized(files: Mapping[str, Entry]) -> Iterator[Path]:
    """The planned files written to a temporary folder (removed afterwards), for tools that read a folder."""
    with tempfile.TemporaryDirectory(prefix="archive-plan-") as tmp:
        root = Path(tmp)
        for rel in sorted(files):
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel].content
            if isinstance(content, Path):
                try:
                    os.link(content, target)
                    continue
                except OSError:
                    shutil.copyfile(content, target)
                    continue
            target.write_bytes(files[rel].read())
        yield root


def run_post_steps(steps: tuple[PostStep, ...], files: dict[str, Entry], site: SiteInput,
                   cache: Cache) -> dict[str, Entry]:
    """The files every step adds to ``files``, from the cache where a step's inputs did not change."""
    added: dict[str, Entry] = {}
    for step in steps:
        current = {**files, **added}
        read = {rel: current[rel] for rel in sorted(current) if step.reads(rel)}
        if step.split is None:
            key = _key(step, read)
            produced = cache.get_files("post", key)
            if produced is None:
                produced = _run(step, read, current, site)
                cache.put_files("post", key, produced)
            added.update({rel: Entry.of(data) for rel, data in sorted(produced.items())})
        else:
            added.update(sorted(_run_split(step, read, site, cache).items()))
    return added


def _key(step: PostStep, read: Mapping[str, Entry], *more: str) -> str:
    return digest(step.name, step.version, *more, *(f"{rel}\0{read[rel].hash}" for rel in sorted(read)))


def _run(step: PostStep, read: Mapping[str, Entry], given: Mapping[str, Entry], site: SiteInput) -> dict[str, bytes]:
    if step.needs_folder:
        with materialized(read) as folder:
            return step.run(given, site, folder)
    return step.run(given, site, None)


def _run_split(step: PostStep, read: Mapping[str, Entry], site: SiteInput, cache: Cache) -> dict[str, Entry]:
    """A split step: the joined files from the cache, else each part from the cache or run, then joined.

    The parts missing from the cache run side by side, one per core (the
    tools are processes of their own), each given only its part's files.
    Each part's files go to the cache as soon as it is done and are kept as
    readers of their blobs (:func:`_kept`), so the step never holds more than
    the parts in flight: the joined files reach the site one at a time.
    """
    assert step.split is not None and step.combine is not None
    parts = {name: {rel: read[rel] for rel in rels} for name, rels in sorted(step.split(list(read)).items())}
    keys = {name: _key(step, part, "part") for name, part in parts.items()}
    whole = digest(step.name, step.version, "whole", *(f"{name}\0{key}" for name, key in keys.items()))

    def part_again(name: str) -> Callable[[], Mapping[str, bytes]]:
        return _once(lambda: _run(step, parts[name], parts[name], site))

    def whole_again() -> dict[str, bytes]:
        made = step.combine({name: {rel: Entry.of(data) for rel, data in again().items()}
                             for name, again in ((n, part_again(n)) for n in parts)}, site)
        return {rel: entry.read() for rel, entry in made.items()}

    produced = _stored(cache, whole, _once(whole_again))
    if produced is not None:
        return produced
    done = {name: _stored(cache, keys[name], part_again(name)) for name in parts}
    missing = [name for name, files in done.items() if files is None]

    def run(name: str) -> dict[str, Entry]:
        return _kept(cache, keys[name], _run(step, parts[name], parts[name], site), part_again(name))

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=max(1, min(len(missing), cores))) as pool:
        done.update(zip(missing, pool.map(run, missing)))
    joined = step.combine({name: files for name, files in done.items() if files is not None}, site)
    listing = {rel: [cache.put_blob(entry.content) if isinstance(entry.content, bytes) else entry.hash, entry.size]
               for rel, entry in joined.items()}  # the parts' blobs are stored already
    cache.put("post", whole, listing)
    return joined


def _kept(cache: Cache, key: str, files: Mapping[str, bytes],
          again: Callable[[], Mapping[str, bytes]]) -> dict[str, Entry]:
    """One part's files stored in the cache under ``key``, returned as readers of their blobs (the bytes let go).

    A cache that stores nothing (none, or one that failed to write) keeps the bytes instead.
    """
    listing = {rel: [cache.put_blob(data), len(data)] for rel, data in sorted(files.items())}
    cache.put("post", key, listing)
    if cache.root is None or cache.failure is not None:
        return {rel: Entry(blob, size, files[rel]) for rel, (blob, size) in listing.items()}
    return {rel: Entry(blob, size, cache.reader(blob, _file_of(again, rel))) for rel, (blob, size) in listing.items()}


def _stored(cache: Cache, key: str, again: Callable[[], Mapping[str, bytes]]) -> dict[str, Entry] | None:
    """The files stored under ``key`` as readers of their blobs (none is read yet), or None for a miss.

    A blob found missing or damaged when read is made ``again`` (the part, or the
    whole step, run without the cache). Each blob is marked used, so pruning keeps it.
    """
    listed = cache.get("post", key)
    if not isinstance(listed, dict):
        return None
    found = {}
    for rel, value in sorted(listed.items()):
        if not (isinstance(rel, str) and isinstance(value, list) and len(value) == 2
                and isinstance(value[0], str) and _BLOB.fullmatch(value[0])
                and isinstance(value[1], int) and value[1] >= 0):
            return None
        cache.touch("blob", value[0])
        found[rel] = Entry(value[0], value[1], cache.reader(value[0], _file_of(again, rel)))
    return found


_BLOB = re.compile(r"[0-9a-f]{64}")
"""A blob's key (its SHA-256): the only names a stored listing may give."""


def _file_of(again: Callable[[], Mapping[str, bytes]], rel: str) -> Callable[[], bytes]:
    def read() -> bytes:
        made = again().get(rel)
        if made is None:
            raise ArchiveError(f"the build cache changed while building (no {rel} when made again); build again")
        return made
    return read


def _once(make: Callable[[], Mapping[str, bytes]]) -> Callable[[], Mapping[str, bytes]]:
    """``make`` run at most once, when first asked (a fallback for blobs gone missing)."""
    lock, made = threading.Lock(), []

    def get() -> Mapping[str, bytes]:
        with lock:
            if not made:
                made.append(make())
            return made[0]
    return get
