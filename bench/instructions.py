"""Instructions a cold build's worker spends on one interview, counted by valgrind: a figure that
does not move with the machine's load, for before/after comparisons of changes worth 1 %.

``python bench/instructions.py [--count N] [--src OTHER_SRC ...]`` writes a synthetic archive
(bench/synth.py) of N + 1 interviews and, for this checkout's ``src`` and each ``--src`` (another
checkout's, e.g. main's), runs two processes under callgrind: one plans the build (the jobs
``archive build`` makes), loads what a worker loads, makes the first interview (templates compiled,
tables warm) and then N more, as a cold build's worker does (the cache written, pages and views
and summaries); the other stops after the first. The difference over N is printed in millions of
instructions per interview; it repeats to ~0.2 % (a wall-clock figure on this shared machine moves
by a tenth). Needs valgrind (Debian: ``apt-get install valgrind``).

Instructions are not time: system time (the cache's file writes, some 1-2 ms an interview) is not
counted, and SHA-256 costs ~20 instructions a byte under valgrind against ~2 natively (valgrind
hides the CPU's SHA extensions), about a tenth of the count.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402


def work(archive: str, count: int, scratch: str) -> None:
    """(In the measured process.) Plan the build of ``archive``, then make 1 + ``count`` interviews."""
    import dataclasses

    import archive.jobs as jobs
    from archive import cli
    from archive.interviews import make_interview
    from archive.warm import worker_started

    planned: list = []

    def plan_only(todo, *args, **kwargs):  # the build's own planning, stopped where it would make them
        planned.extend(todo)
        raise SystemExit(0)

    jobs.make_all = plan_only
    try:
        cli.main(["build", "--archive", archive, "--out", f"{scratch}/site", "--quiet", "--no-search",
                  "--no-cache", "--jobs", "1"])
    except SystemExit:
        pass
    todo = [dataclasses.replace(job, cache_root=f"{scratch}/cache", cache_kinds=None) for job in planned]
    jobs._before_fork(todo[0], convert=True)
    worker_started()
    for job in todo[:1 + count]:
        make_interview(job)


def counted(src: Path, archive: Path, count: int, scratch: Path) -> int:
    """Instructions of one measured process (``count`` interviews after the first)."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import instructions; " \
           f"instructions.work({str(archive)!r}, {count}, {str(folder)!r})"
    out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                          os.path.realpath(sys.executable), "-c", code],
                         capture_output=True, text=True, env=env, cwd=folder)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or found is None:
        raise SystemExit(f"the measured process failed:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20, help="interviews measured after the first (20)")
    parser.add_argument("--src", type=Path, action="append", default=[],
                        help="another checkout's src folder to measure the same way")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    with tempfile.TemporaryDirectory(prefix="archive-instructions-") as where:
        scratch = Path(where)
        archive = generate(scratch, args.count + 1)
        for src in [HERE.parent / "src", *args.src]:
            with ThreadPoolExecutor(2) as pool:  # the two processes at once: one core each
                first, many = pool.map(lambda n: counted(src.resolve(), archive, n, scratch), (0, args.count))
            print(f"{src}: {(many - first) / args.count / 1e6:.2f} M instructions an interview "
                  f"(a cold build's worker, {args.count} synthetic interviews)")


if __name__ == "__main__":
    main()
