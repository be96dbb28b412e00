"""Pages stored once (hard-linked from the cache into the site), the fast output escape, and the
templates' references kept in the cache: each faster, none trusted beyond what it checks."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup

from archive.build import build
from archive.cache import CACHE_DIR, Cache

from conftest import REPO

PAGE = "zh-hant/river-archive/index.html"


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "proj"
    shutil.copytree(REPO / "interview", project / "interview")
    shutil.copytree(REPO / "templates", project / "templates")
    return project


def _blob(project: Path, data: bytes) -> Path:
    key = hashlib.sha256(data).hexdigest()
    return project / CACHE_DIR / "blob" / key[:2] / key


def test_pages_are_stored_once_and_a_damaged_blob_is_never_linked(tmp_path: Path):
    project = _project(tmp_path)
    site = project / "site"
    build(project / "interview", site, search=False)
    page = site / PAGE
    good = page.read_bytes()
    blob = _blob(project, good)
    assert blob.stat().st_ino == page.stat().st_ino  # one copy of the page's bytes on disk
    reference = tmp_path / "reference"
    build(project / "interview", reference, search=False, cache_dir=False)
    assert good == (reference / PAGE).read_bytes()

    shutil.rmtree(site)  # the cache now holds the only link, and its bytes are damaged in place
    damaged = bytearray(good)
    damaged[len(damaged) // 2] ^= 1
    blob.write_bytes(bytes(damaged))
    build(project / "interview", site, search=False)
    assert page.read_bytes() == good
    assert page.stat().st_ino != blob.stat().st_ino  # the damaged blob was not linked


def test_a_link_planted_for_a_blob_never_reaches_the_site(tmp_path: Path):
    project = _project(tmp_path)
    site = project / "site"
    build(project / "interview", site, search=False)
    good = (site / PAGE).read_bytes()
    shutil.rmtree(site)
    outside = tmp_path / "outside.html"
    outside.write_bytes(good)  # the right bytes, but behind a symbolic link
    blob = _blob(project, good)
    blob.unlink()
    blob.symlink_to(outside)
    build(project / "interview", site, search=False)
    assert not (site / PAGE).is_symlink() and (site / PAGE).read_bytes() == good
    assert (site / PAGE).stat().st_ino != outside.stat().st_ino


def test_a_template_change_links_the_new_pages_and_two_builds_are_identical(tmp_path: Path):
    project = _project(tmp_path)
    site = project / "site"
    build(project / "interview", site, search=False)
    template = project / "templates" / "interview.html"
    text = template.read_text(encoding="utf-8")
    at = text.rindex("{% endblock %}")
    template.write_text(text[:at] + "<span hidden>edit</span>" + text[at:], encoding="utf-8")
    report = build(project / "interview", site, search=False)
    assert PAGE in report.written
    page = (site / PAGE).read_bytes()
    assert b"<span hidden>edit</span>" in page
    assert _blob(project, page).stat().st_ino == (site / PAGE).stat().st_ino
    again = tmp_path / "again"
    build(project / "interview", again, search=False, cache_dir=False)
    files = sorted(p.relative_to(site) for p in site.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again) for p in again.rglob("*") if p.is_file())
    assert all((site / rel).read_bytes() == (again / rel).read_bytes() for rel in files)


def test_pruning_neither_counts_nor_removes_a_blob_a_site_holds(tmp_path: Path):
    cache = Cache(tmp_path / "cache")
    held = cache.put_blob(b"held by a site " * 100)
    loose = cache.put_blob(b"only in the cache " * 100)
    site_file = tmp_path / "site.html"
    os.link(cache._path("blob", held), site_file)
    for key in (held, loose):
        os.utime(cache._path("blob", key), (1_000_000_000, 1_000_000_000))
    assert cache.prune(max_bytes=0) == (1, len(b"only in the cache " * 100))
    assert cache.get_blob(held) == site_file.read_bytes()
    assert cache.get_blob(loose) is None
    cache.touch("blob", held)  # never moves the site file's time
    assert site_file.stat().st_mtime == 1_000_000_000


@pytest.mark.parametrize("value", ["plain", "<a href=\"x\">'&'</a>", "", "長文「引號」<", Markup("<b>safe</b>"),
                                   3, 2.5, None, True])
def test_output_is_escaped_as_markupsafe_does(value):
    from archive.render import make_environment

    ours = make_environment(None).from_string("[{{ v }}]{% set s %}{{ v }}{% endset %}[{{ s }}]")
    theirs = jinja2.Environment(autoescape=True).from_string("[{{ v }}]{% set s %}{{ v }}{% endset %}[{{ s }}]")
    assert ours.render(v=value) == theirs.render(v=value)


def test_an_undefined_output_still_fails():
    from archive.render import make_environment

    with pytest.raises(jinja2.UndefinedError):
        make_environment(None).from_string("{{ missing }}").render()


def test_template_references_are_parsed_once_then_read_from_the_cache(tmp_path: Path, monkeypatch):
    from archive import render

    folder = tmp_path / "templates"
    shutil.copytree(REPO / "templates", folder)
    cache = Cache(tmp_path / "cache")
    parsed = []
    real = jinja2.Environment.parse
    monkeypatch.setattr(jinja2.Environment, "parse", lambda self, *a, **k: parsed.append(1) or real(self, *a, **k))
    monkeypatch.setattr(render, "_REFERENCES", {})
    first = render.page_templates_key(folder, cache=cache), render.site_templates_key(folder, cache)
    assert parsed
    count = len(parsed)
    monkeypatch.setattr(render, "_REFERENCES", {})  # a new process: the cache answers
    assert (render.page_templates_key(folder, cache=cache), render.site_templates_key(folder, cache)) == first
    assert len(parsed) == count
    (folder / "index.html").write_text((folder / "index.html").read_text(encoding="utf-8")
                                       + '{% include "interview.html" %}', encoding="utf-8")
    monkeypatch.setattr(render, "_REFERENCES", {})
    changed = render.site_templates_key(folder, cache)
    assert len(parsed) == count + 1 and changed != first[1]  # only the changed template is parsed
    # a damaged entry is parsed again, never trusted
    for entry in (cache.root / render.REFERENCES_KIND).rglob("*"):
        if entry.is_file():
            entry.write_bytes(entry.read_bytes()[:-3] + b"xyz")
    monkeypatch.setattr(render, "_REFERENCES", {})
    count = len(parsed)
    assert render.site_templates_key(folder, cache) == changed
    assert len(parsed) > count


def test_joined_output_renders_what_jinja_renders(tmp_path: Path):
    """Extends, blocks, loops (also recursive), conditions, macros, call and set blocks, filters,
    whitespace control: the same text as Jinja's own code generator gives."""
    from archive.render import make_environment

    (tmp_path / "base.html").write_text(
        "<t>{% block title %}{{ title }}{% endblock %}</t>\n{% block body %}{% endblock %}\n{{ 7 }}|{{ none }}|", encoding="utf-8")
    (tmp_path / "page.html").write_text("""{% extends "base.html" %}
{% macro item(x) %}<i>{{ x }}</i>{% endmacro %}{% macro wrap(x) %}<w>{{ x }}{{ caller() }}</w>{% endmacro %}
{% block body %}{% set joined %}{{ title }} & {{ safe }}{% endset %}[{{ joined }}]
{% for row in rows recursive %}<li>{{ loop.index }}:{{ row.name }}{% if row.kids %}<ul>{{ loop(row.kids) }}</ul>{% endif %}</li>
{% endfor %}
{% for n in rows|map(attribute="name") %}{{ item(n) }}{% call wrap(n) %}c{{ n|upper }}{% endcall %}{% else %}none{% endfor %}
{%- if title -%}   <b>{{ title ~ "<" }}</b>   {%- endif %}
{% filter upper %}{{ title }} x{% endfilter %}{{ "a<" if rows else "b" }}{{ safe }}
{% endblock %}""", encoding="utf-8")
    context = {"title": "A<&>'\"", "safe": Markup("<em>s</em>"), "none": None,
               "rows": [{"name": "r<1", "kids": [{"name": "k&1", "kids": []}]}, {"name": "r2", "kids": []}]}
    ours = make_environment(tmp_path)
    theirs = jinja2.Environment(loader=jinja2.FileSystemLoader(str(tmp_path)), autoescape=True, trim_blocks=True,
                                lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    assert ours.get_template("page.html").render(**context) == theirs.get_template("page.html").render(**context)
    assert "yield concat((" in ours.compile(ours.loader.get_source(ours, "page.html")[0], raw=True)


def test_inline_fields_lookups_find_what_jinjas_lookup_finds():
    """A Fields' key, a dict's method of the same name, a missing key, another object's attribute, a
    chain (its object evaluated once), a macro's parameter that may be missing: Jinja's own results."""
    from archive.jinjaenv import Fields
    from archive.render import make_environment

    source = ("{{ f.a }}|{{ f.items is callable }}|{{ f.nope is defined }}|{{ d.a }}|{{ o.real }}|"
              "{{ f.inner.b }}|{{ calls().a }}|{% macro m(x) %}{{ x.a }}{% endmacro %}{{ m(f) }}|"
              "{% for r in rows %}{{ r.a }}{% endfor %}|{{ f.inner.nope is defined }}")
    counted = []
    context = {"f": Fields(a="<a>", items="not the method", inner=Fields(b=Markup("<b>"))),
               "d": {"a": "dict"}, "o": 3, "rows": [Fields(a=1), {"a": 2}, Fields(b=3, a=4)],
               "calls": lambda: counted.append(1) or Fields(a="once")}
    ours = make_environment(None).from_string(source)
    theirs = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined).from_string(source)
    assert "fields_type" in make_environment(None).compile(source, raw=True)
    assert ours.render(**context) == theirs.render(**context)
    assert counted == [1, 1]
    with pytest.raises(jinja2.UndefinedError):
        make_environment(None).from_string("{{ f.nope }}").render(f=Fields())
