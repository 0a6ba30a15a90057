"""The GitHub REST API as a source: repository metadata, contributors, commits and reviewed pull requests.

Requests go only to the configured `api_url` (``GITHUB_API_URL``): pagination and redirects are followed
only while they stay on that origin, so a response can never steer the registry to another host.
"""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import httpx

from scoring.errors import SourceError, SourceNotFound, SourceRateLimited, SourceUnavailable
from scoring.sources.retry import build_retrying
from scoring.sources.types import (GitHubCommit, GitHubContributor, GitHubPullRequest, GitHubRepo, RepoFile,
                                   SourceRef)
from scoring.sources.url import is_valid_name

WEIGHT_SUFFIXES = (".bin", ".safetensors", ".h5", ".onnx", ".pt", ".ckpt", ".pth", ".msgpack", ".gguf")
_JSON = "application/vnd.github+json"
_RAW = "application/vnd.github.raw+json"
_PER_PAGE = 100
_MAX_REDIRECTS = 3


class GitHubSource:
    """Reads public repositories through the GitHub REST API at `api_url`.

    `retries` extra attempts (exponential `backoff`) on timeouts, connection errors and 5xx; a rate limit
    (403/429 with rate-limit headers) fails at once with `SourceRateLimited`.  Lists stop after
    `max_pages` pages; per-PR detail requests run on up to `max_workers` threads.
    """

    def __init__(
        self,
        api_url: str,
        token: str | None,
        timeout: float = 15,
        retries: int = 3,
        backoff: float = 0.5,
        max_pages: int = 10,
        max_workers: int = 8,
        archive_hosts: tuple[str, ...] = ("codeload.github.com",),
    ) -> None:
        self._api_url = httpx.URL(api_url.rstrip("/") + "/")
        self._token = token
        self._timeout = timeout
        self._retrying = build_retrying(retries, backoff)
        self._max_pages = max_pages
        self._max_workers = max_workers
        self._archive_hosts = archive_hosts
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    # --- public API ---------------------------------------------------------------------------------------

    def repo(self, ref: SourceRef) -> GitHubRepo:
        """Repository metadata plus, at one commit (the head of the URL's revision, else of the default branch):
        README text, the recursive file tree (with sizes) and the names of the tags pointing at that commit."""
        data = self._get_json(_repo_path(ref))
        if not isinstance(data, dict):
            raise SourceError(f"GitHub returned a {type(data).__name__} for repository {ref.repo_id}")
        full_name = str(data.get("full_name") or "")
        if full_name.count("/") != 1 or not all(is_valid_name(part) for part in full_name.split("/")):
            full_name = ref.repo_id
        base = f"repos/{full_name}"  # a renamed repository answered through a redirect: use its new name
        default_branch = str(data.get("default_branch") or "main")
        sha = self._head(base, ref.revision or default_branch)
        at = sha or ref.revision or default_branch
        with ThreadPoolExecutor(max_workers=3) as pool:
            readme = pool.submit(self._readme, base, sha or ref.revision)
            tree = pool.submit(self._tree, base, at)
            tags = pool.submit(self._paged, f"{base}/tags", {}, 300)
        return GitHubRepo(
            ref=ref,
            full_name=full_name,
            default_branch=default_branch,
            description=data.get("description"),
            license_spdx=_spdx(data.get("license")),
            stars=int(data.get("stargazers_count") or 0),
            forks=int(data.get("forks_count") or 0),
            open_issues=int(data.get("open_issues_count") or 0),
            archived=bool(data.get("archived")),
            created_at=_date(data.get("created_at")),
            pushed_at=_date(data.get("pushed_at")),
            readme=readme.result(),
            sha=sha,
            tree=tree.result(),
            git_tags=[str(tag["name"]) for tag in tags.result()
                      if sha is not None and (tag.get("commit") or {}).get("sha") == sha],
        )

    def iter_archive(self, ref: SourceRef, revision: str, chunk_size: int = 1 << 20) -> Iterator[bytes]:
        """Stream the zip archive of the repository at `revision` (a commit sha): ``/repos/{o}/{r}/zipball/{rev}``.

        GitHub answers with a redirect to its archive host (``codeload.github.com``): followed on the API's own
        origin or over https to one of `archive_hosts`, without our token (the redirect carries its own). Opening
        is retried; a stream broken half-way raises `SourceUnavailable`. Errors surface on first iteration."""
        url = self._url(f"{_repo_path(ref)}/zipball/{quote(revision, safe='')}")
        response = self._retrying.copy()(lambda: self._open_archive(url))
        try:
            yield from response.iter_bytes(chunk_size)
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"the archive of {ref.repo_id} broke off ({type(exc).__name__})") from exc
        finally:
            response.close()

    def contributors(self, ref: SourceRef, limit: int = 500) -> list[GitHubContributor]:
        """Contributors by commit count, as GitHub ranks them (at most `limit`)."""
        rows = self._paged(f"{_repo_path(ref)}/contributors", {}, limit)
        return [GitHubContributor(login=str(row.get("login") or row.get("name") or "anonymous"),
                                  contributions=int(row.get("contributions") or 0)) for row in rows]

    def commits(self, ref: SourceRef, since: datetime | None = None, limit: int = 300) -> list[GitHubCommit]:
        """The newest commits (on the URL's branch when it named one), optionally only those after `since`.

        A naive `since` is taken as UTC.
        """
        params: dict[str, str] = {}
        if since is not None:
            params["since"] = _utc_iso(since)
        if ref.revision:
            params["sha"] = ref.revision
        rows = self._paged(f"{_repo_path(ref)}/commits", params, limit)
        return [_commit(row) for row in rows]

    def pull_requests(self, ref: SourceRef, limit: int = 50) -> list[GitHubPullRequest]:
        """The most recently updated closed PRs; merged ones with non-weight additions and review approval."""
        base = _repo_path(ref)
        rows = self._paged(f"{base}/pulls", {"state": "closed", "sort": "updated", "direction": "desc"}, limit)
        with ThreadPoolExecutor(max_workers=self._max_workers) as pool:
            return list(pool.map(lambda row: self._pull_request(base, row), rows))

    def license(self, ref: SourceRef) -> str | None:
        """SPDX id GitHub detected in the license file (``NOASSERTION`` when unrecognised), None without one."""
        data = self._get_json(f"{_repo_path(ref)}/license", missing_ok=True)
        return _spdx(data.get("license")) if data else None

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def ping(self, timeout: float = 3.0) -> None:
        """Raise SourceUnavailable unless the API answers HTTP at all (any status below 500), once, no retries."""
        try:
            status = self._http().get(self._api_url, timeout=min(timeout, self._timeout)).status_code
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"cannot reach GitHub ({type(exc).__name__})") from exc
        if status >= 500:
            raise SourceUnavailable(f"GitHub answers {status}")

    # --- requests -----------------------------------------------------------------------------------------

    def _http(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                headers = {"Accept": _JSON, "X-GitHub-Api-Version": "2022-11-28",
                           "User-Agent": "trustworthy-model-registry"}
                if self._token:
                    headers["Authorization"] = f"Bearer {self._token}"
                self._client = httpx.Client(headers=headers, timeout=self._timeout, follow_redirects=False)
            return self._client

    def _get(self, url: httpx.URL, params: dict[str, str] | None = None, accept: str = _JSON) -> httpx.Response:
        """GET with retries on transient failures; raises the source errors for every failed status."""
        return self._retrying.copy()(lambda: self._get_once(url, params, accept))

    def _get_once(self, url: httpx.URL, params: dict[str, str] | None, accept: str) -> httpx.Response:
        for _ in range(_MAX_REDIRECTS + 1):
            try:
                response = self._http().get(url, params=params, headers={"Accept": accept})
            except httpx.TimeoutException as exc:
                raise SourceUnavailable(f"GitHub timed out on {url.path} ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise SourceUnavailable(f"cannot reach GitHub for {url.path} ({type(exc).__name__})") from exc
            location = response.headers.get("Location")
            if not response.is_redirect or location is None:
                _check_status(response)
                return response
            url = response.url.join(location)
            params = None  # the Location carries the query
            if not self._same_origin(url):
                raise SourceError(f"GitHub redirected to another host ({url.host}); not followed")
        raise SourceError(f"too many redirects from GitHub for {url.path}")

    def _open_archive(self, url: httpx.URL) -> httpx.Response:
        """The archive's streamed response after following its redirects (see `iter_archive`)."""
        for _ in range(_MAX_REDIRECTS + 1):
            request = self._http().build_request("GET", url)
            if not self._same_origin(url):
                del request.headers["Authorization"]  # the archive host's URL is its own credential
            try:
                response = self._http().send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise SourceUnavailable(f"GitHub timed out on {url.path} ({type(exc).__name__})") from exc
            except httpx.TransportError as exc:
                raise SourceUnavailable(f"cannot reach GitHub for {url.path} ({type(exc).__name__})") from exc
            location = response.headers.get("Location")
            if response.is_redirect and location is not None:
                response.close()
                url = response.url.join(location)
                if not (self._same_origin(url) or (url.scheme == "https" and url.host in self._archive_hosts)):
                    raise SourceError(f"GitHub redirected the archive to another host ({url.host}); not followed")
                continue
            if response.status_code >= 400:
                response.read()  # the status check reads the message
                response.close()
            _check_status(response)
            return response
        raise SourceError(f"too many redirects from GitHub for {url.path}")

    def _head(self, base: str, revision: str) -> str | None:
        """The commit `revision` (branch, tag or sha) names; None for an empty repository."""
        try:
            response = self._get(self._url(f"{base}/commits/{quote(revision, safe='')}"))
        except SourceNotFound:
            raise SourceNotFound(f"GitHub {base}: no revision {revision!r}") from None
        if response.status_code == 409:  # empty repository
            return None
        sha = _json(response).get("sha")
        return str(sha) if isinstance(sha, str) and sha else None

    def _get_json(self, path: str, missing_ok: bool = False) -> Any:
        try:
            response = self._get(self._url(path))
        except SourceNotFound:
            if missing_ok:
                return None
            raise
        return _json(response)

    def _paged(self, path: str, params: dict[str, str], limit: int) -> list[dict[str, Any]]:
        """Up to `limit` items of a list endpoint, following ``Link: rel="next"`` on our origin only."""
        url: httpx.URL | None = self._url(path)
        query: dict[str, str] | None = {**params, "per_page": str(min(_PER_PAGE, max(limit, 1)))}
        items: list[dict[str, Any]] = []
        pages = 0
        while url is not None and len(items) < limit and pages < self._max_pages:
            response = self._get(url, query)
            pages += 1
            if response.status_code in (204, 409):  # empty repository
                break
            page = _json(response)
            if not isinstance(page, list):
                raise SourceError(f"GitHub returned a {type(page).__name__} for list {path}")
            items.extend(page)
            url, query = self._next_page(response), None
        return items[:limit]

    def _next_page(self, response: httpx.Response) -> httpx.URL | None:
        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        url = response.url.join(link)
        return url if self._same_origin(url) else None

    def _url(self, path: str) -> httpx.URL:
        return self._api_url.join(path)

    def _same_origin(self, url: httpx.URL) -> bool:
        base = self._api_url
        return (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)

    # --- pieces -------------------------------------------------------------------------------------------

    def _readme(self, base: str, revision: str | None) -> str:
        params = {"ref": revision} if revision else None
        try:
            return self._get(self._url(f"{base}/readme"), params, accept=_RAW).text
        except SourceNotFound:
            return ""

    def _tree(self, base: str, revision: str) -> list[RepoFile]:
        try:
            response = self._get(self._url(f"{base}/git/trees/{quote(revision, safe='')}"), {"recursive": "1"})
        except SourceNotFound:
            return []
        if response.status_code == 409:  # empty repository
            return []
        entries = _json(response).get("tree", [])
        return [RepoFile(path=str(e["path"]), size=int(e.get("size") or 0), blob_id=e.get("sha"))
                for e in entries if e.get("type") == "blob"]

    def _pull_request(self, base: str, row: dict[str, Any]) -> GitHubPullRequest:
        number = int(row["number"])
        author = (row.get("user") or {}).get("login")
        merged = row.get("merged_at") is not None
        additions, approved = 0, False
        if merged:
            files = self._paged(f"{base}/pulls/{number}/files", {}, 3000)
            additions = sum(int(f.get("additions") or 0) for f in files if not is_weight_file(str(f["filename"])))
            reviews = self._paged(f"{base}/pulls/{number}/reviews", {}, 300)
            approved = any(r.get("state") == "APPROVED" and (r.get("user") or {}).get("login") not in (None, author)
                           for r in reviews)
        return GitHubPullRequest(number=number, author=author, merged=merged, additions=additions,
                                 approved_by_other=approved)


def is_weight_file(path: str) -> bool:
    """Model weights are not code: their 'additions' never count as reviewed code."""
    return path.lower().endswith(WEIGHT_SUFFIXES)


def _repo_path(ref: SourceRef) -> str:
    if ref.kind != "github":
        raise ValueError(f"GitHubSource cannot read a {ref.kind} reference")
    return f"repos/{ref.owner}/{ref.name}"


def _check_status(response: httpx.Response) -> None:
    """Map an error status to the source errors (409 'empty repository' is left to the caller)."""
    status = response.status_code
    what = f"GitHub {response.request.url.path}"
    if status < 400 or status == 409:
        return
    if status in (403, 429) and _is_rate_limited(response):
        retry_after = _retry_after(response)
        hint = f"; retry in {retry_after:.0f} s" if retry_after is not None else ""
        raise SourceRateLimited(f"rate limited by GitHub ({status}) on {what}{hint}", retry_after=retry_after)
    if status in (403, 404, 410, 422, 451):  # 422: GitHub's answer for a revision that names no commit
        raise SourceNotFound(f"{what}: {status} {_message(response)}")
    if status == 401:
        raise SourceError(f"{what}: GitHub rejected the token (401)")
    if status >= 500:
        raise SourceUnavailable(f"{what}: GitHub error {status}")
    raise SourceError(f"{what}: unexpected GitHub status {status} {_message(response)}")


def _is_rate_limited(response: httpx.Response) -> bool:
    headers = response.headers
    return (response.status_code == 429 or headers.get("x-ratelimit-remaining") == "0"
            or "retry-after" in headers or "rate limit" in _message(response).lower())


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    if value.isdigit():
        return float(value)
    reset = response.headers.get("x-ratelimit-reset", "")
    if reset.isdigit():
        return max(0.0, float(reset) - time.time())
    return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    return str(body.get("message", "")) if isinstance(body, dict) else ""


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SourceError(f"GitHub returned invalid JSON for {response.request.url.path}") from exc


def _spdx(license_info: Any) -> str | None:
    if isinstance(license_info, dict) and license_info.get("spdx_id"):
        return str(license_info["spdx_id"])
    return None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _utc_iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _commit(row: dict[str, Any]) -> GitHubCommit:
    git_author = (row.get("commit") or {}).get("author") or {}
    login = (row.get("author") or {}).get("login")
    return GitHubCommit(sha=str(row["sha"]), author=login or git_author.get("name"), date=_date(git_author.get("date")))
