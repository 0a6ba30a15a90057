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
    UNSAFE_CONTENT = "UNSAFE_CONTENT"
    MONITOR_REJECTED = "MONITOR_REJECTED"
    LINK_INVALID = "LINK_INVALID"
    LINK_EXPIRED = "LINK_EXPIRED"
    STORE_UNAVAILABLE = "STORE_UNAVAILABLE"
    UPSTREAM_BUSY = "UPSTREAM_BUSY"
    ABORTED = "ABORTED"
    MIRROR_PENDING = "MIRROR_PENDING"


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
    ErrorCode.UNSAFE_CONTENT: "A package file's pickles import dangerous globals (code that runs on load); "
                              "`details.findings` names each file and global. Nothing was stored.",
    ErrorCode.MONITOR_REJECTED: "A sensitive model's monitor program refused this download; the message carries "
                                "its output.",
    ErrorCode.LINK_INVALID: "The download link was altered or is not signed by this registry; ask for a new one.",
    ErrorCode.LINK_EXPIRED: "The download link has expired; ask for a new one.",
    ErrorCode.STORE_UNAVAILABLE: "The registry's storage (database or blob store) did not answer in time or failed. "
                                 "Retry after `details.retry_after_seconds`. When `details.outcome` is \"unknown\" "
                                 "the write may have committed: retry with the same idempotency key (or upload id), "
                                 "which returns it if it did.",
    ErrorCode.UPSTREAM_BUSY: "Too many ingests are waiting on Hugging Face or GitHub already; nothing was done. Retry "
                             "after `details.retry_after_seconds`.",
    ErrorCode.ABORTED: "The write stopped before it committed and left nothing behind: a registry reset ran meanwhile, "
                       "or another request holds the same artifact, upload or idempotency key. Retry after "
                       "`details.retry_after_seconds`.",
    ErrorCode.MIRROR_PENDING: "Not an error: the artifact's files are still being copied into the registry (a large "
                              "mirror runs in the background). Ask again after `details.retry_after_seconds` (HTTP: "
                              "202 with Retry-After); nothing partial is ever served.",
}


class DomainError(Exception):
    """An expected failure, reported to the caller as data (GraphQL) or a status code (REST)."""

    code = ErrorCode.INVALID_INPUT.value
    status = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    @property
    def retry_after(self) -> int | None:
        """Seconds after which a retry may succeed (REST sends it as `Retry-After`); None for final answers."""
        value = self.details.get("retry_after_seconds")
        return int(value) if isinstance(value, (int, float)) else None

    def body(self) -> dict[str, Any]:
        """The JSON every HTTP door answers with: {"detail", "code"} and the details when there are any."""
        return {"detail": self.message, "code": self.code, **({"details": self.details} if self.details else {})}

    def headers(self) -> dict[str, str]:
        """HTTP headers every door adds to the answer: `Retry-After` when the error says when to come back."""
        return {} if self.retry_after is None else {"Retry-After": str(self.retry_after)}


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
    """The rating refused a model at the ingest gate; `details['failures']` lists each failing metric and
    `details['rating']` is the whole rating (also as the typed `rating`, for the doors)."""

    rating: Any = None

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


class UnsafeContent(DomainError):
    """A package or mirrored hub file whose pickles would run dangerous code on load (os.system, eval, ...).

    422 Unprocessable Content: the request is well-formed and allowed, but the content itself is refused, and
    sending it again will never succeed. Not 400 (nothing is malformed), not 403 (the doors answer 403 for bad
    credentials), not 424 (the spec's "disqualified by its rating"). `details['findings']` lists each file and
    global (ContentFinding records)."""

    code = ErrorCode.UNSAFE_CONTENT.value
    status = 422


class MonitorRejected(DomainError):
    """A sensitive model's JS monitor refused the download (non-zero exit, timeout, crash or too much output).
    The message includes the program's stdout, as the course asks; 403: the caller may not have this download."""

    code = ErrorCode.MONITOR_REJECTED.value
    status = 403


class LinkInvalid(DomainError):
    """A signed download link that was altered, made with another key, or lacks its signature."""

    code = ErrorCode.LINK_INVALID.value
    status = 403


class LinkExpired(DomainError):
    """A genuine signed download link past its expiry: the client should ask for a new one."""

    code = ErrorCode.LINK_EXPIRED.value
    status = 403


class StoreUnavailable(DomainError):
    """The metadata or blob store timed out, refused the connection, or kept failing after retries.

    503 with Retry-After. `details['outcome']` is "unknown" when the failure hit a write's commit: the write may have
    committed, and a retry with the same idempotency key or upload id returns it if it did."""

    code = ErrorCode.STORE_UNAVAILABLE.value
    status = 503


class UpstreamBusy(DomainError):
    """The bounded pool for upstream (hub, GitHub) work is full: refused at once rather than left to hang."""

    code = ErrorCode.UPSTREAM_BUSY.value
    status = 503


class Aborted(DomainError):
    """A write fenced off before its commit (a concurrent reset, a lost claim, a taken-over idempotency key or
    transaction). Nothing it did is visible; 409 with Retry-After: retrying is safe."""

    code = ErrorCode.ABORTED.value
    status = 409


class MirrorPending(DomainError):
    """The artifact's files are being mirrored in the background (registry/mirror.py): 202 Accepted with a
    Retry-After, until the stored package is complete. `details['retry_after_seconds']` says when to ask again."""

    code = ErrorCode.MIRROR_PENDING.value
    status = 202

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message, retry_after_seconds=retry_after_seconds)
