"""Users, passwords, bearer tokens and permissions.

Passwords are stored only as argon2id hashes. A token is 32 random bytes shown once; the store keeps its
sha256, so a leaked table grants nothing. A token lasts `token_max_uses` requests or `token_ttl_seconds`.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import re2
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from registry import events
from registry.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from registry.model import Permission, Token, User, utcnow
from registry.settings import Settings
from registry.paging import as_utc
from registry.ports import UserStore

_USERNAME = re2.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
_hasher = PasswordHasher()
TOKEN_SCHEME = "bearer"


def require(user: User, permission: Permission) -> None:
    """Raise PermissionDenied unless `user` holds `permission` (admins hold every permission)."""
    if permission not in user.permissions and not user.is_admin:
        raise PermissionDenied(f"user {user.username!r} lacks the {permission.value!r} permission")


def parse_authorization(header: str | None) -> str:
    """The secret from `bearer <token>` (scheme case-insensitive; a bare token is accepted too)."""
    if not header or not header.strip():
        raise AuthenticationFailed("missing X-Authorization header")
    parts = header.strip().split()
    if len(parts) == 2 and parts[0].lower() == TOKEN_SCHEME:
        return parts[1]
    if len(parts) == 1:
        return parts[0]
    raise AuthenticationFailed("malformed X-Authorization header: expected 'bearer <token>'")


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class UserService:
    def __init__(self, store: UserStore, settings: Settings) -> None:
        self._store = store
        self._settings = settings

    def ensure_default_admin(self) -> None:
        if self._store.get_user(self._settings.admin_username) is None:
            self._store.put_user(self._new_user(self._settings.admin_username, self._settings.admin_password,
                                                frozenset(Permission)), overwrite=True)

    def authenticate(self, username: str, password: str) -> str:
        """Check the credentials and issue a token; returns the bearer secret."""
        user = self._store.get_user(username)
        if user is None and username == self._settings.admin_username:
            self.ensure_default_admin()  # lazily, so a cold start makes no store call
            user = self._store.get_user(username)
        try:
            if user is None:
                raise VerificationError("unknown user")
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            events.emit("login.failed", username=username[:64])
            raise AuthenticationFailed("the user or password is invalid") from None
        secret = secrets.token_urlsafe(32)
        self._store.put_token(Token(token_hash=_token_hash(secret), username=username))
        return secret

    def user_for_token(self, authorization: str | None) -> User:
        """Resolve a request's token to its user, counting one use against its budget."""
        secret = parse_authorization(authorization)
        token = self._store.use_token(_token_hash(secret), self._settings.token_max_uses)
        if token is None:
            raise AuthenticationFailed("the token is invalid or has been used up")
        if utcnow() - as_utc(token.issued_at) > timedelta(seconds=self._settings.token_ttl_seconds):
            raise AuthenticationFailed("the token has expired")
        user = self._store.get_user(token.username)
        if user is None:
            raise AuthenticationFailed("the token's user no longer exists")
        return user

    def register(self, actor: User, username: str, password: str, permissions: frozenset[Permission]) -> User:
        require(actor, Permission.ADMIN)
        if not _USERNAME.match(username):
            raise InvalidInput("usernames are 1-64 characters of letters, digits, '_', '.', '@' and '-'")
        if len(password) < 8 or len(password) > 1024:
            raise InvalidInput("passwords are 8 to 1024 characters")
        user = self._new_user(username, password, permissions)
        self._store.put_user(user)
        return user

    def delete(self, actor: User, username: str) -> None:
        """Admins delete anyone; users delete themselves."""
        if actor.username != username:
            require(actor, Permission.ADMIN)
        if self._store.get_user(username) is None:
            raise NotFound(f"no user {username!r}")
        if username == self._settings.admin_username and actor.username != username:
            raise Conflict("the default admin can only be removed by a reset")
        self._store.delete_user(username)

    def list(self, actor: User) -> list[User]:
        require(actor, Permission.ADMIN)
        return self._store.list_users()

    @staticmethod
    def _new_user(username: str, password: str, permissions: frozenset[Permission]) -> User:
        return User(username=username, password_hash=_hasher.hash(password), permissions=permissions)
