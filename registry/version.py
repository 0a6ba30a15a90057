"""Versions: what an artifact's version is, how versions order, and the version queries.

- An artifact's version is a semantic version ("1.2.0"), stored normalised. A source declares one through its git
  tags at the ingested revision ("v1.2.0", "1.2": the highest wins) or its card's `version` field; a caller may
  give one. `declared_version` reads a source's; the services decide the precedence (registry/artifacts.py).
- `version_key` is a string that sorts like semver precedence (build metadata ignored, prereleases before their
  release), so the stores index versions and answer a range of them with one seek.
- Queries: exact "1.2.3", bounded "1.2.3-2.1.0" (inclusive), tilde "~1.2.0" and caret "^1.2.0" (npm semantics).
  Each gives its exact matcher and a key range that holds every match (a store seeks the range, the matcher
  decides: prereleases and the edges of tilde and caret are the matcher's business).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import re2
import semantic_version

from registry.errors import InvalidInput

DEFAULT_VERSION = "1.0.0"
MAX_VERSION_LENGTH = 64
_DIGITS = 10  # width of each number in a key
_MAX_PART = 10 ** (_DIGITS - 1) - 1  # 999,999,999: a range's ceiling (a part + 1) still fits the width
_BOUNDED = re2.compile(r"^\s*v?(\S+?)\s*-\s*v?(\S+)\s*$")
_VERSION = re2.compile(r"^[vV]?(\d+(?:\.\d+){0,2})(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_HINT = "use 1.2.3, 1.2.3-2.1.0, ~1.2.0 or ^1.2.0"


def parse_version(text: str) -> semantic_version.Version | None:
    """A version written "X", "X.Y" or "X.Y.Z", with an optional "v", prerelease and build ("v1.2" is 1.2.0);
    None for anything else, or numbers wider than a key holds."""
    if not isinstance(text, str) or len(text) > MAX_VERSION_LENGTH or not _VERSION.match(text):
        return None
    try:
        version = semantic_version.Version.coerce(text[1:] if text[:1] in ("v", "V") else text)
    except ValueError:
        return None
    numbers = [version.major, version.minor, version.patch, *(int(p) for p in version.prerelease if p.isdigit())]
    return version if max(numbers) <= _MAX_PART else None


def normalize_version(text: str) -> str:
    """A caller's version in its stored form ("v1.2" -> "1.2.0"); InvalidInput when it is not one."""
    version = parse_version(text.strip()) if isinstance(text, str) else None
    if version is None:
        raise InvalidInput(f"invalid version {text!r}: a semantic version such as 1.2.0 (or v1.2, 2)")
    return str(version)


def declared_version(tags: Iterable[str], card_version: Any = None) -> str | None:
    """The version a source declares: its highest tag written "vX" or "X" (the tags at the ingested revision),
    else its card's `version` field (YAML may give a number), else None."""
    tagged = [v for v in (parse_version(t) for t in tags) if v is not None]
    if tagged:
        return str(max(tagged))
    carded = parse_version(str(card_version)) if isinstance(card_version, (str, int, float)) else None
    return str(carded) if carded is not None else None


def version_key(version: str) -> str:
    """A string that sorts like `version`'s semver precedence: fixed-width numbers, prerelease identifiers
    (numbers before words, numbers by value, words in ASCII order; fewer before more), a release ('~') after its
    prereleases (' '). Build metadata is ignored, so "1.0.0+a" and "1.0.0+b" are one version."""
    parsed = parse_version(version)
    if parsed is None:
        raise InvalidInput(f"invalid version {version!r}")
    triple = _triple_key(parsed.major, parsed.minor, parsed.patch)
    if not parsed.prerelease:
        return triple + "~"
    return triple + " " + " ".join(f"0{int(p):0{_DIGITS}d}" if p.isdigit() else f"1{p}" for p in parsed.prerelease)


def next_patch(version: str) -> str:
    """The version after `version` when nothing says otherwise: 1.2.3 -> 1.2.4 (1.3.0-rc.1 -> 1.3.0)."""
    parsed = parse_version(version)
    if parsed is None:
        raise InvalidInput(f"invalid version {version!r}")
    return str(parsed.next_patch())


def newest(versions: Iterable[str]) -> str | None:
    """The highest of `versions` by precedence (None for none)."""
    return max(versions, key=version_key, default=None)


@dataclass(frozen=True)
class VersionQuery:
    """A parsed version query: `matches` decides, and every match's key lies in [`low`, `high`)."""

    text: str
    spec: semantic_version.base.BaseSpec
    low: str
    high: str

    def matches(self, version: str) -> bool:
        parsed = parse_version(version)
        return parsed is not None and self.spec.match(parsed)


def parse_version_query(query: str) -> VersionQuery:
    """"1.2.3" exact, "1.2.3-2.1.0" inclusive range, "~1.2.0" tilde and "^1.2.0" caret (npm semantics)."""
    text = (query or "").strip()
    if not text or len(text) > MAX_VERSION_LENGTH:
        raise InvalidInput(f"a version query is 1-{MAX_VERSION_LENGTH} characters: {_HINT}")
    try:
        if text[0] in "~^":
            return _npm_query(text)
        bounded = _BOUNDED.match(text)
        low_high = (parse_version(bounded.group(1)), parse_version(bounded.group(2))) if bounded else (None, None)
        if low_high[0] is not None and low_high[1] is not None:
            low, high = low_high
            return VersionQuery(text, semantic_version.SimpleSpec(f">={low},<={high}"), _floor(low), _ceiling(high))
        exact = parse_version(text)
        if exact is None:
            raise ValueError(text)
        return VersionQuery(text, semantic_version.SimpleSpec(f"=={exact}"), _floor(exact), _ceiling(exact))
    except ValueError:
        raise InvalidInput(f"invalid version query {query!r}: {_HINT}") from None


def _npm_query(text: str) -> VersionQuery:
    """Tilde and caret, with the npm bounds of a partial version: ~1 allows 1.x, ~1.2 allows 1.2.x; ^1.2.3 stops
    before 2.0.0, ^0.2.3 before 0.3.0, ^0.0.3 before 0.0.4 (and ^0.0 before 0.1.0, ^0 before 1.0.0)."""
    base = parse_version(text[1:])
    if base is None:
        raise ValueError(text)
    given = len(text[1:].lstrip("vV").split("-")[0].split("+")[0].split("."))
    major, minor, patch = base.major, base.minor, base.patch
    if text[0] == "~":
        upper = (major + 1, 0, 0) if given == 1 else (major, minor + 1, 0)
    elif major > 0 or given == 1:
        upper = (major + 1, 0, 0)
    elif minor > 0 or given == 2:
        upper = (0, minor + 1, 0)
    else:
        upper = (0, 0, patch + 1)
    return VersionQuery(text, semantic_version.NpmSpec(text), _floor(base), _triple_key(*upper))


def _triple_key(major: int, minor: int, patch: int) -> str:
    return f"{major:0{_DIGITS}d}.{minor:0{_DIGITS}d}.{patch:0{_DIGITS}d}"


def _floor(version: semantic_version.Version) -> str:
    """The smallest key of `version`'s major.minor.patch (its prereleases included)."""
    return _triple_key(version.major, version.minor, version.patch)


def _ceiling(version: semantic_version.Version) -> str:
    """A key above every key of `version`'s major.minor.patch."""
    return _triple_key(version.major, version.minor, version.patch + 1)
