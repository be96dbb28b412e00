"""Benchmark ``archive check`` by phase: ``python bench/check.py [N ...]`` prints seconds per phase.

Generates a synthetic archive of N interviews (default 10 and 100), builds
it once with a cache, then times, in this process, the two halves of
``archive check --site``: checking the sources (a plan of the site through
the build cache, as a no-op rebuild does) and checking the built site (every
page read and its ids, links and twins compared). ``bench/run.py`` times the
whole command as a fresh process against Hugo's build.
A script that prints figures, not a timed test: run it on a quiet machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

from archive.build import build, plan_site  # noqa: E402
from archive.check import check_site  # noqa: E402
from synth import generate  # noqa: E402


def main(counts: list[int]) -> None:
    print(f"{'N':>6} {'chars':>11} {'build s':>8} {'sources s':>10} {'site s':>8} {'pages':>6} {'findings':>8}")
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            archive = generate(Path(tmp), n)
            shutil.copytree(REPO / "templates", Path(tmp) / "templates")
            chars = sum(len(p.read_text(encoding="utf-8")) for p in archive.rglob("index.md"))
            t0 = time.perf_counter()
            build(archive, Path(tmp) / "site")
            t1 = time.perf_counter()
            plan = plan_site(archive)
            t2 = time.perf_counter()
            report = check_site(Path(tmp) / "site")
            t3 = time.perf_counter()
            print(f"{n:>6} {chars:>11,} {t1 - t0:>8.2f} {t2 - t1:>10.2f} {t3 - t2:>8.2f} "
                  f"{report.pages:>6} {len(plan.diagnostics) + len(report.diagnostics):>8}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100])
