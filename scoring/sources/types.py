"""Typed snapshots of upstream repositories: what the sources return and what evidence is built from."""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SourceKind = Literal["hf_model", "hf_dataset", "github"]


class SourceRef(BaseModel):
    """A strictly parsed Hugging Face or GitHub URL (see scoring.sources.url.parse_source_url)."""

    kind: SourceKind
    owner: str
    name: str
    revision: str | None = None  # branch / tag from /tree/REV
    path: str | None = None  # sub-path inside a GitHub repo (/tree/BRANCH/PATH)

    @property
    def repo_id(self) -> str:
        """``owner/name``; just ``name`` for legacy Hugging Face repos without an organisation (``gpt2``)."""
        return f"{self.owner}/{self.name}" if self.owner else self.name

    @property
    def canonical_url(self) -> str:
        if self.kind == "hf_model":
            base = f"https://huggingface.co/{self.repo_id}"
        elif self.kind == "hf_dataset":
            base = f"https://huggingface.co/datasets/{self.repo_id}"
        else:
            base = f"https://github.com/{self.repo_id}"
        if self.revision:
            base += f"/tree/{self.revision}" + (f"/{self.path}" if self.path else "")
        return base


class RepoFile(BaseModel):
    path: str
    size: int = 0
    sha256: str | None = None  # LFS sha256 where the hub gives one
    blob_id: str | None = None  # git object id


class HubRepo(BaseModel):
    """A Hugging Face model or dataset repository, from metadata and small files only (never weights)."""

    ref: SourceRef
    sha: str | None = None
    card_text: str = ""  # README.md ("" when missing)
    card_data: dict[str, Any] = Field(default_factory=dict)  # YAML front matter ({} when absent or malformed)
    card_error: str | None = None  # why card_data is empty although a card exists (malformed YAML ...)
    config: dict[str, Any] | None = None  # config.json when present and valid JSON
    config_error: str | None = None
    adapter_config: dict[str, Any] | None = None  # adapter_config.json (PEFT) when present
    adapter_config_error: str | None = None
    tags: list[str] = Field(default_factory=list)
    git_tags: list[str] = Field(default_factory=list)  # names of the git tags pointing at `sha` (versions "vX", "X")
    files: list[RepoFile] = Field(default_factory=list)
    downloads: int = 0
    likes: int = 0
    library_name: str | None = None
    pipeline_tag: str | None = None
    created_at: datetime | None = None
    last_modified: datetime | None = None
    gated: bool = False
    private: bool = False
    aliases: list[str] = Field(default_factory=list)  # other ids the hub answers with this repository


class HubCommit(BaseModel):
    """One commit of a hub repository (``/api/{type}s/{id}/commits/{rev}``): hub usernames of its authors."""

    id: str
    authors: list[str] = Field(default_factory=list)
    date: datetime | None = None
    title: str = ""


class HubNamespace(BaseModel):
    """The owner of a hub repository: an organization (with the member count the hub shows) or a user."""

    name: str
    kind: Literal["organization", "user"]
    members: int | None = None  # numUsers of the organization's overview; None for a user or when not shown


class GitHubContributor(BaseModel):
    login: str
    contributions: int


class GitHubCommit(BaseModel):
    sha: str
    author: str | None
    date: datetime | None


class GitHubPullRequest(BaseModel):
    number: int
    author: str | None
    merged: bool
    additions: int = 0  # lines added in non-weight files (when known)
    approved_by_other: bool = False  # an APPROVED review by someone other than the author


class GitHubRepo(BaseModel):
    """A GitHub repository's metadata through the REST API (no clone)."""

    ref: SourceRef
    full_name: str
    default_branch: str = "main"
    description: str | None = None
    license_spdx: str | None = None
    stars: int = 0
    forks: int = 0
    open_issues: int = 0
    archived: bool = False
    created_at: datetime | None = None
    pushed_at: datetime | None = None
    readme: str = ""
    sha: str | None = None  # the commit read: the head of the URL's revision, else of the default branch
    tree: list[RepoFile] = Field(default_factory=list)
    git_tags: list[str] = Field(default_factory=list)  # names of the tags pointing at `sha`
