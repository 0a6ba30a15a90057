"""Domain errors to REST status codes: the one table, and the handlers that apply it.

The spec's codes: 400 bad input, 403 missing/invalid token, 401 a known caller without the permission (e.g.
/reset by a non-admin), 404, 409 already registered, 413 too much at once, 424 refused by the rating gate,
502 upstream (Hugging Face / GitHub) unavailable.  Two operations read an error differently: /authenticate
answers wrong credentials with 401 ("The user or password is invalid"), where every other operation answers an
unusable token with 403; and a create whose source URL names no repository is a bad artifact_data (400: the
spec gives ArtifactCreate no 404, which elsewhere means "no such artifact in the registry").
Validation errors (malformed JSON, wrong types, ids off the pattern, unknown artifact types, missing fields) are
400 with a message, never FastAPI's 422.
"""
from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.responses import Response

from registry.errors import AuthenticationFailed, DomainError, InvalidInput, NotFound

AUTHENTICATE = "CreateAuthToken"
CREATE = "ArtifactCreate"

# Each domain error carries its status (registry/errors.py: 400, 401, 403, 404, 409, 413, 424, 502); these are
# the (operationId, error) pairs the spec answers with another code.
OPERATION_STATUS: dict[tuple[str, type[DomainError]], int] = {
    (AUTHENTICATE, AuthenticationFailed): 401,
    (CREATE, NotFound): 400,
}


def status_for(exc: DomainError, operation_id: str | None = None) -> int:
    """The status of `exc` in `operation_id`: the operation's exception for it (or a parent class), else the
    error's own status."""
    if operation_id is not None:
        for cls in type(exc).__mro__:
            if (operation_id, cls) in OPERATION_STATUS:
                return OPERATION_STATUS[(operation_id, cls)]
    return exc.status


def error_response(exc: DomainError, operation_id: str | None = None) -> JSONResponse:
    return JSONResponse(exc.body(), status_code=status_for(exc, operation_id))


class SpecRoute(APIRoute):
    """A REST route whose domain errors are answered through the table, with its operation's exceptions."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        operation_id = self.operation_id

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except DomainError as exc:
                return error_response(exc, operation_id)

        return answer


async def validation_error(_: Request, exc: Exception) -> JSONResponse:
    """400 with a readable message for what FastAPI would answer with 422."""
    assert isinstance(exc, RequestValidationError)
    problems = [_describe(error) for error in exc.errors()]
    return JSONResponse({"detail": "invalid request: " + "; ".join(problems), "code": InvalidInput.code,
                         "errors": problems}, status_code=400)


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error.get("loc", ()) if part != "body") or "body"
    return f"{location}: {error.get('msg', 'invalid')}"
