"""The sample archive in interview/: it builds cleanly and has what the README promises."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from archive.build import build
from archive.model import Figure, Narration, Question
from archive.sources import read_archive

from conftest import SAMPLE, TEMPLATES


@pytest.fixture(scope="module")
def archive():
    return read_archive(SAMPLE)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sample") / "site"
    build(SAMPLE, out, TEMPLATES)
    return out


def _figures(interview):
    found = [b for b in interview.lead if isinstance(b, Figure)]
    for section in interview.sections:
        for block in section.blocks:
            if isinstance(block, Figure):
                found.append(block)
            elif isinstance(block, Question):
                found += [b for a in block.answers for b in a.blocks if isinstance(b, Figure)]
    return found


def test_sample_has_no_diagnostics(archive):
    assert [str(d) for d in archive.diagnostics] == []


def test_sample_covers_the_format(archive):
    interviews = archive.interviews
    assert {i.source_script for i in interviews} == {"hant", "hans"}
    sections = sum(len(i.sections) for i in interviews)
    questions = sum(isinstance(b, Question) for i in interviews for s in i.sections for b in s.blocks)
    notes = [n for i in interviews for n in i.notes]
    figures = [f for i in interviews for f in _figures(i)]
    assert sections >= 8 and questions >= 25 and len(notes) >= 10 and len(figures) >= 3
    assert any(f.image is None for f in figures) and any(f.image for f in figures)
    assert any(n.references >= 2 for n in notes)
    assert any(len(i.interviewees) >= 2 for i in interviews)
    assert any(isinstance(b, Narration) for i in interviews for s in i.sections for b in s.blocks)


def test_overrides_matter_in_the_sample(site):
    hant = (site / "zh-hant/river-archive/index.html").read_text(encoding="utf-8")
    assert "范曉嵐" in hant and "範曉嵐" not in hant
    assert "于小舟" in hant and "於小舟" not in hant
    assert re.search(r'class="a-label"[^>]*>于<', hant) and re.search(r'class="a-label"[^>]*>范<', hant)
    assert "后灣" in hant and "後灣" not in hant  # the archive glossary: 后 here is a queen, not "after"


def test_every_page_exists_in_both_scripts_with_the_same_ids(site):
    for slug in ("lighthouse-keeper", "river-archive"):
        pages = [(site / d / slug / "index.html").read_text(encoding="utf-8") for d in ("zh-hant", "zh-hans")]
        ids = [re.findall(r'\bid="([^"]+)"', p) for p in pages]
        assert ids[0] == ids[1]
        assert len(ids[0]) == len(set(ids[0])), "duplicate id on a page"
        assert all(re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", i) for i in ids[0])
        assert '<html lang="zh-Hant"' in pages[0] and '<html lang="zh-Hans"' in pages[1]
        for page in pages:
            assert 'hreflang="zh-Hant"' in page and 'hreflang="zh-Hans"' in page


def test_internal_links_and_fragments_resolve(site):
    pages = sorted(site.rglob("*.html"))
    ids = {p: set(re.findall(r'\bid="([^"]+)"', p.read_text(encoding="utf-8"))) for p in pages}
    for page in pages:
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'(?:href|src)="([^"]+)"', html):
            if href.startswith(("http://", "https://", "mailto:", "data:")):
                continue
            path, _, fragment = href.partition("#")
            target = (page.parent / path).resolve() if path else page
            assert target.exists(), f"{page}: {href}"
            if fragment and target.suffix == ".html":
                assert fragment in ids[target], f"{page}: {href}"


def test_toggle_points_at_the_twin_page(site):
    for page in site.glob("zh-*/**/index.html"):
        html = page.read_text(encoding="utf-8")
        href = re.search(r'class="script-toggle" href="([^"]+)"', html).group(1)
        twin = (page.parent / href).resolve()
        rel = page.relative_to(site).as_posix()
        other = rel.replace("zh-hant", "zh-HANS").replace("zh-hans", "zh-hant").replace("zh-HANS", "zh-hans")
        assert twin == (site / other).resolve()
