"""Artifact versions from git tags, and the version queries: exact, bounded range, tilde and caret."""
from __future__ import annotations

from collections.abc import Iterable

import re2
import semantic_version

from registry.errors import InvalidInput

DEFAULT_VERSION = "1.0.0"
_BOUNDED = re2.compile(r"^\s*v?(\S+?)\s*-\s*v?(\S+)\s*$")
_VERSION = re2.compile(r"^[vV]?\d+(\.\d+){0,2}(-[0-9A-Za-z.]+)?(\+[0-9A-Za-z.]+)?$")


def _coerce(text: str) -> semantic_version.Version | None:
    if not _VERSION.match(text):
        return None
    candidate = text[1:] if text[:1] in ("v", "V") else text
    try:
        return semantic_version.Version.coerce(candidate)
    except ValueError:
        return None


def version_from_tags(tags: Iterable[str]) -> str:
    """The highest tag written "vX" or "X" (X a version), else 1.0.0."""
    versions = [v for v in (_coerce(t) for t in tags) if v is not None]
    return str(max(versions)) if versions else DEFAULT_VERSION


def parse_version_query(query: str) -> semantic_version.base.BaseSpec:
    """"1.2.3" exact, "1.2.3-2.1.0" inclusive range, "~1.2.0" tilde and "^1.2.0" caret (npm semantics)."""
    text = (query or "").strip()
    if not text or len(text) > 64:
        raise InvalidInput("a version query is 1-64 characters: 1.2.3, 1.2.3-2.1.0, ~1.2.0 or ^1.2.0")
    try:
        if text[0] in "~^":
            return semantic_version.NpmSpec(text)
        bounded = _BOUNDED.match(text)
        if bounded and _coerce(bounded.group(1)) and _coerce(bounded.group(2)):
            low, high = _coerce(bounded.group(1)), _coerce(bounded.group(2))
            return semantic_version.SimpleSpec(f">={low},<={high}")
        exact = _coerce(text)
        if exact is None:
            raise ValueError(text)
        return semantic_version.SimpleSpec(f"=={exact}")
    except ValueError:
        raise InvalidInput(f"invalid version query {query!r}: use 1.2.3, 1.2.3-2.1.0, ~1.2.0 or ^1.2.0") from None


def matches(spec: semantic_version.base.BaseSpec, version: str) -> bool:
    parsed = _coerce(version)
    return parsed is not None and spec.match(parsed)
