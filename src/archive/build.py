"""``build()``: an archive folder → a complete two-script site, or every diagnostic.

Reads like the pipeline it runs (:func:`plan_site`): scan the archive, key
every interview, make the interviews the cache does not already hold
(``interviews.py``), check across interviews, make the site-wide pages
(``pages.SITE_PAGES``), run the post-plan steps (``postplan.POST_STEPS``),
then write the site atomically — writing nothing at all when nothing
changed. Each result is cached under a key of everything it was made from
(see ``cache.py``), so a rebuild after editing one interview re-renders that
interview's two pages and the site-wide pages.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from .cache import CACHE_DIR, Cache, digest
from .codeversion import code_version
from .errors import BuildError, Code, Diagnostic, Severity, has_errors
from .freshness import Stamp, Tree

if TYPE_CHECKING:  # the pipeline's modules are imported by the steps that use them: a no-op needs none
    from .interviews import InterviewJob, InterviewOutput
    from .output import Entry
    from .sources import Scan

Progress = Callable[[int, int], None]
SCRATCH_KINDS = ("passages",)
"""What a build without a cache keeps on disk while it runs (besides the pages' bytes): see :func:`_scratch`."""


@dataclass(frozen=True)
class BuildReport:
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
class Plan:
    """Every file of the site, before anything is written."""

    files: dict[str, Entry]
    interviews: int
    diagnostics: tuple[Diagnostic, ...]
    made: int
    stages: tuple[tuple[str, float], ...] = ()
    template_folders: tuple[Path, ...] = ()
    """The templates folders the build read, the archive's and the package's (inputs of the no-op decision)."""


def build(archive_dir: Path | str, out: Path | str, templates: Path | str | None = None,
          strict: bool = False, cache_dir: Path | str | None | bool = True,
          jobs: int | None = None, progress: Progress | None = None, drafts: bool = False,
          search: bool = True) -> BuildReport:
    """Build the archive at ``archive_dir`` into ``out``; raises BuildError with all diagnostics.

    ``cache_dir``: True for ``.archive-cache`` beside the archive, a path, or False for none.
    ``drafts``: include interviews marked ``draft: true`` (``archive serve`` does).
    ``search``: run the search indexing step (``--no-search`` skips it).
    """
    started = time.perf_counter()
    archive_dir, out = Path(archive_dir), Path(out)
    stamp = _stamp(archive_dir, out, templates, strict, cache_dir, drafts, search)
    recorded = stamp.recorded_report() if stamp else None
    if recorded is not None:
        return _unchanged(recorded, out, started)                                # nothing changed anywhere
    with _collector_paused(), _scratch(cache_dir, out) as cache:
        from . import output

        ahead: list[output.Prescan | None] = []  # the site read while the interviews are made elsewhere
        plan = plan_site(archive_dir, templates, strict, cache_dir, jobs, progress, drafts, search, cache=cache,
                         tree=stamp.tree if stamp else None, meanwhile=lambda: ahead.append(output.prescan(out)))
        stats: dict = {}  # what the site holds afterwards, as the writer saw it (for the stamp)
        written = output.write_site(plan.files, out, archive_dir, archive_dir.resolve().parent, stats,
                                    ahead[0] if ahead else None)
    pages = sum(1 for name in plan.files if name.endswith(".html"))
    report = BuildReport(out, plan.interviews, pages, len(plan.files), time.perf_counter() - started,
                         plan.diagnostics, tuple(written), plan.made, plan.stages)
    if stamp:
        stamp.record({"interviews": report.interviews, "pages": pages, "files": report.files,
                      "warnings": [[d.path, d.line, d.col, d.code, int(d.severity), d.message]
                                   for d in report.warnings]}, [str(f) for f in plan.template_folders],
                     [*plan.files, output.MANIFEST], stats)  # what the output holds now: no need to list it
    return report


def _stamp(archive_dir: Path, out: Path, templates, strict: bool, cache_dir, drafts: bool,
           search: bool) -> Stamp | None:
    """The no-op decision's state for this archive, output and options (None without a cache)."""
    if cache_dir is False or cache_dir is None:
        return None
    root = archive_dir.resolve().parent / CACHE_DIR if cache_dir is True else Path(cache_dir)
    default = archive_dir.resolve().parent / "templates"
    options = (str(Path(templates or default).resolve()), strict, drafts, search)
    return Stamp(str(root), str(archive_dir), str(out), options)


def _unchanged(recorded: dict, out: Path, started: float) -> BuildReport:
    """The report of a build that found its last build's site still current: nothing written."""
    try:
        warnings = tuple(Diagnostic(str(p), int(line), int(col), str(code), Severity(int(sev)), str(message))
                         for p, line, col, code, sev, message in recorded["warnings"])
        counts = int(recorded["interviews"]), int(recorded["pages"]), int(recorded["files"])
    except (KeyError, TypeError, ValueError):
        warnings, counts = (), (0, 0, 0)
    return BuildReport(out, counts[0], counts[1], counts[2], time.perf_counter() - started, warnings)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off while this process plans and writes the site, on again after.

    A rebuild after an edit allocates some 10^5 objects beside the 10^5 its
    imports made, so the collector's full passes, each over all of them,
    cost it 30 ms (7 %) at N = 1,000 while finding next to nothing (cycles
    are rare here; plain garbage goes by reference counting). A build that
    forks workers turns it on again first (see :func:`archive.jobs.make_interviews`):
    workers making hundreds of interviews collect as usual; so does the
    search step (:func:`post_steps`), which reads every page.
    """
    import gc

    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        (gc.enable if was else gc.disable)()  # as the caller had it, whatever the steps did


@contextlib.contextmanager
def _scratch(cache_dir, out: Path) -> Iterator[Cache | None]:
    """Without a cache, a temporary one beside the output for this build only, removed afterwards.

    It holds the pages' bytes (and the search text) while the build runs, so
    that no process keeps every page in memory; it stores nothing else and is
    never read by another build.
    """
    if cache_dir is not False and cache_dir is not None:
        yield None
        return
    import shutil
    import tempfile

    out.resolve().parent.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix=f".{out.name}.scratch-", dir=out.resolve().parent))
    try:
        yield Cache(folder, kinds=SCRATCH_KINDS)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@dataclass
class _Build:
    """The values every step of one build shares."""

    archive: Path
    templates: Path
    cache: Cache
    strict: bool
    drafts: bool
    code: str
    search: bool = True
    meanwhile: Callable[[], None] | None = None
    """Work for this process while a helper makes the interviews (see :func:`archive.jobs.make_all`)."""
    workers: int | None = None
    """Processes that make interviews (``--jobs``); 1: everything in this one, site pages included."""


from .jobs import interview_jobs, make_interviews, state_key  # noqa: E402  (steps 2 and 3)


def plan_site(archive_dir: Path, templates: Path | str | None = None, strict: bool = False,
              cache_dir: Path | str | None | bool = True, jobs: int | None = None,
              progress: Progress | None = None, drafts: bool = False, search: bool = True,
              cache: Cache | None = None, tree: Tree | None = None,
              meanwhile: Callable[[], None] | None = None) -> Plan:
    """Every file of the site as (hash, size, content), without writing the site; the pipeline in order.

    ``cache``: a cache to use instead of the one ``cache_dir`` names (a build's scratch cache).
    ``tree``: the archive folder as the no-op decision listed it (read instead of listing it again).
    ``meanwhile``: work for this process while others make the interviews (at most once).
    """
    from .pages import reserved_slug_errors
    from .render import override_folder
    from .sources import scan_archive
    from .warm import helper

    ctx = replace(_context(archive_dir, templates, cache_dir, strict, drafts, cache), search=search,
                  meanwhile=meanwhile, workers=jobs)
    with helper(wanted=jobs != 1) as ready:  # a process getting ready to make a few meanwhile (an edit's)
        scan = scan_archive(archive_dir, tree)                                # 1. the archive on disk
        ctx.templates = override_folder(templates, archive_dir, scan.settings.templates)
        if ready is not None:  # with no last build known, it expects to convert (a share of) many interviews
            ready.prepare(str(ctx.templates), str(ctx.cache.root) if ctx.cache.root else None,
                          convert=not ctx.cache.has("state", state_key(ctx)))
        jobs_, media, diagnostics = interview_jobs(scan, ctx)                 # 2. what each interview is made of
        outputs, made, stages = make_interviews(jobs_, ctx, progress, ready)  # 3. parse, convert, render
    diagnostics += check_across(outputs, ctx)                                 # 4. across interviews
    published = [o for o in outputs if o.targets is not None and (ctx.drafts or not o.draft)]
    diagnostics += reserved_slug_errors([(o.targets.slug, o.targets.path) for o in published])
    diagnostics += draft_notices(outputs, ctx)
    diagnostics += site_notices(scan, strict)
    diagnostics = sorted({d for d in diagnostics if d.code not in scan.settings.suppress})
    if has_errors(diagnostics, strict):
        raise BuildError(diagnostics)
    site = site_input(scan, published, jobs_, ctx)
    files = interview_files(published, jobs_, ctx, media)                     # 5. the interviews' files
    files.update(site_pages(site, ctx))                                       # 6. site-wide pages
    files.update(asset_files(ctx))                                            # 7. stylesheet, script
    files.update(post_steps(files, site, ctx))                                # 8. search index …
    ctx.cache.settle()                                                        # count, and now and then prune
    if ctx.cache.failure:
        diagnostics.append(Diagnostic.make(Code.ARC003, str(archive_dir), 1, ctx.cache.failure))
    from .render import template_folders

    return Plan(files, len(published), tuple(diagnostics), made, stages, template_folders(ctx.templates))


def _context(archive_dir: Path, templates: Path | str | None, cache_dir, strict: bool, drafts: bool,
             cache: Cache | None) -> _Build:
    project = archive_dir.resolve().parent
    if cache_dir is True:
        cache_dir = project / CACHE_DIR
    cache = cache or Cache(Path(cache_dir) if cache_dir else None)
    code = code_version(cache.root if cache.kinds is None else None)  # remembered in a real cache only
    return _Build(archive_dir, Path(templates) if templates else project / "templates", cache, strict, drafts, code)


def check_across(outputs: list[InterviewOutput], ctx: _Build) -> list[Diagnostic]:
    """Every interview's own diagnostics, then duplicate slugs and links between interviews."""
    from .sources import cross_check

    diagnostics = [d for o in outputs for d in o.diagnostics]
    failed = {o.failed_slug for o in outputs if o.failed_slug}
    return diagnostics + cross_check([o.targets for o in outputs if o.targets is not None], failed)


def draft_notices(outputs: list[InterviewOutput], ctx: _Build) -> list[Diagnostic]:
    """One line per draft left out of the site (none when drafts are built)."""
    if ctx.drafts:
        return []
    return [Diagnostic.make(Code.ARC002, o.targets.path, 1, f"'{o.targets.slug}' is a draft (draft: true): left out "
                            "of the site; remove the line to publish it, or build with --drafts")
            for o in outputs if o.targets is not None and o.draft]


def site_input(scan: Scan, published: list[InterviewOutput], jobs: list[InterviewJob], ctx: _Build):
    """The site-wide steps' input: settings, templates, and the published interviews' summaries on demand."""
    from .interviews import _environment, load_passages, load_summary, make_interview
    from .model import SCRIPTS
    from .render import site_templates_key
    from .siteinput import SiteInput

    newest = sorted(published, key=lambda o: (-o.date.toordinal(), o.targets.slug))
    by_slug = {o.targets.slug: o for o in newest}
    by_folder = {job.folder: job for job in jobs}

    def remade(output: InterviewOutput, cached: bool) -> InterviewOutput:
        job = by_folder[output.folder]
        return make_interview(job if cached else replace(job, cache_root=None))

    def summaries():
        found = {}
        for script in SCRIPTS:
            found[script] = tuple(load_summary(o, script, ctx.cache) or remade(o, False).summaries[script]
                                  for o in newest)
        return found

    def passages(summary):
        output = by_slug[summary.slug]
        return load_passages(output, summary.script, ctx.cache) or remade(output, False).passages[summary.script]

    key = digest(ctx.code, repr(scan.settings), site_templates_key(ctx.templates, ctx.cache), str(ctx.drafts),
                 *(f"{o.targets.slug} {o.summary_keys[s]}" for o in newest for s in SCRIPTS))
    return SiteInput(scan.settings, _environment(str(ctx.templates)), key, summaries, passages,
                     parallel=ctx.workers != 1)


def interview_files(published: list[InterviewOutput], jobs: list[InterviewJob], ctx: _Build,
                    media: dict[str, Entry]) -> dict[str, Entry]:
    """Each published interview's pages, data and images."""
    from .output import Entry

    by_folder = {job.folder: job for job in jobs}
    files: dict[str, Entry] = {}
    for made in published:
        for rel, (key, size) in made.files.items():
            content = made.blobs.get(key) or ctx.cache.reader(key, _remade(by_folder[made.folder], rel),
                                                              fresh=key in made.fresh)
            files[rel] = Entry(key, size, content)
        for image in made.images:  # (paths as text: a pathlib join per image costs more than the lookup)
            path = os.path.join(made.folder, image)
            files[f"media/{made.targets.slug}/{image}"] = media.get(path) or Entry.of_file(Path(path))
    return files


def site_pages(site, ctx: _Build) -> dict[str, Entry]:
    """Every site-wide page (``pages.SITE_PAGES``); from the cache when nothing they are made of changed."""
    from .pages import cached_site_pages

    return cached_site_pages(site, ctx.cache)


def asset_files(ctx: _Build) -> dict[str, Entry]:
    """The stylesheet, script …: the package's, each replaced by the archive's own file of that name."""
    from .output import Entry
    from .render import asset_files as template_assets

    return {f"assets/{rel}": Entry.of_file(path) for rel, path in template_assets(ctx.templates).items()}


def post_steps(files: dict[str, Entry], site, ctx: _Build) -> dict[str, Entry]:
    from .postplan import post_steps as steps, run_post_steps

    if not ctx.search:
        return run_post_steps(steps(frozenset({"search"})), files, site, ctx.cache)
    import gc

    from .search import SearchError

    gc.enable()  # paused for the planning (see _collector_paused): indexing the whole site collects as usual
    try:
        return run_post_steps(steps(), files, site, ctx.cache)
    except SearchError as error:
        raise BuildError([Diagnostic.make(Code.PUB002, str(ctx.archive), 1, str(error))]) from None


def site_notices(scan: Scan, strict: bool = False) -> list[Diagnostic]:
    """What the site-wide outputs need of the settings (one warning when base_url is missing)."""
    from .pages import settings_notices

    from .sources import SETTINGS_FILE, display_path

    return settings_notices(scan.settings, display_path(scan.root / SETTINGS_FILE, scan.base), strict)


def _remade(job: InterviewJob, rel: str) -> Callable[[], bytes]:
    """The bytes of one of an interview's files made again without the cache (its blob went missing)."""
    from .interviews import make_interview

    def again() -> bytes:
        fresh = make_interview(replace(job, cache_root=None))
        return fresh.blobs[fresh.files[rel][0]]
    return again
