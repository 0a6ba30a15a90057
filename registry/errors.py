"""Typed domain errors. Each carries its stable `code` and the HTTP status it maps to; GraphQL shows the code
(as the `ErrorCode` enum) in mutation payloads' `errors` and in query errors' `extensions.code`."""
from __future__ import annotations

import enum
from typing import Any


class ErrorCode(str, enum.Enum):
    """Every code an expected failure can carry; clients switch on these (their meaning is `ERROR_MEANINGS`)."""

    INVALID_INPUT = "INVALID_INPUT"
    AUTHENTICATION_FAILED = "AUTHENTICATION_FAILED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    TOO_LARGE = "TOO_LARGE"
    DISQUALIFIED = "DISQUALIFIED"
    UPSTREAM_ERROR = "UPSTREAM_ERROR"
    RANGE_NOT_SATISFIABLE = "RANGE_NOT_SATISFIABLE"


ERROR_MEANINGS: dict[ErrorCode, str] = {
    ErrorCode.INVALID_INPUT: "The request is malformed or a value is out of range; the message says which. "
                             "Fix the input; retrying as is fails again.",
    ErrorCode.AUTHENTICATION_FAILED: "No usable token: missing, malformed, expired, used up, or wrong credentials. "
                                     "Log in again.",
    ErrorCode.PERMISSION_DENIED: "The caller is known but lacks the permission (upload, search, download, admin).",
    ErrorCode.NOT_FOUND: "No such artifact, user, upload or upstream repository (or not visible to the caller).",
    ErrorCode.CONFLICT: "It already exists (same source and name, same user, same package bytes).",
    ErrorCode.TOO_LARGE: "Too much at once: a body, page, package or result set over its cap; narrow the request.",
    ErrorCode.DISQUALIFIED: "The rating gate refused the model; `details.failures` lists each failing metric.",
    ErrorCode.UPSTREAM_ERROR: "Hugging Face or GitHub could not be reached or failed; retry later.",
    ErrorCode.RANGE_NOT_SATISFIABLE: "The requested byte range starts past the end of the file.",
}


class DomainError(Exception):
    """An expected failure, reported to the caller as data (GraphQL) or a status code (REST)."""

    code = ErrorCode.INVALID_INPUT.value
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON every HTTP door answers with: {"detail", "code"} and the details when there are any."""
        return {"detail": self.message, "code": self.code, **({"details": self.details} if self.details else {})}


class InvalidInput(DomainError):
    code = ErrorCode.INVALID_INPUT.value
    status = 400


class AuthenticationFailed(DomainError):
    """Missing, malformed, expired or exhausted token, or wrong credentials (the spec answers 403)."""

    code = ErrorCode.AUTHENTICATION_FAILED.value
    status = 403


class PermissionDenied(DomainError):
    """The caller is known but lacks the permission (the spec answers 401 for this, e.g. /reset)."""

    code = ErrorCode.PERMISSION_DENIED.value
    status = 401


class NotFound(DomainError):
    code = ErrorCode.NOT_FOUND.value
    status = 404


class Conflict(DomainError):
    code = ErrorCode.CONFLICT.value
    status = 409


class TooLarge(DomainError):
    code = ErrorCode.TOO_LARGE.value
    status = 413


class Disqualified(DomainError):
    """The rating refused a model at the ingest gate; `details['failures']` lists each failing metric."""

    code = ErrorCode.DISQUALIFIED.value
    status = 424


class UpstreamError(DomainError):
    """Hugging Face or GitHub could not be reached or answered with a server error."""

    code = ErrorCode.UPSTREAM_ERROR.value
    status = 502


class RangeNotSatisfiable(DomainError):
    """A download's Range header starts past the end; `details['size']` is the file's size."""

    code = ErrorCode.RANGE_NOT_SATISFIABLE.value
    status = 416
