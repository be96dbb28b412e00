"""``archive serve``: build, serve on loopback, watch, rebuild what changed, reload open pages.

Owns the editor's loop. ``watchfiles`` (inotify on Linux, FSEvents, Windows'
change notifications) watches the archive folder and the templates and
hands over each burst of saves as one batch; a batch triggers an
incremental build (see ``build.py``, drafts included, no search index
unless asked: see :class:`Server`), after which open
pages get a server-sent event: ``reload`` when files changed,
``error-report`` when the build failed — for any reason: diagnostics as
``path:line: message``, any other exception as its one line. The last good
site stays served, and the next good change rebuilds. The HTTP side (Host
check, path rules, script injection, build epochs) is in ``preview.py``.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import socket
import threading
from pathlib import Path

from .build import BuildReport, build
from .cache import CACHE_DIR
from .errors import ArchiveError, BuildError
from .preview import EVENTS, LIVE_JS, LIVE_SCRIPT, Handler, State, allowed_hosts, exposure_warning

__all__ = ["EVENTS", "LIVE_JS", "LIVE_SCRIPT", "Server", "exposure_warning", "one_line"]

STEP_MS = 50
"""How often the watcher looks at what the file system reported (watchfiles' ``step``): a save is
handed over after two looks that saw no new file changed, 50–100 ms after it, so a burst of writes
milliseconds apart (an editor's save-all, a ``git checkout``) is one batch. 100 ms cost a save
100–200 ms; an idle watcher waking 20 times a second costs no measurable CPU."""
BURST_MS = 1600
"""…or once a burst has lasted this long (watchfiles' ``debounce``)."""
READY_MS = 250
"""How long one look of the watcher may wait for a change before it answers "nothing": its first answer
tells :meth:`Server.start` that the watches are in place (4 empty answers a second cost no measurable CPU)."""
WATCH_READY_SECONDS = 10.0
"""How long :meth:`Server.start` waits for the watches to be in place."""
RETRY_SECONDS = 1.0
"""How long the watcher waits before watching again when watching itself failed."""


def one_line(exc: BaseException, base: Path | None = None) -> str:
    """An exception as ``path:line: message`` when it knows where (a template's syntax error), else one line.

    ``path`` is shown relative to ``base`` (the project folder) when inside it.
    """
    path, line = getattr(exc, "filename", None), getattr(exc, "lineno", None)
    message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    message = " ".join(str(message).split())
    if isinstance(path, str) and path:
        if base is not None and Path(path).is_absolute() and base in Path(path).parents:
            path = Path(path).relative_to(base).as_posix()
        return f"{path}:{line}: {message}" if line else f"{path}: {message}"
    return message if isinstance(exc, ArchiveError) else f"{type(exc).__name__}: {message}"


class Server:
    """The build-serve-watch loop; ``start()`` returns once the first build is done and the port is open.

    ``search``: make the search index on every build. Off by default: Pagefind
    has no incremental mode, so every save would index the whole site again
    (about a minute of both cores and 2.8 GB at 1,000 interviews, against a
    budget of half a second); an index kept from an earlier build would
    answer with text and anchors the preview no longer has. The search box
    says that the preview has no index (see ``preview.LIVE_SCRIPT``).
    """

    def __init__(self, archive: Path | str, out: Path | str, templates: Path | str | None = None,
                 host: str = "127.0.0.1", port: int = 8000, log=print, search: bool = False):
        self.archive, self.out = Path(archive), Path(out)
        self.project = self.archive.resolve().parent
        self.templates = Path(templates) if templates else self.project / "templates"
        self.host, self.port, self.log = host, port, log
        self.search = search
        self.state = State(search=search)
        self.last: BuildReport | None = None
        self._stop = threading.Event()
        self._watching = threading.Event()
        self._one_build = threading.Lock()  # start()'s catch-up build and the watcher's never overlap
        self.rebuilt = threading.Condition()

    def rebuild(self, quiet: bool = False) -> None:
        """One build; on any failure keep the last good site and tell open pages what went wrong.

        ``quiet``: say nothing when the build found nothing changed.
        """
        state = self.state
        try:
            with self._one_build:
                report = build(self.archive, self.out, self.templates, drafts=True, search=self.search)
        except BuildError as exc:
            self._failed([str(d) for d in exc.diagnostics] or [one_line(exc, self.project)])
        except Exception as exc:  # a template's syntax, a value no check foresaw, a full disk: never the end
            self._failed([one_line(exc, self.project)])
        else:
            had_errors = bool(state.errors)
            with state.lock:
                state.errors = []
                if report.written:
                    state.epoch += 1
            self.last = report
            if report.written or not quiet:
                self.log(f"rebuilt: {len(report.written)} files written, {report.files - len(report.written)} "
                         f"unchanged in {report.seconds:.2f} s")
            if had_errors:
                state.broadcast("ok", "{}")
            if report.written:
                state.broadcast("reload", str(state.epoch))
        with self.rebuilt:
            state.generation += 1
            self.rebuilt.notify_all()

    def _failed(self, findings: list[str]) -> None:
        with self.state.lock:
            self.state.errors = findings
        self.log(f"build failed: {len(findings)} finding(s); still serving the last good site")
        for line in findings:
            self.log(f"  {line}")
        self.state.broadcast("error-report", json.dumps(findings, ensure_ascii=False))

    def start(self) -> None:
        """Build, listen, watch; once the watches are in place, build again what changed meanwhile (usually nothing)."""
        self.rebuild()
        if not self.out.is_dir():
            raise ArchiveError("the first build failed and there is no earlier site to serve; fix the "
                               "sources above and start again")
        handler = type("Handler", (Handler,), {"state": self.state, "log": staticmethod(self.log)})
        server_class = http.server.ThreadingHTTPServer
        if ":" in self.host:  # an IPv6 address such as ::1
            server_class = type("Server6", (server_class,), {"address_family": socket.AF_INET6})
        self.httpd = server_class((self.host, self.port), functools.partial(handler, directory=str(self.out)))
        self.httpd.daemon_threads = True
        self.httpd.handle_error = lambda request, address: None  # a dropped connection is not news
        self.port = self.httpd.server_address[1]
        handler.allowed = staticmethod(allowed_hosts(self.host, self.port))
        self.threads = [threading.Thread(target=self.httpd.serve_forever, daemon=True),
                        threading.Thread(target=self._watch, daemon=True)]
        for thread in self.threads:
            thread.start()
        if self._watching.wait(WATCH_READY_SECONDS):
            self.rebuild(quiet=True)  # a save made during the first build, before anything watched: no-op otherwise

    def _watch(self) -> None:
        """Rebuild after each batch of changes until stopped; nothing that happens here ends the loop."""
        import watchfiles

        folders = [str(f.resolve()) for f in (self.archive, self.templates) if f.is_dir()]
        wanted = self._wanted(watchfiles.DefaultFilter())
        while not self._stop.is_set():
            try:
                for changes in watchfiles.watch(*folders, watch_filter=wanted, stop_event=self._stop, step=STEP_MS,
                                                debounce=BURST_MS, rust_timeout=READY_MS, yield_on_timeout=True,
                                                raise_interrupt=False):
                    self._watching.set()  # the first answer, even "nothing yet", means the watches are in place
                    if self._stop.is_set():
                        return
                    if changes:
                        self.rebuild()
            except Exception as exc:  # e.g. a watched folder was removed: say so, wait, watch again
                self.log(f"watching failed: {one_line(exc)}; retrying")
                self._stop.wait(RETRY_SECONDS)
                folders = [str(f.resolve()) for f in (self.archive, self.templates) if f.is_dir()] or folders

    def _wanted(self, default):
        """Which changes start a build: watchfiles' default (no editor swap files, no ``.git``), and nothing the
        build writes itself — the site, its staging folders, the cache — when they lie inside a watched folder."""
        out = self.out.resolve()
        ours = (str(out), str(out.parent / f".{out.name}."), str(self.project / CACHE_DIR))

        def wanted(change, path: str) -> bool:
            return default(change, path) and not any(
                path == mine or path.startswith(mine if mine.endswith(".") else mine + os.sep) for mine in ours)
        return wanted

    def wait_for(self, generation: int, timeout: float = 30) -> bool:
        with self.rebuilt:
            return self.rebuilt.wait_for(lambda: self.state.generation >= generation, timeout)

    def stop(self) -> None:
        """Stop watching and serving (safe to call before ``start`` finished); waits for the watcher."""
        self._stop.set()
        self.state.broadcast("stop", "")
        httpd = getattr(self, "httpd", None)
        if httpd is not None:
            if getattr(self, "threads", None):
                httpd.shutdown()  # waits for serve_forever, so only once it runs
            httpd.server_close()
        for thread in getattr(self, "threads", [])[1:]:
            thread.join(timeout=10)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def warning(self) -> str | None:
        """The warning to print when the address bound is reachable from other machines."""
        return exposure_warning(self.host, self.port)
