"""``archive init``: a new archive repository that builds, checks clean and carries a valid workflow."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

from archive import init as init_module
from archive.cli import main, make_parser
from archive.init import Source, init, install_source

WORKFLOW = Path(".github/workflows/archive.yml")


def _workflow(root: Path) -> dict:
    return yaml.safe_load((root / WORKFLOW).read_text(encoding="utf-8"))


def test_init_then_build_and_strict_check_succeed(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["init", "mine"]) == 0
    monkeypatch.chdir(tmp_path / "mine")
    assert sorted(p.relative_to(tmp_path / "mine").as_posix() for p in (tmp_path / "mine").rglob("*")
                  if p.is_file()) == [".github/workflows/archive.yml", ".gitignore", "README.md",
                                      "interview/archive.yml", "interview/example-postman/index.md",
                                      "interview/glossary.yml"]
    capsys.readouterr()
    assert main(["build"]) == 0
    out, err = capsys.readouterr()
    assert "warning" not in err and "error" not in err  # the example builds with zero findings
    assert main(["check", "--strict"]) == 0
    site = tmp_path / "mine" / "site"
    hant = (site / "zh-hant/example-postman/index.html").read_text(encoding="utf-8")
    hans = (site / "zh-hans/example-postman/index.html").read_text(encoding="utf-8")
    assert "霧溪郵局" in hant and "雾溪邮局" in hans and "郵" not in hans.split("<body", 1)[1].split("script-toggle")[0]
    assert 'class="figure caption-only"' in hant and 'role="doc-noteref"' in hant and 'class="qa"' in hant
    settings = (tmp_path / "mine/interview/archive.yml").read_text(encoding="utf-8")
    assert "\n# base_url: https://" in settings and "title:" in settings and "description:" in settings


def test_init_refuses_a_folder_that_holds_anything(tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("keep me", encoding="utf-8")
    assert main(["init", str(tmp_path / "full")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["init", str(tmp_path / "file")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["init", str(tmp_path / "empty")]) == 0


def test_workflow_runs_only_commands_archive_has(tmp_path):
    init(tmp_path / "repo", Source("archive @ git+https://github.com/example/archive@v1", "test"))
    steps = _workflow(tmp_path / "repo")["jobs"]["build"]["steps"]
    commands = [line.strip() for step in steps for line in step.get("run", "").splitlines()
                if line.strip().startswith("archive ")]
    assert commands == ["archive check --strict --format github", "archive build --quiet --out public"]
    for command in commands:
        make_parser().parse_args(shlex.split(command)[1:])  # exits (SystemExit) on an unknown option
    uses = [step.get("uses", "").split("@")[0] for job in _workflow(tmp_path / "repo")["jobs"].values()
            for step in job["steps"]]
    for action in ("actions/checkout", "actions/setup-python", "actions/cache", "actions/configure-pages",
                   "actions/upload-pages-artifact", "actions/deploy-pages"):
        assert action in uses
    cache = next(step for step in steps if step.get("uses", "").startswith("actions/cache"))["with"]
    assert cache["path"] == ".archive-cache" and cache["restore-keys"].strip() == "archive-cache-${{ runner.os }}-"
    install = next(step for step in steps if step.get("name") == "Install archive")
    assert install["env"]["ARCHIVE_PIP_SPEC"] == "archive @ git+https://github.com/example/archive@v1"
    assert "example.org" not in (tmp_path / "repo" / WORKFLOW).read_text(encoding="utf-8")


def test_workflow_reads_a_repository_variable_when_the_source_is_unknown(tmp_path):
    init(tmp_path / "repo", Source(None, "installed from a local folder"))
    steps = _workflow(tmp_path / "repo")["jobs"]["build"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install archive")
    assert install["env"]["ARCHIVE_PIP_SPEC"] == "${{ vars.ARCHIVE_PIP_SPEC }}"
    assert 'if [ -z "$ARCHIVE_PIP_SPEC" ]' in install["run"]
    assert "ARCHIVE_PIP_SPEC" in (tmp_path / "repo" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", [None, "archive @ git+https://github.com/example/archive@v1"])
def test_workflow_is_valid_against_the_github_workflow_schema(tmp_path, spec):
    schema_check = pytest.importorskip("check_jsonschema.cli.main_command")
    init(tmp_path / "repo", Source(spec, "test"))
    path = tmp_path / "repo" / WORKFLOW
    with pytest.raises(SystemExit) as done:
        schema_check.main(["--builtin-schema", "vendor.github-workflows", str(path)])
    assert done.value.code == 0
    broken = tmp_path / "broken.yml"
    broken.write_text(path.read_text(encoding="utf-8").replace("runs-on:", "runs_on:"), encoding="utf-8")
    with pytest.raises(SystemExit) as done:
        schema_check.main(["--builtin-schema", "vendor.github-workflows", str(broken)])
    assert done.value.code == 1  # the validator does fail a broken workflow


class _Dist:
    def __init__(self, record: dict | None, version: str = "0.1.0"):
        self.record, self.version = record, version

    def read_text(self, name: str) -> str | None:
        return None if self.record is None else json.dumps(self.record)


@pytest.mark.parametrize("record, expected", [
    ({"url": "https://github.com/example/archive", "vcs_info": {"vcs": "git", "commit_id": "abc123"}},
     "archive @ git+https://github.com/example/archive@abc123"),
    (None, None),  # not "archive==0.1.0": that name on PyPI is another project
    ({"url": "https://example.net/archive-0.1.0-py3-none-any.whl", "archive_info": {}},
     "archive @ https://example.net/archive-0.1.0-py3-none-any.whl"),
    ({"url": "file:///tmp/w/archive-0.1.0-py3-none-any.whl", "archive_info": {}}, None),
    ({"url": "file:///home/me/archive", "dir_info": {"editable": True}}, None),
])
def test_install_source_from_the_installation_record(monkeypatch, record, expected):
    monkeypatch.setattr(init_module.importlib.metadata, "distribution", lambda name: _Dist(record))
    assert install_source().spec == expected
    assert install_source("archive==9").spec == "archive==9"
