"""CPU per interview of each stage a cold build runs before the page render, in one process.

``python bench/stages.py DIR [--limit N] [--repeat R] [--src OTHER_SRC ...]`` reads the
interviews of DIR (an archive folder, e.g. one written by bench/synth.py: DIR/interview),
and times, per interview, in one warm process: ``parse_interview``, ``to_script`` to each
script, ``interview_json``, ``interview_view`` and ``summarize``/``passages`` of each
converted interview. It prints milliseconds of CPU (process time) per interview per stage,
the median of R passes over the first N interviews (one interview at a time through every
stage, as a build's worker does). Each ``--src`` (another
checkout's ``src``, e.g. main's, for a before/after figure) is measured in its own fresh
process after this one's, the rounds interleaved so that a busy machine weighs on each alike.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAGES = ("parse", "to_script hant", "to_script hans", "interview_json", "interview_view",
          "summarize", "passages")


def one_pass(sources: list[tuple[str, str, str]], settings, env) -> dict[str, float]:
    """CPU seconds of each stage over every interview of ``sources`` (display, folder, text).

    One interview at a time goes through every stage and is dropped, as in a build's worker
    (holding them all would make the garbage collector's passes grow with the archive).
    """
    from archive.context import interview_view
    from archive.parse import parse_interview
    from archive.scripts import to_script
    from archive.serialize import interview_json
    from archive.summary import passages, person_ids, summarize

    clock = time.process_time
    spent = dict.fromkeys(STAGES, 0.0)
    quotes = settings.quotes == "convert"
    for display, folder, text in sources:
        started = clock()
        model = parse_interview(text, display, folder, settings.stage_directions).interview
        spent["parse"] += clock() - started
        assert model is not None, f"{display} must parse"
        ids = person_ids(model)
        for script in ("hant", "hans"):
            started = clock()
            converted = to_script(model, script, settings.glossary, quotes=quotes)
            spent[f"to_script {script}"] += clock() - started
            for stage, run in (("interview_json", lambda: interview_json(converted)),
                               ("interview_view", lambda: interview_view(converted, env, ids)),
                               ("summarize", lambda: summarize(converted, ids)),
                               ("passages", lambda: passages(converted))):
                started = clock()
                run()
                spent[stage] += clock() - started
    return spent


def measure(archive: Path, limit: int, repeat: int) -> dict[str, float]:
    """Median ms per interview of each stage."""
    from archive.config import read_settings
    from archive.render import make_environment

    texts = [(path.read_text("utf-8") if path.exists() else None, str(path))
             for path in (archive / "archive.yml", archive / "glossary.yml")]
    settings, _ = read_settings(*texts[0], *texts[1])
    folders = sorted(p for p in archive.iterdir() if (p / "index.md").is_file())[:limit]
    sources = [(str(p / "index.md"), str(p), (p / "index.md").read_text("utf-8")) for p in folders]
    env = make_environment(None)
    one_pass(sources[:2], settings, env)  # imports, OpenCC profiles, templates, BudouX models
    passes = []
    for _ in range(repeat):
        gc.collect()
        passes.append(one_pass(sources, settings, env))
    return {stage: statistics.median(p[stage] for p in passes) * 1000 / len(sources) for stage in STAGES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path, help="the archive folder (e.g. /tmp/x/interview)")
    parser.add_argument("--limit", type=int, default=100, help="interviews measured (default 100)")
    parser.add_argument("--repeat", type=int, default=3, help="passes; the median is printed (default 3)")
    parser.add_argument("--src", action="append", default=[], help="another checkout's src to measure too")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure(args.archive, args.limit, args.repeat)))
        return
    sides = [str(ROOT / "src"), *args.src]
    results: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for _ in range(args.repeat):  # interleaved: one pass of each side, in its own process, per round
        for side in sides:
            env = dict(os.environ, PYTHONPATH=side)
            out = subprocess.run([sys.executable, __file__, str(args.archive), "--limit", str(args.limit),
                                  "--repeat", "1", "--json"], env=env, check=True, capture_output=True, text=True)
            results[side].append(json.loads(out.stdout))
    print(f"ms of CPU per interview, median of {args.repeat} (first {args.limit} interviews of {args.archive})")
    print(f"{'stage':16}" + "".join(f"{Path(side).parent.name[:14]:>16}" for side in sides))
    for stage in (*STAGES, "total"):
        row = [statistics.median(sum(r.values()) if stage == "total" else r[stage] for r in results[side])
               for side in sides]
        print(f"{stage:16}" + "".join(f"{value:16.2f}" for value in row))


if __name__ == "__main__":
    main()
