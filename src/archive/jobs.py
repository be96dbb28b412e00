"""What each interview is made of and which interviews a build makes again (steps 2 and 3 of a build).

Owns the interview jobs (each interview's source hash, images and cache
keys, see :mod:`archive.filehashes` for hashes known without reading) and
the decision, from the last build's state (:mod:`archive.state`), of which
ones to make again, and the worker processes that make them (:func:`make_all`;
the making of one is :mod:`archive.interviews`).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .cache import digest
from .errors import Diagnostic
from .warm import load_converting, worker_started

if TYPE_CHECKING:
    from .interviews import InterviewJob, InterviewOutput
    from .output import Entry
    from .sources import Scan
    from .warm import Helper

Progress = Callable[[int, int], None]
# ``ctx`` below is the build's shared values (``build._Build``: archive, templates, cache, code …),
# typed Any because build imports this module.


def interview_jobs(scan: Scan, ctx: Any) -> tuple[list[InterviewJob], dict[str, Entry], list[Diagnostic]]:
    """One job per interview, with its cache keys; every file beside an interview, read once."""
    from .interviews import InterviewJob
    from .model import SCRIPTS
    from .render import page_templates_key, templates_key
    from .filehashes import FileHashes
    from .output import Entry
    from .sources import INTERVIEW_FILE, hashed_files, hashed_source

    diagnostics = list(scan.diagnostics)
    settings = scan.settings
    template_key = page_templates_key(ctx.templates, cache=ctx.cache)  # the archive's overrides and the package's defaults
    body_key = templates_key(ctx.templates, only=("blocks.html", "labels"))
    settings_key = digest(repr(settings))
    glossary_key = digest(repr(settings.glossary))
    stage_key = repr(settings.stage_directions)
    media: dict[str, Entry] = {}
    jobs: list[InterviewJob] = []
    cache_root = str(ctx.cache.root) if ctx.cache.root else None
    tree = scan.tree  # the archive as the no-op decision listed it (stats taken then), or None
    hashes = FileHashes(ctx.cache.root if ctx.cache.kinds is None else None,  # never in a scratch cache
                        tree.started if tree is not None else None)

    def folder_key(folder: Path) -> str:
        """The images beside an interview, by name and content: they decide FIG001 and the copies."""
        parts: list[str] = []
        for path, sha, size in hashed_files(folder, hashes, INTERVIEW_FILE, tree):
            parts += [os.path.basename(path), sha]
            media[path] = Entry(sha, size, Path(path))
        return digest(*parts)

    for folder, display in scan.sources:  # (paths as text: 1,000 pathlib joins cost more than the rest of a key)
        name = str(folder)
        sha, _, problems = hashed_source(os.path.join(name, INTERVIEW_FILE), display, hashes, tree)
        diagnostics.extend(problems)  # (the worker reads the source again, checked against ``sha``)
        if sha is None:
            continue
        parse_key = digest(ctx.code, display, name, sha, stage_key, glossary_key, folder_key(folder))
        view_keys = {s: digest(parse_key, s, glossary_key, settings.quotes, body_key) for s in SCRIPTS}
        page_keys = {s: digest(view_keys[s], template_key, settings_key) for s in SCRIPTS}
        jobs.append(InterviewJob(name, display, None, parse_key, view_keys, page_keys, settings,
                                 str(ctx.templates), cache_root, ctx.cache.kinds, ctx.code, sha, ctx.search))
    hashes.save({os.path.join(job.folder, INTERVIEW_FILE) for job in jobs} | set(media))
    return jobs, media, diagnostics


def make_interviews(jobs: list[InterviewJob], ctx: Any, progress: Progress | None,
                    helper: Helper | None = None) -> tuple[list[InterviewOutput], int, tuple[tuple[str, float], ...]]:
    """Each interview's output, in the jobs' order: from the last build's state when its keys did not change.

    ``helper``: a process getting ready to make interviews (see :mod:`archive.warm`); it makes them when
    they are too few for the worker pool, and is ended here otherwise. ``ctx.workers``: ``--jobs``."""
    from . import state as build_state
    from .interviews import PARALLEL_FROM, STAGES, InterviewOutput

    key = state_key(ctx)
    state = build_state.loads(ctx.cache.get_bytes("state", key))
    results: dict[str, InterviewOutput] = {}
    todo = []
    to_convert = 0  # jobs whose text may need parsing and converting (not only rendering again)
    searched = ctx.search and ctx.cache.root is not None  # text for search is needed, and may be missing
    for job in jobs:
        previous = state.get(job.folder)
        if isinstance(previous, InterviewOutput) and previous.parse_key == job.parse_key \
                and previous.page_keys == job.page_keys and (previous.targets is None or
                                                             previous.summary_keys.keys() == job.page_keys.keys()) \
                and not (searched and previous.targets is not None and (ctx.drafts or not previous.draft)
                         and not all(ctx.cache.has("passages", job.view_keys[s]) for s in job.view_keys)):
            results[job.folder] = previous  # a page whose cached bytes vanished is made again on demand
        else:
            todo.append(known(job, previous if isinstance(previous, InterviewOutput) else None))
            to_convert += not (isinstance(previous, InterviewOutput) and previous.parse_key == job.parse_key
                               and previous.view_keys == job.view_keys)
    stages = dict.fromkeys(STAGES, 0.0)
    many = len(todo) >= PARALLEL_FROM
    if helper is not None and (not todo or many and not to_convert):
        # nothing to make; or only pages to render again (a template change), 1.7 ms each: the share the
        # helper could make while the workers are forked is small, and it would then compete with them
        helper.stop()
        helper = None
    if many:
        import gc

        gc.enable()  # paused for a small rebuild (see build._collector_paused); workers collect as usual
    # while a helper makes a few: a look at the output (ctx.meanwhile); while workers make many: that look
    # (the writer's scan of the site, 0.05 s at N = 1,000, was a twentieth of a template change), then a due prune
    meanwhile = _in_turn(ctx.meanwhile, ctx.cache.background_prune()) if many or helper is None else ctx.meanwhile
    for made in make_all(todo, ctx.workers, progress, meanwhile=meanwhile, helper=helper,
                         before_fork=lambda: _before_fork(todo[0], convert=to_convert > 0)):
        results[made.folder] = made
        ctx.cache.written += made.stored  # written by the worker's own handle on the same folder
        for stage, spent in made.seconds.items():
            stages[stage] += spent
    new_state = {k: v if v is state.get(k) else v.slim() for k, v in results.items() if not v.blobs}
    if todo or set(new_state) != set(state):
        ctx.cache.put_bytes("state", key, build_state.dumps(new_state, state))
    return [results[job.folder] for job in jobs], len(todo), tuple(stages.items())


def state_key(ctx: Any) -> str:
    """The key of the build state of this archive (at its path) and this code (see :mod:`archive.state`)."""
    return digest(ctx.code, str(ctx.archive.resolve()))


def _in_turn(*works: Callable[[], None] | None) -> Callable[[], None] | None:
    """One piece of work doing each of ``works`` (None: none) in turn; None when there is none."""
    todo = [work for work in works if work is not None]
    if len(todo) < 2:
        return todo[0] if todo else None

    def each() -> None:
        for work in todo:
            work()
    return each


def known(job: InterviewJob, previous: InterviewOutput | None) -> InterviewJob:
    """``job`` with what the last build made of the interview (``previous``, from the build state):
    its people's ids (used while their names are the same), its outline when the source is the same,
    its files too when its page keys are."""
    import dataclasses

    from .interviews import OUTLINE
    from .model import SCRIPTS

    if previous is None:
        return job
    if previous.parse_key != job.parse_key or not previous.parse_key:
        return job if previous.people is None else dataclasses.replace(job, people=previous.people)
    outline = {name: getattr(previous, name) for name in OUTLINE}
    page = None
    if previous.targets is not None and previous.page_keys == job.page_keys \
            and set(previous.summary_keys) == set(SCRIPTS) and previous.files:
        page = {"summary_keys": dict(previous.summary_keys),
                "files": {rel: list(entry) for rel, entry in previous.files.items()}}
    return dataclasses.replace(job, outline=outline, page=page, people=previous.people)


def make_all(todo: list[InterviewJob], jobs: int | None, progress: Progress | None,
             meanwhile: Callable[[], None] | None = None, helper: Helper | None = None,
             before_fork: Callable[[], None] | None = None) -> Iterator[InterviewOutput]:
    """Make the interviews in ``todo``, in worker processes when there are enough of them.

    ``meanwhile``: work for this process while others make the interviews (a due cache prune, a look at
    the output): while workers run, in a thread started once they are forked (a fork while another thread
    runs is not safe) and joined before returning; while ``helper`` (a process ready to make a few, see
    :mod:`archive.warm`) makes them, here; not run when this process makes them itself.

    With workers, ``helper`` makes the first of every :data:`HELPER_SHARE` interviews, starting while this
    process runs ``before_fork`` (loading what the workers share) and forks them; their outputs come last.
    """
    from . import interviews
    from .interviews import make_interview

    workers = min(jobs or os.cpu_count() or 1, max(1, len(todo)))  # never more processes than interviews
    done = 0
    if len(todo) < interviews.PARALLEL_FROM or workers == 1:
        made = helper.make(todo, meanwhile) if helper is not None and todo else None  # None: make them here
        for job, output in zip(todo, made or [None] * len(todo)):
            yield output or make_interview(job)
            done += 1
            if progress:
                progress(done, len(todo))
        return
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from .warm import can_fork

    head = todo[:len(todo) // HELPER_SHARE] if helper is not None else []
    if helper is not None:
        helper.start(head)
    if before_fork is not None:
        before_fork()
    method = "fork" if can_fork() else "spawn"  # fork is fast, but not while another thread runs (archive serve)
    aside = None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context(method),
                                 initializer=worker_started) as pool:
            pieces = [pool.submit(_make_piece, piece)  # the workers exist now
                      for piece in _pieces(todo[len(head):], workers)]
            if meanwhile is not None:
                aside = threading.Thread(target=meanwhile, name="archive-meanwhile", daemon=True)
                aside.start()
            try:
                for piece in pieces:
                    for made in piece.result():
                        yield made
                        done += 1
                        if progress:
                            progress(done, len(todo))
            except BaseException:  # an error, Ctrl-C, or the caller gone: the pieces not started are not made
                for piece in pieces:
                    piece.cancel()
                raise
        if head:
            assert helper is not None
            made = helper.finish()  # None: it failed (killed, a bug): made here, meeting the same error
            for job, output in zip(head, made or [None] * len(head)):
                yield output or make_interview(job)
                done += 1
                if progress:
                    progress(done, len(todo))
    finally:
        if helper is not None:
            helper.stop()
        if aside is not None:
            aside.join()


HELPER_SHARE = 8
"""With workers, the helper makes one interview in this many (the first ones): started while this
process loads what the workers share and forks them, some 0.1-0.3 s, the second core's otherwise idle
time; so small a share ends well before the workers' (a larger one would leave a core idle at the end)."""


def _pieces(todo: list[InterviewJob], workers: int) -> list[list[InterviewJob]]:
    """The jobs in the pieces the pool hands out, in order: up to 16 jobs each (a piece costs a round
    trip between processes), smaller towards the end, a quarter of an even share of what remains, so
    that the workers finish together (with pieces of 16 to the end, one core idled for up to 16
    interviews, 0.25 s at N = 1,000)."""
    pieces, at = [], 0
    while at < len(todo):
        size = max(1, min(16, (len(todo) - at) // (workers * 4)))
        pieces.append(todo[at:at + size])
        at += size
    return pieces


def _make_piece(piece: list[InterviewJob]) -> list[InterviewOutput]:
    from .interviews import make_interview

    return [make_interview(job) for job in piece]


def _before_fork(job: InterviewJob, convert: bool) -> None:
    """Load what every worker needs (parser, OpenCC's tables, pypinyin's, faker's, templates) once, here:
    forked workers then share those pages with this process instead of each loading its own copy, and
    ``gc.freeze`` keeps the collector from writing to (and so copying) them. Without ``convert`` (only
    pages to render again, as after a template change) only the templates are loaded."""
    import gc

    from .interviews import preload

    preload(job.templates)
    if convert:
        load_converting()
    gc.freeze()
