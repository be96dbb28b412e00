"""``build()``: an archive folder → a complete two-script site, or every diagnostic.

Reads like the pipeline it runs: scan the archive, work out each interview's
keys, parse / convert / render what the cache does not already hold (spread
over all cores when there is much to do), check across interviews, render
the index pages, then write the site atomically — writing nothing at all
when nothing changed. Each step's result is cached under a key made of
everything it was made from (see ``cache.py``), so a rebuild after editing
one interview re-renders that interview's two pages and the two index pages.
"""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Callable

from markupsafe import Markup

from .cache import CACHE_DIR, Cache, code_version, digest, tree_hash
from .context import DIRS, index_context, index_entry, interview_view, page_context, root_context
from .errors import BuildError, Diagnostic, has_errors
from .model import SCRIPTS, Answer, Figure, Interview, Question, Settings
from .output import Entry, write_site
from .parse import Parsed, parse_interview
from .render import make_environment, render
from .scripts import name_diagnostics, to_script
from .serialize import interview_json
from .sources import (INTERVIEW_FILE, Digest, cross_check, decode_source, digest_of, read_source_bytes,
                      scan_archive)

PARALLEL_FROM = 8
"""Below this many interviews to (re)make, work stays in this process: starting workers costs more."""


@dataclass(frozen=True)
class Report:
    """What a build did."""

    out: Path
    interviews: int
    pages: int
    files: int
    seconds: float
    warnings: tuple[Diagnostic, ...]
    written: tuple[str, ...] = ()
    """Files whose content changed (or appeared) in this build; empty when nothing changed."""
    made: int = 0
    """Interviews parsed, converted or rendered in this build (the rest came from the cache)."""
    stages: tuple[tuple[str, float], ...] = ()
    """Seconds spent by stage over all interviews made (summed over processes)."""


@dataclass(frozen=True)
class Job:
    """Everything needed to make one interview's pages, as plain values (it crosses processes)."""

    folder: str
    shown: str
    data: bytes
    """The source's bytes, decoded in the worker (only when it must be parsed)."""
    parse_key: str
    view_keys: dict[str, str]
    page_keys: dict[str, str]
    settings: Settings
    templates: str
    cache_root: str | None


@dataclass
class Made:
    """One interview's results: what the archive-wide steps and the writer need."""

    folder: str
    parse_key: str
    page_keys: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]
    digest: Digest | None
    broken_slug: str | None
    date: Any = None
    images: tuple[str, ...] = ()
    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Site path → (content hash, size); the bytes are in the cache (or ``blobs`` without one)."""
    blobs: dict[str, bytes] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent on this interview by stage (parse, convert, render), for the benchmark."""


_ENVS: dict[str, Any] = {}


def make_interview(job: Job) -> Made:
    """Parse, convert and render one interview, taking whatever the cache already holds.

    Cache entries, each under a key of everything it was made from: ``summary``
    (what the archive-wide steps need) and ``parse`` (the model) by the source;
    ``view`` (the page's HTML pieces, index entry, JSON) by source, script,
    glossary and ``blocks.html``; ``page`` (the rendered files) by view,
    templates and settings. The model is loaded only when a view must be made.
    """
    cache = Cache(Path(job.cache_root) if job.cache_root else None)
    clock = time.perf_counter
    seconds = {"parse": 0.0, "convert": 0.0, "render": 0.0}
    started = clock()
    parsed: Parsed | None = None

    def load_parsed() -> Parsed:
        nonlocal parsed
        if parsed is None:
            parsed = cache.get("parse", job.parse_key)
            if parsed is None:
                text, problems = decode_source(job.data, job.shown)
                parsed = (parse_interview(text, job.shown, job.folder, job.settings.stage_directions) if text is not None
                          else Parsed(None, tuple(problems)))
                cache.put("parse", job.parse_key, parsed)
        return parsed

    summary = cache.get("summary", job.parse_key)
    if summary is None:
        p = load_parsed()
        names = (name_diagnostics(p.interview, job.settings.glossary, decode_source(job.data, job.shown)[0])
                 if p.interview else [])
        summary = (p.diagnostics + tuple(names), digest_of(p), p.slug if p.interview is None else None,
                   p.interview.date if p.interview else None, _images(p.interview) if p.interview else ())
        cache.put("summary", job.parse_key, summary)
    seconds["parse"] += clock() - started
    diagnostics, digest_, broken, date, images = summary
    made = Made(job.folder, job.parse_key, job.page_keys, diagnostics, digest_, broken,
                date=date, images=images, seconds=seconds)
    if digest_ is None:
        return made
    env = _ENVS.get(job.templates)
    if env is None:
        env = _ENVS[job.templates] = make_environment(Path(job.templates), cache.root)
    for script in SCRIPTS:
        started = clock()
        page = cache.get("page", job.page_keys[script])
        if page is None:
            view = cache.get("view", job.view_keys[script])
            if view is None:
                seconds["render"] += clock() - started
                started = clock()
                converted = to_script(load_parsed().interview, script, job.settings.glossary)
                seconds["convert"] += clock() - started
                started = clock()
                data = interview_json(converted)
                entry = index_entry(converted)
                entry["html"] = Markup(env.get_template("blocks.html").module.render_entry(entry))
                view = {"view": interview_view(converted, _block_renderer(env)), "entry": entry,
                        "json": (cache.put_blob(data), len(data))}
                if not cache.enabled:
                    made.blobs[view["json"][0]] = data
                cache.put("view", job.view_keys[script], view)
            html = render(env, "interview.html", page_context(view["view"], job.settings))
            base = f"{DIRS[script]}/{digest_.slug}"
            page = {"entry": view["entry"],
                    "files": {f"{base}/index.html": (cache.put_blob(html), len(html)),
                              f"{base}/interview.json": view["json"]}}
            if not cache.enabled:
                made.blobs[page["files"][f"{base}/index.html"][0]] = html
            cache.put("page", job.page_keys[script], page)
        made.entries[script] = page["entry"]
        made.files.update(page["files"])
        seconds["render"] += clock() - started
    return made


def build(archive_dir: Path | str, out: Path | str, templates: Path | str | None = None,
          strict: bool = False, cache_dir: Path | str | None | bool = True,
          jobs: int | None = None, progress: Callable[[int, int], None] | None = None) -> Report:
    """Build the archive at ``archive_dir`` into ``out``; raises BuildError with all diagnostics.

    ``cache_dir``: True for ``.archive-cache`` beside the archive, a path, or False for none.
    """
    started = time.perf_counter()
    archive_dir, out = Path(archive_dir), Path(out)
    project = archive_dir.resolve().parent
    plan = plan_site(archive_dir, templates, strict, cache_dir, jobs, progress)
    written = write_site(plan.files, out, archive_dir, project)
    pages = sum(1 for name in plan.files if name.endswith(".html"))
    return Report(out, plan.interviews, pages, len(plan.files), time.perf_counter() - started,
                  plan.diagnostics, tuple(written), plan.made, plan.stages)


@dataclass(frozen=True)
class Plan:
    files: dict[str, Entry]
    interviews: int
    diagnostics: tuple[Diagnostic, ...]
    made: int
    stages: tuple[tuple[str, float], ...] = ()


def plan_site(archive_dir: Path, templates: Path | str | None = None, strict: bool = False,
              cache_dir: Path | str | None | bool = True, jobs: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Plan:
    """Every file of the site as (hash, size, content), without writing the site."""
    project = archive_dir.resolve().parent
    templates = Path(templates) if templates else project / "templates"
    if cache_dir is True:
        cache_dir = project / CACHE_DIR
    cache = Cache(Path(cache_dir) if cache_dir else None)
    scan = scan_archive(archive_dir)
    settings = scan.settings
    diags = list(scan.diagnostics)
    code = code_version()
    template_key = tree_hash(templates, skip=("assets",))  # assets are copied, never rendered
    blocks_key = digest((templates / "blocks.html").read_bytes()) if (templates / "blocks.html").is_file() else ""
    settings_key = digest(repr(settings))
    glossary_key = digest(repr(settings.glossary))

    work: list[Job] = []
    stage_key = repr(settings.stage_directions)
    seen_files: dict[str, Entry] = {}
    """Every file beside an interview, read once: for the keys and again as the media copies."""
    for folder, shown in scan.sources:
        data, read_diags = read_source_bytes(folder / INTERVIEW_FILE, shown)
        diags.extend(read_diags)
        if data is None:
            continue
        parse_key = digest(code, shown, str(folder), data, stage_key, glossary_key, _folder_key(folder, seen_files))
        view_keys = {s: digest(parse_key, s, glossary_key, blocks_key) for s in SCRIPTS}
        page_keys = {s: digest(view_keys[s], template_key, settings_key) for s in SCRIPTS}
        work.append(Job(str(folder), shown, data, parse_key, view_keys, page_keys, settings, str(templates),
                        str(cache.root) if cache.root else None))

    state_key = digest(code, str(archive_dir.resolve()))
    state: dict[str, Made] = cache.get("state", state_key) or {}
    results: dict[str, Made] = {}
    todo = []
    for job in work:
        previous = state.get(job.folder)
        if previous is not None and previous.parse_key == job.parse_key and previous.page_keys == job.page_keys:
            results[job.folder] = previous  # a page whose cached bytes vanished is made again on demand
        else:
            todo.append(job)
    stages = {"parse": 0.0, "convert": 0.0, "render": 0.0}
    for folder, made in _run(todo, jobs, progress):
        results[folder] = made
        for stage, spent in made.seconds.items():
            stages[stage] += spent
    new_state = {k: v for k, v in results.items() if not v.blobs}
    if todo or set(new_state) != set(state):
        cache.put("state", state_key, new_state)

    ordered = [results[job.folder] for job in work]
    digests = [m.digest for m in ordered if m.digest is not None]
    broken = {m.broken_slug for m in ordered if m.broken_slug}
    for made in ordered:
        diags.extend(made.diagnostics)
    diags.extend(cross_check(digests, broken))
    diags = sorted(set(diags))
    if has_errors(diags, strict):
        raise BuildError(diags)

    good = sorted((m for m in ordered if m.digest is not None), key=lambda m: (-m.date.toordinal(), m.digest.slug))
    env = make_environment(templates, cache.root)
    files: dict[str, Entry] = {}

    def add(rel: str, data: bytes) -> None:
        files[rel] = Entry.of(data)

    add("index.html", render(env, "root.html", root_context(settings)))
    for script in SCRIPTS:
        add(f"{DIRS[script]}/index.html",
            render(env, "index.html", index_context([m.entries[script] for m in good], settings, script)))
    jobs_by_folder = {job.folder: job for job in work}
    for made in good:
        for rel, (key, size) in made.files.items():
            files[rel] = Entry(key, size, made.blobs.get(key) or _blob_reader(cache, key, jobs_by_folder[made.folder], rel))
        for image in made.images:
            path = Path(made.folder) / image
            files[f"media/{made.digest.slug}/{image}"] = seen_files.get(str(path)) or Entry.of_file(path)
    assets = templates / "assets"
    if assets.is_dir():
        for path in sorted(p for p in assets.rglob("*") if p.is_file()):
            files[f"assets/{path.relative_to(assets).as_posix()}"] = Entry.of_file(path)
    return Plan(files, len(good), tuple(diags), len(todo), tuple(stages.items()))


def _run(todo: list[Job], jobs: int | None, progress) -> list[tuple[str, Made]]:
    """Make the interviews in ``todo``, in worker processes when there are enough of them."""
    workers = jobs or os.cpu_count() or 1
    done: list[tuple[str, Made]] = []
    if len(todo) < PARALLEL_FROM or workers == 1:
        for job in todo:
            done.append((job.folder, make_interview(job)))
            if progress:
                progress(len(done), len(todo))
        return done
    # fork is fast, but only safe while this process runs no other thread (archive serve does)
    method = "fork" if threading.active_count() == 1 and sys.platform.startswith("linux") else "spawn"
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method)) as pool:
        chunk = max(1, min(16, len(todo) // (workers * 4)))
        for job, made in zip(todo, pool.map(make_interview, todo, chunksize=chunk)):
            done.append((job.folder, made))
            if progress:
                progress(len(done), len(todo))
    return done


def _block_renderer(env):
    """``blocks.html``'s macro as a function: bodies are rendered once per view, then cached."""
    macro = env.get_template("blocks.html").module.render_blocks
    return lambda blocks, labels: Markup(macro(blocks, labels))


def _folder_key(folder: Path, seen: dict[str, Entry]) -> str:
    """The images beside an interview, by name and content: they decide FIG001 and the copies."""
    parts: list[bytes | str] = []
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name != INTERVIEW_FILE and entry.is_file():
                with open(entry.path, "rb") as f:
                    data = f.read()
                parts += [entry.name, data]
                seen[entry.path] = Entry(hashlib.sha256(data).hexdigest(), len(data), Path(entry.path))
    return digest(*parts)


def _blob_reader(cache: Cache, key: str, job: Job, rel: str) -> Callable[[], bytes]:
    """Read a page from the cache; a missing or damaged entry is made again, never trusted."""
    def read() -> bytes:
        data = cache.get_blob(key)
        if data is None:
            fresh = make_interview(replace(job, cache_root=None))
            data = fresh.blobs[fresh.files[rel][0]]
        return data
    return read


def _images(interview: Interview) -> tuple[str, ...]:
    found: list[str] = []

    def walk(blocks) -> None:
        for block in blocks:
            if isinstance(block, Figure) and block.image:
                found.append(block.image)
            elif isinstance(block, Question):
                for answer in block.answers:
                    walk(answer.blocks)
            elif isinstance(block, Answer):
                walk(block.blocks)

    walk(interview.lead)
    for section in interview.sections:
        walk(section.blocks)
    return tuple(sorted(set(found)))
