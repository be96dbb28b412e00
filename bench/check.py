"""Benchmark ``archive check`` as an editor runs it: ``python bench/check.py [--runs R] [--keep DIR] [N ...]``.

For each N (default 1,000) it generates a synthetic archive (or reuses the
one in ``--keep DIR/N``), builds it once with a cache and ``--no-search``,
then times fresh ``archive check`` processes, each after a one-interview
edit and a rebuild (``--no-search``, as ``bench/run.py`` does):

- ``check --site``: ``archive check --archive interview --site site -q``
  (the sources through the build cache, the built site's changed pages read);
- ``check --full``: the same with ``--full`` (every page read again);
- ``check (plan)``: ``archive check -q`` with no ``--site`` (the site as the
  build plans it, nothing written).

Each mode first runs once untimed, as an editor's previous check would have.

Prints medians of wall seconds, CPU seconds (user + sys of the process and
its children) and the largest resident set. A script that prints figures,
not a timed test: run it on a quiet machine, and read CPU beside wall when
it is not. ``bench/run.py`` sets the check against Hugo's build.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "bench"))

from synth import generate  # noqa: E402

VICTIM = 7
"""The interview every edit changes (the same one ``bench/run.py`` edits is not required)."""


SRC = REPO / "src"
"""The package to time (``--src``: another checkout's ``src``, e.g. the code before a change)."""


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    env.pop("CI", None)
    return env


def _run(cmd: list[str], cwd: Path) -> tuple[float, float, int, tuple[int, str, str]]:
    """(wall s, CPU s, largest RSS MB, (exit code, stdout, stderr)) of one fresh process.

    CPU and RSS come from ``wait4`` on that process alone (its children are
    counted by the kernel into it once waited for)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=_env(), stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        texts = out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024, (proc.returncode, *texts)


def _archive(cmd: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "archive", cmd, *args]


def _edit(project: Path, count: int) -> None:
    """One sentence of one interview's body changed, differently each time."""
    victim = sorted((project / "interview").glob("*/index.md"))[VICTIM]
    head, body = victim.read_text(encoding="utf-8").split("\n---\n", 1)
    victim.write_text(head + "\n---\n" + body.replace("。", f"，補記{count}。", 1), encoding="utf-8")


def _build(project: Path) -> None:
    wall, cpu, _, (code, _, err) = _run(_archive("build", "--no-search", "-q"), project)
    if code != 0:
        sys.exit(f"build failed:\n{err}")
    print(f"  (build {wall:.2f} s wall, {cpu:.2f} s CPU)", file=sys.stderr)


def _project(n: int, keep: Path | None, tmp: Path) -> Path:
    project = (keep or tmp) / str(n)
    if not (project / "interview").is_dir():
        project.mkdir(parents=True, exist_ok=True)
        generate(project, n)
        shutil.copytree(REPO / "templates", project / "templates", dirs_exist_ok=True)
    _build(project)
    return project


MODES = {
    "check --site": ("--site", "site", "-q"),
    "check --site --full": ("--site", "site", "--full", "-q"),
    "check (plan)": ("-q",),
}


def measure(n: int, runs: int, keep: Path | None) -> None:
    with tempfile.TemporaryDirectory(prefix="archive-check-bench-") as tmp:
        project = _project(n, keep, Path(tmp))
        edits = int(time.time())  # never a state the cache saw before
        for mode, args in MODES.items():
            walls, cpus, rss, findings = [], [], [], None
            _run(_archive("check", *args), project)  # warm-up: the state an editor's last check left
            for _ in range(runs):
                edits += 1
                _edit(project, edits)
                _build(project)
                wall, cpu, peak, (code, out, err) = _run(_archive("check", *args), project)
                if code not in (0, 1):
                    sys.exit(f"{mode} could not run:\n{out}{err}")
                walls.append(wall)
                cpus.append(cpu)
                rss.append(peak)
                findings = out.count("\n") + err.count("\n")
            print(f"{n:>6} {mode:<22} {statistics.median(walls):>8.2f} {statistics.median(cpus):>8.2f} "
                  f"{max(rss):>8} {findings:>8}   walls {', '.join(f'{w:.2f}' for w in walls)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("counts", nargs="*", type=int, default=[1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None,
                        help="keep (and reuse) the archives under this folder, one per N")
    parser.add_argument("--src", type=Path, default=None, help="time the package in this src folder")
    parser.add_argument("--only", choices=tuple(MODES), action="append", help="time only these modes")
    args = parser.parse_args()
    global SRC
    SRC = (args.src or SRC).resolve()
    if args.only:
        for mode in set(MODES) - set(args.only):
            del MODES[mode]
    print(f"{'N':>6} {'command':<22} {'wall s':>8} {'CPU s':>8} {'RSS MB':>8} {'lines':>8}   (medians of "
          f"{args.runs}, fresh processes, each after a one-interview edit and a --no-search build)")
    for n in args.counts:
        measure(n, args.runs, args.keep)


if __name__ == "__main__":
    main()
