"""Checks on raw source text that do not depend on Markdown: reserved and half-width characters.

Owns two rules that apply to every text an editor writes (interview body,
front matter, ``archive.yml``, ``glossary.yml``): private-use code points are
refused, because the conversion stage uses them as placeholders, and ASCII
punctuation ``, : ; ? ! ( )`` sitting between two CJK characters is pointed
out, because Chinese typesetting uses the full-width forms. Both scans are
single regular-expression passes, linear in the text. This module imports
nothing of ours.
"""

from __future__ import annotations

import re
from typing import Iterator

PRIVATE_USE_RE = re.compile("[\ue000-\uf8ff\U000f0000-\U0010ffff]")
"""The Private Use Area and the supplementary private use planes 15 and 16."""
_CJK = ("\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
        "\U00020000-\U0003ffff")
HALF_WIDTH_RE = re.compile(f"(?<=[{_CJK}])[,:;?!()](?=[{_CJK}])")
FULL_WIDTH = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}


def private_use(text: str, first_line: int = 1) -> Iterator[tuple[int, int, str]]:
    """(line, column, character) of the first private-use code point on each line that has one."""
    line, line_start, last_line = first_line, 0, 0
    for match in PRIVATE_USE_RE.finditer(text):
        # count the line breaks between the previous finding and this one only
        breaks = text.count("\n", line_start, match.start())
        if breaks:
            line += breaks
            line_start = text.rfind("\n", line_start, match.start()) + 1
        if line == last_line:
            continue
        last_line = line
        yield line, match.start() - line_start + 1, match.group(0)


def private_use_message(char: str) -> str:
    return (f"U+{ord(char):04X} is a private-use character, which archive reserves for its own "
            "use while converting; delete it or replace it with the character it stands for")


def half_width(text: str) -> Iterator[tuple[int, str]]:
    """(offset, character) of each ASCII punctuation mark between two CJK characters."""
    for match in HALF_WIDTH_RE.finditer(text):
        yield match.start(), match.group(0)


def half_width_message(text: str, offset: int) -> str:
    char = text[offset]
    context = text[max(offset - 1, 0):offset + 2]
    return (f"half-width '{char}' between Chinese characters ('{context}'); "
            f"write the full-width '{FULL_WIDTH[char]}'")
