"""``archive init DIR``: a new archive repository, ready to build, check and publish.

Owns the scaffold (the files under ``archive/scaffold/`` in the package: the
archive's settings and glossary, one short invented example interview, a
``.gitignore``, a README and a GitHub Actions workflow) and the one fact the
workflow needs that only this machine knows: how ``archive`` was installed,
so that CI installs the same thing. It writes into an empty or new folder
only and never overwrites or deletes anything.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import ArchiveError

EXAMPLE_SLUG = "example-postman"
SPEC_VARIABLE = "vars.ARCHIVE_PIP_SPEC"
"""The repository variable the workflow reads when the install source is not known here."""

FILES = (
    ("archive.yml", "interview/archive.yml"),
    ("glossary.yml", "interview/glossary.yml"),
    ("example.md", f"interview/{EXAMPLE_SLUG}/index.md"),
    ("gitignore", ".gitignore"),
    ("README.md", "README.md"),
    ("workflow.yml", ".github/workflows/archive.yml"),
)
"""(scaffold file in the package, where it goes in the new repository)."""


@dataclass(frozen=True)
class Source:
    """How CI should install ``archive``: a pip requirement, or None when this machine cannot tell."""

    spec: str | None
    how: str
    """Where the answer came from, for the message init prints."""


def install_source(explicit: str | None = None) -> Source:
    """The pip requirement that installs the ``archive`` running now.

    PEP 610's ``direct_url.json`` records where a distribution was installed
    from: a VCS URL and commit (``pip install git+https://…``) gives
    ``archive @ git+URL@COMMIT``, reproducible in CI; an https URL of a
    wheel or archive is kept as it is. A local folder or wheel file cannot be
    reached from CI, and without a record nothing says where it came from:
    ``archive`` is not on PyPI (the name there is another project's), so
    ``archive==VERSION`` would install the wrong thing. Then the answer is
    None: the workflow reads a repository variable, and init says so.
    """
    if explicit:
        return Source(explicit, "--source")
    try:
        dist = importlib.metadata.distribution("archive")
    except importlib.metadata.PackageNotFoundError:
        return Source(None, "archive is run from a source checkout, not an installed package")
    record = dist.read_text("direct_url.json")
    if record is None:
        return Source(None, "the installation does not record where it came from")
    try:
        data = json.loads(record)
        url, vcs = data["url"], data.get("vcs_info")
    except (ValueError, KeyError, TypeError):
        return Source(None, "the installation record (direct_url.json) cannot be read")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and not str(url).startswith("file:"):
        commit = vcs.get("commit_id")
        return Source(f"archive @ git+{url}" + (f"@{commit}" if commit else ""), "installed from git")
    if isinstance(url, str) and url.startswith(("https://", "http://")):
        return Source(f"archive @ {url}", "installed from a URL")
    return Source(None, f"installed from {url}, which CI cannot reach")


def _scaffold(name: str) -> str:
    return (importlib.resources.files("archive") / "scaffold" / name).read_text(encoding="utf-8")


def _fill(name: str, source: Source) -> str:
    text = _scaffold(name)
    if name == "workflow.yml":
        value = json.dumps(source.spec) if source.spec else "${{ " + SPEC_VARIABLE + " }}"
        text = text.replace("@SPEC@", value)
    elif name == "README.md":
        if source.spec:
            note = (f"The workflow installs `{source.spec}`; to change it, edit the `ARCHIVE_PIP_SPEC` "
                    "line in the workflow.")
        else:
            note = ("The workflow installs the pip requirement in the repository variable "
                    "`ARCHIVE_PIP_SPEC` (Settings → Secrets and variables → Actions → Variables): "
                    "set it to the requirement you install `archive` with, `archive @ git+` and the "
                    "URL of the repository you got it from.")
        text = text.replace("@INSTALL_NOTE@", note)
    return text


def init(target: Path | str, source: Source) -> list[Path]:
    """Write the scaffold into ``target`` (new or empty); returns the files written.

    Raises ArchiveError, writing nothing, when ``target`` is a file or a
    folder that holds anything.
    """
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise ArchiveError(f"{target} is a file; give a new or empty folder")
    if target.is_dir() and any(target.iterdir()):
        raise ArchiveError(f"{target} is not empty; archive init writes only into a new or empty folder")
    contents = [(target / rel, _fill(name, source)) for name, rel in FILES]  # read all before writing
    written = []
    for path, text in contents:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8", newline="\n") as f:
            f.write(text)
        written.append(path)
    return written
