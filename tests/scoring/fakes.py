"""In-process stand-ins for HubSource and GitHubSource: canned answers, recorded calls, optional hooks."""
from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scoring.sources.types import (GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubCommit,
                                   HubNamespace, HubRepo, SourceRef)

Answer = Any  # a value to return, an exception to raise, or a callable producing either


def _answer(answer: Answer) -> Any:
    if callable(answer) and not isinstance(answer, type):
        answer = answer()
    if isinstance(answer, BaseException):
        raise answer
    return answer


class FakeHub:
    """`repos` by id; `commits` by repository id ([] when absent); `namespaces` by owner (a user when absent).
    `calls` records fetched ids, `people_calls` the commits/namespace reads ("commits:ID", "namespace:OWNER")."""

    def __init__(self, repos: dict[str, Answer], commits: dict[str, Answer] | None = None,
                 namespaces: dict[str, Answer] | None = None) -> None:
        self.repos = repos
        self.commit_answers = commits or {}
        self.namespaces = namespaces or {}
        self.calls: list[str] = []
        self.people_calls: list[str] = []
        self._lock = threading.Lock()

    def fetch(self, ref: SourceRef) -> HubRepo:
        with self._lock:
            self.calls.append(ref.repo_id)
        return _answer(self.repos[ref.repo_id])

    def commits(self, ref: SourceRef, limit: int = 300) -> list[HubCommit]:
        with self._lock:
            self.people_calls.append(f"commits:{ref.repo_id}")
        return list(_answer(self.commit_answers.get(ref.repo_id, [])))[:limit]

    def namespace(self, owner: str) -> HubNamespace:
        with self._lock:
            self.people_calls.append(f"namespace:{owner}")
        return _answer(self.namespaces.get(owner, HubNamespace(name=owner, kind="user")))


class FakeGitHub:
    def __init__(self, repo: Answer = None, contributors: Answer = (), commits: Answer = (),
                 pull_requests: Answer = (), hook: Callable[[str], None] | None = None) -> None:
        self.answers = {"repo": repo, "contributors": contributors, "commits": commits,
                        "pull_requests": pull_requests}
        self.hook = hook
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self._lock = threading.Lock()

    def _call(self, name: str, **kwargs: Any) -> Any:
        with self._lock:
            self.calls.append((name, kwargs))
        if self.hook:
            self.hook(name)
        answer = _answer(self.answers[name])
        return list(answer) if isinstance(answer, tuple) else answer

    def repo(self, ref: SourceRef) -> GitHubRepo:
        return self._call("repo", ref=ref)

    def contributors(self, ref: SourceRef) -> list[GitHubContributor]:
        return self._call("contributors", ref=ref)

    def commits(self, ref: SourceRef, since: datetime | None = None, limit: int = 300) -> list[GitHubCommit]:
        return self._call("commits", ref=ref, since=since, limit=limit)

    def pull_requests(self, ref: SourceRef, limit: int = 50) -> list[GitHubPullRequest]:
        return self._call("pull_requests", ref=ref, limit=limit)
