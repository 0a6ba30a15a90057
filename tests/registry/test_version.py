import pytest
import semantic_version
from hypothesis import given
from hypothesis import strategies as st

from registry.errors import InvalidInput
from registry.version import (declared_version, newest, next_patch, normalize_version, parse_version_query,
                              version_key)


@pytest.mark.parametrize("tags, card, expected", [
    ([], None, None),
    (["main", "release"], None, None),
    (["v1.2.0", "2.0.0", "v1.10.0"], None, "2.0.0"),
    (["v1.10.0", "v1.9.3"], None, "1.10.0"),
    (["v3"], "9.9.9", "3.0.0"),  # a tag wins over the card
    ([], "2.1", "2.1.0"),
    ([], 4, "4.0.0"),  # YAML gives numbers
    ([], "latest", None),
    ([], ["1.0"], None),
])
def test_a_source_declares_its_highest_tag_else_its_cards_version(tags, card, expected):
    assert declared_version(tags, card) == expected


@pytest.mark.parametrize("text, expected", [("1.2.3", "1.2.3"), ("v1.2", "1.2.0"), (" 2 ", "2.0.0"),
                                            ("1.0.0-rc.1+build.5", "1.0.0-rc.1+build.5")])
def test_a_callers_version_is_normalised(text, expected):
    assert normalize_version(text) == expected


@pytest.mark.parametrize("text", ["", "latest", "1.2.3.4", "01..2", "1.2.3-", "1" * 11, "1000000000.0.0", "x" * 70])
def test_a_callers_version_that_is_not_one_is_invalid_input(text):
    with pytest.raises(InvalidInput):
        normalize_version(text)


def test_next_patch_and_newest():
    assert next_patch("1.2.3") == "1.2.4"
    assert next_patch("1.3.0-rc.1") == "1.3.0"
    assert newest(["1.10.0", "1.9.0", "1.10.0-rc.1"]) == "1.10.0"
    assert newest([]) is None


@pytest.mark.parametrize("query, version, expected", [
    ("1.2.3", "1.2.3", True),
    ("1.2.3", "1.2.4", False),
    ("1.2.3-2.1.0", "1.2.3", True),
    ("1.2.3-2.1.0", "2.1.0", True),
    ("1.2.3-2.1.0", "2.1.1", False),
    ("1.2.3-2.1.0", "1.2.2", False),
    ("~1.2.0", "1.2.9", True),
    ("~1.2.0", "1.3.0", False),
    ("~1", "1.9.0", True),
    ("^1.2.0", "1.9.9", True),
    ("^1.2.0", "2.0.0", False),
    ("^1.2.0", "1.1.9", False),
    ("^0.2.0", "0.3.0", False),
    ("^0.0.3", "0.0.4", False),
    ("^1.2.0", "1.5.0-beta", False),  # npm: a prerelease matches only its own version's range
    ("1.2.3-beta", "1.2.3-beta", True),
    ("1.2.3", "not-a-version", False),
])
def test_version_queries(query, version, expected):
    assert parse_version_query(query).matches(version) is expected


@pytest.mark.parametrize("query", ["", "abc", "~", "^x", "1.2.3-", "-1.0.0", "x" * 65, ">=1.0.0; rm"])
def test_bad_version_queries_are_clear_errors(query):
    with pytest.raises(InvalidInput):
        parse_version_query(query)


_NUMBER = st.integers(min_value=0, max_value=12)
_PRERELEASE = st.lists(st.one_of(st.integers(0, 12).map(str), st.sampled_from(["alpha", "beta", "rc", "rc-1", "a"])),
                       max_size=3)


@st.composite
def versions(draw) -> str:
    text = f"{draw(_NUMBER)}.{draw(_NUMBER)}.{draw(_NUMBER)}"
    prerelease = draw(_PRERELEASE)
    return text + ("-" + ".".join(prerelease) if prerelease else "")


@given(versions(), versions())
def test_keys_sort_like_semver_precedence(a, b):
    expected = (semantic_version.Version(a) > semantic_version.Version(b)) - (
        semantic_version.Version(a) < semantic_version.Version(b))
    assert ((version_key(a) > version_key(b)) - (version_key(a) < version_key(b))) == expected


@st.composite
def queries(draw) -> str:
    form = draw(st.sampled_from(["exact", "bounded", "~", "^", "~partial", "^partial"]))
    base = draw(versions())
    if form == "exact":
        return base
    if form == "bounded":
        return f"{base}-{draw(versions())}".replace("--", "-") if "-" not in base else base
    partial = ".".join(base.split("-")[0].split(".")[:draw(st.integers(1, 2))])
    return form[0] + (partial if form.endswith("partial") else base)


@given(queries(), versions())
def test_every_match_lies_in_the_querys_key_range(query, version):
    parsed = parse_version_query(query)
    if parsed.matches(version):
        assert parsed.low <= version_key(version) < parsed.high
