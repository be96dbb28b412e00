"""Benchmark ``archive serve``: idle CPU and save-to-reload latency. Prints figures; run it on a quiet machine.

``python bench/serve.py [--idle 30] [--edits 5] [--browser] [--src DIR] [N ...]``

For each archive (N = 0 is the repository's sample archive, otherwise a
synthetic one of N interviews from ``synth.py``), starts ``archive serve`` in
a fresh process, waits for it to settle, reads its CPU time from
``/proc/PID/stat`` over ``--idle`` seconds, then saves an interview
``--edits`` times and measures the time from the save to the ``reload``
event on the server-sent event stream (and, with ``--browser``, to the page
having reloaded in Chromium — ``ARCHIVE_CHROMIUM``, default
/usr/bin/chromium). ``--src`` runs another checkout's code (e.g. main's) for
a before/after comparison.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process (all its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def project_for(count: int, root: Path) -> tuple[Path, Path]:
    """(project folder, the interview file to edit)."""
    if count == 0:
        shutil.copytree(REPO / "interview", root / "interview")
        shutil.copytree(REPO / "templates", root / "templates")
        return root, root / "interview/river-archive/index.md"
    generate(root, count)
    shutil.copytree(REPO / "templates", root / "templates")
    return root, root / "interview/synthetic-00001/index.md"


class Reloads:
    """Counts ``reload`` events on the server's event stream, with the time each arrived."""

    def __init__(self, port: int):
        self.times: list[float] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/__archive/events")
        self.response = conn.getresponse()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.response:
                if raw.startswith(b"event: reload"):
                    self.times.append(time.perf_counter())
        except Exception:
            pass

    def wait(self, count: int, timeout: float = 120) -> float:
        deadline = time.perf_counter() + timeout
        while len(self.times) < count:
            if time.perf_counter() > deadline:
                raise SystemExit("no reload event: is the server rebuilding?")
            time.sleep(0.002)
        return self.times[count - 1]


def toggle(path: Path, edit: int) -> None:
    """Change one character of the body, alternating, so every save changes the output."""
    text = path.read_text(encoding="utf-8")
    body = text.index("\n---", 4) + 4
    old, new = ("。", "！") if edit % 2 == 0 else ("！", "。")
    at = text.index(old, body)
    path.write_text(text[:at] + new + text[at + 1:], encoding="utf-8")


def run(count: int, args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        project, victim = project_for(count, Path(tmp))
        env = dict(os.environ, PYTHONPATH=str(Path(args.src).resolve()))
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "archive", "serve", "--port", "0"], cwd=project, env=env,
                                stderr=subprocess.PIPE, text=True)
        try:
            line = ""
            while "serving" not in line:
                line = proc.stderr.readline()
                if not line and proc.poll() is not None:
                    raise SystemExit("archive serve ended early")
            first = time.perf_counter() - started
            port = int(re.search(r":(\d+)/", line).group(1))
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # drain
            time.sleep(2)  # let the first build's workers go
            before, t0 = cpu_seconds(proc.pid), time.perf_counter()
            time.sleep(args.idle)
            idle = (cpu_seconds(proc.pid) - before) / (time.perf_counter() - t0)
            reloads = Reloads(port)
            time.sleep(0.3)
            latencies = []
            for edit in range(args.edits):
                saved = time.perf_counter()
                toggle(victim, edit)
                latencies.append(reloads.wait(edit + 1) - saved)
                time.sleep(0.5)
            page = browser_latency(port, victim, args) if args.browser else []
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
    shown = "sample" if count == 0 else str(count)
    print(f"{shown:>7} {first:>9.2f} {idle * 100:>9.2f} % {statistics.median(latencies):>12.3f} "
          f"{max(latencies):>9.3f}" + (f" {statistics.median(page):>12.3f}" if page else ""), flush=True)


def browser_latency(port: int, victim: Path, args: argparse.Namespace) -> list[float]:
    """Seconds from a save to the open page having reloaded (its load event fired) in Chromium."""
    from playwright.sync_api import sync_playwright

    slug = victim.parent.name
    chromium = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/zh-hant/{slug}/")
        for edit in range(args.edits):
            page.wait_for_load_state("load")
            page.evaluate("window.__mark = 1")
            saved = time.perf_counter()
            toggle(victim, edit + 1)
            page.wait_for_function("window.__mark === undefined && document.readyState === 'complete'",
                                   timeout=120000, polling=5)
            out.append(time.perf_counter() - saved)
            time.sleep(0.5)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[0])
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement (default 30)")
    parser.add_argument("--edits", type=int, default=5)
    parser.add_argument("--browser", action="store_true", help="also time the reload of an open page in Chromium")
    parser.add_argument("--src", default=str(REPO / "src"), help="the package source to run (default: this one)")
    args = parser.parse_args()
    print(f"{'N':>7} {'start s':>9} {'idle CPU':>11} {'save→reload':>12} {'max s':>9}"
          + (f" {'page s':>12}" if args.browser else ""))
    for count in args.counts:
        run(count, args)


if __name__ == "__main__":
    main()
