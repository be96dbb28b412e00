"""The code version: what of this program shapes a build's output, as one hash in every cache key.

Owns the hash of this package's modules, the converter's version and the
versions of the libraries that shape output (:data:`OUTPUT_LIBRARIES`), and
remembering it between processes by the stat of the modules (see
:func:`archive.filehashes.remembered_by_stat`): new code, new keys, and a
fresh process that changed nothing does not read every module again.
"""

from __future__ import annotations

from pathlib import Path

from .cache import digest

OUTPUT_LIBRARIES = ("markdown-it-py", "mdit-py-plugins", "jinja2", "markupsafe", "pyyaml", "pypinyin", "budoux")
"""Libraries whose version can change what a build writes: part of every key."""


def library_versions() -> list[str]:
    """``name version`` of each library that shapes output (``-`` when not installed)."""
    from importlib import (
        metadata,  # slow to import: only builds that make something ask
    )

    found = []
    for name in OUTPUT_LIBRARIES:
        try:
            found.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            found.append(f"{name} -")
    return found


CODE_FILE = "code.json"
"""The remembered :func:`code_version`, by the stat of the package's files (in the cache folder)."""
_CODE: dict[str, str] = {}
"""This process's code version (its modules are loaded once: it cannot change while it runs)."""


def code_version(remember: Path | None = None) -> str:
    """A hash of this package's source, the converter's and the libraries' versions: new code, new keys.

    Reading every module and asking ``importlib.metadata`` for the libraries
    costs a fresh process 25–40 ms, so a build with a cache (``remember``)
    keeps the result in ``CODE_FILE`` beside a digest of every module's path,
    size, times and inode and of the Python installation (whose library
    folders change when a library is installed, upgraded or removed: see
    :mod:`archive.freshness`), and takes it from there while that digest is
    the same, as git's index does for files. As there, a module modified
    within ``RACY_NS`` of the moment it was listed is never vouched for
    (see :func:`archive.filehashes.remembered_by_stat`).
    """
    if "" not in _CODE:
        _CODE[""] = package_code(Path(__file__).resolve().parent, remember)
    return _CODE[""]


def package_code(root: Path, remember: Path | None = None) -> str:
    """:func:`code_version` of the package at ``root``, remembered in ``remember`` (a cache folder) if given."""
    from .filehashes import remembered_by_stat

    return remembered_by_stat(root, remember / CODE_FILE if remember is not None else None,
                              lambda: _code_digest(root))


def _code_digest(root: Path) -> str:
    from .scripts import converter_version

    parts: list[bytes | str] = [converter_version(), *library_versions()]
    for path in sorted(root.rglob("*.py")):
        parts += [path.relative_to(root).as_posix(), path.read_bytes()]
    return digest(*parts)
