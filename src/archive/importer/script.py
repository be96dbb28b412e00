"""What the text says about its script: Traditional or Simplified, and Taiwan vocabulary.

Owns the importer's use of OpenCC: :func:`detect_script` counts the
characters that only one of ``t2s`` / ``s2t`` would change, and
:func:`taiwan_words` finds words only Taiwan writes, which suggest
``conversion: twp`` to the editor (never set automatically). Each distinct
character is converted once, so time is linear in the text.
"""

from __future__ import annotations

from collections import Counter

from ..engine import engine as _opencc

TAIWAN_WORDS = ("軟體", "硬體", "計程車", "部落格", "網路", "滑鼠", "印表機", "程式", "簡訊", "隨身碟",
                "伺服器", "螢幕", "資料庫", "光碟", "泡麵", "錄影帶", "腳踏車", "晶片", "記憶體", "列印",
                "寬頻", "硬碟", "網咖", "人工智慧", "演算法", "解析度", "行動電話", "作業系統", "影片", "資訊")
"""Words only Taiwan writes this way; found in a Traditional text they suggest ``conversion: twp``."""


def detect_script(text: str) -> tuple[str, int, int]:
    """hant or hans, by counting characters that only one of OpenCC's t2s / s2t would change."""
    counts = Counter(text)  # counting every character first is much faster than filtering them
    chars = sorted(c for c in counts if "\u3400" <= c <= "\u9fff")
    joined = "\n".join(chars)
    to_hans = _opencc("t2s").convert(joined).split("\n")
    to_hant = _opencc("s2t").convert(joined).split("\n")
    hant = sum(counts[c] for c, s in zip(chars, to_hans) if s != c)
    hans = sum(counts[c] for c, t in zip(chars, to_hant) if t != c)
    return ("hans" if hans > hant else "hant"), hant, hans


def taiwan_words(text: str) -> tuple[str, ...]:
    """Taiwan vocabulary in a Traditional text that the twp profile would change."""
    return tuple(w for w in TAIWAN_WORDS
                 if w in text and _opencc("tw2sp").convert(w) != _opencc("tw2s").convert(w))
