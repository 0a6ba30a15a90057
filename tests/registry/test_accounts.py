"""UserService on the real embedded store: password changes, the password policy, the default admin's life."""
from __future__ import annotations

import pytest

from registry.auth import UserService
from registry.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from registry.model import Permission
from registry.password import check_password
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME, Settings
from store.factory import build_stores

STRONG = "amber-quokka-lantern-93"
OTHER_STRONG = "violet-otter-compass-58"


@pytest.fixture
def users(tmp_path) -> UserService:
    metadata, _ = build_stores(Settings(environment="test", backend="local", data_dir=tmp_path / "data"))
    return UserService(metadata, Settings(environment="test", backend="local", data_dir=tmp_path / "data"))


def login(users: UserService, username: str, password: str):
    """The user behind a fresh token, as a door would resolve it."""
    return users.user_for_token(f"bearer {users.authenticate(username, password)}")


@pytest.fixture
def admin(users):
    return login(users, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)


@pytest.fixture
def alice(users, admin):
    users.register(admin, "alice", STRONG, frozenset({Permission.SEARCH}))
    return login(users, "alice", STRONG)


def test_users_change_their_own_password_with_the_current_one(users, alice):
    token = users.authenticate("alice", STRONG)
    users.change_password(alice, "alice", OTHER_STRONG, current_password=STRONG)
    with pytest.raises(AuthenticationFailed):
        users.authenticate("alice", STRONG)
    assert login(users, "alice", OTHER_STRONG).username == "alice"
    with pytest.raises(AuthenticationFailed, match="issued before the password changed"):
        users.user_for_token(f"bearer {token}")


@pytest.mark.parametrize("current", [None, "", "wrong-password-entirely", OTHER_STRONG])
def test_changing_ones_own_password_needs_the_current_one(users, alice, current):
    with pytest.raises(InvalidInput, match="current password is wrong"):
        users.change_password(alice, "alice", OTHER_STRONG, current_password=current)
    assert login(users, "alice", STRONG).username == "alice"  # unchanged


def test_admins_change_anyones_password_without_it(users, admin, alice):
    users.change_password(admin, "alice", OTHER_STRONG)
    assert login(users, "alice", OTHER_STRONG).username == "alice"
    with pytest.raises(NotFound):
        users.change_password(admin, "nobody", OTHER_STRONG)


def test_admins_changing_their_own_password_give_the_current_one_too(users, admin):
    with pytest.raises(InvalidInput, match="current password is wrong"):
        users.change_password(admin, DEFAULT_ADMIN_USERNAME, OTHER_STRONG)
    users.change_password(admin, DEFAULT_ADMIN_USERNAME, OTHER_STRONG, current_password=DEFAULT_ADMIN_PASSWORD)
    assert login(users, DEFAULT_ADMIN_USERNAME, OTHER_STRONG).is_admin
    with pytest.raises(AuthenticationFailed):
        users.authenticate(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)


def test_users_cannot_change_other_users_passwords(users, admin, alice):
    users.register(admin, "bob", OTHER_STRONG, frozenset({Permission.SEARCH}))
    with pytest.raises(PermissionDenied):
        users.change_password(alice, "bob", STRONG, current_password=OTHER_STRONG)
    with pytest.raises(PermissionDenied):
        users.change_password(alice, DEFAULT_ADMIN_USERNAME, STRONG, current_password=DEFAULT_ADMIN_PASSWORD)


@pytest.mark.parametrize("password, reason", [
    ("short-1A!", "12 to 1024 characters"),
    ("x" * 1025, "12 to 1024 characters"),
    ("my-alice-passphrase-77", "must not contain the username"),
    ("MY-ALICE-PASSPHRASE-77", "must not contain the username"),
    ("password1234", "too easy to guess"),
    ("qwertyuiop123", "too easy to guess"),
    ("aaaaaaaaaaaaaaaa", "too easy to guess"),
    ("123456789012", "too easy to guess"),
    ("iloveyou1234", "too easy to guess"),
])
def test_the_policy_refuses_weak_passwords_and_says_why(users, admin, alice, password, reason):
    with pytest.raises(InvalidInput, match=reason):
        users.change_password(admin, "alice", password)
    with pytest.raises(InvalidInput, match=reason):
        users.register(admin, "alice2" if "alice" not in password.lower() else "alice", password, frozenset())


@pytest.mark.parametrize("password", [STRONG, "Tr0ub4dor&3-extended", "correct horse battery staple 1987?",
                                      "pass-word-123", "x" * 5 + "7Rq!vLp2#mZ9"])
def test_the_policy_accepts_strong_passwords(password):
    check_password("alice", password)


def test_the_policy_knows_the_username_even_when_split():
    with pytest.raises(InvalidInput):
        check_password("jonathan", "jonathan1234!")
    check_password("al", "always-pale-mountain-42")  # too short a name to look for


def test_the_default_admin_cannot_be_deleted_by_anyone(users, admin, alice):
    for actor in (admin, alice):
        with pytest.raises(Conflict, match="default admin account cannot be deleted"):
            users.delete(actor, DEFAULT_ADMIN_USERNAME)
    assert login(users, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD).is_admin


def test_a_removed_default_admin_is_not_recreated_with_the_published_password(users, admin, alice):
    users._store.delete_user(DEFAULT_ADMIN_USERNAME)  # as an operator could, outside the API
    with pytest.raises(AuthenticationFailed):
        users.authenticate(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)
    assert users._store.get_user(DEFAULT_ADMIN_USERNAME) is None


def test_an_empty_registry_bootstraps_the_default_admin(users):
    assert users._store.list_users() == []
    assert login(users, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD).is_admin


def test_a_changed_default_password_survives_a_restart_but_not_a_reset(users, admin, tmp_path):
    users.change_password(admin, DEFAULT_ADMIN_USERNAME, OTHER_STRONG, current_password=DEFAULT_ADMIN_PASSWORD)
    settings = Settings(environment="test", backend="local", data_dir=tmp_path / "data")
    restarted = UserService(build_stores(settings)[0], settings)
    with pytest.raises(AuthenticationFailed):
        restarted.authenticate(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)
    restarted._store.reset()
    restarted.ensure_default_admin()  # what Registry.reset does
    assert login(restarted, DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD).is_admin


def test_users_still_delete_themselves_and_admins_delete_others(users, admin, alice):
    users.register(admin, "bob", OTHER_STRONG, frozenset())
    users.delete(alice, "alice")
    users.delete(admin, "bob")
    assert [u.username for u in users.list(admin)] == [DEFAULT_ADMIN_USERNAME]


def test_passwords_and_tokens_are_stored_only_as_hashes(users, alice, tmp_path):
    """What a stolen database gives away: argon2id hashes and sha256 digests of tokens, never a secret."""
    secret = users.authenticate("alice", STRONG)
    database = (tmp_path / "data" / "registry.sqlite3").read_bytes()
    for wal in (tmp_path / "data").glob("registry.sqlite3-wal"):
        database += wal.read_bytes()
    assert STRONG.encode() not in database and secret.encode() not in database
    assert b"$argon2id$" in database
