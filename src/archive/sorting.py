"""Reading order of names and terms, and the ASCII ids made from them: the one module that imports pypinyin.

Simplified pages sort by Hanyu Pinyin (syllable, then tone), as mainland
indexes do. Traditional pages sort by zhuyin (bopomofo, then tone), the order
of the Ministry of Education's dictionaries and of Taiwanese school lists;
both come from pypinyin's data, so both scripts' lists group the same sounds
together and no table is written by hand. (Stroke order, the other Taiwanese
convention, needs Unicode's kTotalStrokes, which no maintained package on
PyPI ships with a stable API; zhuyin also keeps the two scripts' orders alike.)
Ids (``p-fan-xiao-lan``) are the pinyin of a name in its interview's source
script, so they are ASCII and identical on both scripts' pages.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


_TONES = {"ˊ": 2, "ˇ": 3, "ˋ": 4, "˙": 5}


@lru_cache(maxsize=4096)
def sort_key(text: str, script: str) -> tuple:
    """The key that orders ``text`` for readers of ``script``: zhuyin (hant) or pinyin (hans), then the text.

    Characters with no reading (Latin letters, punctuation) sort after every Han reading.
    """
    from pypinyin import Style, lazy_pinyin  # 0.26 s to import (its phrase table): only when a name is read

    style = Style.BOPOMOFO if script == "hant" else Style.TONE3
    parts = []
    for syllable in lazy_pinyin(text, style=style, errors=lambda s: ["\x01" + c for c in s]):
        if syllable.startswith("\x01"):
            parts.append((1, syllable[1:].lower(), 0))
        elif script == "hant":
            tone = next((_TONES[c] for c in syllable if c in _TONES), 1)
            parts.append((0, "".join(c for c in syllable if c not in _TONES), tone))
        else:
            tone = int(syllable[-1]) if syllable[-1:].isdigit() else 5
            parts.append((0, syllable.rstrip("012345"), tone))
    return (tuple(parts), text)


def initial(text: str, script: str) -> str:
    """The heading a name is listed under: its first pinyin letter (hans) or zhuyin symbol (hant)."""
    key = sort_key(text, script)[0]
    if not key or key[0][0] != 0 or not key[0][1]:
        return "#"
    return key[0][1][0].upper()


@lru_cache(maxsize=4096)
def slug(text: str, prefix: str) -> str:
    """An ASCII id from Chinese (or Latin) text: its pinyin syllables, words joined by '-'.

    Kept per process: the same editors, translators and terms recur from interview to interview, and
    pypinyin takes ~40 µs a name."""
    from pypinyin import lazy_pinyin

    words = []
    for word in re.split(r"[\s·・．.‧\-_/]+", text):
        syllables = lazy_pinyin(word, errors=lambda s: [_ascii(s)])
        joined = "".join(syllables)
        cleaned = re.sub(r"[^a-z0-9]+", "", joined.lower())
        if cleaned:
            words.append(cleaned)
    return f"{prefix}-{'-'.join(words)}" if words else f"{prefix}-x"


def _ascii(value: str) -> str:
    return unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
