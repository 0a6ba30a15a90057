"""License normalization (SPDX, via license-expression) and the license score table.

The customer ships LGPL-2.1 software, so a license is scored by how freely the customer can take the model,
fine-tune it, and ship it next to (or inside) that software. Every license key maps to one `LicenseFamily`;
every family has one documented score (`FAMILY_SCORES`, tabulated in docs/ratings.md).

Public API: `declared_license(repo)` (the one rule for which license a repository declares, used by the license
metric and the license check alike), `normalize_license(raw) -> NormalizedLicense`, `license_score(normalized)`,
`FAMILY_SCORES`, `FAMILY_REASONS`.
"""
from __future__ import annotations

import functools
from enum import Enum
from typing import Any

from license_expression import (
    AND,
    OR,
    ExpressionError,
    LicenseExpression,
    LicenseSymbol,
    LicenseWithExceptionSymbol,
    Licensing,
    get_spdx_licensing,
)
import re2
from pydantic import BaseModel

from scoring.sources.types import HubRepo

MAX_RAW_LENGTH = 500  # longer "license" values are prose, not an identifier


class LicenseFamily(str, Enum):
    """How a license constrains a customer who fine-tunes the model and ships it with LGPL-2.1 software."""

    PERMISSIVE = "permissive"
    WEAK_COPYLEFT = "weak_copyleft"
    SHARE_ALIKE = "share_alike"
    RESPONSIBLE_AI = "responsible_ai"
    COMMUNITY = "community"
    CUSTOM_LINKED = "custom_linked"
    STRONG_COPYLEFT = "strong_copyleft"
    NETWORK_COPYLEFT = "network_copyleft"
    NO_DERIVATIVES = "no_derivatives"
    NON_COMMERCIAL = "non_commercial"
    CUSTOM_UNLINKED = "custom_unlinked"
    UNKNOWN = "unknown"


FAMILY_SCORES: dict[LicenseFamily, float] = {
    LicenseFamily.PERMISSIVE: 1.0,
    LicenseFamily.WEAK_COPYLEFT: 0.8,
    LicenseFamily.SHARE_ALIKE: 0.7,
    LicenseFamily.RESPONSIBLE_AI: 0.6,
    LicenseFamily.COMMUNITY: 0.5,
    LicenseFamily.CUSTOM_LINKED: 0.3,
    LicenseFamily.STRONG_COPYLEFT: 0.3,
    LicenseFamily.NETWORK_COPYLEFT: 0.2,
    LicenseFamily.NO_DERIVATIVES: 0.2,
    LicenseFamily.NON_COMMERCIAL: 0.1,
    LicenseFamily.CUSTOM_UNLINKED: 0.1,
    LicenseFamily.UNKNOWN: 0.0,
}

FAMILY_REASONS: dict[LicenseFamily, str] = {
    LicenseFamily.PERMISSIVE: "permissive: use, modify and redistribute with attribution only",
    LicenseFamily.WEAK_COPYLEFT: "weak copyleft: changes to the model files stay open; LGPL-2.1 software unaffected",
    LicenseFamily.SHARE_ALIKE: "share-alike: fine-tuned derivatives must carry the same license",
    LicenseFamily.RESPONSIBLE_AI: "RAIL: use-based restrictions that must be passed on to every downstream user",
    LicenseFamily.COMMUNITY: "vendor community license: acceptable-use policy and scale or attribution clauses",
    LicenseFamily.CUSTOM_LINKED: "custom license with a link: terms must be reviewed by hand",
    LicenseFamily.STRONG_COPYLEFT: "strong copyleft (GPL): shipping it with LGPL-2.1 software forces GPL on the whole",
    LicenseFamily.NETWORK_COPYLEFT: "network copyleft (AGPL): even serving the model obliges source release",
    LicenseFamily.NO_DERIVATIVES: "no-derivatives: a fine-tuned model may not be distributed",
    LicenseFamily.NON_COMMERCIAL: "non-commercial: the customer's commercial use is forbidden",
    LicenseFamily.CUSTOM_UNLINKED: "custom license without terms: cannot be assessed",
    LicenseFamily.UNKNOWN: "no recognisable license",
}

# SPDX ids (as license-expression normalizes them) and Hugging Face license ids, by family.
_EXACT_FAMILIES: dict[str, LicenseFamily] = {
    key.lower(): family
    for family, keys in {
        LicenseFamily.PERMISSIVE: (
            "MIT", "MIT-0", "BSD-2-Clause", "BSD-3-Clause", "BSD-3-Clause-Clear", "0BSD", "Apache-2.0", "Apache-1.1",
            "ISC", "Zlib", "BSL-1.0", "Unlicense", "CC0-1.0", "WTFPL", "AFL-3.0", "PostgreSQL", "NCSA", "MS-PL",
            "ECL-2.0", "PSF-2.0", "Python-2.0", "X11", "OFL-1.1", "Artistic-2.0", "LPPL-1.3c", "PDDL-1.0",
            "ODC-By-1.0", "CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "Etalab-2.0", "bsd", "cc",
            "openmdw-1.0", "pddl", "odc-by", "etalab-2.0", "cdla-permissive-1.0", "cdla-permissive-2.0",
        ),
        LicenseFamily.WEAK_COPYLEFT: (
            "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MPL-2.0", "EPL-1.0",
            "EPL-2.0", "CDDL-1.0", "lgpl", "lgpl-lr",
        ),
        LicenseFamily.SHARE_ALIKE: ("ODbL-1.0", "CDLA-Sharing-1.0", "odbl", "cdla-sharing-1.0", "gfdl"),
        LicenseFamily.RESPONSIBLE_AI: (
            "openrail", "openrail++", "creativeml-openrail-m", "bigscience-openrail-m", "bigcode-openrail-m",
            "bigscience-bloom-rail-1.0",
        ),
        LicenseFamily.COMMUNITY: (
            "llama2", "llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "gemma", "apple-ascl",
            "deepfloyd-if-license",
        ),
        LicenseFamily.STRONG_COPYLEFT: (
            "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only", "GPL-3.0-or-later", "EUPL-1.1", "EUPL-1.2",
            "OSL-3.0", "gpl", "eupl-1.1", "eupl-1.2",
        ),
        LicenseFamily.NETWORK_COPYLEFT: ("AGPL-3.0-only", "AGPL-3.0-or-later"),
        LicenseFamily.NON_COMMERCIAL: (
            "fair-noncommercial-research-license", "h-research", "intel-research", "apple-amlr", "c-uda",
        ),
        LicenseFamily.CUSTOM_UNLINKED: ("other",),
        LicenseFamily.UNKNOWN: ("unknown", "none", "noassertion"),
    }.items()
    for key in keys
}

# Creative Commons variants, matched by prefix after the exact table (order matters: NC before ND before SA).
_CC_PREFIXES: tuple[tuple[str, LicenseFamily], ...] = (
    ("cc-by-nc", LicenseFamily.NON_COMMERCIAL),
    ("cc-by-nd", LicenseFamily.NO_DERIVATIVES),
    ("cc-by-sa", LicenseFamily.SHARE_ALIKE),
    ("cc-by-", LicenseFamily.PERMISSIVE),
)

# Free-text spellings seen in model cards, mapped to the SPDX id before parsing.
_ALIASES: dict[str, str] = {
    "apache 2.0": "Apache-2.0",
    "apache 2": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "apache": "Apache-2.0",
    "mit license": "MIT",
    "the mit license": "MIT",
    "bsd license": "bsd",
    "gnu gpl v3": "GPL-3.0-only",
    "gplv3": "GPL-3.0-only",
    "gplv2": "GPL-2.0-only",
    "lgplv3": "LGPL-3.0-only",
    "lgplv2.1": "LGPL-2.1-only",
    "public domain": "CC0-1.0",
}


class NormalizedLicense(BaseModel):
    """A raw license string, its normalized expression, and the family that decides its score.

    For an expression, the family is that of the best alternative of an OR and the worst part of an AND.
    """

    raw: str | None
    expression: str | None  # normalized SPDX expression (or Hugging Face id); None when unparseable or absent
    keys: list[str]  # the license keys in the expression
    unknown_keys: list[str]  # keys that are neither SPDX ids nor in our table
    family: LicenseFamily

    @property
    def score(self) -> float:
        return license_score(self)


@functools.cache
def spdx_licensing() -> Licensing:
    """The SPDX license index, built on first use (building it costs ~20 ms: not at import, for cold starts)."""
    return get_spdx_licensing()


def license_score(normalized: NormalizedLicense) -> float:
    """Score of a normalized license: `FAMILY_SCORES[normalized.family]` (in [0, 1])."""
    return FAMILY_SCORES[normalized.family]


def normalize_license(raw: str | None, *, link: str | None = None) -> NormalizedLicense:
    """Normalize a card's license value into an SPDX expression and a scored family.

    `link` is the card's `license_link`/`license_name` (or a LICENSE file): a custom "other" license that
    points at its terms is `CUSTOM_LINKED` rather than `CUSTOM_UNLINKED`.
    """
    text = (raw or "").strip()
    if not text or len(text) > MAX_RAW_LENGTH:
        return NormalizedLicense(raw=raw, expression=None, keys=[], unknown_keys=[], family=LicenseFamily.UNKNOWN)
    text = _ALIASES.get(" ".join(text.lower().split()), text)
    try:
        parsed = spdx_licensing().parse(text)
    except ExpressionError:
        parsed = None
    if parsed is None:
        return NormalizedLicense(raw=raw, expression=None, keys=[], unknown_keys=[text],
                                 family=LicenseFamily.UNKNOWN)
    keys = [symbol.key for symbol in spdx_licensing().license_symbols(parsed) if not symbol.is_exception]
    family = _expression_family(parsed)
    if family is LicenseFamily.CUSTOM_UNLINKED and link:
        family = LicenseFamily.CUSTOM_LINKED
    return NormalizedLicense(
        raw=raw,
        expression=str(parsed),
        keys=keys,
        unknown_keys=[key for key in keys if _key_family(key) is LicenseFamily.UNKNOWN],
        family=family,
    )


def _expression_family(expression: LicenseExpression) -> LicenseFamily:
    """OR: the licensee picks the best alternative; AND: every part applies, so the worst one counts.

    A `WITH` exception only relaxes its license, so the license's own family is kept (conservative).
    """
    if isinstance(expression, LicenseWithExceptionSymbol):
        return _key_family(expression.license_symbol.key)
    if isinstance(expression, LicenseSymbol):
        return _key_family(expression.key)
    families = [_expression_family(arg) for arg in expression.args]
    if isinstance(expression, OR):
        return max(families, key=FAMILY_SCORES.__getitem__)
    if isinstance(expression, AND):
        return min(families, key=FAMILY_SCORES.__getitem__)
    return LicenseFamily.UNKNOWN


def _key_family(key: str) -> LicenseFamily:
    lowered = key.lower()
    if lowered in _EXACT_FAMILIES:
        return _EXACT_FAMILIES[lowered]
    for prefix, family in _CC_PREFIXES:
        if lowered.startswith(prefix):
            return family
    return LicenseFamily.UNKNOWN


_LICENSE_SECTION = re2.compile(r"(?im)^[ \t]{0,3}#{1,6}[ \t]+licen[sc]e\b[^\n]*\n((?:[^#\n][^\n]*\n?|\n){0,6})")
_LICENSE_TOKEN = re2.compile(
    r"(?i)\b(apache[- ](?:license[, ]*(?:version )?)?2\.0|mit|bsd-[23]-clause|[al]?gpl-[23]\.[01](?:-only|-or-later)?"
    r"|cc-by(?:-(?:nc|nd|sa))*-\d\.\d|cc0-1\.0|mpl-2\.0|openrail\S*|[a-z]+-openrail-m|llama ?[234](?:\.\d)?|gemma)\b"
)
_LICENSE_FILES = frozenset({"license", "license.md", "license.txt", "copying", "licence", "licence.md"})


def declared_license(repo: HubRepo) -> tuple[str, NormalizedLicense] | None:
    """(where it was declared, the normalized license) of the first recognisable declaration, else None.

    Read, first found wins, from: the card YAML `license` (a list means all apply: AND; "other" with
    `license_link`/`license_name` is a linked custom license), the hub's `license:` tags, a "License" section of
    the card, and finally a LICENSE/COPYING file in the repository (a custom license whose terms are linked).
    """
    for source, raw, link in _declarations(repo):
        normalized = normalize_license(raw, link=link)
        if normalized.family is not LicenseFamily.UNKNOWN:
            return source, normalized
    return None


def _declarations(repo: HubRepo) -> list[tuple[str, str | None, str | None]]:
    """(where, raw license, link to its terms) candidates, in priority order."""
    data = repo.card_data
    license_file = next((f.path for f in repo.files if f.path.lower() in _LICENSE_FILES), None)
    link = _text(data.get("license_link")) or _text(data.get("license_name")) or license_file
    candidates: list[tuple[str, str | None, str | None]] = [("card YAML", _yaml_license(data.get("license")), link)]
    tags = [tag.split(":", 1)[1] for tag in repo.tags if tag.startswith("license:")]
    if tags:
        candidates.append(("hub tags", " AND ".join(tags), link))
    section = _LICENSE_SECTION.search(repo.card_text[:200_000])
    token = _LICENSE_TOKEN.search(section.group(1)) if section else None
    if token:
        candidates.append(("card License section", token.group(0), None))
    if license_file:
        candidates.append((f"{license_file} file", "other", license_file))
    return candidates


def _yaml_license(value: Any) -> str | None:
    if isinstance(value, list):
        parts = [_text(item) for item in value]
        return " AND ".join(part for part in parts if part) or None
    return _text(value)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None
