"""Errors raised by the upstream sources (hub, GitHub, URL parsing).

scoring/ never imports registry/: the registry maps these onto its own domain errors (and REST statuses).
"""
from __future__ import annotations


class SourceError(Exception):
    """Base class for every failure of an upstream source; carries a human-readable reason."""


class InvalidSourceURL(SourceError):
    """The URL is not a strictly valid Hugging Face or GitHub repository URL (the reason says why)."""


class SourceNotFound(SourceError):
    """The upstream repository (or file) does not exist, or is private/forbidden for our token."""


class SourceUnavailable(SourceError):
    """The upstream could not answer now: timeout, connection error, 5xx, or a rate limit (403/429).

    `retry_after` (seconds) is set when the upstream said when to come back, so a caller can pass it on.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceRateLimited(SourceUnavailable):
    """The upstream refused because of a rate limit; never retried in place (the wait may be an hour)."""
