"""``archive check``'s view of ``interview.json``: its documented schema, and agreement with its page.

Owns the schema as the README documents it (each node type and its keys, in
order) checked against a published file, and the facts a page and its
``interview.json`` must share: the title, the section ids, the question ids
and the ids of the notes shown. ``check.py`` calls :func:`check_interview_json`
for every page that has an ``interview.json`` beside it.
"""

from __future__ import annotations

import json
from typing import Any, Callable

SCHEMA_VERSION = 1

NODES: dict[str, tuple[str, ...]] = {
    "interview": ("slug", "script", "source_script", "conversion", "title", "subtitle", "date", "summary",
                  "interviewer", "interviewees", "credits", "source", "publisher", "rights", "glossary",
                  "lead", "sections", "notes", "span"),
    "paragraph": ("content", "span"),
    "remark": ("paragraphs", "span"),
    "narration": ("paragraphs", "span"),
    "figure": ("image", "alt", "caption", "credit", "span", "alt_content"),
    "question": ("id", "number", "text", "answers", "span"),
    "answer": ("speaker", "blocks", "span"),
    "section": ("id", "number", "headline", "kicker", "blocks", "span"),
    "note": ("label", "number", "paragraphs", "references", "span"),
    "text": ("text",),
    "protected": ("text",),
    "variant": ("hans", "hant"),
    "stage": ("children",),
    "emphasis": ("children", "strong"),
    "code": ("text",),
    "link": ("href", "children", "interview", "fragment"),
    "noteref": ("label", "occurrence", "span"),
    "linebreak": (),
    "person": ("key", "name", "role", "label"),
    "credit": ("role", "name"),
    "source": ("outlet", "date", "url"),
    "glossaryentry": ("hant", "hans"),
    "span": ("path", "line", "col"),
}
"""Node type → its keys after ``type``, in order (README, "interview.json")."""

Report = Callable[[int, str, str], None]
"""report(line, code, message) for the page being checked."""


def _schema_problems(node: Any, where: str, out: list[str]) -> None:
    """Every node that is not a documented type with exactly its documented keys."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            _schema_problems(item, f"{where}[{i}]", out)
        return
    if not isinstance(node, dict):
        return
    kind = node.get("type")
    expected = NODES.get(kind) if isinstance(kind, str) else None
    if expected is None:
        out.append(f"{where} has an unknown node type {kind!r}")
        return
    keys = tuple(k for k in node if k != "type")
    if keys != expected:
        out.append(f"{where} ({kind}) has keys {', '.join(keys) or 'none'}; the schema says "
                   f"{', '.join(expected) or 'none'}")
        return
    for key in expected:
        if isinstance(node[key], (list, dict)):
            _schema_problems(node[key], f"{where}.{key}", out)


def plain(inline: Any) -> str:
    """The text of inline content, as a reader sees it (overrides and variants already resolved)."""
    if isinstance(inline, list):
        return "".join(plain(item) for item in inline)
    if isinstance(inline, dict):
        if isinstance(inline.get("text"), str):
            return inline["text"]
        if isinstance(inline.get("children"), list):
            return plain(inline["children"])
    return ""


def facts(interview: dict[str, Any]) -> dict[str, list[str]]:
    """What the page must show of an interview: title, section, question and note ids."""
    questions: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("type") == "question" and isinstance(node.get("id"), str):
                questions.append(node["id"])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)

    walk(interview.get("lead"))
    walk(interview.get("sections"))
    sections = [s.get("id") for s in interview.get("sections") or [] if isinstance(s, dict)]
    notes = [f"n-{n.get('label')}" for n in interview.get("notes") or []
             if isinstance(n, dict) and n.get("references")]
    return {"title": [" ".join(plain(interview.get("title")).split())], "sections": sections,
            "questions": questions, "notes": notes}


def check_interview_json(raw: bytes, rel: str, script: str | None, page_facts: dict[str, list[str]],
                         report: Report) -> None:
    """Report (SITE011) a file off the schema and (SITE012) each fact it disagrees with its page on.

    ``rel`` is the JSON file's site path; ``script`` the page's (``hant``/``hans``) by its folder.
    """
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        report(1, "SITE011", f"{rel} is not JSON ({exc}); rebuild the site")
        return
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_VERSION \
            or not isinstance(document.get("interview"), dict) or set(document) != {"schema", "interview"}:
        report(1, "SITE011", f"{rel} is not {{\"schema\": {SCHEMA_VERSION}, \"interview\": {{…}}}}; rebuild the site")
        return
    interview = document["interview"]
    problems: list[str] = []
    if interview.get("type") != "interview":
        problems.append("the top node's type is not 'interview'")
    _schema_problems(interview, "interview", problems)
    if script and interview.get("script") != script:
        problems.append(f"its script is {interview.get('script')!r} but the page is in the {script} folder")
    for problem in problems[:5]:
        report(1, "SITE011", f"{rel}: {problem}")
    if problems:
        return
    expected = facts(interview)
    names = {"title": "title", "sections": "section ids", "questions": "question ids", "notes": "note ids"}
    for key, name in names.items():
        if expected[key] != page_facts.get(key, []):
            report(1, "SITE012", f"{rel} and this page differ in their {name}: "
                   f"{_short(expected[key])} in the JSON, {_short(page_facts.get(key, []))} on the page; "
                   "rebuild the site, never edit it by hand")


def _short(values: list[str]) -> str:
    text = ", ".join(values[:8]) + (f" … ({len(values)} in all)" if len(values) > 8 else "")
    return f"[{text}]"
