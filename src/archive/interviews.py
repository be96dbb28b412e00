"""One interview's source → its pages in both scripts, through the build cache.

Owns the per-interview work of a build: parse, convert and render one
interview, taking from the cache whatever it already holds, and doing the
work in worker processes when there is much of it. Each step's result is
cached under a key of everything it was made from:

- ``view`` by source, glossary and ``blocks.html``: its outline (what the
  archive-wide steps need: diagnostics, link targets, date, images) and,
  unless it has errors, both scripts' HTML pieces and JSON;
- ``summary`` (what the site-wide pages show of it, both scripts) by its own digest,
  which views and pages name, so that re-rendering pages never decodes one;
- ``passages`` (its text for search, one entry per script) by the script's view key,
  made only by a build that indexes search (``--no-search``, ``archive serve`` and
  ``archive check`` never read it).

The pages' files are blobs (bytes under their hash). What the last build made of an
interview (its outline; its files while its page keys stay the same; its people's ids
while their names do) comes with the job from the build state (``jobs.known``): a template
change reads only views, and pages need no entry of their own (without the state, as in a
moved project, they are rendered again from their views).

Both scripts share their entries (always made and read together): a cold build writes six
files per interview (the pages, their JSON; with search, each script's text), a template change reads one.

The model itself is not cached: decoding it costs half of parsing again, and storing it
cost a cold build more than the rare rebuild that needs it (a changed glossary or
``blocks.html``) saved. Every value is plain data (see :mod:`archive.codec`). Work per
interview is independent of every other interview: a cold build spreads over all cores,
and a worker sends back only keys and summaries (the pages' bytes and the search text
stay in the cache, read when written out).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import codec
from .cache import Cache, digest
from .errors import Diagnostic
from .model import SCRIPTS, Answer, Figure, Interview, Question, Settings
from .serialize import interview_json
from .sources import LinkTargets, decode_source, link_targets
from .summary import NoteEntry, Passage, PersonEntry, SectionEntry, Summary, passages, person_ids, summarize
from .urls import INTERVIEW_DATA, interview_dir

if TYPE_CHECKING:  # the parser (markdown-it) is imported only where a source is parsed: rendering
    from .parse import Parsed  # pages again from cached views (a template change) never loads it

PARALLEL_FROM = 8
"""Below this many interviews to (re)make, work stays in this process: starting workers costs more."""


@dataclass(frozen=True)
class InterviewJob:
    """Everything needed to make one interview's pages, as plain values (it crosses processes)."""

    folder: str
    display: str
    """The source file as diagnostics name it."""
    data: bytes | None
    """The source's bytes, or None: the worker reads them, checked against ``source_hash`` (84 MB at N = 2,000)."""
    parse_key: str
    view_keys: dict[str, str]
    """Per script: the key of the page's body and summary, and of its text for search (``passages``)."""
    page_keys: dict[str, str]
    settings: Settings
    templates: str | None
    """The archive's own templates folder (overrides of the package's), if any."""
    cache_root: str | None
    cache_kinds: tuple[str, ...] | None = None
    """The kinds of values the cache stores (a scratch cache keeps few), see :class:`Cache`."""
    code: str = ""
    """:func:`archive.codeversion.code_version` of the build (part of keys the worker makes itself)."""
    source_hash: str = ""
    """SHA-256 of the source's bytes (what ``parse_key`` was made from)."""
    search: bool = True
    """Whether the build indexes search: then its text for search (``passages``) is made if missing."""
    outline: dict[str, Any] | None = None
    """What the last build found of this very source (``jobs.known`` gives this and the next two)."""
    page: dict[str, Any] | None = None
    """The last build's files of this interview when its page keys are the same."""
    people: tuple[str, dict[str, str]] | None = None  # the last build's (digest of the names, their ids)
    text: str | None = None  # the source decoded, once the worker has read it (``_with_source``)


@dataclass
class InterviewOutput:
    """One interview's results: what the archive-wide steps and the writer need (plain data)."""

    folder: str
    parse_key: str
    page_keys: dict[str, str]
    diagnostics: tuple[Diagnostic, ...]
    targets: LinkTargets | None
    """Its slug, anchors and outgoing links; None when errors left no model."""
    failed_slug: str | None
    """The slug of an interview that has errors (links to it are not reported twice)."""
    date: Any = None
    draft: bool = False
    images: tuple[str, ...] = ()
    view_keys: dict[str, str] = field(default_factory=dict)
    summaries: dict[str, Summary] = field(default_factory=dict)
    """Per script, when this build made or loaded them (left out of the build state: see :meth:`slim`)."""
    summary_keys: dict[str, str] = field(default_factory=dict)
    """Per script, a digest of the summary: the site-wide pages are made from summaries only, so an
    edit that leaves every summary as it was takes them from the cache without loading one."""
    passages: dict[str, tuple[Passage, ...]] = field(default_factory=dict)
    """Per script, only when this build converted the interview (else in the cache under ``view_keys``)."""
    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Site path → (content hash, size); the bytes are in the cache (or ``blobs`` without one)."""
    blobs: dict[str, bytes] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent on this interview by stage (parse, convert, render), for the benchmark."""
    stored: int = 0
    """Bytes this interview's work wrote to the cache (counted towards the next prune)."""
    fresh: tuple[str, ...] = ()
    """The blobs this build wrote (the writer hard-links them into the site unread: see ``Cache.reader``)."""
    people: tuple[str, dict[str, str]] | None = None
    """(a digest of its people's names, their ids on the people page), for the next build (``jobs.known``)."""

    def slim(self) -> "InterviewOutput":
        """What the build state keeps: keys and facts, none of the bulky per-script values."""
        return dataclasses.replace(self, summaries={}, passages={}, blobs={}, seconds={}, stored=0, fresh=())


codec.register(LinkTargets, InterviewOutput, Summary, PersonEntry, NoteEntry, SectionEntry, Passage)

OUTLINE = ("diagnostics", "targets", "failed_slug", "date", "draft", "images")  # InterviewOutput's, from the source
_ENVIRONMENTS: dict[Any, Any] = {}
STAGES = ("parse", "convert", "render")


def make_interview(job: InterviewJob) -> InterviewOutput:
    """Parse, convert and render one interview, taking whatever the cache already holds.

    The source is read only when it is parsed (rendering the pages again from cached views, as after
    a template change, never reads it); one changed since it was hashed is said, nothing made or
    cached from it (it has no key).
    """
    from .errors import BuildError

    try:
        return _make_interview(job)
    except BuildError as error:
        return InterviewOutput(job.folder, "", job.page_keys, tuple(error.diagnostics), None, None, view_keys=job.view_keys)


def _with_source(job: InterviewJob) -> InterviewJob:
    """The job with its source's bytes, read and checked against its hash (BuildError if it changed), and
    their text, decoded once for the parser, the names' lines and the scripts (None: not UTF-8)."""
    if job.data is None:
        from .sources import INTERVIEW_FILE, checked_source

        job = dataclasses.replace(job, data=checked_source(Path(job.folder) / INTERVIEW_FILE, job.display,
                                                           job.source_hash))
    return job if job.text is not None else dataclasses.replace(job, text=decode_source(job.data, job.display)[0])


def _make_interview(job: InterviewJob) -> InterviewOutput:
    cache = Cache(Path(job.cache_root) if job.cache_root else None, job.cache_kinds)
    clock = time.perf_counter
    seconds = dict.fromkeys(STAGES, 0.0)
    started = clock()
    parsed: list[Parsed] = []

    def load_parsed() -> Parsed:
        nonlocal job
        if not parsed:
            job = _with_source(job)
            parsed.append(_parsed(job, cache))
        return parsed[0]

    page = job.page if cache.enabled else None  # without a cache the files' bytes are wanted (out.blobs)
    stored = None  # the view entry: the outline, and the views unless the interview has errors
    if cache.enabled and (job.outline is None or page is None):
        from .render import Fields

        stored = cache.get("view", both(job.view_keys), mapping=Fields)  # as templates read them
        seconds["render"] += clock() - started
        started = clock()
    outline = job.outline if job.outline is not None else stored.get("outline") if isinstance(stored, dict) else None
    if not (isinstance(outline, dict) and set(OUTLINE) <= set(outline)):
        outline = _outline(load_parsed(), job)
    seconds["parse"] += clock() - started
    out = InterviewOutput(job.folder, job.parse_key, job.page_keys, **{name: outline[name] for name in OUTLINE},
                          view_keys=job.view_keys, seconds=seconds, people=job.people)
    if out.targets is None:
        if parsed:
            cache.put("view", both(job.view_keys), {"outline": outline})
        out.stored = cache.written
        return out
    env = _environment(job.templates)
    started = clock()
    if page is None:
        views = stored
        if not _is_views(views):
            seconds["render"] += clock() - started
            views = _make_views(load_parsed().interview, outline, job, env, cache, out)
            started = clock()
        page = _make_pages(views, out.targets.slug, job, env, cache, out, store=views is not stored)
    out.summary_keys.update(page["summary_keys"])
    out.files.update({rel: tuple(entry) for rel, entry in page["files"].items()})
    if job.search and not out.passages and not all(cache.has("passages", job.view_keys[s]) for s in SCRIPTS):
        _make_passages(load_parsed().interview, job, cache, out)  # cached views or pages from a build without
    _keep(job, out, cache)
    seconds["render"] += clock() - started
    out.stored = cache.written
    out.fresh = tuple(sorted(cache.fresh))
    return out


def _keep(job: InterviewJob, out: InterviewOutput, cache: Cache) -> None:
    """Mark as used what later builds read of this interview but this one did not load nor write: its
    summaries and search text, and its files' bytes (a template change writes 150 MB of pages
    at N = 1,000; without this, pruning after a few of them removed every summary, and the next
    edit made all interviews again to show the index)."""
    if not out.summaries:  # else its views were made here, the summaries and search text with them
        cache.touch("summary", both(out.summary_keys))
        for script in SCRIPTS:
            cache.touch("passages", job.view_keys[script])
    for key, _ in out.files.values():
        if key not in cache.fresh:  # just written: new enough
            cache.touch("blob", key)


def _parsed(job: InterviewJob, cache: Cache) -> Parsed:
    from .parse import Parsed, parse_interview

    text, problems = (job.text, []) if job.text is not None else decode_source(job.data, job.display)
    if text is None:
        return Parsed(None, tuple(problems))
    return parse_interview(text, job.display, job.folder, job.settings.stage_directions)


def _outline(parsed: Parsed, job: InterviewJob) -> dict[str, Any]:
    from .scripts import name_diagnostics

    interview = parsed.interview
    names = tuple(name_diagnostics(interview, job.settings.glossary, job.text)) if interview else ()
    return {"diagnostics": parsed.diagnostics + names, "targets": link_targets(parsed),
            "failed_slug": parsed.slug if interview is None else None,
            "date": interview.date if interview else None, "draft": bool(interview and interview.draft),
            "images": images_of(interview) if interview else ()}


def both(keys: dict[str, str]) -> str:
    """One key for an entry holding both scripts' values, from each script's key."""
    return digest(*(keys[script] for script in SCRIPTS))


def _is_views(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(value.get(part), dict) and set(value[part]) == set(SCRIPTS)
        for part in ("views", "json", "summary_keys")) \
        and all(isinstance(view, dict) for view in value["views"].values())


def _make_views(interview: Interview, outline: dict[str, Any], job: InterviewJob, env, cache: Cache,
                out: InterviewOutput) -> dict[str, Any]:
    """Convert the interview to each script and render its body once (cached apart from the pages).

    One ``view`` entry holds the outline and both scripts' views (a page template change reads them
    together), one ``summary`` entry both summaries (the site-wide pages read all of them); the search
    text stays one entry per script (read one script at a time, it would otherwise be held twice as long).
    """
    from .context import interview_view

    clock = time.perf_counter
    ids = _person_ids(interview, job, out)
    views: dict[str, Any] = {"outline": outline, "views": {}, "json": {}, "summary_keys": {}}
    for script in SCRIPTS:
        started = clock()
        converted = _converted(interview, script, job)
        out.seconds["convert"] += clock() - started
        started = clock()
        data = interview_json(converted)
        key = cache.put_blob(data)
        if not cache.enabled:
            out.blobs[key] = data
        view = views["views"][script] = interview_view(converted, env, ids)
        summary = out.summaries[script] = summarize(converted, ids, view)  # its title phrased as the view's
        views["summary_keys"][script] = digest(codec.dumps(summary))
        views["json"][script] = [key, len(data)]
        if job.search:
            _keep_passages(passages(converted), script, job, cache, out)
        out.seconds["render"] += clock() - started
    started = clock()
    cache.put("summary", both(views["summary_keys"]), out.summaries)  # apart: a template change never loads them
    out.seconds["render"] += clock() - started
    return views


def _keep_passages(text: tuple[Passage, ...], script: str, job: InterviewJob, cache: Cache,
                   out: InterviewOutput) -> None:
    """Store an interview's text for search in one script (or hand it to the build, without a cache)."""
    cache.put("passages", job.view_keys[script], list(text))
    if not cache.stores("passages"):
        out.passages[script] = text


def _make_passages(interview: Interview | None, job: InterviewJob, cache: Cache, out: InterviewOutput) -> None:
    """The text for search of an interview whose views or pages came from the cache of a build without
    search: converted again, nothing rendered."""
    if interview is None:
        return
    for script in SCRIPTS:
        _keep_passages(passages(_converted(interview, script, job)), script, job, cache, out)


def _converted(interview: Interview, script: str, job: InterviewJob) -> Interview:
    """The interview in ``script`` with the build's glossary and quotation-mark setting."""
    from .scripts import to_script

    text = job.text if script == interview.source_script else None
    return to_script(interview, script, job.settings.glossary, job.settings.quotes == "convert", source_text=text)


def _person_ids(interview: Interview, job: InterviewJob, out: InterviewOutput) -> dict[str, str]:
    """:func:`person_ids`, or the last build's (from the build state) while the names are the same: an
    edit elsewhere in the interview does not pay for reading them again (pypinyin's tables, 0.26 s)."""
    names = codec.dumps([interview.source_script, interview.interviewer and interview.interviewer.name,
                         [(p.key, p.name) for p in interview.interviewees], [c.name for c in interview.credits]])
    key = digest(job.code, names)
    ids = dict(job.people[1]) if job.people is not None and job.people[0] == key else person_ids(interview)
    out.people = (key, ids)
    return ids


def _make_pages(views: dict[str, Any], slug: str, job: InterviewJob, env, cache: Cache,
                out: InterviewOutput, store: bool = False) -> dict[str, Any]:
    """Both scripts' pages around their views; the page files' bytes go to the cache (or ``out.blobs``).
    ``store``: the views too, after the pages, which hold most of their HTML (see :func:`codec.dumps`)."""
    from .context import page_context
    from .render import INTERVIEW_PAGE, render

    files: dict[str, Any] = {}
    pages: list[tuple[str, bytes]] = []  # (blob key, bytes) of each page
    for script in SCRIPTS:
        html = render(env, INTERVIEW_PAGE, page_context(views["views"][script], job.settings))
        key = cache.put_blob(html)
        if not cache.enabled:
            out.blobs[key] = html
        base = interview_dir(script, slug)
        files[f"{base}/index.html"] = [key, len(html)]
        files[f"{base}/{INTERVIEW_DATA}"] = views["json"][script]
        pages.append((key, html))
    if store:
        cache.put("view", both(job.view_keys), views, pages, finite=True)  # HTML, text and whole numbers
    return {"summary_keys": views["summary_keys"], "files": files}


def _environment(templates: str | None):
    """This process's environment for the templates folder ``templates`` (templates compiled in memory)."""
    from .render import make_environment

    env = _ENVIRONMENTS.get(templates)
    if env is None:
        env = _ENVIRONMENTS[templates] = make_environment(Path(templates) if templates else None)
    return env


def preload(templates: str | None, cache: Cache | None = None) -> None:
    """Compile the interview pages' templates now (before a pool forks: its workers then share them).
    ``cache``: the build cache, which keeps what each template reads (saves parsing them to find out)."""
    from .render import preload as compile_templates

    compile_templates(_environment(templates), Path(templates) if templates else None, cache)


def images_of(interview: Interview) -> tuple[str, ...]:
    """Every image file an interview shows, sorted, once each."""
    found: set[str] = set()

    def walk(blocks) -> None:
        for block in blocks:
            if isinstance(block, Figure) and block.image:
                found.add(block.image)
            elif isinstance(block, Question):
                for answer in block.answers:
                    walk(answer.blocks)
            elif isinstance(block, Answer):
                walk(block.blocks)

    walk(interview.lead)
    for section in interview.sections:
        walk(section.blocks)
    return tuple(sorted(found))


def load_summary(output: InterviewOutput, script: str, cache: Cache) -> Summary | None:
    """An interview's summary in one script: from this build, else from the cache (None if gone).

    The cache holds both scripts' summaries in one entry: loading it keeps
    the other script's in ``output.summaries`` for the call that asks next.
    """
    if script in output.summaries:
        return output.summaries[script]
    if set(output.summary_keys) != set(SCRIPTS):
        return None
    found = cache.get("summary", both(output.summary_keys))
    if not (isinstance(found, dict) and set(found) == set(SCRIPTS)
            and all(isinstance(found[s], Summary) and found[s].script == s for s in SCRIPTS)):
        return None
    output.summaries.update(found)
    return found[script]


def load_passages(output: InterviewOutput, script: str, cache: Cache) -> tuple[Passage, ...] | None:
    """An interview's text for search in one script: from this build, else the cache (None if gone)."""
    if script in output.passages:
        return output.passages[script]
    value = cache.get("passages", output.view_keys[script])
    if isinstance(value, list) and all(isinstance(p, Passage) for p in value):
        return tuple(value)
    return None
