"""``build()``: an archive folder → a complete two-script site, or every diagnostic.

Reads like the pipeline it runs: read the archive, stop on errors, convert
each interview to both scripts, build the contexts, render the pages, write
the site atomically. Nothing downstream reaches back upstream.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from .context import DIRS, index_context, interview_context, root_context
from .errors import BuildError, Diagnostic, has_errors
from .model import SCRIPTS, Interview
from .output import write_site
from .render import make_environment, render
from .scripts import to_script
from .serialize import interview_json
from .sources import read_archive


@dataclass(frozen=True)
class Report:
    """What a build did."""

    out: Path
    interviews: int
    pages: int
    files: int
    seconds: float
    warnings: tuple[Diagnostic, ...]


def site_files(archive_dir: Path, templates: Path, strict: bool = False
               ) -> tuple[dict[str, bytes | Path], tuple[Interview, ...], tuple[Diagnostic, ...]]:
    """Every file of the site (relative path → bytes or a source file to copy), without writing."""
    archive = read_archive(archive_dir)
    if has_errors(archive.diagnostics, strict):
        raise BuildError(archive.diagnostics)
    settings = archive.settings
    env = make_environment(templates)
    files: dict[str, bytes | Path] = {}
    files["index.html"] = render(env, "root.html", root_context(settings))
    for script in SCRIPTS:
        converted = tuple(to_script(i, script, settings.glossary) for i in archive.interviews)
        files[f"{DIRS[script]}/index.html"] = render(env, "index.html",
                                                     index_context(converted, settings, script))
        for interview in converted:
            base = f"{DIRS[script]}/{interview.slug}"
            files[f"{base}/index.html"] = render(env, "interview.html",
                                                 interview_context(interview, settings))
            files[f"{base}/interview.json"] = interview_json(interview)
    for interview in archive.interviews:
        for image in _images(interview):
            files[f"media/{interview.slug}/{image}"] = Path(interview.folder) / image
    assets = templates / "assets"
    if assets.is_dir():
        for path in sorted(p for p in assets.rglob("*") if p.is_file()):
            files[f"assets/{path.relative_to(assets).as_posix()}"] = path
    return files, archive.interviews, archive.diagnostics


def build(archive_dir: Path | str, out: Path | str, templates: Path | str | None = None,
          strict: bool = False) -> Report:
    """Build the archive at ``archive_dir`` into ``out``; raises BuildError with all diagnostics."""
    started = time.perf_counter()
    archive_dir, out = Path(archive_dir), Path(out)
    project = archive_dir.resolve().parent
    templates = Path(templates) if templates else project / "templates"
    files, interviews, diagnostics = site_files(archive_dir, templates, strict)
    write_site(files, out, archive_dir, project)
    pages = sum(1 for name in files if name.endswith(".html"))
    return Report(out, len(interviews), pages, len(files), time.perf_counter() - started,
                  tuple(d for d in diagnostics))


def _images(interview: Interview) -> list[str]:
    from .model import Answer, Figure, Question

    found: list[str] = []

    def walk(blocks):
        for block in blocks:
            if isinstance(block, Figure) and block.image:
                found.append(block.image)
            elif isinstance(block, Question):
                for answer in block.answers:
                    walk(answer.blocks)
            elif isinstance(block, Answer):
                walk(block.blocks)

    walk(interview.lead)
    for section in interview.sections:
        walk(section.blocks)
    return sorted(set(found))
