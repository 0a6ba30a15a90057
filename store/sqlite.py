"""MetadataStore on one SQLite file: the embedded default.

Records are kept as the pydantic model's JSON next to the columns that are searched or paged on (type, name,
status, sort key, source URL, version sort key, the latest-version mark), each behind an index, so every lookup is
a seek. SQLite runs in WAL mode and
each thread gets its own connection (the app calls the store from worker threads): readers never block the
writer, and writers wait for each other through `busy_timeout`. Every statement runs in autocommit except the
few multi-statement writes, which take `BEGIN IMMEDIATE` so they are atomic. Regex search reads its texts from an
in-process cache kept current by a change log that triggers write (store/search_text.py). A thread's connection
is closed when the thread ends (worker pools retire idle threads: keeping their connections would grow memory run
after run), and the write-ahead log is capped by `journal_size_limit` and truncated by `checkpoint` (the
sweeper's).
"""
from __future__ import annotations

import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from registry.errors import Aborted, Conflict, NotFound, TooLarge
from registry.model import (Artifact, ArtifactStatus, ArtifactType, ArtifactView, AuditEntry, DownloadRecord,
                            MirrorJob, Monitor, Operation, Token, Upload, User)
from registry.paging import Page, as_utc, decode_cursor, sort_key, timestamp_key, version_sort_key
from registry.ports import MAX_COMMIT_RECORDS, Claim, Epoch, Guard, SearchText, TokenGrant
from store.generation import HeldReads, SharedGeneration
from store.keyset import check_limit, merge_page, type_list
from store.search_text import Row as SearchRow
from store.search_text import SearchTextCache

_SCHEMA = """
CREATE TABLE IF NOT EXISTS artifacts (
    id TEXT PRIMARY KEY, type TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
    sort_key TEXT NOT NULL, source_url TEXT, readme TEXT NOT NULL, body TEXT NOT NULL,
    version_sort TEXT NOT NULL DEFAULT '', latest INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS artifacts_status_sort ON artifacts (status, sort_key);
CREATE INDEX IF NOT EXISTS artifacts_status_type_sort ON artifacts (status, type, sort_key);
CREATE INDEX IF NOT EXISTS artifacts_name ON artifacts (name, status, sort_key);
CREATE INDEX IF NOT EXISTS artifacts_source ON artifacts (source_url, status, sort_key);
CREATE TABLE IF NOT EXISTS artifact_parents (
    parent_url TEXT NOT NULL, artifact_id TEXT NOT NULL, PRIMARY KEY (parent_url, artifact_id));
CREATE INDEX IF NOT EXISTS artifact_parents_artifact ON artifact_parents (artifact_id);
CREATE TABLE IF NOT EXISTS ratings (artifact_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS claims (key TEXT PRIMARY KEY, owner TEXT NOT NULL DEFAULT '', expires_at REAL);
CREATE TABLE IF NOT EXISTS users (username TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (
    token_hash TEXT PRIMARY KEY, username TEXT NOT NULL, issued_at TEXT NOT NULL, uses INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_username ON tokens (username);
CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, artifact_id TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS audit_artifact ON audit (artifact_id, at, seq);
CREATE TABLE IF NOT EXISTS monitors (artifact_id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS downloads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, artifact_id TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS downloads_artifact ON downloads (artifact_id, at, seq);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search_appearances (artifact_id TEXT PRIMARY KEY, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS artifact_changes (artifact_id TEXT PRIMARY KEY, seq INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS artifact_changes_seq ON artifact_changes (seq);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL, changed_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS operations (
    key TEXT PRIMARY KEY, version INTEGER NOT NULL, expires_at TEXT NOT NULL, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS operations_expiry ON operations (expires_at);
CREATE TABLE IF NOT EXISTS mirror_jobs (artifact_id TEXT PRIMARY KEY, lease_until TEXT NOT NULL, body TEXT NOT NULL);
"""
# Versions (after _migrate, which adds the columns to a database made before them): a name's versions in order,
# version ranges, and each name's latest version (partial indexes: only latest rows are in them).
_VERSION_INDEXES = """
CREATE INDEX IF NOT EXISTS artifacts_line ON artifacts (type, name, status, version_sort);
CREATE INDEX IF NOT EXISTS artifacts_version ON artifacts (status, version_sort);
CREATE INDEX IF NOT EXISTS artifacts_latest ON artifacts (sort_key) WHERE latest = 1;
CREATE INDEX IF NOT EXISTS artifacts_latest_type ON artifacts (type, sort_key) WHERE latest = 1;
"""
# Marks the latest version of one type and name (only rows whose mark changes are written).
_SETTLE_LINE = """
UPDATE artifacts SET latest = 1 - latest WHERE type = :type AND name = :name AND latest != (id IS (
    SELECT id FROM artifacts WHERE type = :type AND name = :name AND status = :ready
    ORDER BY version_sort DESC LIMIT 1))
"""
# The change log the search-text cache follows: every write to an artifact row, from any connection or process,
# records the row's id under the next sequence number, in the writer's own transaction (one row per id: the log
# stays as long as the number of ids ever stored).
_CHANGE_LOG = "".join(f"""
CREATE TRIGGER IF NOT EXISTS artifacts_{event.lower()}_logged AFTER {event} ON artifacts BEGIN
    INSERT OR REPLACE INTO artifact_changes (artifact_id, seq)
    VALUES ({row}.id, (SELECT coalesce(max(seq), 0) + 1 FROM artifact_changes));
END;""" for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")))
# Added after the first release: claims gained an owner and a lease (claims from before are settled ones).
_MIGRATIONS = {"claims": {"owner": "TEXT NOT NULL DEFAULT ''", "expires_at": "REAL"}}
_INDEXES_AFTER_MIGRATION = ("CREATE INDEX IF NOT EXISTS claims_expiry ON claims (expires_at) "
                            "WHERE expires_at IS NOT NULL;")
# Everything `reset` empties: all but `meta`, which holds the epoch that fences writes overlapping a reset.
_TABLES = ("artifacts", "artifact_parents", "claims", "ratings", "users", "tokens", "uploads", "audit", "operations",
           "monitors", "downloads", "settings", "search_appearances", "mirror_jobs")
_EPOCH = "epoch"
_WAL_LIMIT_BYTES = 64 * 1024 * 1024
_READY = ArtifactStatus.READY.value
_SEARCH_BATCH = 500
_SEARCH_CACHE_BYTES = 512 * 1024 * 1024  # of search text held in memory; past it searches stream from the file
_ENTRIES_HELD = 4096  # users, and names' latest versions, kept in memory (each); past it the memory starts again empty
_RECORDS_HELD_BYTES = 32 * 1024 * 1024  # of records' JSON kept in memory, likewise
_ROW_OVERHEAD = 256  # what holding one record costs beyond its JSON, roughly
_VIEWS_HELD_WEIGHT = 32 * 1024 * 1024  # of parsed records (views) kept in memory, weighed as below
_PARSED_PER_JSON_BYTE = 5  # a parsed record takes up to ~4.7x its JSON's bytes (tracemalloc; files lists the most)
_MAX_PARAMS = 500  # values bound per IN (...) list, well under SQLite's limit


class SqliteMetadataStore:
    """The embedded MetadataStore. `path` is the database file; its directory is created if missing."""

    def __init__(self, path: Path | str, busy_timeout_ms: int = 10_000,
                 search_cache_bytes: int = _SEARCH_CACHE_BYTES) -> None:
        self._path = Path(path)
        self._busy_timeout_ms = busy_timeout_ms
        self._local = threading.local()
        self._connections: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._connections_lock = threading.Lock()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        db = self._db()
        db.executescript(_SCHEMA + _CHANGE_LOG)
        _migrate(db)
        self._migrate_versions()
        db.executescript(_VERSION_INDEXES)
        self._search = SearchTextCache(self._search_rows, self._changed_search_rows, search_cache_bytes)
        # What most requests read, held in memory under counters every process on the file moves when it writes
        # (store/generation.py): the caller's user (every authenticated request; accounts barely change), and the
        # artifact read by id with its name's latest version (the REST and GraphQL reads by id). Records are held
        # as their stored JSON and parsed on every read, since callers may change the models they get; the reads
        # that only answer with a record (get_artifact_view: the GraphQL and REST reads by id) share one parsed,
        # frozen instance, since parsing is most of such a read's work.
        self._users_generation = SharedGeneration(self._path.with_name(self._path.name + "-users"))
        self._users_read: HeldReads[User | None] = HeldReads(self._users_generation, _ENTRIES_HELD)
        self._records_generation = SharedGeneration(self._path.with_name(self._path.name + "-records"))
        self._records_read: HeldReads[tuple[str, str] | None] = HeldReads(
            self._records_generation, _RECORDS_HELD_BYTES, lambda row: _ROW_OVERHEAD + (len(row[0]) if row else 0))
        self._latest_read: HeldReads[str | None] = HeldReads(self._records_generation, _ENTRIES_HELD)
        self._views_read: HeldReads[tuple[int, ArtifactView] | None] = HeldReads(
            self._records_generation, _VIEWS_HELD_WEIGHT,
            lambda view: _ROW_OVERHEAD + (_PARSED_PER_JSON_BYTE * view[0] if view else 0))

    # connections -----------------------------------------------------------------------------------------------
    def _db(self) -> sqlite3.Connection:
        """This thread's connection (sqlite3 connections must not be shared between threads). It lives in the
        thread's local storage, so it is closed when the thread ends."""
        held: _Connection | None = getattr(self._local, "held", None)
        if held is None:
            connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout_ms)}")
            connection.execute("PRAGMA journal_mode = WAL")
            connection.execute("PRAGMA synchronous = NORMAL")
            connection.execute(f"PRAGMA journal_size_limit = {_WAL_LIMIT_BYTES}")
            held = _Connection(connection)
            self._local.held = held
            with self._connections_lock:
                self._connections.add(held)
        return held.connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def _records_changing(self) -> Iterator[sqlite3.Connection]:
        """A write transaction that changes artifact records (or may): readers holding records stop answering from
        memory before it begins, and read them again after it ends (committed or not)."""
        with self._records_generation.changing(), self._transaction() as db:
            yield db

    def close(self) -> None:
        """Close every thread's connection (tests and shutdown)."""
        with self._connections_lock:
            for held in list(self._connections):
                held.connection.close()
            self._connections = weakref.WeakSet()
        self._local = threading.local()

    def open_connections(self) -> int:
        """How many connections are open (threads that used the store and are still alive)."""
        with self._connections_lock:
            return len(self._connections)

    def _migrate_versions(self) -> None:
        """A database made before versions were indexed gains their columns, filled from the records."""
        with self._transaction() as db:
            columns = {row[1] for row in db.execute("PRAGMA table_info(artifacts)")}
            if "version_sort" in columns:
                return
            db.execute("ALTER TABLE artifacts ADD COLUMN version_sort TEXT NOT NULL DEFAULT ''")
            db.execute("ALTER TABLE artifacts ADD COLUMN latest INTEGER NOT NULL DEFAULT 0")
            rows = db.execute("SELECT body FROM artifacts").fetchall()
            lines = set()
            for (body,) in rows:
                artifact = Artifact.model_validate_json(body)
                db.execute("UPDATE artifacts SET version_sort = ? WHERE id = ?",
                           (version_sort_key(artifact), artifact.id))
                lines.add((artifact.type.value, artifact.name))
            for kind, name in lines:
                _settle_line(db, kind, name)

    # artifacts -------------------------------------------------------------------------------------------------
    def create_artifact(self, artifact: Artifact) -> None:
        try:
            with self._records_changing() as db:
                db.execute("INSERT INTO artifacts (id, type, name, status, sort_key, source_url, readme, body, "
                           "version_sort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", _artifact_row(artifact))
                _write_parents(db, artifact)
                _settle_line(db, artifact.type.value, artifact.name)
        except sqlite3.IntegrityError:
            raise Conflict(f"artifact {artifact.id!r} already exists") from None

    def replace_artifact(self, artifact: Artifact) -> None:
        with self._records_changing() as db:
            _replace(db, artifact)

    def mark_ready(self, artifact_id: str) -> None:
        with self._records_changing() as db:
            _mark_ready(db, artifact_id)

    def get_artifact(self, artifact_id: str, include_pending: bool = False) -> Artifact | None:
        row = self._record_row(artifact_id)
        if row is None or (row[1] != _READY and not include_pending):
            return None
        return Artifact.model_validate_json(row[0])

    def get_artifact_view(self, artifact_id: str) -> ArtifactView | None:
        def load() -> tuple[int, ArtifactView] | None:
            row = self._record_row(artifact_id)
            return None if row is None or row[1] != _READY else (len(row[0]), ArtifactView.model_validate_json(row[0]))

        held = self._views_read.read(artifact_id, load, self._db().in_transaction)
        return None if held is None else held[1]

    def _record_row(self, artifact_id: str) -> tuple[str, str] | None:
        """The record's stored JSON and status."""
        db = self._db()
        return self._records_read.read(artifact_id, lambda: db.execute(
            "SELECT body, status FROM artifacts WHERE id = ?", (artifact_id,)).fetchone(), db.in_transaction)

    def get_artifacts(self, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        found: dict[str, Artifact] = {}
        for chunk in _chunks(list(dict.fromkeys(artifact_ids))):
            rows = self._db().execute(f"SELECT id, body FROM artifacts WHERE status = ? AND id IN ({_marks(chunk)})",
                                      (_READY, *chunk))
            found.update((row[0], Artifact.model_validate_json(row[1])) for row in rows)
        return found

    def get_artifacts_snapshot(self, artifact_ids: Sequence[str]) -> dict[str, Artifact]:
        """One read transaction: every SELECT in it sees the same snapshot."""
        if len(artifact_ids) > MAX_COMMIT_RECORDS:
            raise TooLarge(f"a snapshot reads at most {MAX_COMMIT_RECORDS} records")
        db = self._db()
        db.execute("BEGIN")
        try:
            return self.get_artifacts(artifact_ids)
        finally:
            db.execute("COMMIT")

    def find_by_name(self, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        wanted = type_list(types)
        rows = self._db().execute("SELECT body, type FROM artifacts WHERE name = ? AND status = ? ORDER BY sort_key",
                                  (name, _READY))
        return [Artifact.model_validate_json(body) for body, kind in rows if ArtifactType(kind) in wanted]

    def latest_version_id(self, kind: ArtifactType, name: str) -> str | None:
        db = self._db()

        def load() -> str | None:
            row = db.execute("SELECT id FROM artifacts WHERE type = ? AND name = ? AND status = ? AND latest = 1",
                             (kind.value, name, _READY)).fetchone()
            return str(row[0]) if row else None

        return self._latest_read.read((kind, name), load, db.in_transaction)

    def find_by_source(self, source_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        found: dict[str, list[Artifact]] = {}
        for chunk in _chunks(list(dict.fromkeys(source_urls))):
            # `+status`: keeps the planner on the source index rather than walking every ready row in order.
            rows = self._db().execute(f"SELECT source_url, body FROM artifacts WHERE +status = ? AND source_url IN "
                                      f"({_marks(chunk)}) ORDER BY sort_key", (_READY, *chunk))
            for url, body in rows:
                found.setdefault(url, []).append(Artifact.model_validate_json(body))
        return found

    def find_children(self, parent_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        found: dict[str, list[Artifact]] = {}
        for chunk in _chunks(list(dict.fromkeys(parent_urls))):
            rows = self._db().execute(
                # CROSS JOIN fixes the join order: from the few links to their artifacts, never the reverse.
                f"SELECT p.parent_url, a.body FROM artifact_parents p CROSS JOIN artifacts a ON a.id = p.artifact_id "
                f"WHERE p.parent_url IN ({_marks(chunk)}) AND a.status = ? ORDER BY a.sort_key", (*chunk, _READY))
            for url, body in rows:
                found.setdefault(url, []).append(Artifact.model_validate_json(body))
        return found

    def list_artifacts(self, types: Iterable[ArtifactType] | None, cursor: str | None, limit: int,
                       latest_only: bool = False) -> Page:
        after = decode_cursor(cursor) or ""
        check_limit(limit)
        wanted = type_list(types)
        # Latest rows are always ready: the partial indexes hold exactly them.
        where = "latest = 1" if latest_only else "status = ?"
        first = () if latest_only else (_READY,)
        if len(wanted) == len(ArtifactType):
            streams = [self._ready_page(f"SELECT sort_key, body FROM artifacts WHERE {where} AND sort_key > ? "
                                        "ORDER BY sort_key LIMIT ?", (*first, after, limit + 1))]
        else:
            streams = [self._ready_page(f"SELECT sort_key, body FROM artifacts WHERE {where} AND type = ? "
                                        "AND sort_key > ? ORDER BY sort_key LIMIT ?",
                                        (*first, kind.value, after, limit + 1)) for kind in wanted]
        return merge_page(streams, limit, Artifact.model_validate_json)

    def list_by_version(self, low: str, high: str, types: Iterable[ArtifactType] | None, cursor: str | None,
                        limit: int) -> Page:
        after = decode_cursor(cursor) or ""
        check_limit(limit)
        kinds = [kind.value for kind in type_list(types)]
        rows = self._ready_page(f"SELECT version_sort, body FROM artifacts WHERE status = ? AND version_sort >= ? "
                                f"AND version_sort > ? AND version_sort < ? AND type IN ({_marks(kinds)}) "
                                f"ORDER BY version_sort LIMIT ?", (_READY, low, after, high, *kinds, limit + 1))
        return merge_page([rows], limit, Artifact.model_validate_json)

    def _ready_page(self, sql: str, params: tuple[Any, ...]) -> list[tuple[str, str]]:
        return [(key, body) for key, body in self._db().execute(sql, params)]

    def iter_search_text(self, types: Iterable[ArtifactType] | None = None,
                         latest_only: bool = False) -> Iterator[SearchText]:
        wanted = type_list(types)
        cached = self._search.entries(wanted, latest_only)
        return cached if cached is not None else self._stream_search_text(wanted, latest_only)

    def _stream_search_text(self, types: list[ArtifactType], latest_only: bool) -> Iterator[SearchText]:
        """Keyset batches, each a fresh query: the generator may be resumed on another thread, and no read
        transaction stays open between batches (used when the texts are over the cache's memory budget)."""
        wanted = [kind.value for kind in types]
        after = ""
        while True:
            rows = self._db().execute(
                f"SELECT sort_key, id, name, readme FROM artifacts WHERE status = ? AND latest >= ? "
                f"AND sort_key > ? AND type IN ({_marks(wanted)}) ORDER BY sort_key LIMIT ?",
                (_READY, int(latest_only), after, *wanted, _SEARCH_BATCH)).fetchall()
            for key, artifact_id, name, readme in rows:
                yield SearchText(key, artifact_id, name.encode(), (readme or "").encode())
            if len(rows) < _SEARCH_BATCH:
                return
            after = rows[-1][0]

    @contextmanager
    def _search_rows(self) -> Iterator[tuple[int, Iterator[SearchRow]]]:
        """Every ready row and the change log's sequence number, from one read snapshot."""
        with self._snapshot() as db:
            rows = db.execute("SELECT id, type, sort_key, name, readme, latest FROM artifacts WHERE status = ?",
                              (_READY,))
            yield _last_change(db), (SearchRow(*row) for row in rows)

    def _changed_search_rows(self, since: int) -> tuple[int, list[str], list[SearchRow]]:
        with self._snapshot() as db:
            changed = [artifact_id for (artifact_id,) in db.execute(
                "SELECT artifact_id FROM artifact_changes WHERE seq > ?", (since,))]
            if not changed:
                return since, [], []
            rows = [SearchRow(*row) for chunk in _chunks(changed) for row in db.execute(
                f"SELECT id, type, sort_key, name, readme, latest FROM artifacts WHERE status = ? AND id IN "
                f"({_marks(chunk)})", (_READY, *chunk))]
            return _last_change(db), changed, rows

    @contextmanager
    def _snapshot(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every statement inside sees the same committed state (WAL: no writer waits)."""
        db = self._db()
        db.execute("BEGIN")
        try:
            yield db
        finally:
            db.execute("COMMIT")

    def delete_artifact(self, artifact_id: str) -> None:
        with self._records_changing() as db:
            _delete(db, artifact_id)

    def commit(self, ready: Sequence[Artifact] = (), replaced: Sequence[Artifact] = (), deleted: Sequence[str] = (),
               ratings: Mapping[str, dict[str, Any]] | None = None, guard: Guard = Guard()) -> None:
        """One BEGIN IMMEDIATE transaction: the guard is checked first, then every change."""
        if len(ready) + len(replaced) + len(deleted) > MAX_COMMIT_RECORDS:
            raise TooLarge(f"one commit changes at most {MAX_COMMIT_RECORDS} records")
        with self._records_changing() as db:
            _apply_guard(db, guard)
            for artifact in ready:
                _mark_ready(db, artifact.id)
            for artifact in replaced:
                _replace(db, artifact)
            for artifact_id in deleted:
                _delete(db, artifact_id)
            db.executemany("INSERT OR REPLACE INTO ratings (artifact_id, body) VALUES (?, ?)",
                           [(artifact_id, json.dumps(rating)) for artifact_id, rating in (ratings or {}).items()])

    def scan_artifacts(self) -> Iterator[Artifact]:
        after = ""
        while True:
            rows = self._db().execute("SELECT id, body, status FROM artifacts WHERE id > ? ORDER BY id LIMIT ?",
                                      (after, _SEARCH_BATCH)).fetchall()
            for _, body, status in rows:
                artifact = Artifact.model_validate_json(body)
                artifact.status = ArtifactStatus(status)
                yield artifact
            if len(rows) < _SEARCH_BATCH:
                return
            after = rows[-1][0]

    def upgrade_records(self, limit: int) -> int:
        """Nothing to do: the database migrates when it opens (`_migrate`, `_migrate_versions`)."""
        return 0

    def sweep_leftovers(self, older_than: float, limit: int) -> int:
        """Nothing to do: every multi-row write here is one transaction."""
        return 0

    def count_artifacts(self) -> int:
        """Every record, pending ones included (tests check that failed writes leave nothing behind)."""
        return int(self._db().execute("SELECT COUNT(*) FROM artifacts").fetchone()[0])

    # ratings ---------------------------------------------------------------------------------------------------
    def put_rating(self, artifact_id: str, rating: dict[str, Any]) -> None:
        self._db().execute("INSERT OR REPLACE INTO ratings (artifact_id, body) VALUES (?, ?)",
                           (artifact_id, json.dumps(rating)))

    def get_rating(self, artifact_id: str) -> dict[str, Any] | None:
        row = self._db().execute("SELECT body FROM ratings WHERE artifact_id = ?", (artifact_id,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    # users and tokens ------------------------------------------------------------------------------------------
    def put_user(self, user: User, overwrite: bool = False) -> None:
        verb = "INSERT OR REPLACE" if overwrite else "INSERT"
        try:
            with self._users_generation.changing():
                self._db().execute(f"{verb} INTO users (username, body) VALUES (?, ?)",
                                   (user.username, user.model_dump_json()))
        except sqlite3.IntegrityError:
            raise Conflict(f"user {user.username!r} already exists") from None

    def get_user(self, username: str) -> User | None:
        """The user as stored now: from memory when no process changed any user since it was read (users are
        frozen models, so one instance serves every request)."""
        db = self._db()

        def load() -> User | None:
            row = db.execute("SELECT body FROM users WHERE username = ?", (username,)).fetchone()
            return None if row is None else User.model_validate_json(row[0])

        return self._users_read.read(username, load, db.in_transaction)

    def list_users(self) -> list[User]:
        rows = self._db().execute("SELECT body FROM users ORDER BY username")
        return [User.model_validate_json(body) for (body,) in rows]

    def delete_user(self, username: str) -> None:
        with self._users_generation.changing(), self._transaction() as db:
            db.execute("DELETE FROM tokens WHERE username = ?", (username,))
            db.execute("DELETE FROM users WHERE username = ?", (username,))

    def put_token(self, token: Token) -> None:
        self._db().execute("INSERT OR REPLACE INTO tokens (token_hash, username, issued_at, uses) VALUES (?, ?, ?, ?)",
                           (token.token_hash, token.username, token.issued_at.isoformat(), token.uses))

    def reserve_token_uses(self, token_hash: str, max_uses: int, wanted: int = 1) -> TokenGrant | None:
        """One write transaction (read, then a guarded UPDATE): concurrent reservations, from any thread or
        process, never grant more than `max_uses` in total."""
        with self._transaction() as db:
            row = db.execute("SELECT username, issued_at, uses FROM tokens WHERE token_hash = ?",
                             (token_hash,)).fetchone()
            if row is None or row[2] >= max_uses:
                return None
            granted = min(max(wanted, 1), max_uses - row[2])
            db.execute("UPDATE tokens SET uses = uses + ? WHERE token_hash = ?", (granted, token_hash))
        return TokenGrant(Token(token_hash=token_hash, username=row[0], issued_at=row[1], uses=row[2] + granted),
                          granted)

    def release_token_uses(self, token_hash: str, unused: int) -> None:
        self._db().execute("UPDATE tokens SET uses = max(uses - ?, 0) WHERE token_hash = ?", (unused, token_hash))

    # claims ----------------------------------------------------------------------------------------------------
    def claim(self, key: str, owner: str, lease_seconds: float) -> bool:
        """One guarded upsert: insert, or take over an expired lease, or renew the owner's own lease."""
        now = time.time()
        return self._db().execute(
            "INSERT INTO claims (key, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
            "owner = excluded.owner, expires_at = excluded.expires_at "
            "WHERE claims.expires_at IS NOT NULL AND (claims.expires_at <= ? OR claims.owner = excluded.owner)",
            (key, owner, now + lease_seconds, now)).rowcount == 1

    def get_claim(self, key: str) -> Claim | None:
        row = self._db().execute("SELECT key, owner, expires_at FROM claims WHERE key = ?", (key,)).fetchone()
        return None if row is None else Claim(*row)

    def release(self, key: str, owner: str | None = None) -> None:
        if owner is None:
            self._db().execute("DELETE FROM claims WHERE key = ?", (key,))
        else:
            self._db().execute("DELETE FROM claims WHERE key = ? AND owner = ?", (key, owner))

    def expired_claims(self, now: float, limit: int) -> list[Claim]:
        rows = self._db().execute("SELECT key, owner, expires_at FROM claims WHERE expires_at IS NOT NULL AND "
                                  "expires_at <= ? LIMIT ?", (now, limit)).fetchall()
        return [Claim(*row) for row in rows]

    def drop_expired(self, claim: Claim) -> bool:
        return self._db().execute("DELETE FROM claims WHERE key = ? AND owner = ? AND expires_at = ?",
                                  (claim.key, claim.owner, claim.expires_at)).rowcount == 1

    # epoch -----------------------------------------------------------------------------------------------------
    def get_epoch(self) -> Epoch:
        row = self._db().execute("SELECT value, changed_at FROM meta WHERE key = ?", (_EPOCH,)).fetchone()
        return Epoch(0, 0.0) if row is None else Epoch(int(row[0]), float(row[1]))

    def swap_epoch(self, expected: int, new: int) -> bool:
        with self._transaction() as db:
            return _current_epoch(db) == expected and db.execute(
                "INSERT INTO meta (key, value, changed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                "value = excluded.value, changed_at = excluded.changed_at", (_EPOCH, new, time.time())).rowcount == 1

    # operations ------------------------------------------------------------------------------------------------
    def put_operation(self, record: Operation) -> bool:
        with self._transaction() as db:
            return _put_operation(db, record)

    def get_operation(self, key: str) -> Operation | None:
        row = self._db().execute("SELECT body FROM operations WHERE key = ?", (key,)).fetchone()
        return None if row is None else Operation.model_validate_json(row[0])

    def delete_operation(self, key: str, version: int | None = None) -> None:
        if version is None:
            self._db().execute("DELETE FROM operations WHERE key = ?", (key,))
        else:
            self._db().execute("DELETE FROM operations WHERE key = ? AND version = ?", (key, version))

    def expired_operations(self, now: datetime, limit: int) -> list[Operation]:
        rows = self._db().execute("SELECT body FROM operations WHERE expires_at <= ? LIMIT ?",
                                  (timestamp_key(now), limit))
        return [Operation.model_validate_json(body) for (body,) in rows]

    # uploads ---------------------------------------------------------------------------------------------------
    def put_upload(self, upload: Upload) -> None:
        self._db().execute("INSERT OR REPLACE INTO uploads (id, body) VALUES (?, ?)",
                           (upload.id, upload.model_dump_json()))

    def get_upload(self, upload_id: str) -> Upload | None:
        row = self._db().execute("SELECT body FROM uploads WHERE id = ?", (upload_id,)).fetchone()
        return None if row is None else Upload.model_validate_json(row[0])

    def delete_upload(self, upload_id: str) -> None:
        self._db().execute("DELETE FROM uploads WHERE id = ?", (upload_id,))

    def expired_uploads(self, now: datetime, limit: int) -> list[Upload]:
        """Uploads live minutes, so there are few: read them all, keep the expired ones."""
        uploads = (Upload.model_validate_json(body) for (body,) in self._db().execute("SELECT body FROM uploads"))
        return [upload for upload in uploads if as_utc(upload.expires_at) <= as_utc(now)][:limit]

    # audit -----------------------------------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> None:
        self._db().execute("INSERT INTO audit (artifact_id, at, body) VALUES (?, ?, ?)",
                           (entry.artifact_id, timestamp_key(entry.at), entry.model_dump_json()))

    def list_audit(self, artifact_id: str, limit: int = 1000) -> list[AuditEntry]:
        rows = self._db().execute("SELECT body FROM audit WHERE artifact_id = ? ORDER BY at, seq LIMIT ?",
                                  (artifact_id, limit))
        return [AuditEntry.model_validate_json(body) for (body,) in rows]

    # monitors and downloads ------------------------------------------------------------------------------------
    def put_monitor(self, monitor: Monitor) -> None:
        self._db().execute("INSERT OR REPLACE INTO monitors (artifact_id, body) VALUES (?, ?)",
                           (monitor.artifact_id, monitor.model_dump_json()))

    def get_monitor(self, artifact_id: str) -> Monitor | None:
        row = self._db().execute("SELECT body FROM monitors WHERE artifact_id = ?", (artifact_id,)).fetchone()
        return None if row is None else Monitor.model_validate_json(row[0])

    def delete_monitor(self, artifact_id: str) -> None:
        self._db().execute("DELETE FROM monitors WHERE artifact_id = ?", (artifact_id,))

    def append_download(self, record: DownloadRecord) -> None:
        self._db().execute("INSERT INTO downloads (artifact_id, at, body) VALUES (?, ?, ?)",
                           (record.artifact_id, timestamp_key(record.at), record.model_dump_json()))

    def list_downloads(self, artifact_id: str, limit: int = 1000) -> list[DownloadRecord]:
        rows = self._db().execute("SELECT body FROM downloads WHERE artifact_id = ? ORDER BY at, seq LIMIT ?",
                                  (artifact_id, limit))
        return [DownloadRecord.model_validate_json(body) for (body,) in rows]

    # settings --------------------------------------------------------------------------------------------------
    def get_setting(self, name: str) -> dict[str, Any] | None:
        row = self._db().execute("SELECT body FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def put_setting(self, name: str, value: dict[str, Any]) -> None:
        self._db().execute("INSERT OR REPLACE INTO settings (name, body) VALUES (?, ?)", (name, json.dumps(value)))

    # mirror jobs -----------------------------------------------------------------------------------------------
    def start_mirror(self, job: MirrorJob) -> bool:
        """One statement: insert, or take over a job whose lease ended (timestamps are fixed-width UTC text)."""
        return self._db().execute(
            "INSERT INTO mirror_jobs (artifact_id, lease_until, body) VALUES (?, ?, ?) ON CONFLICT (artifact_id) "
            "DO UPDATE SET lease_until = excluded.lease_until, body = excluded.body WHERE lease_until <= ?",
            (job.artifact_id, timestamp_key(job.lease_until), job.model_dump_json(),
             timestamp_key(job.started_at))).rowcount == 1

    def get_mirror(self, artifact_id: str) -> MirrorJob | None:
        row = self._db().execute("SELECT body FROM mirror_jobs WHERE artifact_id = ?", (artifact_id,)).fetchone()
        return None if row is None else MirrorJob.model_validate_json(row[0])

    def renew_mirror(self, artifact_id: str, owner: str, lease_until: datetime) -> bool:
        return self._db().execute(
            "UPDATE mirror_jobs SET lease_until = ?, body = json_set(body, '$.lease_until', ?) "
            "WHERE artifact_id = ? AND json_extract(body, '$.owner') = ?",
            (timestamp_key(lease_until), lease_until.isoformat(), artifact_id, owner)).rowcount == 1

    def end_mirror(self, artifact_id: str, owner: str, failure: MirrorJob | None = None) -> None:
        owned = "artifact_id = ? AND json_extract(body, '$.owner') = ?"
        if failure is None:
            self._db().execute(f"DELETE FROM mirror_jobs WHERE {owned}", (artifact_id, owner))
        else:
            self._db().execute(f"UPDATE mirror_jobs SET lease_until = ?, body = ? WHERE {owned}",
                               (timestamp_key(failure.lease_until), failure.model_dump_json(), artifact_id, owner))

    # search counters -------------------------------------------------------------------------------------------
    def count_appearances(self, artifact_ids: Iterable[str]) -> None:
        """One transaction of upserts: `count + 1` is applied by SQLite under its write lock, so never lost."""
        ids = sorted(set(artifact_ids))
        if not ids:
            return
        with self._transaction() as db:
            db.executemany("INSERT INTO search_appearances (artifact_id, count) VALUES (?, 1) "
                           "ON CONFLICT (artifact_id) DO UPDATE SET count = count + 1", [(i,) for i in ids])

    def search_appearances(self, artifact_ids: Iterable[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(list(dict.fromkeys(artifact_ids))):
            rows = self._db().execute(f"SELECT artifact_id, count FROM search_appearances WHERE artifact_id IN "
                                      f"({_marks(chunk)})", chunk)
            found.update((artifact_id, int(count)) for artifact_id, count in rows)
        return found

    # whole store -----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        with self._users_generation.changing(), self._records_changing() as db:
            for table in _TABLES:
                db.execute(f"DELETE FROM {table}")

    def ping(self) -> None:
        self._db().execute("SELECT 1").fetchone()

    def checkpoint(self) -> None:
        """Copy the log into the database and truncate it; waits `busy_timeout` for readers at most, and a busy
        answer just means the next sweep tries again."""
        self._db().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()


class _Connection:
    """One thread's connection, closed when the thread's local storage lets go of it (the thread ended)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __del__(self) -> None:
        self.connection.close()


def _migrate(db: sqlite3.Connection) -> None:
    for table, columns in _MIGRATIONS.items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for column, declaration in columns.items():
            if column not in present:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {declaration}")
    db.executescript(_INDEXES_AFTER_MIGRATION)


def _mark_ready(db: sqlite3.Connection, artifact_id: str) -> None:
    line = db.execute("SELECT type, name FROM artifacts WHERE id = ?", (artifact_id,)).fetchone()
    if line is None:
        raise NotFound(f"no artifact {artifact_id!r}")
    db.execute("UPDATE artifacts SET status = ?, body = json_set(body, '$.status', ?) WHERE id = ?",
               (_READY, _READY, artifact_id))
    _settle_line(db, *line)


def _replace(db: sqlite3.Connection, artifact: Artifact) -> None:
    before = db.execute("SELECT type, name FROM artifacts WHERE id = ?", (artifact.id,)).fetchone()
    if before is None:
        raise NotFound(f"no artifact {artifact.id!r}")
    row = _artifact_row(artifact)
    db.execute("UPDATE artifacts SET type = ?, name = ?, status = ?, sort_key = ?, source_url = ?, readme = ?, "
               "body = ?, version_sort = ? WHERE id = ?", (*row[1:], artifact.id))
    db.execute("DELETE FROM artifact_parents WHERE artifact_id = ?", (artifact.id,))
    _write_parents(db, artifact)
    for kind, name in {tuple(before), (artifact.type.value, artifact.name)}:
        _settle_line(db, kind, name)


def _delete(db: sqlite3.Connection, artifact_id: str) -> None:
    """The record and what goes with it (its rating, parent links, monitor program, search counter and mirror job);
    the name's latest version is marked again."""
    line = db.execute("SELECT type, name FROM artifacts WHERE id = ?", (artifact_id,)).fetchone()
    for table, column in (("artifacts", "id"), ("artifact_parents", "artifact_id"), ("ratings", "artifact_id"),
                          ("monitors", "artifact_id"), ("search_appearances", "artifact_id"),
                          ("mirror_jobs", "artifact_id")):
        db.execute(f"DELETE FROM {table} WHERE {column} = ?", (artifact_id,))
    if line is not None:
        _settle_line(db, *line)


def _current_epoch(db: sqlite3.Connection) -> int:
    row = db.execute("SELECT value FROM meta WHERE key = ?", (_EPOCH,)).fetchone()
    return 0 if row is None else int(row[0])


def _apply_guard(db: sqlite3.Connection, guard: Guard) -> None:
    """Inside the commit's transaction: check the epoch and the claims, then change claims and the record."""
    if guard.epoch is not None and _current_epoch(db) != guard.epoch:
        raise Aborted("the registry was reset while this write was in progress; nothing was stored",
                      retry_after_seconds=1)
    held = [("UPDATE claims SET expires_at = NULL WHERE key = ? AND owner = ?", claim) for claim in guard.settle]
    held += [("DELETE FROM claims WHERE key = ? AND owner = ?", claim) for claim in guard.release]
    for statement, claim in held:
        if not db.execute(statement, claim).rowcount:
            raise Aborted("another request took over this write (its lease had expired); nothing was stored",
                          retry_after_seconds=1)
    db.executemany("DELETE FROM claims WHERE key = ?", [(key,) for key in guard.drop])
    db.executemany("INSERT INTO claims (key, owner, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET "
                   "owner = excluded.owner, expires_at = excluded.expires_at", guard.lease)
    if guard.record is not None and not _put_operation(db, guard.record):
        raise Aborted("another request took over this operation; nothing was stored", retry_after_seconds=1)


def _put_operation(db: sqlite3.Connection, record: Operation) -> bool:
    body, expires = record.model_dump_json(), timestamp_key(record.expires_at)
    if record.version == 1:
        return db.execute("INSERT INTO operations (key, version, expires_at, body) VALUES (?, 1, ?, ?) "
                          "ON CONFLICT DO NOTHING", (record.key, expires, body)).rowcount == 1
    return db.execute("UPDATE operations SET version = ?, expires_at = ?, body = ? WHERE key = ? AND version = ?",
                      (record.version, expires, body, record.key, record.version - 1)).rowcount == 1


def _artifact_row(artifact: Artifact) -> tuple[str, str, str, str, str, str | None, str, str, str]:
    """The indexed columns, the README in its own column (regex search reads it without parsing the body),
    the whole record as JSON, and the version sort key."""
    return (artifact.id, artifact.type.value, artifact.name, artifact.status.value, sort_key(artifact),
            artifact.source_url, artifact.readme, artifact.model_dump_json(), version_sort_key(artifact))


def _settle_line(db: sqlite3.Connection, kind: str, name: str) -> None:
    db.execute(_SETTLE_LINE, {"type": kind, "name": name, "ready": _READY})


def _last_change(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT coalesce(max(seq), 0) FROM artifact_changes").fetchone()[0])


def _write_parents(db: sqlite3.Connection, artifact: Artifact) -> None:
    db.executemany("INSERT OR IGNORE INTO artifact_parents (parent_url, artifact_id) VALUES (?, ?)",
                   [(url, artifact.id) for url in artifact.parent_urls])


def _chunks(values: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(values), _MAX_PARAMS):
        yield values[start:start + _MAX_PARAMS]


def _marks(values: list[Any]) -> str:
    return ", ".join("?" * len(values))
