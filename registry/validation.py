"""Checks on caller-supplied identifiers, shared by every door."""
from __future__ import annotations

import re2

from registry.errors import InvalidInput
from scoring.parts import PackagePart

# Names a query syntax gives a meaning to: an artifact called so could never be asked for by name.
RESERVED_NAMES = {
    "*": 'it means "every artifact" in the REST queries (POST /artifacts)',
    ".": "it is a path segment that URLs collapse (GET /artifact/byName/.)",
    "..": "it is a path segment that URLs collapse (GET /artifact/byName/..)",
}
MAX_ARTIFACT_ID = 128
# Printable ASCII ("keyboard characters"), '/' included; no control characters.
_NAME = re2.compile(r"^[\x20-\x7e]+$")


def is_artifact_id(value: object) -> bool:
    """1-128 ASCII letters, digits and '-' (the spec's id pattern). Checked with str methods, not a regex: every
    read by id passes here, and a call into RE2 costs ten times these two C-level scans."""
    return isinstance(value, str) and 0 < len(value) <= MAX_ARTIFACT_ID and value.isascii() \
        and value.replace("-", "0").isalnum()


def check_artifact_id(artifact_id: str) -> str:
    if not is_artifact_id(artifact_id):
        raise InvalidInput("artifact ids are 1-128 characters of letters, digits and '-'")
    return artifact_id


def check_name(name: str, max_length: int) -> str:
    if not name or len(name) > max_length:
        raise InvalidInput(f"names are 1 to {max_length} characters long")
    if not _NAME.match(name) or not name.strip():
        raise InvalidInput("names are printable keyboard characters (no control characters or NUL)")
    if name in RESERVED_NAMES:
        raise InvalidInput(f"{name!r} cannot be a name: {RESERVED_NAMES[name]}")
    return name


def check_part(part: PackagePart | str | None) -> PackagePart:
    """A download part by name ("full", "weights", "card"); None means the whole package."""
    if part is None:
        return PackagePart.FULL
    try:
        return PackagePart(part)
    except ValueError:
        raise InvalidInput(f"part must be one of {', '.join(p.value for p in PackagePart)}") from None
