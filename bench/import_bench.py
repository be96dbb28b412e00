"""Benchmark ``archive import`` on the input shapes that used to take quadratic time.

Usage: ``python bench/import_bench.py [SHAPE ...] [--mb 1 10] [--markers 1000 10000]``

Shapes (invented text, generated from a fixed pool of words and a seed):

- ``markers``: a text whose answers carry many ``*`` markers, each note
  following its paragraph in a group (N markers, N notes);
- ``text``: a long ordinary article (sections, questions, answers, a few
  notes, captions) of about M megabytes;
- ``lost``: a long article whose notes lost their markers, so every note is
  placed by its term or by the longest run it shares with the text.

For each run it prints the size, the seconds (in-process ``import_text``,
parse-back included) and seconds per MB, so a step that grows faster than
the input shows as a rising s/MB.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from archive.importer import import_text  # noqa: E402

WORDS = ["燈塔", "霧笛", "海浪", "船長", "夜班", "無線電", "碼頭", "渡輪", "風暴", "冬天", "值班簿", "透鏡", "潮汐",
         "我們", "那時候", "其實", "很少", "記得", "一直", "後來", "河口", "鐘聲", "售票處", "鉛筆"]
TERM_CHARS = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"


def sentence(rng: random.Random) -> str:
    return "".join(rng.choice(WORDS) for _ in range(rng.randint(4, 12))) + rng.choice("，。") \
        + "".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8))) + "。"


def term(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k, len(TERM_CHARS))
        out += TERM_CHARS[r]
    return "名" + out + "號"


def markers_text(n: int, per_paragraph: int = 10, seed: int = 1) -> str:
    rng = random.Random(seed)
    lines = ["編譯 | 林小河", "海港日報2026年3月2日訊，本次專訪是關於燈塔的。", "01.", "燈塔的夜", "他記得"]
    k = 0
    while k < n:
        lines.append("問：" + sentence(rng))
        group = []
        parts = []
        for _ in range(min(per_paragraph, n - k)):
            parts.append(sentence(rng)[:-1] + term(k) + "*。")
            group.append(f"*{term(k)}是{sentence(rng)}")
            k += 1
        lines.append("".join(parts))
        lines += group
    lines.append("來源：北岸週刊")
    return "\n".join(lines) + "\n"


def article_text(megabytes: float, lost: bool = False, seed: int = 2) -> str:
    rng = random.Random(seed)
    lines = ["編譯 | 林小河", "海港日報2026年3月2日訊，本次專訪是關於燈塔的。"]
    size, section, k = 0, 0, 0
    target = int(megabytes * 1_000_000)
    per_section = max(20, target // 95 // 560)  # sections are numbered 01 … 99
    while size < target:
        section += 1
        start = len(lines)
        lines += [f"{section:02d}.", "第" + str(section) + "段的標題", "一個副標題"]
        for q in range(per_section):
            lines.append("問：" + sentence(rng))
            for _ in range(rng.randint(1, 3)):
                para = sentence(rng) + sentence(rng)
                if rng.random() < 0.1:
                    para = para[:-1] + term(k) + ("" if lost else "*") + "。"
                    lines += [para, f"*{term(k)}是{sentence(rng)}"]
                    k += 1
                else:
                    lines.append(para)
            if q % 7 == 3:
                lines += ["", "▲" + sentence(rng) + "（圖源：王小帆）"]
        size += len("\n".join(lines[start:]).encode()) + 1
    lines.append("來源：北岸週刊")
    return "\n".join(lines) + "\n"


def run(name: str, text: str) -> None:
    mb = len(text.encode()) / 1_000_000
    start = time.perf_counter()
    result = import_text(text, f"{name}.txt", "bench", "interview/bench/index.md")
    seconds = time.perf_counter() - start
    notes = result.report.counts["notes"]
    print(f"{name:28s} {mb:7.2f} MB  {notes:6d} notes  {seconds:8.2f} s  {seconds / mb:7.2f} s/MB", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shapes", nargs="*", default=["markers", "text", "lost"])
    parser.add_argument("--mb", type=float, nargs="*", default=[1, 10])
    parser.add_argument("--markers", type=int, nargs="*", default=[1000, 10000])
    args = parser.parse_args()
    for shape in args.shapes:
        if shape == "markers":
            for n in args.markers:
                run(f"markers n={n}", markers_text(n))
        else:
            for mb in args.mb:
                run(f"{shape} {mb:g} MB", article_text(mb, lost=shape == "lost"))


if __name__ == "__main__":
    main()
