"""The Hugging Face Hub as a source: repository metadata and small files, never weight bytes.

huggingface_hub (2.x) talks HTTP through one process-wide httpx2 client created with ``timeout=None``; only
some `HfApi` methods accept a timeout.  So `HubSource` uses `HfApi` where a timeout can be passed
(`model_info`/`dataset_info`) and otherwise calls that same shared session directly with an explicit
timeout (refs, small files, streamed files) using huggingface_hub's own headers and error mapping.
huggingface_hub is imported lazily so that importing scoring stays cheap and creates no client.

A repository answered under another id (the hub redirects legacy ids such as ``bert-base-uncased`` to
``google-bert/bert-base-uncased``) is returned under the id the hub reports, so every spelling of one repository
gives the same snapshot.
"""
from __future__ import annotations

import json
import threading
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import quote


from scoring.errors import InvalidSourceURL, SourceError, SourceNotFound, SourceRateLimited, SourceUnavailable
from scoring.sources.retry import build_retrying
from scoring.sources.types import HubCommit, HubNamespace, HubRepo, RepoFile, SourceRef
from scoring.sources.url import is_valid_name

if TYPE_CHECKING:
    import httpx2
    from huggingface_hub import HfApi
    from huggingface_hub.hf_api import DatasetInfo, ModelInfo

T = TypeVar("T")

SMALL_FILE_CAP = 1_000_000  # config.json / adapter_config.json
CARD_CAP = 2_000_000  # README.md
FRONT_MATTER_CAP = 64_000  # YAML is parsed only up to this size (alias bombs, huge blobs)
MAX_PAGES = 10  # pages of a hub list endpoint read at most (commits)
_USER_AGENT = "trustworthy-model-registry"


class _TooLarge(Exception):
    pass


class HubSource:
    """Reads Hugging Face model and dataset repositories through `endpoint` (``HF_ENDPOINT``).

    `retries` is the number of extra attempts after the first on transient failures (timeouts, connection
    errors, 5xx); `backoff` is the base of the exponential wait between them in seconds (0 in tests).
    """

    def __init__(
        self,
        endpoint: str,
        token: str | None,
        timeout: float = 15,
        retries: int = 3,
        backoff: float = 0.5,
    ) -> None:
        self._endpoint = endpoint.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._retrying = build_retrying(retries, backoff)
        self._api: HfApi | None = None
        self._lock = threading.Lock()

    def fetch(self, ref: SourceRef) -> HubRepo:
        """Snapshot a model or dataset at the URL's revision (default: main): metadata, file sizes/LFS hashes, card,
        config, and the git tags pointing at the commit read (tags on other commits are not this snapshot's)."""
        if ref.kind not in ("hf_model", "hf_dataset"):
            raise ValueError(f"HubSource cannot fetch a {ref.kind} reference")
        info = self._retry(lambda: self._info(ref), f"{ref.repo_id} metadata")
        ref = _canonical(ref, info.id)
        files = _repo_files(info)
        sizes = {f.path: f.size for f in files}
        revision = info.sha or ref.revision or "main"
        with ThreadPoolExecutor(max_workers=5) as pool:
            tags = pool.submit(self._retry, lambda: self._git_tags(ref), f"{ref.repo_id} refs")
            card = pool.submit(self._optional_file, ref, revision, "README.md", sizes, CARD_CAP)
            config = pool.submit(self._optional_file, ref, revision, "config.json", sizes, SMALL_FILE_CAP)
            adapter = pool.submit(self._optional_file, ref, revision, "adapter_config.json", sizes, SMALL_FILE_CAP)
            alias = pool.submit(self._legacy_alias, ref)
        repo = _base_repo(ref, info, files, [name for name, target in tags.result() if target == info.sha])
        repo.aliases = alias.result()
        _apply_card(repo, *card.result())
        repo.config, repo.config_error = _json_object(*config.result(), "config.json")
        repo.adapter_config, repo.adapter_config_error = _json_object(*adapter.result(), "adapter_config.json")
        return repo

    def commits(self, ref: SourceRef, limit: int = 300) -> list[HubCommit]:
        """The repository's commits on the URL's revision (default main), newest first, at most `limit`.

        The endpoint `HfApi.list_repo_commits` reads (``/api/{type}s/{id}/commits/{rev}``), called here with a
        timeout; its pages (``Link: rel="next"``) are followed while they stay on the hub, up to `MAX_PAGES`.
        """
        revision = quote(ref.revision or "main", safe="")
        url: str | None = f"{self._endpoint}/api/{_repo_type(ref)}s/{ref.repo_id}/commits/{revision}"
        commits: list[HubCommit] = []
        for _ in range(MAX_PAGES):
            if url is None or len(commits) >= limit:
                break
            page_url = url
            response = self._retry(lambda: self._get(page_url), f"{ref.repo_id} commits")
            page = _decoded(response, f"{ref.repo_id} commits")
            if not isinstance(page, list):
                raise SourceError(f"{ref.repo_id} commits: the hub returned a {type(page).__name__}, not a list")
            commits += [_commit(item) for item in page]
            url = self._next_page(response)
        return commits[:limit]

    def namespace(self, owner: str) -> HubNamespace:
        """Whether `owner` is an organization, and how many members its overview shows, or a user.

        Reads ``/api/organizations/{owner}/overview`` (`HfApi.get_organization_overview`): the hub answers 404
        for a name that is not an organization, and an existing repository's owner that is not an organization
        is a user.
        """
        if not is_valid_name(owner):
            raise InvalidSourceURL(f"invalid hub namespace {owner!r}")
        url = f"{self._endpoint}/api/organizations/{owner}/overview"
        try:
            response = self._retry(lambda: self._get(url), f"namespace {owner}")
        except SourceNotFound:
            return HubNamespace(name=owner, kind="user")
        data = _decoded(response, f"namespace {owner}")
        if not isinstance(data, dict):
            raise SourceError(f"namespace {owner}: the hub returned a {type(data).__name__}, not an object")
        members = data.get("numUsers")
        return HubNamespace(name=str(data.get("name") or owner), kind="organization",
                            members=members if isinstance(members, int) and members >= 0 else None)

    def iter_file(self, ref: SourceRef, path: str, chunk_size: int = 1 << 20) -> Generator[bytes, None, None]:
        """Stream one file of the repository (for mirroring a package); errors surface on first iteration.

        Only opening the download is retried: a stream broken half-way raises `SourceUnavailable`.
        """
        _check_file_path(path)
        url = self._file_url(ref, ref.revision or "main", path)
        what = f"{ref.repo_id}/{path}"
        response = self._retry(lambda: self._open(url), what)
        try:
            yield from response.iter_bytes(chunk_size)
        except Exception as exc:
            error = _translate(exc, what)
            if error is None:
                raise
            raise error from exc
        finally:
            response.close()

    # --- plumbing -----------------------------------------------------------------------------------------

    def ping(self, timeout: float = 3.0) -> None:
        """Raise SourceUnavailable unless the hub answers HTTP at all (any status below 500), once, no retries."""
        from huggingface_hub import get_session

        try:
            status = get_session().head(self._endpoint + "/", timeout=min(timeout, self._timeout)).status_code
        except Exception as exc:  # any transport failure means unreachable
            raise SourceUnavailable(f"cannot reach the hub ({type(exc).__name__})") from exc
        if status >= 500:
            raise SourceUnavailable(f"the hub answers {status}")

    def _hf_api(self) -> HfApi:
        with self._lock:
            if self._api is None:
                from huggingface_hub import HfApi

                self._api = HfApi(endpoint=self._endpoint, token=self._token or False, library_name=_USER_AGENT)
            return self._api

    def _retry(self, call: Callable[[], T], what: str) -> T:
        return self._retrying.copy()(lambda: _call_translated(call, what))

    def _headers(self) -> dict[str, str]:
        from huggingface_hub.utils import build_hf_headers

        return build_hf_headers(token=self._token or False, library_name=_USER_AGENT)

    def _info(self, ref: SourceRef) -> ModelInfo | DatasetInfo:
        api = self._hf_api()
        if ref.kind == "hf_dataset":
            return api.dataset_info(ref.repo_id, revision=ref.revision, timeout=self._timeout, files_metadata=True)
        return api.model_info(ref.repo_id, revision=ref.revision, timeout=self._timeout, files_metadata=True)

    def _get(self, url: str) -> httpx2.Response:
        """GET a hub API URL with the timeout; error statuses raise huggingface_hub's errors (see _translate)."""
        from huggingface_hub import get_session, hf_raise_for_status

        response = get_session().get(url, headers=self._headers(), timeout=self._timeout)
        hf_raise_for_status(response)
        return response

    def _next_page(self, response: httpx2.Response) -> str | None:
        """The next page of a hub list, only while it stays on the configured endpoint."""
        import httpx2

        link = response.links.get("next", {}).get("url")
        if not link:
            return None
        url = response.url.join(link)
        base = httpx2.URL(self._endpoint)
        return str(url) if (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port) else None

    def _legacy_alias(self, ref: SourceRef) -> list[str]:
        """``[name]`` when the hub answers the organization-less id ``name`` with this model (a legacy id it
        redirects, as ``bert-base-uncased`` to ``google-bert/bert-base-uncased``), else []. Best effort: a
        failed check only means that cards loading the model by its legacy id are not recognised."""
        if ref.kind != "hf_model" or not ref.owner:
            return []
        url = f"{self._endpoint}/api/models/{ref.name}"
        try:
            answered = self._retry(lambda: self._get(url), f"{ref.name} alias").json()
        except (SourceError, ValueError):
            return []
        return [ref.name] if isinstance(answered, dict) and answered.get("id") == ref.repo_id else []

    def _git_tags(self, ref: SourceRef) -> list[tuple[str, str]]:
        """(name, target commit) of each tag, from ``/api/{type}s/{id}/refs`` (`HfApi.list_repo_refs` takes no
        timeout)."""
        from huggingface_hub import get_session, hf_raise_for_status

        url = f"{self._endpoint}/api/{_repo_type(ref)}s/{ref.repo_id}/refs"
        response = get_session().get(url, headers=self._headers(), timeout=self._timeout)
        hf_raise_for_status(response)
        return [(str(tag["name"]), str(tag.get("targetCommit") or "")) for tag in response.json().get("tags", [])]

    def _file_url(self, ref: SourceRef, revision: str, path: str) -> str:
        from huggingface_hub import hf_hub_url

        return hf_hub_url(ref.repo_id, path, repo_type=_repo_type(ref), revision=revision, endpoint=self._endpoint)

    def _open(self, url: str) -> httpx2.Response:
        from huggingface_hub import get_session, hf_raise_for_status

        session = get_session()
        request = session.build_request("GET", url, headers=self._headers(), timeout=self._timeout)
        response = session.send(request, stream=True)
        if response.status_code >= 400:
            try:
                response.read()  # hf_raise_for_status reads the body for its message
                hf_raise_for_status(response)
            finally:
                response.close()
        return response

    def _download_small(self, url: str, cap: int) -> bytes:
        response = self._open(url)
        try:
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:
                    raise _TooLarge()
            return bytes(body)
        finally:
            response.close()

    def _optional_file(
        self, ref: SourceRef, revision: str, path: str, sizes: dict[str, int], cap: int
    ) -> tuple[str | None, str | None]:
        """(text, error) of a small root file: (None, None) when absent; never fails for a bad file."""
        if path not in sizes:
            return None, None
        if sizes[path] > cap:
            return None, f"{path} is larger than {cap} bytes"
        url = self._file_url(ref, revision, path)
        try:
            data = self._retry(lambda: self._download_small(url, cap), f"{ref.repo_id}/{path}")
        except _TooLarge:
            return None, f"{path} is larger than {cap} bytes"
        except SourceNotFound as exc:
            return None, f"{path} could not be read: {exc}"
        try:
            return data.decode("utf-8"), None
        except UnicodeDecodeError:
            return None, f"{path} is not UTF-8 text"


def _call_translated(call: Callable[[], T], what: str) -> T:
    """Run `call`, turning huggingface_hub / httpx2 failures into the source errors."""
    try:
        return call()
    except Exception as exc:
        error = _translate(exc, what)
        if error is None:
            raise
        raise error from exc


def _translate(exc: Exception, what: str) -> SourceError | None:
    """The source error for a huggingface_hub / httpx2 failure, or None for anything else (a bug: re-raise)."""
    import httpx2
    from huggingface_hub.errors import (EntryNotFoundError, HfHubHTTPError, OfflineModeIsEnabled,
                                        RepositoryNotFoundError, RevisionNotFoundError)

    if isinstance(exc, (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError)):
        return SourceNotFound(f"{what}: not found on the hub ({type(exc).__name__})")
    if isinstance(exc, HfHubHTTPError):
        return _http_error(exc, what)
    if isinstance(exc, httpx2.TimeoutException):
        return SourceUnavailable(f"{what}: the hub timed out ({type(exc).__name__})")
    if isinstance(exc, (httpx2.TransportError, httpx2.StreamError, OfflineModeIsEnabled)):
        return SourceUnavailable(f"{what}: cannot reach the hub ({type(exc).__name__}: {exc})")
    if isinstance(exc, (ValueError, KeyError, TypeError)):  # malformed JSON from the hub
        return SourceError(f"{what}: unexpected hub response ({type(exc).__name__}: {exc})")
    return None


def _http_error(exc: Any, what: str) -> SourceError:
    status = exc.response.status_code if exc.response is not None else 0
    if status == 429:
        retry_after = exc.response.headers.get("Retry-After")
        return SourceRateLimited(f"{what}: rate limited by the hub (429)",
                                 retry_after=float(retry_after) if (retry_after or "").isdigit() else None)
    if status >= 500 or status == 408:
        return SourceUnavailable(f"{what}: hub error {status}")
    if status in (401, 403, 404, 410, 451):
        return SourceNotFound(f"{what}: hub refused access ({status})")
    return SourceError(f"{what}: unexpected hub status {status}")


def _repo_type(ref: SourceRef) -> str:
    return "dataset" if ref.kind == "hf_dataset" else "model"


def _check_file_path(path: str) -> None:
    """A repository file path must not climb out of the resolve URL (``..``) or be absolute."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path or any(p in ("", ".", "..") for p in parts):
        raise InvalidSourceURL(f"invalid repository file path {path!r}")


def _repo_files(info: ModelInfo | DatasetInfo) -> list[RepoFile]:
    """File list with real sizes: the LFS size and sha256 for LFS files (the git blob is only a pointer)."""
    files = []
    for sibling in info.siblings or []:
        lfs = sibling.lfs
        files.append(RepoFile(
            path=sibling.rfilename,
            size=(lfs.size if lfs else sibling.size) or 0,
            sha256=lfs.sha256 if lfs else None,
            blob_id=sibling.blob_id,
        ))
    return files


def _base_repo(ref: SourceRef, info: ModelInfo | DatasetInfo, files: list[RepoFile], git_tags: list[str]) -> HubRepo:
    return HubRepo(
        ref=ref,
        sha=info.sha,
        tags=list(info.tags or []),
        git_tags=git_tags,
        files=files,
        downloads=info.downloads or 0,
        likes=info.likes or 0,
        library_name=getattr(info, "library_name", None),
        pipeline_tag=getattr(info, "pipeline_tag", None),
        created_at=info.created_at,
        last_modified=info.last_modified,
        gated=bool(info.gated),
        private=bool(info.private),
    )


def _apply_card(repo: HubRepo, text: str | None, error: str | None) -> None:
    repo.card_text = text or ""
    repo.card_error = error
    if text is not None:
        repo.card_data, repo.card_error = parse_front_matter(text)


def parse_front_matter(card: str) -> tuple[dict[str, Any], str | None]:
    """(card_data, error) from a model card's leading ``---`` YAML block; ({}, None) when there is none."""
    lines = card.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, None
    try:
        end = next(i for i, line in enumerate(lines[1:], start=1) if line.strip() == "---")
    except StopIteration:
        return {}, "front matter is not closed by '---'"
    block = "\n".join(lines[1:end])
    import yaml  # here, not at module import: a cold start reads no cards

    if len(block) > FRONT_MATTER_CAP:
        return {}, f"front matter larger than {FRONT_MATTER_CAP} characters"
    try:
        data = yaml.safe_load(block)
    except yaml.YAMLError as exc:
        return {}, f"malformed YAML front matter: {str(exc).splitlines()[0]}"
    if data is None:
        return {}, None
    if not isinstance(data, dict):
        return {}, f"front matter is a {type(data).__name__}, not a mapping"
    return data, None


def _json_object(text: str | None, error: str | None, name: str) -> tuple[dict[str, Any] | None, str | None]:
    if text is None:
        return None, error
    try:
        data = json.loads(text)
    except ValueError as exc:
        return None, f"{name} is not valid JSON: {exc}"
    if not isinstance(data, dict):
        return None, f"{name} is not a JSON object"
    return data, None


def _canonical(ref: SourceRef, reported_id: str | None) -> SourceRef:
    """`ref` under the id the hub reports for it (an alias answered through a redirect), revision kept.

    An id that is not a valid ``owner/name`` or legacy ``name`` is ignored rather than trusted."""
    if not reported_id or reported_id == ref.repo_id:
        return ref
    owner, _, name = reported_id.rpartition("/")
    if "/" in owner or not is_valid_name(name) or (owner and not is_valid_name(owner)):
        return ref
    return ref.model_copy(update={"owner": owner, "name": name})


def _commit(item: Any) -> HubCommit:
    if not isinstance(item, dict):
        raise SourceError(f"a hub commit is a {type(item).__name__}, not an object")
    authors = [str(a["user"]) for a in item.get("authors") or [] if isinstance(a, dict) and a.get("user")]
    return HubCommit(id=str(item.get("id") or ""), authors=authors, date=_date(item.get("date")),
                     title=str(item.get("title") or ""))


def _decoded(response: Any, what: str) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise SourceError(f"{what}: the hub returned invalid JSON") from exc


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
