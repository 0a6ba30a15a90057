"""The embedded store keeps users, and artifacts read by id with their names' latest versions, in memory between
reads, and never answers from memory once any process has changed them (store/generation.py): the other "process"
here is a real one, or a second store on the same file."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from registry.errors import Conflict
from registry.model import Artifact, ArtifactStatus, ArtifactType, Permission, User, utcnow
from store.generation import HeldReads, SharedGeneration
from store.sqlite import SqliteMetadataStore

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / "registry.sqlite3"


@pytest.fixture
def store(path) -> Iterator[SqliteMetadataStore]:
    opened = SqliteMetadataStore(path)
    opened.put_user(User(username="ann", password_hash="h1", permissions=frozenset({Permission.SEARCH})))
    yield opened
    opened.close()


def statements(store: SqliteMetadataStore) -> list[str]:
    """The SQL this thread's connection runs from now on."""
    ran: list[str] = []
    store._db().set_trace_callback(ran.append)
    return ran


def in_another_process(path: Path, code: str, killed: bool = False) -> None:
    script = f"from pathlib import Path\nfrom store.sqlite import SqliteMetadataStore\n" \
             f"from registry.model import Artifact, User\nstore = SqliteMetadataStore(Path({str(path)!r}))\n{code}"
    ended = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=60)
    assert ended.returncode == (-9 if killed else 0)


def test_a_user_read_again_comes_from_memory_without_a_statement(store):
    first = store.get_user("ann")
    ran = statements(store)
    again = store.get_user("ann")
    assert again == first and again.permissions == frozenset({Permission.SEARCH})
    assert ran == []
    with pytest.raises(ValidationError):  # one instance serves every request: nobody may change it in place
        again.password_hash = "changed"  # type: ignore[misc]


def test_a_change_in_another_process_is_seen_at_the_next_read(store, path):
    assert store.get_user("ann").password_hash == "h1"
    in_another_process(path, "u = store.get_user('ann')\n"
                             "store.put_user(u.model_copy(update={'password_hash': 'h2'}), overwrite=True)")
    ran = statements(store)
    assert store.get_user("ann").password_hash == "h2"
    assert ran  # read from the file again
    in_another_process(path, "store.delete_user('ann')")
    assert store.get_user("ann") is None


def test_every_user_write_of_another_store_on_the_file_is_seen(store, path):
    other = SqliteMetadataStore(path)
    try:
        store.get_user("ann")
        changed_at = utcnow()
        other.put_user(store.get_user("ann").model_copy(update={"credentials_changed_at": changed_at}), overwrite=True)
        assert store.get_user("ann").credentials_changed_at == changed_at
        other.put_user(User(username="bob", password_hash="b"))
        assert store.get_user("bob").username == "bob"
        other.reset()
        assert store.get_user("ann") is None and store.get_user("bob") is None
    finally:
        other.close()


def test_a_user_read_inside_a_read_transaction_is_not_held(store, path):
    """A snapshot opened before another process's change shows the old row: keeping it would outlive the change."""
    store.get_user("ann")
    with store._snapshot() as db:
        db.execute("SELECT count(*) FROM users").fetchone()  # the snapshot starts here
        other = SqliteMetadataStore(path)
        other.put_user(other.get_user("ann").model_copy(update={"password_hash": "h2"}), overwrite=True)
        other.close()
        assert store.get_user("ann").password_hash == "h1"  # as of the snapshot
    assert store.get_user("ann").password_hash == "h2"


def test_a_user_unknown_then_added_is_seen(store, path):
    assert store.get_user("carol") is None
    SqliteMetadataStore(path).put_user(User(username="carol", password_hash="c"))
    assert store.get_user("carol").username == "carol"


def test_a_writer_killed_inside_its_write_leaves_every_read_to_the_file(store, path):
    """A process killed inside a user write (here after its statement committed) leaves the counter odd: nothing is
    answered from memory until the next write completes."""
    store.get_user("ann")
    in_another_process(path, "import os\nfrom store.generation import SharedGeneration\n"
                             "counter = SharedGeneration(Path(str(store._path) + '-users'))\n"
                             "u = store.get_user('ann')\nchange = counter.changing()\nchange.__enter__()\n"
                             "store._db().execute('UPDATE users SET body = ? WHERE username = ?', "
                             "(u.model_copy(update={'password_hash': 'h3'}).model_dump_json(), 'ann'))\n"
                             "os.kill(os.getpid(), 9)", killed=True)
    generation = SharedGeneration(path.with_name(path.name + "-users"))
    assert generation.stable() is None
    ran = statements(store)
    assert store.get_user("ann").password_hash == "h3"
    assert store.get_user("ann").password_hash == "h3"
    assert len(ran) == 2  # both from the file
    store.put_user(User(username="dan", password_hash="d"))  # the next write completes: memory is used again
    assert generation.stable() is not None
    store.get_user("ann")
    ran.clear()
    assert store.get_user("ann").password_hash == "h3" and ran == []


def test_a_write_that_fails_still_ends_its_change(tmp_path):
    generation = SharedGeneration(tmp_path / "counter")
    before = generation.stable()
    with pytest.raises(RuntimeError):
        with generation.changing():
            assert generation.stable() is None
            raise RuntimeError("the statement failed")
    assert generation.stable() not in (None, before)


def test_the_counter_takes_a_new_value_for_every_change(tmp_path):
    generation = SharedGeneration(tmp_path / "counter")
    seen = [generation.stable()]
    for _ in range(3):
        with generation.changing():
            assert generation.stable() is None
        seen.append(generation.stable())
    assert len(set(seen)) == 4 and None not in seen
    assert SharedGeneration(tmp_path / "counter").stable() == seen[-1]  # shared through the file


# artifacts -----------------------------------------------------------------------------------------------------
FIRST = "aaaaaaaa-0000-4000-8000-000000000001"
SECOND = "aaaaaaaa-0000-4000-8000-000000000002"


def record(artifact_id: str, version: str = "1.0.0", name: str = "org/model") -> Artifact:
    return Artifact(id=artifact_id, type=ArtifactType.MODEL, name=name, version=version, status=ArtifactStatus.READY)


@pytest.fixture
def stored(store) -> SqliteMetadataStore:
    store.create_artifact(record(FIRST))
    return store


def test_an_artifact_read_again_comes_from_memory_as_a_new_model(stored):
    first = stored.get_artifact(FIRST)
    assert stored.latest_version_id(ArtifactType.MODEL, "org/model") == FIRST
    ran = statements(stored)
    again = stored.get_artifact(FIRST)
    assert again == first and again is not first
    assert stored.latest_version_id(ArtifactType.MODEL, "org/model") == FIRST
    assert ran == []
    again.name = "changed/by-a-caller"  # records are mutable models: what one caller does stays with its copy
    assert stored.get_artifact(FIRST).name == "org/model"


def test_a_view_read_again_is_the_same_frozen_instance_without_a_statement(stored):
    view = stored.get_artifact_view(FIRST)
    ran = statements(stored)
    assert stored.get_artifact_view(FIRST) is view
    assert ran == []
    with pytest.raises(ValidationError):  # one instance answers every request: nobody may change it
        view.name = "changed/by-a-caller"  # type: ignore[misc]
    mutable = stored.get_artifact(FIRST)  # what a use case that changes a record reads: its own model
    assert type(mutable) is Artifact and mutable.model_dump() == view.model_dump()


def test_a_view_is_read_again_after_any_records_write(stored, path):
    view = stored.get_artifact_view(FIRST)
    stored.create_artifact(record(SECOND, "2.0.0"))  # another record: the counter moves for every record
    again = stored.get_artifact_view(FIRST)
    assert again is not view and again.model_dump() == view.model_dump()
    in_another_process(path, f"a = store.get_artifact({FIRST!r})\na.readme = 'replaced'\nstore.replace_artifact(a)")
    assert stored.get_artifact_view(FIRST).readme == "replaced"
    in_another_process(path, f"store.delete_artifact({FIRST!r})")
    assert stored.get_artifact_view(FIRST) is None


def test_every_record_write_of_another_process_is_seen_at_the_next_read(stored, path):
    assert stored.get_artifact(FIRST).readme == ""
    in_another_process(path, f"a = store.get_artifact({FIRST!r})\na.readme = 'replaced'\nstore.replace_artifact(a)")
    assert stored.get_artifact(FIRST).readme == "replaced"
    assert stored.latest_version_id(ArtifactType.MODEL, "org/model") == FIRST
    in_another_process(path, f"a = Artifact(id={SECOND!r}, type='model', name='org/model', version='2.0.0', "
                             f"status='pending')\nstore.create_artifact(a)")
    assert stored.get_artifact(SECOND) is None and stored.get_artifact(SECOND, include_pending=True) is not None
    assert stored.latest_version_id(ArtifactType.MODEL, "org/model") == FIRST
    in_another_process(path, f"store.mark_ready({SECOND!r})")
    assert stored.get_artifact(SECOND).status is ArtifactStatus.READY
    assert stored.latest_version_id(ArtifactType.MODEL, "org/model") == SECOND
    in_another_process(path, f"store.commit(deleted=[{SECOND!r}])")
    assert stored.get_artifact(SECOND) is None
    assert stored.latest_version_id(ArtifactType.MODEL, "org/model") == FIRST
    in_another_process(path, f"store.delete_artifact({FIRST!r})")
    assert stored.get_artifact(FIRST) is None and stored.latest_version_id(ArtifactType.MODEL, "org/model") is None


def test_a_reset_by_another_store_on_the_file_is_seen(stored, path):
    stored.get_artifact(FIRST)
    other = SqliteMetadataStore(path)
    try:
        other.reset()
    finally:
        other.close()
    assert stored.get_artifact(FIRST) is None and stored.latest_version_id(ArtifactType.MODEL, "org/model") is None


@pytest.mark.parametrize("read", ["get_artifact", "get_artifact_view"])
def test_an_artifact_read_inside_a_read_transaction_is_not_held(stored, path, read):
    get = getattr(stored, read)
    get(FIRST)
    with stored._snapshot() as db:
        db.execute("SELECT count(*) FROM artifacts").fetchone()  # the snapshot starts here
        other = SqliteMetadataStore(path)
        other.replace_artifact(record(FIRST, name="org/renamed"))
        other.close()
        assert get(FIRST).name == "org/model"  # as of the snapshot
    assert get(FIRST).name == "org/renamed"


def test_a_records_writer_killed_inside_its_write_leaves_every_read_to_the_file(stored, path):
    stored.get_artifact(FIRST)
    in_another_process(path, "import os\nfrom store.generation import SharedGeneration\n"
                             "counter = SharedGeneration(Path(str(store._path) + '-records'))\n"
                             "change = counter.changing()\nchange.__enter__()\n"
                             f"store._db().execute(\"UPDATE artifacts SET body = json_set(body, '$.readme', 'k') "
                             f"WHERE id = '{FIRST}'\")\nos.kill(os.getpid(), 9)", killed=True)
    ran = statements(stored)
    assert [stored.get_artifact(FIRST).readme for _ in range(2)] == ["k", "k"]
    assert len(ran) == 2  # both from the file
    stored.create_artifact(record(SECOND, "2.0.0"))  # the next write completes: memory is used again
    stored.get_artifact(FIRST)
    ran.clear()
    assert stored.get_artifact(FIRST).readme == "k" and ran == []


def test_a_record_write_that_fails_still_ends_its_change(stored, path):
    generation = SharedGeneration(path.with_name(path.name + "-records"))
    before = generation.stable()
    with pytest.raises(Conflict):
        stored.create_artifact(record(FIRST))
    assert generation.stable() not in (None, before)
    stored.get_artifact(FIRST)
    ran = statements(stored)
    stored.get_artifact(FIRST)
    assert ran == []


def test_held_reads_stay_within_their_capacity(tmp_path):
    generation = SharedGeneration(tmp_path / "counter")
    loads: list[str] = []

    def load(value: str):
        return lambda: loads.append(value) or value

    held: HeldReads[str] = HeldReads(generation, capacity=10, weigh=len)
    assert [held.read(key, load(key * 4), snapshot=False) for key in "ab"] == ["aaaa", "bbbb"]
    assert held.read("a", load("other"), snapshot=False) == "aaaa"  # held
    held.read("c", load("cccc"), snapshot=False)  # 12 > 10: the memory starts again with "c" alone
    assert held.read("c", load("other"), snapshot=False) == "cccc"
    assert held.read("a", load("a2"), snapshot=False) == "a2"
    held.read("x", load("x" * 11), snapshot=False)  # heavier than the whole capacity: never held
    assert held.read("x", load("again"), snapshot=False) == "again"
    assert loads == ["aaaa", "bbbb", "cccc", "a2", "x" * 11, "again"]
    with generation.changing():
        assert held.read("c", load("c2"), snapshot=False) == "c2"  # during a change: read, and not kept
    assert held.read("c", load("c3"), snapshot=False) == "c3"


def test_held_reads_keep_their_account_under_concurrent_misses(tmp_path):
    """Worker threads and the event loop read one store at once: the weight held stays the sum of what is held, so
    the capacity bounds the memory. (`weigh` yields the GIL, as a slow one would, to let the threads interleave.)"""
    generation = SharedGeneration(tmp_path / "counter")

    def weigh(value: str) -> int:
        time.sleep(0.0001)
        return len(value)

    held: HeldReads[str] = HeldReads(generation, capacity=40, weigh=weigh)
    keys = [f"k{i:02d}" for i in range(30)]

    def reader(seed: int) -> None:
        for step in range(1000):
            key = keys[(seed + step) % len(keys)]
            held.read(key, lambda: key, snapshot=False)

    threads = [threading.Thread(target=reader, args=(seed,)) for seed in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kept = sum(len(value) for _, value in held._held.values())
    assert held._weight == kept <= 40
