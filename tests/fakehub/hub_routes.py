"""The Hugging Face Hub endpoints huggingface_hub 2.x calls, answered from fixture repositories.

Implemented: GET /api/{models,datasets}/{id}[/revision/{rev}] (``?blobs=true`` adds sizes and LFS data),
GET .../refs (each tag with the commit it points at), GET .../tree/{rev}[/{path}], POST .../paths-info/{rev},
GET .../commits/{rev} (newest first,
pages of `COMMITS_PER_PAGE` with ``?p=N`` and a ``Link`` header), GET /api/organizations/{name}/overview
(404 for a name that is not an organization), and GET/HEAD /[datasets/]{id}/resolve/{rev}/{path} with
X-Repo-Commit, ETag, X-Linked-Etag and X-Linked-Size headers. A revision (branch, tag or sha) may name an older
revision of a repository that was added again (`HubRepoFixture.previous`): metadata, trees and files are then that
revision's.
An alias (a legacy id such as ``bert-base-uncased``) answers 307 with the same path under the canonical id.
Errors carry X-Error-Code (RepoNotFound, RevisionNotFound, EntryNotFound, GatedRepo) like the real hub.
"""
from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response

from tests.fakehub.repos import HubRepoFixture, OrganizationFixture, RepoFileFixture, git_blob_sha

HubRepos = Mapping[tuple[str, str], HubRepoFixture]  # (repo_type, repo_id) -> repo
Aliases = Mapping[tuple[str, str], str]  # (repo_type, alias) -> canonical repo_id
Organizations = Mapping[str, OrganizationFixture]  # name -> organization
COMMITS_PER_PAGE = 50


def hub_error(status: int, code: str, message: str) -> Response:
    return JSONResponse({"error": message}, status_code=status,
                        headers={"X-Error-Code": code, "X-Error-Message": message})


async def handle_hub(request: Request, segments: list[str], repos: HubRepos, aliases: Aliases,
                     organizations: Organizations) -> Response:
    """Dispatch a hub request given its already-unquoted path segments."""
    if segments[:2] == ["api", "organizations"] and len(segments) == 4 and segments[3] == "overview":
        organization = organizations.get(segments[2])
        if organization is None:
            return JSONResponse({"error": "Organization not found"}, status_code=404)
        return JSONResponse(organization.overview_json())
    if len(segments) >= 2 and segments[0] == "api" and segments[1] in ("models", "datasets"):
        return _redirect(request, segments, 2, segments[1][:-1], repos, aliases) or \
            await _api(request, segments[1][:-1], segments[2:], repos)
    if segments and segments[0] == "datasets":
        return _redirect(request, segments, 1, "dataset", repos, aliases) or \
            _resolve(request, "dataset", segments[1:], repos)
    return _redirect(request, segments, 0, "model", repos, aliases) or _resolve(request, "model", segments, repos)


def _redirect(request: Request, segments: list[str], start: int, repo_type: str, repos: HubRepos,
              aliases: Aliases) -> Response | None:
    """307 to the canonical id when the repository segments at `start` name an alias rather than a repository."""
    if _split_repo(repo_type, segments[start:], repos)[0] is not None:
        return None
    for length in (2, 1):
        canonical = aliases.get((repo_type, "/".join(segments[start:start + length])))
        if canonical is not None and len(segments) >= start + length:
            path = "/" + "/".join([*segments[:start], canonical, *segments[start + length:]])
            query = f"?{request.url.query}" if request.url.query else ""
            return Response(status_code=307, headers={"Location": path + query})
    return None


def _split_repo(repo_type: str, segments: list[str], repos: HubRepos) -> tuple[HubRepoFixture | None, list[str]]:
    """Find the repository named by the leading one or two segments (``org/name`` or legacy ``name``)."""
    if len(segments) >= 2 and (repo_type, f"{segments[0]}/{segments[1]}") in repos:
        return repos[(repo_type, f"{segments[0]}/{segments[1]}")], segments[2:]
    if segments and (repo_type, segments[0]) in repos:
        return repos[(repo_type, segments[0])], segments[1:]
    return None, segments[2:]


def _not_found(repo: HubRepoFixture | None) -> Response | None:
    if repo is None or repo.private:
        return hub_error(404, "RepoNotFound", "Repository not found")
    return None


async def _api(request: Request, repo_type: str, segments: list[str], repos: HubRepos) -> Response:
    repo, rest = _split_repo(repo_type, segments, repos)
    if (missing := _not_found(repo)) is not None:
        return missing
    assert repo is not None
    blobs = request.query_params.get("blobs", "").lower() in ("1", "true")
    if not rest:
        return JSONResponse(repo.info_json(blobs))
    action, args = rest[0], rest[1:]
    if action == "refs" and not args:
        return JSONResponse(repo.refs_json())
    if action not in ("revision", "tree", "paths-info", "commits") or not args:
        return hub_error(404, "NotFound", "Not found")
    revision = repo.at(args[0])
    if revision is None:
        return hub_error(404, "RevisionNotFound", "Invalid rev id")
    if action == "revision" and len(args) == 1:
        return JSONResponse(revision.info_json(blobs))
    if action == "commits" and len(args) == 1:
        return _commits(request, repo)
    if action == "tree":
        return _tree(revision, "/".join(args[1:]), request.query_params.get("recursive", "").lower() == "true")
    if action == "paths-info" and request.method == "POST":
        form = await request.form()
        return _paths_info(revision, [str(p) for p in form.getlist("paths")])
    return hub_error(404, "NotFound", "Not found")


def _commits(request: Request, repo: HubRepoFixture) -> Response:
    """One page of the repository's commits, newest first, with a ``Link`` to the next page like the hub's."""
    rows = [commit.json() for commit in sorted(repo.history(), key=lambda c: c.date, reverse=True)]
    page = max(0, int(request.query_params.get("p", "0") or 0))
    headers = None
    if (page + 1) * COMMITS_PER_PAGE < len(rows):
        headers = {"Link": f'<{request.url.include_query_params(p=page + 1)}>; rel="next"'}
    return JSONResponse(rows[page * COMMITS_PER_PAGE:(page + 1) * COMMITS_PER_PAGE], headers=headers)


def _tree(repo: HubRepoFixture, folder: str, recursive: bool) -> Response:
    prefix = f"{folder}/" if folder else ""
    entries: dict[str, dict[str, object]] = {}
    for path, file in sorted(repo.files.items()):
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix):].split("/")
        if len(parts) == 1 or recursive:
            entries[path] = file.hub_json()
        depth_range = range(1, len(parts)) if recursive else range(1, min(len(parts), 2))
        for depth in depth_range:
            sub = prefix + "/".join(parts[:depth])
            entries.setdefault(sub, {"type": "directory", "oid": git_blob_sha(sub.encode()),
                                     "path": sub})
    if folder and not entries:
        return hub_error(404, "EntryNotFound", f"{folder} does not exist")
    return JSONResponse(sorted(entries.values(), key=lambda e: str(e["path"])))


def _paths_info(repo: HubRepoFixture, paths: list[str]) -> Response:
    found: list[dict[str, object]] = []
    for path in paths:
        if path in repo.files:
            found.append(repo.files[path].hub_json())
        elif any(p.startswith(f"{path}/") for p in repo.files):
            found.append({"type": "directory", "oid": git_blob_sha(path.encode()), "path": path})
    return JSONResponse(found)


def _resolve(request: Request, repo_type: str, segments: list[str], repos: HubRepos) -> Response:
    repo, rest = _split_repo(repo_type, segments, repos)
    if (missing := _not_found(repo)) is not None:
        return missing
    assert repo is not None
    if len(rest) < 3 or rest[0] != "resolve":
        return hub_error(404, "NotFound", "Not found")
    revision, path = repo.at(rest[1]), "/".join(rest[2:])
    if revision is None:
        return hub_error(404, "RevisionNotFound", "Invalid rev id")
    repo = revision
    file = repo.files.get(path)
    if file is None:
        return hub_error(404, "EntryNotFound", "Entry not found")
    if repo.gated:
        return hub_error(403, "GatedRepo", f"Access to model {repo.repo_id} is restricted and you are not in the "
                                           "authorized list.")
    headers = _file_headers(repo, file)
    if request.method == "HEAD":
        return Response(status_code=200, headers={**headers, "Content-Length": str(file.size)})
    if file.disk is not None:
        return FileResponse(file.disk, headers=headers, media_type="application/octet-stream")
    if file.content is None:
        return hub_error(404, "EntryNotFound", "fakehub: size-only file, its content is never served")
    return Response(file.content, headers=headers, media_type=_media_type(path))


def _file_headers(repo: HubRepoFixture, file: RepoFileFixture) -> dict[str, str]:
    headers = {"X-Repo-Commit": repo.sha, "ETag": f'"{file.sha256 or file.blob_id}"'}
    if file.lfs:
        headers.update({"X-Linked-Etag": f'"{file.sha256}"', "X-Linked-Size": str(file.size)})
    return headers


def _media_type(path: str) -> str:
    if path.endswith(".json"):
        return "application/json"
    if path.endswith((".md", ".txt")):
        return "text/plain; charset=utf-8"
    return "application/octet-stream"


def split_raw_path(raw_path: bytes) -> list[str]:
    """Path segments, each unquoted on its own so that ``refs%2Fpr%2F1`` stays one segment."""
    return [unquote(s) for s in raw_path.decode("ascii", "replace").split("?")[0].strip("/").split("/") if s]
