"""Queries over the artifact service that the REST door needs and ArtifactService does not offer by itself.

- `find`: the union of several name queries ("*" meaning every artifact), each optionally limited to some
  types, paged by an *offset token*. The REST API knows no versions: each query answers with each name's newest
  version (of each type).  The union is read as one sequence: first the "*" enumeration (keyset-paged
  by the store through ArtifactService.enumerate, so a page costs the same whatever the registry's size), then
  the artifacts named by the other queries that the "*" part has not already delivered, deduplicated.
  The token is opaque (base64url JSON of the phase and the Relay cursor or index to resume at); a plain decimal
  offset ("0", "40") is also accepted as "skip that many", up to `max_numeric_offset`, for clients that count.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from registry.artifacts import ArtifactService
from registry.errors import InvalidInput, TooLarge
from registry.model import Artifact, ArtifactType, User
from registry.paging import decode_token, encode_token

WILDCARD = "*"
_STAR, _NAMED = 0, 1  # the two phases of the union, in delivery order


@dataclass(frozen=True)
class NameQuery:
    """Artifacts called `name` ("*": every artifact), of `types` only when given."""

    name: str
    types: tuple[ArtifactType, ...] | None = None


@dataclass(frozen=True)
class QueryPage:
    artifacts: list[Artifact]
    next_offset: str | None  # None on the last page


@dataclass(frozen=True)
class _Position:
    phase: int
    cursor: str | None = None  # Relay cursor inside the "*" enumeration
    index: int = 0  # position in the named results

    def encode(self) -> str:
        return encode_token({"p": self.phase, "c": self.cursor} if self.phase == _STAR
                            else {"p": self.phase, "i": self.index})


@dataclass(frozen=True)
class _Plan:
    star: bool
    star_types: list[ArtifactType] | None  # None: every type
    named: list[Artifact]


class ArtifactQueries:
    def __init__(self, artifacts: ArtifactService, page_size: int, max_queries: int = 100,
                 max_named: int = 1000, max_numeric_offset: int = 10_000) -> None:
        self._artifacts = artifacts
        self._page_size = page_size
        self._max_queries = max_queries
        self._max_named = max_named
        self._max_numeric_offset = max_numeric_offset

    def find(self, actor: User, queries: Sequence[NameQuery], offset: str | None = None) -> QueryPage:
        """One page of the union of `queries`; TooLarge when the request asks for more than the caps allow."""
        if not queries:
            raise InvalidInput("send at least one query (name \"*\" enumerates every artifact)")
        if len(queries) > self._max_queries:
            raise TooLarge(f"a request holds at most {self._max_queries} queries")
        plan = self._plan(actor, queries)
        if offset is not None and offset.strip().isdigit():
            return self._skip(actor, plan, int(offset.strip()))
        return self._page(actor, plan, _decode(offset), self._page_size)

    # internals -------------------------------------------------------------------------------------------------
    def _plan(self, actor: User, queries: Sequence[NameQuery]) -> _Plan:
        stars = [q for q in queries if q.name == WILDCARD]
        star_types: list[ArtifactType] | None = None
        if stars and all(q.types for q in stars):
            star_types = list(dict.fromkeys(t for q in stars for t in q.types or ()))
        covered = set(ArtifactType) if star_types is None else set(star_types)
        named: dict[str, Artifact] = {}
        for query in queries:
            if query.name == WILDCARD:
                continue
            for artifact in self._artifacts.by_name(actor, query.name, query.types or None):
                if not (stars and artifact.type in covered):
                    named.setdefault(artifact.id, artifact)
            if len(named) > self._max_named:
                raise TooLarge(f"more than {self._max_named} artifacts match these names; query fewer names")
        return _Plan(bool(stars), star_types if stars else None, list(named.values()))

    def _page(self, actor: User, plan: _Plan, position: _Position, size: int) -> QueryPage:
        items: list[Artifact] = []
        start = position.index if position.phase == _NAMED else 0
        if plan.star and position.phase == _STAR:
            page = self._artifacts.enumerate(actor, plan.star_types, size, position.cursor)
            items = [edge.node for edge in page.edges]
            if page.has_next_page:
                return QueryPage(items, _Position(_STAR, cursor=page.edges[-1].cursor).encode())
        taken = plan.named[start:start + size - len(items)]
        end = start + len(taken)
        following = _Position(_NAMED, index=end).encode() if end < len(plan.named) else None
        return QueryPage(items + taken, following)

    def _skip(self, actor: User, plan: _Plan, count: int) -> QueryPage:
        """The page after the first `count` items of the union (reads `count` items: hence the cap)."""
        if count > self._max_numeric_offset:
            raise InvalidInput(f"a numeric offset is at most {self._max_numeric_offset}; "
                               "follow the offset header of each response for later pages")
        position: _Position | None = _Position(_STAR)
        while count > 0 and position is not None:
            skipped = self._page(actor, plan, position, min(count, self._page_size))
            count -= len(skipped.artifacts)
            position = _decode(skipped.next_offset) if skipped.next_offset else None
        if position is None:
            return QueryPage([], None)
        return self._page(actor, plan, position, self._page_size)


def _decode(offset: str | None) -> _Position:
    if offset is None or not offset.strip():
        return _Position(_STAR)
    data = decode_token(offset, "offset", _valid_position)
    return _Position(_STAR, cursor=data["c"]) if data["p"] == _STAR else _Position(_NAMED, index=data["i"])


def _valid_position(data: dict[str, Any]) -> bool:
    if data.get("p") == _STAR:
        return "c" in data and (data["c"] is None or isinstance(data["c"], str))
    index = data.get("i")
    return data.get("p") == _NAMED and isinstance(index, int) and not isinstance(index, bool) and index >= 0
