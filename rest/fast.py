"""The REST door's hottest read without FastAPI's per-request parameter machinery (issue 15).

`GET /artifacts/{artifact_type}/{id}` is the call REST clients make most. Through its FastAPI route, a fifth of
the request's time under load went to the framework around the read (matching the request against every route
declared before it, solving the scope dependency and both path parameters through pydantic, serializing the answer
through the response model), nearly as much as the read itself: a token check, two indexed reads and one HMAC
(docs/performance.md). Without it the server answers this read 1.6 times as fast. `FAST_READS` lists the requests
this door answers directly instead; the HTTP shell serves them behind the same pipeline (app/fast_reads.py), with
the same use case (`resolvers.artifact.get_newest`), the same envelope (`rest.routes.envelope`) and the same errors
and statuses (`rest.errors.status_for`).

A path is answered here only when the route would accept it as it is: a known type and a well-formed id. Anything
else (an unknown type, a malformed or over-long id, another method) goes on to the FastAPI route, which stays
declared for the OpenAPI document and answers those requests as before. tests/rest/test_fast.py checks that the
two give the same statuses, headers and bodies (a signed link's time-dependent fields aside) for the same requests.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from registry.model import ArtifactType
from registry.validation import is_artifact_id
from resolvers import artifact as artifacts
from resolvers.scope import RequestScope
from rest.routes import envelope

_TYPES = frozenset(kind.value for kind in ArtifactType)


@dataclass(frozen=True)
class FastRead:
    """A GET answered from its path alone: `answer(scope, *parameters)` gives the JSON body or raises a domain
    error. `accepts(*parameters)` says whether the route would take them as they are (else the route answers)."""

    operation_id: str  # the FastAPI route's, for the error statuses and the log line
    path: str  # the FastAPI route's path: literal segments and `{parameter}` segments
    accepts: Callable[..., bool]
    answer: Callable[..., Awaitable[bytes]]
    _segments: tuple[str | None, ...] = field(init=False, repr=False)  # None where a parameter stands

    def __post_init__(self) -> None:
        object.__setattr__(self, "_segments", tuple(
            None if part.startswith("{") and part.endswith("}") else part for part in self.path.split("/")))

    def parameters(self, path: str) -> tuple[str, ...] | None:
        """The path's parameters when this read answers it, else None. Segment by segment, as the route matches a
        path: each literal segment equal, each parameter one non-empty segment (a regex match per request cost
        the read ~15 µs through re2's Python wrapper)."""
        parts = path.split("/")
        if len(parts) != len(self._segments):
            return None
        found = []
        for expected, part in zip(self._segments, parts):
            if expected is None and part:
                found.append(part)
            elif expected != part:
                return None
        return tuple(found) if self.accepts(*found) else None


async def retrieve(scope: RequestScope, artifact_type: str, artifact_id: str) -> bytes:
    artifact = await artifacts.get_newest(scope, artifact_id, ArtifactType(artifact_type))
    return envelope(artifact, scope).model_dump_json(exclude_none=True).encode()


FAST_READS: tuple[FastRead, ...] = (
    # The route's parameters: a known type, and an id as the registry's rule has it (registry.validation).
    FastRead("ArtifactRetrieve", "/artifacts/{artifact_type}/{id}",
             lambda artifact_type, artifact_id: artifact_type in _TYPES and is_artifact_id(artifact_id), retrieve),
)
