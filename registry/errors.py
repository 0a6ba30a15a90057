"""Typed domain errors. Each carries the REST status it maps to; GraphQL maps them to user errors by `code`."""
from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An expected failure, reported to the caller as data (GraphQL) or a status code (REST)."""

    code = "DOMAIN_ERROR"
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        """The JSON every HTTP door answers with: {"detail", "code"} and the details when there are any."""
        return {"detail": self.message, "code": self.code, **({"details": self.details} if self.details else {})}


class InvalidInput(DomainError):
    code = "INVALID_INPUT"
    status = 400


class AuthenticationFailed(DomainError):
    """Missing, malformed, expired or exhausted token, or wrong credentials (the spec answers 403)."""

    code = "AUTHENTICATION_FAILED"
    status = 403


class PermissionDenied(DomainError):
    """The caller is known but lacks the permission (the spec answers 401 for this, e.g. /reset)."""

    code = "PERMISSION_DENIED"
    status = 401


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409


class TooLarge(DomainError):
    code = "TOO_LARGE"
    status = 413


class Disqualified(DomainError):
    """The rating refused a model at the ingest gate; `details['failures']` lists each failing metric."""

    code = "DISQUALIFIED"
    status = 424


class UpstreamError(DomainError):
    """Hugging Face or GitHub could not be reached or answered with a server error."""

    code = "UPSTREAM_ERROR"
    status = 502
