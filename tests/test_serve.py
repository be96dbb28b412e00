"""``archive serve``: rebuild of exactly what changed, live reload, the error overlay, loopback, Ctrl-C.

Also what a hostile page or an unlucky edit does to it: any exception in a
build (a template's syntax, a bad date, anything) shows in the overlay and
the next good change rebuilds; foreign ``Host`` headers get 421; malformed
paths get 400; a page that missed a reload gets it when it connects.
The browser test uses ``ARCHIVE_CHROMIUM`` (default /usr/bin/chromium) like tests/test_browser.py.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import archive.serve as serve
from archive.preview import allowed_hosts, clean_path, exposure_warning, inject
from archive.serve import EVENTS, LIVE_JS, Server

from conftest import REPO


CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def served(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    shutil.copytree(REPO / "templates", project / "templates")
    logged: list[str] = []
    server = Server(project / "interview", project / "site", port=0, log=logged.append)
    server.logged = logged
    server.start()
    yield server, project
    server.stop()
    assert not any(t.is_alive() for t in server.threads[1:]), "the watcher outlived stop()"
    assert not any("Traceback" in line for line in logged)


def _get(server: Server, path: str, host: str | None = None) -> tuple[int, str]:
    status, body, _ = _request(server, path, host)
    return status, body


def _request(server: Server, path: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
    """GET ``path`` as written (no re-encoding), with the Host header given (default: the address served)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        lines = [f"GET {path} HTTP/1.1"]
        if host != "":
            lines.append(f"Host: {host or f'127.0.0.1:{server.port}'}")
        sock.sendall(("\r\n".join(lines + ["Connection: close", "", ""])).encode("latin-1"))
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), body.decode("utf-8", "replace"), headers


class Events:
    """Reads the server-sent event stream in a thread."""

    def __init__(self, server: Server, query: str = ""):
        self.events: list[tuple[str, str]] = []
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.conn.request("GET", EVENTS + query)
        self.response = self.conn.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        event = None
        try:
            for raw in self.response:
                line = raw.decode("utf-8").rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event:
                    self.events.append((event, line[6:]))
                    event = None
        except Exception:
            pass

    def wait(self, name: str, timeout: float = 20) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for event, data in self.events:
                if event == name:
                    return data
            time.sleep(0.05)
        raise AssertionError(f"no '{name}' event; got {self.events}")


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_serves_the_site_with_the_live_script_on_loopback_only(served):
    server, _ = served
    assert server.httpd.server_address[0] == "127.0.0.1"
    status, html = _get(server, "/zh-hant/lighthouse-keeper/index.html")
    assert status == 200 and f'<script src="{LIVE_JS}" data-epoch="1" data-search="off"></script></body>\n</html>' in html
    status, script = _get(server, LIVE_JS)
    assert status == 200 and "EventSource" in script
    assert _get(server, "/zh-hans/")[0] == 200


def test_a_change_rebuilds_exactly_the_affected_pages_and_reloads(served):
    server, project = served
    events = Events(server)
    generation = server.state.generation
    _edit(project / "interview/river-archive/index.md", "一号藏品", "头号藏品")
    assert server.wait_for(generation + 1)
    events.wait("reload")
    assert sorted(server.last.written) == [  # and no search index: the preview makes none
        "zh-hans/river-archive/index.html", "zh-hans/river-archive/interview.json",
        "zh-hant/river-archive/index.html", "zh-hant/river-archive/interview.json"]
    assert "頭號藏品" in _get(server, "/zh-hant/river-archive/index.html")[1]


def test_a_broken_source_shows_the_overlay_and_keeps_the_last_good_page(served):
    server, project = served
    good = _get(server, "/zh-hant/lighthouse-keeper/index.html")[1]
    events = Events(server)
    generation = server.state.generation
    _edit(project / "interview/lighthouse-keeper/index.md", "## 02. ", "## 07. ")
    assert server.wait_for(generation + 1)
    findings = json.loads(events.wait("error-report"))
    assert any(f.startswith("interview/lighthouse-keeper/index.md:") and "SEC001" in f for f in findings)
    assert _get(server, "/zh-hant/lighthouse-keeper/index.html")[1] == good
    late = Events(server)  # a page opened while broken learns of it at once
    late.wait("error-report")
    _edit(project / "interview/lighthouse-keeper/index.md", "## 07. ", "## 02. ")
    assert server.wait_for(generation + 2)
    events.wait("ok")


def test_ctrl_c_stops_cleanly(tmp_path):
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    proc = subprocess.Popen([sys.executable, "-m", "archive", "serve", "--port", "0"], cwd=tmp_path,
                            stderr=subprocess.PIPE, text=True)
    line = ""
    deadline = time.monotonic() + 60
    while "serving" not in line and time.monotonic() < deadline:
        line = proc.stderr.readline()
    assert "http://127.0.0.1:" in line, line
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    assert "stopped" in proc.stderr.read()
    assert "Traceback" not in line


@pytest.mark.browser
def test_the_browser_reloads_in_place_and_shows_the_overlay(served):
    if not (os.path.exists(CHROMIUM) and shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    server, project = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(f"{server.url}zh-hans/river-archive/index.html#s03")
        page.wait_for_load_state("load")
        page.evaluate("window.scrollBy(0, 300)")
        y = page.evaluate("window.scrollY")
        page.evaluate("window.__before_reload = true")
        _edit(project / "interview/river-archive/index.md", "一号藏品", "头号藏品")
        page.wait_for_function("window.__before_reload === undefined", timeout=20000)  # it reloaded
        page.wait_for_load_state("load")
        page.wait_for_timeout(200)
        assert page.url.endswith("#s03")
        assert abs(page.evaluate("window.scrollY") - y) < 5
        assert "头号藏品" in page.content()
        search = page.locator("form.search input")  # the preview has no index, and its search box says so
        assert search.get_attribute("placeholder") == "搜索（预览中关闭）"
        search.fill("藏品")
        page.locator(".search-results .search-none").wait_for(timeout=10000)
        assert "archive build" in page.locator(".search-results").inner_text()
        search.fill("")
        _edit(project / "interview/river-archive/index.md", "## 03. ", "## 09. ")
        overlay = page.locator("#archive-overlay")
        overlay.wait_for(timeout=20000)
        assert "interview/river-archive/index.md:" in overlay.inner_text() and "SEC001" in overlay.inner_text()
        _edit(project / "interview/river-archive/index.md", "## 09. ", "## 03. ")
        overlay.wait_for(state="detached", timeout=20000)
        browser.close()


def test_the_preview_makes_no_search_index_unless_asked(served, tmp_path):
    server, project = served
    assert not (project / "site/zh-hant/pagefind").exists() and not (project / "site/zh-hans/pagefind").exists()
    assert _get(server, "/zh-hant/pagefind/pagefind.js")[0] == 404
    assert "搜尋（預覽中關閉）" in _get(server, LIVE_JS)[1]
    shutil.copytree(REPO / "interview", tmp_path / "other/interview")
    indexed = Server(tmp_path / "other/interview", tmp_path / "other/site", port=0, log=lambda line: None, search=True)
    indexed.start()
    try:
        assert _get(indexed, "/zh-hant/pagefind/pagefind.js")[0] == 200
        html = _get(indexed, "/zh-hant/river-archive/")[1]
        assert f'<script src="{LIVE_JS}" data-epoch="1"></script>' in html and 'data-search' not in html
    finally:
        indexed.stop()


# --- the watcher survives anything ----------------------------------------------------------


def test_a_template_syntax_error_is_shown_as_path_line_and_the_fix_rebuilds(served):
    server, project = served
    good = _get(server, "/zh-hant/lighthouse-keeper/index.html")[1]
    events = Events(server)
    generation = server.state.generation
    template = project / "templates/interview.html"
    lines = template.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = lines[:2] + ["{% if %}\n"] + lines[2:]
    template.write_text("".join(broken), encoding="utf-8")
    assert server.wait_for(generation + 1)
    findings = json.loads(events.wait("error-report"))
    assert len(findings) == 1 and findings[0].startswith("templates/interview.html:3: "), findings
    assert _get(server, "/zh-hant/lighthouse-keeper/index.html")[1] == good
    assert server.threads[1].is_alive()
    template.write_text("".join(lines).replace("</article>", "</article><!-- fixed -->", 1), encoding="utf-8")
    assert server.wait_for(generation + 2)
    events.wait("ok")
    events.wait("reload")
    assert "<!-- fixed -->" in _get(server, "/zh-hant/lighthouse-keeper/index.html")[1]


def test_a_bad_date_never_stops_the_watcher(served):
    server, project = served
    index = project / "interview/lighthouse-keeper/index.md"
    events = Events(server)
    generation = server.state.generation
    _edit(index, "date: 2026-03-02", "date: 2026-02-30")
    assert server.wait_for(generation + 1)
    findings = json.loads(events.wait("error-report"))
    assert findings and all("\n" not in f and "Traceback" not in f for f in findings)
    _edit(index, "date: 2026-02-30", "date: 2026-03-03")
    assert server.wait_for(generation + 2)
    events.wait("ok")
    assert "2026-03-03" in _get(server, "/zh-hant/lighthouse-keeper/index.html")[1]


def test_any_exception_in_a_build_shows_its_one_line_and_the_next_change_rebuilds(served, monkeypatch):
    server, project = served
    real = serve.build
    calls = []

    def fails_once(*args, **kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise ZeroDivisionError("something no one foresaw")
        return real(*args, **kwargs)

    monkeypatch.setattr(serve, "build", fails_once)
    events = Events(server)
    generation = server.state.generation
    _edit(project / "interview/river-archive/index.md", "一号藏品", "头号藏品")
    assert server.wait_for(generation + 1)
    assert json.loads(events.wait("error-report")) == ["ZeroDivisionError: something no one foresaw"]
    _edit(project / "interview/river-archive/index.md", "头号藏品", "二号藏品")
    assert server.wait_for(generation + 2)
    events.wait("ok")
    assert "二號藏品" in _get(server, "/zh-hant/river-archive/index.html")[1]
    assert calls and all(kw.get("drafts") is True and kw.get("search") is False for kw in calls)


def test_a_burst_of_saves_is_one_rebuild(served):
    server, project = served  # writes milliseconds apart, as an editor's save-all or a git checkout makes them
    index = project / "interview/river-archive/index.md"
    text = index.read_text(encoding="utf-8")
    generation = server.state.generation
    for i in range(8):
        index.write_text(text.replace("一号藏品", f"第{i}号藏品", 1), encoding="utf-8")
    assert server.wait_for(generation + 1)
    time.sleep(1.0)  # a second rebuild would have started by now
    assert server.state.generation == generation + 1
    assert "第7號藏品" in _get(server, "/zh-hant/river-archive/index.html")[1]


def test_stop_ends_the_watcher_promptly(tmp_path):
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    server = Server(tmp_path / "interview", tmp_path / "site", port=0, log=lambda line: None)
    server.start()
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    assert not any(t.is_alive() for t in server.threads)


# --- requests ------------------------------------------------------------------------------


def test_foreign_host_headers_are_refused(served):
    server, _ = served
    port = server.port
    for host in ("evil.example", f"evil.example:{port}", f"127.0.0.1:{port + 1}", f"attacker.test:{port}", ""):
        status, body, _ = _request(server, "/zh-hant/lighthouse-keeper/index.html", host=host)
        assert status == 421 and "does not answer for host" in body, host
        assert _request(server, EVENTS, host=host)[0] == 421
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LOCALHOST:{port}"):
        assert _request(server, "/zh-hant/", host=host)[0] == 200, host


def test_allowed_hosts_for_each_kind_of_address():
    assert allowed_hosts("127.0.0.1", 8000)("localhost:8000") and allowed_hosts("::1", 8000)("[::1]:8000")
    assert not allowed_hosts("127.0.0.1", 8000)("127.0.0.1") and not allowed_hosts("127.0.0.1", 8000)("x:8000")
    everywhere = allowed_hosts("0.0.0.0", 8000)
    assert everywhere("192.168.1.20:8000") and everywhere(f"{socket.gethostname()}:8000")
    assert not everywhere("rebound.example:8000") and not everywhere("192.168.1.20:9000")
    assert allowed_hosts("192.168.1.20", 8000)("192.168.1.20:8000")
    assert not allowed_hosts("192.168.1.20", 8000)("localhost:8000")


@pytest.mark.parametrize("path", ["/%00", "/zh-hant/%00index.html", "/a%zz", "/a%4", "/%ff%fe.html", "/../etc/passwd",
                                  "/zh-hant/..%2f..%2fetc/passwd", "/zh-hant/%2e%2e/%2e%2e/x", "/a%5cb", "/a\\b",
                                  "relative", "/%0d%0aSet-Cookie:x"])
def test_malformed_paths_get_400_and_no_traceback(served, path):
    server, _ = served
    status, body, _ = _request(server, path)
    assert status == 400 and body == "archive serve: malformed path\n"
    assert server.logged == [line for line in server.logged if "Traceback" not in line and "failed" not in line]


def test_clean_path():
    assert clean_path("/zh-hant/%E7%87%88.svg?x=1#y") == "/zh-hant/燈.svg"
    assert clean_path("/a%20b/") == "/a b/"
    assert clean_path("/a/..b") == "/a/..b"
    assert clean_path("/a/../b") is None and clean_path("/%2e%2e/") is None and clean_path("/a%00") is None


def test_a_folder_without_its_slash_is_redirected(served):
    server, _ = served
    status, _, headers = _request(server, "/zh-hant")
    assert status == 301 and headers["location"] == "/zh-hant/"
    status, _, headers = _request(server, "/zh-hans/river-archive?from=feed")
    assert status == 301 and headers["location"] == "/zh-hans/river-archive/?from=feed"
    assert _request(server, "/zh-hans/river-archive/")[0] == 200
    assert _request(server, "/zh-hans/no-such-interview")[0] == 404


def test_a_page_that_missed_a_reload_gets_it_when_it_connects(served):
    server, project = served
    html = _get(server, "/zh-hant/river-archive/")[1]
    assert 'data-epoch="1"' in html
    generation = server.state.generation
    _edit(project / "interview/river-archive/index.md", "一号藏品", "头号藏品")
    assert server.wait_for(generation + 1)
    assert server.state.epoch == 2
    stale = Events(server, "?epoch=1")
    assert stale.wait("reload") == "2"
    current = Events(server, "?epoch=2")
    time.sleep(0.5)
    assert current.events == []
    assert 'data-epoch="2"' in _get(server, "/zh-hant/river-archive/")[1]


def test_the_script_goes_before_the_last_body_end_or_at_the_end():
    tag = f'<script src="{LIVE_JS}" data-epoch="3"></script>'.encode()
    page = b"<body><script>var s = '</body>';</script><p>x</p></body>\n</html>\n"
    assert inject(page, 3) == b"<body><script>var s = '</body>';</script><p>x</p>" + tag + b"</body>\n</html>\n"
    assert inject(b"<p>no body end</p>", 3) == b"<p>no body end</p>" + tag
    assert inject(b"<P>x</P></BODY>", 3) == b"<P>x</P>" + tag + b"</BODY>"


def test_binding_every_interface_warns_what_becomes_reachable(tmp_path):
    assert exposure_warning("127.0.0.1", 8000) is None and exposure_warning("::1", 8000) is None
    assert exposure_warning("localhost", 8000) is None
    warning = exposure_warning("0.0.0.0", 8000)
    assert "drafts" in warning and "error reports" in warning and "port 8000" in warning
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    proc = subprocess.Popen([sys.executable, "-m", "archive", "serve", "--host", "0.0.0.0", "--port", "0"],
                            cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 60
        while not any("warning:" in line for line in lines) and time.monotonic() < deadline:
            lines.append(proc.stderr.readline())
        assert any(line.startswith("archive serve: warning: --host 0.0.0.0 makes this preview reachable")
                   and "drafts" in line for line in lines), lines
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0


def test_an_ipv6_loopback_is_served_and_checked(tmp_path):
    if not socket.has_ipv6:
        pytest.fail("this machine has no IPv6 loopback")
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    server = Server(tmp_path / "interview", tmp_path / "site", host="::1", port=0, log=lambda line: None)
    server.start()
    try:
        assert server.url == f"http://[::1]:{server.port}/"
        for host, status in ((f"[::1]:{server.port}", 200), (f"localhost:{server.port}", 200),
                             (f"rebound.example:{server.port}", 421)):
            conn = http.client.HTTPConnection("::1", server.port, timeout=10)
            conn.request("GET", "/zh-hant/", headers={"Host": host})
            assert conn.getresponse().status == status, host
            conn.close()
    finally:
        server.stop()


def test_serve_previews_drafts(tmp_path):
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    _edit(tmp_path / "interview/ferry-radio/index.md", "slug: ferry-radio\n", "slug: ferry-radio\ndraft: true\n")
    server = Server(tmp_path / "interview", tmp_path / "site", port=0, log=lambda line: None)
    server.start()
    try:
        assert _get(server, "/zh-hant/ferry-radio/")[0] == 200
        assert "ferry-radio/index.html" in _get(server, "/zh-hant/")[1]
    finally:
        server.stop()


def test_the_watcher_ignores_what_the_build_writes_and_editor_swap_files(tmp_path):
    import watchfiles

    archive = tmp_path / "interview"
    server = Server(archive, archive / "site", port=0, log=lambda line: None)  # an output inside the archive
    wanted = server._wanted(watchfiles.DefaultFilter())
    change = watchfiles.Change.modified
    assert wanted(change, str(archive.resolve() / "river-archive/index.md"))
    assert wanted(change, str(archive.resolve() / "site-notes/index.md"))  # a name that only begins like the site's
    for ours in ("site", "site/zh-hant/index.html", ".site.staging-x1/a.html", ".site.old-x2"):
        assert not wanted(change, str(archive.resolve() / ours)), ours
    assert not wanted(change, str(tmp_path.resolve() / ".archive-cache/state/ab"))
    assert not wanted(change, str(archive.resolve() / "river-archive/.index.md.swp"))


def test_a_save_made_during_the_first_build_is_built_before_start_returns(tmp_path, monkeypatch):
    shutil.copytree(REPO / "interview", tmp_path / "interview")
    shutil.copytree(REPO / "templates", tmp_path / "templates")
    real, calls = serve.build, []

    def saves_meanwhile(*args, **kwargs):
        report = real(*args, **kwargs)
        if not calls:  # the editor saves while the first build runs, before anything watches
            _edit(tmp_path / "interview/river-archive/index.md", "一号藏品", "头号藏品")
        calls.append(report)
        return report

    monkeypatch.setattr(serve, "build", saves_meanwhile)
    logged: list[str] = []
    server = Server(tmp_path / "interview", tmp_path / "site", port=0, log=logged.append)
    server.start()
    try:
        assert "頭號藏品" in _get(server, "/zh-hant/river-archive/index.html")[1]
        assert len(calls) == 2 and sum(line.startswith("rebuilt:") for line in logged) == 2
    finally:
        server.stop()


def test_start_says_nothing_more_when_nothing_changed_meanwhile(served):
    server, _ = served
    assert sum(line.startswith("rebuilt:") for line in server.logged) == 1
    assert server.state.generation == 2 and server.state.epoch == 1  # the catch-up build found nothing to do
