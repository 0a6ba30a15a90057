"""The evidence a rating is computed from: everything read upstream, as one typed, JSON-serializable record.

A rating is a pure function of an `Evidence`, so storing the evidence next to the rating lets anyone recompute
the rating offline, identically (`Evidence.model_validate_json(evidence.model_dump_json())` is lossless).

This module also holds the pure rules that find a model's linked datasets and code in its card, because both
the gatherer (to know what to fetch) and the metrics (to know what was documented) apply them.

`waits` records, per source, the seconds from the start of gathering until its answer (or failure) was in hand:
a metric's latency is the wait for the sources it reads plus its own computation, and rating stays pure.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import re2
from pydantic import BaseModel, ConfigDict, Field

from scoring.library import library_code_url
from scoring.sources.types import (GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubCommit,
                                   HubNamespace, HubRepo)

FailureKind = Literal["not_found", "unavailable", "rate_limited", "invalid_url", "timeout", "error"]
# Who linked a dataset or the code: the caller, the model's card, or (code only) the hub's library_name.
LinkOrigin = Literal["caller", "card", "library"]
# Where the model itself was read: the hub, or an uploaded package (built by the caller from its files).
EvidenceOrigin = Literal["hub", "package"]

EVIDENCE_SCHEMA_VERSION = 2

_GITHUB_LINK = re2.compile(r"(?i)https?://(?:www\.)?github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
# A dataset link: datasets/OWNER/NAME or a legacy datasets/NAME (the second group is then empty).
_HF_DATASET_LINK = re2.compile(r"(?i)https?://huggingface\.co/datasets/([A-Za-z0-9_.-]+)(?:/([A-Za-z0-9_.-]+))?")
_FENCE = re2.compile(r"(?s)```.*?(?:```|$)")
_FRONT_MATTER = re2.compile(r"(?s)\A---[ \t]*\r?\n.*?\n---[ \t]*(?:\r?\n|\z)")
_TABLE_ROW = re2.compile(r"(?m)^[ \t]*\|.*$")
_HEADING = re2.compile(r"^[ \t]{0,3}#{1,6}[ \t]")
_URL = re2.compile(r"(?i)https?://\S+")
_DATA_WORDS = re2.compile(r"(?i)\b(data ?sets?|data|corpus|corpora)\b")
_EVALUATION_WORDS = re2.compile(r"(?i)\b(evaluat\w*|eval|benchmark\w*|leaderboard|test[- ](set|split|clean|other))\b")
_CODE_WORDS = re2.compile(r"(?i)\b(code|codebase|implementation|repo|repository|source|scripts?|library)\b")
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
    """The model's code repository on GitHub; each part is None when its request failed (see failures).

    `origin` "library" marks the repository of the library named by the model's `library_name`, used when
    neither the caller nor the card links code of the model's own (see `code_candidates`); only its metadata and
    contributors are read (commits and pull_requests stay None).
    """

    url: str
    origin: LinkOrigin
    repo: GitHubRepo | None = None
    contributors: list[GitHubContributor] | None = None
    commits: list[GitHubCommit] | None = None  # commits since `Evidence.commits_since`, newest first
    pull_requests: list[GitHubPullRequest] | None = None

    @property
    def label(self) -> str:
        """How explanations name this code: where it is, and why it is the model's code."""
        if self.origin == "library":
            return f"library code {self.url} (the card links no code; the model's library_name runs it)"
        return f"code {self.url} ({'given at ingest' if self.origin == 'caller' else 'linked by the card'})"


class Evidence(BaseModel):
    """Everything a rating reads. Metrics never do I/O; they only read this record.

    NaN and infinities (YAML allows them in card data) serialize as JSON constants, so the round trip
    through JSON is lossless.
    """

    model_config = ConfigDict(ser_json_inf_nan="constants")

    schema_version: int = EVIDENCE_SCHEMA_VERSION
    origin: EvidenceOrigin = "hub"
    model: HubRepo
    model_commits: list[HubCommit] | None = None  # the model repository's commits on the hub; None: not read
    namespace: HubNamespace | None = None  # the model's owner on the hub; None: not read (or no owner)
    base_model: HubRepo | None = None  # the model this one is a conversion of (lineage.converted_from), if read
    datasets: list[DatasetEvidence] = Field(default_factory=list)
    code: CodeEvidence | None = None
    parent_scores: list[float] = Field(default_factory=list)  # net scores of lineage parents, from the caller
    failures: list[SourceFailure] = Field(default_factory=list)
    gathered_at: datetime
    commits_since: datetime | None = None  # start of the commit window of the code's recent commits
    waits: dict[str, float] = Field(default_factory=dict)  # source -> seconds until its answer was in hand

    def wait_for(self, *prefixes: str) -> float:
        """Seconds until every source whose name starts with one of `prefixes` had answered (0 if none did)."""
        return max((seconds for source, seconds in self.waits.items() if source.startswith(prefixes)), default=0.0)

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
    links (`datasets/owner/name` or legacy `datasets/name`) in the card's prose, except where the line or its
    section is about evaluation (a test set the model was measured on is not data it was trained on). Ids that
    are not repository ids (free text) are skipped: they are only documented.
    """
    ids = [item for item in card_dataset_ids(model) if _DATASET_ID.match(item)]
    links = [(first.rstrip("."), second.rstrip(".")) for first, second, context in _links(
        _HF_DATASET_LINK, _prose(model.card_text)) if not _EVALUATION_WORDS.search(context)]
    ids += [f"{first}/{second}" if second else first for first, second in links]
    return _unique([f"https://huggingface.co/datasets/{repo_id}" for repo_id in ids])


def card_code_urls(model: HubRepo) -> list[str]:
    """GitHub repository URLs linked anywhere in the card outside fenced code blocks, best candidate first.

    Prose, link lists and tables are all read. Links whose context names data and not code (a table whose
    header says "Dataset", a "Training data" section, a line about a corpus) are datasets, not code, and are
    skipped; so are install commands in code blocks (they name libraries; see `code_candidates`). Links that
    look like the model's own (same owner, or a name sharing a word with the model's name) come first.
    """
    found: list[str] = []
    for owner, name, context in _links(_GITHUB_LINK, _FENCE.sub("", card_body(model.card_text))):
        name = name.rstrip(".").removesuffix(".git")
        if name and owner.lower() not in _GITHUB_NON_REPO_OWNERS and not _names_data(context):
            found.append(f"https://github.com/{owner}/{name}")
    return sorted(_unique(found), key=lambda url: 0 if _looks_related(url, model) else 1)


def code_candidates(model: HubRepo) -> list[tuple[str, LinkOrigin]]:
    """Where the model's code is, best first: card links that look like the model's own; then the repository of
    the library named by `library_name` (the code a user runs to load the model); then the card's other links
    (a paper's original release or a baseline is less likely to be what runs this model than its library)."""
    urls = card_code_urls(model)
    library = library_code_url(model)
    return ([(url, "card") for url in urls if _looks_related(url, model)]
            + ([(library, "library")] if library else [])
            + [(url, "card") for url in urls if not _looks_related(url, model)])


def _looks_related(url: str, model: HubRepo) -> bool:
    """A GitHub repository that looks like the model's own: same owner, or a name sharing a word (3+ letters)."""
    owner, name = url.rsplit("/", 2)[-2:]
    model_words = {word for word in re2.split(r"[-_.]", model.ref.name.lower()) if len(word) > 2}
    repo_words = set(re2.split(r"[-_.]", name.lower()))
    return owner.lower() == model.ref.owner.lower() or bool(model_words & repo_words)


def _links(pattern: Any, text: str) -> list[tuple[str, str, str]]:
    """The two groups of every match of `pattern` in `text`, with its context without URLs: the line's nearest
    heading, the header row of its table (for table rows) and the line itself."""
    links = []
    heading = table_header = ""
    for line in text.splitlines():
        if _HEADING.match(line):
            heading = line
        table_header = (table_header or line) if _TABLE_ROW.match(line) else ""
        for first, second in pattern.findall(line):
            links.append((first, second, _URL.sub(" ", f"{heading}\n{table_header}\n{line}")))
    return links


def _names_data(context: str) -> bool:
    return bool(_DATA_WORDS.search(context)) and not _CODE_WORDS.search(context)


def _prose(card_text: str) -> str:
    """The card without its YAML front matter, fenced code blocks and table rows."""
    return _TABLE_ROW.sub("", _FENCE.sub("", card_body(card_text)))


def card_body(card_text: str) -> str:
    """The card without its YAML front matter (whose links are metadata: widgets, license links)."""
    return _FRONT_MATTER.sub("", card_text, count=1)


def _unique(urls: list[str]) -> list[str]:
    seen: set[str] = set()
    result = []
    for url in urls:
        if url.lower() not in seen:
            seen.add(url.lower())
            result.append(url)
    return result
