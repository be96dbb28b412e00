"""The build benchmark: ``python bench/run.py [N ...]`` (default 10 100 1000) prints a table.

For each N it generates a synthetic archive (bench/synth.py: about 14,000
characters, 15 sections, 40 questions, 13 notes and 4 figures an interview,
seeded, never real articles) and times, each as a separate ``archive``
process: a cold build (no cache), a no-op rebuild, a rebuild after editing
one interview, a warm full build (cache present, a template changed so every
page re-renders), and ``archive check`` of the built site; with peak memory
(the sum over the process tree, sampled from /proc). When ``hugo`` is
installed it also builds the same content as a plain Hugo site (both scripts
pre-converted, 2N pages) and prints our time divided by Hugo's.

A script that prints figures, not a timed test: run it on a quiet machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(HERE))

from synth import generate  # noqa: E402


def _tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    stack = [pid]
    while stack:
        p = stack.pop()
        total += rss.get(p, 0)
        stack.extend(children.get(p, []))
    return total


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    """Run a command; return (seconds, peak tree memory in bytes, its output)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO / "src"), "CI": "1"})
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out}")
    return seconds, peak, out


def reported(output: str) -> float:
    """The build's own time from its summary line (without interpreter start-up and imports)."""
    match = re.search(r"pages\) in ([\d.]+) s", output)
    return float(match.group(1)) if match else float("nan")


def archive_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "archive", *args]


def stage_share(output: str) -> str:
    """Share of worker time by stage, from a cold build's ``--timings`` line."""
    line = next((l for l in output.splitlines() if l.startswith("worker time by stage:")), "")
    stages = {name: float(spent) for name, spent in re.findall(r"(\w+) ([\d.]+) s", line)}
    total = sum(stages.values()) or 1.0
    return ", ".join(f"{name} {100 * spent / total:.0f}%" for name, spent in stages.items())


def hugo_site(project: Path) -> Path | None:
    """The same content as a plain Hugo site, both scripts pre-converted; None without hugo."""
    if shutil.which("hugo") is None:
        return None
    from archive.scripts import convert_text
    from archive.parse import split_front_matter

    site = project / "hugo"
    (site / "layouts/_default").mkdir(parents=True)
    (site / "hugo.toml").write_text('baseURL = "https://example.org/"\ntitle = "bench"\n'
                                    'disableKinds = ["taxonomy", "term", "RSS", "sitemap"]\n', encoding="utf-8")
    (site / "layouts/_default/single.html").write_text(
        "<!DOCTYPE html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>"
        "{{ .Content }}</body></html>\n", encoding="utf-8")
    (site / "layouts/_default/list.html").write_text(
        "<!DOCTYPE html><html><body><ul>{{ range .Pages }}<li><a href=\"{{ .RelPermalink }}\">{{ .Title }}</a> "
        "{{ .Date.Format \"2006-01-02\" }} {{ .Summary }}</li>{{ end }}</ul></body></html>\n", encoding="utf-8")
    for source in sorted((project / "interview").glob("*/index.md")):
        text = source.read_text(encoding="utf-8")
        front, body, _ = split_front_matter(text)
        meta = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in front.splitlines()
                if ":" in line and not line.startswith(" ")}
        script = meta["script"]
        for target in ("hant", "hans"):
            converted = body if target == script else convert_text(body, script, target)
            title = meta["title"] if target == script else convert_text(meta["title"], script, target)
            page = site / "content" / f"zh-{target}" / f"{meta['slug']}.md"
            page.parent.mkdir(parents=True, exist_ok=True)
            page.write_text(f"---\ntitle: {json.dumps(title, ensure_ascii=False)}\ndate: {meta['date']}\n---\n"
                            f"{converted}", encoding="utf-8")
    return site


def run(n: int) -> dict[str, float | str]:
    with tempfile.TemporaryDirectory(prefix=f"archive-bench-{n}-") as tmp:
        project = Path(tmp)
        generate(project, n)
        shutil.copytree(REPO / "templates", project / "templates")
        row: dict[str, float | str] = {"N": n}
        build = archive_cmd("build", "--archive", "interview", "--out", "site", "--quiet")
        row["cold"], row["cold_mem"], out = timed(build + ["--timings"], project)
        row["convert_share"] = stage_share(out)
        row["noop"], _, out = timed(build, project)
        assert " 0 files written" in out, out
        row["noop_in"] = reported(out)
        victim = project / "interview" / "synthetic-00003" / "index.md"
        victim.write_text(victim.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
        row["edit"], _, out = timed(build, project)
        row["edit_in"] = reported(out)
        template = project / "templates" / "interview.html"
        template.write_text(template.read_text(encoding="utf-8") + "{# bench #}\n", encoding="utf-8")
        row["warm_full"], row["warm_mem"], _ = timed(build, project)
        row["check"], _, _ = timed(archive_cmd("check", "--archive", "interview", "--site", "site", "-q"), project)
        hugo = hugo_site(project)
        if hugo is not None:
            timed(["hugo", "--quiet", "-d", str(project / "hugo-out")], hugo)  # first run warms the disk cache
            shutil.rmtree(project / "hugo-out")
            row["hugo"], row["hugo_mem"], _ = timed(["hugo", "--quiet", "-d", str(project / "hugo-out")], hugo)
        return row


def main(counts: list[int]) -> None:
    print(f"machine: {os.cpu_count()} cores; times in seconds, memory peak of the process tree")
    head = f"{'N':>5} {'cold':>7} {'no-op':>6} {'edit 1':>7} {'warm full':>9} {'check':>6} {'cold MB':>8} " \
           f"{'warm MB':>8} {'hugo':>6} {'hugo MB':>8} {'warm/hugo':>9} {'edit/hugo':>9}"
    print(head)
    for n in counts:
        r = run(n)
        hugo = r.get("hugo")
        ratios = (f"{r['warm_full'] / hugo:>9.2f} {r['edit'] / hugo:>9.2f}" if hugo else f"{'-':>9} {'-':>9}")
        hugo_cols = f"{hugo:>6.2f} {r['hugo_mem'] / 2**20:>8.0f}" if hugo else f"{'-':>6} {'-':>8}"
        print(f"{n:>5} {r['cold']:>7.2f} {r['noop']:>6.2f} {r['edit']:>7.2f} {r['warm_full']:>9.2f} {r['check']:>6.2f} "
              f"{r['cold_mem'] / 2**20:>8.0f} {r['warm_mem'] / 2**20:>8.0f} {hugo_cols} {ratios}")
        print(f"      cold build worker time by stage: {r['convert_share']}; build's own time (no interpreter "
              f"start-up): no-op {r['noop_in']:.2f} s, edit 1 {r['edit_in']:.2f} s")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [10, 100, 1000])
