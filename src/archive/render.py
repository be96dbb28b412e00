"""The Jinja environment, the templates it reads, and the rendering of contexts to page bytes.

Owns template loading: the package's default site (``archive/templates`` in
an installed package, the repository's top-level ``templates/`` in a source
checkout) overridden file by file by an archive's own folder (``templates/``
beside the archive, ``templates:`` in archive.yml or ``--templates``: a
chain of loaders, the override folder first), assets likewise; the cache
keys covering both (the interview page's and the site-wide pages' each over
the templates they can read); autoescape on for every template and
``StrictUndefined`` so a misspelt variable fails the build instead of
printing nothing; and the normalisation that keeps output byte-identical
between builds.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Iterable

import jinja2
from jinja2 import meta

from .cache import digest
from .errors import ArchiveError
from .jinjaenv import Environment, Fields

__all__ = ["Fields", "make_environment", "render"]  # Fields: what the templates' dicts are (context.py)

TEMPLATES_DIR = "templates"
"""The override folder's name beside the archive folder, and the package's data folder."""
ASSETS_DIR = "assets"
INTERVIEW_PAGE = "interview.html"
"""The template of every interview's page; the site-wide pages are made from other templates."""
BODY_TEMPLATE = "blocks.html"
"""The macros that render an interview's blocks (its views) and the archive index's entries."""


def package_templates() -> Path:
    """The default templates: ``archive/templates`` in an installed package.

    A source checkout run with ``PYTHONPATH=src`` (or an editable install)
    has no such folder inside ``src/archive``; there the defaults are the
    repository's own ``templates/``, which the wheel maps into the package.
    """
    shipped = importlib.resources.files("archive") / TEMPLATES_DIR
    if shipped.is_dir():
        return Path(str(shipped))
    return Path(__file__).resolve().parents[2] / TEMPLATES_DIR


def override_folder(named: Path | str | None, archive_dir: Path | str, setting: str | None) -> Path:
    """The archive's own templates folder: ``--templates``, else ``templates:`` in archive.yml
    (relative to the archive folder), else ``templates/`` beside the archive folder.

    Raises ArchiveError when archive.yml names a folder that does not exist.
    """
    if named:
        return Path(named)
    archive_dir = Path(archive_dir)
    if setting:
        folder = archive_dir / setting
        if not folder.is_dir():
            raise ArchiveError(f"{archive_dir / 'archive.yml'} names the templates folder '{setting}', "
                               f"which is not a folder ({folder}); create it or remove the line")
        return folder
    return archive_dir.resolve().parent / TEMPLATES_DIR


def template_folders(override: Path | str | None) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: the archive's own folder, then the package's.

    ``override`` is the archive's ``templates/`` folder (or one named by the
    user); it stays in the chain while it does not exist, so that a file
    added to it later is seen by a long-lived environment (``archive serve``).
    """
    defaults = package_templates()
    if override is None or Path(override).resolve() == defaults.resolve():
        return (defaults,)
    return (Path(override), defaults)


class ChainLoader(jinja2.BaseLoader):
    """Jinja's ``ChoiceLoader`` over folders, whose templates also go stale when an earlier folder gains the file.

    (A plain ``ChoiceLoader`` keeps serving the package's ``base.html`` after
    the archive adds its own, as long as the package's file is unchanged.)
    """

    def __init__(self, folders: tuple[Path, ...]):
        self.folders = folders
        self.loaders = [jinja2.FileSystemLoader(str(folder)) for folder in folders]

    def get_source(self, environment: jinja2.Environment, template: str):
        for i, loader in enumerate(self.loaders):
            try:
                source, filename, uptodate = loader.get_source(environment, template)
            except jinja2.TemplateNotFound:
                continue
            earlier = self.folders[:i]

            def fresh(uptodate=uptodate, earlier=earlier) -> bool:
                return bool(uptodate and uptodate()) and not any((f / template).is_file() for f in earlier)
            return source, filename, fresh
        raise jinja2.TemplateNotFound(template)

    def list_templates(self) -> list[str]:
        return sorted({name for loader in self.loaders for name in loader.list_templates()})


def template_files(override: Path | str | None, under: str | None = None) -> dict[str, Path]:
    """Relative path → the file the chain resolves it to (an override's file wins), sorted.

    ``under`` keeps only the files in that top folder (e.g. ``assets``).
    """
    found: dict[str, Path] = {}
    for folder in reversed(template_folders(override)):
        root = folder / under if under else folder
        if root.is_dir():
            for path in root.rglob("*"):
                if path.is_file():
                    found[path.relative_to(root).as_posix()] = path
    return dict(sorted(found.items()))


def templates_key(override: Path | str | None, only: tuple[str, ...] = (),
                  skip: tuple[str, ...] = (ASSETS_DIR,)) -> str:
    """A hash of the templates a build reads: each resolved file's path and bytes.

    Covers the override folder and the package's defaults alike (editing
    either changes the key). ``only`` restricts it to some top-level names
    (``blocks.html``, ``labels``); assets are copied, never rendered, so they
    are skipped by default.
    """
    parts: list[bytes | str] = []
    for rel, path in template_files(override).items():
        top = rel.split("/", 1)[0]
        if top not in skip and (not only or top in only):
            parts += [rel, path.read_bytes()]
    return digest(*parts)


def _sources(override: Path | str | None) -> dict[str, bytes]:
    """Relative path → bytes of every template file the chain resolves (not the assets)."""
    return {rel: path.read_bytes() for rel, path in template_files(override).items()
            if rel.split("/", 1)[0] != ASSETS_DIR}


_REFERENCES: dict[tuple[str, str], frozenset[str] | None] = {}
"""(template path, digest of its bytes) → the templates it names (see :func:`_references`), in this process."""
REFERENCES_KIND = "templates"
"""The cache entry holding every template's references, keyed by all the templates' bytes."""


def _references(rel: str, data: bytes) -> frozenset[str] | None:
    """The templates one template extends, includes or imports, from its syntax; None when it names
    one by a variable or does not parse. Parsed once per process and bytes."""
    memo = (rel, digest(data))
    if memo not in _REFERENCES:
        try:
            names = set(meta.find_referenced_templates(jinja2.Environment().parse(data.decode("utf-8"))))
        except (jinja2.TemplateSyntaxError, UnicodeDecodeError):
            names = {None}
        _REFERENCES[memo] = None if None in names else frozenset(n for n in names if isinstance(n, str))
    return _REFERENCES[memo]


def _remember_references(sources: dict[str, bytes], cache: Any) -> None:
    """Fill this process's memo of the templates' references from the cache, one small entry per
    template and its bytes (so a build parses only the templates changed since the last: each parse
    costs 5-10 ms), parsing and storing the others. An entry is plain data and checked: a damaged or
    foreign one is parsed again."""
    if cache is None:
        return
    for rel, data in sources.items():
        memo = (rel, digest(data))
        if not rel.endswith(".html") or memo in _REFERENCES:
            continue
        key = digest("references", jinja2.__version__, rel, data)
        found = cache.get(REFERENCES_KIND, key)
        if isinstance(found, dict) and set(found) == {"names"} and (found["names"] is None or (
                isinstance(found["names"], list) and all(isinstance(n, str) for n in found["names"]))):
            _REFERENCES[memo] = None if found["names"] is None else frozenset(found["names"])
            continue
        names = _references(rel, data)
        cache.put(REFERENCES_KIND, key, {"names": None if names is None else sorted(names)})


def _reachable(sources: dict[str, bytes], roots: Iterable[str]) -> set[str] | None:
    """The templates ``roots`` read: themselves and every template they extend, include or import,
    found in their syntax; None when one names a template by a variable or does not parse (then
    any template may be read)."""
    seen: set[str] = set()
    todo = [root for root in roots if root in sources]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        names = _references(name, sources[name])
        if names is None:
            return None
        todo += names
    return seen


def reachable(override: Path | str | None, roots: Iterable[str], cache: Any = None) -> set[str] | None:
    """:func:`_reachable` over the templates folder ``override`` (and the package's)."""
    sources = _sources(override)
    _remember_references(sources, cache)
    return _reachable(sources, roots)


def page_templates_key(override: Path | str | None, roots: tuple[str, ...] = (INTERVIEW_PAGE, BODY_TEMPLATE),
                       cache: Any = None) -> str:
    """A hash of what pages made from the templates ``roots`` read: those templates, every template
    they reach (see :func:`_reachable`) and every file that is not a template (labels); the whole
    folder when that cannot be told. Editing the archive index's template leaves this key as it was.
    ``cache``: the build cache, where the templates' references are kept (see :func:`_remember_references`)."""
    sources = _sources(override)
    _remember_references(sources, cache)
    read = _reachable(sources, roots)
    return _key({rel: data for rel, data in sources.items()
                 if read is None or not rel.endswith(".html") or rel in read})


def site_templates_key(override: Path | str | None, cache: Any = None) -> str:
    """A hash of what the site-wide pages read of the templates: all of them but the interview
    page's, unless another template reaches that one (or any template could: see :func:`_reachable`).
    Editing the interview page's template leaves this key as it was."""
    sources = _sources(override)
    _remember_references(sources, cache)
    others = _reachable(sources, [rel for rel in sources if rel.endswith(".html") and rel != INTERVIEW_PAGE])
    return _key({rel: data for rel, data in sources.items()
                 if rel != INTERVIEW_PAGE or others is None or INTERVIEW_PAGE in others})


def _key(sources: dict[str, bytes]) -> str:
    parts: list[bytes | str] = []
    for rel, data in sources.items():
        parts += [rel, data]
    return digest(*parts)


def asset_files(override: Path | str | None) -> dict[str, Path]:
    """Asset path (relative to ``assets/``) → the file to copy; an override's file wins."""
    return template_files(override, ASSETS_DIR)


def make_environment(override: Path | str | None) -> jinja2.Environment:
    """An environment reading the archive's templates, then the package's; every template is autoescaped.

    Templates are compiled in each process that renders (a pool's workers are
    forked after the parent loaded them): never from compiled code kept on
    disk, which a file planted in the cache could replace with any code.
    """
    loader = ChainLoader(template_folders(override))
    env = Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    from .typography import phrases

    env.filters["phrases"] = phrases  # {{ title | phrases(page.script) }}: <wbr> at phrase boundaries
    return env


def preload(env: jinja2.Environment, override: Path | None, cache: Any = None) -> None:
    """Compile the templates an interview page reads (all of them when that cannot be told).
    ``cache``: where the templates' references are kept (see :func:`_remember_references`)."""
    names = reachable(override, (INTERVIEW_PAGE, BODY_TEMPLATE), cache)
    for name in sorted(names if names is not None else (n for n in env.list_templates() if n.endswith(".html"))):
        try:
            env.get_template(name)
        except jinja2.TemplateError:
            pass  # reported where a page renders it, with its line


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    """Render one page to UTF-8 bytes with Unix newlines."""
    return env.get_template(template).render(**context).encode("utf-8")
