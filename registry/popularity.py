"""The registry's own popularity signals and the PackageConfusionAudit built on them (registry/confusion.py).

Signals:
- appearances in search results: every search (regex, exact name, version; not the "*" enumeration, which is a
  listing, not a search) counts one appearance for each artifact on the page it returns, in one batched counter
  write per request (`SearchStats`);
- downloads: the download history (`DownloadLog`); only allowed downloads are usage. Who downloaded when feeds the
  audit's traffic analysis (few accounts, bursts, bot-like regularity).

The audit is for admins: it reads every artifact and every artifact's downloads and compares every pair of names,
so it costs O(n^2) in the registry's size, and its scores would tell an attacker how close an impostor is to being
flagged.
"""
from __future__ import annotations

import math
from collections.abc import Iterable

from registry.auth import require
from registry.confusion import DEFAULT_THRESHOLD, ArtifactRecord, ConfusionFinding, DownloadEvent, audit
from registry.errors import InvalidInput
from registry.model import Artifact, Permission, User
from registry.ports import ArtifactStore, DownloadLog, SearchStats

DOWNLOADS_READ = 10_000  # per artifact: enough to see a bot run's shape


class PopularityService:
    def __init__(self, artifacts: ArtifactStore, stats: SearchStats, downloads: DownloadLog, page_size: int) -> None:
        self._artifacts = artifacts
        self._stats = stats
        self._downloads = downloads
        self._page_size = page_size

    def seen(self, found: Iterable[Artifact]) -> None:
        """Count one search appearance for each artifact a search answered with."""
        ids = {artifact.id for artifact in found}
        if ids:
            self._stats.count_appearances(ids)

    def confusion_audit(self, actor: User, threshold: float = DEFAULT_THRESHOLD) -> list[ConfusionFinding]:
        """Artifacts suspected of imitating a more popular one, most suspicious first (admins only)."""
        require(actor, Permission.ADMIN)
        if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and 0 <= threshold <= 1):
            raise InvalidInput("the threshold is a score between 0 and 1")
        artifacts = self._every_artifact()
        ids = [artifact.id for artifact in artifacts]
        events = [DownloadEvent(record.artifact_id, record.username, record.at)
                  for artifact_id in ids for record in self._downloads.list_downloads(artifact_id, DOWNLOADS_READ)
                  if record.allowed]
        return audit([ArtifactRecord.from_artifact(a) for a in artifacts], self._stats.search_appearances(ids),
                     events, threshold)

    def _every_artifact(self) -> list[Artifact]:
        found: list[Artifact] = []
        cursor: str | None = None
        while True:
            page = self._artifacts.list_artifacts(None, cursor, self._page_size)
            found += page.items
            if page.next_cursor is None:
                return found
            cursor = page.next_cursor
