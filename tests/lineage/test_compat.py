"""The license compatibility table for fine-tune + inference/generation (scoring.compat), row by row."""
import pytest

from scoring.compat import MAX_ALTERNATIVES, check_compatibility

# (model license as a card writes it, repository license as GitHub reports it, compatible?, words in the reason)
TABLE = [
    # permissive both ways
    ("apache-2.0", "MIT", True, "grant use, modification and redistribution"),
    ("mit", "BSD-3-Clause", True, "grant use"),
    ("MIT", "Apache-2.0", True, "grant use"),
    # weak copyleft and share-alike travel with their component
    ("apache-2.0", "LGPL-2.1", True, "modified files of that component stay under it"),
    ("MPL-2.0", "MIT", True, "modified files"),
    ("cc-by-sa-4.0", "Apache-2.0", True, "must keep the same license"),
    # RAIL / community / non-commercial: compatible with permissive code, conditions named
    ("openrail", "Apache-2.0", True, "use restrictions must be passed on"),
    ("bigscience-openrail-m", "MIT", True, "use restrictions"),
    ("creativeml-openrail-m", "LGPL-3.0", True, "use restrictions"),
    ("llama3", "MIT", True, "acceptable-use policy"),
    ("cc-by-nc-4.0", "Apache-2.0", True, "non-commercial use only"),
    ("cc-by-nc-sa-4.0", "cc-by-nc-4.0", True, "non-commercial use only"),
    # no-derivatives: a fine-tuned model (or adapted code) may not be shared
    ("cc-by-nd-4.0", "MIT", False, "forbids sharing derivatives"),
    ("apache-2.0", "CC-BY-ND-4.0", False, "forbids sharing modified code"),
    # copyleft reaches the combined work and forbids further restrictions
    ("openrail", "GPL-3.0", False, "RAIL use restrictions"),
    ("bigcode-openrail-m", "AGPL-3.0", False, "forbids further restrictions"),
    ("llama3.1", "GPL-2.0", False, "acceptable-use"),
    ("cc-by-nc-4.0", "GPL-3.0", False, "non-commercial clause"),
    ("GPL-3.0", "openrail", False, "RAIL use restrictions"),
    # copyleft with permissive: relicensed into the copyleft, except Apache-2.0 into GPL-2.0-only
    ("apache-2.0", "GPL-3.0", True, "shipped under GPL-3.0-only"),
    ("mit", "GPL-2.0", True, "shipped under GPL-2.0-only"),
    ("apache-2.0", "GPL-2.0", False, "cannot be relicensed into GPL-2.0-only"),
    ("apache-2.0", "AGPL-3.0", True, "users of the served model"),
    ("GPL-3.0", "MIT", True, "shipped under GPL-3.0-only"),
    # copyleft with copyleft: only along the licenses' own compatibility paths
    ("GPL-3.0", "GPL-3.0", True, "both are GPL-3.0-only"),
    ("AGPL-3.0", "AGPL-3.0", True, "also to users of the served model"),
    ("LGPL-2.1", "GPL-2.0", True, "LGPL-2.1-only may be combined into GPL-2.0-only"),
    ("MPL-2.0", "GPL-3.0", True, "may be combined into GPL-3.0-only"),
    ("cc-by-sa-4.0", "GPL-3.0", True, "CC-BY-SA-4.0 may be combined into GPL-3.0-only"),
    ("CC-BY-SA-3.0", "GPL-3.0", False, "neither can be relicensed"),
    ("GPL-3.0", "AGPL-3.0", True, "combined into AGPL-3.0-only"),
    ("GPL-3.0-or-later", "GPL-3.0-only", True, "GPL-3.0-or-later may be combined into GPL-3.0-only"),
    ("GPL-2.0-only", "GPL-3.0", False, "neither can be relicensed"),
    ("LGPL-3.0", "GPL-2.0", False, "neither can be relicensed"),
    ("EPL-1.0", "GPL-2.0", False, "neither can be relicensed"),
    # unknown, custom, missing: cannot be assessed
    ("other", "MIT", False, "unknown or custom"),
    ("apache-2.0", "NOASSERTION", False, "unknown or custom"),
    ("LicenseRef-acme", "MIT", False, "unknown or custom"),
    ("apache-2.0", None, False, "repository declares no license"),
    (None, "MIT", False, "model declares no license"),
    ("", "MIT", False, "model declares no license"),
    ("apache-2.0 ((", "MIT", False, "not a recognisable license expression"),
    # expressions: OR picks an alternative, AND needs every part
    ("Apache-2.0 OR GPL-2.0-only", "GPL-2.0", True, "both are GPL-2.0-only"),
    ("MIT OR cc-by-nd-4.0", "MIT", True, "grant use"),
    ("MIT AND openrail", "GPL-3.0", False, "RAIL use restrictions"),
    ("MIT AND Apache-2.0", "GPL-3.0 OR MIT", True, "grant use"),
    ("apache-2.0", "GPL-2.0 AND MIT", False, "cannot be relicensed"),
    ("GPL-2.0-only WITH Classpath-exception-2.0", "GPL-2.0", True, "both are GPL-2.0-only"),
]


@pytest.mark.parametrize(("model", "repo", "compatible", "reason"), TABLE)
def test_compatibility_table(model, repo, compatible, reason):
    verdict = check_compatibility(model, repo)
    assert verdict.compatible is compatible, verdict.reason
    assert reason in verdict.reason


def test_the_verdict_reports_the_normalized_licenses_found():
    verdict = check_compatibility("apache-2.0", "GPL-3.0")
    assert (verdict.model_license, verdict.repo_license) == ("Apache-2.0", "GPL-3.0-only")
    missing = check_compatibility(None, "LGPL-2.1")
    assert (missing.model_license, missing.repo_license) == (None, "LGPL-2.1-only")


def test_order_does_not_matter_for_a_pair_of_licenses():
    for model, repo, _, _ in TABLE:
        if model and repo:
            assert check_compatibility(model, repo).compatible == check_compatibility(repo, model).compatible or \
                "derivatives" in check_compatibility(model, repo).reason + check_compatibility(repo, model).reason


def test_an_expression_with_too_many_alternatives_is_not_assessed():
    wide = " AND ".join(f"(MIT OR BSD-{n}-Clause)" for n in (2, 3)) + " AND (ISC OR Zlib)" * 5
    assert len(wide) and MAX_ALTERNATIVES < 2 ** 7
    verdict = check_compatibility(wide, "MIT")
    assert verdict.compatible is False and "too complex" in verdict.reason
