"""In-memory stand-ins for the few ports LineageService uses, counting the store's round trips."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from registry.errors import NotFound
from registry.model import Artifact, ArtifactStatus, ArtifactType, FileEntry, HubSource, User
from scoring.lineage import declared_parent_urls
from scoring.sources.types import HubRepo
from scoring.sources.url import parse_source_url

HF = "https://huggingface.co/"


def hub_model(artifact_id: str, repo_id: str, base_models: list[str], sizes: tuple[int, ...] = (1,)) -> Artifact:
    """A READY hub model whose card declares `base_models`; parent_urls filled as ingest fills them."""
    url = HF + repo_id
    card = {"base_model": base_models} if base_models else {}
    repo = HubRepo(ref=parse_source_url(url), card_data=card)
    return Artifact(id=artifact_id, type=ArtifactType.MODEL, name=repo_id.split("/")[-1], source_url=url,
                    source=HubSource(repo_id=repo_id, card_data=card), parent_urls=declared_parent_urls(repo),
                    files=[FileEntry(path=f"w{n}.safetensors", size=size) for n, size in enumerate(sizes)],
                    status=ArtifactStatus.READY)


class MemoryStore:
    """find_by_source / find_children / get_artifacts over a dict; `calls` counts each method's round trips."""

    def __init__(self, artifacts: Iterable[Artifact] = ()) -> None:
        self.artifacts = {a.id: a for a in artifacts}
        self.calls: Counter[str] = Counter()

    def find_by_source(self, source_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        self.calls["find_by_source"] += 1
        wanted = set(source_urls)
        found: dict[str, list[Artifact]] = {}
        for artifact in self.artifacts.values():
            if artifact.source_url in wanted:
                found.setdefault(artifact.source_url, []).append(artifact)
        return found

    def find_children(self, parent_urls: Iterable[str]) -> dict[str, list[Artifact]]:
        self.calls["find_children"] += 1
        wanted = set(parent_urls)
        found: dict[str, list[Artifact]] = {}
        for artifact in self.artifacts.values():
            for url in set(artifact.parent_urls) & wanted:
                found.setdefault(url, []).append(artifact)
        return found


class MemoryArtifacts:
    """The one ArtifactService method LineageService calls."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def get(self, actor: User, artifact_id: str) -> Artifact:
        if artifact_id not in self._store.artifacts:
            raise NotFound(artifact_id)
        return self._store.artifacts[artifact_id]
