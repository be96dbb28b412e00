"""The HTTP side of ``archive serve``: who may ask, what a path may be, and the live-reload script.

Owns the request handler. A request whose ``Host`` header is not the
address served is refused with 421 (so a page on another site cannot read
drafts or error reports through DNS rebinding); a path with NUL, control
characters, invalid percent-encoding, a backslash or a ``..`` segment gets a
400; a folder asked for without its trailing slash is redirected to it, so
relative links on its index work; HTML pages get the live-reload script
before their last ``</body>`` along with the build epoch they belong to, and
a page whose epoch is older than the current one is told to reload as soon
as it connects (MkDocs' livereload does the same). Nothing here raises into
the server: an unexpected error is a 500 and one logged line.
"""

from __future__ import annotations

import http.server
import ipaddress
import json
import queue
import re
import socket
import threading
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

EVENTS = "/__archive/events"
LIVE_JS = "/__archive/live.js"
KEEP_ALIVE_SECONDS = 15

LIVE_SCRIPT = r"""(function () {
  "use strict";
  var KEY = "archive-live-place";
  var me = document.currentScript;
  var epoch = me ? me.getAttribute("data-epoch") : "";
  var SEARCH_OFF = {
    hant: ["搜尋（預覽中關閉）", "預覽不建立搜尋索引（每次存檔都重建索引太慢）；執行 archive build 後，網站即可搜尋。"],
    hans: ["搜索（预览中关闭）", "预览不建立搜索索引（每次存档都重建索引太慢）；运行 archive build 后，网站即可搜索。"]
  };
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
  if (me && me.getAttribute("data-search") === "off") {  /* the preview builds no search index: say so */
    var form = document.querySelector("form.search");
    var said = SEARCH_OFF[form ? form.getAttribute("data-script") : ""] || SEARCH_OFF.hant;
    if (form) {
      form.setAttribute("data-error", said[1]);
      var input = form.querySelector("input");
      if (input) { input.setAttribute("placeholder", said[0]); input.setAttribute("title", said[1]); }
    }
  }
  var source = new EventSource("/__archive/events?epoch=" + encodeURIComponent(epoch));
  source.addEventListener("reload", function () {
    source.close();
    try { sessionStorage.setItem(KEY, JSON.stringify({ path: location.pathname, y: window.scrollY })); } catch (e) {}
    location.reload();
  });
  source.addEventListener("error-report", function (e) { overlay(JSON.parse(e.data)); });
  source.addEventListener("ok", function () { overlay(null); });
})();
"""


@dataclass
class State:
    """What the server knows about the latest build; shared by the watcher and the handlers.

    ``epoch`` counts the builds that changed the site; a page carries the
    epoch it was served at. ``generation`` counts every build, good or not.
    ``search``: whether the builds make the search index (the live script
    tells the search box when they do not).
    """

    generation: int = 0
    epoch: int = 0
    search: bool = True
    errors: list[str] = field(default_factory=list)
    clients: list[queue.Queue] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def broadcast(self, event: str, data: str) -> None:
        with self.lock:
            for client in list(self.clients):
                client.put((event, data))


def allowed_hosts(host: str, port: int) -> Callable[[str], bool]:
    """Which ``Host`` headers name the address served (a test for one header value)."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    names = {host.lower()}
    if host == "localhost" or (address is not None and address.is_loopback):
        names |= {"localhost", "127.0.0.1", "::1"}
    if address is not None and address.is_unspecified:  # every interface: its addresses and this machine's names
        names |= {"localhost", socket.gethostname().lower(), socket.getfqdn().lower()}

    def allowed(header: str) -> bool:
        name, _, given_port = header.strip().lower().rpartition(":")
        if not name or given_port != str(port):
            return False
        name = name[1:-1] if name.startswith("[") and name.endswith("]") else name
        if name in names:
            return True
        if address is not None and address.is_unspecified:
            try:
                ipaddress.ip_address(name)  # an address literal cannot be rebound by DNS
                return True
            except ValueError:
                return False
        return False
    return allowed


_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def clean_path(target: str) -> str | None:
    """The decoded path of a request target, or None when it is malformed or tries to leave the site."""
    path = target.split("?", 1)[0].split("#", 1)[0]
    if not path.startswith("/") or _BAD_ESCAPE.search(path):
        return None
    try:
        decoded = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 32 or c == "\x7f" for c in decoded) or "\\" in decoded:
        return None
    if any(part in ("..", ".") for part in decoded.split("/")):
        return None
    return decoded


def inject(html: bytes, epoch: int, search: bool = True) -> bytes:
    """The page with the live script before its last ``</body>`` (appended when there is none).

    ``search``: False marks the script ``data-search="off"``, so it tells the search box that the
    preview has no index.
    """
    off = "" if search else ' data-search="off"'
    tag = f'<script src="{LIVE_JS}" data-epoch="{epoch}"{off}></script>'.encode()
    at = html.lower().rfind(b"</body>")
    return html + tag if at < 0 else html[:at] + tag + html[at:]


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site; ``state``, ``allowed`` and ``log`` are set on a subclass per server."""

    state: State
    allowed: Callable[[str], bool]
    log: Callable[[str], None]

    def log_message(self, format: str, *args) -> None:  # quiet: the build summary says what matters
        pass

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self._answer(head=False)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(head=True)

    def _answer(self, head: bool) -> None:
        try:
            self._route(head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # never a traceback on the server's terminal
            self.log(f"archive serve: {self.path[:200]!r} failed: {type(exc).__name__}: {exc}")
            try:
                self._text(500, "archive serve: internal error (see the terminal)\n")
            except OSError:
                pass

    def _route(self, head: bool) -> None:
        host = self.headers.get("Host", "")
        if not self.allowed(host):
            return self._text(421, f"archive serve: this server does not answer for host {host[:100]!r}; "
                                   "open the address it printed\n")
        path = clean_path(self.path)
        if path is None:
            return self._text(400, "archive serve: malformed path\n")
        if path == EVENTS and not head:
            return self._events()
        if path == LIVE_JS:
            return self._send(LIVE_SCRIPT.encode(), "text/javascript; charset=utf-8", head)
        local = Path(self.directory) / path.lstrip("/")
        if local.is_dir():
            if not path.endswith("/"):
                query = self.path[len(self.path.split("?", 1)[0]):]
                self.send_response(301)
                self.send_header("Location", urllib.parse.quote(path + "/") + query.split("#", 1)[0])
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            local = local / "index.html"
        if local.suffix == ".html" and local.is_file():
            return self._send(inject(local.read_bytes(), self.state.epoch, self.state.search), "text/html; charset=utf-8", head)
        return super().do_HEAD() if head else super().do_GET()

    def _text(self, status: int, message: str) -> None:
        body = message.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _send(self, body: bytes, kind: str, head: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query).get("epoch", [""])[0]
        inbox: queue.Queue = queue.Queue()
        state = self.state
        with state.lock:
            state.clients.append(inbox)
            if seen and seen != str(state.epoch):  # the page is older than the site: it missed a reload
                inbox.put(("reload", str(state.epoch)))
            if state.errors:
                inbox.put(("error-report", json.dumps(state.errors, ensure_ascii=False)))
        try:
            while True:
                try:
                    event, data = inbox.get(timeout=KEEP_ALIVE_SECONDS)
                except queue.Empty:
                    event, data = "", ""
                if event == "stop":
                    break
                message = f"event: {event}\ndata: {data}\n\n" if event else ": keep-alive\n\n"
                self.wfile.write(message.encode("utf-8"))
                self.wfile.flush()
        finally:
            with state.lock:
                if inbox in state.clients:
                    state.clients.remove(inbox)


def exposure_warning(host: str, port: int) -> str | None:
    """What binding ``host`` makes reachable, when it is not this machine only (None for loopback)."""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if loopback:
        return None
    return (f"warning: --host {host} makes this preview reachable from other machines on port {port}: "
            "everything in the site, drafts included, and the build's error reports (source paths, lines and "
            "messages) can be read by anyone who can reach this address; use the default 127.0.0.1 unless "
            "you mean to share it")
