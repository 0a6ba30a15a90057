"""Artifact operations: ingest, read, enumerate, search, update, delete. Every door calls these (through the
use cases in resolvers/).

Versions: a registry's unit is name + version. Each version of a name (and type) is its own artifact, with its own
id, immutable but for what its downloads record (its mirrored package, content scan, sensitivity). Ingest, update
and upload add versions (`claim_version` says which); reads by id give that version; reads by name, enumeration
and regex search give each name's newest version unless asked for versions; version search gives every match.

Every list a client pages through (enumeration, name, regex and version matches) is a `Connection` with exact
cursors (registry.paging): in sort-key order, or in version order where versions are listed. The REST door's
unpaged lists use the same scans.
"""
from __future__ import annotations

import hashlib
import json
import math
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import re2

from registry import events
from registry.auth import require
from registry.crashpoints import reach
from registry.errors import Conflict, InvalidInput, NotFound, TooLarge
from registry.audit import audit_entry
from registry.content import with_content_findings
from registry.idempotency import Idempotency, Receipt
from registry.model import Artifact, ArtifactType, ArtifactView, AuditAction, Permission, User, utcnow
from registry.paging import (Connection, Edge, cursor_of, decode_cursor, encode_cursor, newest_versions, page_after,
                             sort_key, version_sort_key)
from registry.ports import MAX_COMMIT_RECORDS, ArtifactStore, AuditStore, BlobStore, Claim, ClaimStore, MonitorStore, \
    RatingStore, package_keys
from registry.rating import Assessment, Links, RatingService, stored_evidence, stored_links, stored_rating
from registry.settings import Settings
from registry.sourcing import SourceReader, SourceSnapshot, parse_for_type
from registry.validation import check_artifact_id, check_name
from registry.version import (DEFAULT_VERSION, newest, next_patch, normalize_version, parse_version_query,
                              version_key)
from registry.writes import Write, Writes, WriteFence, held_elsewhere, package_identity
from scoring.lineage import DEPENDENCY_RELATIONS, DeclaredEdge, declared_parents
from scoring.rating import Rating
from scoring.sources.types import HubRepo, SourceRef

_DEFAULT_VERSION_ATTEMPTS = 20  # next patches tried when concurrent writers take the one picked

A = TypeVar("A", bound=Artifact)


class ArtifactService:
    def __init__(self, settings: Settings, artifacts: ArtifactStore, ratings: RatingStore, claims: ClaimStore,
                 audit: AuditStore, blobs: BlobStore, sources: SourceReader,
                 rater: RatingService | None = None, writes: Writes | None = None,
                 idempotency: Idempotency | None = None, monitors: MonitorStore | None = None) -> None:
        """`writes`, `idempotency` and `monitors` default to ones over the stores given, which are then one adapter
        that implements every port (as the registry wires it)."""
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
        self._monitors: MonitorStore = monitors or store

    # writes ----------------------------------------------------------------------------------------------------
    def ingest(self, actor: User, artifact_type: ArtifactType, url: str, name: str | None = None,
               links: Links = Links(), idempotency_key: str | None = None) -> Artifact:
        """Read the upstream repository (a model: its rating's evidence, gathered once), apply the gate, then store
        it (one commit); with an idempotency key, a retry returns what the first request stored."""
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
        then the claim on its name and version, so no lease is held while the hub answers.

        The version is the one the source declares at the revision read (its highest semver tag there, else its
        card's `version`), else 1.0.0; the revision is pinned on the record. Name and version are registered once
        (Conflict), also under concurrent ingests, as the claim is taken before anything is written and settled by
        the commit: ingesting a name again adds a version only when the source declares a new one (updateArtifact
        adds the next one otherwise). A refused model raises Disqualified carrying its whole rating, and stages
        nothing."""
        require(actor, Permission.UPLOAD)
        ref = parse_for_type(url, artifact_type)
        if name is not None:
            check_name(name, self._settings.max_name_length)
        reading = self._read(ref, artifact_type, links.checked() if artifact_type is ArtifactType.MODEL else links)
        source = reading.snapshot.ref
        final_name = name if name is not None else source.name
        if reading.assessment is not None and not reading.assessment.admitted:
            refused = reading.assessment.refusal()
            events.emit("ingest.refused", url=source.canonical_url, by=actor.username,
                        failing=[f["metric"] for f in refused.details.get("failures", [])])
            raise refused
        versions = self.versions_of(artifact_type, final_name)
        version = self.claim_version(write, artifact_type, final_name,
                                     reading.snapshot.declared_version or DEFAULT_VERSION, versions)
        reach(self._settings, "ingest.after_claim")
        artifact = reading.artifact(new_id(), artifact_type, final_name, actor.username, version)
        self.stage_new(write, artifact, reading.stored_rating(), versions)
        reach(self._settings, "ingest.after_create")
        write.after_commit("audit", lambda: self.audit(actor, artifact, AuditAction.CREATE))
        write.after_commit("event", lambda: events.emit(
            "ingest.accepted", artifact_id=artifact.id, type=artifact.type.value, name=artifact.name,
            version=artifact.version, url=source.canonical_url, by=actor.username))
        return artifact

    def assess(self, model: SourceRef | HubRepo, links: Links) -> Reading:
        """A model read and judged one way, for every caller: the evidence gathered once, its declared parents
        worked out once (recorded on the artifact, and their registered net scores handed to the rating), rated,
        and gated by the policy in force. A `HubRepo` is an uploaded package's contents."""
        if self._rater is None:
            raise InvalidInput("this registry has no rating service")
        evidence = self._rater.gather(model, links)
        repo = evidence.model
        parents = declared_parents(repo)
        assessment = self._rater.judge(evidence, links, self._parent_scores(parents))
        return Reading(SourceSnapshot(repo.ref, repo), parents, links, assessment)

    def preview(self, actor: User, url: str, links: Links = Links()) -> Assessment:
        """Rate a model by URL as ingest would, and say whether the gate lets it in; nothing is stored."""
        require(actor, Permission.SEARCH)
        return self.assess(parse_for_type(url, ArtifactType.MODEL), links.checked()).assessment_or_refuse()

    def store_new(self, actor: User, artifact: Artifact, rating: dict[str, Any] | None = None,
                  version: str | None = None) -> Artifact:
        """Register an artifact built elsewhere whose blobs are stored (benchmarks, tests) as `version` of its name
        (Conflict when that version exists), or when None as the next patch after the name's newest version (1.0.0
        for a new name): one write."""
        require(actor, Permission.UPLOAD)
        with self._writes.begin() as write:
            versions = self.versions_of(artifact.type, artifact.name)
            artifact.version = self.claim_version(write, artifact.type, artifact.name, version, versions)
            self.stage_new(write, artifact, rating, versions)
            write.commit()
        self.audit(actor, artifact, AuditAction.CREATE)
        return artifact

    def update(self, actor: User, artifact_id: str, url: str, name: str | None = None,
               links: Links | None = None, version: str | None = None,
               idempotency_key: str | None = None) -> Artifact:
        """Read the source again (the artifact's own or a new one) and register what it holds as a NEW version of
        the artifact's name: `version` when given, else the one the source declares at the revision read, else the
        next patch after the name's newest. Previous versions stay readable and downloadable.

        Nothing new is recorded when no version is asked for and the name already has a version read from this
        source at this revision with these links: that version is returned (an update to what is already there is
        idempotent). A refused rating stores nothing: the previous versions stay as they were."""
        require(actor, Permission.UPLOAD)
        request = {"artifact_id": artifact_id, "url": url, "name": name, "version": version,
                   "links": None if links is None else [links.code_url, list(links.dataset_urls)]}

        def once(receipt: Receipt | None) -> Artifact:
            with self._writes.begin() as write:
                updated = self.stage_update(write, actor, artifact_id, url, name, links, version)
                write.commit(receipt.completed(updated) if receipt else None)
            return updated

        return self._idempotency.run(actor, "update", idempotency_key, request, once)

    def stage_update(self, write: Write, actor: User, artifact_id: str, url: str, name: str | None = None,
                     links: Links | None = None, version: str | None = None) -> Artifact:
        """Stage an update in `write` (see `update`): the artifact is claimed first (one change at a time), the new
        version claimed once the source is read and rated, and made READY by the commit with its rating."""
        require(actor, Permission.UPLOAD)
        self.claim_artifact(write, artifact_id)
        current = self._get_ready(artifact_id)
        ref = parse_for_type(url, current.type)
        if name is not None and name != current.name:
            raise InvalidInput(f"an update keeps the artifact's name ({current.name!r}): name and id must match; "
                               "ingest under the new name instead")
        requested = normalize_version(version) if version is not None else None
        if links is None:  # keep the links the model was rated with
            stored = self._ratings.get_rating(current.id)
            links = stored_links(stored) if stored else Links()
        reading = self._read(ref, current.type, links.checked() if current.type is ArtifactType.MODEL else links)
        if reading.assessment is not None and not reading.assessment.admitted:
            raise reading.assessment.refusal()
        write.renew()  # the artifact's claim, held while the hub answered
        versions = self.versions_of(current.type, current.name)
        if requested is None:
            unchanged = reading.registered_in(versions)
            if unchanged is not None:
                return unchanged
        new_version = self.claim_version(write, current.type, current.name,
                                         requested or reading.snapshot.declared_version, versions)
        updated = reading.artifact(new_id(), current.type, current.name, actor.username, new_version)
        self.stage_new(write, updated, reading.stored_rating(), versions)

        def audited() -> None:
            self.audit(actor, current, AuditAction.UPDATE, f"new version {updated.version} ({updated.id})")
            self.audit(actor, updated, AuditAction.CREATE, f"version {updated.version}, an update of version "
                                                           f"{current.version} ({current.id})")

        write.after_commit("audit", audited)
        return updated

    def delete(self, actor: User, artifact_id: str, idempotency_key: str | None = None,
               all_versions: bool = False) -> Artifact:
        """Delete the version `artifact_id` names, or with `all_versions` every version of its name and type (the
        REST door's DELETE: it sees one artifact per name). Each record goes with its rating (the commit), then its
        blobs: a failure between leaves an orphan the sweeper removes, never a record without its bytes. Every
        version is removed in one commit when they fit in one (MAX_COMMIT_RECORDS), else in several, oldest first,
        so an interruption leaves the newest versions. Returns the version `artifact_id` names."""
        require(actor, Permission.UPLOAD)

        def once(receipt: Receipt | None) -> Artifact:
            named = self._get_ready(artifact_id)
            doomed = [named]
            if all_versions:
                doomed = sorted({a.id: a for a in [*self.versions_of(named.type, named.name), named]}.values(),
                                key=version_sort_key)
            batches = [doomed[start:start + MAX_COMMIT_RECORDS] for start in range(0, len(doomed), MAX_COMMIT_RECORDS)]
            for number, batch in enumerate(batches):
                last = number == len(batches) - 1
                with self._writes.begin() as write:
                    for version in batch:
                        self._stage_delete(write, actor, version.id)
                    write.commit(receipt.completed(named, deleted=True) if receipt and last else None)
                for artifact in batch:
                    self.audit(actor, artifact, AuditAction.DELETE)
                    events.emit("artifact.deleted", artifact_id=artifact.id, name=artifact.name,
                                version=artifact.version, by=actor.username)
            return named

        request = {"artifact_id": artifact_id, "all_versions": all_versions}
        return self._idempotency.run(actor, "delete", idempotency_key, request, once)

    def _stage_delete(self, write: Write, actor: User, artifact_id: str) -> None:
        self.claim_artifact(write, artifact_id)
        artifact = self._get_ready(artifact_id)  # read again under the claim
        if artifact.created_by != actor.username and not actor.is_admin:
            require(actor, Permission.ADMIN)
        write.delete(artifact.id)
        write.give_up(version_identity(artifact.type, artifact.name, artifact.version))
        self._remove_package_after(write, artifact)

    def newest_of(self, artifact: ArtifactView) -> ArtifactView:
        """The newest version of `artifact`'s name and type (the caller has read `artifact` for its actor, with
        `view`): the REST door's view of an id, since the spec knows no versions (PUT "replaces the previous
        contents", so a read by the same id must see them). Read-your-write on both adapters."""
        latest = self._artifacts.latest_version_id(artifact.type, artifact.name)
        if latest is None or latest == artifact.id:
            return artifact
        return self._artifacts.get_artifact_view(latest) or artifact

    def claim_artifact(self, write: Write, artifact_id: str) -> None:
        """One change of an artifact at a time (update, delete): a second one waits for the first's lease."""
        key = f"artifact:{check_artifact_id(artifact_id)}"
        write.claim(key, lambda holder: busy(f"artifact {artifact_id!r}", holder), keep=False)

    def versions_of(self, kind: ArtifactType, name: str) -> list[Artifact]:
        """The name's READY versions of `kind` (a write adding one reads them once, for `claim_version` and
        `stage_new`)."""
        return self._artifacts.find_by_name(name, [kind])

    def claim_version(self, write: Write, kind: ArtifactType, name: str, wanted: str | None,
                      versions: list[Artifact]) -> str:
        """Claim a version of the name in `write` (settled by its commit): `wanted` (Conflict when it exists, or
        "retry" while another write holds it), or when None the next patch after the newest of `versions` (1.0.0
        for a new name), moving on past versions claimed meanwhile."""
        if wanted is not None:
            what = f"{kind.value} {name!r} version {wanted}"
            write.claim(version_identity(kind, name, wanted), lambda holder: held_elsewhere(what, holder))
            return wanted
        found = newest(a.version for a in versions)
        candidate = next_patch(found) if found is not None else DEFAULT_VERSION
        for _ in range(_DEFAULT_VERSION_ATTEMPTS):
            try:
                write.claim(version_identity(kind, name, candidate), lambda holder: Conflict("taken"))
                return candidate
            except Conflict:
                candidate = next_patch(candidate)
        raise Conflict(f"{kind.value} {name!r} is getting new versions too fast to pick the next one; give a version")

    def stage_new(self, write: Write, artifact: Artifact, rating: dict[str, Any] | None,
                  versions: list[Artifact]) -> None:
        """Stage a new version (PENDING until `write` commits), its version claimed by the caller from the same
        `versions_of` read as `versions`. A new version of a name keeps what protects the name's newest version: a
        sensitive model's new version is sensitive too and gets a copy of its monitor before it is visible (a new
        version never makes a sensitive model public)."""
        predecessor = max(versions, key=version_sort_key, default=None)
        artifact.sensitive = artifact.sensitive or (predecessor is not None and predecessor.sensitive)
        write.create(artifact, rating)
        monitor = self._monitors.get_monitor(predecessor.id) if predecessor is not None else None
        if monitor is not None:  # goes with the PENDING record if the write rolls back
            self._monitors.put_monitor(monitor.model_copy(update={"artifact_id": artifact.id}))

    # reads -----------------------------------------------------------------------------------------------------
    def get(self, actor: User, artifact_id: str, permission: Permission = Permission.SEARCH) -> Artifact:
        """One ready artifact; reading needs SEARCH, or the permission of the action it is read for."""
        require(actor, permission)
        return self._get_ready(artifact_id)

    def view(self, actor: User, artifact_id: str) -> ArtifactView:
        """One ready artifact to answer with (read as `get`): possibly the instance other requests get too, so it is
        never changed (ArtifactStore.get_artifact_view)."""
        require(actor, Permission.SEARCH)
        return _ready(self._artifacts.get_artifact_view(check_artifact_id(artifact_id)), artifact_id)

    def get_many(self, actor: User, artifact_ids: Iterable[str]) -> dict[str, Artifact]:
        require(actor, Permission.SEARCH)
        return self._artifacts.get_artifacts([check_artifact_id(i) for i in artifact_ids])

    def by_name(self, actor: User, name: str, types: Iterable[ArtifactType] | None = None,
                version: str | None = None) -> list[Artifact]:
        """The artifacts called exactly `name`: without `version`, the newest version of each type, oldest first;
        with a version query (registry.version), every version that matches it, in version order."""
        require(actor, Permission.SEARCH)
        check_name(name, self._settings.max_name_length)
        found = self._artifacts.find_by_name(name, types)
        if version is None:
            return sorted(newest_versions(found), key=sort_key)
        query = parse_version_query(version)
        return sorted((a for a in found if query.matches(a.version)), key=version_sort_key)

    def by_name_page(self, actor: User, name: str, types: Iterable[ArtifactType] | None, first: int,
                     after: str | None = None, version: str | None = None) -> Connection[Artifact]:
        found = self.by_name(actor, name, types, version)
        key = sort_key if version is None else version_sort_key
        return _connection(page_after(((key(a), a) for a in found), self._page_size(first), after), key)

    def versions(self, actor: User, artifact_id: str, first: int, after: str | None = None) -> Connection[Artifact]:
        """Every version of the artifact's type and name (the artifact's history), newest first: the page after
        `after` holds the versions below it (a name has few versions: they are read at once)."""
        artifact = self.get(actor, artifact_id)
        size = self._page_size(first)
        below = decode_cursor(after)
        found = sorted(((version_sort_key(a), a) for a in self.versions_of(artifact.type, artifact.name)),
                       key=lambda keyed: keyed[0], reverse=True)
        rest = [(key, a) for key, a in found if below is None or key < below]
        return Connection([Edge(a, encode_cursor(key)) for key, a in rest[:size]], len(rest) > size)

    def enumerate(self, actor: User, types: Iterable[ArtifactType] | None, first: int,
                  after: str | None = None, all_versions: bool = False) -> Connection[Artifact]:
        """One page of every artifact ("*"): the newest version of each name, or every version. Keyset-paged by the
        store, so a page costs the same whatever the registry's size; each edge's cursor resumes right after it."""
        require(actor, Permission.SEARCH)
        page = self._artifacts.list_artifacts(list(types) if types else None, after, self._page_size(first),
                                              latest_only=not all_versions)
        return Connection([Edge(a, cursor_of(a)) for a in page.items], page.next_cursor is not None)

    def search_regex(self, actor: User, pattern: str, types: Iterable[ArtifactType] | None = None) -> list[Artifact]:
        """The newest version of every name whose name or README matches `pattern` (RE2: linear time, no
        backreferences), oldest first; TooLarge past `max_page_size * 10` matches (the REST door's unpaged list)."""
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
        """One page of the newest versions whose name or README matches `pattern`, oldest first (no cap: a page
        holds `first` matches whatever their number)."""
        require(actor, Permission.SEARCH)
        keys, more = page_after(self._regex_hits(pattern, types), self._page_size(first), after)
        found = self._artifacts.get_artifacts([artifact_id for _, artifact_id in keys])
        return _connection(([(key, found[i]) for key, i in keys if i in found], more))

    def search_version(self, actor: User, query: str, name: str | None = None,
                       types: Iterable[ArtifactType] | None = None, first: int | None = None,
                       after: str | None = None) -> Connection[Artifact]:
        """Every version (of `name`, when given) that matches `query`: exact "1.2.3", bounded "1.2.3-2.1.0", tilde
        "~1.2.0" or caret "^1.2.0"; in version order, one page of `first` (default: the maximum page). Without a
        name the store seeks the query's range of versions (one index seek per page, whatever the registry's size)
        and the query's own matcher decides each candidate."""
        require(actor, Permission.SEARCH)
        size = self._page_size(first or self._settings.max_page_size)
        if name is not None:
            return self.by_name_page(actor, name, types, size, after, query)
        spec = parse_version_query(query)
        hits: list[Artifact] = []
        cursor = after
        while len(hits) <= size:
            page = self._artifacts.list_by_version(spec.low, spec.high, types, cursor, size + 1)
            hits += [a for a in page.items if spec.matches(a.version)]
            if page.next_cursor is None:
                break
            cursor = page.next_cursor
        return Connection([Edge(a, encode_cursor(version_sort_key(a))) for a in hits[:size]], len(hits) > size)

    def rating(self, actor: User, artifact_id: str) -> Rating:
        """The rating stored at ingest (a snapshot: fast and stable under concurrency)."""
        require(actor, Permission.SEARCH)
        artifact = self._rated_model(artifact_id)
        stored = self._ratings.get_rating(artifact.id)
        if stored is None:
            raise NotFound(f"model {artifact_id!r} has no rating")
        self.audit(actor, artifact, AuditAction.RATE)
        return with_content_findings(stored_rating(stored), artifact.content_scan)

    def recorded_rating(self, actor: User, artifact_id: str) -> Rating | None:
        """The stored rating of a model, None for an artifact without one (not audited: the caller just made it)."""
        require(actor, Permission.SEARCH)
        stored = self._ratings.get_rating(check_artifact_id(artifact_id))
        return stored_rating(stored) if stored is not None else None

    def rerate(self, actor: User, artifact_id: str) -> Rating:
        """Gather fresh evidence and store a new rating (no gate: the model is already in). A hub model is read
        from the hub again, at the revision it was ingested at; an uploaded package from the contents its stored
        evidence recorded."""
        require(actor, Permission.UPLOAD)
        artifact = self._rated_model(artifact_id)
        stored = self._ratings.get_rating(artifact.id)
        links = stored_links(stored) if stored else Links()
        if artifact.source_url is not None:  # at the pinned revision: the files this version was registered with
            model: SourceRef | HubRepo = pinned_ref(artifact)
        elif stored is not None:
            model = stored_evidence(stored).model
        else:
            raise InvalidInput(f"model {artifact_id!r} has neither a source nor recorded contents to rate")
        assessment = self.assess(model, links).assessment_or_refuse()
        self._ratings.put_rating(artifact.id, assessment.stored_form())
        self.audit(actor, artifact, AuditAction.RATE)
        return with_content_findings(assessment.rating, artifact.content_scan)

    # internals -------------------------------------------------------------------------------------------------
    def _regex_hits(self, pattern: str, types: Iterable[ArtifactType] | None) -> Iterator[tuple[str, str]]:
        """(sort key, id) of every artifact whose name or README matches."""
        regex = compile_regex(pattern, self._settings.max_regex_length)
        for key, artifact_id, name, readme in self._artifacts.iter_search_text(types, latest_only=True):
            # UTF-8 bytes: a pattern compiled from str matches them as it would the text, without encoding it.
            if regex.search(name) or regex.search(readme):
                yield key, artifact_id

    def _load(self, keyed_ids: list[tuple[str, str]]) -> list[Artifact]:
        found = self._artifacts.get_artifacts([artifact_id for _, artifact_id in keyed_ids])
        return [found[i] for _, i in keyed_ids if i in found]

    def _page_size(self, first: int) -> int:
        if first < 1 or first > self._settings.max_page_size:
            raise InvalidInput(f"page size must be between 1 and {self._settings.max_page_size}")
        return first

    def _get_ready(self, artifact_id: str) -> Artifact:
        return _ready(self._artifacts.get_artifact(check_artifact_id(artifact_id)), artifact_id)

    def _read(self, ref: SourceRef, artifact_type: ArtifactType, links: Links) -> Reading:
        """Models are read through the rating's evidence gathering (one read of the hub); datasets and code as
        their source gives them."""
        if artifact_type is ArtifactType.MODEL and self._rater is not None:
            return self.assess(ref, links)
        snapshot = self._sources.read(ref)
        parents = declared_parents(snapshot.repo) if isinstance(snapshot.repo, HubRepo) else []
        return Reading(snapshot, parents, links, None)

    def _parent_scores(self, parents: list[DeclaredEdge]) -> list[float]:
        """tree_score's input: the stored net scores of the registered base models (not datasets or code), each in
        its newest registered version."""
        urls = [edge.target for edge in parents if edge.relation not in DEPENDENCY_RELATIONS]
        scores: list[float] = []
        if not urls:
            return scores
        for registered in self._artifacts.find_by_source(urls).values():
            for parent in newest_versions(registered):
                stored = self._ratings.get_rating(parent.id)
                if stored is not None:
                    scores.append(stored_rating(stored).net_score)
        return scores

    def _rated_model(self, artifact_id: str) -> Artifact:
        artifact = self._get_ready(artifact_id)
        if artifact.type is not ArtifactType.MODEL:
            raise InvalidInput(f"artifact {artifact_id!r} is a {artifact.type.value}; only models are rated")
        return artifact

    def _remove_package_after(self, write: Write, artifact: Artifact) -> None:
        """After the commit, remove the blobs of `artifact`'s package unless another record uses them: uploads are
        unique per package, but the mirrors of two versions (or names) read from one source at one commit are the
        same bytes. The package's claim is leased to the write meanwhile, so no new upload reuses bytes being
        removed (and a mirror that finds its blob gone copies it again)."""
        if artifact.package_sha256 is None:
            return
        package = artifact.package_sha256
        claim = package_identity(package)
        write.keep_leased(claim)

        def remove() -> None:
            reach(self._settings, "delete.after_commit")
            sharing = self._artifacts.find_by_source([artifact.source_url]) if artifact.source_url else {}
            if not any(other.package_sha256 == package for found in sharing.values() for other in found):
                for key in package_keys(artifact):
                    self._blobs.delete(key)
            self._claims.release(claim, write.id)

        write.after_commit("blobs", remove)

    def audit(self, actor: User, artifact: Artifact, action: AuditAction, detail: str | None = None) -> None:
        """Record `action` on `artifact`'s trail (also for the package service's writes)."""
        self._audit_log.append_audit(audit_entry(actor, artifact, action, detail))


@dataclass(frozen=True)
class Reading:
    """What one read of a source gives ingest: the source as recorded, its declared parents (worked out once),
    the caller's links, and for a model the rating with the gate's verdict."""

    snapshot: SourceSnapshot
    parents: list[DeclaredEdge]
    links: Links
    assessment: Assessment | None

    def assessment_or_refuse(self) -> Assessment:
        assert self.assessment is not None  # a model read through the rating always has one
        return self.assessment

    def stored_rating(self) -> dict[str, Any] | None:
        return self.assessment.stored_form() if self.assessment is not None else None

    def artifact(self, artifact_id: str, artifact_type: ArtifactType, name: str, creator: str,
                 version: str) -> Artifact:
        """The artifact record, pinned at the revision read; `parent_urls` (declared base models, datasets, code,
        and the caller's links) is what lineage resolves, also against parents registered later."""
        snapshot = self.snapshot
        return Artifact(id=artifact_id, type=artifact_type, name=name, source_url=snapshot.ref.canonical_url,
                        version=version, revision=snapshot.revision, readme=snapshot.readme, files=snapshot.files,
                        source=snapshot.source, parent_urls=self.parent_urls(), created_by=creator,
                        updated_at=utcnow())

    def parent_urls(self) -> list[str]:
        return list(dict.fromkeys([*(edge.target for edge in self.parents), *self.links.canonical_urls()]))

    def registered_in(self, versions: Iterable[Artifact]) -> Artifact | None:
        """The version among `versions` read from this source at this revision with these links, if any."""
        source, revision = self.snapshot.ref.canonical_url, self.snapshot.revision
        parents = self.parent_urls()
        return next((a for a in versions if revision is not None and a.revision == revision
                     and a.source_url == source and a.parent_urls == parents), None)


def _connection(page: tuple[list[tuple[str, Artifact]], bool],
                key: Callable[[Artifact], str] = sort_key) -> Connection[Artifact]:
    """Edges of a page whose items were keyed by `key`: each cursor resumes right after its item."""
    items, more = page
    return Connection([Edge(artifact, encode_cursor(key(artifact))) for _, artifact in items], more)


def _ready(found: A | None, artifact_id: str) -> A:
    """The READY record a by-id read found, or NotFound."""
    if found is None:
        raise NotFound(f"no artifact {artifact_id!r}")
    return found


def version_identity(artifact_type: ArtifactType, name: str, version: str) -> str:
    """The claim key of "this version of this name, as this type" (hashed: names may be long). Versions of equal
    precedence ("1.0.0+a", "1.0.0+b") are one version."""
    raw = json.dumps([artifact_type.value, name, version_key(version)])
    return "version:" + hashlib.sha256(raw.encode()).hexdigest()


def pinned_ref(artifact: Artifact) -> SourceRef:
    """The ingested artifact's source at the revision it was registered with (its recorded commit)."""
    ref = parse_for_type(artifact.source_url or "", artifact.type)
    return ref.model_copy(update={"revision": artifact.revision}) if artifact.revision else ref


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
