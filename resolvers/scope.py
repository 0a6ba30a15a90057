"""The request scope every door hands to the resolvers, and the one way blocking work leaves the event loop.

`RequestScope` is framework-neutral: the HTTP shell (app/pipeline.py) builds it once per request from the
headers (caller's token, request id) and the URL the request came to; GraphQL fields and REST routes pass it to
the use cases in this package unchanged. Whatever a door needs to say about the request in its log line (the
operation, the outcome of an expected error) it writes back here, so the shell logs one line per request.
"""
from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, cast

from anyio import to_thread

from registry.auth import UserService
from registry.container import Registry
from registry.model import User
from registry.tokens import NotHeld

T = TypeVar("T")


class Caller:
    """The request's caller, resolved from its token once per request (the token's use is counted once),
    inside the worker thread of the first service call that needs it: one thread hop per call, not two."""

    def __init__(self, users: UserService, authorization: str | None) -> None:
        self._users = users
        self._authorization = authorization
        self._user: User | None = None
        self._lock = threading.Lock()

    def get(self, wait: bool = True) -> User:
        """The caller's user; with `wait=False`, raise registry.tokens.NotHeld if that needs a store write."""
        with self._lock:
            if self._user is None:
                self._user = self._users.user_for_token(self._authorization, wait)
            return self._user

    @property
    def presented(self) -> bool:
        """Whether the request carries a token at all (checked or not)."""
        return self._authorization is not None

    @property
    def username(self) -> str | None:
        """Who the caller turned out to be, if the request authenticated at all (for the log line)."""
        return self._user.username if self._user is not None else None


@dataclass
class RequestScope:
    """One request, as the use cases see it."""

    registry: Registry
    caller: Caller
    base_url: str  # where clients reach this server (upload and download links)
    request_id: str
    operation: str | None = None  # GraphQL operation / root fields, or the REST operationId
    error_codes: list[str] = field(default_factory=list)  # expected errors answered inside a 200 (GraphQL)
    faulted: bool = False  # an unexpected fault was answered (masked) inside a 200 (GraphQL)

    def note_error(self, code: str) -> None:
        """Record an expected failure answered as data (a GraphQL user error) for the log line and health."""
        self.error_codes.append(code)


STATE_KEY = "request_scope"  # where the HTTP shell leaves the scope in the ASGI scope's "state"


def scope_from_state(state: Any) -> RequestScope:
    """The request's scope from Starlette's `request.state` (every route runs behind the pipeline)."""
    found: RequestScope = getattr(state, STATE_KEY)
    return found


async def call(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking call in a worker thread so the event loop keeps serving. The one thread hop."""
    return await to_thread.run_sync(fn, *args)


async def as_caller(scope: RequestScope, fn: Callable[..., T], *args: Any) -> T:
    """`fn(caller, *args)` in a worker thread, the caller authenticated there first (same hop)."""
    return await to_thread.run_sync(lambda: fn(scope.caller.get(), *args))


async def read_as_caller(scope: RequestScope, fn: Callable[..., T], *args: Any) -> T:
    """A read by id (`fn(caller, *args)`) without the thread hop when the store answers it from a local file.

    The embedded store's reads are a few microseconds of SQLite on the page cache and never wait for a writer (WAL
    mode), while the hop to a worker thread and back costs about a hundred (a thread wake-up, the GIL handed over
    twice, the event loop woken): on that store such a read runs on the event loop, provided the caller's token
    use is held in memory (registry/tokens.py); otherwise, and on AWS (network calls), it hops like `as_caller`.
    """
    if scope.registry.settings.backend == "local":
        try:
            actor = scope.caller.get(wait=False)
        except NotHeld:
            pass
        else:
            return fn(actor, *args)
    return await as_caller(scope, fn, *args)


async def as_caller_upstream(scope: RequestScope, fn: Callable[..., T], *args: Any) -> T:
    """`fn(caller, *args)` on the upstream bulkhead (registry/bulkhead.py) instead of the shared worker threads:
    for use cases that wait on Hugging Face or GitHub. Refused at once (UPSTREAM_BUSY) when the bulkhead's queue
    is full, or when no thread took the call within `upstream_queue_seconds`; a call that started is awaited to
    its end (its own upstream deadlines bound it), never abandoned half-way through a write."""
    bulkhead = scope.registry.upstream
    job = bulkhead.submit(lambda: fn(scope.caller.get(), *args))
    outcome = asyncio.wrap_future(job.future)
    try:
        return cast(T, await asyncio.wait_for(asyncio.shield(outcome), scope.registry.settings.upstream_queue_seconds))
    except TimeoutError:
        if job.cancel_if_waiting():
            raise bulkhead.busy() from None
        return cast(T, await outcome)
    except asyncio.CancelledError:  # the client went away: a call still waiting never runs
        job.cancel_if_waiting()
        raise
