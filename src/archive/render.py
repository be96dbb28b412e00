"""The Jinja environment and the rendering of contexts to page bytes.

Owns template loading (autoescape on for every template, ``StrictUndefined``
so a misspelt variable fails the build instead of printing nothing) and the
normalisation that keeps output byte-identical between builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2


def make_environment(templates: Path, cache: Path | None = None) -> jinja2.Environment:
    """An environment reading ``templates``; every template is autoescaped.

    With ``cache`` (the build cache folder), compiled templates are kept there
    (Jinja checks each template's source before using its compiled form).
    """
    bytecode = None
    if cache is not None:
        folder = Path(cache) / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(folder))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        bytecode_cache=bytecode,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from .typography import phrases

    env.filters["phrases"] = phrases  # {{ title | phrases(page.script) }}: <wbr> at phrase boundaries
    return env


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    """Render one page to UTF-8 bytes with Unix newlines."""
    return env.get_template(template).render(**context).encode("utf-8")
