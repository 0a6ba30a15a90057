"""Pages and the one page-token codec: keyset cursors over artifacts, and the REST offset tokens.

Every artifact has a sort key `<created_at, fixed width UTC>#<id>`: unique, stable under updates (created_at
never changes) and ordered by creation. A page is "the `limit` smallest sort keys greater than the cursor's".
The stores answer that by seeking an index (`ArtifactStore.list_artifacts`); the services page other result
sets (search hits, name and version matches) the same way with `page_after`, so every list a client pages
through has exact cursors that resume right after an item.

Tokens are opaque to clients: base64url of a small JSON object, refused (InvalidInput) unless this module made
something of that shape.
"""
from __future__ import annotations

import base64
import heapq
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Generic, TypeVar

from registry.errors import InvalidInput
from registry.model import Artifact
from registry.version import version_key

T = TypeVar("T")
MAX_TOKEN_CHARS = 4096
_POSITION_DIGITS = 9  # log positions in cursors: a log of up to a billion entries


def as_utc(value: datetime) -> datetime:
    """An aware datetime (naive ones are taken as UTC), so recorded times from any store compare."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def timestamp_key(value: datetime) -> str:
    """Fixed-width UTC text that sorts like the instant it names."""
    return as_utc(value).strftime("%Y%m%dT%H%M%S.%fZ")


def sort_key(artifact: Artifact) -> str:
    return f"{timestamp_key(artifact.created_at)}#{artifact.id}"


def version_sort_key(artifact: Artifact) -> str:
    """The key of version order: the version's precedence (registry.version.version_key, which holds no '#'),
    then the sort key. Unique, and stable (versions never change)."""
    return f"{version_key(artifact.version)}#{sort_key(artifact)}"


def newest_versions(artifacts: Iterable[Artifact]) -> list[Artifact]:
    """The newest version of each type and name among `artifacts`, in the order each name first appears."""
    newest: dict[tuple[str, str], Artifact] = {}
    for artifact in artifacts:
        line = (artifact.type.value, artifact.name)
        held = newest.get(line)
        if held is None or version_sort_key(artifact) > version_sort_key(held):
            newest[line] = artifact
    return list(newest.values())


def encode_token(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str, what: str, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The object inside `token` if `check` accepts it; otherwise InvalidInput naming `what` was expected."""
    try:
        if len(token) > MAX_TOKEN_CHARS:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(data, dict) or not check(data):
            raise ValueError("bad fields")
        return data
    except (ValueError, KeyError, TypeError):
        raise InvalidInput(f"invalid {what}: pass back the {what} a previous response gave") from None


def encode_cursor(key: str) -> str:
    return encode_token({"k": key})


def decode_cursor(cursor: str | None) -> str | None:
    """The sort key a cursor resumes after (None: from the start)."""
    if cursor is None:
        return None
    return str(decode_token(cursor, "cursor", lambda d: isinstance(d.get("k"), str) and bool(d["k"]))["k"])


def cursor_of(artifact: Artifact) -> str:
    """The cursor that resumes right after `artifact` in any artifact listing."""
    return encode_cursor(sort_key(artifact))


class Page:
    """One page of a store enumeration and the cursor of the next (None at the end)."""

    __slots__ = ("items", "next_cursor")

    def __init__(self, items: list[Artifact], next_cursor: str | None) -> None:
        self.items = items
        self.next_cursor = next_cursor


@dataclass(frozen=True)
class Edge(Generic[T]):
    node: T
    cursor: str


@dataclass(frozen=True)
class Connection(Generic[T]):
    """A Relay-style page: each edge's cursor resumes right after it."""

    edges: list[Edge[T]]
    has_next_page: bool


def page_after(keyed: Iterable[tuple[str, T]], first: int, after: str | None) -> tuple[list[tuple[str, T]], bool]:
    """The `first` items with the smallest sort keys greater than the cursor `after`, from items in any order,
    and whether more follow. Memory is O(first), whatever the number of items."""
    start = decode_cursor(after) or ""
    smallest = heapq.nsmallest(first + 1, ((key, item) for key, item in keyed if key > start), key=lambda kv: kv[0])
    return smallest[:first], len(smallest) > first


def page_log(read: Callable[[int], list[T]], first: int, after: str | None, max_page_size: int) -> Connection[T]:
    """One page of an append-only, oldest-first log (audit trail, download history), where `read(n)` gives its first
    n entries. A cursor is a position: stable, since the log only grows at its end. A page reads the entries before
    it too (the stores seek logs by artifact, not by position), which a log of thousands of entries can afford."""
    if first < 1 or first > max_page_size:
        raise InvalidInput(f"page size must be between 1 and {max_page_size}")
    position = decode_cursor(after)
    if position is not None and not (position.isascii() and position.isdigit() and len(position) <= _POSITION_DIGITS):
        raise InvalidInput("invalid cursor: pass back the cursor a previous response gave")
    start = 0 if position is None else int(position) + 1
    entries = read(start + first + 1)[start:]
    edges = [Edge(entry, encode_cursor(f"{start + n:0{_POSITION_DIGITS}d}")) for n, entry in enumerate(entries[:first])]
    return Connection(edges, len(entries) > first)
