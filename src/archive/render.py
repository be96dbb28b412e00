"""The Jinja environment, the templates it reads, and the rendering of contexts to page bytes.

Owns template loading: the package's default site (``archive/templates`` in
an installed package, the repository's top-level ``templates/`` in a source
checkout) overridden file by file by an archive's own ``templates/`` folder
(a Jinja ``ChoiceLoader``: the override folder first), assets likewise; the
cache key covering both; autoescape on for every template and
``StrictUndefined`` so a misspelt variable fails the build instead of
printing nothing; and the normalisation that keeps output byte-identical
between builds.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any, Sequence

import jinja2

from .cache import digest, tree_hash

TEMPLATES_DIR = "templates"
"""The override folder's name beside the archive folder, and the package's data folder."""
ASSETS_DIR = "assets"


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


def template_folders(override: Path | str | None, archive_dir: Path | str) -> tuple[Path, ...]:
    """Where templates are looked up, first match wins: the override, then the package's defaults.

    ``override`` is a folder named by the user; without one, ``templates/``
    beside the archive folder is used when it exists. A missing folder is
    skipped (the command line refuses a ``--templates`` that does not exist).
    """
    folder = Path(override) if override else Path(archive_dir).resolve().parent / TEMPLATES_DIR
    defaults = package_templates()
    chain = [folder] if folder.is_dir() and folder.resolve() != defaults.resolve() else []
    return tuple(chain + [defaults])


def _folders(templates: Path | str | Sequence[Path | str]) -> tuple[Path, ...]:
    if isinstance(templates, (str, Path)):
        return (Path(templates),)
    return tuple(Path(t) for t in templates)


def templates_key(templates: Path | str | Sequence[Path | str]) -> str:
    """A hash of every template (not asset) in every folder of the chain, in order."""
    return digest(*(tree_hash(folder, skip=(ASSETS_DIR,)) for folder in _folders(templates)))


def template_source(templates: Path | str | Sequence[Path | str], name: str) -> bytes:
    """The bytes of the template ``name`` that the chain resolves to (empty if none has it)."""
    for folder in _folders(templates):
        if (folder / name).is_file():
            return (folder / name).read_bytes()
    return b""


def asset_files(templates: Path | str | Sequence[Path | str]) -> dict[str, Path]:
    """Asset path (relative to ``assets/``) → the file to copy; an override's file wins."""
    found: dict[str, Path] = {}
    for folder in reversed(_folders(templates)):
        assets = folder / ASSETS_DIR
        if assets.is_dir():
            for path in sorted(p for p in assets.rglob("*") if p.is_file()):
                found[path.relative_to(assets).as_posix()] = path
    return dict(sorted(found.items()))


def make_environment(templates: Path | str | Sequence[Path | str], cache: Path | None = None) -> jinja2.Environment:
    """An environment reading the folders of ``templates`` in order; every template is autoescaped.

    With ``cache`` (the build cache folder), compiled templates are kept there
    (Jinja checks each template's source before using its compiled form).
    """
    bytecode = None
    if cache is not None:
        folder = Path(cache) / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        bytecode = jinja2.FileSystemBytecodeCache(str(folder))
    loader = jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(f)) for f in _folders(templates)])
    return jinja2.Environment(
        loader=loader,
        bytecode_cache=bytecode,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def render(env: jinja2.Environment, template: str, context: dict[str, Any]) -> bytes:
    """Render one page to UTF-8 bytes with Unix newlines."""
    return env.get_template(template).render(**context).encode("utf-8")
