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


class UnsafeContent(DomainError):
    """A package or mirrored hub file whose pickles would run dangerous code on load (os.system, eval, ...).

    422 Unprocessable Content: the request is well-formed and allowed, but the content itself is refused, and
    sending it again will never succeed. Not 400 (nothing is malformed), not 403 (the doors answer 403 for bad
    credentials), not 424 (the spec's "disqualified by its rating"). `details['findings']` lists each file and
    global (ContentFinding records)."""

    code = "UNSAFE_CONTENT"
    status = 422


class MonitorRejected(DomainError):
    """A sensitive model's JS monitor refused the download (non-zero exit, timeout, crash or too much output).
    The message includes the program's stdout, as the course asks; 403: the caller may not have this download."""

    code = "MONITOR_REJECTED"
    status = 403


class LinkInvalid(DomainError):
    """A signed download link that was altered, made with another key, or lacks its signature."""

    code = "LINK_INVALID"
    status = 403


class LinkExpired(DomainError):
    """A genuine signed download link past its expiry: the client should ask for a new one."""

    code = "LINK_EXPIRED"
    status = 403
