"""``archive serve``: rebuild of exactly what changed, live reload, the error overlay, loopback, Ctrl-C."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from archive.serve import EVENTS, LIVE_JS, Server

from conftest import REPO


@pytest.fixture
def served(tmp_path):
    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    shutil.copytree(REPO / "templates", project / "templates")
    server = Server(project / "interview", project / "site", port=0, log=lambda line: None)
    server.start()
    yield server, project
    server.stop()


def _get(server: Server, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", path)
    response = conn.getresponse()
    body = response.read().decode("utf-8", "replace")
    conn.close()
    return response.status, body


class Events:
    """Reads the server-sent event stream in a thread."""

    def __init__(self, server: Server):
        self.events: list[tuple[str, str]] = []
        self.conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        self.conn.request("GET", EVENTS)
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
    assert status == 200 and f'<script src="{LIVE_JS}"></script></body>' in html
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
    assert sorted(r for r in server.state.last.written if "/pagefind/" not in r) == [
        "zh-hans/river-archive/index.html", "zh-hans/river-archive/interview.json",
        "zh-hant/river-archive/index.html", "zh-hant/river-archive/interview.json"]  # and the search index
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


def test_the_browser_reloads_in_place_and_shows_the_overlay(served):
    from playwright.sync_api import sync_playwright

    server, project = served
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium",
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
        _edit(project / "interview/river-archive/index.md", "## 03. ", "## 09. ")
        overlay = page.locator("#archive-overlay")
        overlay.wait_for(timeout=20000)
        assert "interview/river-archive/index.md:" in overlay.inner_text() and "SEC001" in overlay.inner_text()
        _edit(project / "interview/river-archive/index.md", "## 09. ", "## 03. ")
        overlay.wait_for(state="detached", timeout=20000)
        browser.close()
