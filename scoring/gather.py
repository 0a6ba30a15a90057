"""Evidence gathering: all the I/O of a rating, run concurrently, with a deadline per source.

Order of requests (each arrow is a dependency; everything else runs at once):

    model ──────────────► datasets found in the card; the model's code (card link, else its library's repository:
                          metadata and contributors only);
                          the model it converts, when it is an export of another (lineage.converted_from)
    model's hub commits, its namespace's overview   (start with the model; again under the canonical id if the
                                                     hub answered the model under another one, an alias)
    caller's datasets     (start at once, in parallel with the model)
    caller's code URL ──► github repo | contributors | commits | pull requests   (start at once, in parallel)

The model is either read from the hub (a `SourceRef`) or given (an uploaded package's card, config and files as
a `HubRepo`, built by the caller): a package has no hub history, so only its datasets and code are read.

A secondary source that fails or misses its deadline is recorded in `Evidence.failures` and the rating
goes on without it; only the model itself is required. `Evidence.waits` records when each source's answer
(or failure) was in hand, counted from the start of gathering.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
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
    card_dataset_urls,
    code_candidates,
)
from scoring.lineage import converted_from
from scoring.sources.types import (GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, HubCommit,
                                   HubNamespace, HubRepo, SourceRef)
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
    hub_commit_limit: int = 300


class HubReader(Protocol):
    def fetch(self, ref: SourceRef) -> HubRepo: ...

    def commits(self, ref: SourceRef, limit: int = 300) -> list[HubCommit]: ...

    def namespace(self, owner: str) -> HubNamespace: ...


class GitHubReader(Protocol):
    def repo(self, ref: SourceRef) -> GitHubRepo: ...

    def contributors(self, ref: SourceRef) -> list[GitHubContributor]: ...

    def commits(self, ref: SourceRef, since: datetime | None = None, limit: int = 300) -> list[GitHubCommit]: ...

    def pull_requests(self, ref: SourceRef, limit: int = 50) -> list[GitHubPullRequest]: ...


@dataclass
class _Job:
    """A submitted read and its deadline (time.monotonic), counted from its own submission; `done` is when the
    read finished (time.monotonic), set by the worker."""

    source: str
    future: Future[Any]
    timeout: float
    deadline: float
    done: list[float] = field(default_factory=list)


def gather_evidence(
    model: SourceRef | HubRepo,
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

    `model` is a hub model to read (`SourceRef`) or an uploaded package's contents (`HubRepo`, origin
    "package"). Raises SourceNotFound / SourceUnavailable only when a hub model itself cannot be fetched (a
    timeout of the model is SourceUnavailable). `now` fixes `gathered_at` (and the commit window) for tests.
    """
    gathered_at = now or datetime.now(timezone.utc)
    since = gathered_at - limits.commit_window
    # every read of the longest plan at once: the model, 2 + 2 people reads (an alias), 4 code reads, the base
    # model of a conversion, the datasets
    pool = ThreadPoolExecutor(max_workers=10 + limits.max_datasets, thread_name_prefix="gather")
    try:
        run = _Runner(pool, timeout)
        caller_code = _CodeJobs.start(run, github, code_url, "caller", since, limits) if code_url else None
        datasets = _DatasetJobs(run, hub, limits.max_datasets)
        datasets.start([(url, "caller") for url in dataset_urls if url.strip()])
        if isinstance(model, HubRepo):
            repo, people = model, None
        else:
            repo, people = _hub_model(run, hub, model, limits)
        datasets.start([(url, "card") for url in card_dataset_urls(repo)])
        code = caller_code or _model_code(run, github, repo, since, limits)
        base = _base_model(run, hub, repo)
        commits, namespace = people.collect() if people else (None, None)
        return Evidence(
            origin="package" if isinstance(model, HubRepo) else "hub",
            model=repo,
            model_commits=commits,
            namespace=namespace,
            base_model=run.optional(base) if base else None,
            datasets=datasets.collect(),
            code=code.collect() if code else None,
            parent_scores=list(parent_scores),
            failures=run.failures,
            gathered_at=gathered_at,
            commits_since=since if code else None,
            waits=run.waits,
        )
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a stuck read must not hold the rating


def _hub_model(run: _Runner, hub: HubReader, ref: SourceRef, limits: GatherLimits) -> tuple[HubRepo, _PeopleJobs]:
    """The model, with the reads of who maintains it started alongside; when the hub answered under another
    id (an alias), those reads start again under that canonical id, so every spelling gets the same evidence."""
    people = _PeopleJobs.start(run, hub, ref, limits)
    repo = run.required("model", lambda: hub.fetch(ref))
    if repo.ref.repo_id != ref.repo_id:
        people = _PeopleJobs.start(run, hub, repo.ref, limits)
    return repo, people


class _Runner:
    """Submits reads to the pool and waits for each within its own deadline, recording failures and waits."""

    def __init__(self, pool: ThreadPoolExecutor, timeout: float) -> None:
        self._pool = pool
        self._timeout = timeout
        self._started = time.monotonic()
        self.failures: list[SourceFailure] = []
        self.waits: dict[str, float] = {}

    def submit(self, source: str, read: Callable[[], Any]) -> _Job:
        done: list[float] = []

        def timed() -> Any:
            try:
                return read()
            finally:
                done.append(time.monotonic())

        return _Job(source, self._pool.submit(timed), self._timeout, time.monotonic() + self._timeout, done)

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
        finally:
            self._waited(source, time.monotonic())

    def optional(self, job: _Job) -> Any | None:
        """A secondary read's result, or None with the failure recorded (never raises)."""
        try:
            return job.future.result(timeout=max(0.0, job.deadline - time.monotonic()))
        except FutureTimeout:
            self.fail(job.source, "timeout", f"no answer within {job.timeout:g} s")
        except Exception as exc:  # noqa: BLE001 - any failure of a secondary source is evidence, not a crash
            self.fail(job.source, _kind(exc), str(exc) or type(exc).__name__)
        finally:
            self._waited(job.source, job.done[0] if job.done else time.monotonic())
        return None

    def fail(self, source: str, kind: FailureKind, reason: str) -> None:
        self.failures.append(SourceFailure(source=source, kind=kind, reason=reason))

    def _waited(self, source: str, until: float) -> None:
        self.waits[source] = max(self.waits.get(source, 0.0), until - self._started)


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
        """The datasets in link order; a repository linked twice under two ids (an alias) is kept once."""
        collected: list[DatasetEvidence] = []
        read: set[str] = set()
        for url, origin, job in self._jobs:
            repo = self._run.optional(job) if job else None
            if repo is None or repo.ref.repo_id.lower() not in read:
                collected.append(DatasetEvidence(url=url, origin=origin, repo=repo))
            if repo is not None:
                read.add(repo.ref.repo_id.lower())
        return collected


@dataclass
class _CodeJobs:
    """The GitHub reads of the code repository, started together. Library code is read for what the metrics use
    of it (metadata and contributors): its recent commits and reviews are not this model's (reviewedness does not
    apply to it), and for a library the size of transformers they would be most of the rating's requests."""

    run: _Runner
    url: str
    origin: LinkOrigin
    repo: _Job
    contributors: _Job
    commits: _Job | None
    pull_requests: _Job | None

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
        own = origin != "library"
        return cls(
            run, ref.canonical_url, origin,
            repo=run.submit("github.repo", _bind(github.repo, ref)),
            contributors=run.submit("github.contributors", _bind(github.contributors, ref)),
            commits=run.submit("github.commits", lambda: github.commits(ref, since=since, limit=limits.commit_limit))
            if own else None,
            pull_requests=run.submit("github.pull_requests",
                                     lambda: github.pull_requests(ref, limit=limits.pull_request_limit))
            if own else None,
        )

    def collect(self) -> CodeEvidence:
        return CodeEvidence(
            url=self.url,
            origin=self.origin,
            repo=self.run.optional(self.repo),
            contributors=self.run.optional(self.contributors),
            commits=self.run.optional(self.commits) if self.commits else None,
            pull_requests=self.run.optional(self.pull_requests) if self.pull_requests else None,
        )


@dataclass
class _PeopleJobs:
    """The hub reads of who maintains a model: its repository's commits and its namespace's overview."""

    run: _Runner
    commits: _Job
    namespace: _Job | None

    @classmethod
    def start(cls, run: _Runner, hub: HubReader, ref: SourceRef, limits: GatherLimits) -> _PeopleJobs:
        commits = run.submit("hub.commits", lambda: hub.commits(ref, limit=limits.hub_commit_limit))
        owner = ref.owner
        namespace = run.submit("hub.namespace", lambda: hub.namespace(owner)) if owner else None
        return cls(run, commits, namespace)

    def collect(self) -> tuple[list[HubCommit] | None, HubNamespace | None]:
        return self.run.optional(self.commits), self.run.optional(self.namespace) if self.namespace else None


def _model_code(run: _Runner, github: GitHubReader, model: HubRepo, since: datetime,
                limits: GatherLimits) -> _CodeJobs | None:
    """The best place of the model's code (see `code_candidates`): a card link of its own, else its library."""
    candidates = code_candidates(model)
    if not candidates:
        return None
    url, origin = candidates[0]
    return _CodeJobs.start(run, github, url, origin, since, limits)


def _base_model(run: _Runner, hub: HubReader, model: HubRepo) -> _Job | None:
    """The read of the model this one converts (its card documents the conversion too), if it is a conversion."""
    base = converted_from(model)
    return run.submit("base_model", _bind(hub.fetch, parse_source_url(base))) if base else None


def _bind(read: Callable[[SourceRef], T], ref: SourceRef) -> Callable[[], T]:
    return lambda: read(ref)
