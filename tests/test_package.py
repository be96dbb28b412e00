"""The package carries its site: a real wheel, installed in a fresh virtualenv, builds an archive anywhere.

Also the override rule: an archive's own ``templates/`` replaces the
package's files one by one, and the cache notices a change on either side.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from archive.build import build
from archive.render import package_templates, template_folders

from conftest import REPO, SAMPLE

SOURCES = ("pyproject.toml", "README.md", "src", "templates")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built by pip from a copy of the repository's sources (the repository stays untouched)."""
    root = tmp_path_factory.mktemp("package")
    tree = root / "source"
    tree.mkdir()
    for name in SOURCES:
        (shutil.copytree if (REPO / name).is_dir() else shutil.copy)(
            REPO / name, tree / name, **({"ignore": shutil.ignore_patterns("__pycache__", "*.egg-info")}
                                       if (REPO / name).is_dir() else {}))
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "-w", str(root / "dist"), "--no-deps",
                           "-q"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    [found] = (root / "dist").glob("archive-*.whl")
    return found


def test_wheel_holds_every_default_template_and_the_scaffold(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"archive/templates/{p.relative_to(REPO / 'templates').as_posix()}"
                for p in (REPO / "templates").rglob("*") if p.is_file()}
    assert expected and expected <= names
    scaffold = REPO / "src/archive/scaffold"
    assert {f"archive/scaffold/{p.name}" for p in scaffold.iterdir() if p.is_file()} <= names


@pytest.mark.slow
def test_fresh_virtualenv_init_build_check_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    # The dependencies come from the environment running the tests (no download): its site folders
    # join the new one's path through a .pth file, whose own .pth files (an editable archive) stay inert.
    purelib = subprocess.run([str(bin_dir / "python"), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "machine-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n", encoding="utf-8")
    # --ignore-installed: an archive in the system site-packages (an editable checkout) is not this wheel
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    "--ignore-installed", str(wheel)], check=True, timeout=300)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    work = tmp_path / "empty"
    work.mkdir()

    def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)

    where = run("python", "-c", "import archive; print(archive.__file__)", cwd=work)
    assert where.stdout.strip().startswith(str(venv)), where.stdout  # not this repository's source
    assert run("archive", "init", "mine", cwd=work).returncode == 0
    mine = work / "mine"
    built = run("archive", "build", cwd=mine)
    assert built.returncode == 0, built.stderr
    checked = run("archive", "check", "--strict", cwd=mine)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for script in ("zh-hant", "zh-hans"):
        assert (mine / "site" / script / "example-postman" / "index.html").is_file()
        assert (mine / "site" / script / "index.html").is_file()
    assert (mine / "site" / "assets" / "style.css").read_bytes() == (REPO / "templates/assets/style.css").read_bytes()
    # the sample archive, kept in a subfolder of a repository that holds nothing else
    shutil.copytree(SAMPLE, tmp_path / "newsroom" / "content" / "interview")
    other = run("archive", "build", "--archive", "content/interview", "--out", "public", cwd=tmp_path / "newsroom")
    assert other.returncode == 0, other.stderr
    assert "Traceback" not in other.stderr


def test_override_folder_replaces_files_one_by_one(tmp_path):
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project / "interview")
    out = tmp_path / "site"
    build(project / "interview", out)  # no templates/ beside the archive: the package's defaults
    assert template_folders(project / "templates") == (project / "templates", package_templates())
    default_root = (out / "index.html").read_bytes()
    default_page = (out / "zh-hant/ferry-radio/index.html").read_bytes()
    (project / "templates" / "assets").mkdir(parents=True)
    root = (package_templates() / "root.html").read_text(encoding="utf-8")
    (project / "templates" / "root.html").write_text(root.replace("<body class=\"root\"", "<body class=\"root\" data-house=\"ours\""),
                                                     encoding="utf-8")
    (project / "templates" / "assets" / "house.css").write_text("body { color: #123; }\n", encoding="utf-8")
    report = build(project / "interview", out)  # in the same process: the environment notices the new file
    assert b'data-house="ours"' in (out / "index.html").read_bytes() != default_root
    assert (out / "zh-hant/ferry-radio/index.html").read_bytes() == default_page  # not overridden: the package's
    assert (out / "assets/house.css").is_file() and (out / "assets/style.css").is_file()
    assert report.written and "index.html" in report.written
    # an asset of the same name replaces the package's
    (project / "templates" / "assets" / "style.css").write_text("/* ours */\n", encoding="utf-8")
    build(project / "interview", out)
    assert (out / "assets/style.css").read_text(encoding="utf-8") == "/* ours */\n"
    # removing the override brings the default back (the cache key covers the override folder)
    (project / "templates" / "root.html").unlink()
    build(project / "interview", out)
    assert (out / "index.html").read_bytes() == default_root


def test_a_change_to_the_package_defaults_is_seen_through_the_cache(tmp_path, monkeypatch):
    import archive.render as render

    defaults = tmp_path / "defaults"
    shutil.copytree(REPO / "templates", defaults)
    monkeypatch.setattr(render, "package_templates", lambda: defaults)
    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project / "interview")
    build(project / "interview", tmp_path / "site")
    page = defaults / "interview.html"
    page.write_text(page.read_text(encoding="utf-8").replace("<main id=\"main\">", "<main id=\"main\" data-v=\"2\">"),
                    encoding="utf-8")
    report = build(project / "interview", tmp_path / "site")
    assert "zh-hant/ferry-radio/index.html" in report.written
    assert b'data-v="2"' in (tmp_path / "site/zh-hant/ferry-radio/index.html").read_bytes()


def test_archive_yml_names_the_override_folder(tmp_path, capsys, monkeypatch):
    from archive.cli import main

    project = tmp_path / "project"
    shutil.copytree(SAMPLE, project / "interview")
    settings = project / "interview" / "archive.yml"
    settings.write_text(settings.read_text(encoding="utf-8") + "templates: ../theme\n", encoding="utf-8")
    monkeypatch.chdir(project)
    assert main(["build", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "names the templates folder '../theme', which is not a folder" in err and "Traceback" not in err
    (project / "theme" / "assets").mkdir(parents=True)
    (project / "theme" / "assets" / "style.css").write_text("/* the newsroom's */\n", encoding="utf-8")
    assert main(["build", "--quiet"]) == 0
    assert (project / "site/assets/style.css").read_text(encoding="utf-8") == "/* the newsroom's */\n"
    assert (project / "site/assets/app.js").read_bytes() == (REPO / "templates/assets/app.js").read_bytes()
    assert main(["check", "--strict", "--quiet"]) == 0
