"""TokenLedger: token uses spent from blocks reserved in the store, exact and never past the budget, also when
several processes (here: several ledgers on one SQLite file, each as a process would hold it) share a token."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from registry.auth import UserService
from registry.errors import AuthenticationFailed
from registry.model import Permission, Token, User, utcnow
from registry.settings import Settings
from registry.tokens import TokenLedger
from store.sqlite import SqliteMetadataStore


@pytest.fixture
def store(tmp_path):
    opened = SqliteMetadataStore(tmp_path / "registry.sqlite3")
    opened.put_token(Token(token_hash="t", username="ann"))
    yield opened
    opened.close()


def stored_uses(store: SqliteMetadataStore, token_hash: str = "t") -> int:
    grant = store.reserve_token_uses(token_hash, 10**9)
    assert grant is not None
    store.release_token_uses(token_hash, 1)
    return grant.token.uses - 1


def spend_all(ledger: TokenLedger, threads: int = 8, token_hash: str = "t") -> int:
    """Spend until the ledger refuses, from several threads at once; the number of uses honoured."""
    honoured = [0] * threads

    def spend(slot: int) -> None:
        while ledger.use(token_hash) is not None:
            honoured[slot] += 1

    workers = [threading.Thread(target=spend, args=(i,)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(honoured)


def test_one_process_honours_a_token_exactly_max_uses_times(store):
    ledger = TokenLedger(store, max_uses=1000, block=64)

    assert spend_all(ledger) == 1000
    assert ledger.use("t") is None
    assert stored_uses(store) == 1000
    ledger.close()


def test_most_uses_do_not_write_the_store(store):
    writes = []
    reserve = store.reserve_token_uses

    def counted(*args, **kwargs):
        writes.append(args)
        return reserve(*args, **kwargs)

    store.reserve_token_uses = counted  # type: ignore[method-assign]
    ledger = TokenLedger(store, max_uses=1000, block=64)

    assert spend_all(ledger, threads=1) == 1000
    assert len(writes) < 100  # one per block, not one per use (1000 with block=1)
    ledger.close()


def test_block_of_one_writes_every_use(store):
    ledger = TokenLedger(store, max_uses=5, block=1)

    assert [ledger.use("t") is not None for _ in range(6)] == [True] * 5 + [False]
    assert stored_uses(store) == 5


def test_processes_sharing_a_token_never_exceed_its_budget_and_give_back_what_they_hold(store):
    first, second = TokenLedger(store, max_uses=1000), TokenLedger(store, max_uses=1000)
    for _ in range(300):
        assert first.use("t") is not None

    honoured_by_second = spend_all(second)
    first.close()  # gives its unspent block back
    honoured_by_second += spend_all(second)

    assert 300 + honoured_by_second == 1000
    assert stored_uses(store) == 1000
    second.close()


def test_an_idle_lease_is_given_back(store):
    ledger = TokenLedger(store, max_uses=1000, block=64, idle_seconds=0.05)
    for _ in range(10):
        ledger.use("t")
    other = TokenLedger(store, max_uses=1000, block=1)

    # The first ledger's writer gives its spare uses back once idle: then the other spends every one left.
    deadline = utcnow() + timedelta(seconds=30)
    while stored_uses(store) != 10 and utcnow() < deadline:
        threading.Event().wait(0.02)
    assert spend_all(other, threads=1) == 990
    ledger.close()


def test_unknown_tokens_are_refused(store):
    assert TokenLedger(store, max_uses=10).use("nope") is None


@pytest.fixture
def users(store):
    service = UserService(store, Settings(environment="test", token_max_uses=50))
    service.ensure_default_admin()
    yield service
    service.tokens.close()


def test_a_token_of_a_deleted_user_stops_working_even_with_uses_held_in_memory(users, store):
    admin = users.user_for_token(users.authenticate(Settings().admin_username, Settings().admin_password))
    secret = users.authenticate(Settings().admin_username, Settings().admin_password)
    users.register(admin, "bob", "quartz lantern meadow 42 violet!", frozenset({Permission.SEARCH}))
    bob_secret = users.authenticate("bob", "quartz lantern meadow 42 violet!")
    for _ in range(2):  # the second use waits for the block fetched ahead: the ledger now holds bob's uses
        assert users.user_for_token(bob_secret).username == "bob"

    users.delete(admin, "bob")
    store.put_user(User(username="bob", password_hash="-"))  # a new account under the same name

    with pytest.raises(AuthenticationFailed, match="no longer exists"):
        users.user_for_token(bob_secret)
    assert users.user_for_token(secret).is_admin


def test_a_token_is_refused_after_its_budget_through_the_service(users):
    secret = users.authenticate(Settings().admin_username, Settings().admin_password)
    for _ in range(50):
        users.user_for_token(secret)
    with pytest.raises(AuthenticationFailed, match="used up"):
        users.user_for_token(secret)
