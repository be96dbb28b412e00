"""Writing a site: a staging folder, an atomic swap, and refusal to touch what is not ours.

Owns the safety rules of the output directory. A build writes every file
into a fresh staging folder beside the target; only when all of it is
written does the staging folder take the target's place, so a failed build
leaves the previous site exactly as it was. The folder records what it
wrote in a manifest (``.archive-site``); a folder without one, or holding
files the manifest does not list, is never emptied or replaced.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping

from .errors import ArchiveError

MANIFEST = ".archive-site"
MANIFEST_HEADER = "# written by archive; every file below was generated and is replaced by the next build\n"


@dataclass(frozen=True)
class Entry:
    """One file of a site: the hash and size of its bytes, and where to get them."""

    hash: str
    size: int
    content: bytes | Path | Callable[[], bytes]

    @classmethod
    def of(cls, data: bytes) -> "Entry":
        return cls(hashlib.sha256(data).hexdigest(), len(data), data)

    @classmethod
    def of_file(cls, path: Path) -> "Entry":
        data = path.read_bytes()
        return cls(hashlib.sha256(data).hexdigest(), len(data), path)

    def read(self) -> bytes:
        if isinstance(self.content, bytes):
            return self.content
        if isinstance(self.content, Path):
            return self.content.read_bytes()
        return self.content()


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def _manifest(folder: Path) -> dict[str, str] | None:
    """Path → content hash of every file archive wrote into ``folder``, or None if it did not."""
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return None
    if not text.startswith(MANIFEST_HEADER):
        return None
    listed = {}
    for line in text.splitlines()[1:]:
        digest, sep, rel = line.partition("  ")
        if sep:
            listed[rel] = digest
        elif line:
            listed[line] = ""  # a manifest from before hashes were recorded: content unknown
    return listed


def _files(folder: Path) -> set[str]:
    out = set()
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            out.add(Path(os.path.relpath(os.path.join(dirpath, name), folder)).as_posix())
    return out


def check_output(out: Path, source: Path, project: Path | None = None, contents: bool = True) -> None:
    """Refuse an output folder that could destroy sources or files archive did not write.

    ``contents`` false skips the walk looking for foreign files (done before any write).
    """
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
    if contents and out.is_dir() and any(out.iterdir()):
        listed = _manifest(out)
        if listed is None:
            raise ArchiveError(f"refusing to write the site to {out}: the folder is not empty and archive did "
                               "not create it; choose an empty or new folder")
        foreign = sorted((_files(out) - set(listed)) - {MANIFEST})
        if foreign:
            raise ArchiveError(f"refusing to replace {out}: it holds files archive did not write "
                               f"({', '.join(foreign[:5])}{' …' if len(foreign) > 5 else ''}); move them away first")


IN_PLACE_SHARE = 0.1
"""When at most this share of a site's files changes, they are replaced in place (see write_site)."""


def write_site(files: Mapping[str, Entry | bytes], out: Path, source: Path, project: Path | None = None) -> list[str]:
    """Write ``files`` as the site at ``out``; returns the paths whose content changed.

    When every file is already there with the same content, nothing is written
    at all. When a few files change (an edited interview), each new file is
    first written beside its target under a temporary name; only when all of
    them are written are they renamed into place (each rename atomic) and the
    manifest updated — a failure before that removes the temporary files and
    leaves the site as it was. Otherwise the new site is assembled in a staging
    folder (unchanged files hard-linked from the current site) and swapped in
    when complete; the old site is then removed (it was ours: see the manifest).
    """
    check_output(out, source, project, contents=False)
    files = {rel: e if isinstance(e, Entry) else Entry.of(e) for rel, e in files.items()}
    out = out.resolve()
    old = _manifest(out) if out.is_dir() else None
    root = str(out)
    changed = sorted(rel for rel, entry in files.items()
                     if (old or {}).get(rel) != entry.hash or not _same_size(os.path.join(root, rel), entry.size))
    if old is not None and not changed and set(old) == set(files):
        return []  # the site is already this build: write nothing, touch nothing
    check_output(out, source, project)
    removed = sorted(set(old or {}) - set(files))
    if old is not None and len(changed) + len(removed) <= IN_PLACE_SHARE * len(files):
        _replace_in_place(files, changed, removed, out)
        return changed
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    try:
        changed_set = set(changed)
        for rel in sorted(files):
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel not in changed_set and _link(out / rel, target):
                continue
            _write(files[rel], target)
        (staging / MANIFEST).write_text(_manifest_text(files), encoding="utf-8")
        os.chmod(staging, 0o755)
        _swap(staging, out, source, project)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return changed


def _manifest_text(files: Mapping[str, Entry]) -> str:
    return MANIFEST_HEADER + "".join(f"{files[rel].hash}  {rel}\n" for rel in sorted(files))


def _write(entry: Entry, target: Path) -> None:
    if isinstance(entry.content, Path):
        shutil.copyfile(entry.content, target)
    else:
        target.write_bytes(entry.read())


def _replace_in_place(files: Mapping[str, Entry], changed: list[str], removed: list[str], out: Path) -> None:
    """Write the changed files beside their targets, then rename them all into place."""
    pending: list[tuple[Path, Path]] = []
    made_dirs: list[Path] = []
    try:
        for rel in changed + [MANIFEST]:
            target = out / rel
            missing = [p for p in [target.parent, *target.parent.parents] if not p.exists()]
            for folder in reversed(missing):
                folder.mkdir()
                made_dirs.append(folder)
            temp = target.with_name(f".{target.name}.archive-new")
            if rel == MANIFEST:
                temp.write_text(_manifest_text(files), encoding="utf-8")
            else:
                _write(files[rel], temp)
            pending.append((temp, target))
    except BaseException:
        for temp, _ in pending:
            temp.unlink(missing_ok=True)
        for folder in reversed(made_dirs):
            shutil.rmtree(folder, ignore_errors=True)
        raise
    for temp, target in pending[:-1]:
        os.replace(temp, target)
    for rel in removed:  # files of the previous build (listed in its manifest) that this one no longer makes
        (out / rel).unlink(missing_ok=True)
        folder = (out / rel).parent
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    os.replace(*pending[-1])  # the manifest last: it always describes what is there


def _same_size(path: Path | str, size: int) -> bool:
    try:
        return os.stat(path).st_size == size
    except OSError:
        return False


def _link(existing: Path, target: Path) -> bool:
    """Hard-link an unchanged file from the current site (a copy if links are not possible)."""
    try:
        os.link(existing, target)
        return True
    except OSError:
        try:
            shutil.copyfile(existing, target)
            return True
        except OSError:
            return False


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
