"""Images an interview refers to: the file name, and SVG files that must not run code.

Owns the rule that an SVG is published only when it is plain drawing: no
``<script>``, no event-handler attributes (``on…``), no ``javascript:``
links, no ``<foreignObject>``, no reference to anything outside the file
(``href``/``xlink:href`` other than ``#fragment`` or ``data:image/…``, and
``url(…)`` in styles likewise), no DTD or entities, and well-formed XML. Such
a file is refused with a located error rather than sanitised: a silently
edited drawing may lose what the editor meant to show, while a refusal names
the element and its line so the editor can re-export the file. Parsing uses
``defusedxml`` (DTDs, entity declarations and external entities forbidden),
so reading a hostile file cannot expand entities or fetch anything.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from typing import Callable
from urllib.parse import unquote

MAX_SVG_BYTES = 20_000_000
SVG_NS = "http://www.w3.org/2000/svg"
URL_IN_STYLE_RE = re.compile(r"url\(\s*['\"]?([^'\")\s]*)", re.I)
SAFE_REF_RE = re.compile(r"#|data:image/(?!svg)", re.I)
"""References an SVG may keep: a fragment of itself, or an embedded raster image."""


def image_name(src: str) -> str:
    """The file name a Markdown image source names (``<燈 塔.svg>`` arrives as ``%E7%87%88%20…``)."""
    return unquote(src)


def is_regular_file(path: str) -> bool:
    """True for a regular file (never opens it: a FIFO or a device must not be read)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


@dataclass(frozen=True)
class SvgProblem:
    """Why an SVG is refused; ``line`` is the line in the SVG file (0 when unknown)."""

    line: int
    what: str
    unsafe: bool = True
    """False when the file is merely unreadable (not well-formed XML)."""


class _Inspector:
    """The parser's target: told of every element, attribute and text, with the parser's current line."""

    def __init__(self, line: Callable[[], int]) -> None:
        self.problems: list[SvgProblem] = []
        self.in_style = 0
        self.line = line

    def _add(self, what: str) -> None:
        self.problems.append(SvgProblem(self.line() or 0, what))

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "script":
            self._add("a <script> element")
        elif local == "foreignobject":
            self._add("a <foreignObject> element (it can hold HTML)")
        self.in_style += local == "style"
        for qualified, value in attrs.items():
            attr = _local(qualified)
            if attr.startswith("on"):
                self._add(f"an event handler attribute '{attr}'")
            elif attr == "href" and not SAFE_REF_RE.match(value.strip()):
                self._add(f"a reference to '{value.strip()[:60]}' outside the file")
            elif attr == "style":
                self._style(value)

    def end(self, name: str) -> None:
        self.in_style -= _local(name) == "style"

    def data(self, content: str) -> None:
        if self.in_style:
            self._style(content)

    def close(self) -> None:
        return None

    def _style(self, css: str) -> None:
        if "@import" in css.lower():
            self._add("a style '@import'")
        for match in URL_IN_STYLE_RE.finditer(css):
            if not SAFE_REF_RE.match(match.group(1)):
                self._add(f"a style url('{match.group(1)[:60]}') outside the file")
        if "javascript:" in css.lower():
            self._add("'javascript:' in a style")


def _local(name: str) -> str:
    """``{http://www.w3.org/1999/xlink}href`` → ``href``, ``svg:script`` → ``script`` (no namespace hides a name)."""
    return name.rpartition("}")[2].rpartition(":")[2].lower()


def svg_problems(data: bytes) -> list[SvgProblem]:
    """Everything that makes an SVG unsafe to publish; empty when it is plain drawing."""
    if len(data) > MAX_SVG_BYTES:
        return [SvgProblem(0, f"a size over {MAX_SVG_BYTES // 1_000_000} MB")]
    # defusedxml's ElementTree parser (DTDs, entities and external references refused), not its SAX
    # reader: xml.sax imports urllib.request, http.client and ssl, a fifth of an edit-one rebuild's start
    from xml.parsers.expat import ErrorString

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, XMLParser

    parser = None
    inspector = _Inspector(lambda: parser.parser.CurrentLineNumber if parser is not None else 0)
    try:
        parser = XMLParser(target=inspector, forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser.feed(data)
        parser.close()
    except DefusedXmlException as exc:
        return [SvgProblem(0, f"a DTD or entity declaration ({type(exc).__name__})")]
    except ParseError as exc:
        return [SvgProblem(exc.position[0] or 0, f"not well-formed XML ({ErrorString(exc.code)})", False)]
    except (ValueError, RecursionError) as exc:
        return [SvgProblem(0, f"XML that cannot be read ({exc})", False)]
    return inspector.problems
