"""Turn an ingest URL into artifact fields through the upstream clients; map their errors to domain errors."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from registry.errors import InvalidInput, NotFound, UpstreamError
from registry.model import ArtifactType, FileEntry, GitHubSource, HubSource
from registry.version import declared_version
from scoring.errors import InvalidSourceURL, SourceNotFound, SourceUnavailable
from scoring.gather import GitHubReader, HubReader
from scoring.sources.types import GitHubRepo, HubRepo, SourceRef
from scoring.sources.url import parse_source_url

# Which URL kinds each artifact type accepts.
_ACCEPTED: dict[ArtifactType, tuple[str, ...]] = {
    ArtifactType.MODEL: ("hf_model",),
    ArtifactType.DATASET: ("hf_dataset", "github"),
    ArtifactType.CODE: ("github",),
}


class HubClient(HubReader, Protocol):
    def ping(self) -> None: ...

    def iter_file(self, ref: SourceRef, path: str) -> Iterator[bytes]: ...


class GitHubClient(GitHubReader, Protocol):
    def ping(self) -> None: ...

    def iter_archive(self, ref: SourceRef, revision: str) -> Iterator[bytes]: ...


@contextmanager
def upstream_errors() -> Iterator[None]:
    """Map the sources' errors to the registry's: bad URL 400, missing repo 404, unreachable upstream 502."""
    try:
        yield
    except InvalidSourceURL as exc:
        raise InvalidInput(str(exc)) from None
    except SourceNotFound as exc:
        raise NotFound(str(exc)) from None
    except SourceUnavailable as exc:
        raise UpstreamError(str(exc)) from None


def parse_for_type(url: str, artifact_type: ArtifactType) -> SourceRef:
    with upstream_errors():
        ref = parse_source_url(url)
    if ref.kind not in _ACCEPTED[artifact_type]:
        raise InvalidInput(f"a {artifact_type.value} is ingested from a {' or '.join(_ACCEPTED[artifact_type])} URL,"
                           f" not a {ref.kind} URL")
    return ref


class SourceSnapshot:
    """What ingest records of an upstream repository."""

    def __init__(self, ref: SourceRef, repo: HubRepo | GitHubRepo) -> None:
        self.ref = ref
        self.repo = repo

    @property
    def readme(self) -> str:
        return self.repo.card_text if isinstance(self.repo, HubRepo) else self.repo.readme

    @property
    def declared_version(self) -> str | None:
        """The version the source declares at the revision read (its tags there, else a hub card's `version`)."""
        card = self.repo.card_data.get("version") if isinstance(self.repo, HubRepo) else None
        return declared_version(self.repo.git_tags, card)

    @property
    def revision(self) -> str | None:
        """The commit read: what later downloads and ratings of this artifact read again."""
        return self.repo.sha

    @property
    def files(self) -> list[FileEntry]:
        listing = self.repo.files if isinstance(self.repo, HubRepo) else self.repo.tree
        return [FileEntry(path=f.path, size=f.size, sha256=f.sha256, blob_id=f.blob_id) for f in listing]

    @property
    def source(self) -> HubSource | GitHubSource:
        repo = self.repo
        if isinstance(repo, HubRepo):
            return HubSource(repo_id=self.ref.repo_id, card_data=repo.card_data, config=repo.config,
                             adapter_config=repo.adapter_config, tags=repo.tags, downloads=repo.downloads,
                             likes=repo.likes, library_name=repo.library_name, pipeline_tag=repo.pipeline_tag)
        return GitHubSource(repo_id=repo.full_name, license=repo.license_spdx, default_branch=repo.default_branch,
                            stars=repo.stars, description=repo.description)


class SourceReader:
    def __init__(self, hub: HubReader, github: GitHubReader) -> None:
        self._hub = hub
        self._github = github

    def read(self, ref: SourceRef) -> SourceSnapshot:
        with upstream_errors():
            repo: HubRepo | GitHubRepo = self._github.repo(ref) if ref.kind == "github" else self._hub.fetch(ref)
        return SourceSnapshot(ref, repo)
