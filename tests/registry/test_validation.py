import pytest

from registry.errors import InvalidInput
from registry.validation import check_artifact_id, check_name


@pytest.mark.parametrize("good", ["abc", "A-1", "3847247294", "0c9e8c4e-7f4b-4d6a-9d7f-2b1f2b0c1a2b", "-", "---",
                                  "x" * 128])
def test_good_ids(good):
    assert check_artifact_id(good) == good


@pytest.mark.parametrize("bad", ["", "a b", "a/b", "../x", "a_b", "x" * 129, "é", "a\n", "a.b", "\uff41",
                                 "\u0661\u0662", "1\u00b2", None, 7])
def test_bad_ids(bad):
    with pytest.raises(InvalidInput):
        check_artifact_id(bad)


@pytest.mark.parametrize("good", ["bert-base-uncased", "org/name", "a name with spaces", "x" * 512, "~!@#$%^&*()"])
def test_good_names(good):
    assert check_name(good, 512) == good


@pytest.mark.parametrize("bad", ["", " ", "x" * 10_000, "nul\x00byte", "tab\tname", "naïve"])
def test_bad_names(bad):
    with pytest.raises(InvalidInput):
        check_name(bad, 512)


@pytest.mark.parametrize("name", ["*", ".", ".."])
def test_names_a_query_syntax_reserves_are_refused(name):
    with pytest.raises(InvalidInput, match="cannot be a name"):
        check_name(name, 512)
