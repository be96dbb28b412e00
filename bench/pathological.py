"""Pathological source shapes: ``python bench/pathological.py [--sizes 1 10] [--no-build] [SHAPE ...]``.

Generates each shape an attacker or an unlucky editor can write (see
issue 11: ``[^`` repeated, lists nested thousands deep, ``-{`` repeated,
a 20,000-entry glossary and more, 50,000 questions, …) plus the normal
sample shape, at 1 MB and 10 MB, and prints seconds per MB of parsing
(``parse_interview``, or ``read_settings`` for the glossary), and, for the
1 MB ones, of a whole ``archive build`` in a separate process. Every stage
is meant to be linear: seconds per MB that grow from 1 MB to 10 MB show a
regression. The target is under 2 s for any 1 MB source.

A script that prints figures, not a timed test: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))

from archive.config import read_settings  # noqa: E402
from archive.parse import parse_interview  # noqa: E402

MB = 1_000_000
FRONT = ("---\ntitle: 壓力測試\ndate: 2025-05-01\nscript: hant\nsummary: 一篇刻意寫壞的訪談。\n"
         "interviewees:\n  - name: 林阿香\nsource:\n  outlet: 山城日報\n---\n\n")
OPEN = "## 01. 甲\n\n問：一？\n\n"


def _repeat(unit: str, size: int) -> str:
    """``unit`` repeated to about ``size`` UTF-8 bytes."""
    return unit * max(1, size // len(unit.encode("utf-8")))


def _normal(size: int) -> str:
    """The sample's shape: sections with a kicker, a figure, questions with notes, links, overrides."""
    answer = f"答案，提到[別處](#s01)和-{{zh-hans:简;zh-hant:繁;}}-。（笑）{'這是一段平常的回答。' * 20}\n\n"
    section_bytes = 3 * (80 + len(answer))
    turns = max(1, size // (section_bytes * 999) + 1)  # sections are numbered with at most three digits
    parts, used, n = [], 0, 0
    while used < size and n < 999:
        n += 1
        note = (n - 1) % 40 + 1
        body = "".join(f"問：第{n}節第{t}個問題[^n{note}]？\n\n{answer}答案的第二段。\n\n" for t in range(turns))
        parts.append(f"## {n:02d}. 第{n}節\n### 小標\n\n▲只有說明的圖。（圖源：某人）\n\n{body}* * *\n\n一段敘述。\n\n")
        used += len(parts[-1].encode("utf-8"))
    notes = "".join(f"[^n{i}]: 第{i}條注。\n\n" for i in range(1, 41))
    return "".join(parts) + notes


def _indented_list(size: int) -> str:
    lines, used, depth = [], 0, 0
    while used < size:
        line = "  " * depth + "- 甲\n"
        lines.append(line)
        used += len(line) + 2
        depth += 1
    return OPEN + "答。\n\n" + "".join(lines)


SHAPES: dict[str, Callable[[int], str]] = {
    "normal": _normal,
    "footnote-brackets": lambda s: OPEN + _repeat("[^", s) + "\n\n[^a]: 注。\n",
    "brackets": lambda s: OPEN + _repeat("[", s) + "\n",
    "brackets-closed": lambda s: OPEN + _repeat("[", s) + "]\n",
    "footnote-closed": lambda s: OPEN + _repeat("[^", s) + "a]\n\n[^a]: 注。\n",
    "list-one-line": lambda s: OPEN + "答。\n\n" + _repeat("- ", s) + "甲\n",
    "list-indented": _indented_list,
    "override-open": lambda s: OPEN + _repeat("-{", s) + "\n",
    "override-close": lambda s: OPEN + _repeat("}-", s) + "\n",
    "emphasis": lambda s: OPEN + _repeat("*", s // 2) + "深" + _repeat("*", s // 2) + "\n",
    "emphasis-words": lambda s: OPEN + _repeat("*甲 ", s // 2) + "深" + _repeat(" 乙*", s // 2) + "\n",
    "questions": lambda s: "## 01. 甲\n\n" + _repeat("問：一？\n\n答。\n\n", s),
    "half-width": lambda s: OPEN + _repeat("甲,乙", s) + "\n",
    "half-width-urls": lambda s: OPEN + _repeat("甲,https://e.org/x 乙,", s) + "\n",
    "one-long-paragraph": lambda s: OPEN + _repeat("一段沒有換行的長句子，", s) + "\n",
    "glossary": lambda s: _repeat("- {hant: 詞語, hans: 词语}\n", s),
}


def parse_seconds(shape: str, text: str) -> tuple[float, str]:
    """Seconds to parse, and what came out (model or the first diagnostic)."""
    start = time.perf_counter()
    if shape == "glossary":
        settings, diags = read_settings(None, "archive.yml", text, "glossary.yml")
        seconds = time.perf_counter() - start
        return seconds, f"{len(settings.glossary)} entries, {len(diags)} diagnostics"
    parsed = parse_interview(FRONT + text, "bench/index.md", tempfile.gettempdir())
    seconds = time.perf_counter() - start
    if parsed.interview is not None:
        return seconds, f"model, {len(parsed.diagnostics)} diagnostics"
    return seconds, f"{len(parsed.diagnostics)} diagnostics, first {parsed.diagnostics[0].code}"


def build_seconds(shape: str, text: str) -> tuple[float, int]:
    """Seconds of a cold ``archive build`` (separate process) of an archive holding this shape."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "interview"
        (root / "bench").mkdir(parents=True)
        if shape == "glossary":
            (root / "glossary.yml").write_text(text, encoding="utf-8")
            body = FRONT + "## 01. 甲\n\n問：一？\n\n答。\n"
        else:
            body = FRONT + text
        (root / "bench" / "index.md").write_text(body, encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(REPO / "src"))
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "archive", "build", "--archive", str(root),
                               "--out", str(Path(tmp) / "site"), "--templates", str(REPO / "templates")],
                              cwd=tmp, env=env, capture_output=True, timeout=3600)
        return time.perf_counter() - start, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", nargs="*", default=list(SHAPES), help=f"some of: {', '.join(SHAPES)}")
    parser.add_argument("--sizes", nargs="+", type=float, default=[1, 10], help="sizes in MB")
    parser.add_argument("--no-build", action="store_true", help="time parsing only")
    args = parser.parse_args()
    print(f"{'shape':<20} {'MB':>5} {'parse s':>8} {'s/MB':>6} {'build s':>8} {'s/MB':>6}  result")
    for shape in args.shapes:
        for size in args.sizes:
            text = SHAPES[shape](int(size * MB))
            megabytes = len(text.encode("utf-8")) / MB
            seconds, result = parse_seconds(shape, text)
            build = ""
            if size <= 1 and not args.no_build:
                built, code = build_seconds(shape, text)
                build = f"{built:8.2f} {built / megabytes:6.2f}"
                result += f"; build exit {code}"
            print(f"{shape:<20} {megabytes:5.2f} {seconds:8.2f} {seconds / megabytes:6.2f} {build:>15}  {result}",
                  flush=True)


if __name__ == "__main__":
    main()
