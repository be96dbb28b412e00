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
joins the parts' files.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

from .cache import Cache, digest
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
    combine: Callable[[Mapping[str, Mapping[str, bytes]], SiteInput], dict[str, bytes]] | None = None
    """The parts' files (part name → files ``run`` returned) → the files to add (with ``split``)."""


def _search_step() -> PostStep:
    from . import search
    from .cache import code_version

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
        else:
            produced = _run_split(step, read, site, cache)
        added.update({rel: Entry.of(data) for rel, data in sorted(produced.items())})
    return added


def _key(step: PostStep, read: Mapping[str, Entry], *more: str) -> str:
    return digest(step.name, step.version, *more, *(f"{rel}\0{read[rel].hash}" for rel in sorted(read)))


def _run(step: PostStep, read: Mapping[str, Entry], given: Mapping[str, Entry], site: SiteInput) -> dict[str, bytes]:
    if step.needs_folder:
        with materialized(read) as folder:
            return step.run(given, site, folder)
    return step.run(given, site, None)


def _run_split(step: PostStep, read: Mapping[str, Entry], site: SiteInput, cache: Cache) -> dict[str, bytes]:
    """A split step: the joined files from the cache, else each part from the cache or run, then joined.

    The parts missing from the cache run side by side, one per core (the
    tools are processes of their own), each given only its part's files.
    """
    assert step.split is not None and step.combine is not None
    parts = {name: {rel: read[rel] for rel in rels} for name, rels in sorted(step.split(list(read)).items())}
    keys = {name: _key(step, part, "part") for name, part in parts.items()}
    whole = digest(step.name, step.version, "whole", *(f"{name}\0{key}" for name, key in keys.items()))
    produced = cache.get_files("post", whole)
    if produced is not None:
        return produced
    done = {name: cache.get_files("post", keys[name]) for name in parts}
    missing = [name for name, files in done.items() if files is None]

    def run(name: str) -> dict[str, bytes]:
        made = _run(step, parts[name], parts[name], site)
        cache.put_files("post", keys[name], made)
        return made

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    with ThreadPoolExecutor(max_workers=max(1, min(len(missing), cores))) as pool:
        done.update(zip(missing, pool.map(run, missing)))
    produced = step.combine({name: files for name, files in done.items() if files is not None}, site)
    cache.put_files("post", whole, produced)
    return produced
