"""SVG inspection (archive.media): what is refused, on which line (where its element starts), whatever prefix
or namespace hides it."""

from __future__ import annotations

import pytest

from archive.media import svg_problems

SVG = 'xmlns="http://www.w3.org/2000/svg"'
XLINK = 'xmlns:xl="http://www.w3.org/1999/xlink"'


@pytest.mark.parametrize("body, line, what", [
    ("<rect/>\n<script>alert(1)</script>", 2, "a <script> element"),
    ('<s:script xmlns:s="http://www.w3.org/2000/svg"/>', 1, "a <script> element"),
    ("\n\n<foreignObject/>", 3, "a <foreignObject> element (it can hold HTML)"),
    ('<rect\n onLoad="x"/>', 1, "an event handler attribute 'onload'"),
    (f'<a {XLINK}\n xl:href="https://example.com/">a</a>', 1, "a reference to 'https://example.com/' outside the file"),
    ('<rect style="fill: url(http://e.example/x)"/>', 1, "a style url('http://e.example/x') outside the file"),
    ("<style>\n@IMPORT 'x.css';</style>", 2, "a style '@import'"),
])
def test_unsafe_content_is_named_at_its_line(body, line, what):
    problems = svg_problems(f"<svg {SVG}>{body}</svg>".encode())
    assert [(p.line, p.what, p.unsafe) for p in problems] == [(line, what, True)]


def test_plain_drawing_and_safe_references_pass():
    data = (f'<svg {SVG} {XLINK}><defs><linearGradient id="g"/></defs><rect fill="url(#g)"/>'
            f'<use xl:href="#g"/><image href="data:image/png;base64,AAAA"/><style>rect {{fill: red}}</style></svg>')
    assert svg_problems(data.encode()) == []


@pytest.mark.parametrize("data, what, unsafe", [
    (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>', "a DTD or entity declaration (DTDForbidden)", True),
    (b"<svg><svg:script/></svg>", "not well-formed XML (unbound prefix)", False),
    (b"<svg>\n<rect></svg>", "not well-formed XML (mismatched tag)", False),
    (b"", "not well-formed XML (no element found)", False),
])
def test_declarations_and_broken_xml_are_refused(data, what, unsafe):
    assert [(p.what, p.unsafe) for p in svg_problems(data)] == [(what, unsafe)]
