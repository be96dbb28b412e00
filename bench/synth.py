"""A synthetic archive of N interviews of realistic shape, for benchmarks (never real articles).

Each interview has about 14,000 characters, 15 sections, 40 questions,
13 notes and 4 figures (one with an image), built from a fixed pool of
words with a seeded random generator, half in Traditional and half in
Simplified script. ``python bench/synth.py DIR N`` writes one.

The two word pools are aligned word for word, so :func:`interview` with
``script`` forced gives the same interview in the other script, character
for character the same length: the benchmark's Hugo site gets both scripts
of every interview without paying for a conversion.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

HANT = ("燈塔 守燈人 霧笛 值班簿 海浪 碼頭 渡輪 船票 檔案館 河口 冬天 燃油 轉速 燈頭 颱風 記得 後來 "
        "我們 他們 那時候 其實 每天 晚上 早上 島上 鎮上 老師 水手 船長 照片 聲音 鐘聲 漁船 天氣 "
        "工作 開始 結束 知道 覺得 認為 發現 看見 聽說 回來 離開 留下 記錄 整理 收集 保存 修理").split()
HANS = ("灯塔 守灯人 雾笛 值班簿 海浪 码头 渡轮 船票 档案馆 河口 冬天 燃油 转速 灯头 台风 记得 后来 "
        "我们 他们 那时候 其实 每天 晚上 早上 岛上 镇上 老师 水手 船长 照片 声音 钟声 渔船 天气 "
        "工作 开始 结束 知道 觉得 认为 发现 看见 听说 回来 离开 留下 记录 整理 收集 保存 修理").split()
IMAGE = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 8 5"><rect width="8" height="5" fill="#ccc"/></svg>\n'


def _sentence(rng: random.Random, words: list[str], n: int) -> str:
    return "".join(rng.choice(words) for _ in range(n)) + rng.choice("。。。，")[:1].replace("，", "。")


def _paragraph(rng: random.Random, words: list[str], sentences: int) -> str:
    return "".join(_sentence(rng, words, rng.randint(6, 12)) for _ in range(sentences))


def interview(index: int, seed: int = 1, script: str | None = None) -> tuple[str, str]:
    """(slug, Markdown) of synthetic interview number ``index``; ``script`` forces ``hant`` or ``hans``."""
    rng = random.Random(seed * 100_003 + index)
    hant = index % 2 == 0 if script is None else script == "hant"
    words = HANT if hant else HANS
    q, credit = ("問", "圖源") if hant else ("问", "图源")
    slug = f"synthetic-{index:05d}"
    lines = [
        "---",
        f"title: {_sentence(rng, words, 4)[:-1]}",
        f"subtitle: {_sentence(rng, words, 5)[:-1]}",
        f"slug: {slug}",
        f"date: 20{10 + index % 16:02d}-{1 + index % 12:02d}-{1 + index % 28:02d}",
        f"script: {'hant' if hant else 'hans'}",
        f"summary: {_sentence(rng, words, 10)}",
        "interviewees:",
        f"  - name: {rng.choice(words)}{rng.choice(words)}",
        f"    role: {rng.choice(words)}",
        "credits:",
        f"  - {'編譯' if hant else '编译'}: {rng.choice(words)}",
        f"  - {'編輯' if hant else '编辑'}: {rng.choice(words)}",
        "source:",
        f"  outlet: {rng.choice(words)}週刊",
        "---",
        "",
        _paragraph(rng, words, 3) + "[^n1]",
        "",
    ]
    notes = 1
    questions = 0
    for section in range(1, 16):
        lines += [f"## {section:02d}. {_sentence(rng, words, 3)[:-1]}",
                  f"### {_sentence(rng, words, 4)[:-1]}", "", _paragraph(rng, words, 2), ""]
        per_section = 3 if section <= 10 else 2
        for _ in range(per_section):
            questions += 1
            if questions > 40:
                break
            text = _paragraph(rng, words, 8)
            if notes < 13 and questions % 3 == 0:
                notes += 1
                text += f"[^n{notes}]"
            lines += [f"{q}：{_sentence(rng, words, 8)}", "", text + "（笑）", "", _paragraph(rng, words, 5), ""]
        if section in (3, 6, 9, 12):
            image = "![](photo.svg)\n" if section == 3 else ""
            lines += [f"{image}▲{_sentence(rng, words, 6)}（{credit}：{rng.choice(words)}）", ""]
    for n in range(1, notes + 1):
        lines.append(f"[^n{n}]: {_sentence(rng, words, 12)}")
    return slug, "\n".join(lines) + "\n"


def front_matter(markdown: str) -> tuple[dict[str, str], str]:
    """The top-level ``key: value`` lines of an interview's front matter, and its body."""
    _, front, body = markdown.split("---\n", 2)
    fields = dict(line.split(": ", 1) for line in front.splitlines() if ": " in line and not line.startswith(" "))
    names = [line.split(": ", 1)[1] for line in front.splitlines() if line.startswith("  - name: ")]
    return {**fields, "interviewee": names[0] if names else ""}, body


def generate(root: Path, count: int, seed: int = 1) -> Path:
    """Write an archive of ``count`` synthetic interviews under ``root``/interview."""
    archive = root / "interview"
    archive.mkdir(parents=True, exist_ok=True)
    (archive / "archive.yml").write_text("title: {hant: 合成檔案, hans: 合成档案}\n", encoding="utf-8")
    for index in range(count):
        slug, text = interview(index, seed)
        folder = archive / slug
        folder.mkdir(exist_ok=True)
        (folder / "index.md").write_text(text, encoding="utf-8")
        (folder / "photo.svg").write_text(IMAGE, encoding="utf-8")
    return archive


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
