"""A fake Hugging Face Hub + GitHub REST API on 127.0.0.1 for hermetic tests and benchmarks.

One real HTTP server (Starlette under uvicorn, in a background thread, free port) serves both:
the hub at `hf_endpoint` (the root) and GitHub at `github_api_url` (``/github-api``).  Tests register
repositories through `add_model` / `add_dataset` / `add_github_repo`, inject faults with `inject`, slow every
request down with `latency`, and inspect `requests` (the log).  `reset()` drops faults, latency, the log and
every repository added after `mark_baseline()` (the seeds stay).
"""
from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import re2
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakehub.github_routes import handle_github
from tests.fakehub.hub_routes import handle_hub, split_raw_path
from tests.fakehub.repos import (FakeCommit, FakePull, FileContent, GitHubRepoFixture, HubRepoFixture,
                                 OrganizationFixture, RepoFileFixture, hub_tags)

GITHUB_PREFIX = "github-api"


@dataclass
class RequestRecord:
    """One request as the server saw it (`status` is filled in once answered; 0 if it never was)."""

    method: str
    path: str  # unquoted, without the query
    query: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class Fault:
    """Injected misbehaviour for requests whose path matches `pattern` (re2 search).

    `delay` seconds are slept first; then, if `status` is set, that status (with `headers`/`body`) is
    returned instead of the real answer.  `times` limits how many requests are affected (None: all).
    """

    pattern: str
    status: int | None = None
    delay: float = 0.0
    times: int | None = None
    method: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    hits: int = 0
    gate: threading.Event | None = None  # set: held requests go on (see FakeHub.hold)

    def matches(self, method: str, path: str) -> bool:
        if self.times is not None and self.hits >= self.times:
            return False
        if self.method is not None and self.method.upper() != method:
            return False
        return re2.search(self.pattern, path) is not None


class FakeHub:
    """The fake upstreams: fixture repositories, faults, latency and a request log behind one server."""

    def __init__(self) -> None:
        self.hub_repos: dict[tuple[str, str], HubRepoFixture] = {}
        self.hub_aliases: dict[tuple[str, str], str] = {}  # (repo_type, alias) -> canonical repo_id
        self.organizations: dict[str, OrganizationFixture] = {}
        self.github_repos: dict[str, GitHubRepoFixture] = {}
        self.latency = 0.0  # seconds added to every request (benchmarks)
        self._faults: list[Fault] = []
        self._log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._baseline = _Registrations()
        self._server: uvicorn.Server | None = None
        self._stopping = False
        self._thread: threading.Thread | None = None
        self.port = 0

    # --- lifecycle ----------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def hf_endpoint(self) -> str:
        """Pass as `HfApi(endpoint=...)` / ``HF_ENDPOINT``."""
        return self.base_url

    @property
    def github_api_url(self) -> str:
        """Pass as ``GITHUB_API_URL``."""
        return f"{self.base_url}/{GITHUB_PREFIX}"

    def start(self, port: int = 0) -> FakeHub:
        """Bind `port` (default: a free one) on 127.0.0.1 and serve in a daemon thread; returns once accepting
        connections. A stopped hub starts again on its old port (fault tests bring the hub back)."""
        self._stopping = False
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))
        self.port = sock.getsockname()[1]
        # log_config=None: leave the test process's logging configuration alone.
        config = uvicorn.Config(self.app(), log_config=None, log_level="warning", access_log=False,
                                lifespan="off", timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="fakehub")
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("fake hub server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Shut down promptly: pending injected delays end at once instead of holding the shutdown."""
        self._stopping = True
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "HEAD", "POST"])])

    # --- registration -------------------------------------------------------------------------------------

    def add_model(self, repo_id: str, files: dict[str, FileContent] | None = None, *, card: str | None = None,
                  tags: list[str] | None = None, **options: Any) -> HubRepoFixture:
        """Register a model, or push a new revision of one: the revision it replaces stays readable by its sha and
        by the tags it holds (`git_tags` are the tags of the new revision).  `card` becomes README.md; its YAML
        front matter is the cardData.

        `files` values: bytes (served), Path (served from disk) or int (size-only weight, never served).
        `tags` default to what the hub derives from the card.  `options` are `HubRepoFixture` fields:
        git_tags, branches, downloads, likes, library_name, pipeline_tag, gated ("auto"/"manual"),
        private (then it answers 404), created_at, last_modified, extra_info (merged into the info JSON),
        commits (`FakeHubCommit`s; by default the hub's initial commit and one upload by the owner).
        """
        return self._add_hub_repo("model", repo_id, files, card, tags, options)

    def add_dataset(self, repo_id: str, files: dict[str, FileContent] | None = None, *, card: str | None = None,
                    tags: list[str] | None = None, **options: Any) -> HubRepoFixture:
        """Register (or replace) a dataset; same arguments as `add_model`."""
        return self._add_hub_repo("dataset", repo_id, files, card, tags, options)

    def add_github_repo(self, full_name: str, files: dict[str, bytes | int] | None = None, *,
                        readme: str | None = None, license: str | None = None,
                        contributors: dict[str, int] | None = None, commits: Iterable[FakeCommit] = (),
                        pulls: Iterable[FakePull] = (), **options: Any) -> GitHubRepoFixture:
        """Register a GitHub repository ``owner/name``, or push a new revision of it (the replaced one stays
        readable by its head sha and by its tags, as with `add_model`).

        `readme` becomes README.md; `license` is an SPDX id (a LICENSE file is added); `options` are
        `GitHubRepoFixture` fields: description, default_branch, stars, forks, open_issues, archived,
        created_at, pushed_at, tags.
        """
        all_files = dict(files or {})
        if readme is not None:
            all_files["README.md"] = readme.encode()
        if license is not None:
            all_files.setdefault("LICENSE", f"{license} license text\n".encode())
        repo = GitHubRepoFixture(full_name=full_name, files=all_files, license_spdx=license,
                                 contributors=dict(contributors or {}), commits=list(commits), pulls=list(pulls),
                                 **options)
        with self._lock:
            old = self.github_repos.get(full_name.lower())
            if old is not None and old.head_sha != repo.head_sha:
                repo.previous = {**old.previous, old.head_sha: old}
            self.github_repos[full_name.lower()] = repo
        return repo

    def add_alias(self, alias: str, repo_id: str, repo_type: str = "model") -> None:
        """Make `alias` (a legacy id such as ``bert-base-uncased``) redirect to `repo_id`, as the hub does."""
        with self._lock:
            self.hub_aliases[(repo_type, alias)] = repo_id

    def add_organization(self, name: str, fullname: str, members: int, **options: Any) -> OrganizationFixture:
        """Register an organization (its overview shows `members`); other namespaces are users.
        `options` are `OrganizationFixture` fields: models, followers, verified."""
        organization = OrganizationFixture(name=name, fullname=fullname, members=members, **options)
        with self._lock:
            self.organizations[name] = organization
        return organization

    def _add_hub_repo(self, repo_type: str, repo_id: str, files: dict[str, FileContent] | None, card: str | None,
                      tags: list[str] | None, options: dict[str, Any]) -> HubRepoFixture:
        all_files = dict(files or {})
        if card is not None:
            all_files["README.md"] = card.encode()
        built = {path: RepoFileFixture.build(path, value) for path, value in all_files.items()}
        repo = HubRepoFixture(repo_type=repo_type, repo_id=repo_id, files=built, tags=[], **options)
        repo.tags = tags if tags is not None else hub_tags(repo.card_data, repo.library_name, repo.pipeline_tag)
        with self._lock:
            old = self.hub_repos.get((repo_type, repo_id))
            if old is not None and old.sha != repo.sha:
                repo.previous = {**old.previous, old.sha: old}
            self.hub_repos[(repo_type, repo_id)] = repo
        return repo

    # --- faults, latency, log -----------------------------------------------------------------------------

    def inject(self, pattern: str, *, status: int | None = None, delay: float = 0.0, times: int | None = None,
               method: str | None = None, headers: dict[str, str] | None = None,
               body: bytes | str = b"") -> Fault:
        """Make requests whose path matches `pattern` slow (`delay`) and/or fail (`status`); see `Fault`."""
        fault = Fault(pattern=pattern, status=status, delay=delay, times=times, method=method,
                      headers=dict(headers or {}), body=body.encode() if isinstance(body, str) else body)
        with self._lock:
            self._faults.append(fault)
        return fault

    def hold(self, pattern: str, method: str | None = None) -> threading.Event:
        """Hold requests whose path matches `pattern` until the returned event is set, then answer them as usual:
        a test sees work in flight without timing anything. `reset()` lets every held request go."""
        gate = threading.Event()
        with self._lock:
            self._faults.append(Fault(pattern=pattern, method=method, gate=gate))
        return gate

    def rate_limit_github(self, times: int | None = None) -> Fault:
        """GitHub's primary rate limit: 403 with X-RateLimit-Remaining: 0 and a reset a minute away."""
        reset = str(int(time.time()) + 60)
        return self.inject(f"^/{GITHUB_PREFIX}/", status=403, times=times,
                           headers={"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0",
                                    "X-RateLimit-Reset": reset, "Content-Type": "application/json"},
                           body='{"message": "API rate limit exceeded for 127.0.0.1."}')

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def count(self, pattern: str = "", method: str | None = None) -> int:
        """How many logged requests have a path matching `pattern` (re2 search) and the given method."""
        return sum(1 for r in self.requests
                   if (method is None or r.method == method.upper()) and re2.search(pattern, r.path) is not None)

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    def mark_baseline(self) -> None:
        """Remember the current repositories, aliases and organizations as the ones `reset()` returns to."""
        with self._lock:
            self._baseline = _Registrations(dict(self.hub_repos), dict(self.hub_aliases), dict(self.organizations),
                                            dict(self.github_repos))

    def reset(self) -> None:
        """Back to the baseline: no faults, no latency, empty log, registrations added since dropped."""
        with self._lock:
            for fault in self._faults:
                if fault.gate is not None:
                    fault.gate.set()
            self._faults.clear()
            self._log.clear()
            self.latency = 0.0
            self.hub_repos = dict(self._baseline.hub_repos)
            self.hub_aliases = dict(self._baseline.hub_aliases)
            self.organizations = dict(self._baseline.organizations)
            self.github_repos = dict(self._baseline.github_repos)

    # --- request handling ---------------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        segments = split_raw_path(request.scope.get("raw_path") or request.url.path.encode())
        record = RequestRecord(method=request.method, path="/" + "/".join(segments), query=request.url.query,
                               headers={k.lower(): v for k, v in request.headers.items()})
        with self._lock:
            self._log.append(record)
            fault = next((f for f in self._faults if f.matches(request.method, record.path)), None)
            if fault is not None:
                fault.hits += 1
            latency = self.latency
        await self._sleep(latency)
        response = await self._answer(request, segments, fault)
        record.status = response.status_code
        return response

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not self._stopping and (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))

    async def _answer(self, request: Request, segments: list[str], fault: Fault | None) -> Response:
        if fault is not None:
            while fault.gate is not None and not fault.gate.is_set() and not self._stopping:
                await asyncio.sleep(0.01)
            await self._sleep(fault.delay)
            if fault.status is not None:
                return Response(fault.body, status_code=fault.status, headers=fault.headers)
        if segments[:1] == [GITHUB_PREFIX]:
            return handle_github(request, self.github_api_url, segments[1:], self.github_repos)
        return await handle_hub(request, segments, self.hub_repos, self.hub_aliases, self.organizations)


@dataclass
class _Registrations:
    """What `reset()` returns to."""

    hub_repos: dict[tuple[str, str], HubRepoFixture] = field(default_factory=dict)
    hub_aliases: dict[tuple[str, str], str] = field(default_factory=dict)
    organizations: dict[str, OrganizationFixture] = field(default_factory=dict)
    github_repos: dict[str, GitHubRepoFixture] = field(default_factory=dict)


def utc(year: int, month: int, day: int, hour: int = 12) -> datetime:
    """Shorthand for fixture dates."""
    return datetime(year, month, day, hour, tzinfo=timezone.utc)
