"""Golden build: ``tests/golden/archive`` built and compared file by file with ``tests/golden/site``.

Any change to templates, assets or output shows here as a diff. After an
intended change, regenerate with ARCHIVE_REGEN=1 and read the diff.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from archive.build import build

from conftest import REGEN, TEMPLATES

GOLDEN = Path(__file__).parent / "golden"


def _tree(root: Path) -> dict[str, bytes]:
    """Every file's bytes; assets are checked against templates/assets instead of a stored copy."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.relative_to(root).parts[0] != "assets"}


def test_golden_site(tmp_path):
    archive = tmp_path / "golden" / "archive"
    shutil.copytree(GOLDEN / "archive", archive)
    out = tmp_path / "site"
    build(archive, out, TEMPLATES, search=False)  # the search bundle is binary; tests/test_search.py covers it
    actual = _tree(out)
    for asset in (TEMPLATES / "assets").iterdir():
        assert (out / "assets" / asset.name).read_bytes() == asset.read_bytes()
    if REGEN:
        shutil.rmtree(GOLDEN / "site", ignore_errors=True)
        shutil.copytree(out, GOLDEN / "site", ignore=lambda d, names: ["assets"] if Path(d) == out else [])
    expected = _tree(GOLDEN / "site")
    assert sorted(actual) == sorted(expected)
    for name in expected:
        assert actual[name].decode("utf-8", "replace") == expected[name].decode("utf-8", "replace"), name


def test_golden_site_has_both_scripts_with_identical_ids():
    import re

    hant = (GOLDEN / "site/zh-hant/ferry/index.html").read_text(encoding="utf-8")
    hans = (GOLDEN / "site/zh-hans/ferry/index.html").read_text(encoding="utf-8")
    ids = lambda html: re.findall(r'\bid="([^"]+)"', html)  # noqa: E731
    assert ids(hant) == ids(hans)
    assert all(i.isascii() for i in ids(hant))
    assert "頭髮" in hant and "头发" in hans
    assert "范曉嵐" in hant and "範曉嵐" not in hant  # the archive glossary protects the surname
