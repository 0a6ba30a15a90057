"""Keyset paging shared by the metadata adapters: sort keys, opaque cursors and the merge of per-type streams.

Every artifact has a sort key `<created_at, fixed width UTC>#<id>`: unique, stable under updates (created_at
never changes) and ordered by creation. A page is "the `limit` smallest sort keys greater than the cursor's",
which an index answers by seeking, so a page costs the same whatever the registry's size. A request for
several types merges one such seek per type (each fetching `limit + 1`), which keeps the cost flat too.
"""
from __future__ import annotations

import base64
import heapq
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TypeVar

from registry.errors import InvalidInput
from registry.model import Artifact, ArtifactType
from store.ports import Page, as_utc

_MAX_CURSOR_CHARS = 512
Raw = TypeVar("Raw")


def timestamp_key(value: datetime) -> str:
    """Fixed-width UTC text that sorts like the instant it names."""
    return as_utc(value).strftime("%Y%m%dT%H%M%S.%fZ")


def sort_key(artifact: Artifact) -> str:
    return f"{timestamp_key(artifact.created_at)}#{artifact.id}"


def encode_cursor(key: str) -> str:
    raw = json.dumps({"k": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """The sort key a cursor resumes after (None: from the start). Anything this module did not make is refused."""
    if cursor is None:
        return None
    try:
        if len(cursor) > _MAX_CURSOR_CHARS:
            raise ValueError("too long")
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        key = data["k"]
        if not isinstance(key, str) or not key:
            raise ValueError("bad key")
    except (ValueError, KeyError, TypeError):
        raise InvalidInput("invalid cursor: pass a cursor this API returned") from None
    return key


def type_list(types: Iterable[ArtifactType] | None) -> list[ArtifactType]:
    """The requested types, deduplicated in a fixed order; None or empty means every type."""
    wanted = set(types) if types else set(ArtifactType)
    return [t for t in ArtifactType if t in wanted]


def check_limit(limit: int) -> int:
    if limit < 1:
        raise InvalidInput("page size must be at least 1")
    return limit


def merge_page(streams: Iterable[list[tuple[str, Raw]]], limit: int,
               decode: Callable[[Raw], Artifact | None]) -> Page:
    """The first `limit` of the merged streams of (sort key, stored record), each sorted and holding up to
    `limit + 1` records. Only the records on the page are decoded; `decode` may drop one that vanished."""
    merged = list(heapq.merge(*streams, key=lambda keyed: keyed[0]))[:limit + 1]
    page = merged[:limit]
    next_cursor = encode_cursor(page[-1][0]) if len(merged) > limit else None
    return Page([artifact for _, raw in page if (artifact := decode(raw)) is not None], next_cursor)
