"""People's names converted as names: the surname in its surname form, the given name as words.

OpenCC reads a name as running text, so 范小明 becomes 範小明 (范 read as
"model") and 钟小红 becomes 鐘小紅 (the bell, not the surname 鍾). This module
owns the rule that replaces that reading for the people an interview names
in its front matter:

* the name is split into surname and given name with the surname table of
  :mod:`archive.surnames` (compound surnames first); a name that starts with
  no known surname is converted as ordinary text;
* Simplified → Traditional: among the Traditional candidates OpenCC's own
  character table (``STCharacters``) lists for the surname character, a
  candidate that Simplified writes as a distinct surname of its own (於 beside
  于, 甯 beside 宁) is dropped; of the rest, the one most frequent as a surname
  in Taiwan's household registry (Faker's ``zh_TW`` surname table, from the
  Ministry of the Interior's figures) wins (钟 → 鍾, 叶 → 葉, 万 → 萬); when the
  registry knows none of them, a surname character that is itself a
  Traditional character keeps its form (范 于 余 干 后 周 沈 stay); otherwise
  OpenCC's first candidate is taken and the name is reported as ambiguous;
* Traditional → Simplified: a surname character that Simplified keeps as a
  surname of its own (於, 范) stays; the rest convert as OpenCC says (鍾 → 钟);
* the given name converts as text on its own, so 周一舟 never reads 週一.

The converted names then act as glossary entries of lower rank than the
editor's glossary (see ``scripts.py``), so each name reads the same in the
body, captions, notes and titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable

from . import engine
from .surnames import COMPOUND, SINGLE

HAN_NAME_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]{2,4}\Z")
NAME_SEPARATORS_RE = re.compile(r"[、，,；;／/\s]+")
CLEAR_LEAD = 3.0
"""A registry choice counts as clear when the commonest candidate is this many times the next."""
VARIANT_STEP = {"s2tw": "t2tw", "s2twp": "t2tw", "s2hk": "t2hk"}
"""Per profile, the OpenCC profile that turns OpenCC-standard Traditional into its regional forms."""


@dataclass(frozen=True, slots=True)
class NameForm:
    """How one name reads in the other script."""

    source: str
    target: str
    doubt: str | None = None
    """Why the form is a guess (None when the tables settle it)."""


@lru_cache(maxsize=1)
def _taiwan_frequency() -> dict[str, float]:
    """Surname → share of Taiwan's population in percent (Faker's zh_TW person provider)."""
    try:
        from faker.providers.person.zh_TW import Provider
    except ImportError as exc:
        raise engine.EngineError("the surname registry (the Faker package) is not installed: "
                                 "reinstall archive (pip install -e .)") from exc
    return dict(Provider.last_names)


def registry_version() -> str:
    """The surname-frequency data's distribution and version, for cache keys."""
    from importlib import metadata

    try:
        return f"faker {metadata.version('faker')}"
    except metadata.PackageNotFoundError:
        return "faker missing"


def split(name: str, script: str, profile: str | None = None) -> tuple[str, str] | None:
    """(surname, given name) when ``name`` is a Chinese personal name starting with a known surname."""
    if not HAN_NAME_RE.match(name):
        return None
    def hans(text: str) -> str:
        return text if script == "hans" or profile is None else engine.convert(profile, text)
    if len(name) >= 3 and (name[:2] in COMPOUND or hans(name[:2]) in COMPOUND):
        return name[:2], name[2:]
    if name[0] in SINGLE or hans(name[0]) in SINGLE:
        return name[0], name[1:]
    return None


def hant_surname(char: str) -> tuple[str, str | None]:
    """The Traditional (OpenCC-standard) form of a Simplified surname character, and a doubt if any."""
    candidates = engine.character_table("STCharacters").get(char, (char,))
    if len(candidates) == 1:
        return candidates[0], None
    meant = [c for c in candidates if c == char or c not in SINGLE] or list(candidates)
    if len(meant) == 1:
        return meant[0], None
    frequency = _taiwan_frequency()
    ranked = sorted(((frequency[c], c) for c in meant if c in frequency), reverse=True)
    if ranked:
        if len(ranked) > 1 and ranked[1][0] * CLEAR_LEAD > ranked[0][0]:
            return ranked[0][1], f"the surname {char} may be {' or '.join(c for _, c in ranked)}"
        return ranked[0][1], None
    if char in meant:
        return char, None
    return meant[0], f"the surname {char} may be {' or '.join(meant)}"


@lru_cache(maxsize=4096)
def name_form(name: str, source: str, target: str, profile: str) -> NameForm:
    """``name`` (plain text, ``source`` script) as it reads in ``target`` with OpenCC ``profile``.

    Remembered per process: the same people are named in many interviews, and
    every interview asks twice (its conversion and its CNV001 check), each
    answer costing a few engine calls.
    """
    parts = split(name, source, profile)
    if parts is None:
        return NameForm(name, engine.convert(profile, name))
    surname, given = parts
    doubts = []
    if target == "hant":
        chars = []
        for char in surname:
            form, doubt = hant_surname(char)
            chars.append(form)
            if doubt:
                doubts.append(doubt)
        step = VARIANT_STEP.get(profile)
        converted = engine.convert(step, "".join(chars)) if step else "".join(chars)
    else:
        converted = "".join(c if c in SINGLE else engine.convert(profile, c) for c in surname)
    return NameForm(name, converted + engine.convert(profile, given), "; ".join(doubts) or None)


def names_in(text: str) -> list[str]:
    """The names in a front-matter value that may list several (credits: 王小明、李大同)."""
    return [piece for piece in NAME_SEPARATORS_RE.split(text) if piece]


def name_forms(names: Iterable[str], source: str, target: str, profile: str | None) -> list[NameForm]:
    """The form of each distinct name, in first-seen order; empty when no conversion is needed."""
    if profile is None:
        return []
    return [name_form(n, source, target, profile) for n in dict.fromkeys(names)]
