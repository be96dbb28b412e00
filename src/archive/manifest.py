"""The site's manifest (``.archive-site``): what a build wrote, as data that is validated, never obeyed.

Owns the format: a header line, then one ``SHA-256  path`` line per file,
sorted. Reading accepts only plain relative paths inside the folder (no
``..``, ``.``, empty parts, leading ``/``, backslashes or control characters)
and never follows a link to the manifest; any other line makes the folder
"not ours", with a refusal that names the line.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Mapping

from .errors import ArchiveError

MANIFEST = ".archive-site"
MANIFEST_HEADER = "# written by archive; every file below was generated and is replaced by the next build\n"
_HASH = re.compile(r"[0-9a-f]{64}")
_SEGMENT = r"(?!\.\.?(?:/|$))[^\x00-\x1f\x7f\\/]+"
_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_LINE = re.compile(rf"[0-9a-f]{{64}}  ({_SEGMENT}(?:/{_SEGMENT})*)")


def plain_path(rel: str) -> bool:
    """A normalised relative path inside a folder: no ``..``, ``.``, empty part, leading ``/``, backslash or control."""
    return bool(_PATH.fullmatch(rel)) and rel != MANIFEST


def read_nofollow(path: Path) -> bytes | None:
    """The bytes of a regular file, never through a link; None if it is not one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_manifest(folder: Path, cut_short: bool = False) -> dict[str, str] | None:
    """Path → content hash of every file archive wrote into ``folder``; None if archive did not write it.

    Each line must be a SHA-256 and a plain relative path (see
    :func:`plain_path`); any other line means the manifest is not ours, and
    the refusal names the line. The manifest is never read through a link.
    ``cut_short`` accepts a manifest a kill interrupted (a staging folder's,
    written before any of its files): a part of the header, or a last line
    without its end.
    """
    data = read_nofollow(folder / MANIFEST)
    try:
        text = data.decode("utf-8") if data is not None else ""
    except UnicodeDecodeError:
        text = ""
    if cut_short and data is not None and MANIFEST_HEADER.startswith(text):
        return {}
    if not text.startswith(MANIFEST_HEADER):
        return None
    listed: dict[str, str] = {}
    lines = text[len(MANIFEST_HEADER):].split("\n")
    if lines[-1] == "" or cut_short:
        lines.pop()  # the end of the last line, or the unfinished line of a killed write
    for number, line in enumerate(lines, start=2):
        match = _LINE.fullmatch(line)
        rel = match.group(1) if match else ""
        if not match or rel == MANIFEST or rel in listed:
            shown = line[66:] if _HASH.fullmatch(line[:64]) else line
            raise ArchiveError(f"refusing to use {folder}: line {number} of its {MANIFEST} ({shown[:100]!r}) is not "
                               "a hash and a plain path inside the folder, so archive did not write that "
                               "manifest; nothing was changed: move the folder away or choose another --out")
        listed[rel] = line[:64]
    return listed


def manifest_text(hashes: Mapping[str, str]) -> str:
    """The manifest of files with these content hashes."""
    return MANIFEST_HEADER + "".join(f"{hashes[rel]}  {rel}\n" for rel in sorted(hashes))
