"""The audit trail: who did what to which artifact, kept after the artifact is deleted, and the refusals.

- Every action on an artifact appends one `AuditEntry` to the artifact's trail (`AuditStore`, append-only). An
  artifact's trail is readable by every reader with SEARCH while the artifact exists, and by admins only once it
  is deleted (the DELETE entry says by whom); reading it is itself audited (AUDIT).
- Refusals are audited too. A refused download (the monitor, or unsafe content found by the first download's
  mirror) is a DOWNLOAD_REFUSED entry on the artifact's trail. A refused ingest (the rating gate's DISQUALIFIED, or
  UNSAFE_CONTENT) of something already registered (an update) is an INGEST_REFUSED entry on its trail; a refused
  ingest or upload of something new has no artifact id, so it goes to the well-known trail `REFUSED_INGESTS`,
  which admins page through (`refused_ingests`). That id can never be an artifact's: artifact ids match
  ^[a-zA-Z0-9-]+$ and it holds an underscore, so no by-id door reaches it.
- The REST spec's audit list knows five actions (`SPEC_AUDIT_ACTIONS`); the REST door leaves the others out.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from registry.auth import require
from registry.errors import Disqualified, NotFound, UnsafeContent
from registry.model import Artifact, ArtifactType, AuditAction, AuditEntry, Permission, User
from registry.paging import Connection, page_log
from registry.ports import ArtifactStore, AuditStore
from registry.validation import check_artifact_id

REFUSED_INGESTS = "_refused-ingests"
REFUSALS = (Disqualified, UnsafeContent)  # what a gate refuses: audited as INGEST_REFUSED
MAX_DETAIL_CHARS = 2000


def audit_entry(actor: User, artifact: Artifact, action: AuditAction, detail: str | None = None) -> AuditEntry:
    return AuditEntry(artifact_id=artifact.id, artifact_type=artifact.type, artifact_name=artifact.name,
                      username=actor.username, is_admin=actor.is_admin, action=action, detail=_capped(detail))


class AuditService:
    def __init__(self, audit: AuditStore, artifacts: ArtifactStore, max_page_size: int) -> None:
        self._audit = audit
        self._artifacts = artifacts
        self._max_page_size = max_page_size

    def record(self, actor: User, artifact: Artifact, action: AuditAction, detail: str | None = None) -> None:
        self._audit.append_audit(audit_entry(actor, artifact, action, detail))

    @contextmanager
    def refusals_audited(self, actor: User, artifact_type: ArtifactType, name: str,
                         artifact: Artifact | None = None) -> Iterator[None]:
        """Run an ingest, update or upload; if a gate refuses it (DISQUALIFIED, UNSAFE_CONTENT), audit the refusal
        (on `artifact`'s trail when it exists, else on REFUSED_INGESTS) and let the error go on to the caller."""
        try:
            yield
        except REFUSALS as refused:
            detail = f"{refused.code}: {refused.message}"
            if artifact is not None:
                self.record(actor, artifact, AuditAction.INGEST_REFUSED, detail)
            else:
                self._audit.append_audit(AuditEntry(
                    artifact_id=REFUSED_INGESTS, artifact_type=artifact_type, artifact_name=name,
                    username=actor.username, is_admin=actor.is_admin, action=AuditAction.INGEST_REFUSED,
                    detail=_capped(detail)))
            raise

    def trail(self, actor: User, artifact_id: str, artifact_type: ArtifactType | None = None) -> list[AuditEntry]:
        """The artifact's trail, oldest first (at most 1000 entries). A deleted artifact's trail is for admins; to
        anyone else it does not exist. Under another type's name (a REST path) it does not exist either."""
        require(actor, Permission.SEARCH)
        check_artifact_id(artifact_id)
        artifact = self._artifacts.get_artifact(artifact_id)
        if artifact is None and not actor.is_admin:
            raise NotFound(f"no artifact {artifact_id!r}")
        entries = self._audit.list_audit(artifact_id)
        if artifact is None and entries:
            last = entries[-1]
            artifact = Artifact(id=artifact_id, type=last.artifact_type, name=last.artifact_name)
        if artifact is None or (artifact_type is not None and artifact.type is not artifact_type):
            raise NotFound(f"no {artifact_type.value if artifact_type else 'artifact'} {artifact_id!r}")
        self.record(actor, artifact, AuditAction.AUDIT)
        return entries

    def refused_ingests(self, actor: User, first: int, after: str | None = None) -> Connection[AuditEntry]:
        """Refused ingests and uploads of new artifacts, oldest first (admins only)."""
        require(actor, Permission.ADMIN)
        return page_log(lambda limit: self._audit.list_audit(REFUSED_INGESTS, limit), first, after,
                        self._max_page_size)


def _capped(detail: str | None) -> str | None:
    if detail is None or len(detail) <= MAX_DETAIL_CHARS:
        return detail
    return detail[:MAX_DETAIL_CHARS - 1] + "…"
