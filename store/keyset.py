"""Keyset paging helpers shared by the metadata adapters (the sort key and cursor codec are the domain's:
registry.paging). A request for several types merges one index seek per type (each fetching `limit + 1`), which
keeps a page's cost flat whatever the registry's size.
"""
from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable
from typing import TypeVar

from registry.errors import InvalidInput
from registry.model import Artifact, ArtifactType
from registry.paging import Page, encode_cursor

Raw = TypeVar("Raw")


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
