import pytest

from registry.errors import InvalidInput
from registry.version import matches, parse_version_query, version_from_tags


@pytest.mark.parametrize("tags, expected", [
    ([], "1.0.0"),
    (["main", "release"], "1.0.0"),
    (["v1.2.0", "2.0.0", "v1.10.0"], "2.0.0"),
    (["v1.10.0", "v1.9.3"], "1.10.0"),
    (["v3"], "3.0.0"),
])
def test_version_from_tags_takes_the_highest_version_tag(tags, expected):
    assert version_from_tags(tags) == expected


@pytest.mark.parametrize("query, version, expected", [
    ("1.2.3", "1.2.3", True),
    ("1.2.3", "1.2.4", False),
    ("1.2.3-2.1.0", "1.2.3", True),
    ("1.2.3-2.1.0", "2.1.0", True),
    ("1.2.3-2.1.0", "2.1.1", False),
    ("1.2.3-2.1.0", "1.2.2", False),
    ("~1.2.0", "1.2.9", True),
    ("~1.2.0", "1.3.0", False),
    ("^1.2.0", "1.9.9", True),
    ("^1.2.0", "2.0.0", False),
    ("^1.2.0", "1.1.9", False),
    ("^0.2.0", "0.3.0", False),
    ("1.2.3", "not-a-version", False),
])
def test_version_queries(query, version, expected):
    assert matches(parse_version_query(query), version) is expected


@pytest.mark.parametrize("query", ["", "abc", "~", "^x", "1.2.3-", "-1.0.0", "x" * 65, ">=1.0.0; rm"])
def test_bad_version_queries_are_clear_errors(query):
    with pytest.raises(InvalidInput):
        parse_version_query(query)
