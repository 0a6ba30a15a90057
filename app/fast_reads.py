"""The REST reads the door answers without FastAPI's routing and parameter solving (rest/fast.py).

Mounted right inside the request pipeline, so a fast read is counted, logged and masked like any request: the
pipeline has built its scope (caller, base URL, request id), and an unexpected fault propagates to it. A domain
error is answered here as the HTTP shell answers it for the FastAPI route (`error_response` with the status the
spec gives it for that operation). Every other request passes through untouched.
"""
from __future__ import annotations

from collections.abc import Sequence

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_response
from registry.errors import DomainError
from resolvers.scope import STATE_KEY
from rest.errors import status_for
from rest.fast import FastRead


class FastReads:
    def __init__(self, app: ASGIApp, reads: Sequence[FastRead]) -> None:
        self.app = app
        self.reads = tuple(reads)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Behind a path prefix (root_path) FastAPI's own routing applies: only plain paths are taken here.
        if scope["type"] == "http" and scope["method"] == "GET" and not scope.get("root_path"):
            for read in self.reads:
                parameters = read.parameters(scope["path"])
                if parameters is not None:
                    await self._answer(read, parameters, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(read: FastRead, groups: tuple[str, ...], scope: Scope, receive: Receive, send: Send) -> None:
        current = scope["state"][STATE_KEY]
        current.operation = read.operation_id
        try:
            response = Response(await read.answer(current, *groups), media_type="application/json")
        except DomainError as exc:
            response = error_response(exc, status_for(exc, read.operation_id))
        await response(scope, receive, send)
