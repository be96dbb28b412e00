"""Writing a site: a staging folder, an atomic swap, and refusal to touch what is not ours.

Owns the safety rules of the output directory. A build writes every file
into a fresh staging folder beside the target; only when all of it is
written does the staging folder take the target's place, so a failed build
leaves the previous site exactly as it was. The folder records what it
wrote in a manifest (``.archive-site``); a folder without one, or holding
files the manifest does not list, is never emptied or replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Mapping

from .errors import ArchiveError

MANIFEST = ".archive-site"
MANIFEST_HEADER = "# written by archive; every file below was generated and is replaced by the next build\n"


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _manifest(folder: Path) -> set[str] | None:
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None
    if not text.startswith(MANIFEST_HEADER):
        return None
    return {line for line in text.splitlines()[1:] if line}


def _files(folder: Path) -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            out.add(Path(os.path.relpath(os.path.join(dirpath, name), folder)).as_posix())
    return out


def check_output(out: Path, source: Path, project: Path | None = None) -> None:
    """Refuse an output folder that could destroy sources or files archive did not write."""
    out, source = out.resolve(), source.resolve()
    if _inside(out, source):
        raise ArchiveError(f"refusing to write the site to {out}: it is inside the source folder {source}; "
                           "choose another --out")
    if _inside(source, out):
        raise ArchiveError(f"refusing to write the site to {out}: it contains the source folder {source}; "
                           "choose a folder of its own, e.g. site/")
    if project is not None and out == project.resolve():
        raise ArchiveError(f"refusing to write the site to the project folder {out}; use e.g. site/")
    if out.exists() and not out.is_dir():
        raise ArchiveError(f"refusing to write the site to {out}: it is a file; choose a folder")
    if out.is_dir() and any(out.iterdir()):
        listed = _manifest(out)
        if listed is None:
            raise ArchiveError(f"refusing to write the site to {out}: the folder is not empty and archive did "
                               "not create it; choose an empty or new folder")
        foreign = sorted((_files(out) - listed) - {MANIFEST})
        if foreign:
            raise ArchiveError(f"refusing to replace {out}: it holds files archive did not write "
                               f"({', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}); move them away first")


def write_site(files: Mapping[str, bytes | Path], out: Path, source: Path,
               project: Path | None = None) -> None:
    """Write ``files`` (relative path → bytes, or a Path to copy) as the site at ``out``.

    Everything goes to a staging folder first; the old site is swapped out only
    after the new one is complete, then removed (it was ours: see the manifest).
    """
    check_output(out, source, project)
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        for rel in sorted(files):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            content = files[rel]
            if isinstance(content, Path):
                shutil.copyfile(content, target)
            else:
                target.write_bytes(content)
        manifest = MANIFEST_HEADER + "".join(f"{rel}\n" for rel in sorted(files))
        (staging / MANIFEST).write_text(manifest, encoding="utf-8")
        os.chmod(staging, 0o755)
        _swap(staging, out, source, project)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap(staging: Path, out: Path, source: Path, project: Path | None) -> None:
    if not out.exists():
        os.rename(staging, out)
        return
    check_output(out, source, project)  # nothing foreign appeared while we built
    old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
    os.rmdir(old)
    os.rename(out, old)
    try:
        os.rename(staging, out)
    except OSError:
        os.rename(old, out)
        raise
    shutil.rmtree(old)
