"""Users, passwords, bearer tokens and permissions.

Passwords are stored only as argon2id hashes. A token is 32 random bytes shown once; the store keeps its
sha256, so a leaked table grants nothing. A token lasts `token_max_uses` requests or `token_ttl_seconds`, and
dies when its user's password changes. New passwords follow registry/password.py's policy.

The default admin is created with the course's password when the user table is empty (a new or reset registry)
and can never be deleted, so no request can bring it back with the published password.
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
from registry.password import check_password
from registry.settings import Settings
from registry.paging import as_utc
from registry.ports import UserStore
from registry.tokens import TokenLedger

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
        self.tokens = TokenLedger(store, settings.token_max_uses, settings.token_block)

    def ensure_default_admin(self) -> None:
        if self._store.get_user(self._settings.admin_username) is None:
            self._store.put_user(self._new_user(self._settings.admin_username, self._settings.admin_password,
                                                frozenset(Permission)), overwrite=True)

    def authenticate(self, username: str, password: str) -> str:
        """Check the credentials and issue a token; returns the bearer secret."""
        user = self._store.get_user(username)
        if user is None and username == self._settings.admin_username and not self._store.list_users():
            self.ensure_default_admin()  # lazily, so a cold start makes no store call
            user = self._store.get_user(username)
        try:
            if user is None:
                raise VerificationError("unknown user")
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            events.emit("login.failed", username=username[:64])
            raise AuthenticationFailed("the user or password is invalid") from None
        return self.issue_token(user)

    def issue_token(self, user: User) -> str:
        """A new bearer secret for `user`, already authenticated (the login above, or a server-side job acting for
        an admin who started it)."""
        secret = secrets.token_urlsafe(32)
        self._store.put_token(Token(token_hash=_token_hash(secret), username=user.username))
        return secret

    def user_for_token(self, authorization: str | None, wait: bool = True) -> User:
        """Resolve a request's token to its user, counting one use against its budget. With `wait=False`, raise
        registry.tokens.NotHeld when counting the use would need a store write (see TokenLedger.use)."""
        secret = parse_authorization(authorization)
        token = self.tokens.use(_token_hash(secret), wait)
        if token is None:
            raise AuthenticationFailed("the token is invalid or has been used up")
        if utcnow() - as_utc(token.issued_at) > timedelta(seconds=self._settings.token_ttl_seconds):
            raise AuthenticationFailed("the token has expired")
        user = self._store.get_user(token.username)
        if user is None or as_utc(token.issued_at) < as_utc(user.created_at):
            # A token older than its account was issued to a deleted one of the same name (or before a reset).
            raise AuthenticationFailed("the token's user no longer exists")
        if user.credentials_changed_at is not None \
                and as_utc(token.issued_at) < as_utc(user.credentials_changed_at):
            raise AuthenticationFailed("the token was issued before the password changed: log in again")
        return user

    def register(self, actor: User, username: str, password: str, permissions: frozenset[Permission]) -> User:
        require(actor, Permission.ADMIN)
        if not _USERNAME.match(username):
            raise InvalidInput("usernames are 1-64 characters of letters, digits, '_', '.', '@' and '-'")
        check_password(username, password)
        user = self._new_user(username, password, permissions)
        self._store.put_user(user)
        return user

    def delete(self, actor: User, username: str) -> None:
        """Admins delete anyone; users delete themselves; nobody deletes the default admin."""
        if username == self._settings.admin_username:
            raise Conflict("the default admin account cannot be deleted; change its password instead")
        if actor.username != username:
            require(actor, Permission.ADMIN)
        if self._store.get_user(username) is None:
            raise NotFound(f"no user {username!r}")
        self._store.delete_user(username)

    def change_password(self, actor: User, username: str, new_password: str,
                        current_password: str | None = None) -> User:
        """Set `username`'s password: one's own with the current password, anyone's as an admin. The new one must
        pass the password policy; every token the user holds stops working (the caller's own included).

        A wrong current password is InvalidInput, not AuthenticationFailed: the request itself is authenticated (its
        token is good), a field of the form is wrong, and clients must not take it for an expired session."""
        if actor.username == username:
            target = self._store.get_user(username)
            if target is None or not _verifies(target.password_hash, current_password):
                raise InvalidInput("the current password is wrong")
        else:
            require(actor, Permission.ADMIN)
            target = self._store.get_user(username)
            if target is None:
                raise NotFound(f"no user {username!r}")
        check_password(username, new_password)
        changed = target.model_copy(update={"password_hash": _hasher.hash(new_password),
                                            "credentials_changed_at": utcnow()})
        self._store.put_user(changed, overwrite=True)
        return changed

    def list(self, actor: User) -> list[User]:
        require(actor, Permission.ADMIN)
        return self._store.list_users()

    @staticmethod
    def _new_user(username: str, password: str, permissions: frozenset[Permission]) -> User:
        return User(username=username, password_hash=_hasher.hash(password), permissions=permissions)


def _verifies(password_hash: str, password: str | None) -> bool:
    if not isinstance(password, str):
        return False
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False
