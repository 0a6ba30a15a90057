"""Authentication and user administration."""
from __future__ import annotations

from registry.model import Permission, User
from resolvers.scope import RequestScope, as_caller, call


async def authenticate(scope: RequestScope, username: str, password: str) -> str:
    return await call(scope.registry.users.authenticate, username, password)


async def me(scope: RequestScope) -> User:
    return await call(scope.caller.get)


async def list_users(scope: RequestScope) -> list[User]:
    return await as_caller(scope, scope.registry.users.list)


async def register(scope: RequestScope, username: str, password: str, permissions: list[Permission]) -> User:
    return await as_caller(scope, scope.registry.users.register, username, password, frozenset(permissions))


async def delete(scope: RequestScope, username: str) -> None:
    await as_caller(scope, scope.registry.users.delete, username)


async def change_password(scope: RequestScope, username: str | None, new_password: str,
                          current_password: str | None) -> User:
    """`username`'s password (the caller's own when None): one's own with the current one, anyone's as an admin."""
    return await as_caller(scope, lambda actor: scope.registry.users.change_password(
        actor, username or actor.username, new_password, current_password))
