"""Artifact operations: ingest, read, enumerate, search, update, delete, reset. Every door calls these."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import re2

from registry import cursor as cursors
from registry.auth import require
from registry.errors import Conflict, InvalidInput, NotFound, TooLarge
from registry.model import Artifact, ArtifactStatus, ArtifactType, AuditAction, AuditEntry, Permission, User, utcnow
from registry.settings import Settings
from registry.sourcing import SourceReader, SourceSnapshot, parse_for_type
from registry.validation import check_artifact_id, check_name
from registry.version import matches, parse_version_query
from store.ports import BlobStore, MetadataStore, blob_key

log = logging.getLogger(__name__)

# Rates a freshly read model before it is stored; returns the rating to store or raises Disqualified.
Rater = Callable[[Artifact, SourceSnapshot], dict[str, Any]]


@dataclass(frozen=True)
class ArtifactEdge:
    artifact: Artifact
    cursor: str


@dataclass(frozen=True)
class ArtifactPage:
    edges: list[ArtifactEdge]
    has_next_page: bool


class ArtifactService:
    def __init__(self, settings: Settings, store: MetadataStore, blobs: BlobStore, sources: SourceReader,
                 rater: Rater | None = None) -> None:
        self._settings = settings
        self._store = store
        self._blobs = blobs
        self._sources = sources
        self._rater = rater

    # writes ----------------------------------------------------------------------------------------------------
    def ingest(self, actor: User, artifact_type: ArtifactType, url: str, name: str | None = None) -> Artifact:
        """Read the upstream repository's metadata, rate a model at the gate, then store it (ready last)."""
        require(actor, Permission.UPLOAD)
        ref = parse_for_type(url, artifact_type)
        if name is not None:
            check_name(name, self._settings.max_name_length)
        snapshot = self._sources.read(ref)
        final_name = name or snapshot.default_name
        if any(a.source_url == ref.canonical_url and a.type == artifact_type
               for a in self._store.find_by_name(final_name, [artifact_type])):
            raise Conflict(f"{artifact_type.value} {final_name!r} from {ref.canonical_url} is already registered")
        artifact = self._from_snapshot(new_id(), artifact_type, final_name, snapshot, actor.username)
        rating = self._rate(artifact, snapshot)
        self._store_new(artifact, rating)
        self._audit(actor, artifact, AuditAction.CREATE)
        return artifact

    def store_new(self, actor: User, artifact: Artifact, rating: dict[str, Any] | None = None) -> Artifact:
        """Register an artifact built elsewhere (an uploaded package); the caller has written its blobs."""
        require(actor, Permission.UPLOAD)
        self._store_new(artifact, rating)
        self._audit(actor, artifact, AuditAction.CREATE)
        return artifact

    def update(self, actor: User, artifact_id: str, url: str, name: str | None = None) -> Artifact:
        """Replace the artifact's source and re-ingest it; a refused rating keeps the previous version."""
        require(actor, Permission.UPLOAD)
        current = self._get_ready(artifact_id)
        ref = parse_for_type(url, current.type)
        if name is not None:
            check_name(name, self._settings.max_name_length)
        snapshot = self._sources.read(ref)
        updated = self._from_snapshot(current.id, current.type, name or current.name, snapshot, current.created_by)
        updated.created_at = current.created_at
        updated.status = ArtifactStatus.READY
        rating = self._rate(updated, snapshot)
        self._store.replace_artifact(updated)
        if rating is not None:
            self._store.put_rating(updated.id, rating)
        self._delete_blobs(current, keep=updated)
        self._audit(actor, updated, AuditAction.UPDATE)
        return updated

    def delete(self, actor: User, artifact_id: str) -> Artifact:
        require(actor, Permission.UPLOAD)
        artifact = self._get_ready(artifact_id)
        if artifact.created_by != actor.username and not actor.is_admin:
            require(actor, Permission.ADMIN)
        self._store.delete_artifact(artifact.id)
        self._delete_blobs(artifact)
        return artifact

    def reset(self, actor: User) -> None:
        require(actor, Permission.ADMIN)
        self._store.reset()
        self._blobs.reset()

    # reads -----------------------------------------------------------------------------------------------------
    def get(self, actor: User, artifact_id: str) -> Artifact:
        require(actor, Permission.SEARCH)
        return self._get_ready(artifact_id)

    def get_many(self, actor: User, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        require(actor, Permission.SEARCH)
        return self._store.get_artifacts([check_artifact_id(i) for i in artifact_ids])

    def by_name(self, actor: User, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        require(actor, Permission.SEARCH)
        check_name(name, self._settings.max_name_length)
        return self._store.find_by_name(name, types)

    def enumerate(self, actor: User, types: Iterable[ArtifactType] | None, first: int,
                  after: str | None = None) -> ArtifactPage:
        """One Relay page of every artifact ("*"), keyset-paged by the store (cost flat in the registry's size)."""
        require(actor, Permission.SEARCH)
        limit = self._page_size(first)
        position = cursors.decode(after, self._settings.max_page_size)
        type_list = list(types) if types else None
        edges: list[ArtifactEdge] = []
        store_cursor, skip = position.store_cursor, position.skip
        while len(edges) < limit:
            page = self._store.list_artifacts(type_list, store_cursor, skip + limit - len(edges))
            for index, artifact in enumerate(page.items[skip:], start=skip + 1):
                edges.append(ArtifactEdge(artifact, cursors.Position(store_cursor, index).encode()))
            if page.next_cursor is None:
                return ArtifactPage(edges, False)
            store_cursor, skip = page.next_cursor, 0
        return ArtifactPage(edges, True)

    def search_regex(self, actor: User, pattern: str, types: Iterable[ArtifactType] | None = None,
                     limit: int | None = None) -> list[Artifact]:
        """Artifacts whose name or README matches `pattern` (RE2 syntax: linear time, no backreferences)."""
        require(actor, Permission.SEARCH)
        regex = compile_regex(pattern, self._settings.max_regex_length)
        cap = limit or self._settings.max_page_size * 10
        hits: list[str] = []
        for artifact_id, name, readme in self._store.iter_search_text(types):
            if regex.search(name) or regex.search(readme):
                hits.append(artifact_id)
                if len(hits) > cap:
                    raise TooLarge(f"more than {cap} artifacts match; narrow the pattern")
        found = self._store.get_artifacts(hits)
        return [found[i] for i in hits if i in found]

    def search_version(self, actor: User, query: str, name: str | None = None,
                       types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        require(actor, Permission.SEARCH)
        spec = parse_version_query(query)
        if name is not None:
            candidates: Iterable[Artifact] = self.by_name(actor, name, types)
        else:
            candidates = self._iter_all(types)
        cap = self._settings.max_page_size * 10
        result: list[Artifact] = []
        for artifact in candidates:
            if matches(spec, artifact.version):
                result.append(artifact)
                if len(result) > cap:
                    raise TooLarge(f"more than {cap} artifacts match; add a name")
        return result

    def audit_trail(self, actor: User, artifact_id: str) -> list[AuditEntry]:
        require(actor, Permission.SEARCH)
        artifact = self._get_ready(artifact_id)
        entries = self._store.list_audit(artifact.id)
        self._audit(actor, artifact, AuditAction.AUDIT)
        return entries

    def record(self, actor: User, artifact: Artifact, action: AuditAction) -> None:
        """Audit an action another service performed on `artifact` (download, rate)."""
        self._audit(actor, artifact, action)

    # internals -------------------------------------------------------------------------------------------------
    def _iter_all(self, types: Iterable[ArtifactType] | None) -> Iterable[Artifact]:
        cursor: str | None = None
        type_list = list(types) if types else None
        while True:
            page = self._store.list_artifacts(type_list, cursor, self._settings.max_page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _page_size(self, first: int) -> int:
        if first < 1 or first > self._settings.max_page_size:
            raise InvalidInput(f"page size must be between 1 and {self._settings.max_page_size}")
        return first

    def _get_ready(self, artifact_id: str) -> Artifact:
        artifact = self._store.get_artifact(check_artifact_id(artifact_id))
        if artifact is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        return artifact

    def _rate(self, artifact: Artifact, snapshot: SourceSnapshot) -> dict[str, Any] | None:
        if artifact.type is not ArtifactType.MODEL or self._rater is None:
            return None
        return self._rater(artifact, snapshot)

    def _store_new(self, artifact: Artifact, rating: dict[str, Any] | None) -> None:
        """PENDING record, rating, then READY: readers never see a half-made artifact; failures leave nothing."""
        artifact.status = ArtifactStatus.PENDING
        for attempt in range(3):
            try:
                self._store.create_artifact(artifact)
                break
            except Conflict:
                if attempt == 2:
                    raise
                artifact.id = new_id()
        try:
            if rating is not None:
                self._store.put_rating(artifact.id, rating)
            self._store.mark_ready(artifact.id)
        except Exception:
            self._store.delete_artifact(artifact.id)
            raise
        artifact.status = ArtifactStatus.READY

    def _delete_blobs(self, artifact: Artifact, keep: Artifact | None = None) -> None:
        kept = set() if keep is None else {keep.package_sha256, *keep.parts.values()}
        for sha in {artifact.package_sha256, *artifact.parts.values()} - kept:
            if sha:
                self._blobs.delete(blob_key(sha))

    def _from_snapshot(self, artifact_id: str, artifact_type: ArtifactType, name: str, snapshot: SourceSnapshot,
                       creator: str) -> Artifact:
        return Artifact(id=artifact_id, type=artifact_type, name=name, source_url=snapshot.ref.canonical_url,
                        version=snapshot.version, readme=snapshot.readme, files=snapshot.files,
                        metadata=snapshot.metadata, created_by=creator, updated_at=utcnow())

    def _audit(self, actor: User, artifact: Artifact, action: AuditAction) -> None:
        self._store.append_audit(AuditEntry(artifact_id=artifact.id, artifact_type=artifact.type,
                                            artifact_name=artifact.name, username=actor.username,
                                            is_admin=actor.is_admin, action=action))


def new_id() -> str:
    """A random 122-bit id; creation is conditional in the store, so a collision is a retry, never an overwrite."""
    return str(uuid.uuid4())


def compile_regex(pattern: str, max_length: int) -> Any:
    if not pattern or len(pattern) > max_length:
        raise InvalidInput(f"a regular expression is 1 to {max_length} characters")
    options = re2.Options()
    options.log_errors = False
    options.max_mem = 8 << 20
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise InvalidInput(f"invalid regular expression (RE2 syntax): {reason}") from None
