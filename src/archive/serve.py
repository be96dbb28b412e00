"""``archive serve``: build, serve on loopback, watch, rebuild what changed, reload open pages.

Owns the editor's loop. A watcher polls the archive folder (interviews,
settings, glossary) and the templates; a change triggers an incremental
build (see ``build.py``), after which open pages get a server-sent event:
``reload`` when files changed, ``error`` with the diagnostics when the build
failed — the last good site stays served, and the page shows an overlay
with ``path:line: message`` until a fix arrives. Pages reload at the same
scroll position and fragment. Only the standard library is used; the server
binds to 127.0.0.1 unless ``--host`` says otherwise.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .build import BuildReport, build
from .errors import ArchiveError, BuildError

EVENTS = "/__archive/events"
LIVE_JS = "/__archive/live.js"
POLL_SECONDS = 0.25

LIVE_SCRIPT = r"""(function () {
  "use strict";
  var KEY = "archive-live-place";
  try {
    var saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
    if (saved && saved.path === location.pathname) {
      window.addEventListener("load", function () { window.scrollTo(0, saved.y); });
    }
  } catch (e) {}
  function overlay(findings) {
    var box = document.getElementById("archive-overlay");
    if (!findings) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "archive-overlay";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;z-index:99;" +
        "background:#3b0d0d;color:#fff;font:13px/1.5 monospace;padding:12px 16px;white-space:pre-wrap;";
      document.body.appendChild(box);
    }
    box.textContent = "archive: the build failed; this page is the last good one.\n\n" + findings.join("\n");
  }
  var source = new EventSource("/__archive/events");
  source.addEventListener("reload", function () {
    try { sessionStorage.setItem(KEY, JSON.stringify({ path: location.pathname, y: window.scrollY })); } catch (e) {}
    location.reload();
  });
  source.addEventListener("error-report", function (e) { overlay(JSON.parse(e.data)); });
  source.addEventListener("ok", function () { overlay(null); });
})();
"""


@dataclass
class State:
    """What the server knows about the latest build; shared by the watcher and the handlers."""

    generation: int = 0
    errors: list[str] = field(default_factory=list)
    last: BuildReport | None = None
    clients: list[queue.Queue] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def broadcast(self, event: str, data: str) -> None:
        with self.lock:
            for client in list(self.clients):
                client.put((event, data))


class _Handler(http.server.SimpleHTTPRequestHandler):
    state: State

    def log_message(self, format: str, *args) -> None:  # quiet: the build summary says what matters
        pass

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        path = self.path.split("?", 1)[0]
        if path == EVENTS:
            return self._events()
        if path == LIVE_JS:
            return self._send(LIVE_SCRIPT.encode(), "text/javascript; charset=utf-8")
        local = Path(self.translate_path(path))
        if local.is_dir():
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            html = local.read_bytes().replace(b"</body>", f'<script src="{LIVE_JS}"></script></body>'.encode(), 1)
            return self._send(html, "text/html; charset=utf-8")
        return super().do_GET()

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        inbox: queue.Queue = queue.Queue()
        state = self.state
        with state.lock:
            state.clients.append(inbox)
            if state.errors:
                inbox.put(("error-report", json.dumps(state.errors, ensure_ascii=False)))
        try:
            while True:
                try:
                    event, data = inbox.get(timeout=10)
                except queue.Empty:
                    event, data = "", ""
                if event == "stop":
                    break
                message = f"event: {event}\ndata: {data}\n\n" if event else ": keep-alive\n\n"
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with state.lock:
                if inbox in state.clients:
                    state.clients.remove(inbox)


def snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    """Every file under the folders with (size, mtime): what the watcher compares."""
    seen: dict[str, tuple[int, int]] = {}
    for folder in folders:
        for dirpath, dirnames, names in os.walk(folder):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            for name in names:
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                seen[path] = (st.st_size, st.st_mtime_ns)
    return seen


class Server:
    """The build-serve-watch loop; ``start()`` returns once the first build is done and the port is open."""

    def __init__(self, archive: Path | str, out: Path | str, templates: Path | str | None = None,
                 host: str = "127.0.0.1", port: int = 8000, log=print):
        self.archive, self.out = Path(archive), Path(out)
        self.templates = Path(templates) if templates else self.archive.resolve().parent / "templates"
        self.host, self.port, self.log = host, port, log
        self.state = State()
        self._stop = threading.Event()
        self.rebuilt = threading.Condition()

    def rebuild(self) -> None:
        """One build; on failure keep the last good site and tell open pages."""
        try:
            report = build(self.archive, self.out, self.templates)
        except BuildError as exc:
            self.state.errors = [str(d) for d in exc.diagnostics]
            self.log(f"build failed: {len(exc.diagnostics)} finding(s); still serving the last good site")
            for line in self.state.errors:
                self.log(f"  {line}")
            self.state.broadcast("error-report", json.dumps(self.state.errors, ensure_ascii=False))
        else:
            had_errors = bool(self.state.errors)
            self.state.errors, self.state.last = [], report
            self.log(f"rebuilt: {len(report.written)} files written, {report.files - len(report.written)} "
                     f"unchanged in {report.seconds:.2f} s")
            if had_errors:
                self.state.broadcast("ok", "{}")
            if report.written:
                self.state.broadcast("reload", str(self.state.generation + 1))
        with self.rebuilt:
            self.state.generation += 1
            self.rebuilt.notify_all()

    def start(self) -> None:
        self.rebuild()
        if not self.out.is_dir():
            raise ArchiveError("the first build failed and there is no earlier site to serve; fix the "
                               "sources above and start again")
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = http.server.ThreadingHTTPServer(
            (self.host, self.port), functools.partial(handler, directory=str(self.out)))
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.threads = [threading.Thread(target=self.httpd.serve_forever, daemon=True),
                        threading.Thread(target=self._watch, daemon=True)]
        for thread in self.threads:
            thread.start()

    def _watch(self) -> None:
        folders = [self.archive, self.templates]
        before = snapshot(folders)
        while not self._stop.wait(POLL_SECONDS):
            now = snapshot(folders)
            if now != before:
                time.sleep(POLL_SECONDS / 2)  # let an editor finish saving
                before = snapshot(folders)
                self.rebuild()

    def wait_for(self, generation: int, timeout: float = 30) -> bool:
        with self.rebuilt:
            return self.rebuilt.wait_for(lambda: self.state.generation >= generation, timeout)

    def stop(self) -> None:
        """Stop watching and serving (safe to call before ``start`` finished)."""
        self._stop.set()
        self.state.broadcast("stop", "")
        httpd = getattr(self, "httpd", None)
        if httpd is not None:
            if getattr(self, "threads", None):
                httpd.shutdown()  # waits for serve_forever, so only once it runs
            httpd.server_close()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"
