"""Where things live in a built site: script folders, languages, page and media paths.

Owns the one table of scripts (``hant``/``hans``), their folders
(``zh-hant/``, ``zh-hans/``) and language tags (``zh-Hant``, ``zh-Hans``), and
the site-relative paths every stage agrees on. Paths are POSIX, relative to
the site's root, never absolute; anchors live in :mod:`archive.model`.
"""

from __future__ import annotations

from .model import SCRIPTS, Script

DIRS: dict[str, str] = {"hant": "zh-hant", "hans": "zh-hans"}
"""Script → its folder in the site."""
LANGS: dict[str, str] = {"hant": "zh-Hant", "hans": "zh-Hans"}
"""Script → its BCP 47 tag (``<html lang>``, ``hreflang``)."""
OTHER: dict[str, str] = {"hant": "hans", "hans": "hant"}
SCRIPT_OF_DIR: dict[str, str] = {folder: script for script, folder in DIRS.items()}
INTERVIEW_DATA = "interview.json"
"""Beside each interview page: the page's model as data (how the checker knows an interview page)."""

assert tuple(DIRS) == SCRIPTS


def interview_dir(script: Script | str, slug: str) -> str:
    """``zh-hant/<slug>``: the folder of an interview's page in one script."""
    return f"{DIRS[script]}/{slug}"


def media_dir(slug: str) -> str:
    """``media/<slug>``: where an interview's images are copied (shared by both scripts)."""
    return f"media/{slug}"
