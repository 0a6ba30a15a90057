"""What resolvers need from a request, independent of the web framework."""
from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from anyio import to_thread

from registry.container import Registry
from registry.model import User

T = TypeVar("T")


class RequestScope(Protocol):
    registry: Registry
    base_url: str

    async def user(self) -> User:
        """The authenticated caller (the token is checked and counted once per request)."""


async def call(fn: Callable[..., T], *args: object) -> T:
    """Run a blocking service call in a worker thread so the event loop keeps serving."""
    return await to_thread.run_sync(fn, *args)
