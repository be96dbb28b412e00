"""Benchmark ``archive check``: ``python bench/check.py [N ...]`` prints seconds per phase.

Generates a synthetic archive of N interviews (default 10 and 100), builds
it once, then times checking the sources and checking the built site.
A script that prints figures, not a timed test: run it on a quiet machine.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from archive.build import build  # noqa: E402
from archive.check import check_site  # noqa: E402
from archive.sources import read_archive  # noqa: E402
from synth import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def main(counts: list[int]) -> None:
    print(f"{'N':>6} {'chars':>11} {'build s':>8} {'sources s':>10} {'site s':>8} {'pages':>6} {'findings':>8}")
    sample_site = Path(tempfile.mkdtemp()) / "site"
    build(REPO / "interview", sample_site, REPO / "templates")
    started = time.perf_counter()
    findings = len(check_site(sample_site).diagnostics)
    print(f"sample archive: site check {time.perf_counter() - started:.3f} s, {findings} findings")
    shutil.rmtree(sample_site.parent)
    for n in counts:
        with tempfile.TemporaryDirectory() as tmp:
            archive = generate(Path(tmp), n)
            chars = sum(len(p.read_text(encoding="utf-8")) for p in archive.rglob("index.md"))
            t0 = time.perf_counter()
            build(archive, Path(tmp) / "site", REPO / "templates")
            t1 = time.perf_counter()
            source = read_archive(archive)
            t2 = time.perf_counter()
            report = check_site(Path(tmp) / "site")
            t3 = time.perf_counter()
            print(f"{n:>6} {chars:>11,} {t1 - t0:>8.2f} {t2 - t1:>10.2f} {t3 - t2:>8.2f} "
                  f"{report.pages:>6} {len(source.diagnostics) + len(report.diagnostics):>8}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100])
