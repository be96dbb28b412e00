"""Shared fixtures: paths of the repository's sample archive and templates."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "interview"
TEMPLATES = REPO / "templates"
REGEN = os.environ.get("ARCHIVE_REGEN") == "1"
"""Set ARCHIVE_REGEN=1 to rewrite expected files (then read the diff before committing)."""


@pytest.fixture
def repo() -> Path:
    return REPO
