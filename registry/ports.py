"""The storage ports, owned by the domain and split by concern: each service takes only the ports it uses.

Adapters live in store/ (SQLite + files, DynamoDB + S3) and one contract suite (tests/store/) runs against each.
The guarantees every adapter gives, and where the two differ, are written on each port below; a service may rely
on what is written here and on nothing else.

Vocabulary used below:
- *atomic*: the call's effects are all visible or none is, also if the process dies half-way.
- *read-your-write*: a read issued after the call returned sees its effect.
- *eventually*: an index-backed read may miss a write for a short while (DynamoDB's global secondary indexes,
  typically milliseconds); SQLite reads are always read-your-write.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, NamedTuple, Protocol

from registry.model import Artifact, ArtifactType, ArtifactView, AuditEntry, DownloadRecord, MirrorJob, Monitor, \
    Operation, Token, Upload, User
from registry.paging import Page

# One commit writes at most this many records (DynamoDB's TransactWriteItems holds 100 items, and each record
# brings its claims and rating along).
MAX_COMMIT_RECORDS = 25


@dataclass(frozen=True)
class Claim:
    """Who holds a named claim: `owner` is the write (attempt id) that took it. A leased claim expires at
    `expires_at` (epoch seconds) unless its writer renews or settles it; a settled claim (`expires_at` None) is
    held for good by the record it protects, and is dropped with that record."""

    key: str
    owner: str
    expires_at: float | None


@dataclass(frozen=True)
class Epoch:
    """The registry's epoch: even while stable, odd while a reset runs (a seqlock). Every write commits only under
    the epoch it began in, so no write overlapping a reset survives it. `changed_at`: epoch seconds."""

    value: int
    changed_at: float

    @property
    def resetting(self) -> bool:
        return self.value % 2 == 1


@dataclass(frozen=True)
class Guard:
    """What a commit checks and applies in the same atomic step as its records (ArtifactStore.commit).

    - `epoch`: the epoch the write began under; the commit fails (Aborted) if it moved.
    - `settle`: claims (key, owner) the writer must still hold; they are held for good afterwards.
    - `release`: claims (key, owner) the writer must still hold; they are given up by the commit.
    - `drop`: claims given up (an update's previous identity, a deleted artifact's), whoever holds them.
    - `lease`: claims (key, owner, expires_at) handed to the writer under a lease: a delete keeps its package's
      claim while it removes the blobs after the commit, so no new upload reuses bytes being deleted.
    - `record`: an operation record written only if the stored one is at `record.version - 1` (absent for 1).
    """

    epoch: int | None = None
    settle: tuple[tuple[str, str], ...] = ()
    release: tuple[tuple[str, str], ...] = ()
    drop: tuple[str, ...] = ()
    lease: tuple[tuple[str, str, float], ...] = ()
    record: Operation | None = None


@dataclass(frozen=True)
class BlobInfo:
    key: str
    size: int
    modified_at: datetime


class SearchText(NamedTuple):
    """What regex search reads of a record: its name and README as UTF-8 (RE2 searches the bytes directly)."""

    sort_key: str
    id: str
    name: bytes
    readme: bytes


class ArtifactStore(Protocol):
    """Artifact records.

    - Visibility: records are created PENDING and reach readers only after `mark_ready`; every read below
      returns READY records only, unless it says otherwise.
    - Identity: `create_artifact` is conditional on the id (Conflict when it exists): two writers never share one.
    - Atomicity: SQLite writes a record and its parent links in one transaction. DynamoDB writes body chunks,
      then the head item (the commit point: conditional), then the parent-link items; a crash after the head
      leaves a PENDING record (never READY) with at worst missing links, which `replace_artifact` rewrites.
    - Consistency: `get_artifact` / `get_artifacts` are read-your-write on both adapters. `find_by_name`,
      `find_by_source`, `find_children`, `list_artifacts` and `iter_search_text` are index-backed: SQLite is
      read-your-write, DynamoDB eventually consistent.
    - Order: listings are in sort-key order (creation time, then id; see registry.paging), except
      `iter_search_text`, whose order is unspecified (it yields each record's sort key), and `list_by_version`, in
      version order (registry.paging.version_sort_key).
    - Versions: a record is one version of its type and name. Of the READY records of one type and name, the one
      with the highest version (registry.version.version_key; ties: the later sort key) is *latest*, and
      `latest_only` listings give only latest records. The mark follows every write that changes which record that
      is (a ready create, `mark_ready`, `replace_artifact`, `delete_artifact`): on SQLite in the write's own
      transaction; on DynamoDB right after the write, in a transaction conditioned on a per-name revision counter
      (linearizable among concurrent writers of one name). A crash between a DynamoDB write and its mark leaves
      the previous latest marked until the next write of that type and name.
    """

    def create_artifact(self, artifact: Artifact) -> None:
        """Insert a new record (normally PENDING). Raises Conflict if the id exists."""

    def replace_artifact(self, artifact: Artifact) -> None:
        """Overwrite an existing record and its parent links (update, mirror). Raises NotFound if absent."""

    def mark_ready(self, artifact_id: str) -> None:
        """Make a PENDING record visible. Raises NotFound if absent."""

    def get_artifact(self, artifact_id: str, include_pending: bool = False) -> Artifact | None: ...

    def get_artifact_view(self, artifact_id: str) -> ArtifactView | None:
        """The READY record as `get_artifact` reads it, to build a response from: adapters may hand the same
        instance to concurrent requests (the embedded store keeps parsed records in memory), so nobody changes it."""

    def get_artifacts(self, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        """Batched read (one round trip per call where the backend allows); missing ids are left out. Each record
        is read-your-write, but the batch is no snapshot: it may see part of a concurrent commit (DynamoDB)."""

    def get_artifacts_snapshot(self, artifact_ids: Sequence[str]) -> dict[str, Artifact]:
        """READY records of at most MAX_COMMIT_RECORDS ids read as one snapshot: of any commit, all of its
        records or none (SQLite: one read transaction; DynamoDB: TransactGetItems). Group downloads use it."""

    def find_by_name(self, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        """Every record with exactly this name (case-sensitive), in sort-key order."""

    def latest_version_id(self, kind: ArtifactType, name: str) -> str | None:
        """The id of the name's latest READY version of `kind` (highest version), None when it has none.
        Read-your-write on both adapters: SQLite marks it in the write's own transaction; DynamoDB reads the name
        line's head, settled right after each commit, strongly consistently."""

    def find_by_source(self, source_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        """Records ingested from each canonical source URL, batched (lineage resolves parents with it)."""

    def find_children(self, parent_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        """Records whose `parent_urls` contain each URL, batched (lineage's descendants)."""

    def list_artifacts(self, types: Iterable[ArtifactType] | None, cursor: str | None, limit: int,
                       latest_only: bool = False) -> Page:
        """At most `limit` records after `cursor` (a registry.paging cursor), keyset-paged: a page costs the same
        whatever the registry's size. `latest_only`: only each name's latest version. A malformed cursor raises
        InvalidInput."""

    def list_by_version(self, low: str, high: str, types: Iterable[ArtifactType] | None, cursor: str | None,
                        limit: int) -> Page:
        """At most `limit` records whose version key lies in [`low`, `high`) (a registry.version.VersionQuery's
        range), in version order (registry.paging.version_sort_key), after `cursor`: one index seek, keyset-paged
        like `list_artifacts` (the cursor resumes after a version sort key)."""

    def iter_search_text(self, types: Iterable[ArtifactType] | None = None,
                         latest_only: bool = False) -> Iterator[SearchText]:
        """The search text of every ready record of `types` (`latest_only`: of each name's latest version). SQLite
        answers from an in-process cache brought up to date from the database's change log before every call
        (store/search_text.py): read-your-write, also for other processes' writes. DynamoDB streams the records
        page by page, never loading all at once."""

    def delete_artifact(self, artifact_id: str) -> None:
        """Remove the record, its rating, its monitor, its mirror job, its search counter and its parent links. A
        missing id is not an error (idempotent)."""

    def commit(self, ready: Sequence[Artifact] = (), replaced: Sequence[Artifact] = (), deleted: Sequence[str] = (),
               ratings: Mapping[str, dict[str, Any]] | None = None, guard: Guard = Guard()) -> None:
        """One atomic step, all of it or nothing, also if the process dies: the PENDING records `ready` become
        READY, the records `replaced` are overwritten, the records `deleted` disappear, `ratings` are written, and
        `guard` is checked and applied (see Guard). Raises Aborted when the guard fails, NotFound when a record to
        make ready or replace is missing, TooLarge past MAX_COMMIT_RECORDS records or the backend's size limit.

        SQLite: one transaction. DynamoDB: one TransactWriteItems (serializable with every other write of the same
        items); a deleted record's chunks, rating and parent links, and a replaced record's parent links, are
        written after it (a crash there leaves leftovers that `sweep_leftovers` removes, never a visible change)."""

    def scan_artifacts(self) -> Iterator[Artifact]:
        """Every record, PENDING ones included, in no order (a Scan on DynamoDB: the sweeper's, not requests')."""

    def upgrade_records(self, limit: int) -> int:
        """Bring at most `limit` records written by an earlier release up to this one's indexes (the sweeper's):
        DynamoDB heads written before versions gain their version sort key, version item and latest mark, so they
        show in listings again; SQLite migrates when it opens and has none. Returns how many were upgraded."""

    def sweep_leftovers(self, older_than: float, limit: int) -> int:
        """Remove at most `limit` items left by interrupted writes older than `older_than` (epoch seconds): body
        chunks, ratings and parent links of records that no longer exist, chunks of versions no head points at
        (DynamoDB; SQLite writes atomically and has none). Returns how many were removed."""

    def count_artifacts(self) -> int:
        """Every record, PENDING ones included (a scan on DynamoDB: tests and operators only)."""


class RatingStore(Protocol):
    """A model's stored rating (JSON). One item per artifact, read-your-write, last write wins."""

    def put_rating(self, artifact_id: str, rating: dict[str, Any]) -> None: ...

    def get_rating(self, artifact_id: str) -> dict[str, Any] | None: ...


class ClaimStore(Protocol):
    """Named claims with an owner and a lease: what makes "already exists" hold under concurrent creation, and what
    lets a dead writer's claim expire.

    `claim` is atomic and linearizable on both adapters (SQLite's primary key and a guarded upsert; DynamoDB's
    conditional put): of any number of concurrent claims of one free key, exactly one returns True. A leased
    claim past its expiry is free; only a commit settles a claim for good (Guard.settle), so a writer that dies
    before committing never keeps one. DynamoDB also deletes expired claims by TTL (lazily: correctness never
    depends on it).
    """

    def claim(self, key: str, owner: str, lease_seconds: float) -> bool:
        """Take `key` for `owner` until now + `lease_seconds`: True when it was free, its lease had expired, or
        `owner` held it under a lease already (a renewal). False when another owner holds it under a live lease,
        or anyone holds it for good."""

    def get_claim(self, key: str) -> Claim | None: ...

    def release(self, key: str, owner: str | None = None) -> None:
        """Give `key` up (only if `owner` holds it, when given); a key nobody holds is not an error."""

    def expired_claims(self, now: float, limit: int) -> list[Claim]:
        """At most `limit` leased claims whose lease ended before `now` (the sweeper's)."""

    def drop_expired(self, claim: Claim) -> bool:
        """Remove `claim` if it is still exactly as read (same owner, same expiry): a writer that renewed or
        settled it meanwhile keeps it. True if removed."""


@dataclass(frozen=True)
class TokenGrant:
    """What `reserve_token_uses` granted: the token as stored after the reservation, and how many uses it got."""

    token: Token
    granted: int


class UserStore(Protocol):
    """Users and their bearer tokens (hashed). All reads are read-your-write.

    Token budgets: a token's stored `uses` counts the uses *reserved* for it. `reserve_token_uses` is atomic and
    never reserves past `max_uses`, whatever the concurrency and however many processes share the store (SQLite:
    one `BEGIN IMMEDIATE` transaction; DynamoDB: a conditional UpdateItem `uses <= max - n`): the sum of all grants
    of a token never exceeds `max_uses`. `release_token_uses` gives back uses a reservation did not spend, so that
    the uses honoured stay exact when a process lets a reservation go (registry/tokens.py holds reservations in
    memory, so that a request does not write the store).

    `delete_user` removes the user and every token issued to them: atomically on SQLite; on DynamoDB as one batch
    of deletes, which a crash can interrupt, leaving tokens whose user is gone (services refuse a token whose user
    does not exist).
    """

    def put_user(self, user: User, overwrite: bool = False) -> None:
        """Raises Conflict when the user exists and `overwrite` is False."""

    def get_user(self, username: str) -> User | None: ...

    def list_users(self) -> list[User]:
        """Every user, ordered by username."""

    def delete_user(self, username: str) -> None: ...

    def put_token(self, token: Token) -> None: ...

    def reserve_token_uses(self, token_hash: str, max_uses: int, wanted: int = 1) -> TokenGrant | None:
        """Reserve min(`wanted`, what is left) uses, at least one; None if the token is unknown or used up."""

    def release_token_uses(self, token_hash: str, unused: int) -> None:
        """Give back `unused` reserved uses (never below zero uses); a missing token is not an error."""


class UploadStore(Protocol):
    """Pending package uploads, by their unguessable id. Read-your-write. DynamoDB also deletes an upload by TTL a
    while after it expires (lazily: services treat an expired upload as absent whatever the store still holds)."""

    def put_upload(self, upload: Upload) -> None: ...

    def get_upload(self, upload_id: str) -> Upload | None: ...

    def delete_upload(self, upload_id: str) -> None:
        """Idempotent."""

    def expired_uploads(self, now: datetime, limit: int) -> list[Upload]:
        """At most `limit` uploads that expired before `now` (the sweeper's; a Scan on DynamoDB)."""


class EpochStore(Protocol):
    """The registry epoch (see Epoch). Linearizable on both adapters; `reset` keeps it."""

    def get_epoch(self) -> Epoch:
        """The current epoch; 0 (changed at 0) before the first reset."""

    def swap_epoch(self, expected: int, new: int) -> bool:
        """Compare-and-set: move the epoch from `expected` to `new`; False if it was not at `expected`."""


class OperationStore(Protocol):
    """Operation records (idempotency keys, group transactions). Every write is a compare-and-set on the record's
    version, linearizable on both adapters; Guard.record writes one inside a commit. DynamoDB also deletes
    records by TTL after `expires_at` (lazily: readers treat an expired record as absent)."""

    def put_operation(self, record: Operation) -> bool:
        """Write `record` if the stored one is at `record.version - 1` (or absent, for version 1)."""

    def get_operation(self, key: str) -> Operation | None: ...

    def delete_operation(self, key: str, version: int | None = None) -> None:
        """Remove the record (only at `version`, when given); idempotent."""

    def expired_operations(self, now: datetime, limit: int) -> list[Operation]:
        """At most `limit` records past `expires_at` (the sweeper's)."""


class AuditStore(Protocol):
    """The audit trail: append-only, kept after the artifact is deleted. Read-your-write."""

    def append_audit(self, entry: AuditEntry) -> None: ...

    def list_audit(self, artifact_id: str, limit: int = 1000) -> list[AuditEntry]:
        """Oldest first (ties in time keep the order of appending)."""


class MonitorStore(Protocol):
    """The monitor program of a sensitive model: one item per artifact, read-your-write, last write wins, removed
    with the artifact (`ArtifactStore.delete_artifact`)."""

    def put_monitor(self, monitor: Monitor) -> None: ...

    def get_monitor(self, artifact_id: str) -> Monitor | None: ...

    def delete_monitor(self, artifact_id: str) -> None:
        """Idempotent."""


class DownloadLog(Protocol):
    """Downloads, allowed or refused: append-only, oldest first, kept after the artifact is deleted (like the
    audit trail). Read-your-write."""

    def append_download(self, record: DownloadRecord) -> None: ...

    def list_downloads(self, artifact_id: str, limit: int = 1000) -> list[DownloadRecord]: ...


class SettingStore(Protocol):
    """Registry-wide settings changed at run time (the gate policy), by name, as JSON objects: read-your-write,
    last write wins; `reset` removes them (the defaults apply again)."""

    def get_setting(self, name: str) -> dict[str, Any] | None: ...

    def put_setting(self, name: str, value: dict[str, Any]) -> None: ...


class SearchStats(Protocol):
    """How often each artifact appeared in search results: a popularity signal of the package-confusion audit.

    - `count_appearances` adds one to the counter of each distinct id it is given, in one batched write per call
      (a search request counts its whole page at once): SQLite one transaction of upserts; DynamoDB one
      TransactWriteItems of ADD updates per 100 ids (its limit), retried on transaction conflicts.
    - Increments are atomic: concurrent calls never lose a count. A call is all-or-nothing on SQLite, and for each
      group of 100 ids on DynamoDB.
    - `search_appearances` reads counters, batched, read-your-write; ids never counted are left out.
    - Counters go with their artifact (`ArtifactStore.delete_artifact`) and with `reset`.
    """

    def count_appearances(self, artifact_ids: Iterable[str]) -> None: ...

    def search_appearances(self, artifact_ids: Iterable[str]) -> dict[str, int]: ...


class MirrorStore(Protocol):
    """Background mirrors of ingested artifacts (registry/mirror.py): at most one job per artifact, shared by every
    process (on AWS, every Lambda instance).

    - `start_mirror` is atomic and linearizable (SQLite: one write transaction; DynamoDB: a conditional put): it
      stores `job` when the artifact has none, or the one it has is past its `lease_until` (at `job.started_at`);
      else it returns False. Of concurrent starts, exactly one wins.
    - `renew_mirror` and `end_mirror` act only while `owner` holds the job (conditional on the owner), so a worker
      whose lease ran out and was taken over never overwrites its successor's job.
    - Read-your-write. A job goes with its artifact (`ArtifactStore.delete_artifact`) and with `reset`.
    """

    def start_mirror(self, job: MirrorJob) -> bool: ...

    def get_mirror(self, artifact_id: str) -> MirrorJob | None: ...

    def renew_mirror(self, artifact_id: str, owner: str, lease_until: datetime) -> bool:
        """Extend the lease; False when `owner` no longer holds the job."""

    def end_mirror(self, artifact_id: str, owner: str, failure: MirrorJob | None = None) -> None:
        """The job is over: removed when it succeeded, replaced by `failure` (state FAILED) when it failed; nothing
        happens unless `owner` holds it."""


class MetadataStore(ArtifactStore, RatingStore, ClaimStore, UserStore, UploadStore, AuditStore, MonitorStore,
                    DownloadLog, SettingStore, SearchStats, EpochStore, OperationStore, MirrorStore, Protocol):
    """Everything an adapter implements, plus the whole-store operations."""

    def reset(self) -> None:
        """Delete everything but the epoch: artifacts, ratings, claims, users, tokens, uploads, audit, monitors,
        downloads, settings, search counters, operations, mirror jobs."""

    def checkpoint(self) -> None:
        """Housekeeping the sweeper runs: SQLite folds its write-ahead log into the database and truncates it (so
        the log does not grow under sustained load); nothing on DynamoDB."""

    def ping(self) -> None:
        """Raise if the store can't be reached (health)."""


class BlobStore(Protocol):
    """Bytes by key: packages (content-addressed), their parts, staged uploads.

    - `put_file` is conditional (no-op returning False when the key exists): two writers of one
      content-addressed key never overwrite each other. A blob appears whole or not at all (the file store
      writes a temporary file and links or renames it into place; S3 writes are atomic per object).
    - Reads are read-your-write (S3 has strong read-after-write consistency).
    """

    def put_file(self, key: str, path: str) -> bool:
        """Store the local file under `key` unless the key exists. True if written."""

    def put_stream(self, key: str, stream: IO[bytes], max_bytes: int) -> int:
        """Store a stream under `key` (overwriting), refusing more than `max_bytes` (TooLarge). Returns size."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream bytes [start, end] (inclusive end, as HTTP ranges) in chunks. NotFound if absent."""

    def download_to(self, key: str, path: str) -> None:
        """Copy the blob to a local file, streaming."""

    def local_path(self, key: str) -> str | None:
        """The file on this machine that holds the blob, for a server that sends it itself (the file store:
        NotFound if the blob is absent); None from a store without local files (S3), whatever the key."""

    def delete(self, key: str) -> None:
        """Idempotent."""

    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str | None:
        """A short-lived URL the client fetches directly, or None when the server streams it itself."""

    def presign_upload(self, key: str, max_bytes: int, ttl_seconds: int) -> dict[str, Any] | None:
        """{url, method, fields, headers} for a direct upload (content-length capped), or None when the client
        uploads through this server (embedded store)."""

    def list_blobs(self, prefix: str) -> Iterator[BlobInfo]:
        """Every blob whose key starts with `prefix`, streamed, in no particular order (the sweeper's)."""

    def sweep_temporaries(self, older_than: datetime) -> int:
        """Remove the store's own leftovers of interrupted writes begun before `older_than`: the file store's
        `.tmp-*` files, S3's incomplete multipart uploads. Returns how many."""

    def reset(self) -> None: ...

    def ping(self) -> None: ...


# Blob keys: how the domain names what it stores -----------------------------------------------------------------
PACKAGE_PREFIX = "sha256/"
PART_PREFIX = "parts/"
STAGING_PREFIX = "uploads/"


def blob_key(sha256: str) -> str:
    """Content-addressed key of a stored package."""
    return f"{PACKAGE_PREFIX}{sha256[:2]}/{sha256}"


def part_key(package_sha256: str, part: str) -> str:
    """A download part of one package: keyed under the package so no two artifacts ever share a part blob."""
    return f"{PART_PREFIX}{package_sha256[:2]}/{package_sha256}/{part}.zip"


def package_of(key: str) -> str | None:
    """The package sha256 a package or part blob key belongs to (None for other keys)."""
    segments = key.split("/")
    if key.startswith(PACKAGE_PREFIX) and len(segments) == 3:
        return segments[2]
    if key.startswith(PART_PREFIX) and len(segments) == 4:
        return segments[2]
    return None


def package_keys(artifact: Artifact) -> list[str]:
    """Every blob an artifact owns: its package and the package's parts."""
    if artifact.package_sha256 is None:
        return []
    sha = artifact.package_sha256
    return [blob_key(sha), *(part_key(sha, part) for part in artifact.parts)]


def staging_key(upload_id: str) -> str:
    return f"{STAGING_PREFIX}{upload_id}"
