"""The one way an HTTP answer says something went wrong: `error_response`, used by REST, the transfer routes and
the pipeline (body cap, unexpected faults); GraphQL answers errors inside its own 200 documents.

Every error body is `{"detail": <for people>, "code": <stable, for programs>}` plus `details` when there are
any. REST keeps the spec's statuses: each domain error carries its own, and `rest.errors.status_for` knows the
few operations whose spec answers the same error with another code.
"""
from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from registry.errors import DomainError, InvalidInput
from rest.errors import status_for

INTERNAL_ERROR = "INTERNAL_ERROR"
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "TOO_LARGE"}
_log = logging.getLogger("registry.http")


def error_response(exc: DomainError, status: int | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    """The error's body, status and headers (`Retry-After` when the error says a retry may succeed: 503, 409 in
    progress, 202 while a mirror runs)."""
    return JSONResponse(exc.body(), status_code=status or exc.status, headers={**exc.headers(), **(headers or {})})


def unexpected_response() -> JSONResponse:
    """A fault we did not expect: no internals in the answer (they are in the log, once, with the traceback)."""
    return JSONResponse({"detail": "Unexpected error.", "code": INTERNAL_ERROR}, status_code=500)


def operation_of(scope: MutableMapping[str, Any]) -> str | None:
    """The REST operationId of the route that served the request (None for other routes)."""
    return getattr(scope.get("route"), "operation_id", None)


def install_error_handlers(app: FastAPI) -> None:
    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        return error_response(exc, status_for(exc, operation_of(request.scope)))

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        """400 with a readable message for what FastAPI would answer with 422."""
        assert isinstance(exc, RequestValidationError)
        problems = [_describe(error) for error in exc.errors()]
        return error_response(InvalidInput("invalid request: " + "; ".join(problems), errors=problems))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        """Starlette's own answers (no such route, wrong method) in the same shape, with a code."""
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, f"HTTP_{exc.status_code}")
        return JSONResponse({"detail": str(exc.detail), "code": code}, status_code=exc.status_code,
                            headers=exc.headers)

    app.add_exception_handler(DomainError, domain_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return f"{location}: {error.get('msg', 'invalid')}"
