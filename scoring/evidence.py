"""The evidence a rating is computed from: everything read upstream, as one typed, JSON-serializable record.

A rating is a pure function of an `Evidence`, so storing the evidence next to the rating lets anyone recompute
the rating offline, identically (`Evidence.model_validate_json(evidence.model_dump_json())` is lossless).

This module also holds the pure rules that find a model's linked datasets and code in its card, because both
the gatherer (to know what to fetch) and the metrics (to know what was documented) apply them.
"""
from __future__ import annotations

from datetime import datetime
from typing import Literal

import re2
from pydantic import BaseModel, ConfigDict, Field

from scoring.sources.types import GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubRepo

FailureKind = Literal["not_found", "unavailable", "rate_limited", "invalid_url", "timeout", "error"]
LinkOrigin = Literal["caller", "card"]

EVIDENCE_SCHEMA_VERSION = 1

_GITHUB_LINK = re2.compile(r"(?i)https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
_HF_DATASET_LINK = re2.compile(r"(?i)https?://huggingface\.co/datasets/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
_FENCE = re2.compile(r"(?s)```.*?(?:```|$)")
_TABLE_ROW = re2.compile(r"(?m)^[ \t]*\|.*$")
_DATASET_ID = re2.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]*/)?[A-Za-z0-9][A-Za-z0-9_.-]*$")
# GitHub paths under the host that are not repositories.
_GITHUB_NON_REPO_OWNERS = frozenset({"orgs", "topics", "features", "sponsors", "marketplace", "settings", "apps"})


class SourceFailure(BaseModel):
    """One upstream read that failed; the metrics that needed it say so in their explanation and score 0."""

    source: str  # "model", "dataset:<url>", "code", "github.repo", "github.contributors", ...
    kind: FailureKind
    reason: str


class DatasetEvidence(BaseModel):
    """A dataset linked to the model, by the caller or by the card; `repo` is None when it could not be read."""

    url: str
    origin: LinkOrigin
    repo: HubRepo | None = None


class CodeEvidence(BaseModel):
    """The model's code repository on GitHub; each part is None when its request failed (see failures)."""

    url: str
    origin: LinkOrigin
    repo: GitHubRepo | None = None
    contributors: list[GitHubContributor] | None = None
    commits: list[GitHubCommit] | None = None  # commits since `Evidence.commits_since`, newest first
    pull_requests: list[GitHubPullRequest] | None = None


class Evidence(BaseModel):
    """Everything a rating reads. Metrics never do I/O; they only read this record.

    NaN and infinities (YAML allows them in card data) serialize as JSON constants, so the round trip
    through JSON is lossless.
    """

    model_config = ConfigDict(ser_json_inf_nan="constants")

    schema_version: int = EVIDENCE_SCHEMA_VERSION
    model: HubRepo
    datasets: list[DatasetEvidence] = Field(default_factory=list)
    code: CodeEvidence | None = None
    parent_scores: list[float] = Field(default_factory=list)  # net scores of lineage parents, from the caller
    failures: list[SourceFailure] = Field(default_factory=list)
    gathered_at: datetime
    commits_since: datetime | None = None  # start of the commit window the bus factor uses

    def failures_of(self, prefix: str) -> list[SourceFailure]:
        """Failures of the sources whose name starts with `prefix` (e.g. "github.", "dataset:")."""
        return [failure for failure in self.failures if failure.source.startswith(prefix)]


def card_dataset_ids(model: HubRepo) -> list[str]:
    """Dataset ids the card declares in its YAML `datasets:` field, in order, as written."""
    declared = model.card_data.get("datasets")
    if isinstance(declared, str):
        declared = [declared]
    if not isinstance(declared, list):
        return []
    return [item.strip() for item in declared if isinstance(item, str) and item.strip()]


def card_dataset_urls(model: HubRepo) -> list[str]:
    """Hub dataset URLs for the card's datasets: ids from the YAML (`owner/name` or legacy `name`), then dataset
    links in the card's prose. Ids that are not repository ids (free text) are skipped: they are only documented.
    """
    ids = [item for item in card_dataset_ids(model) if _DATASET_ID.match(item)]
    ids += [f"{owner}/{name.rstrip('.')}" for owner, name in _HF_DATASET_LINK.findall(_prose(model.card_text))]
    return _unique([f"https://huggingface.co/datasets/{repo_id}" for repo_id in ids])


def card_code_urls(model: HubRepo) -> list[str]:
    """GitHub repository URLs linked from the card's prose, best candidate first.

    Links inside code blocks (install commands) and tables (datasets, baselines) are ignored; links whose
    owner is the model's owner, or whose name shares a word with the model's name, come first.
    """
    found = [
        (owner, name.rstrip(".").removesuffix(".git"))
        for owner, name in _GITHUB_LINK.findall(_prose(model.card_text))
        if owner.lower() not in _GITHUB_NON_REPO_OWNERS
    ]
    urls = _unique([f"https://github.com/{owner}/{name}" for owner, name in found if name])
    return sorted(urls, key=lambda url: 0 if _looks_related(url, model) else 1)


def _looks_related(url: str, model: HubRepo) -> bool:
    owner, name = url.rsplit("/", 2)[-2:]
    model_words = {word for word in re2.split(r"[-_.]", model.ref.name.lower()) if len(word) > 2}
    repo_words = set(re2.split(r"[-_.]", name.lower()))
    return owner.lower() == model.ref.owner.lower() or bool(model_words & repo_words)


def _prose(card_text: str) -> str:
    """The card without fenced code blocks and table rows."""
    return _TABLE_ROW.sub("", _FENCE.sub("", card_text))


def _unique(urls: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for url in urls:
        if url.lower() not in seen:
            seen.add(url.lower())
            result.append(url)
    return result
