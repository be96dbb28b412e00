"""Line breaking of headlines: the one module that imports budoux.

Owns :func:`phrases`, which inserts ``<wbr>`` at the phrase boundaries
BudouX's Traditional or Simplified Chinese model finds, so a title breaks
between words (燈塔 / 自動化 / 之後) and, with ``word-break: keep-all`` in the
stylesheet, never inside one. It takes escaped HTML and leaves tags and
entities whole; boundaries are computed over the text alone.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markupsafe import Markup, escape

_PIECE = re.compile(r"<[^>]*>|&[#\w]+;|[^<&]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")


@lru_cache(maxsize=2)
def _parser(script: str):
    import budoux

    if script == "hans":
        return budoux.load_default_simplified_chinese_parser()
    return budoux.load_default_traditional_chinese_parser()


def version() -> str:
    from importlib import metadata  # only a cache key's making asks (13 ms to import)

    try:
        return f"budoux {metadata.version('budoux')}"
    except metadata.PackageNotFoundError:
        return "budoux -"


def phrases(value: object, script: str) -> Markup:
    """``value`` (text, or Markup) with ``<wbr>`` between its phrases; escaped like any template value."""
    html = str(value) if isinstance(value, Markup) else str(escape(value))
    pieces = _PIECE.findall(html)
    chars = [p for p in pieces if not p.startswith("<")]
    text = "".join(_char(p) for p in chars)
    if len(text) < 2:
        return Markup(html)
    bounds, at = set(), 0
    for phrase in _parser(script).parse(text)[:-1]:
        at += len(phrase)
        if _CJK.match(text[at - 1]) and _CJK.match(text[at]):  # Latin text breaks at its spaces already
            bounds.add(at)
    out, seen = [], 0
    for piece in pieces:
        if not piece.startswith("<"):
            if seen in bounds:
                out.append("<wbr>")
            seen += 1
        out.append(piece)
    return Markup("".join(out))


def phrases_as(value: str, script: str, known: object = None) -> Markup:
    """:func:`phrases` of the plain text ``value``, taken from ``known`` (the phrases of some HTML, as
    an interview page's view made them) when that HTML is ``value`` escaped: then the answer is the same,
    and BudouX is not asked twice (a list of every interview's title took 0.15 s at N = 1,000)."""
    if isinstance(known, Markup) and known.replace("<wbr>", "") == escape(value):
        return known  # an escaped text has no "<wbr>" of its own: removing them gives the HTML phrased
    return phrases(value, script)


def _char(piece: str) -> str:
    if piece.startswith("&"):
        return "\ufffc"  # one character of text standing for the entity
    return piece
