"""Post-plan steps: tools that read the planned site and add files to it (search indexing next).

Owns :class:`PostStep`, :data:`POST_STEPS` and the machinery around them: a
step receives every planned file (and, if its tool needs a folder, a
temporary copy of the site made by :func:`materialized`), and returns more
files for the plan, so the output folder still holds only what ``archive``
wrote. A step's result is cached under a digest of its name, its version
and the files it reads, so a rebuild that changed nothing it reads costs a
cache lookup.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
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


def _search_step() -> PostStep:
    from . import search
    from .cache import code_version

    return PostStep(name="search", version=f"{search.version()} {code_version()}", reads=search.reads,
                    run=search.index_site)


def _sitemap_step() -> PostStep:
    from .discovery import sitemap

    return PostStep(name="sitemap", version="1", reads=lambda rel: rel.endswith(".html"), run=sitemap)


POST_STEPS: tuple[PostStep, ...] = (_sitemap_step(), _search_step())
"""Every post-plan step, in order; each sees the files of the steps before it."""


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
        read = sorted(rel for rel in current if step.reads(rel))
        key = digest(step.name, step.version, *(f"{rel}\0{current[rel].hash}" for rel in read))
        produced = cache.get_files("post", key)
        if produced is None:
            if step.needs_folder:
                with materialized({rel: current[rel] for rel in read}) as folder:
                    produced = step.run(current, site, folder)
            else:
                produced = step.run(current, site, None)
            cache.put_files("post", key, produced)
        added.update({rel: Entry.of(data) for rel, data in sorted(produced.items())})
    return added

