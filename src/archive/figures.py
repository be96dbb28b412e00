"""Paragraphs that are figures: an image and/or a ▲ caption with its photo credit.

Owns the figure syntax of the format (``![alt](file)`` at the start of a
paragraph, a caption line starting with ▲ or △, a credit ``（圖源：…）`` at the
caption's end, which may hold overrides), the rules for image files (inside
the interview's folder, a known image type, existing as a regular file, and
for SVG, safe to publish: see :mod:`archive.media`), and the image's column
in diagnostics.
"""

from __future__ import annotations

import os
import re
from typing import Sequence

from markdown_it.token import Token

from . import media
from .errors import Code
from .markdown import InlineReader
from .model import Figure, Inline, Paragraph, Protected, Span, Text, Variant
from .plaintext import plain_text

CAPTION_MARK = ("▲", "△")
CREDIT_OPEN_RE = re.compile(r"[（(]\s*((?:圖源|图源|攝影|摄影|圖片來源|图片来源|圖|图)\s*[:：])")
CLOSE_PARENS = "）)"
IMAGE_SUFFIXES = (".svg", ".png", ".jpg", ".jpeg", ".webp", ".gif", ".avif")
SCHEME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
HOLE = "\ufffc"
"""Stands for an override while the credit pattern is matched (it never matches a pattern)."""


def read_paragraph(reader: InlineReader, children: Sequence[Token], line: int,
                   folder: str, script: str) -> Paragraph | Figure:
    """A paragraph's inline tokens → a Paragraph, or a Figure when it starts with an image or ▲."""
    first = children[0] if children else None
    if first is not None and first.type == "text" and not first.content.startswith(CAPTION_MARK):
        return Paragraph(reader.tokens(children, line), Span(reader.path, line))  # most paragraphs
    children = list(children)
    span = Span(reader.path, line)
    image = None
    if children and children[0].type == "image":
        image = children.pop(0)
        if children and children[0].type == "softbreak":
            children.pop(0)
    starts_caption = bool(children and children[0].type == "text"
                          and children[0].content.startswith(CAPTION_MARK))
    if image is None and not starts_caption:
        return Paragraph(reader.tokens(children, line), span)
    caption_line = line + (1 if image is not None and children else 0)
    if starts_caption:
        children[0] = Token("text", "", 0, content=children[0].content[1:].lstrip())
    elif children:
        reader.error(Code.MD002, line, "text after an image must be its caption: start the line with ▲")
    caption, credit = split_credit(reader.tokens(children, caption_line))
    if image is None:
        return Figure(None, "", caption, credit, span)
    alt_content = tuple(reader.overrides(image.content, line)) if image.content else ()
    alt_content = tuple(item for item in alt_content if not (isinstance(item, Text) and not item.text))
    src = _image(reader, str(image.attrs.get("src", "")), line, folder)
    return Figure(src, plain_text(alt_content, script), caption, credit, span, alt_content)


def split_credit(caption: tuple[Inline, ...]) -> tuple[tuple[Inline, ...], tuple[Inline, ...]]:
    """(caption, credit): a trailing ``（圖源：…）`` becomes the credit, overrides inside it kept."""
    start = len(caption)
    while start and isinstance(caption[start - 1], (Text, Protected, Variant)):
        start -= 1
    run = caption[start:]
    if not run or not isinstance(run[-1], Text):
        return caption, ()
    flat = "".join(item.text if isinstance(item, Text) else HOLE for item in run)
    trimmed = flat.rstrip()
    if not trimmed or trimmed[-1] not in CLOSE_PARENS:
        return caption, ()
    close = len(trimmed) - 1
    match = CREDIT_OPEN_RE.search(flat, 0, close)
    if match is None:
        return caption, ()
    head_end = len(flat[:match.start()].rstrip())
    credit_end = len(flat[:close].rstrip())
    head = caption[:start] + _cut(run, 0, head_end)
    return head, _cut(run, match.start(1), credit_end)


def _cut(run: tuple[Inline, ...], begin: int, end: int) -> tuple[Inline, ...]:
    """The part of ``run`` between two offsets of its flattened text (an override counts one)."""
    out: list[Inline] = []
    at = 0
    for item in run:
        size = len(item.text) if isinstance(item, Text) else 1
        low, high = max(begin, at), min(end, at + size)
        if low < high:
            out.append(Text(item.text[low - at:high - at]) if isinstance(item, Text) else item)
        at += size
    return tuple(out)


def _image(reader: InlineReader, src: str, line: int, folder: str) -> str | None:
    """The image's path relative to the folder, or None and an error saying why it cannot be shown."""
    lines = reader.lines
    col = lines[line - 1].find("](") + 3 if 0 < line <= len(lines) else 1
    name = media.image_name(src)

    def refuse(code: Code, message: str) -> None:
        reader.error(code, line, message, col=col)

    if SCHEME_RE.match(name) or name.startswith(("/", "\\")) or not name:
        refuse(Code.FIG002, f"image '{src}' must be a file in the interview's folder, named relative "
               "to it (e.g. lamp.svg); the site loads nothing from elsewhere")
        return None
    root = os.path.realpath(folder)
    full = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, full]) != root:
        refuse(Code.FIG002, f"image '{name}' is outside the interview's folder; copy it into the folder")
        return None
    if not name.lower().endswith(IMAGE_SUFFIXES):
        refuse(Code.FIG002, f"image '{name}' is not an image file the site can show "
               f"({', '.join(IMAGE_SUFFIXES)})")
        return None
    if not os.path.lexists(full) or os.path.isdir(full):
        refuse(Code.FIG001, f"image file '{name}' does not exist in {folder}; add it, "
               "or drop the image and keep the ▲ caption as a caption-only figure")
        return None
    if not media.is_regular_file(full):
        refuse(Code.SRC002, f"image '{name}' is not a regular file (a pipe, device or socket); "
               "replace it with the image file itself")
        return None
    if name.lower().endswith(".svg") and not _svg_is_safe(reader, full, name, line, col):
        return None
    return os.path.relpath(full, root).replace(os.sep, "/")


def _svg_is_safe(reader: InlineReader, full: str, name: str, line: int, col: int) -> bool:
    try:
        with open(full, "rb") as handle:
            data = handle.read(media.MAX_SVG_BYTES + 1)
    except OSError as exc:
        reader.error(Code.FIG001, line, f"image '{name}' cannot be read ({exc.strerror})", col=col)
        return False
    problems = media.svg_problems(data)
    for problem in problems[:5]:
        where = f" on its line {problem.line}" if problem.line else ""
        if not problem.unsafe:
            reader.error(Code.FIG003, line, f"SVG '{name}' is {problem.what}{where}; the site only "
                         "publishes SVG it can check. Fix the file or export it again", col=col)
            continue
        reader.error(Code.FIG003, line, f"SVG '{name}' holds {problem.what}{where}; the site would run or "
                     "load it. Export the drawing again without it (plain shapes, text, embedded "
                     "raster images and #fragment links are fine)", col=col)
    return not problems
