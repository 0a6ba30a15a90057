"""Artifact operations: ingest, read, enumerate, search, update, delete. Every door calls these (through the
use cases in resolvers/).

Every list a client pages through (enumeration, name, regex and version matches) is a `Connection` in sort-key
order with exact cursors (registry.paging); the REST door's unpaged lists use the same scans.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import re2

from registry import events
from registry.auth import require
from registry.crashpoints import reach
from registry.errors import Conflict, Disqualified, InvalidInput, NotFound, TooLarge
from registry.idempotency import Idempotency, Receipt
from registry.model import Artifact, ArtifactStatus, ArtifactType, AuditAction, AuditEntry, Permission, User, utcnow
from registry.paging import Connection, Edge, cursor_of, page_after, sort_key
from registry.ports import ArtifactStore, AuditStore, BlobStore, Claim, ClaimStore, RatingStore, package_keys
from registry.rating import Assessment, Links, RatingService, stored_links, stored_rating
from registry.settings import Settings
from registry.sourcing import SourceReader, SourceSnapshot, parse_for_type
from registry.validation import check_artifact_id, check_name
from registry.version import matches, parse_version_query
from registry.writes import Write, Writes, WriteFence, held_elsewhere, package_identity
from scoring.lineage import declared_parent_urls
from scoring.rating import Rating
from scoring.sources.types import SourceRef


class ArtifactService:
    def __init__(self, settings: Settings, artifacts: ArtifactStore, ratings: RatingStore, claims: ClaimStore,
                 audit: AuditStore, blobs: BlobStore, sources: SourceReader,
                 rater: RatingService | None = None, writes: Writes | None = None,
                 idempotency: Idempotency | None = None) -> None:
        """`writes` and `idempotency` default to ones over the stores given, which are then one adapter that
        implements every port (as the registry wires it)."""
        self._settings = settings
        self._artifacts = artifacts
        self._ratings = ratings
        self._claims = claims
        self._audit_log = audit
        self._blobs = blobs
        self._sources = sources
        self._rater = rater
        store: Any = claims
        self._writes = writes or Writes(settings, WriteFence(store, settings, owns_store=True), claims, artifacts,
                                        ratings, blobs)
        self._idempotency = idempotency or Idempotency(settings, store, artifacts)

    # writes ----------------------------------------------------------------------------------------------------
    def ingest(self, actor: User, artifact_type: ArtifactType, url: str, name: str | None = None,
               links: Links = Links(), idempotency_key: str | None = None) -> Artifact:
        """Read the upstream repository's metadata, rate a model at the gate, then store it (one commit); with an
        idempotency key, a retry returns what the first request stored."""
        require(actor, Permission.UPLOAD)
        request = {"type": artifact_type.value, "url": url, "name": name, "code_url": links.code_url,
                   "dataset_urls": list(links.dataset_urls)}

        def once(receipt: Receipt | None) -> Artifact:
            with self._writes.begin() as write:
                artifact = self.stage_ingest(write, actor, artifact_type, url, name, links)
                write.commit(receipt.completed(artifact) if receipt else None)
            reach(self._settings, "ingest.after_commit")
            return artifact

        return self._idempotency.run(actor, "ingest", idempotency_key, request, once)

    def stage_ingest(self, write: Write, actor: User, artifact_type: ArtifactType, url: str,
                     name: str | None = None, links: Links = Links()) -> Artifact:
        """Stage an ingest in `write` (READY when it commits): the upstream read first (a model is rated and gated),
        then the claim on its identity, so no lease is held while the hub answers. The same source under the same
        name and type is registered once (Conflict), also under concurrent ingests: the claim is taken before
        anything is written, and settled by the commit. A refused model raises Disqualified and stages nothing."""
        require(actor, Permission.UPLOAD)
        ref = parse_for_type(url, artifact_type)
        final_name = check_name(name, self._settings.max_name_length) if name is not None else ref.name
        try:
            snapshot, assessment = self._read(ref, artifact_type, links)
        except Disqualified as refused:
            events.emit("ingest.refused", url=ref.canonical_url, by=actor.username,
                        failing=[f["metric"] for f in refused.details.get("failures", [])])
            raise
        what = f"{artifact_type.value} {final_name!r} from {ref.canonical_url}"
        write.claim(source_identity(artifact_type, final_name, ref.canonical_url),
                    lambda holder: held_elsewhere(what, holder))
        reach(self._settings, "ingest.after_claim")
        artifact = self._from_snapshot(new_id(), artifact_type, final_name, snapshot, actor.username, links)
        write.create(artifact, assessment.stored_form() if assessment else None)
        reach(self._settings, "ingest.after_create")
        write.after_commit("audit", lambda: self._audit(actor, artifact, AuditAction.CREATE))
        write.after_commit("event", lambda: events.emit(
            "ingest.accepted", artifact_id=artifact.id, type=artifact.type.value, name=artifact.name,
            url=ref.canonical_url, by=actor.username))
        return artifact

    def store_new(self, actor: User, artifact: Artifact, rating: dict[str, Any] | None = None) -> Artifact:
        """Register an artifact built elsewhere whose blobs are stored (benchmarks, tests): one write."""
        require(actor, Permission.UPLOAD)
        with self._writes.begin() as write:
            write.create(artifact, rating)
            write.commit()
        self._audit(actor, artifact, AuditAction.CREATE)
        return artifact

    def update(self, actor: User, artifact_id: str, url: str, name: str | None = None,
               links: Links | None = None, idempotency_key: str | None = None) -> Artifact:
        """Replace the artifact's source and re-ingest it; a refused rating keeps the previous version."""
        require(actor, Permission.UPLOAD)
        request = {"artifact_id": artifact_id, "url": url, "name": name,
                   "links": None if links is None else [links.code_url, list(links.dataset_urls)]}

        def once(receipt: Receipt | None) -> Artifact:
            with self._writes.begin() as write:
                updated = self.stage_update(write, actor, artifact_id, url, name, links)
                write.commit(receipt.completed(updated) if receipt else None)
            return updated

        return self._idempotency.run(actor, "update", idempotency_key, request, once)

    def stage_update(self, write: Write, actor: User, artifact_id: str, url: str, name: str | None = None,
                     links: Links | None = None) -> Artifact:
        """Stage an update in `write`: the artifact is claimed first (one change at a time), the new source's
        identity claimed when it changes, and the record replaced at the commit with its new rating."""
        require(actor, Permission.UPLOAD)
        self.claim_artifact(write, artifact_id)
        current = self._get_ready(artifact_id)
        ref = parse_for_type(url, current.type)
        final_name = check_name(name, self._settings.max_name_length) if name is not None else current.name
        if links is None:  # keep the links the model was rated with
            stored = self._ratings.get_rating(current.id)
            links = stored_links(stored) if stored else Links()
        snapshot, assessment = self._read(ref, current.type, links)
        write.renew()  # the artifact's claim, held while the hub answered
        old_identity, identity = identity_of(current), source_identity(current.type, final_name, ref.canonical_url)
        if identity != old_identity:
            what = f"{current.type.value} {final_name!r} from {ref.canonical_url}"
            write.claim(identity, lambda holder: held_elsewhere(what, holder))
            if old_identity is not None:
                write.give_up(old_identity)
        updated = self._from_snapshot(current.id, current.type, final_name, snapshot, current.created_by, links)
        updated.created_at = current.created_at
        updated.status = ArtifactStatus.READY
        write.replace(updated, assessment.stored_form() if assessment else None)
        self._remove_package_after(write, current, keep=updated)
        write.after_commit("audit", lambda: self._audit(actor, updated, AuditAction.UPDATE))
        return updated

    def delete(self, actor: User, artifact_id: str, idempotency_key: str | None = None) -> Artifact:
        """Delete the record (the commit), then its blobs: a failure between leaves an orphan the sweeper removes,
        never a record without its bytes."""
        require(actor, Permission.UPLOAD)

        def once(receipt: Receipt | None) -> Artifact:
            with self._writes.begin() as write:
                self.claim_artifact(write, artifact_id)
                artifact = self._get_ready(artifact_id)
                if artifact.created_by != actor.username and not actor.is_admin:
                    require(actor, Permission.ADMIN)
                write.delete(artifact.id)
                identity = identity_of(artifact)
                if identity is not None:
                    write.give_up(identity)
                self._remove_package_after(write, artifact)
                write.commit(receipt.completed(artifact, deleted=True) if receipt else None)
            events.emit("artifact.deleted", artifact_id=artifact.id, name=artifact.name, by=actor.username)
            return artifact

        return self._idempotency.run(actor, "delete", idempotency_key, {"artifact_id": artifact_id}, once)

    def claim_artifact(self, write: Write, artifact_id: str) -> None:
        """One change of an artifact at a time (update, delete): a second one waits for the first's lease."""
        key = f"artifact:{check_artifact_id(artifact_id)}"
        write.claim(key, lambda holder: busy(f"artifact {artifact_id!r}", holder), keep=False)

    # reads -----------------------------------------------------------------------------------------------------
    def get(self, actor: User, artifact_id: str, permission: Permission = Permission.SEARCH) -> Artifact:
        """One ready artifact; reading needs SEARCH, or the permission of the action it is read for."""
        require(actor, permission)
        return self._get_ready(artifact_id)

    def get_many(self, actor: User, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        require(actor, Permission.SEARCH)
        return self._artifacts.get_artifacts([check_artifact_id(i) for i in artifact_ids])

    def by_name(self, actor: User, name: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        """Every artifact called exactly `name`, oldest first."""
        require(actor, Permission.SEARCH)
        check_name(name, self._settings.max_name_length)
        return self._artifacts.find_by_name(name, types)

    def by_name_page(self, actor: User, name: str, types: Iterable[ArtifactType] | None, first: int,
                     after: str | None = None) -> Connection[Artifact]:
        found = self.by_name(actor, name, types)
        return _connection(page_after(((sort_key(a), a) for a in found), self._page_size(first), after))

    def enumerate(self, actor: User, types: Iterable[ArtifactType] | None, first: int,
                  after: str | None = None) -> Connection[Artifact]:
        """One page of every artifact ("*"): keyset-paged by the store, so a page costs the same whatever the
        registry's size; each edge's cursor resumes right after it."""
        require(actor, Permission.SEARCH)
        page = self._artifacts.list_artifacts(list(types) if types else None, after, self._page_size(first))
        return Connection([Edge(a, cursor_of(a)) for a in page.items], page.next_cursor is not None)

    def search_regex(self, actor: User, pattern: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        """Every artifact whose name or README matches `pattern` (RE2: linear time, no backreferences), oldest
        first; TooLarge past `max_page_size * 10` matches (the REST door's unpaged list)."""
        require(actor, Permission.SEARCH)
        cap = self._settings.max_page_size * 10
        hits: list[tuple[str, str]] = []
        for hit in self._regex_hits(pattern, types):
            hits.append(hit)
            if len(hits) > cap:
                raise TooLarge(f"more than {cap} artifacts match; narrow the pattern")
        return self._load(sorted(hits))

    def search_regex_page(self, actor: User, pattern: str, types: Iterable[ArtifactType] | None, first: int,
                          after: str | None = None) -> Connection[Artifact]:
        """One page of the artifacts whose name or README matches `pattern`, oldest first (no cap: a page holds
        `first` matches whatever their number)."""
        require(actor, Permission.SEARCH)
        keys, more = page_after(self._regex_hits(pattern, types), self._page_size(first), after)
        found = self._artifacts.get_artifacts([artifact_id for _, artifact_id in keys])
        return _connection(([(key, found[i]) for key, i in keys if i in found], more))

    def search_version(self, actor: User, query: str, name: str | None = None,
                       types: Iterable[ArtifactType] | None = None, first: int | None = None,
                       after: str | None = None) -> Connection[Artifact]:
        """The artifacts (of `name`, when given) whose version matches `query`: exact "1.2.3", bounded
        "1.2.3-2.1.0", tilde "~1.2.0" or caret "^1.2.0". One page of `first` (default: the maximum page)."""
        require(actor, Permission.SEARCH)
        spec = parse_version_query(query)
        candidates = self.by_name(actor, name, types) if name is not None else self._iter_all(types)
        hits = ((sort_key(a), a) for a in candidates if matches(spec, a.version))
        return _connection(page_after(hits, self._page_size(first or self._settings.max_page_size), after))

    def rating(self, actor: User, artifact_id: str) -> Rating:
        """The rating stored at ingest (a snapshot: fast and stable under concurrency)."""
        require(actor, Permission.SEARCH)
        artifact = self._rated_model(artifact_id)
        stored = self._ratings.get_rating(artifact.id)
        if stored is None:
            raise NotFound(f"model {artifact_id!r} has no rating: uploaded packages have no hub evidence to rate")
        self._audit(actor, artifact, AuditAction.RATE)
        return stored_rating(stored)

    def rerate(self, actor: User, artifact_id: str) -> Rating:
        """Gather fresh evidence and store a new rating (no gate: the model is already in)."""
        require(actor, Permission.UPLOAD)
        artifact = self._rated_model(artifact_id)
        if self._rater is None or artifact.source_url is None:
            raise InvalidInput("only models ingested from the hub can be re-rated")
        stored = self._ratings.get_rating(artifact.id)
        links = stored_links(stored) if stored else Links()
        assessment = self._rater.assess(parse_for_type(artifact.source_url, artifact.type), links)
        self._ratings.put_rating(artifact.id, assessment.stored_form())
        self._audit(actor, artifact, AuditAction.RATE)
        return assessment.rating

    def audit_trail(self, actor: User, artifact_id: str) -> list[AuditEntry]:
        require(actor, Permission.SEARCH)
        artifact = self._get_ready(artifact_id)
        entries = self._audit_log.list_audit(artifact.id)
        self._audit(actor, artifact, AuditAction.AUDIT)
        return entries

    def record(self, actor: User, artifact: Artifact, action: AuditAction) -> None:
        """Audit an action another service performed on `artifact` (download, rate)."""
        self._audit(actor, artifact, action)
        if action is AuditAction.DOWNLOAD:
            events.emit("download", artifact_id=artifact.id, name=artifact.name, by=actor.username)

    # internals -------------------------------------------------------------------------------------------------
    def _regex_hits(self, pattern: str, types: Iterable[ArtifactType] | None) -> Iterator[tuple[str, str]]:
        """(sort key, id) of every artifact whose name or README matches."""
        regex = compile_regex(pattern, self._settings.max_regex_length)
        for key, artifact_id, name, readme in self._artifacts.iter_search_text(types):
            if regex.search(name) or regex.search(readme):
                yield key, artifact_id

    def _load(self, keyed_ids: list[tuple[str, str]]) -> list[Artifact]:
        found = self._artifacts.get_artifacts([artifact_id for _, artifact_id in keyed_ids])
        return [found[i] for _, i in keyed_ids if i in found]

    def _iter_all(self, types: Iterable[ArtifactType] | None) -> Iterable[Artifact]:
        cursor: str | None = None
        type_list = list(types) if types else None
        while True:
            page = self._artifacts.list_artifacts(type_list, cursor, self._settings.max_page_size)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def _page_size(self, first: int) -> int:
        if first < 1 or first > self._settings.max_page_size:
            raise InvalidInput(f"page size must be between 1 and {self._settings.max_page_size}")
        return first

    def _get_ready(self, artifact_id: str) -> Artifact:
        artifact = self._artifacts.get_artifact(check_artifact_id(artifact_id))
        if artifact is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        return artifact

    def _read(self, ref: SourceRef, artifact_type: ArtifactType,
              links: Links) -> tuple[SourceSnapshot, Assessment | None]:
        """Models are read through the rating's evidence gathering (one read of the hub, gate applied)."""
        if artifact_type is ArtifactType.MODEL and self._rater is not None:
            assessment = self._rater.admit(ref, links.checked())
            return SourceSnapshot(ref, assessment.evidence.model), assessment
        return self._sources.read(ref), None

    def _rated_model(self, artifact_id: str) -> Artifact:
        artifact = self._get_ready(artifact_id)
        if artifact.type is not ArtifactType.MODEL:
            raise InvalidInput(f"artifact {artifact_id!r} is a {artifact.type.value}; only models are rated")
        return artifact

    def _remove_package_after(self, write: Write, artifact: Artifact, keep: Artifact | None = None) -> None:
        """After the commit, remove the blobs `artifact` owns (packages are unique per artifact) that `keep` does not
        use. The package's claim is leased to the write meanwhile, so no new upload reuses bytes being removed."""
        if artifact.package_sha256 is None or (keep is not None and keep.package_sha256 == artifact.package_sha256):
            return
        claim = package_identity(artifact.package_sha256)
        write.keep_leased(claim)

        def remove() -> None:
            reach(self._settings, "delete.after_commit")
            for key in package_keys(artifact):
                self._blobs.delete(key)
            self._claims.release(claim, write.id)

        write.after_commit("blobs", remove)

    def _from_snapshot(self, artifact_id: str, artifact_type: ArtifactType, name: str, snapshot: SourceSnapshot,
                       creator: str, links: Links) -> Artifact:
        """The artifact record; `parent_urls` (declared base models, datasets, code, and the caller's links) is
        what lineage resolves, also against parents registered later."""
        parents = list(dict.fromkeys([*declared_parent_urls(snapshot.repo), *links.canonical_urls()]))
        return Artifact(id=artifact_id, type=artifact_type, name=name, source_url=snapshot.ref.canonical_url,
                        version=snapshot.version, readme=snapshot.readme, files=snapshot.files,
                        metadata=snapshot.metadata, parent_urls=parents, created_by=creator, updated_at=utcnow())

    def _audit(self, actor: User, artifact: Artifact, action: AuditAction) -> None:
        self._audit_log.append_audit(AuditEntry(artifact_id=artifact.id, artifact_type=artifact.type,
                                                artifact_name=artifact.name, username=actor.username,
                                                is_admin=actor.is_admin, action=action))


def _connection(page: tuple[list[tuple[str, Artifact]], bool]) -> Connection[Artifact]:
    items, more = page
    return Connection([Edge(artifact, cursor_of(artifact)) for _, artifact in items], more)


def source_identity(artifact_type: ArtifactType, name: str, source_url: str) -> str:
    """The claim key of "this source, under this name, as this type" (hashed: names may be long)."""
    raw = json.dumps([artifact_type.value, name, source_url])
    return "source:" + hashlib.sha256(raw.encode()).hexdigest()


def identity_of(artifact: Artifact) -> str | None:
    """The claim an ingested artifact holds; uploaded packages hold none (their sha256 keeps them unique)."""
    return source_identity(artifact.type, artifact.name, artifact.source_url) if artifact.source_url else None


def busy(what: str, holder: Claim | None) -> Conflict:
    """The answer when another request is changing the same thing (a leased claim): retry after its lease."""
    wait = max(1, math.ceil(holder.expires_at - time.time())) if holder and holder.expires_at else 1
    return Conflict(f"{what} is being changed by another request right now; retry in {wait} s",
                    retry_after_seconds=wait)


def new_id() -> str:
    """A random 122-bit id; creation is conditional in the store, so a collision is a Conflict, never an
    overwrite."""
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
