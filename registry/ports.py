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

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any, NamedTuple, Protocol

from registry.model import Artifact, ArtifactType, AuditEntry, DownloadRecord, MirrorJob, Monitor, Token, Upload, User
from registry.paging import Page


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

    def get_artifacts(self, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        """Batched read (one round trip per call where the backend allows); missing ids are left out."""

    def find_by_name(self, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        """Every record with exactly this name (case-sensitive), in sort-key order."""

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

    def count_artifacts(self) -> int:
        """Every record, PENDING ones included (a scan on DynamoDB: tests and operators only)."""


class RatingStore(Protocol):
    """A model's stored rating (JSON). One item per artifact, read-your-write, last write wins."""

    def put_rating(self, artifact_id: str, rating: dict[str, Any]) -> None: ...

    def get_rating(self, artifact_id: str) -> dict[str, Any] | None: ...


class ClaimStore(Protocol):
    """Named claims: what makes "already exists" hold under concurrent creation.

    `claim` is atomic and linearizable on both adapters (SQLite's primary key; DynamoDB's conditional put):
    of any number of concurrent claims of one key, exactly one returns True.
    """

    def claim(self, key: str) -> bool:
        """Take `key`; False when someone holds it."""

    def release(self, key: str) -> None:
        """Give `key` up; a key nobody holds is not an error."""


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
    """Pending package uploads, by their unguessable id. Read-your-write."""

    def put_upload(self, upload: Upload) -> None: ...

    def get_upload(self, upload_id: str) -> Upload | None: ...

    def delete_upload(self, upload_id: str) -> None:
        """Idempotent."""


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
                    DownloadLog, SettingStore, SearchStats, MirrorStore, Protocol):
    """Everything an adapter implements, plus the whole-store operations."""

    def reset(self) -> None:
        """Delete everything: artifacts, ratings, claims, users, tokens, uploads, audit, monitors, downloads,
        settings, search counters, mirror jobs."""

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

    def reset(self) -> None: ...

    def ping(self) -> None: ...


# Blob keys: how the domain names what it stores -----------------------------------------------------------------
def blob_key(sha256: str) -> str:
    """Content-addressed key of a stored package."""
    return f"sha256/{sha256[:2]}/{sha256}"


def part_key(package_sha256: str, part: str) -> str:
    """A download part of one package: keyed under the package so no two artifacts ever share a part blob."""
    return f"parts/{package_sha256[:2]}/{package_sha256}/{part}.zip"


def package_keys(artifact: Artifact) -> list[str]:
    """Every blob an artifact owns: its package and the package's parts."""
    if artifact.package_sha256 is None:
        return []
    sha = artifact.package_sha256
    return [blob_key(sha), *(part_key(sha, part) for part in artifact.parts)]


def staging_key(upload_id: str) -> str:
    return f"uploads/{upload_id}"
