"""The GitHub REST endpoints GitHubSource calls, answered from fixture repositories.

Implemented under the API base: /repos/{o}/{r}, /readme (raw or base64 JSON, ``?ref=``), /license,
/git/trees/{rev} (``?recursive=1``), /tags (each with its commit), /contributors, /commits (``?since=``),
/commits/{rev} (the commit a branch, tag or sha names), /pulls (``?state=``), /pulls/{n}/files, /pulls/{n}/reviews,
and /zipball/{rev}, which redirects (302, like GitHub's to codeload.github.com) to ``/_codeload/{o}/{r}/legacy.zip/
{sha}`` under the same base, where the revision's archive is served.  A revision may name an older revision of a
repository that was added again (`GitHubRepoFixture.previous`).  Lists paginate with ``per_page``/``page`` and a
``Link`` header like GitHub's.  Owner/repo lookups are case-insensitive, as on GitHub.
"""
from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tests.fakehub.repos import FakeCommit, GitHubRepoFixture, tag_targets

GitHubRepos = Mapping[str, GitHubRepoFixture]  # full_name.lower() -> repo
_EPOCH = datetime(2024, 1, 15, 12, 0, tzinfo=timezone.utc)


def github_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse({"message": message, "documentation_url": "https://docs.github.com/rest"},
                        status_code=status, headers=headers)


def handle_github(request: Request, api_url: str, segments: list[str], repos: GitHubRepos) -> Response:
    """Dispatch a request whose path (below the API base) is `segments`."""
    if len(segments) < 3 or segments[0] not in ("repos", "_codeload"):
        return github_error(404, "Not Found")
    repo = repos.get(f"{segments[1]}/{segments[2]}".lower())
    if repo is None:
        return github_error(404, "Not Found")
    rest = segments[3:]
    if segments[0] == "_codeload":
        revision = repo.at(rest[1]) if rest[:1] == ["legacy.zip"] and len(rest) == 2 else None
        if revision is None:
            return github_error(404, "Not Found")
        return Response(revision.archive(), media_type="application/zip")
    if not rest:
        return JSONResponse(repo.repo_json(api_url))
    if rest[0] == "zipball" and len(rest) == 2:
        revision = repo.at(rest[1])
        if revision is None:
            return github_error(404, "Not Found")
        return Response(status_code=302, headers={
            "Location": f"{api_url}/_codeload/{repo.full_name}/legacy.zip/{revision.head_sha}"})
    route = _ROUTES.get((rest[0], len(rest)))
    if route is None:
        return github_error(404, "Not Found")
    return route(request, repo, rest)


def _readme(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    revision = repo.at(request.query_params.get("ref") or repo.default_branch)
    text = revision.readme if revision is not None else None
    if text is None:
        return github_error(404, "Not Found")
    if "raw" in request.headers.get("accept", ""):
        return Response(text, media_type="text/plain; charset=utf-8")
    return JSONResponse({"name": "README.md", "path": "README.md", "size": len(text), "encoding": "base64",
                         "content": base64.b64encode(text).decode()})


def _license(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    if not repo.license_spdx:
        return github_error(404, "Not Found")
    license_json = repo.repo_json("")["license"]
    return JSONResponse({"name": "LICENSE", "path": "LICENSE", "license": license_json})


def _tree(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    revision = repo.at(rest[2])
    if rest[1] != "trees" or revision is None:
        return github_error(404, "Not Found")
    if not revision.files:
        return github_error(409, "Git Repository is empty.")
    entries = revision.tree_json()
    if request.query_params.get("recursive") in (None, "", "0", "false"):
        entries = [e for e in entries if "/" not in e["path"]]
    return JSONResponse({"sha": rest[2], "tree": entries, "truncated": False})


def _tags(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    return _page(request, [{"name": tag, "commit": {"sha": sha}} for tag, sha in tag_targets(repo).items()])


def _commit(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    revision = repo.at(rest[1])
    if revision is None:
        return github_error(422, f"No commit found for SHA: {rest[1]}")
    if not revision.files:
        return github_error(409, "Git Repository is empty.")
    newest = max(revision.commits, key=lambda c: c.date) if revision.commits else FakeCommit(None, _EPOCH)
    return JSONResponse({**newest.json(), "sha": revision.head_sha})


def _contributors(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    ranked = sorted(repo.contributors.items(), key=lambda kv: -kv[1])
    if not ranked:
        return Response(status_code=204)
    return _page(request, [{"login": login, "contributions": n, "type": "User"} for login, n in ranked])


def _commits(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    if not repo.commits:
        return github_error(409, "Git Repository is empty.")
    commits = sorted(repo.commits, key=lambda c: c.date, reverse=True)
    since = request.query_params.get("since")
    if since:
        cutoff = datetime.fromisoformat(since.replace(" ", "+"))
        if cutoff.tzinfo is None:
            cutoff = cutoff.replace(tzinfo=timezone.utc)
        commits = [c for c in commits if c.date >= cutoff]
    return _page(request, [c.json() for c in commits])


def _pulls(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    state = request.query_params.get("state", "open")
    pulls = sorted(repo.pulls, key=lambda p: p.closed_at, reverse=True)
    return _page(request, [p.json() for p in pulls if state == "all" or p.state == state])


def _pull_detail(request: Request, repo: GitHubRepoFixture, rest: list[str]) -> Response:
    pull = next((p for p in repo.pulls if str(p.number) == rest[1]), None)
    if pull is None:
        return github_error(404, "Not Found")
    if rest[2] == "files":
        return _page(request, [{"filename": name, "status": "modified", "additions": n, "deletions": 0,
                                "changes": n} for name, n in pull.files.items()])
    if rest[2] == "reviews":
        return _page(request, [{"id": i + 1, "user": {"login": login}, "state": state}
                               for i, (login, state) in enumerate(pull.reviews)])
    return github_error(404, "Not Found")


def _page(request: Request, rows: list[dict[str, Any]]) -> Response:
    """One page of `rows` with GitHub's Link header (absolute URLs with the other query parameters kept)."""
    per_page = min(100, max(1, int(request.query_params.get("per_page", "30"))))
    page = max(1, int(request.query_params.get("page", "1")))
    last = max(1, -(-len(rows) // per_page))
    links = []
    if page < last:
        links.append(f'<{request.url.include_query_params(page=page + 1)}>; rel="next"')
        links.append(f'<{request.url.include_query_params(page=last)}>; rel="last"')
    headers = {"Link": ", ".join(links)} if links else None
    return JSONResponse(rows[(page - 1) * per_page: page * per_page], headers=headers)


_Route = Callable[[Request, GitHubRepoFixture, list[str]], Response]
_ROUTES: dict[tuple[str, int], _Route] = {
    ("readme", 1): _readme,
    ("license", 1): _license,
    ("git", 3): _tree,
    ("tags", 1): _tags,
    ("contributors", 1): _contributors,
    ("commits", 1): _commits,
    ("commits", 2): _commit,
    ("pulls", 1): _pulls,
    ("pulls", 3): _pull_detail,
}
