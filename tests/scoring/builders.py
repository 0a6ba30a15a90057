"""Hand-built evidence for the scoring tests (no I/O)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from scoring.evidence import CodeEvidence, DatasetEvidence, Evidence, LinkOrigin, SourceFailure
from scoring.sources.types import (GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubCommit,
                                   HubNamespace, HubRepo, RepoFile, SourceRef)

NOW = datetime(2025, 10, 1, 12, 0, tzinfo=timezone.utc)


def model(name: str = "acme/tiny-model", card: str = "", card_data: dict[str, Any] | None = None,
          files: list[RepoFile] | None = None, **fields: Any) -> HubRepo:
    owner, _, repo = name.rpartition("/")
    return HubRepo(ref=SourceRef(kind="hf_model", owner=owner, name=repo), card_text=card,
                   card_data=card_data or {}, files=files or [], **fields)


def dataset(name: str = "acme/data", card: str = "", card_data: dict[str, Any] | None = None,
            **fields: Any) -> HubRepo:
    owner, _, repo = name.rpartition("/")
    return HubRepo(ref=SourceRef(kind="hf_dataset", owner=owner, name=repo), card_text=card,
                   card_data=card_data or {}, **fields)


def github_repo(name: str = "acme/code", tree: list[str] | None = None, readme: str = "", **fields: Any) -> GitHubRepo:
    owner, _, repo = name.partition("/")
    return GitHubRepo(ref=SourceRef(kind="github", owner=owner, name=repo), full_name=name, readme=readme,
                      tree=[RepoFile(path=path, size=10) for path in tree or []], **fields)


def commits(*authors: str | None, days_ago: int = 10) -> list[GitHubCommit]:
    return [GitHubCommit(sha=f"{i:040x}", author=author, date=NOW - timedelta(days=days_ago))
            for i, author in enumerate(authors)]


def contributors(**counts: int) -> list[GitHubContributor]:
    return [GitHubContributor(login=login, contributions=n) for login, n in counts.items()]


def pr(number: int, merged: bool = True, additions: int = 10, approved: bool = False,
       author: str = "dev") -> GitHubPullRequest:
    return GitHubPullRequest(number=number, author=author, merged=merged, additions=additions,
                             approved_by_other=approved)


def code(repo: GitHubRepo | None = None, origin: LinkOrigin = "caller", **fields: Any) -> CodeEvidence:
    return CodeEvidence(url="https://github.com/acme/code", origin=origin, repo=repo, **fields)


def linked(repo: HubRepo | None, url: str = "https://huggingface.co/datasets/acme/data") -> DatasetEvidence:
    return DatasetEvidence(url=url, origin="caller", repo=repo)


def evidence(hub: HubRepo | None = None, datasets: list[DatasetEvidence] | None = None,
             code_evidence: CodeEvidence | None = None, parent_scores: list[float] | None = None,
             failures: list[SourceFailure] | None = None, **fields: Any) -> Evidence:
    """Evidence gathered at NOW; `fields` are other Evidence fields (model_commits, namespace, origin, ...)."""
    return Evidence(model=hub or model(), datasets=datasets or [], code=code_evidence,
                    parent_scores=parent_scores or [], failures=failures or [], gathered_at=NOW,
                    commits_since=NOW - timedelta(days=365), **fields)


def hub_commits(*authors: str, days_ago: int = 10) -> list[HubCommit]:
    """One hub commit per author (``"a+b"`` for a commit with two authors), `days_ago` before NOW."""
    return [HubCommit(id=f"{i:040x}", authors=author.split("+"), date=NOW - timedelta(days=days_ago))
            for i, author in enumerate(authors)]


def organization(name: str = "acme", members: int | None = 10) -> HubNamespace:
    return HubNamespace(name=name, kind="organization", members=members)


RICH_CARD = '''---
license: mit
---
# Tiny model

A small model that classifies the sentiment of short English product reviews. It was fine-tuned from a
distilled encoder on a public corpus of reviews and is meant for batch scoring on CPUs. This paragraph exists
so that the card has enough prose to count as a description of what the model is for and how it was built.

## Usage

```
pip install transformers
```

```python
from transformers import pipeline
classifier = pipeline("text-classification", model="acme/tiny-model")
print(classifier("I love it"))
```

## Evaluation

| Dataset | Accuracy | F1 |
|---------|----------|----|
| SST-2   | 0.91     | 0.90 |

## Citation

```bibtex
@article{tiny2024, title={Tiny}}
```
'''
