"""The one request pipeline every door goes through (pure ASGI, outermost after Starlette's own error guard).

For each HTTP request it:
1. gives the request an id (a well-formed `X-Request-ID` from the client, else a new one) and answers with it;
2. builds the `RequestScope` once — the caller from `X-Authorization` (or `Authorization`), the base URL clients
   reach us at, the request id — and leaves it in `scope["state"]` for GraphQL, REST and the transfer routes;
3. caps the request body (declared and actually received) on every path but the streaming package upload;
4. answers an unexpected fault with a masked 500 and logs it once, with its traceback;
5. counts the request for health (client errors and server errors apart; a GraphQL 200 carrying user errors
   is a client error) and writes one structured log line: id, caller, operation, status, duration, error codes.
"""
from __future__ import annotations

import itertools
import logging
import secrets
import time
from typing import Any

import re2
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_response, operation_of, unexpected_response
from app.logs import REQUEST_ID
from registry.container import Registry
from registry.errors import TooLarge
from registry.health import Outcome
from resolvers.scope import STATE_KEY, Caller, RequestScope

_REQUEST_ID = re2.compile(r"^[A-Za-z0-9._-]{8,64}$")
_log = logging.getLogger("registry.http")
# Fresh request ids: a random per-process prefix and a counter. Unique like uuid4 without a system call per
# request (os.urandom is a syscall; in a VM it cost tens of microseconds a request).
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count()


def new_process_identity() -> None:
    """A fresh request-id prefix, for a process cloned from a snapshot (Lambda SnapStart restores every instance
    from one memory image, which would otherwise give them all the same prefix)."""
    global _ID_PREFIX
    _ID_PREFIX = secrets.token_hex(8)


class _BodyTooLarge(Exception):
    pass


class RequestPipeline:
    def __init__(self, app: ASGIApp, registry: Registry, max_body_bytes: int,
                 uncapped_prefixes: tuple[str, ...] = ("/uploads/",)) -> None:
        self.app = app
        self.registry = registry
        self.max_body_bytes = max_body_bytes
        self.uncapped = uncapped_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope["headers"])
        request_id = _request_id(headers.get(b"x-request-id"))
        context_token = REQUEST_ID.set(request_id)
        current = self._scope_of(scope, headers, request_id)
        scope.setdefault("state", {})[STATE_KEY] = current
        status = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            if self._refuses_declared(scope, headers):
                raise _BodyTooLarge
            await self.app(scope, self._capped(scope, receive), send_with_id)
        except _BodyTooLarge:
            if not status:
                await error_response(TooLarge(f"the request body is over {self.max_body_bytes} bytes"))(
                    scope, receive, send_with_id)
        except Exception:
            _log.error("unexpected error", exc_info=True, extra={"event": "error", "fields": {
                "method": scope["method"], "path": scope["path"]}})
            if not status:
                await unexpected_response()(scope, receive, send_with_id)
        finally:
            self._finish(scope, current, status or 500, time.perf_counter() - started)
            REQUEST_ID.reset(context_token)

    def _scope_of(self, scope: Scope, headers: dict[bytes, bytes], request_id: str) -> RequestScope:
        authorization = headers.get(b"x-authorization") or headers.get(b"authorization")
        base = self.registry.settings.public_url or _base_url(scope, headers)
        return RequestScope(registry=self.registry,
                            caller=Caller(self.registry.users, authorization.decode("latin-1") if authorization
                                          else None),
                            base_url=self.registry.settings.base_url(base), request_id=request_id)

    def _refuses_declared(self, scope: Scope, headers: dict[bytes, bytes]) -> bool:
        declared = headers.get(b"content-length")
        return (not scope["path"].startswith(self.uncapped) and declared is not None and declared.isdigit()
                and int(declared) > self.max_body_bytes)

    def _capped(self, scope: Scope, receive: Receive) -> Receive:
        if scope["path"].startswith(self.uncapped):
            return receive
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.max_body_bytes:
                raise _BodyTooLarge
            return message

        return counted

    def _finish(self, scope: Scope, current: RequestScope, status: int, seconds: float) -> None:
        if status >= 500 or current.faulted:
            outcome = Outcome.SERVER_ERROR
        elif status >= 400 or current.error_codes:
            outcome = Outcome.CLIENT_ERROR
        else:
            outcome = Outcome.OK
        self.registry.health.counter.record(outcome)
        fields: dict[str, Any] = {"method": scope["method"], "path": scope["path"], "status": status,
                                  "duration_ms": round(seconds * 1000, 2),
                                  "operation": current.operation or operation_of(scope),
                                  "caller": current.caller.username}
        if current.error_codes:
            fields["error_codes"] = current.error_codes
        _log.info("%s %s %d", scope["method"], scope["path"], status, extra={"event": "request", "fields": fields})


def _request_id(given: bytes | None) -> str:
    """The client's id when it is a sane token (so a trace can span services), else a fresh one."""
    if given:
        text = given.decode("latin-1")
        if _REQUEST_ID.match(text):
            return text
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


def _base_url(scope: Scope, headers: dict[bytes, bytes]) -> str:
    """The URL the request came to, without its path: Starlette's `Request.base_url` for plain requests, without
    parsing a URL object per request (only uploads and downloads use it)."""
    host = headers.get(b"host")
    if host is None:
        return str(Request(scope).base_url)
    return f"{scope.get('scheme', 'http')}://{host.decode('latin-1')}{scope.get('root_path', '')}/"
