"""The build benchmark against Hugo: ``python bench/run.py [--runs R] [--json FILE] [N ...]``.

For each N (default 100 1000) it generates a synthetic archive (bench/synth.py:
about 13,500 characters, 15 sections, 40 questions, 13 notes and 4 figures an
interview, seeded, never real articles) and the same interviews as a Hugo
site: both scripts of every interview as a page bundle (the synthetic word
pools are aligned, so Hugo gets the same text without a conversion step),
``hasCJKLanguage = true``, an interview template with a table of contents
(sections and kickers) and list pages of titles, dates and the front
matter's one-line summary, as our index pages show.

What is fair about it:

- Every command is a fresh process timed the same way (wall clock from
  start to exit), ours and Hugo's in pairs, the order alternating between
  pairs; each row is the median of R pairs (default 3) and the ratio is the
  median of the pairs' ratios. (The three cold rows share each pair's Hugo
  run: ours with a cache, ours with ``--no-cache`` and ours with search are
  each set against the Hugo cold build of the same round.)
- Both sides are warmed the same way: one untimed full build each before
  anything is timed (the disk cache then holds both sides' inputs and
  programs); a "cold" build has no cache of its own on either side (ours:
  no ``.archive-cache`` and no site; Hugo: no ``public/``, no resources and
  an empty ``--cacheDir``). What a cold build replaces is moved aside, not
  deleted, and deleted after the last timed run: ext4 is slow to allocate
  inodes for a minute or more after many were deleted (see
  ``Workspace.set_aside``), which charged each side for the files it had
  just removed rather than for its build. For the same reason a build
  that itself removes many files (ours with search: Pagefind's scratch
  folders, some 10,000 files at N = 1,000) is followed by a pause of
  :data:`SETTLE` seconds before the next cold build or template change of
  either side (with search on, the first cold round took 15.6 s of CPU and
  the two after a search build 17.5 and 18.1 s; without search builds in
  between, the three rounds took the same).
- Every timed command starts with nothing waiting to be written: ``sync``
  (untimed) before each. A cold build leaves its output in the page cache
  (ours some 350 MB at N = 1,000, the cache and the site), and the kernel
  writes it out 30 s later, in the middle of whichever build is then
  running: each side was charged for the writeback of builds before it,
  some of them the other side's.
- Hugo has no incremental mode outside its server, so each of our rebuilds
  (no-op, one interview edited, a template changed) is set against Hugo
  doing the same edit and building again; ``archive check`` (of the site
  rebuilt, untimed, after a one-interview edit) is set against Hugo's build.
- Search: when our build indexes search (and ``--no-search`` skips it),
  the rows set against Hugo alone build with ``--no-search``, and a cold
  build and an edit with search are set against Hugo followed by Pagefind
  (``python -m pagefind``, the ``pagefind[extended]`` package) on Hugo's
  pages.
- Our side runs as a newsroom installs it: ``pip install`` of this
  checkout (not editable) into a fresh virtual environment, bytecode
  compiled at install, so it pays its own interpreter start and imports and
  nothing of the machine it runs on (``--in-place`` runs the checkout's
  ``src`` with the current interpreter instead: a sandbox's start-up hooks
  in its site-packages, ~20 ms a process here, are then counted too).
  Pagefind comes from the same environment for both sides.
- Memory, on both sides: the largest single process's peak resident size
  is the kernel's own figure (``wait4``); the whole process tree's
  proportional set size (pages shared between forked workers counted once,
  see :func:`_tree`) is sampled from /proc, first 20 ms after the start,
  then at intervals doubling to :data:`SAMPLE_EVERY`. Reading a process's
  ``smaps_rollup`` walks its page tables: 8.6 ms of CPU a sample for our
  cold build's four processes, 11–13 ms for Hugo's one 1 GB process. The
  sampler used to list all of /proc and read every process's rollup every
  20 ms, and so took about a third of one of the two cores from whichever
  side it measured (3 s of CPU during one of our cold builds).

It prints the machine (cores, CPU model, load average at start and end) and
one markdown table per N, ready for the README. A script that prints
figures, not a timed test: the machine should be as quiet as it can be.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from synth import front_matter, generate, interview  # noqa: E402

MB = 2**20
PYTHON = sys.executable
"""The interpreter our side runs with (see :func:`install`); the checkout's ``src`` is on its path when
it is the current one (``--in-place``)."""
SETTLE = 65.0
"""Seconds after a timed build that removed many files before the next cold build or template change:
ext4 skips an inode deleted less than 60 s ago when it allocates (``recently_deleted``; longer only
while the inode table's block is dirty, which writeback ends within 35 s here)."""

_CHURNED = [0.0]
"""When the last timed build that removed many files ended (``time.monotonic``), across every N of a run."""

VICTIM = 3
"""The interview edited in the edit-one runs."""


# ---------------------------------------------------------------- measuring

@dataclass
class Run:
    """One command: wall-clock seconds, peak memory (largest process, whole tree) and its output."""

    seconds: float
    largest: int
    tree: int
    output: str = ""
    cpu: float = 0.0
    """User and system seconds of the process and every descendant it waited for."""

    def __add__(self, other: "Run") -> "Run":
        """Two commands run one after the other (Hugo, then Pagefind)."""
        return Run(self.seconds + other.seconds, max(self.largest, other.largest), max(self.tree, other.tree),
                   self.output + other.output, self.cpu + other.cpu)


SAMPLE_EVERY = 0.25
"""Longest interval between two samples of a process tree's memory, in seconds (see :func:`measure`)."""


def _tree(pid: int) -> int:
    """Summed PSS in bytes over a process and all its descendants.

    The proportional set size (``/proc/PID/smaps_rollup``): a page shared by
    several processes (forked workers share their parent's libraries and
    tables) counts once, split between them, so the sum is the memory the
    machine must provide. Summed RSS would count it once per process.
    """
    total = 0
    for p in _descendants(pid):
        pss = _pss(p)
        total += _rss(p) if pss is None else pss  # a process gone or unreadable: its resident size, or 0
    return total


_CHILDREN_LISTED = os.path.exists(f"/proc/self/task/{os.getpid()}/children")
"""Whether this kernel lists a thread's children (``CONFIG_PROC_CHILDREN``); else every process's
``stat`` says whose child it is."""


def _descendants(pid: int) -> list[int]:
    """The process and every descendant, from each thread's ``children`` list (no walk of all /proc)."""
    if not _CHILDREN_LISTED:
        return _descendants_from_stat(pid)
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        try:
            threads = os.listdir(f"/proc/{p}/task")
        except OSError:
            continue
        for thread in threads:
            try:
                with open(f"/proc/{p}/task/{thread}/children", "rb") as f:
                    stack.extend(int(child) for child in f.read().split())
            except (OSError, ValueError):
                continue
    return found


def _descendants_from_stat(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    children.setdefault(int(f.read().rsplit(b")", 1)[1].split()[1]), []).append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    found, stack = [], [pid]
    while stack:
        p = stack.pop()
        found.append(p)
        stack.extend(children.get(p, []))
    return found


def _rss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _pss(pid: int) -> int | None:
    """A process's proportional set size in bytes, or None when its rollup cannot be read."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _env() -> dict[str, str]:
    """The environment of every timed command: the checkout's code on the path only ``--in-place``."""
    env = {**os.environ, "CI": "1"}
    env.pop("PYTHONPATH", None)
    if PYTHON == sys.executable:
        env["PYTHONPATH"] = str(REPO / "src")
    return env


def install(folder: Path) -> str:
    """A fresh virtual environment in ``folder`` with this checkout installed (not editable); its python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(REPO)],
                   check=True, env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
    return python


def measure(cmd: list[str], cwd: Path, expect: Callable[[str], bool] | None = None) -> Run:
    """Run ``cmd`` as a fresh process; its time and peak memory. Fails loudly on an unexpected result."""
    env = _env()
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # this machine sets it; an installed Python keeps its bytecode
    os.sync()  # what earlier builds wrote is on disk: its writeback is not charged to this one
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    peak = [0]
    done = threading.Event()
    chunks: list[bytes] = []

    def sample() -> None:
        wait = 0.02
        while not done.wait(wait):
            peak[0] = max(peak[0], _tree(proc.pid))
            wait = min(2 * wait, SAMPLE_EVERY)

    def drain() -> None:
        assert proc.stdout is not None
        chunks.extend(iter(lambda: proc.stdout.read(65536), b""))

    threads = [threading.Thread(target=sample, daemon=True), threading.Thread(target=drain, daemon=True)]
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    for t in threads:
        t.join()
    output = b"".join(chunks).decode("utf-8", "replace")
    if proc.returncode != 0 or (expect is not None and not expect(output)):
        raise SystemExit(f"{' '.join(cmd)} (in {cwd}) exited {proc.returncode}:\n{output[-3000:]}")
    largest = usage.ru_maxrss * 1024  # the kernel's peak of the largest process (and its waited-for children), KiB
    return Run(seconds, largest, max(peak[0], largest), output, usage.ru_utime + usage.ru_stime)


def machine() -> dict[str, str]:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": str(os.cpu_count()), "cpu": model, "load": " ".join(Path("/proc/loadavg").read_text().split()[:3])}


# ---------------------------------------------------------------- the two sites

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "bench"
hasCJKLanguage = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[markup.tableOfContents]
  startLevel = 2
  endLevel = 3
"""
HUGO_SINGLE = """<!DOCTYPE html>
<html lang="{{ if eq .Section "zh-hant" }}zh-Hant{{ else }}zh-Hans{{ end }}"><head><meta charset="utf-8">
<title>{{ .Title }}</title><link rel="stylesheet" href="/style.css"><script src="/app.js" defer></script></head>
<body><nav class="toc">{{ .TableOfContents }}</nav>
<main><article><header><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006-01-02" }}</time>
<h1>{{ .Title }}</h1><p class="subtitle">{{ .Params.subtitle }}</p><p class="people">{{ .Params.interviewee }}</p></header>
{{ .Content }}</article></main></body></html>
"""
HUGO_LIST = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{{ .Title }}</title><link rel="stylesheet" href="/style.css"></head>
<body><main><h1>{{ .Title }}</h1><ol>{{ range .Pages }}<li><time>{{ .Date.Format "2006-01-02" }}</time>
<h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Params.subtitle }}</p><p>{{ .Params.interviewee }}</p>
<p>{{ .Params.summary }}</p></li>{{ end }}</ol></main></body></html>
"""


def hugo_page(markdown: str) -> str:
    fields, body = front_matter(markdown)
    head = {key: fields[key] for key in ("title", "subtitle", "date", "summary", "interviewee")}
    return "---\n" + "".join(f"{k}: {json.dumps(v, ensure_ascii=False)}\n" for k, v in head.items()) + "---\n" + body


class Workspace:
    """One N: our project (archive, templates) and the same interviews as a Hugo site."""

    def __init__(self, root: Path, n: int):
        self.root, self.n = root, n
        self.project, self.hugo = root / "ours", root / "hugo"
        generate(self.project, n)
        shutil.copytree(REPO / "templates", self.project / "templates")
        (self.hugo / "layouts/_default").mkdir(parents=True)
        (self.hugo / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
        (self.hugo / "layouts/_default/single.html").write_text(HUGO_SINGLE, encoding="utf-8")
        (self.hugo / "layouts/_default/list.html").write_text(HUGO_LIST, encoding="utf-8")
        shutil.copytree(REPO / "templates/assets", self.hugo / "static")
        for index in range(n):
            for script in ("hant", "hans"):
                slug, markdown = interview(index, script=script)
                folder = self.hugo / "content" / f"zh-{script}" / slug
                folder.mkdir(parents=True)
                (folder / "index.md").write_text(hugo_page(markdown), encoding="utf-8")
                shutil.copyfile(self.project / "interview" / slug / "photo.svg", folder / "photo.svg")
        self.edits = 0
        self.set_asides = 0
        (root / "set-aside").mkdir(parents=True)

    # our side
    def ours(self, *args: str) -> list[str]:
        return [PYTHON, "-m", "archive", *args]

    def build(self, *extra: str) -> list[str]:
        return self.ours("build", "--archive", "interview", "--out", "site", "--quiet", *extra)

    def set_aside(self, path: Path) -> None:
        """Move ``path`` out of the way instead of deleting it (it goes with the workspace, untimed).

        A timed build must not pay for the deletion before it: for a minute or more after files are
        deleted, ext4 skips their inodes when it allocates new ones (``recently_deleted``, reading the
        inode table for each), which made the build after an ``rm -rf`` of the last one spend up to
        7 s more in the kernel at N = 1,000 (perf: 25 % of all samples), in proportion to the files
        each side had just deleted and now creates. A newsroom's cold build (a fresh clone in CI)
        follows no such deletion."""
        if path.exists():
            self.set_asides += 1
            path.rename(self.root / "set-aside" / str(self.set_asides))

    def forget_ours(self) -> None:
        for name in (".archive-cache", "site", "site-nocache"):
            self.set_aside(self.project / name)

    def edit_ours(self) -> None:
        self.edits += 1
        victim = self.project / "interview" / f"synthetic-{VICTIM:05d}" / "index.md"
        victim.write_text(_edited(victim.read_text(encoding="utf-8"), self.edits), encoding="utf-8")

    def retemplate_ours(self) -> None:
        self.edits += 1  # a change in every page (a template comment changes no output; Go templates drop HTML comments)
        _before_last(self.project / "templates/interview.html", "{% endblock %}", f"<span hidden>bench edit {self.edits}</span>")

    # Hugo's side
    def hugo_build(self) -> list[str]:
        return ["hugo", "--quiet", "--cacheDir", str(self.root / "hugo-cache"), "-d", "public"]

    def forget_hugo(self) -> None:
        for path in (self.hugo / "public", self.hugo / "resources", self.root / "hugo-cache"):
            self.set_aside(path)

    def edit_hugo(self) -> None:
        self.edits += 1
        for script in ("hant", "hans"):
            page = self.hugo / "content" / f"zh-{script}" / f"synthetic-{VICTIM:05d}" / "index.md"
            page.write_text(_edited(page.read_text(encoding="utf-8"), self.edits), encoding="utf-8")

    def retemplate_hugo(self) -> None:
        self.edits += 1
        _before_last(self.hugo / "layouts/_default/single.html", "</main>", f"<span hidden>bench edit {self.edits}</span>")

    def pagefind(self) -> list[str]:
        return [PYTHON, "-m", "pagefind", "--site", "public", "--silent"]


def _edited(text: str, count: int) -> str:
    """The text with one sentence of the body changed, differently each time (never a state seen before).

    The body, not the front matter: an editor's usual fix, and one that leaves
    the interview's title and summary (what the site-wide pages show) alone.
    """
    head, body = text.split("\n---\n", 1)
    return head + "\n---\n" + body.replace("。", f"，補記{count}。", 1)


def _before_last(path: Path, marker: str, text: str) -> None:
    """Insert ``text`` before the last ``marker`` of a template: inside the page body, so every page changes."""
    old = path.read_text(encoding="utf-8")
    at = old.rindex(marker)
    path.write_text(old[:at] + text + old[at:], encoding="utf-8")


def has_search() -> bool:
    """Whether our build indexes search and can be told not to (``archive build --no-search``)."""
    try:
        out = subprocess.run([PYTHON, "-m", "archive", "build", "--help"], capture_output=True, text=True,
                             timeout=120, env=_env())
    except subprocess.TimeoutExpired:
        return False
    return "--no-search" in out.stdout


# ---------------------------------------------------------------- scenarios

@dataclass
class Row:
    """One line of the table: our runs, Hugo's runs (paired by index) and the targets."""

    name: str
    hugo_name: str
    ratio_target: float | None = None
    seconds_target: float | None = None
    ours: list[Run] = field(default_factory=list)
    hugo: list[Run] = field(default_factory=list)

    def median(self, runs: list[Run], attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in runs)

    def ratio(self) -> float:
        return statistics.median(o.seconds / h.seconds for o, h in zip(self.ours, self.hugo))

    def verdict(self) -> str:
        ok = []
        if self.ratio_target is not None:
            ok.append(self.ratio() <= self.ratio_target)
        if self.seconds_target is not None:
            ok.append(self.median(self.ours, "seconds") < self.seconds_target)
        return "" if not ok else ("✓" if all(ok) else "✗")


def paired(row: Row, runs: int, ours: Callable[[], Run], hugo: Callable[[], Run]) -> Row:
    """``runs`` pairs, ours first in even pairs and Hugo first in odd ones."""
    for i in range(runs):
        for side in ((ours, hugo) if i % 2 == 0 else (hugo, ours)):
            (row.ours if side is ours else row.hugo).append(side())
    return row


def bench(n: int, runs: int, no_search: bool, search: bool, where: Path,
          log: Callable[[str], None]) -> tuple[list[Row], str]:
    """Every row for one N, and the cold build's share of worker time by stage.

    The workspace is made in ``where`` and left there: it is deleted with the other N's after the last
    timed run (see :meth:`Workspace.set_aside`)."""
    ws = Workspace(where / f"n{n}", n)
    ours_dir, hugo_dir = ws.project, ws.hugo
    wrote_nothing = lambda out: " 0 files written" in out  # noqa: E731
    plain = ("--no-search",) if no_search else ()
    """Our flags for the rows set against Hugo alone: the same work, no search index."""
    log(f"N = {n}: warming both sides")
    measure(ws.build(*plain), ours_dir)
    measure(ws.hugo_build(), hugo_dir)

    def settle() -> None:
        wait = SETTLE - (time.monotonic() - _CHURNED[0])
        if wait > 0:
            log(f"N = {n}: {wait:.0f} s for the files the last build removed to age (see SETTLE)")
            time.sleep(wait)

    def ours_cold(*extra: str) -> Run:
        ws.forget_ours()
        return measure(ws.build(*extra), ours_dir)

    def ours_cold_searched() -> Run:
        run = ours_cold()
        _CHURNED[0] = time.monotonic()
        return run

    def hugo_cold() -> Run:
        ws.forget_hugo()
        return measure(ws.hugo_build(), hugo_dir)

    def ours_after(change: Callable[[], None], cmd: list[str], expect=None) -> Callable[[], Run]:
        return lambda: (change(), measure(cmd, ours_dir, expect))[1]

    def hugo_after(change: Callable[[], None]) -> Callable[[], Run]:
        return lambda: (change(), measure(ws.hugo_build(), hugo_dir))[1]

    nothing = lambda: None  # noqa: E731

    def edited_and_built() -> None:  # what CI checks: the site an editor's one-interview change rebuilt
        ws.edit_ours()
        measure(ws.build(*plain), ours_dir)
    rows = []
    log(f"N = {n}: cold builds")
    cold = Row("cold build (no cache)", "Hugo, cold", ratio_target=3.0)
    bare = Row("cold build, `--no-cache`", "Hugo, cold", ratio_target=3.0)
    full = Row("cold build with search", "Hugo + Pagefind, cold", ratio_target=3.0)
    for i in range(runs):  # one Hugo cold build (and Pagefind on its pages) is set against each of ours
        settle()
        ours_first = i % 2 == 0
        if ours_first:
            cold.ours.append(ours_cold("--timings", *plain))
        hugo = hugo_cold()
        cold.hugo.append(hugo)
        bare.hugo.append(hugo)
        if search:
            full.hugo.append(hugo + measure(ws.pagefind(), hugo_dir))
        if not ours_first:
            cold.ours.append(ours_cold("--timings", *plain))
        bare.ours.append(ours_cold("--no-cache", *plain))
        if search:
            full.ours.append(ours_cold_searched())
    rows += [cold, bare] + ([full] if search else [])
    settle()
    measure(ws.build(*plain), ours_dir)  # the cache and site the rebuilds start from
    log(f"N = {n}: no-op rebuilds")
    rows.append(paired(Row("no-op rebuild", "Hugo, rebuild", seconds_target=0.3), runs,
                       ours_after(nothing, ws.build(*plain), wrote_nothing), hugo_after(nothing)))
    log(f"N = {n}: one interview edited")
    rows.append(paired(Row("one interview edited", "Hugo, rebuild", seconds_target=0.5), runs,
                       ours_after(ws.edit_ours, ws.build(*plain)), hugo_after(ws.edit_hugo)))
    log(f"N = {n}: template changed")
    rows.append(paired(Row("template changed", "Hugo, rebuild", ratio_target=0.5), runs,
                       ours_after(ws.retemplate_ours, ws.build(*plain)), hugo_after(ws.retemplate_hugo)))
    log(f"N = {n}: archive check")
    measure(ws.ours("check", "--archive", "interview", "--site", "site", "-q"), ours_dir)  # warmed, as CI's
    # cache (or an editor's last check) is; each timed check then follows one edit and rebuild
    rows.append(paired(Row("`archive check` of the site", "Hugo, rebuild", ratio_target=0.3), runs,
                       ours_after(edited_and_built, ws.ours("check", "--archive", "interview", "--site", "site",
                                                            "-q")),
                       hugo_after(nothing)))
    if search:
        measure(ws.build(), ours_dir)  # now with its search index
        log(f"N = {n}: one interview edited, with search")
        rows.append(paired(Row("one interview edited, with search", "Hugo + Pagefind, rebuild"), runs,
                           ours_after(ws.edit_ours, ws.build()),
                           lambda: hugo_after(ws.edit_hugo)() + measure(ws.pagefind(), hugo_dir)))
        _CHURNED[0] = time.monotonic()  # those builds indexed search too: the next N's cold builds wait
    return rows, stage_share(cold.ours[0].output)


def stage_share(output: str) -> str:
    """Share of worker time by stage, from a cold build's ``--timings`` line."""
    line = next((l for l in output.splitlines() if l.startswith("worker time by stage:")), "")
    stages = {name: float(spent) for name, spent in re.findall(r"(\w+) ([\d.]+) s", line)}
    total = sum(stages.values()) or 1.0
    return ", ".join(f"{name} {100 * spent / total:.0f} %" for name, spent in stages.items())


# ---------------------------------------------------------------- the table

def table(n: int, rows: list[Row], runs: int) -> str:
    head = (f"| N = {n:,} | ours | Hugo | ours ÷ Hugo | target | ours: largest / tree MB | "
            "Hugo: largest / tree MB | CPU s, ours / Hugo |\n|---|---:|---:|---:|---|---:|---:|---:|\n")
    lines = []
    for row in rows:
        target = []
        if row.ratio_target is not None:
            target.append(f"≤ {row.ratio_target:g}×")
        if row.seconds_target is not None:
            target.append(f"< {row.seconds_target:g} s")
        mem = lambda runs_: f"{row.median(runs_, 'largest') / MB:.0f} / {row.median(runs_, 'tree') / MB:.0f}"  # noqa: E731
        lines.append(f"| {row.name} | {row.median(row.ours, 'seconds'):.2f} s | "
                     f"{row.median(row.hugo, 'seconds'):.2f} s ({row.hugo_name}) | {row.ratio():.2f}× | "
                     f"{' '.join(target)} {row.verdict()} | {mem(row.ours)} | {mem(row.hugo)} | "
                     f"{row.median(row.ours, 'cpu'):.2f} / {row.median(row.hugo, 'cpu'):.2f} |")
    return head + "\n".join(lines) + "\n"


def hugo_version() -> str:
    try:
        return subprocess.run(["hugo", "version"], capture_output=True, text=True).stdout.split()[1]
    except (OSError, IndexError):
        return "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[100, 1000])
    parser.add_argument("--runs", type=int, default=3, help="pairs per row (median over them; default 3)")
    parser.add_argument("--json", type=Path, help="also write every run's figures to this file")
    parser.add_argument("--search-up-to", type=int, default=1000, metavar="N",
                        help="run the rows with search only up to this N (default 1000: at 2,000 one "
                             "build with search takes minutes)")
    parser.add_argument("--in-place", action="store_true",
                        help="run the checkout's src with this interpreter instead of a fresh installation")
    args = parser.parse_args()
    if shutil.which("hugo") is None:
        raise SystemExit("hugo is not installed (apt-get install hugo): the benchmark compares against it")
    global PYTHON
    venv = None if args.in_place else tempfile.TemporaryDirectory(prefix="archive-bench-venv-")
    if venv is not None:
        PYTHON = install(Path(venv.name))
    log = lambda line: print(f"[{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)  # noqa: E731
    search = has_search()
    start = machine()
    with tempfile.TemporaryDirectory(prefix="archive-bench-") as where:
        results = {n: bench(n, args.runs, search, search and n <= args.search_up_to, Path(where), log)
                   for n in args.counts}
        end = machine()
    print(f"Machine: {start['cores']} cores, {start['cpu']}; load average (1, 5, 15 min) {start['load']} at "
          f"the start, {end['load']} at the end. Hugo {hugo_version()}, Python {sys.version.split()[0]} "
          f"({os.path.realpath(sys.executable)}); archive "
          f"{'run from the checkout' if args.in_place else 'installed with pip into a fresh virtual environment'}. "
          f"Wall-clock seconds of a fresh process, median of {args.runs} pairs run alternately; the ratio is the "
          "median of the pairs' ratios; memory is the peak resident size of the largest process and the peak "
          "proportional set size of the whole process tree (MB; a page shared by forked workers counts once); "
          "CPU is user + system time over the process tree (on a loaded machine it moves less than wall-clock "
          "time).\n")
    for n, (rows, shares) in results.items():
        print(table(n, rows, args.runs))
        print(f"Cold build, worker time by stage at N = {n:,}: {shares}.\n")
    if args.json:
        args.json.write_text(json.dumps({"machine": {"start": start, "end": end}, "results": {
            n: [{"row": r.name, "ours": [vars(x) | {"output": ""} for x in r.ours],
                 "hugo": [vars(x) | {"output": ""} for x in r.hugo]} for r in rows]
            for n, (rows, _) in results.items()}}, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
