"""What resolvers need from a request, independent of the web framework."""
from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from anyio import to_thread

from registry.auth import UserService
from registry.container import Registry
from registry.model import User

T = TypeVar("T")


class Caller:
    """The request's caller, resolved from its token once per request (the token's use is counted once),
    inside the worker thread of the first service call that needs it: one thread hop per field, not two."""

    def __init__(self, users: UserService, authorization: str | None) -> None:
        self._users = users
        self._authorization = authorization
        self._user: User | None = None
        self._lock = threading.Lock()

    def get(self) -> User:
        with self._lock:
            if self._user is None:
                self._user = self._users.user_for_token(self._authorization)
            return self._user


class RequestScope(Protocol):
    registry: Registry
    caller: Caller

    @property
    def base_url(self) -> str:
        """Where clients reach this server (for upload and download links)."""


async def call(fn: Callable[..., T], *args: Any) -> T:
    """Run a blocking service call in a worker thread so the event loop keeps serving."""
    return await to_thread.run_sync(fn, *args)


async def as_caller(scope: RequestScope, fn: Callable[..., T], *args: Any) -> T:
    """`fn(caller, *args)` in a worker thread, the caller authenticated there first."""
    return await to_thread.run_sync(lambda: fn(scope.caller.get(), *args))
