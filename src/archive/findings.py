"""Findings → what a reader or a machine reads: text lines, GitHub annotations, one JSON document.

Owns the three output formats of ``archive check`` and ``archive build``
(the README documents the JSON schema), including the document printed when
a command cannot run at all, so that a CI step always gets its format.
"""

from __future__ import annotations

import json
from typing import Iterable

from .errors import Diagnostic, Severity


def format_text(diagnostics: Iterable[Diagnostic]) -> str:
    """One ``path:line:col: severity[CODE]: message`` line per finding."""
    return "".join(f"{d}\n" for d in diagnostics)


def format_github(diagnostics: Iterable[Diagnostic]) -> str:
    """GitHub workflow commands: one annotation per finding."""
    kind = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTICE: "notice"}
    return "".join(f"::{kind[d.severity]} file={escape(d.path, True)},line={d.line},col={d.col},"
                   f"title={d.code}::{escape(d.message)}\n" for d in diagnostics)


JSON_SCHEMA_VERSION = 1


def format_json(diagnostics: list[Diagnostic], external: list[tuple[str, str]], failed: bool) -> str:
    """The ``--format json`` document; see the README for its schema."""
    counts = {str(s): sum(1 for d in diagnostics if d.severity is s) for s in Severity}
    doc = {
        "version": JSON_SCHEMA_VERSION,
        "ok": not failed,
        "counts": counts,
        "findings": [{"path": d.path, "line": d.line, "col": d.col, "code": d.code,
                      "severity": str(d.severity), "message": d.message} for d in diagnostics],
        "external": [{"page": page, "url": url} for page, url in external],
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def escape(value: str, prop: bool = False) -> str:
    """A value for a GitHub workflow command (``prop``: a property such as ``file=``)."""
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return value.replace(":", "%3A").replace(",", "%2C") if prop else value


def format_cannot_run(fmt: str, command: str, message: str, path: str | None = None) -> str:
    """What a command that could not run (exit 2) prints on stdout in format ``fmt``."""
    if fmt == "github":
        where = f"file={escape(path, True)}," if path else ""
        return f"::error {where}title={escape(command, True)}::{escape(message)}\n"
    if fmt == "json":
        doc = {"version": JSON_SCHEMA_VERSION, "ok": False, "error": message, "path": path,
               "counts": {str(s): 0 for s in Severity}, "findings": [], "external": []}
        return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    return ""
