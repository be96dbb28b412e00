"""The conversion engine: pinned OpenCC 1.4.2 behind one adapter, its version visible and in cache keys."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from archive import engine
from archive.cache import code_version
from archive.scripts import converter_version

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_engine_is_opencc_1_4_2():
    assert engine.engine_version() in ("opencc 1.4.2", "opencc-py 1.4.2")


def test_converter_version_names_the_engine_and_the_surname_registry():
    version = converter_version()
    assert version.startswith(engine.engine_version() + "; faker ")
    assert code_version()  # the cache key is made from it (cache.code_version calls converter_version)


def test_archive_version_prints_the_engine():
    done = subprocess.run([sys.executable, "-m", "archive", "--version"], capture_output=True, text=True,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""})
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"archive \S+ \(opencc(-py)? 1\.4\.2; faker \S+\)\n", done.stdout)


def test_an_unknown_profile_is_a_clear_error_not_a_traceback():
    with pytest.raises(engine.EngineError, match="cannot load the profile 'x2y'"):
        engine.engine("x2y")


def test_engine_instances_are_made_once_per_profile():
    assert engine.engine("s2tw") is engine.engine("s2tw")


def test_only_the_adapter_imports_opencc():
    package = ROOT / "src" / "archive"
    importers = [p.relative_to(package).as_posix() for p in sorted(package.rglob("*.py"))
                 if re.search(r"^\s*(import opencc\b|from opencc\b)", p.read_text(encoding="utf-8"), re.M)]
    assert importers == ["engine.py"]


def test_the_character_table_comes_from_the_engine_data():
    table = engine.character_table("STCharacters")
    assert table["钟"][:2] == ("鍾", "鐘") and table["范"] == ("範", "范")


def test_pyproject_picks_exactly_one_engine_on_every_platform():
    markers = pytest.importorskip("packaging.requirements")
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    assert not any(d.startswith("opencc-python-reimplemented") for d in deps)
    engines = [markers.Requirement(d) for d in deps if re.match(r"opencc(-py)?==", d)]
    assert {str(r.specifier) for r in engines} == {"==1.4.2"}
    wheels = {("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"), ("darwin", "x86_64"),
              ("win32", "AMD64")}
    for impl in ("CPython", "PyPy"):
        for py in ("3.10", "3.12", "3.14", "3.15"):
            for system, machine in wheels | {("linux", "armv7l"), ("linux", "ppc64le"), ("win32", "ARM64"),
                                             ("darwin", "i386"), ("freebsd14", "amd64")}:
                env = {"platform_python_implementation": impl, "python_version": py,
                       "sys_platform": system, "platform_machine": machine}
                chosen = [r.name for r in engines if r.marker.evaluate(env)]
                native = impl == "CPython" and py != "3.15" and (system, machine) in wheels
                assert chosen == (["opencc"] if native else ["opencc-py"]), env
