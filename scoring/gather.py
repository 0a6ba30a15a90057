"""Evidence gathering: all the I/O of a rating, run concurrently, with a deadline per source.

Order of requests (each arrow is a dependency; everything else runs at once):

    model ────────────► datasets found in the card, code repository found in the card
    caller's datasets   (start at once, in parallel with the model)
    caller's code URL ► github repo | contributors | commits | pull requests   (start at once, in parallel)

A secondary source that fails or misses its deadline is recorded in `Evidence.failures` and the rating
goes on without it; only the model itself is required.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

from scoring.errors import InvalidSourceURL, SourceError, SourceNotFound, SourceRateLimited, SourceUnavailable
from scoring.evidence import (
    CodeEvidence,
    DatasetEvidence,
    Evidence,
    FailureKind,
    LinkOrigin,
    SourceFailure,
    card_code_urls,
    card_dataset_urls,
)
from scoring.sources.types import GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubRepo, SourceRef
from scoring.sources.url import parse_source_url

T = TypeVar("T")

DEFAULT_TIMEOUT = 30.0  # seconds each source may take, retries included


@dataclass(frozen=True)
class GatherLimits:
    """Bounds on how much is read per rating (requests grow with these)."""

    max_datasets: int = 5
    commit_window: timedelta = timedelta(days=365)
    commit_limit: int = 300
    pull_request_limit: int = 30


class HubReader(Protocol):
    def fetch(self, ref: SourceRef) -> HubRepo: ...


class GitHubReader(Protocol):
    def repo(self, ref: SourceRef) -> GitHubRepo: ...

    def contributors(self, ref: SourceRef) -> list[GitHubContributor]: ...

    def commits(self, ref: SourceRef, since: datetime | None = None, limit: int = 300) -> list[GitHubCommit]: ...

    def pull_requests(self, ref: SourceRef, limit: int = 50) -> list[GitHubPullRequest]: ...


@dataclass
class _Job:
    """A submitted read and its deadline (time.monotonic), counted from its own submission."""

    source: str
    future: Future[Any]
    timeout: float
    deadline: float


def gather_evidence(
    model_ref: SourceRef,
    hub: HubReader,
    github: GitHubReader,
    code_url: str | None = None,
    dataset_urls: Sequence[str] = (),
    parent_scores: Sequence[float] = (),
    timeout: float = DEFAULT_TIMEOUT,
    limits: GatherLimits = GatherLimits(),
    now: datetime | None = None,
) -> Evidence:
    """Read everything a rating needs, concurrently; never raises for a failing secondary source.

    Raises SourceNotFound / SourceUnavailable only when the model itself cannot be fetched (a timeout of the
    model is SourceUnavailable). `now` fixes `gathered_at` (and the commit window) for reproducible tests.
    """
    gathered_at = now or datetime.now(timezone.utc)
    since = gathered_at - limits.commit_window
    pool = ThreadPoolExecutor(max_workers=4 + limits.max_datasets + 1, thread_name_prefix="gather")
    try:
        run = _Runner(pool, timeout)
        caller_code = _CodeJobs.start(run, github, code_url, "caller", since, limits) if code_url else None
        datasets = _DatasetJobs(run, hub, limits.max_datasets)
        datasets.start([(url, "caller") for url in dataset_urls if url.strip()])
        model = run.required("model", lambda: hub.fetch(model_ref))
        datasets.start([(url, "card") for url in card_dataset_urls(model)])
        code = caller_code or _card_code(run, github, model, since, limits)
        return Evidence(
            model=model,
            datasets=datasets.collect(),
            code=code.collect() if code else None,
            parent_scores=list(parent_scores),
            failures=run.failures,
            gathered_at=gathered_at,
            commits_since=since if code else None,
        )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a stuck read must not hold the rating


class _Runner:
    """Submits reads to the pool and waits for each within its own deadline, recording failures."""

    def __init__(self, pool: ThreadPoolExecutor, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout
        self.failures: list[SourceFailure] = []

    def submit(self, source: str, read: Callable[[], Any]) -> _Job:
        return _Job(source, self._pool.submit(read), self._timeout, time.monotonic() + self._timeout)

    def required(self, source: str, read: Callable[[], T]) -> T:
        """The model: its failure fails the rating (as SourceNotFound or SourceUnavailable)."""
        future = self._pool.submit(read)
        try:
            return future.result(timeout=self._timeout)
        except FutureTimeout as exc:
            raise SourceUnavailable(f"{source}: no answer within {self._timeout:g} s") from exc
        except (SourceNotFound, SourceUnavailable):
            raise
        except SourceError as exc:
            raise SourceUnavailable(f"{source}: {exc}") from exc

    def optional(self, job: _Job) -> Any | None:
        """A secondary read's result, or None with the failure recorded (never raises)."""
        try:
            return job.future.result(timeout=max(0.0, job.deadline - time.monotonic()))
        except FutureTimeout:
            self.fail(job.source, "timeout", f"no answer within {job.timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure of a secondary source is evidence, not a crash
            self.fail(job.source, _kind(exc), str(exc) or type(exc).__name__)
        return None

    def fail(self, source: str, kind: FailureKind, reason: str) -> None:
        self.failures.append(SourceFailure(source=source, kind=kind, reason=reason))


def _kind(exc: BaseException) -> FailureKind:
    if isinstance(exc, SourceRateLimited):
        return "rate_limited"
    if isinstance(exc, SourceUnavailable):
        return "unavailable"
    if isinstance(exc, SourceNotFound):
        return "not_found"
    if isinstance(exc, InvalidSourceURL):
        return "invalid_url"
    return "error"


class _DatasetJobs:
    """Dataset reads, deduplicated by repository id and capped at `max_datasets`."""

    def __init__(self, run: _Runner, hub: HubReader, max_datasets: int) -> None:
        self._run, self._hub, self._max = run, hub, max_datasets
        self._jobs: list[tuple[str, LinkOrigin, _Job | None]] = []
        self._seen: set[str] = set()

    def start(self, links: Iterable[tuple[str, LinkOrigin]]) -> None:
        for url, origin in links:
            if len(self._jobs) >= self._max:
                return
            ref = self._dataset_ref(url)
            if ref is None:
                self._jobs.append((url, origin, None))
            elif ref.repo_id.lower() not in self._seen:
                self._seen.add(ref.repo_id.lower())
                self._jobs.append((url, origin, self._run.submit(f"dataset:{url}", _bind(self._hub.fetch, ref))))

    def _dataset_ref(self, url: str) -> SourceRef | None:
        try:
            ref = parse_source_url(url.strip())
        except InvalidSourceURL as exc:
            self._run.fail(f"dataset:{url}", "invalid_url", str(exc))
            return None
        if ref.kind != "hf_dataset":
            self._run.fail(f"dataset:{url}", "invalid_url", f"not a Hugging Face dataset URL ({ref.kind})")
            return None
        return ref

    def collect(self) -> list[DatasetEvidence]:
        return [
            DatasetEvidence(url=url, origin=origin, repo=self._run.optional(job) if job else None)
            for url, origin, job in self._jobs
        ]


@dataclass
class _CodeJobs:
    """The four GitHub reads of the code repository, started together."""

    run: _Runner
    url: str
    origin: LinkOrigin
    repo: _Job
    contributors: _Job
    commits: _Job
    pull_requests: _Job

    @classmethod
    def start(cls, run: _Runner, github: GitHubReader, url: str, origin: LinkOrigin, since: datetime,
              limits: GatherLimits) -> _CodeJobs | None:
        try:
            ref = parse_source_url(url.strip())
        except InvalidSourceURL as exc:
            run.fail("code", "invalid_url", f"{url}: {exc}")
            return None
        if ref.kind != "github":
            run.fail("code", "invalid_url", f"{url}: not a GitHub repository URL")
            return None
        return cls(
            run, ref.canonical_url, origin,
            repo=run.submit("github.repo", _bind(github.repo, ref)),
            contributors=run.submit("github.contributors", _bind(github.contributors, ref)),
            commits=run.submit("github.commits", lambda: github.commits(ref, since=since, limit=limits.commit_limit)),
            pull_requests=run.submit("github.pull_requests",
                                     lambda: github.pull_requests(ref, limit=limits.pull_request_limit)),
        )

    def collect(self) -> CodeEvidence:
        return CodeEvidence(
            url=self.url,
            origin=self.origin,
            repo=self.run.optional(self.repo),
            contributors=self.run.optional(self.contributors),
            commits=self.run.optional(self.commits),
            pull_requests=self.run.optional(self.pull_requests),
        )


def _card_code(run: _Runner, github: GitHubReader, model: HubRepo, since: datetime,
               limits: GatherLimits) -> _CodeJobs | None:
    """The best GitHub repository the card links to (see `card_code_urls`), if any."""
    urls = card_code_urls(model)
    return _CodeJobs.start(run, github, urls[0], "card", since, limits) if urls else None


def _bind(read: Callable[[SourceRef], T], ref: SourceRef) -> Callable[[], T]:
    return lambda: read(ref)
