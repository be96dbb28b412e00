"""YAML with line numbers: front matter, ``archive.yml`` and ``glossary.yml``.

Owns reading YAML strictly (duplicate keys are errors, every key keeps its
line), checking each document against its schema, and returning frozen
values plus every diagnostic found. Nothing here raises on bad input.
Values are read YAML 1.2 style, and more strictly still: every scalar is
text (``subtitle: 12:30`` stays "12:30", ``010`` stays "010", ``yes`` stays
"yes") except the plain empty value and ``null``/``~``; only the fields that
are dates or flags are typed, by :class:`Checker`, with a located error when
the text is not one. Line numbers come from a table of line starts
(a binary search per node, not a count from the top).
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from . import textcheck
from .errors import Code, Diagnostic, Severity
from .model import GlossaryEntry, Settings

SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
CONVERSIONS = ("tw", "hk", "twp")
QUOTES = ("convert", "keep")
"""archive.yml ``quotes:``: convert quotation marks to each script's convention (default) or keep them."""
DEFAULT_STAGE_DIRECTIONS = (
    "笑", "大笑", "苦笑", "笑了", "停頓", "停顿", "沉默", "嘆氣", "叹气", "掌聲", "掌声",
    "哽咽", "思考", "搖頭", "摇头", "點頭", "点头", "咳嗽",
)


NULLS = ("", "~", "null", "Null", "NULL")
"""Plain scalars that mean 'no value' (YAML 1.2 core schema)."""
TRUE, FALSE = ("true", "True", "TRUE"), ("false", "False", "FALSE")
DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[Tt ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?"
                     r"\s*(?:Z|[+-]\d{1,2}(?::\d{2})?)?)?\Z")
SURROGATE_RE = re.compile("[\ud800-\udfff]")
SLUG_MAX = 60
"""Longest slug: it names a folder and a URL; 60 keeps every path well inside any file system's limit."""
WINDOWS_RESERVED = frozenset(["con", "prn", "aux", "nul"] + [f"{p}{n}" for p in ("com", "lpt") for n in range(10)])


class YMap(dict):
    """A YAML mapping that remembers the 1-based line of each key."""

    line: int = 1
    lines: dict[str, int]
    cols: dict[str, int]
    """1-based column of each value."""


class YList(list):
    """A YAML sequence that remembers the line of each item."""

    line: int = 1
    lines: list[int]


class _Loader(yaml.SafeLoader):
    pass


class _Walk:
    """State of one document walk: the text (for line numbers) and the collections already seen."""

    def __init__(self, text: str, offset: int):
        self.text, self.offset = text, offset
        self.seen: set[int] = set()
        # YAML also breaks lines at U+0085, U+2028 and U+2029; editors and markdown-it do not,
        # so lines are found in a table of '\n' positions rather than from the mark's own line
        self.breaks = [i for i, char in enumerate(text) if char == "\n"]

    def line(self, mark: yaml.Mark) -> int:
        return bisect.bisect_left(self.breaks, mark.index) + 1 + self.offset

    def col(self, mark: yaml.Mark) -> int:
        before = bisect.bisect_left(self.breaks, mark.index)
        return mark.index - (self.breaks[before - 1] + 1 if before else 0) + 1


def _walk(node: yaml.Node, loader: Any, walk: _Walk, path: str,
          diags: list[Diagnostic]) -> Any:
    line = walk.line(node.start_mark)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if id(node) in walk.seen:  # an alias: expanding it could take exponential time
            diags.append(Diagnostic.make(Code.FM002, path, line, "YAML anchors and aliases (&name, *name) "
                                         "are not supported here; write the value out", col=walk.col(node.start_mark)))
            return None
        walk.seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        out = YMap()
        out.line, out.lines, out.cols = line, {}, {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            key_line = walk.line(key_node.start_mark)
            if not isinstance(key, str):
                diags.append(Diagnostic.make(Code.FM005, path, key_line,
                                             "keys must be plain words; quote the key or fix the indentation",
                                             col=walk.col(key_node.start_mark)))
                continue
            if key in out:
                diags.append(Diagnostic.make(Code.FM006, path, key_line,
                                             f"key '{key}' is given twice (first on line {out.lines[key]}); keep one",
                                             col=walk.col(key_node.start_mark)))
                continue
            out[key] = _walk(value_node, loader, walk, path, diags)
            out.lines[key] = key_line
            out.cols[key] = walk.col(value_node.start_mark)
        return out
    if isinstance(node, yaml.SequenceNode):
        seq = YList()
        seq.line, seq.lines = line, []
        for item in node.value:
            seq.append(_walk(item, loader, walk, path, diags))
            seq.lines.append(walk.line(item.start_mark))
        return seq
    return _scalar(node, walk, path, diags)


def _scalar(node: yaml.Node, walk: _Walk, path: str, diags: list[Diagnostic]) -> str | None:
    """A scalar as text (tags ignored); None for the plain empty value and null."""
    value = str(node.value)
    if not node.style and value in NULLS:  # plain style: None (PyYAML) or "" (libyaml)
        return None
    if SURROGATE_RE.search(value):
        found = SURROGATE_RE.search(value)
        assert found is not None
        diags.append(Diagnostic.make(
            Code.FM005, path, walk.line(node.start_mark),
            f"this value holds \\u{ord(found.group(0)):04x}, half of a UTF-16 pair, which is not a "
            "character; write the character itself (or a \\U escape with all 8 digits)",
            col=walk.col(node.start_mark)))
        value = SURROGATE_RE.sub("\ufffd", value)
    return value


def load_yaml(text: str, path: str, offset: int = 0) -> tuple[Any, list[Diagnostic]]:
    """Parse one YAML document; ``offset`` is added to every line (front matter starts at line 2).

    The document is composed by libyaml when PyYAML has it (about 20x faster on a
    20,000-entry glossary); a document it refuses is read again by the pure-Python
    parser, whose messages say more, so errors read the same on every machine.
    """
    fast = getattr(yaml, "CSafeLoader", None) if getattr(yaml, "__with_libyaml__", False) else None
    if fast is not None:
        result = _load(fast, text, path, offset)
        if not (result[0] is None and any(d.code == Code.FM002.name for d in result[1])):
            return result
    return _load(_Loader, text, path, offset)


def _load(loader_class: Any, text: str, path: str, offset: int) -> tuple[Any, list[Diagnostic]]:
    diags: list[Diagnostic] = []
    walk = _Walk(text, offset)
    loader = None
    try:
        loader = loader_class(text)  # the reader refuses control characters here already
        node = loader.get_single_node()
        if node is None:
            return None, diags
        return _walk(node, loader, walk, path, diags), diags
    except yaml.reader.ReaderError as exc:
        mark = yaml.Mark("", exc.position, 0, 0, None, None)
        diags.append(Diagnostic.make(Code.FM002, path, walk.line(mark),
                                     f"YAML cannot hold the control character U+{exc.character:04X}; "
                                     "delete it", col=walk.col(mark)))
        return None, diags
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = walk.line(mark) if mark else 1 + offset
        col = walk.col(mark) if mark else 1
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        diags.append(Diagnostic.make(Code.FM002, path, line,
                                     f"YAML: {problem}; check indentation and quote values that contain ':'",
                                     col=col))
        return None, diags
    except RecursionError:
        diags.append(Diagnostic.make(Code.FM002, path, 1 + offset, "YAML nested too deeply to read; "
                                     "front matter values are plain text, lists and mappings"))
        return None, diags
    finally:
        if loader is not None:
            loader.dispose()


# --- schema checking ------------------------------------------------------


@dataclass
class Checker:
    """Reads typed values out of a :class:`YMap`, recording diagnostics instead of raising."""

    path: str
    diags: list[Diagnostic] = field(default_factory=list)

    def error(self, code: Code, line: int, message: str, col: int = 1) -> None:
        self.diags.append(Diagnostic.make(code, self.path, line, message, col=col))

    def mapping(self, value: Any, what: str, line: int) -> YMap | None:
        if isinstance(value, YMap):
            return value
        self.error(Code.FM005, line, f"{what} must be a mapping of 'key: value' lines")
        return None

    def keys(self, data: YMap, allowed: tuple[str, ...], required: tuple[str, ...], what: str) -> set[str]:
        """Report unknown and missing keys; returns the keys a misspelling stands for.

        A key that a did-you-mean hint names is not reported missing a second time.
        """
        hinted: set[str] = set()
        for key in data:
            if key not in allowed:
                hint = _closest(key, allowed)
                if hint:
                    hinted.add(hint)
                self.error(Code.FM003, data.lines[key],
                           f"unknown key '{key}' in {what}" + (f"; did you mean '{hint}'?" if hint
                                                               else f"; allowed: {', '.join(allowed)}"))
        for key in required:
            if (key not in data or data[key] is None) and key not in hinted:
                self.error(Code.FM004, data.line, f"{what} needs '{key}'")
        return hinted

    def text(self, data: YMap, key: str, what: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value).strip()
            if text or not required:
                return text or None
        self.error(Code.FM005, data.lines[key], f"'{key}' in {what} must be a line of text")
        return None

    def flag(self, data: YMap, key: str, what: str) -> bool:
        """A yes/no value written ``true`` or ``false``; absent means false."""
        value = data.get(key)
        if value is None or value in FALSE:
            return False
        if value in TRUE:
            return True
        self.error(Code.FM005, data.lines[key], f"'{key}' in {what} is true or false, not '{_short(value)}'",
                   col=data.cols.get(key, 1))
        return False

    def date(self, data: YMap, key: str, what: str) -> dt.date | None:
        value = data.get(key)
        if value is None:
            return None
        match = DATE_RE.match(value) if isinstance(value, str) else None
        if match is None:
            self.error(Code.FM005, data.lines[key], f"'{key}' in {what} must be a date written YYYY-MM-DD")
            return None
        try:
            return dt.date(*(int(part) for part in match.groups()))
        except ValueError as exc:
            self.error(Code.FM005, data.lines[key], f"'{key}' in {what} is {match.group(0)[:10]}, which "
                       f"is not a day of the calendar ({exc}); write the real date as YYYY-MM-DD",
                       col=data.cols.get(key, 1))
            return None

    def choice(self, data: YMap, key: str, choices: tuple[str, ...], default: str | None) -> str | None:
        value = data.get(key, default)
        if value in choices:
            return value
        if key in data:
            self.error(Code.FM005, data.lines[key],
                       f"'{key}' must be one of {', '.join(choices)}, not '{value}'")
        return None

    def glossary(self, value: Any, line: int) -> tuple[GlossaryEntry, ...]:
        if value is None:
            return ()
        if not isinstance(value, YList):
            self.error(Code.FM005, line, "glossary must be a list of '{hant: …, hans: …}' pairs")
            return ()
        entries = []
        for item, item_line in zip(value, value.lines):
            if not isinstance(item, YMap) or set(item) != {"hant", "hans"} \
                    or not all(isinstance(item[k], str) and item[k].strip() for k in ("hant", "hans")):
                self.error(Code.OVR001, item_line,
                           "a glossary entry is '{hant: 繁體形, hans: 简体形}' with both forms filled in")
                continue
            entries.append(GlossaryEntry(hant=item["hant"].strip(), hans=item["hans"].strip()))
        return tuple(entries)


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:40] + "…"


def check_slug(slug: Any) -> str | None:
    """Why ``slug`` cannot be a slug, or None when it can."""
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        return (f"slug '{_short(slug)}' must be lowercase ASCII letters, digits and single '-' "
                "(it is the URL); set 'slug:' in the front matter")
    if len(slug) > SLUG_MAX:
        return (f"slug '{_short(slug)}' is {len(slug)} characters long; keep it to {SLUG_MAX} "
                "(it names a folder and a URL); set a shorter 'slug:' in the front matter")
    if slug in WINDOWS_RESERVED:
        return (f"slug '{slug}' is a name Windows reserves for a device, so the site could not be "
                "copied to a Windows machine; set another 'slug:' in the front matter")
    return None


def _closest(word: str, options: tuple[str, ...]) -> str | None:
    import difflib

    match = difflib.get_close_matches(word, options, n=1, cutoff=0.7)
    return match[0] if match else None


# --- archive.yml and glossary.yml ----------------------------------------

ARCHIVE_KEYS = ("title", "description", "base_url", "stage_directions", "suppress", "quotes", "templates")


def read_settings(archive_text: str | None, archive_path: str,
                  glossary_text: str | None, glossary_path: str) -> tuple[Settings, list[Diagnostic]]:
    """Read the archive's settings and glossary; missing files mean defaults."""
    check = Checker(archive_path)
    title = {"hant": "訪談錄", "hans": "访谈录"}
    description = {"hant": "", "hans": ""}
    base_url = None
    stage = DEFAULT_STAGE_DIRECTIONS
    suppress: tuple[str, ...] = ()
    quotes = QUOTES[0]
    templates = None
    for text, path in ((archive_text, archive_path), (glossary_text, glossary_path)):
        for line, col, char in textcheck.private_use(text or ""):
            check.diags.append(Diagnostic.make(Code.SRC001, path, line, textcheck.private_use_message(char),
                                               col=col))
    if archive_text is not None:
        data, diags = load_yaml(archive_text, archive_path)
        check.diags.extend(diags)
        data = check.mapping(data, "archive.yml", 1) if data is not None else YMap()
        if data is not None:
            check.keys(data, ARCHIVE_KEYS, (), "archive.yml")
            for key, target in (("title", title), ("description", description)):
                if key in data:
                    per_script = check.mapping(data[key], f"'{key}'", data.lines[key])
                    if per_script is not None:
                        check.keys(per_script, ("hant", "hans"), ("hant", "hans"), f"'{key}'")
                        for script in ("hant", "hans"):
                            value = check.text(per_script, script, f"'{key}'")
                            if value:
                                target[script] = value
            base_url = check.text(data, "base_url", "archive.yml")
            if base_url and not re.match(r"https?://", base_url):
                check.error(Code.FM005, data.lines["base_url"], "base_url must start with https:// or http://")
                base_url = None
            extra = data.get("stage_directions")
            if extra is not None:
                if isinstance(extra, YList) and all(isinstance(w, str) and w for w in extra):
                    stage = tuple(dict.fromkeys(stage + tuple(extra)))
                else:
                    check.error(Code.FM005, data.lines["stage_directions"],
                                "stage_directions must be a list of words, e.g. [笑, 停頓]")
            suppress = _suppress(check, data)
            quotes = check.choice(data, "quotes", QUOTES, QUOTES[0]) or QUOTES[0]
            templates = check.text(data, "templates", "archive.yml")
    glossary: tuple[GlossaryEntry, ...] = ()
    if glossary_text is not None:
        gcheck = Checker(glossary_path)
        data, diags = load_yaml(glossary_text, glossary_path)
        gcheck.diags.extend(diags)
        if data is not None:
            glossary = gcheck.glossary(data, 1)
        check.diags.extend(gcheck.diags)
    settings = Settings(title=title, description=description,
                        base_url=base_url.rstrip("/") if base_url else None,
                        stage_directions=stage, glossary=glossary, suppress=suppress, quotes=quotes,
                        templates=templates)
    return settings, check.diags


def _suppress(check: Checker, data: YMap) -> tuple[str, ...]:
    """``suppress: [FN003, PUN001]``: codes of warnings and notices not to report (MyST's suppress_warnings)."""
    value = data.get("suppress")
    if value is None:
        return ()
    line = data.lines["suppress"]
    if not (isinstance(value, YList) and all(isinstance(code, str) for code in value)):
        check.error(Code.FM005, line, "suppress is a list of codes, e.g. [FN003]")
        return ()
    codes = []
    for code in value:
        known = Code.__members__.get(code)
        if known is None:
            check.error(Code.FM005, line, f"suppress: '{code}' is not a diagnostic code (see the README's table)")
        elif known.severity is Severity.ERROR:
            check.error(Code.FM005, line, f"suppress: {code} is an error and cannot be silenced; fix what it reports")
        else:
            codes.append(code)
    return tuple(codes)
