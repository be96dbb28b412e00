"""Forked helpers: one that gets ready to make interviews while the build plans, one for any work aside.

Owns the one process a rebuild forks before it knows what to make. After
an edit to one interview, a fresh process spent two fifths of its time, one
core busy and the other idle, first hashing the sources and reading the last
build's state (to learn what changed), then importing the parser and the
converter, compiling the page templates and loading OpenCC's tables (to make
it). :func:`helper` forks at the start of planning a process that does the
second part while this one does the first; :meth:`Helper.make` hands it the
few interviews to make and takes back their outputs, exactly what
:func:`archive.interviews.make_interview` gives in this process. When there
are many, the worker pool makes them, and the helper a first share
(:meth:`Helper.start`, see :data:`archive.jobs.HELPER_SHARE`): it starts on
them while this process loads what the workers share and forks them, which
left the second core idle for a third of a second of a cold build.

:func:`aside` runs any work in a forked child while this process does other
work (the site-wide pages are made in two halves at once, see
:mod:`archive.pages`).

A helper is only ever a shortcut: when it cannot be forked (another thread
runs, as in ``archive serve``; a platform without a safe ``fork``; ``--jobs
1``), is not needed (nothing to make),
or fails in any way (killed, a bug, an error the interview raises), this
process makes the interviews itself, as it did before, with the same result
and the same errors. Nothing it sends is read from disk: jobs and outputs
cross one pipe each between this process and its own child.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterator

if TYPE_CHECKING:
    from .interviews import InterviewJob, InterviewOutput


class Helper:
    """The forked helper, seen from the build's process."""

    def __init__(self, pid: int, jobs_fd: int, outputs_fd: int):
        self.pid, self._outputs = pid, outputs_fd
        self._jobs: BinaryIO | None = os.fdopen(jobs_fd, "wb")
        self._count = -1  # the jobs handed over (see start)

    def prepare(self, templates: str | None, cache_root: str | None, convert: bool = False) -> None:
        """Tell the helper the archive's templates folder (known once the archive's settings are read)
        and the build cache's: it compiles the interview pages' templates while this process goes on.

        ``convert``: it loads what converting needs too (OpenCC's, pypinyin's and faker's tables, a
        third of a second), as the build expects to convert many interviews (no last build is known):
        the share of them it makes (see :meth:`start`) then starts at once."""
        self._send((templates, cache_root, convert))

    def make(self, todo: list[InterviewJob],
             meanwhile: Callable[[], None] | None = None) -> list[InterviewOutput] | None:
        """The outputs of ``todo`` made by the helper, in order; None if it failed (then make them here).

        ``meanwhile``: work for this process while the helper makes them. The helper is done with after
        this call, whatever it returns."""
        self.start(todo)
        if meanwhile is not None:
            meanwhile()
        return self.finish()

    def start(self, todo: list[InterviewJob]) -> None:
        """Hand the helper ``todo`` to make while this process goes on; :meth:`finish` takes the outputs."""
        self._send(todo)
        self._count = len(todo)
        if self._jobs is not None:
            try:
                self._jobs.close()
            except OSError:
                pass
            self._jobs = None

    def finish(self) -> list[InterviewOutput] | None:
        """The outputs of what :meth:`start` handed over, in order; None if the helper failed (then make
        them here). The helper is done with after this call, whatever it returns."""
        try:
            fd, self._outputs = self._outputs, -1
            made, outputs = _received(fd) if fd >= 0 else (False, None)
        finally:
            self.stop()
        return outputs if made and isinstance(outputs, list) and len(outputs) == self._count else None

    def _send(self, value: object) -> None:
        """One message to the helper (a broken pipe, when it has died, is left to :meth:`make` to see)."""
        if self._jobs is not None:
            try:
                pickle.dump(value, self._jobs, protocol=pickle.HIGHEST_PROTOCOL)
                self._jobs.flush()
            except OSError:
                pass

    def stop(self) -> None:
        """End the helper (if still running) and reap it; close this side's pipes."""
        if self._jobs is not None:
            try:
                self._jobs.close()
            except OSError:
                pass
            self._jobs = None
        if self._outputs >= 0:
            os.close(self._outputs)
            self._outputs = -1
        self.pid = _end(self.pid)


def can_fork() -> bool:
    """Whether forking is safe here: Linux, and no other thread running (a fork copies only the caller's)."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


@contextlib.contextmanager
def helper(wanted: bool = True) -> Iterator[Helper | None]:
    """A helper getting ready to make interviews (see :meth:`Helper.prepare`), ended on leaving.

    Yields None when ``wanted`` is false or forking is not safe."""
    pid = None
    if wanted and can_fork():
        jobs_read, jobs_write = os.pipe()
        _widen(jobs_write)
        outputs_read, outputs_write = os.pipe()
        pid = _fork(lambda: _serve(jobs_read, outputs_write), close=(jobs_write, outputs_read))
        os.close(jobs_read)
        os.close(outputs_write)
        if pid is None:
            os.close(jobs_write)
            os.close(outputs_read)
    if pid is None:
        yield None
        return
    made = Helper(pid, jobs_write, outputs_read)
    try:
        yield made
    finally:
        made.stop()


JOBS_PIPE = 1 << 20
"""Bytes the pipe to the helper holds (Linux's default, 64 KiB, is less than a share of a thousand jobs):
handing the helper its share must not wait until it has read them (it may still be loading tables)."""


def _widen(fd: int) -> None:
    """Let the pipe ``fd`` hold :data:`JOBS_PIPE` bytes where the system allows it (else as it is)."""
    import fcntl

    try:
        fcntl.fcntl(fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), JOBS_PIPE)
    except OSError:  # above the system's bound (fs/pipe-max-size): the sender waits for the helper instead
        pass


def _serve(jobs_fd: int, outputs_fd: int) -> None:
    """The helper's life: get ready, read the jobs, make them, send the outputs."""
    def work() -> list[InterviewOutput]:
        from . import context, interviews, parse, scripts, summary  # noqa: F401  (what making one imports)

        with os.fdopen(jobs_fd, "rb") as pipe:  # EOFError when the build did not need the helper
            templates, cache_root, convert = pickle.load(pipe)
            # the cache read, never written: a helper ended while getting ready leaves nothing half made
            interviews.preload(templates, interviews.Cache(Path(cache_root), kinds=()) if cache_root else None)
            if convert:
                load_converting()
            todo = pickle.load(pipe)
        if len(todo) > 1:  # a share of many: collected as a worker does
            worker_started()
        return [interviews.make_interview(job) for job in todo]

    _reply(outputs_fd, work)  # an error: the build makes them itself, and meets the same error there


class Aside:
    """A value being computed in a forked child (see :func:`aside`)."""

    def __init__(self, pid: int, fd: int):
        self.pid, self._fd = pid, fd

    def result(self) -> tuple[bool, object]:
        """(True, the value) once the child is done; (False, None) if it failed (then compute it here)."""
        fd, self._fd = self._fd, -1
        try:
            return _received(fd)
        finally:
            self.stop()

    def stop(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
        self.pid = _end(self.pid)


@contextlib.contextmanager
def aside(work: Callable[[], object], wanted: bool = True) -> Iterator[Aside | None]:
    """``work()`` computed in a forked child while this process goes on, ended (and reaped) on leaving.

    Yields None when ``wanted`` is false or forking is not safe (see :func:`can_fork`). The child
    shares this process's memory as it was at the fork (what the work reads costs nothing to send);
    only its value crosses back, pickled, through a pipe. Any failure of the child, including an
    error ``work`` raises, is (False, None) from :meth:`Aside.result`: the caller does the work
    itself and meets the same error there."""
    pid = None
    if wanted and can_fork():
        read, write = os.pipe()
        pid = _fork(lambda: _reply(write, work), close=(read,))
        os.close(write)
        if pid is None:
            os.close(read)
    if pid is None:
        yield None
        return
    child = Aside(pid, read)
    try:
        yield child
    finally:
        child.stop()


def in_halves(items: list, work: Callable[[list], object], again: Callable[[list], object] | None = None,
              wanted: bool = True) -> None:
    """``work(items)`` with the second half in a forked child (see :func:`aside`) while this process does
    the first: the file system places files in two folders at once (staging a site's 5,000 files took
    0.18 s with one core, the other idle). If the child fails, ``again`` (``work`` if None) does its
    half here; this process's own error is raised once the child is ended. Not ``wanted``, one item,
    or no safe fork: all here."""
    cut = len(items) // 2
    if not (wanted and cut > 0):
        work(items)
        return
    with aside(lambda: work(items[cut:]) is None) as other:
        if other is None:
            work(items)
            return
        work(items[:cut])
        done, value = other.result()
    if not (done and value is True):
        (again or work)(items[cut:])


def _reply(fd: int, work: Callable[[], object]) -> None:
    """In a child: ``work()``'s value, or that it failed, pickled into the pipe ``fd`` (see :func:`_received`)."""
    try:
        reply: tuple = ("made", work())
    except Exception:  # the parent does the work itself, and meets the same error there
        reply = ("failed", None)
    with os.fdopen(fd, "wb") as pipe:
        pickle.dump(reply, pipe, protocol=pickle.HIGHEST_PROTOCOL)


def _received(fd: int) -> tuple[bool, object]:
    """In the parent: (True, the value) a child's :func:`_reply` sent through ``fd`` (closed here), or
    (False, None) when it failed, died, or was killed while writing."""
    try:
        with os.fdopen(fd, "rb") as pipe:
            data = pipe.read()
        status, value = pickle.loads(data)
    except Exception:  # a broken pipe, or a reply cut short
        return False, None
    return (True, value) if status == "made" else (False, None)


def _fork(child: Callable[[], None], close: tuple[int, ...] = ()) -> int | None:
    """Fork a child that closes ``close`` (this side's ends of its pipes), runs ``child()`` and exits;
    its pid, or None when the system refused the fork (out of memory or processes: then the work
    stays here). SIGINT is held across the fork: a Ctrl-C at that instant reaches the child only
    once it has the default handler (it ends), never as an exception that would run this process's
    code in it. The child leaves by ``os._exit``: no atexit handlers, no flushing of buffers it
    inherited (this side's are flushed first, or the child would write them out again)."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            pass
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        pid = os.fork()
    except OSError:
        pid = None
    if pid == 0:
        status = 1
        try:
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
            for fd in close:
                os.close(fd)
            child()
            status = 0
        finally:
            os._exit(status)
    signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pid


def _end(pid: int) -> int:
    """Kill a child of ours if it still runs, and reap it; 0 (no child any more)."""
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            os.waitpid(pid, 0)
        except OSError:
            pass
    return 0


WORKER_GC_THRESHOLD = 20_000
"""Allocations between a worker's young-generation collections (Python's default is 700).

Making an interview allocates some 10^5 objects and frees nearly all of them by reference counting
(its model, views and pages hold no cycles to speak of), so at the default the collector ran ~150
times per interview for nothing: 2-5 % of a worker's time at N = 1,000 (bench/stages.py-style pass
over 200 interviews: 14.4-14.9 ms an interview with the default, 14.1-14.2 with this or with the
collector off). Cycles are still collected, only in larger batches."""


def worker_started() -> None:
    """A worker's start: its collector set for making many interviews (see :data:`WORKER_GC_THRESHOLD`)."""
    import gc

    gc.set_threshold(WORKER_GC_THRESHOLD, *gc.get_threshold()[1:])


def load_converting() -> None:
    """Load what converting an interview needs: OpenCC's tables of the default conversions, pypinyin's and
    faker's (a third of a second), before the processes that convert are forked (or in the helper)."""
    from .engine import engine
    from .names import _taiwan_frequency
    from .parse import parse_interview  # noqa: F401
    from .scripts import PROFILES
    from .sorting import slug

    for script in ("hant", "hans"):
        engine(PROFILES[(script, "tw")])  # the default conversion; others load in the worker that needs them
    slug("甲", "p")
    _taiwan_frequency()
