"""An archive folder → settings, parsed interviews and every diagnostic.

Owns the layout of an archive on disk (``archive.yml``, ``glossary.yml``,
one folder per interview holding ``index.md``) and the checks that need
more than one interview at a time: duplicate slugs, and links from one
interview to another interview's anchors.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import BuildError, Code, Diagnostic

if TYPE_CHECKING:  # the settings' reader (YAML) and the parser (Markdown) are imported where used:
    from .filehashes import FileHashes  # a no-op build rebases its warnings' paths with this module
    from .freshness import Tree
    from .model import Interview, Link, Settings, Span
    from .parse import Parsed

SETTINGS_FILE = "archive.yml"
GLOSSARY_FILE = "glossary.yml"
INTERVIEW_FILE = "index.md"


@dataclass(frozen=True)
class Archive:
    """Everything read from an archive folder."""

    root: Path
    settings: Settings
    interviews: tuple[Interview, ...]
    """Sorted newest first, then by slug."""
    diagnostics: tuple[Diagnostic, ...]
    files: tuple[Path, ...]
    """Every source file read (for caches and watchers)."""


def display_path(path: Path, base: Path) -> str:
    """A path as the model and ``interview.json`` record it: relative to the archive's parent folder.

    Recorded this way, a build's output does not depend on the folder it is
    run from; the command line shows each path as the user's repository sees
    it with :func:`path_from_here`.
    """
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:
        return path.as_posix()


def path_from_here(shown: str, base: Path) -> str:
    """A recorded path (relative to ``base``, the archive's parent) as seen from the current folder.

    ``content/interview/x/index.md`` when the archive is ``content/interview``,
    so that GitHub can attach an annotation to the file; unchanged when the
    file lies outside the current folder (a ``../..`` path helps no one) or
    the path is not one of ours (``<build>/…``).
    """
    if not shown or shown.startswith("<") or os.path.isabs(shown):
        return shown
    here = Path.cwd()
    full = Path(os.path.normpath(base / shown))
    try:
        return full.relative_to(here).as_posix()
    except ValueError:
        return shown


def _read(path: Path, shown: str, diags: list[Diagnostic]) -> str | None:
    """A UTF-8 file's text; None when it is missing (no diagnostic) or unreadable (a diagnostic)."""
    if not os.path.lexists(path):
        return None
    data, problems = read_source_bytes(path, shown)
    if data is None:
        diags.extend(problems)
        return None
    text, problems = decode_source(data, shown)
    diags.extend(problems)
    return text


@dataclass(frozen=True)
class Scan:
    """What an archive folder holds, before any interview is parsed."""

    root: Path
    base: Path
    """The archive's parent folder: paths in diagnostics are relative to it."""
    settings: Settings
    diagnostics: tuple[Diagnostic, ...]
    sources: tuple[tuple[Path, str], ...]
    """(interview folder, display path of its index.md), sorted."""
    settings_files: tuple[Path, ...]
    tree: Tree | None = None
    """The archive as the no-op decision listed it, when it did (read instead of listing it again)."""


def scan_archive(root: Path | str, tree: Tree | None = None) -> Scan:
    """Settings, glossary and the list of interview folders; never raises on bad content.

    ``tree``: the archive folder as already listed (:class:`archive.freshness.Tree`), read instead of the disk.
    """
    from .config import read_settings

    root = Path(root)
    base = root.resolve().parent
    diags: list[Diagnostic] = []
    if not root.is_dir():
        diags.append(Diagnostic.make(Code.ARC001, display_path(root, base), 1,
                                     "the archive folder does not exist; create it or pass --archive DIR"))
        return Scan(root, base, read_settings(None, "", None, "")[0], tuple(diags), (), ())
    texts, files = {}, []
    for name in (SETTINGS_FILE, GLOSSARY_FILE):
        path = root / name
        texts[name] = _read(path, display_path(path, base), diags)
        if texts[name] is not None:
            files.append(path)
    settings, setting_diags = read_settings(
        texts[SETTINGS_FILE], display_path(root / SETTINGS_FILE, base),
        texts[GLOSSARY_FILE], display_path(root / GLOSSARY_FILE, base))
    diags.extend(setting_diags)
    sources = []
    prefix = display_path(root, base)
    top = _Entries(root, tree)
    for name in sorted(name for name in top.names() if top.is_dir(name) and not name.startswith(".")):
        folder = root / name
        inside = _Entries(folder, tree)
        if inside.exists(INTERVIEW_FILE) and not inside.is_dir(INTERVIEW_FILE):  # read_source_bytes judges it
            sources.append((folder, f"{prefix}/{name}/{INTERVIEW_FILE}"))
        elif any(fnmatch.fnmatchcase(entry, "*.md") for entry in inside.names()):
            diags.append(Diagnostic.make(Code.ARC001, display_path(folder, base), 1,
                                         f"this folder has Markdown but no {INTERVIEW_FILE}; "
                                         f"name the interview's file {INTERVIEW_FILE}"))
    for stray in sorted(root / name for name in top.names() if fnmatch.fnmatchcase(name, "*.md")):
        diags.append(Diagnostic.make(Code.ARC001, display_path(stray, base), 1,
                                     f"interviews live in folders: move this file to "
                                     f"{stray.stem}/{INTERVIEW_FILE}"))
    return Scan(root, base, settings, tuple(diags), tuple(sources), tuple(files), tree)


class _Entries:
    """One folder's entries: from the listing ``tree`` when it holds the folder, else from the disk."""

    def __init__(self, folder: Path, tree: Tree | None):
        listed = tree.entries(folder) if tree is not None else None
        if listed is None:
            try:
                with os.scandir(folder) as found:
                    listed = [(e.name, None if e.is_dir(follow_symlinks=False) else _stat(e.path)) for e in found]
            except OSError:
                listed = []
        self.kinds = dict(listed)

    def names(self) -> list[str]:
        return list(self.kinds)

    def exists(self, name: str) -> bool:
        return name in self.kinds

    def is_dir(self, name: str) -> bool:
        """A folder, or a link to one (as ``Path.is_dir`` says)."""
        st = self.kinds.get(name, False)
        return st is None or (st is not False and st is not True and stat.S_ISDIR(st.st_mode))


def _stat(path: str) -> os.stat_result | bool:
    """``os.stat`` following links; True for an entry that is there but cannot be followed (a broken link)."""
    try:
        return os.stat(path)
    except OSError:
        return True


def read_source(path: Path, shown: str) -> tuple[str | None, list[Diagnostic]]:
    """The text of one interview file, or None and a diagnostic saying why not."""
    diags: list[Diagnostic] = []
    return _read(path, shown, diags), diags


def read_source_bytes(path: Path | str, shown: str) -> tuple[bytes | None, list[Diagnostic]]:
    """The bytes of one source file (decoded later, by :func:`decode_source`).

    Only a regular file is read: a FIFO named ``index.md`` or ``archive.yml``
    would block a plain ``open`` for ever, so the path is checked with
    ``os.stat`` first and opened non-blocking, and the open file is checked
    again (the path may have changed in between).
    """
    def not_regular() -> tuple[None, list[Diagnostic]]:
        return None, [Diagnostic.make(Code.SRC002, shown, 1, "this is not a regular file (a pipe, device, "
                                      "socket or folder); replace it with a text file")]

    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return not_regular()
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                return not_regular()
            return handle.read(), []
    except OSError as exc:
        return None, [Diagnostic.make(Code.ARC001, shown, 1, f"cannot read the file: {exc.strerror}")]


def hashed_source(path: Path | str, shown: str, hashes: "FileHashes",
                  tree: Tree | None = None) -> tuple[str | None, bytes | None, list[Diagnostic]]:
    """(SHA-256, bytes, problems) of one source; the bytes are None when ``hashes`` vouches for the hash
    (read them with :func:`checked_source` before use), the hash too when the file cannot be read.
    ``tree``: the archive as listed (its stat is taken from there when it holds the file)."""
    st = tree.stat(path) if tree is not None else False
    if st is False:
        try:
            st = os.stat(path)
        except OSError:
            st = None
    if st is not None and stat.S_ISREG(st.st_mode):
        known = hashes.get(str(path), st)
        if known is not None:
            return known, None, []
    data, problems = read_source_bytes(path, shown)
    if data is None:
        return None, None, problems
    sha = hashlib.sha256(data).hexdigest()
    if st is not None:
        hashes.put(str(path), st, sha)
    return sha, data, problems


def checked_source(path: Path, shown: str, sha: str) -> bytes:
    """The bytes of a source whose hash was taken earlier; :class:`BuildError` if they are not those any more."""
    data, problems = read_source_bytes(path, shown)
    if data is None or hashlib.sha256(data).hexdigest() != sha:
        raise BuildError(problems or [Diagnostic.make(
            Code.ARC001, shown, 1, "the file changed while the build was reading the archive; build again")])
    return data


def hashed_files(folder: Path, hashes: "FileHashes", skip: str, tree: Tree | None = None) -> list[tuple[str, str, int]]:
    """(path, SHA-256, size) of every regular file in ``folder`` but ``skip``, by name.

    ``tree``: the archive as listed (the folder's entries and their stats are taken from there when it holds it).
    """
    listed = tree.entries(folder) if tree is not None else None
    if listed is None:
        with os.scandir(folder) as entries:
            listed = [(e.name, e.stat()) for e in entries if e.is_file()]
    found = []
    for name, st in sorted(listed, key=lambda e: e[0]):
        if name == skip or st is None or not stat.S_ISREG(st.st_mode):
            continue
        path = os.path.join(folder, name)
        sha = hashes.get(path, st)
        if sha is None:
            with open(path, "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            hashes.put(path, st, sha)
        found.append((path, sha, st.st_size))
    return found


def decode_source(data: bytes, shown: str) -> tuple[str | None, list[Diagnostic]]:
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as exc:
        return None, [Diagnostic.make(Code.FM002, shown, 1, f"the file is not UTF-8 text ({exc.reason} at "
                                      f"byte {exc.start}); save it as UTF-8")]


@dataclass(frozen=True)
class LinkTargets:
    """What the archive-wide checks need of one parsed interview: its slug, anchors and links."""

    slug: str
    path: str
    anchors: frozenset[str]
    links: tuple[tuple[Link, Span], ...]


def link_targets(parsed: Parsed) -> LinkTargets | None:
    interview = parsed.interview
    if interview is None:
        return None
    return LinkTargets(interview.slug, interview.span.path, frozenset(anchors(interview)), parsed.links)


def read_archive(root: Path | str) -> Archive:
    """Read and parse every interview under ``root``; never raises on bad content."""
    from .parse import parse_interview

    scan = scan_archive(root)
    diags = list(scan.diagnostics)
    interviews: list[Interview] = []
    digests: list[LinkTargets] = []
    broken: set[str] = set()
    for folder, shown in scan.sources:
        text, read_diags = read_source(folder / INTERVIEW_FILE, shown)
        diags.extend(read_diags)
        if text is None:
            continue
        parsed = parse_interview(text, shown, str(folder), scan.settings.stage_directions)
        diags.extend(parsed.diagnostics)
        if parsed.interview is not None:
            interviews.append(parsed.interview)
            digests.append(link_targets(parsed))
        elif parsed.slug:
            broken.add(parsed.slug)
    diags.extend(cross_check(digests, broken))
    interviews.sort(key=lambda i: (-i.date.toordinal(), i.slug))
    files = scan.settings_files + tuple(folder / INTERVIEW_FILE for folder, _ in scan.sources)
    return Archive(scan.root, scan.settings, tuple(interviews), tuple(sorted(set(diags))), files)


def anchors(interview: Interview) -> dict[str, Span]:
    """Every id an interview's page defines from its content, with where it came from."""
    from .model import Question

    out: dict[str, Span] = {}
    for section in interview.sections:
        out.setdefault(section.id, section.span)
        for block in section.blocks:
            if isinstance(block, Question):
                out.setdefault(block.id, block.span)
    for note in interview.notes:
        out.setdefault(note.id, note.span)
    return out


def cross_check(digests: list[LinkTargets], broken: set[str]) -> list[Diagnostic]:
    """Checks across interviews: duplicate slugs, links to other interviews and their anchors.

    ``broken`` holds slugs of interviews that have errors of their own: links to
    them are not reported a second time.
    """
    diags: list[Diagnostic] = []
    by_slug: dict[str, LinkTargets] = {}
    for item in digests:
        first = by_slug.get(item.slug)
        if first is not None:
            diags.append(Diagnostic.make(Code.ID001, item.path, 1,
                                         f"slug '{item.slug}' is also used by {first.path}; "
                                         "give one of them another 'slug:'"))
            continue
        by_slug[item.slug] = item
    for item in by_slug.values():
        for link, span in item.links:
            slug = link.interview or item.slug
            if slug in broken and slug not in by_slug:
                continue
            if slug not in by_slug:
                diags.append(Diagnostic.make(Code.LNK002, span.path, span.line,
                                             f"link to '{link.href}': no interview has the slug '{slug}'",
                                             col=span.col))
            elif link.fragment and link.fragment not in by_slug[slug].anchors:
                diags.append(Diagnostic.make(Code.LNK002, span.path, span.line,
                                             f"link to '{link.href}': interview '{slug}' has no anchor "
                                             f"'#{link.fragment}' (sections, q01…, n-label)", col=span.col))
    return diags
