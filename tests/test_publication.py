"""The publication: search records, people and notes indexes, year pages, feeds, sitemap, sharing, typography."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path
from xml.etree import ElementTree as ET

import lxml.html
import pytest

from archive.build import build, plan_site
from archive.errors import BuildError
from archive.search import cut
from archive.sharing import json_ld
from archive.sorting import slug, sort_key
from archive.typography import phrases, phrases_as

from conftest import SAMPLE, TEMPLATES

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pub") / "site"
    build(SAMPLE, out, TEMPLATES, cache_dir=False)
    return out


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# --- search ---------------------------------------------------------------


def test_text_is_cut_into_bigrams_plus_each_runs_last_character():
    assert cut("這是一段，") == "這是 是一 一段 段x ，"
    assert cut("用GPS定位") == "用x GPS 定位 位x"
    assert cut("一") == "一x"


def test_each_script_has_its_own_bundle_and_a_table_of_differing_characters(sample_site):
    for folder in ("zh-hant", "zh-hans"):
        entry = json.loads(_text(sample_site / folder / "pagefind/pagefind-entry.json"))
        assert list(entry["languages"]) == ["en"]
        assert entry["languages"]["en"]["page_count"] == len(list(SAMPLE.glob("*/index.md")))
        assert json.loads(_text(sample_site / folder / "pagefind/search.json"))["shards"] == []  # one shard
    hant = json.loads(_text(sample_site / "zh-hant/pagefind/search.json"))
    hans = json.loads(_text(sample_site / "zh-hans/pagefind/search.json"))
    to_hant = dict(zip(hant["from"], hant["to"]))
    to_hans = dict(zip(hans["from"], hans["to"]))
    assert to_hant["书"] == "書" and to_hant["轮"] == "輪" and to_hans["輪"] == "轮"
    assert all(a != b for a, b in to_hant.items())
    assert "台" not in to_hant  # the Traditional text uses 台 itself (岸台): never rewritten to 臺
    assert not (sample_site / "zh-hant/pagefind/pagefind-ui.js").exists()


def test_a_no_op_rebuild_does_not_run_pagefind(tmp_path, monkeypatch):
    import archive.search as search

    shutil.copytree(SAMPLE, tmp_path / "interview")
    shutil.copytree(TEMPLATES, tmp_path / "templates")
    build(tmp_path / "interview", tmp_path / "site")
    runs = []
    real = search._run_pagefind
    monkeypatch.setattr(search, "_run_pagefind", lambda wanted: runs.append(1) or real(wanted))
    report = build(tmp_path / "interview", tmp_path / "site")
    assert runs == [] and report.written == ()
    source = tmp_path / "interview/river-archive/index.md"
    source.write_text(_text(source).replace("一号藏品", "头号藏品"), encoding="utf-8")
    report = build(tmp_path / "interview", tmp_path / "site")
    assert runs == [1, 1] and any("/pagefind/" in rel for rel in report.written)  # one shard per script


def test_no_search_builds_no_bundle(tmp_path):
    build(SAMPLE, tmp_path / "site", TEMPLATES, cache_dir=False, search=False)
    assert not (tmp_path / "site/zh-hant/pagefind").exists()
    assert (tmp_path / "site/zh-hant/people/index.html").is_file()


# --- people and notes -------------------------------------------------------


def _ids(html: str) -> list[str]:
    return re.findall(r'<li class="person-entry" id="([^"]+)"', html)


def test_people_index_lists_everyone_once_with_links_in_both_scripts(sample_site):
    hant = _text(sample_site / "zh-hant/people/index.html")
    hans = _text(sample_site / "zh-hans/people/index.html")
    assert _ids(hant) and sorted(_ids(hant)) == sorted(_ids(hans))
    assert len(_ids(hant)) == len(set(_ids(hant)))
    assert all(re.fullmatch(r"p-[a-z0-9-]+", i) for i in _ids(hant))
    # 周未晚 edits two interviews: one entry, both interviews linked
    entry = lxml.html.fromstring(hans).get_element_by_id("p-zhouweiwan")
    assert entry.findtext(".//h3") == "周未晚"
    assert len(entry.findall(".//ul[@class='person-interviews']/li/a")) == len(list(SAMPLE.glob("*/index.md")))
    # every name on an interview page links to an entry that exists
    page = _text(sample_site / "zh-hant/lighthouse-keeper/index.html")
    for target in re.findall(r'href="\.\./people/index\.html#([^"]+)"', page):
        assert f'id="{target}"' in hant


def test_people_sort_by_zhuyin_in_traditional_and_pinyin_in_simplified():
    names = ["王大明", "范曉嵐", "陳小華", "Anna"]
    assert sorted(names, key=lambda n: sort_key(n, "hant")) == ["范曉嵐", "陳小華", "王大明", "Anna"]  # ㄈ ㄔ ㄨ
    assert sorted(names, key=lambda n: sort_key(n, "hans")) == ["陳小華", "范曉嵐", "王大明", "Anna"]  # c f w
    assert slug("伊萊亞斯·莫羅", "p") == slug("伊莱亚斯·莫罗", "p") == "p-yilaiyasi-moluo"


def test_notes_index_groups_the_same_term_from_several_interviews(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "interview")
    source = tmp_path / "interview/ferry-radio/index.md"
    other = _text(tmp_path / "interview/lighthouse-keeper/index.md")
    assert "問：霧笛[^foghorn]" in other  # the sample explains 霧笛 in lighthouse-keeper
    text = _text(source)
    assert "後來霧夜實在太長" in text
    text = text.replace("後來霧夜實在太長", "後來霧笛[^horn]實在太長") + "\n[^horn]: 霧笛是岸台旁的另一具霧笛。\n"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "site"
    build(tmp_path / "interview", out, TEMPLATES, cache_dir=False, search=False)
    for folder in ("zh-hant", "zh-hans"):
        html = _text(out / folder / "notes/index.html")
        group = html.split('id="t-wudi"', 1)[1].split('class="term-entry"', 1)[0]
        assert "ferry-radio/index.html#n-horn" in group and "lighthouse-keeper/index.html#n-" in group


def test_reserved_slugs_are_an_error(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "interview")
    shutil.move(tmp_path / "interview/ferry-radio", tmp_path / "interview/people")
    source = tmp_path / "interview/people/index.md"
    source.write_text(_text(source).replace("slug: ferry-radio", "slug: people"), encoding="utf-8")
    with pytest.raises(BuildError) as failure:
        plan_site(tmp_path / "interview", TEMPLATES, cache_dir=False, search=False)
    assert any(str(d.code).endswith("ID001") and "people" in d.message for d in failure.value.diagnostics)


# --- the index at scale -----------------------------------------------------


def test_index_stays_small_at_a_thousand_interviews(sample_site):
    from archive.pages import SiteInput
    from archive.render import make_environment
    from archive.summary import Summary
    from archive.years import index_pages, year_pages
    import datetime as dt

    plan = plan_site(SAMPLE, TEMPLATES, cache_dir=False, search=False)
    env = make_environment(TEMPLATES)
    # the sample's summaries, copied to 1,000 interviews over 16 years
    import archive.build as b

    captured = {}
    real = b.site_pages
    b.site_pages = lambda site, ctx: captured.setdefault("site", site) and {}
    try:
        plan_site(SAMPLE, TEMPLATES, cache_dir=False, search=False)
    finally:
        b.site_pages = real
    site = captured["site"]
    many = {}
    for script, summaries in site.summaries.items():
        many[script] = tuple(dataclasses.replace(summaries[i % len(summaries)], slug=f"s-{i:04d}",
                                                 date=dt.date(2026 - i // 63, 1 + i % 12, 1 + i % 28))
                             for i in range(1000))
        many[script] = tuple(sorted(many[script], key=lambda s: (-s.date.toordinal(), s.slug)))
    big = SiteInput(site.settings, env, "big", lambda: many, site.passages)
    index = index_pages(big)
    assert all(len(data) < 100_000 for data in index.values()), {k: len(v) for k, v in index.items()}
    years = year_pages(big)
    hant = index["zh-hant/index.html"].decode()
    listed = set(re.findall(r'href="(\d{4})/index.html"', hant))
    assert listed == {rel.split("/")[1] for rel in years if rel.startswith("zh-hant/")} and len(listed) == 16
    assert sum(len(re.findall(r'class="entry"', years[r].decode())) for r in years if r.startswith("zh-hant/")) == 1000
    assert plan.files  # the sample itself still builds


# --- feeds, sitemap, robots, 404, sharing -------------------------------------


def test_atom_feeds_are_valid(sample_site):
    for folder, lang in (("zh-hant", "zh-Hant"), ("zh-hans", "zh-Hans")):
        root = ET.parse(sample_site / folder / "feed.xml").getroot()
        assert root.tag == f"{ATOM}feed"
        for tag in ("id", "title", "updated", "author"):
            assert root.find(f"{ATOM}{tag}") is not None, tag
        entries = root.findall(f"{ATOM}entry")
        assert 0 < len(entries) <= 50
        for entry in entries:
            for tag in ("id", "title", "updated", "summary", "link"):
                element = entry.find(f"{ATOM}{tag}")
                assert element is not None and (element.text or element.get("href")), tag
            assert entry.find(f"{ATOM}link").get("href").startswith("https://example.org/")
            assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find(f"{ATOM}updated").text)
        link = f'<link rel="alternate" type="application/atom+xml" href="../{folder}/feed.xml"'
        assert link in _text(sample_site / folder / "index.html")
        assert link.replace('"../', '"../../') in _text(sample_site / folder / "people/index.html")


def test_sitemap_lists_every_page_with_its_twin_and_x_default(sample_site):
    root = ET.parse(sample_site / "sitemap.xml").getroot()
    urls = {u.find(f"{SM}loc").text: u for u in root.findall(f"{SM}url")}
    pages = [p.relative_to(sample_site).as_posix() for p in sample_site.rglob("*.html") if p.name != "404.html"]
    assert len(urls) == len(pages)
    twin = urls["https://example.org/harbour-daily/zh-hant/people/"]
    links = {l.get("hreflang"): l.get("href") for l in twin.findall(f"{XHTML}link")}
    assert links == {"zh-Hant": "https://example.org/harbour-daily/zh-hant/people/",
                     "zh-Hans": "https://example.org/harbour-daily/zh-hans/people/",
                     "x-default": "https://example.org/harbour-daily/"}
    assert "Sitemap: https://example.org/harbour-daily/sitemap.xml" in _text(sample_site / "robots.txt")
    not_found = _text(sample_site / "404.html")
    assert "找不到這一頁" in not_found and "找不到这一页" in not_found


def test_interview_pages_carry_open_graph_and_safe_json_ld(sample_site):
    html = _text(sample_site / "zh-hans/lighthouse-keeper/index.html")
    for prop in ("og:title", "og:description", "og:url", "og:type", "og:image"):
        assert f'property="{prop}"' in html, prop
    assert '<meta property="og:locale" content="zh_CN">' in html
    assert '<meta property="og:locale" content="zh_TW">' in _text(sample_site / "zh-hant/lighthouse-keeper/index.html")
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Article" and data["about"][0]["@type"] == "Person"
    assert '<link rel="icon" href="../../assets/favicon.svg"' in html


def test_json_ld_cannot_close_its_script():
    text = str(json_ld({"headline": "</script><!-- & -->"}))
    assert "</" not in text and "<!--" not in text
    assert json.loads(text) == {"headline": "</script><!-- & -->"}


def test_without_base_url_one_warning_and_nothing_absolute(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "interview")
    settings = tmp_path / "interview/archive.yml"
    settings.write_text(re.sub(r"^base_url:.*\n", "", _text(settings), flags=re.M), encoding="utf-8")
    report = build(tmp_path / "interview", tmp_path / "site", TEMPLATES, cache_dir=False, search=False)
    assert [str(d.code) for d in report.warnings if "PUB" in str(d.code)] == ["PUB001"]  # a notice
    assert not (tmp_path / "site/sitemap.xml").exists() and not (tmp_path / "site/zh-hant/feed.xml").exists()
    assert "og:url" not in _text(tmp_path / "site/zh-hant/ferry-radio/index.html")
    with pytest.raises(BuildError):
        build(tmp_path / "interview", tmp_path / "site2", TEMPLATES, strict=True, cache_dir=False, search=False)


def test_the_favicon_is_replaced_by_the_archives_own_assets(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "interview")
    icon = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'
    (tmp_path / "templates/assets").mkdir(parents=True)
    (tmp_path / "templates/assets/favicon.svg").write_text(icon, encoding="utf-8")
    build(tmp_path / "interview", tmp_path / "site", cache_dir=False, search=False)
    assert _text(tmp_path / "site/assets/favicon.svg") == icon
    assert (tmp_path / "site/assets/style.css").read_bytes() == (TEMPLATES / "assets/style.css").read_bytes()


# --- typography -------------------------------------------------------------


def test_titles_break_between_phrases():
    assert str(phrases("燈塔自動化之後", "hant")) == "燈塔<wbr>自動化<wbr>之後"
    assert str(phrases("灯塔自动化之后", "hans")) == "灯塔<wbr>自动化<wbr>之后"
    assert str(phrases("<b>&", "hant")) == "&lt;b&gt;&amp;" or "<b>" not in str(phrases("<b>&", "hant"))


def test_list_titles_reuse_the_pages_phrases_only_when_they_are_of_the_same_text():
    from markupsafe import Markup

    made = phrases("燈塔自動化之後", "hant")
    marked = Markup("燈塔<wbr>自<wbr>動化之後")  # stands for the view's phrases: taken as they are when they fit
    assert phrases_as("燈塔自動化之後", "hant", marked) is marked
    emphasised = Markup("<em>燈塔</em><wbr>自動化")  # the page's title had markup: the list's plain text is phrased anew
    assert phrases_as("燈塔自動化", "hant", emphasised) == phrases("燈塔自動化", "hant")
    assert phrases_as("燈塔自動化之後", "hant", None) == made
    assert phrases_as("a<b", "hant", Markup("a<b")) == "a&lt;b"  # unescaped HTML never stands for the text


def test_index_and_year_pages_show_the_titles_phrased(sample_site):
    for rel in ("zh-hant/index.html", "zh-hant/2026/index.html"):
        titles = re.findall(r'<h2 class="entry-title"><a [^>]*>(.*?)</a>', _text(sample_site / rel))
        assert titles and all("<wbr>" in t for t in titles), rel


def test_interview_title_has_phrase_breaks(sample_site):
    html = _text(sample_site / "zh-hant/lighthouse-keeper/index.html")
    h1 = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert "<wbr>" in h1 and "自動<wbr>化" not in h1 and "燈<wbr>塔" not in h1


def test_check_accepts_interviews_listed_on_their_year_page(sample_site, tmp_path):
    from archive.check import check_site

    site = tmp_path / "site"
    shutil.copytree(sample_site, site)
    for folder in ("zh-hant", "zh-hans"):  # as at 1,000 interviews: the index shows only the newest
        index = site / folder / "index.html"
        index.write_text(re.sub(r'<li class="entry" id="(river-archive|lighthouse-keeper)">.*?</li>', "",
                                _text(index), flags=re.S), encoding="utf-8")
    assert check_site(site).diagnostics == []
    for folder in ("zh-hant", "zh-hans"):
        shutil.rmtree(site / folder / "2026")
    assert "SITE007" in {str(d.code) for d in check_site(site).diagnostics}
