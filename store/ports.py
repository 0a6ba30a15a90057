"""The two storage ports. Services depend on these Protocols only; adapters implement them.

Contract shared by every adapter (tests/store/ runs one suite against each):
- Artifacts are written PENDING first and become visible to readers only after `mark_ready`.
- `create_artifact` fails with `Conflict` when the id exists (ids are unique across types).
- Enumeration is keyset-paged: a page costs the same whatever the registry's size; `cursor` is opaque,
  produced by the store, and a malformed one raises `InvalidInput`.
- Blob writes are conditional: writing a key that exists is a no-op returning False (content-addressed).
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import IO, Any, Protocol

from registry.model import Artifact, ArtifactType, AuditEntry, Token, Upload, User


class Page:
    """One page of an enumeration and the cursor of the next (None at the end)."""

    __slots__ = ("items", "next_cursor")

    def __init__(self, items: list[Artifact], next_cursor: str | None) -> None:
        self.items = items
        self.next_cursor = next_cursor


class MetadataStore(Protocol):
    # artifacts -------------------------------------------------------------------------------------------------
    def create_artifact(self, artifact: Artifact) -> None:
        """Insert a new artifact (normally PENDING). Raises Conflict if the id exists."""

    def replace_artifact(self, artifact: Artifact) -> None:
        """Overwrite an existing artifact's record (update). Raises NotFound if absent."""

    def mark_ready(self, artifact_id: str) -> None: ...

    def get_artifact(self, artifact_id: str, include_pending: bool = False) -> Artifact | None: ...

    def get_artifacts(self, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        """Batched read of READY artifacts (one round trip per call where the backend allows)."""

    def find_by_name(self, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]: ...

    def find_by_source(self, source_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        """READY artifacts ingested from each canonical source URL, batched (lineage resolves parents with it)."""

    def find_children(self, parent_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        """READY artifacts whose `parent_urls` contain each URL, batched (lineage's descendants)."""

    def list_artifacts(self, types: Iterable[ArtifactType] | None, cursor: str | None, limit: int) -> Page:
        """READY artifacts in a stable order, `limit` at most, starting after `cursor`."""

    def cursor_after(self, artifact: Artifact) -> str:
        """The cursor that resumes `list_artifacts` right after `artifact` (a Relay edge's cursor)."""

    def iter_search_text(self, types: Iterable[ArtifactType] | None = None) -> Iterator[tuple[str, str, str]]:
        """Stream (id, name, readme) of every READY artifact, in batches, without loading all at once."""

    def delete_artifact(self, artifact_id: str) -> None:
        """Remove the artifact and its rating. A missing id is not an error (idempotent)."""

    def count_artifacts(self) -> int: ...

    # claims ----------------------------------------------------------------------------------------------------
    def claim(self, key: str) -> bool:
        """Atomically take `key` (e.g. "this source, under this name and type"); False when it is already taken.
        This is what makes "already exists" (409) hold under concurrent creation."""

    def release(self, key: str) -> None:
        """Give `key` up; a key nobody holds is not an error."""

    # ratings ---------------------------------------------------------------------------------------------------
    def put_rating(self, artifact_id: str, rating: dict[str, Any]) -> None: ...

    def get_rating(self, artifact_id: str) -> dict[str, Any] | None: ...

    # users and tokens ------------------------------------------------------------------------------------------
    def put_user(self, user: User, overwrite: bool = False) -> None:
        """Raises Conflict when the user exists and `overwrite` is False."""

    def get_user(self, username: str) -> User | None: ...

    def list_users(self) -> list[User]: ...

    def delete_user(self, username: str) -> None:
        """Removes the user and every token issued to them."""

    def put_token(self, token: Token) -> None: ...

    def use_token(self, token_hash: str, max_uses: int) -> Token | None:
        """Atomically count one use; returns the token as it is after the use, or None if unknown/exhausted."""

    # uploads ---------------------------------------------------------------------------------------------------
    def put_upload(self, upload: Upload) -> None: ...

    def get_upload(self, upload_id: str) -> Upload | None: ...

    def delete_upload(self, upload_id: str) -> None: ...

    # audit -----------------------------------------------------------------------------------------------------
    def append_audit(self, entry: AuditEntry) -> None: ...

    def list_audit(self, artifact_id: str, limit: int = 1000) -> list[AuditEntry]:
        """Oldest first."""

    # whole store -----------------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Delete everything: artifacts, ratings, users, tokens, uploads, audit."""

    def ping(self) -> None:
        """Raise if the store can't be reached (health)."""


class BlobStore(Protocol):
    def put_file(self, key: str, path: str) -> bool:
        """Store the local file under `key` unless the key exists (conditional write). True if written."""

    def put_stream(self, key: str, stream: IO[bytes], max_bytes: int) -> int:
        """Store a stream under `key` (overwriting), refusing more than `max_bytes` (TooLarge). Returns size."""

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int | None: ...

    def open_read(self, key: str, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream bytes [start, end] (inclusive end, as HTTP ranges) in chunks. NotFound if absent."""

    def download_to(self, key: str, path: str) -> None:
        """Copy the blob to a local file, streaming."""

    def delete(self, key: str) -> None: ...

    def presign_get(self, key: str, ttl_seconds: int, filename: str) -> str | None:
        """A short-lived URL the client fetches directly, or None when the server streams it itself."""

    def presign_upload(self, key: str, max_bytes: int, ttl_seconds: int) -> dict[str, Any] | None:
        """{url, method, fields, headers} for a direct upload (content-length capped), or None when the client
        uploads through this server (embedded store)."""

    def reset(self) -> None: ...

    def ping(self) -> None: ...


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


def as_utc(value: datetime) -> datetime:
    from datetime import timezone

    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
