"""Authentication and user administration."""
from __future__ import annotations

from registry.model import Permission, User
from resolvers.context import RequestScope, call


async def authenticate(scope: RequestScope, username: str, password: str) -> str:
    return await call(scope.registry.users.authenticate, username, password)


async def me(scope: RequestScope) -> User:
    return await scope.user()


async def list_users(scope: RequestScope) -> list[User]:
    return await call(scope.registry.users.list, await scope.user())


async def register(scope: RequestScope, username: str, password: str, permissions: list[Permission]) -> User:
    return await call(scope.registry.users.register, await scope.user(), username, password, frozenset(permissions))


async def delete(scope: RequestScope, username: str) -> None:
    await call(scope.registry.users.delete, await scope.user(), username)
