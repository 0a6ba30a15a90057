"""The one retry policy of the sources: bounded attempts, exponential backoff, transient failures only."""
from __future__ import annotations

from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential

from scoring.errors import SourceRateLimited, SourceUnavailable


def is_transient(exc: BaseException) -> bool:
    """Timeouts, connection errors and 5xx are worth another try; a rate limit is not (its wait is long)."""
    return isinstance(exc, SourceUnavailable) and not isinstance(exc, SourceRateLimited)


def build_retrying(retries: int, backoff: float) -> Retrying:
    """`retries` extra attempts after the first, waiting backoff·2^n seconds (capped at 8·backoff) between."""
    return Retrying(
        stop=stop_after_attempt(retries + 1),
        wait=wait_exponential(multiplier=backoff, min=0, max=backoff * 8),
        retry=retry_if_exception(is_transient),
        reraise=True,
    )
