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
import socket
import threading
from pathlib import Path

from .build import BuildReport, build
from .errors import ArchiveError, BuildError
from .preview import EVENTS, LIVE_JS, LIVE_SCRIPT, Handler, State, allowed_hosts, exposure_warning

__all__ = ["EVENTS", "LIVE_JS", "LIVE_SCRIPT", "Server", "exposure_warning", "one_line"]

STEP_MS = 100
"""A burst of saves is one batch once no file has changed for this long (watchfiles' ``step``)."""
BURST_MS = 1600
"""…or once a burst has lasted this long (watchfiles' ``debounce``)."""
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
        self.rebuilt = threading.Condition()

    def rebuild(self) -> None:
        """One build; on any failure keep the last good site and tell open pages what went wrong."""
        state = self.state
        try:
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

    def _watch(self) -> None:
        """Rebuild after each batch of changes until stopped; nothing that happens here ends the loop."""
        import watchfiles

        folders = [str(f) for f in (self.archive, self.templates) if f.is_dir()]
        while not self._stop.is_set():
            try:
                for _changes in watchfiles.watch(*folders, stop_event=self._stop, step=STEP_MS, debounce=BURST_MS,
                                                 raise_interrupt=False):
                    if self._stop.is_set():
                        return
                    self.rebuild()
            except Exception as exc:  # e.g. a watched folder was removed: say so, wait, watch again
                self.log(f"watching failed: {one_line(exc)}; retrying")
                self._stop.wait(RETRY_SECONDS)
                folders = [str(f) for f in (self.archive, self.templates) if f.is_dir()] or folders

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
