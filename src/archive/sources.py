"""An archive folder → settings, parsed interviews and every diagnostic.

Owns the layout of an archive on disk (``archive.yml``, ``glossary.yml``,
one folder per interview holding ``index.md``) and the checks that need
more than one interview at a time: duplicate slugs, and links from one
interview to another interview's anchors.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .config import read_settings
from .errors import Code, Diagnostic
from .model import Interview, Link, Question, Section, Settings, Span
from .parse import parse_interview

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
    """A path as shown in diagnostics and the JSON: relative to the archive's parent folder."""
    try:
        return Path(os.path.relpath(path, base)).as_posix()
    except ValueError:
        return path.as_posix()


def _read(path: Path, shown: str, diags: list[Diagnostic]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        diags.append(Diagnostic.make(Code.FM002, shown, 1, f"the file is not UTF-8 text ({exc.reason} at "
                                     f"byte {exc.start}); save it as UTF-8"))
    except OSError as exc:
        diags.append(Diagnostic.make(Code.ARC001, shown, 1, f"cannot read the file: {exc.strerror}"))
    return None


def read_archive(root: Path | str) -> Archive:
    """Read and parse every interview under ``root``; never raises on bad content."""
    root = Path(root)
    base = root.resolve().parent
    diags: list[Diagnostic] = []
    files: list[Path] = []
    if not root.is_dir():
        diags.append(Diagnostic.make(Code.ARC001, display_path(root, base), 1,
                                     "the archive folder does not exist; create it or pass --archive DIR"))
        return Archive(root, read_settings(None, "", None, "")[0], (), tuple(diags), ())
    texts = {}
    for name in (SETTINGS_FILE, GLOSSARY_FILE):
        path = root / name
        texts[name] = _read(path, display_path(path, base), diags)
        if texts[name] is not None:
            files.append(path)
    settings, setting_diags = read_settings(
        texts[SETTINGS_FILE], display_path(root / SETTINGS_FILE, base),
        texts[GLOSSARY_FILE], display_path(root / GLOSSARY_FILE, base))
    diags.extend(setting_diags)
    interviews: list[Interview] = []
    links: dict[str, tuple[tuple[Link, Span], ...]] = {}
    broken: set[str] = set()
    """Slugs of interviews with errors: links to them are not reported a second time."""
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        source = folder / INTERVIEW_FILE
        shown = display_path(source, base)
        if not source.is_file():
            if any(folder.glob("*.md")):
                diags.append(Diagnostic.make(Code.ARC001, display_path(folder, base), 1,
                                             f"this folder has Markdown but no {INTERVIEW_FILE}; "
                                             f"name the interview's file {INTERVIEW_FILE}"))
            continue
        text = _read(source, shown, diags)
        files.append(source)
        if text is None:
            continue
        parsed = parse_interview(text, shown, str(folder), settings.stage_directions)
        diags.extend(parsed.diagnostics)
        if parsed.interview is not None:
            interviews.append(parsed.interview)
            links[parsed.interview.slug] = parsed.links
        elif parsed.slug:
            broken.add(parsed.slug)
    for stray in sorted(root.glob("*.md")):
        diags.append(Diagnostic.make(Code.ARC001, display_path(stray, base), 1,
                                     f"interviews live in folders: move this file to "
                                     f"{stray.stem}/{INTERVIEW_FILE}"))
    diags.extend(_cross_checks(interviews, links, broken))
    interviews.sort(key=lambda i: (-i.date.toordinal(), i.slug))
    return Archive(root, settings, tuple(interviews), tuple(sorted(set(diags))), tuple(files))


def anchors(interview: Interview) -> dict[str, Span]:
    """Every id an interview's page defines from its content, with where it came from."""
    out: dict[str, Span] = {}
    for section in interview.sections:
        out.setdefault(section.id, section.span)
        for block in section.blocks:
            if isinstance(block, Question):
                out.setdefault(block.id, block.span)
    for note in interview.notes:
        out.setdefault(note.id, note.span)
    return out


def _cross_checks(interviews: list[Interview],
                  links: dict[str, tuple[tuple[Link, Span], ...]], broken: set[str]) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    by_slug: dict[str, Interview] = {}
    for interview in interviews:
        first = by_slug.get(interview.slug)
        if first is not None:
            diags.append(Diagnostic.make(Code.ID001, interview.span.path, 1,
                                         f"slug '{interview.slug}' is also used by {first.span.path}; "
                                         "give one of them another 'slug:'"))
            continue
        by_slug[interview.slug] = interview
        seen: dict[str, Section] = {}
        for section in interview.sections:
            if section.id in seen:
                diags.append(Diagnostic.make(Code.ID002, section.span.path, section.span.line,
                                             f"section id '{section.id}' is also used on line "
                                             f"{seen[section.id].span.line}; give each section its own id"))
            seen.setdefault(section.id, section)
    targets = {slug: anchors(i) for slug, i in by_slug.items()}
    for interview in by_slug.values():
        for link, span in links.get(interview.slug, ()):
            slug = link.interview or interview.slug
            if slug in broken and slug not in targets:
                continue
            if slug not in targets:
                diags.append(Diagnostic.make(Code.LNK002, span.path, span.line,
                                             f"link to '{link.href}': no interview has the slug '{slug}'",
                                             col=span.col))
            elif link.fragment and link.fragment not in targets[slug]:
                diags.append(Diagnostic.make(Code.LNK002, span.path, span.line,
                                             f"link to '{link.href}': interview '{slug}' has no anchor "
                                             f"'#{link.fragment}' (sections, q01…, n-label)", col=span.col))
    return diags
