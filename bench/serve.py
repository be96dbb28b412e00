"""Benchmark ``archive serve``: save-to-reloaded-page latency in Chromium, and idle CPU. Prints figures.

``python bench/serve.py [--idle 30] [--edits 5] [--template-edits 3] [--src DIR] [--project DIR] [N ...]``

For each archive (N = 0 is the repository's sample archive, otherwise a
synthetic one of N interviews from ``synth.py``), starts ``archive serve``
in a fresh process and waits for its first build. Then:

1. **idle CPU**: the server's CPU time (user + system, the process and its
   children, from ``/proc``) over ``--idle`` seconds, as a share of one core;
2. **body saves**: opens one interview's page in Chromium (Playwright,
   ``ARCHIVE_CHROMIUM``, default /usr/bin/chromium) and ``--edits`` times
   rewrites one sentence of its body (a number inserted before the
   sentence's full stop, a new one each save) and times from the save to
   the open page having reloaded *and showing the new sentence*;
3. **template saves**: the same, ``--template-edits`` times, for a change of
   ``templates/interview.html`` (an attribute on the article element) that
   re-renders every interview page.

Each row gives medians and p90s of wall time from save to reloaded page,
the part of it until the server's ``reload`` event (the rebuild and
notification; the rest is the browser fetching and loading the page), and
the server's CPU seconds per save. ``--src`` runs another checkout's code
(e.g. main's) for a before/after comparison; ``--project DIR`` keeps the
project (and its build cache) in DIR, made on first use, so later runs start
warm (each run saves numbers no earlier run saved, so the cache never holds
a save's result). The machine is shared: run it when it is quiet and read CPU beside
wall time.
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
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synth import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
TICKS = os.sysconf("SC_CLK_TCK")
CHROMIUM = os.environ.get("ARCHIVE_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_S = 600


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants, living (from /proc) or reaped by it."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile: its time is in its parent's cutime once reaped
        total += sum(int(f) for f in fields[11:15]) / TICKS  # utime stime cutime cstime
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                stack += [int(c) for c in task.read_text().split()]
            except OSError:
                pass
    return total


def project_for(count: int, root: Path) -> tuple[Path, str]:
    """The project folder (made when it has no archive yet) and the slug of the interview to edit."""
    if count == 0:
        if not (root / "interview").is_dir():
            shutil.copytree(REPO / "interview", root / "interview")
            shutil.copytree(REPO / "templates", root / "templates")
        return root, "river-archive"
    if not (root / "interview").is_dir():
        generate(root, count)
        shutil.copytree(REPO / "templates", root / "templates")
    return root, "synthetic-00001"


class Sentence:
    """One sentence of an interview's body, rewritten with a new number before its full stop on every save."""

    def __init__(self, path: Path):
        self.path = path
        self.original = path.read_text(encoding="utf-8")
        lines = self.original.split("\n")
        body = self.original.index("\n---", 4) + 4
        start = self.original.count("\n", 0, body) + 1
        middle = start + (len(lines) - start) // 2  # a paragraph in the middle of the body, not a heading
        self.line = next(i for i in range(middle, len(lines))
                         if lines[i] and lines[i][0] not in "#!▲[-*>" and "。" in lines[i])
        self.lines = lines

    def save(self, number: int) -> str:
        """Write the interview with ``number`` in the sentence; returns the text the page must then show."""
        token = f"{number}"
        lines = list(self.lines)
        lines[self.line] = lines[self.line].replace("。", f"{token}。", 1)
        self.path.write_text("\n".join(lines), encoding="utf-8")
        return token

    def restore(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


class Template:
    """``interview.html`` with a new attribute value on its article element on every save."""

    def __init__(self, path: Path):
        self.path = path
        self.original = path.read_text(encoding="utf-8")
        if '<article class="interview"' not in self.original:
            raise SystemExit(f"{path}: no <article class=\"interview\"> to change")

    def save(self, number: int) -> str:
        self.path.write_text(self.original.replace('<article class="interview"',
                                                   f'<article data-bench="{number}" class="interview"', 1),
                             encoding="utf-8")
        return f'[data-bench="{number}"]'

    def restore(self) -> None:
        self.path.write_text(self.original, encoding="utf-8")


class Reloads:
    """The arrival times of ``reload`` events on the server's event stream."""

    def __init__(self, port: int):
        self.times: list[float] = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)
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

    def first_after(self, moment: float) -> float | None:
        return next((t for t in self.times if t >= moment), None)


def timed_saves(page, thing, count: int, condition: str, pid: int, reloads: Reloads, first: int) -> list[tuple]:
    """(save→page s, save→event s, server CPU s) for ``count`` saves of ``thing`` (the open page reloads)."""
    out = []
    for n in range(first, first + count):
        page.wait_for_load_state("load")
        page.evaluate("window.__mark = 1")
        cpu = cpu_seconds(pid)
        saved = time.perf_counter()
        token = thing.save(n)
        page.wait_for_function(f"(token) => window.__mark === undefined && document.readyState === 'complete' "
                               f"&& {condition}", arg=token, timeout=TIMEOUT_S * 1000, polling=5)
        shown = time.perf_counter() - saved
        time.sleep(0.3)  # the rebuild is over (the page shows it); let the last writes settle before reading CPU
        event = reloads.first_after(saved)
        out.append((shown, (event - saved) if event else float("nan"), cpu_seconds(pid) - cpu))
        time.sleep(0.5)
    return out


def run(count: int, args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        root = Path(args.project) if args.project else Path(stack.enter_context(
            tempfile.TemporaryDirectory(prefix="bench-serve-")))
        project, slug = project_for(count, root)
        env = dict(os.environ, PYTHONPATH=str(Path(args.src).resolve()))
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "archive", "serve", "--port", "0"], cwd=project, env=env,
                                stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        sentence = Sentence(project / "interview" / slug / "index.md")
        template = Template(project / "templates" / "interview.html")
        try:
            port, first = _wait_serving(proc, started)
            time.sleep(2)  # let the first build's workers go
            before, t0 = cpu_seconds(proc.pid), time.perf_counter()
            time.sleep(args.idle)
            idle = (cpu_seconds(proc.pid) - before) / (time.perf_counter() - t0)
            body, layout = _browser(port, slug, sentence, template, proc.pid, args)
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
            sentence.restore()
            template.restore()
    shown = "sample" if count == 0 else str(count)
    print(f"{shown:>7} {first:>8.1f} {idle * 100:>8.2f}% {_figures(body)} {_figures(layout)}", flush=True)


def _wait_serving(proc: subprocess.Popen, started: float) -> tuple[int, float]:
    line = ""
    while "serving" not in line:
        line = proc.stderr.readline()
        if not line and proc.poll() is not None:
            raise SystemExit("archive serve ended early")
    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()  # drain
    return int(re.search(r":(\d+)/", line).group(1)), time.perf_counter() - started


def _browser(port: int, slug: str, sentence: Sentence, template: Template, pid: int,
             args: argparse.Namespace) -> tuple[list[tuple], list[tuple]]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/zh-hant/{slug}/")
            reloads = Reloads(port)
            time.sleep(0.3)
            fresh = int(time.time()) % 10**6 * 100  # numbers no earlier run saved: its cache must not hold the result
            body = timed_saves(page, sentence, args.edits, "document.body.textContent.includes(token)",
                               pid, reloads, 10**8 + fresh)
            page.evaluate("window.__mark = 1")
            sentence.restore()  # and its rebuild, outside the figures
            page.wait_for_function("window.__mark === undefined", timeout=TIMEOUT_S * 1000)
            layout = timed_saves(page, template, args.template_edits, "document.querySelector(token) !== null",
                                 pid, reloads, fresh)
        finally:
            browser.close()
    return body, layout


def _figures(samples: list[tuple]) -> str:
    if not samples:
        return f"{'-':>6} {'-':>6} {'-':>6} {'-':>6}"
    shown, event, cpu = zip(*samples)
    return f"{statistics.median(shown):>6.2f} {_p90(shown):>6.2f} {statistics.median(event):>6.2f} " \
           f"{statistics.median(cpu):>6.2f}"


def _p90(values) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-9 * len(ordered) // 10) - 1))]  # nearest rank


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[0])
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of idle CPU measurement (default 30)")
    parser.add_argument("--edits", type=int, default=5, help="saves of an interview's sentence (default 5)")
    parser.add_argument("--template-edits", type=int, default=3, help="saves of interview.html (default 3)")
    parser.add_argument("--src", default=str(REPO / "src"), help="the package source to run (default: this one)")
    parser.add_argument("--project", help="keep the project and its cache in this folder (one N per folder)")
    args = parser.parse_args()
    if args.project and len(args.counts) > 1:
        parser.error("--project holds one archive: give one N")
    print("seconds from a save to the reloaded page in Chromium (median, p90), to the server's reload event "
          "(median),\nand the server's CPU seconds per save (median); idle CPU as a share of one core")
    print(f"{'':>7} {'':>8} {'':>9} {'interview sentence saved':>27} {'interview.html saved':>27}")
    print(f"{'N':>7} {'start s':>8} {'idle CPU':>9} " + f"{'page':>6} {'p90':>6} {'event':>6} {'CPU s':>6} " * 2)
    for count in args.counts:
        run(count, args)


if __name__ == "__main__":
    main()
