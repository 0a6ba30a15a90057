"""License compatibility of a model and a code repository for "fine-tune + inference/generation".

Grounded in the ModelGo analysis of ML licenses (Duan et al., "ModelGo: A Practical Tool for Machine Learning
License Analysis", WWW 2024): a workflow is allowed when every license involved grants the rights the workflow
needs and no license's conditions contradict another's.  Fine-tuning needs *use* and *modify* on the model
and the code; serving outputs (inference/generation) needs *use*; shipping the fine-tuned model with the code
needs *redistribute* and *sublicense*.  We assume the worst case the customer faces: the fine-tuned model and
the code are shipped together as one combined work and served to users.

Each SPDX id (or Hugging Face license id) is classified by `scoring.license.normalize_license` into a family;
this module decides pairs of families (`check_pair`, tabulated in docs/lineage.md):

1. Unknown, custom ("other") or unparseable licenses cannot be assessed: not compatible.
2. No-derivatives (CC-BY-ND) on either side: fine-tuning (model) or adapting the code makes a derivative that
   may not be shared: not compatible.
3. Strong copyleft (GPL, EUPL, OSL) or network copyleft (AGPL) on one side reaches the combined work, which
   must then be licensed under it with no further restrictions:
   - RAIL/OpenRAIL use restrictions, vendor community licenses (acceptable-use policies) and non-commercial
     clauses are such further restrictions: not compatible;
   - a permissive license is compatible unless it cannot be relicensed into that copyleft
     (Apache-2.0 into GPL-2.0-only, patent and indemnity terms);
   - another copyleft license is compatible only when an explicit one-way path exists (`COPYLEFT_PATHS`:
     LGPL into GPL, MPL-2.0's secondary licenses, GPL-3.0 with AGPL-3.0, CC-BY-SA-4.0 into GPL-3.0, ...).
4. Otherwise (permissive, weak copyleft, share-alike, RAIL, community, non-commercial) the licenses
   are compatible; the conditions that travel with the fine-tuned model are named in the reason (use
   restrictions passed on, non-commercial use only, share-alike on the model, modified files stay open).

Expressions: "A OR B" — the licensee picks an alternative; "A AND B" — all parts apply.  Both expressions are
expanded into alternatives (sets of licenses that all apply); the pair is compatible when some alternative of
the model and some alternative of the repository are compatible in every cross pair.  A `WITH` exception
only relaxes its license, so the base license decides (conservative).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from license_expression import OR, LicenseExpression, LicenseSymbol, LicenseWithExceptionSymbol

from scoring.license import FAMILY_SCORES, LicenseFamily, normalize_license, spdx_licensing

MAX_ALTERNATIVES = 64  # expansion cap: an expression with more alternatives is not assessed

_COPYLEFT_REACHING_WHOLE = frozenset({LicenseFamily.STRONG_COPYLEFT, LicenseFamily.NETWORK_COPYLEFT})
_FURTHER_RESTRICTIONS = {
    LicenseFamily.RESPONSIBLE_AI: "RAIL use restrictions",
    LicenseFamily.COMMUNITY: "the community license's acceptable-use and scale terms",
    LicenseFamily.NON_COMMERCIAL: "the non-commercial clause",
}
_NOT_ASSESSABLE = frozenset({LicenseFamily.UNKNOWN, LicenseFamily.CUSTOM_LINKED, LicenseFamily.CUSTOM_UNLINKED})
_CONDITIONS = {
    LicenseFamily.RESPONSIBLE_AI: "{key}: its use restrictions must be passed on to every user of the fine-tuned "
                                  "model and its outputs",
    LicenseFamily.COMMUNITY: "{key}: its acceptable-use policy and attribution/scale terms apply",
    LicenseFamily.NON_COMMERCIAL: "{key}: non-commercial use only",
    LicenseFamily.SHARE_ALIKE: "{key}: derivatives of that component must keep the same license",
    LicenseFamily.WEAK_COPYLEFT: "{key}: modified files of that component stay under it",
}

_GPL3 = frozenset({"GPL-3.0-only", "GPL-3.0-or-later"})
_AGPL3 = frozenset({"AGPL-3.0-only", "AGPL-3.0-or-later"})
_GPL2_PLUS = frozenset({"GPL-2.0-or-later", *_GPL3})
_ALL_GPL = frozenset({"GPL-2.0-only", *_GPL2_PLUS})

# Copyleft (or share-alike) license -> the strong/network copyleft licenses a work under it may be combined
# into.  One-way paths from the licenses' own compatibility clauses: LGPL section 3, MPL-2.0 section 3.3
# (secondary licenses), GPL-3.0 section 13 (then the AGPL's network clause governs the whole), CC BY-SA 4.0's
# declared GPLv3 compatibility, EUPL-1.2's appendix, and "or later" clauses.
COPYLEFT_PATHS: dict[str, frozenset[str]] = {
    "LGPL-2.1-only": _ALL_GPL | _AGPL3,
    "LGPL-2.1-or-later": _ALL_GPL | _AGPL3,
    "LGPL-3.0-only": _GPL3 | _AGPL3,
    "LGPL-3.0-or-later": _GPL3 | _AGPL3,
    "MPL-2.0": _ALL_GPL | _AGPL3,
    "GPL-2.0-or-later": _ALL_GPL | _AGPL3,
    "GPL-3.0-only": _AGPL3,
    "GPL-3.0-or-later": _GPL3 | _AGPL3,
    "CC-BY-SA-4.0": _GPL3,
    "EUPL-1.2": _ALL_GPL | _AGPL3,
}
# Permissive licenses that cannot be relicensed into some copyleft licenses.
PERMISSIVE_EXCLUSIONS: dict[str, frozenset[str]] = {
    "Apache-2.0": frozenset({"GPL-2.0-only"}),
}


@dataclass(frozen=True)
class PairVerdict:
    """Whether two single licenses can be combined for the workflow, and why."""

    compatible: bool
    reason: str


@dataclass(frozen=True)
class CompatibilityVerdict:
    """The answer to "may this code fine-tune and serve this model?" with the reason and the licenses found."""

    compatible: bool
    reason: str
    model_license: str | None  # normalized expression as found (None when absent or unparseable)
    repo_license: str | None


def check_compatibility(model_license_raw: str | None, repo_license_raw: str | None) -> CompatibilityVerdict:
    """Decide a model's license (card value) against a repository's (GitHub SPDX id or expression)."""
    model_expr = normalize_license(model_license_raw).expression
    repo_expr = normalize_license(repo_license_raw).expression
    missing = _missing(model_license_raw, model_expr, "model") or _missing(repo_license_raw, repo_expr, "repository")
    if missing:
        return CompatibilityVerdict(False, missing, model_expr, repo_expr)
    assert model_expr is not None and repo_expr is not None  # _missing checked both
    model_alts, repo_alts = _alternatives(model_expr), _alternatives(repo_expr)
    if model_alts is None or repo_alts is None:
        return CompatibilityVerdict(False, f"license expression too complex to assess (more than {MAX_ALTERNATIVES}"
                                           " alternatives): not compatible", model_expr, repo_expr)
    pairs = sorted(product(model_alts, repo_alts), key=lambda pair: -_freedom(pair[0] + pair[1]))
    verdicts = [_alternative_verdict(m, r) for m, r in pairs]
    chosen = next((v for v in verdicts if v.compatible), verdicts[0])
    return CompatibilityVerdict(chosen.compatible, chosen.reason, model_expr, repo_expr)


def _freedom(keys: tuple[str, ...]) -> float:
    """How freely a set of licenses lets the customer act (the worst one's score): the licensee's preference
    among alternatives that are all compatible."""
    return min(FAMILY_SCORES[license_family(key)] for key in keys)


def check_pair(model_key: str, repo_key: str) -> PairVerdict:
    """The compatibility table for one model license and one repository license (rules in the module doc)."""
    model_family, repo_family = license_family(model_key), license_family(repo_key)
    for key, family, side in ((model_key, model_family, "model"), (repo_key, repo_family, "repository")):
        if family in _NOT_ASSESSABLE:
            return PairVerdict(False, f"the {side} license {key} is unknown or custom: it cannot be assessed, "
                                      "so it is not compatible")
    if model_family is LicenseFamily.NO_DERIVATIVES:
        return PairVerdict(False, f"{model_key} forbids sharing derivatives: a fine-tuned model may not be shipped")
    if repo_family is LicenseFamily.NO_DERIVATIVES:
        return PairVerdict(False, f"{repo_key} forbids sharing modified code: it cannot be adapted and shipped")
    if model_family in _COPYLEFT_REACHING_WHOLE:
        return _copyleft_pair(model_key, repo_key, repo_family)
    if repo_family in _COPYLEFT_REACHING_WHOLE:
        return _copyleft_pair(repo_key, model_key, model_family)
    conditions = [_CONDITIONS[f].format(key=k) for k, f in ((model_key, model_family), (repo_key, repo_family))
                  if f in _CONDITIONS]
    suffix = f"; conditions: {'; '.join(conditions)}" if conditions else ""
    return PairVerdict(True, f"{model_key} (model) and {repo_key} (code) both grant use, modification and "
                             f"redistribution of a fine-tuned model and its outputs{suffix}")


def license_family(key: str) -> LicenseFamily:
    """The family of one license key (SPDX id or Hugging Face id), as scoring.license classifies it."""
    return _family(key)


@lru_cache(maxsize=1024)
def _family(key: str) -> LicenseFamily:
    return normalize_license(key).family


def _copyleft_pair(copyleft_key: str, other_key: str, other_family: LicenseFamily) -> PairVerdict:
    """`copyleft_key` (GPL-like) reaches the combined work: `other_key` must fit under it unchanged."""
    if other_family in _FURTHER_RESTRICTIONS:
        return PairVerdict(False, f"{copyleft_key} covers the combined work and forbids further restrictions; "
                                  f"{_FURTHER_RESTRICTIONS[other_family]} of {other_key} would be one")
    if copyleft_key == other_key:
        return PairVerdict(True, f"both are {copyleft_key}: the combined work is shipped under it (source "
                                 f"offered{' also to users of the served model' if _network(copyleft_key) else ''})")
    if other_family is LicenseFamily.PERMISSIVE:
        if copyleft_key in PERMISSIVE_EXCLUSIONS.get(other_key, frozenset()):
            return PairVerdict(False, f"{other_key} cannot be relicensed into {copyleft_key} (its patent and "
                                      "indemnity terms are further restrictions)")
        return PairVerdict(True, f"{other_key} is permissive: the combined work can be shipped under "
                                 f"{copyleft_key}, with its source offered"
                                 f"{' to users of the served model' if _network(copyleft_key) else ''}")
    for inner, outer in ((other_key, copyleft_key), (copyleft_key, other_key)):
        if outer in COPYLEFT_PATHS.get(inner, frozenset()) and license_family(outer) in _COPYLEFT_REACHING_WHOLE:
            return PairVerdict(True, f"{inner} may be combined into {outer}: the combined work is shipped under "
                                     f"{outer}")
    return PairVerdict(False, f"{copyleft_key} and {other_key} each demand their own terms for the combined work "
                              "and neither can be relicensed into the other")


def _network(key: str) -> bool:
    return license_family(key) is LicenseFamily.NETWORK_COPYLEFT


def _alternative_verdict(model_keys: tuple[str, ...], repo_keys: tuple[str, ...]) -> PairVerdict:
    """All licenses of one model alternative against all of one repository alternative (AND: every pair)."""
    verdicts = [check_pair(m, r) for m, r in product(model_keys, repo_keys)]
    failed = next((v for v in verdicts if not v.compatible), None)
    if failed is not None:
        return failed
    return PairVerdict(True, " | ".join(dict.fromkeys(v.reason for v in verdicts)))


def _alternatives(expression: str) -> list[tuple[str, ...]] | None:
    """The expression's alternatives (disjunctive normal form), each the sorted keys that all apply.

    `expression` is normalize_license's output, so it parses."""
    return _expand(spdx_licensing().parse(expression))


def _expand(node: LicenseExpression) -> list[tuple[str, ...]] | None:
    """None when the expansion would exceed MAX_ALTERNATIVES (checked as it grows, never after)."""
    if isinstance(node, LicenseWithExceptionSymbol):
        return [(str(node.license_symbol.key),)]
    if isinstance(node, LicenseSymbol):
        return [(str(node.key),)]
    either = isinstance(node, OR)  # the only other operator is AND
    expanded: list[tuple[str, ...]] = [] if either else [()]
    for arg in node.args:
        part = _expand(arg)
        if part is None:
            return None
        if either:
            expanded += part
        else:
            expanded = [tuple(sorted({*left, *right})) for left in expanded for right in part]
        if len(expanded) > MAX_ALTERNATIVES:
            return None
    return expanded


def _missing(raw: str | None, expression: str | None, side: str) -> str | None:
    if not (raw or "").strip():
        return f"the {side} declares no license: it cannot be assessed, so it is not compatible"
    if expression is None:
        return f"the {side} license {raw!r} is not a recognisable license expression: not compatible"
    return None
