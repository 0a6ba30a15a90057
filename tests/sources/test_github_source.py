"""GitHubSource against the fake GitHub API: the linked sentence-transformers repo, pagination and faults."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from scoring.errors import SourceError, SourceNotFound, SourceRateLimited, SourceUnavailable
from scoring.sources.github import GitHubSource, is_weight_file
from scoring.sources.types import SourceRef
from scoring.sources.url import parse_source_url
from tests.fakehub import FakeCommit, FakeHub, FakePull
from tests.fakehub.seed import MINILM_GITHUB, MISSING_GITHUB

REPO_PATH = f"^/github-api/repos/{MINILM_GITHUB}"


@pytest.fixture
def github(fake_hub: FakeHub) -> GitHubSource:
    return GitHubSource(fake_hub.github_api_url, None, timeout=5, retries=2, backoff=0)


def repo_ref(full_name: str = MINILM_GITHUB) -> SourceRef:
    return parse_source_url(f"https://github.com/{full_name}")


def test_repo_metadata_readme_tree_and_tags(github: GitHubSource) -> None:
    repo = github.repo(repo_ref())
    assert repo.full_name == MINILM_GITHUB
    assert repo.license_spdx == "Apache-2.0"
    assert repo.default_branch == "main" and not repo.archived
    assert repo.stars > 10_000 and repo.forks > 1000
    assert "Sentence Transformers" in repo.readme
    tree = {f.path: f for f in repo.tree}
    assert tree["setup.py"].size == len(b"from setuptools import setup\nsetup()\n")
    assert "sentence_transformers/util.py" in tree and "sentence_transformers" not in tree  # blobs only
    assert repo.git_tags[0] == "v3.4.1"
    assert repo.created_at is not None and repo.created_at.year == 2019


def test_owner_and_name_are_case_insensitive(github: GitHubSource) -> None:
    assert github.repo(repo_ref(MINILM_GITHUB.lower())).full_name == MINILM_GITHUB


def test_contributors_ranked(github: GitHubSource) -> None:
    contributors = github.contributors(repo_ref())
    assert [c.login for c in contributors[:2]] == ["nreimers", "tomaarsen"]
    assert contributors[0].contributions == 1630 and len(contributors) == 8


def test_commits_paginate_up_to_the_limit(github: GitHubSource, fake_hub: FakeHub) -> None:
    commits = github.commits(repo_ref())
    assert len(commits) == 151
    assert fake_hub.count(f"{REPO_PATH}/commits$") == 2  # 100 per page
    assert commits[0].date is not None and commits[-1].author is not None  # the unlinked commit: git name
    assert commits[-1].author == "Anonymous Contributor"
    fake_hub.clear_log()
    assert len(github.commits(repo_ref(), limit=30)) == 30
    assert fake_hub.count(f"{REPO_PATH}/commits$") == 1


def test_commits_since(github: GitHubSource) -> None:
    since = datetime.now(timezone.utc) - timedelta(days=30)
    commits = github.commits(repo_ref(), since=since)
    assert 10 <= len(commits) <= 16
    assert all(c.date is not None and c.date >= since for c in commits)
    naive = github.commits(repo_ref(), since=since.replace(tzinfo=None))
    assert len(naive) == len(commits)


def test_pull_requests_count_reviewed_code_not_weights(github: GitHubSource) -> None:
    pulls = {p.number: p for p in github.pull_requests(repo_ref())}
    assert len(pulls) == 13
    weights_pr = pulls[3100]
    assert weights_pr.merged and weights_pr.additions == 40  # model.safetensors' 900000 lines excluded
    assert not weights_pr.approved_by_other  # approved by its own author only
    assert pulls[3001].merged and pulls[3001].approved_by_other and pulls[3001].additions == 11 + 6
    assert pulls[3000].merged and not pulls[3000].approved_by_other  # no reviews
    unmerged = pulls[3004]
    assert not unmerged.merged and unmerged.additions == 0


def test_pull_requests_limit(github: GitHubSource, fake_hub: FakeHub) -> None:
    assert len(github.pull_requests(repo_ref(), limit=5)) == 5
    assert fake_hub.count(r"/pulls/\d+/files$") <= 5


def test_license(github: GitHubSource, fake_hub: FakeHub) -> None:
    assert github.license(repo_ref()) == "Apache-2.0"
    fake_hub.add_github_repo("fakehub/unlicensed", {"main.py": b"print(1)\n"})
    assert github.license(repo_ref("fakehub/unlicensed")) is None
    assert github.repo(repo_ref("fakehub/unlicensed")).readme == ""


def test_empty_repository(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.add_github_repo("fakehub/empty")
    ref = repo_ref("fakehub/empty")
    assert github.commits(ref) == [] and github.contributors(ref) == [] and github.repo(ref).tree == []


def test_added_repo_with_commits_and_pulls(github: GitHubSource, fake_hub: FakeHub) -> None:
    day = datetime(2025, 1, 1, tzinfo=timezone.utc)
    fake_hub.add_github_repo("Acme/Tool", {"a.py": b"x = 1\n"}, license="MIT", contributors={"ann": 3},
                             commits=[FakeCommit("ann", day), FakeCommit("bob", day + timedelta(days=1))],
                             pulls=[FakePull(7, "ann", files={"a.py": 3, "w.gguf": 99}, reviews=[("bob", "APPROVED")])])
    ref = repo_ref("acme/tool")
    assert [c.author for c in github.commits(ref)] == ["bob", "ann"]
    assert github.pull_requests(ref)[0].model_dump() == {"number": 7, "author": "ann", "merged": True,
                                                         "additions": 3, "approved_by_other": True}


def test_missing_repository(github: GitHubSource, fake_hub: FakeHub) -> None:
    with pytest.raises(SourceNotFound):
        github.repo(repo_ref(MISSING_GITHUB))
    with pytest.raises(SourceNotFound):
        github.contributors(repo_ref(MISSING_GITHUB))
    assert fake_hub.count("^/github-api/") == 2  # not retried


def test_rate_limit_fails_at_once_with_the_reason(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.rate_limit_github()
    with pytest.raises(SourceRateLimited) as caught:
        github.repo(repo_ref())
    assert isinstance(caught.value, SourceUnavailable)
    assert "rate limited" in str(caught.value) and "403" in str(caught.value)
    assert caught.value.retry_after is not None and 0 < caught.value.retry_after <= 60
    assert fake_hub.count("^/github-api/") == 1


def test_429_with_retry_after(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}/contributors$", status=429, headers={"Retry-After": "7"})
    with pytest.raises(SourceRateLimited) as caught:
        github.contributors(repo_ref())
    assert caught.value.retry_after == 7


def test_plain_403_is_not_found(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}$", status=403, body='{"message": "Repository access blocked"}')
    with pytest.raises(SourceNotFound, match="blocked"):
        github.repo(repo_ref())


def test_server_errors_are_retried_then_unavailable(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}$", status=502)
    with pytest.raises(SourceUnavailable, match="502"):
        github.repo(repo_ref())
    assert fake_hub.count(f"{REPO_PATH}$") == 3


def test_a_transient_error_is_survived(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}/commits$", status=500, times=1)
    assert len(github.commits(repo_ref(), limit=10)) == 10


def test_timeout(fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}$", delay=3)
    github = GitHubSource(fake_hub.github_api_url, None, timeout=0.3, retries=1, backoff=0)
    with pytest.raises(SourceUnavailable, match="timed out"):
        github.repo(repo_ref())
    assert fake_hub.count(f"{REPO_PATH}$") == 2


def test_token_and_accept_headers(fake_hub: FakeHub) -> None:
    GitHubSource(fake_hub.github_api_url, "ghp_secret", retries=0).license(repo_ref())
    GitHubSource(fake_hub.github_api_url, None, retries=0).license(repo_ref())
    with_token, without = fake_hub.requests
    assert with_token.headers["authorization"] == "Bearer ghp_secret"
    assert "authorization" not in without.headers
    assert without.headers["accept"] == "application/vnd.github+json"


def test_next_links_to_other_hosts_are_not_followed(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}/contributors$", status=200, body='[{"login": "a", "contributions": 1}]',
                    headers={"Content-Type": "application/json",
                             "Link": '<http://evil.invalid/next?page=2>; rel="next"'})
    assert [c.login for c in github.contributors(repo_ref())] == ["a"]


def test_redirects_to_other_hosts_are_refused(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"{REPO_PATH}$", status=301, headers={"Location": "http://evil.invalid/repos/x/y"})
    with pytest.raises(SourceError, match="another host"):
        github.repo(repo_ref())


def test_same_origin_redirect_is_followed(github: GitHubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject("^/github-api/repos/old/name$", status=301,
                    headers={"Location": f"{fake_hub.github_api_url}/repos/{MINILM_GITHUB}"})
    assert github.repo(repo_ref("old/name")).full_name == MINILM_GITHUB


def test_a_repository_is_read_at_one_commit_with_the_tags_pointing_at_it(
        github: GitHubSource, fake_hub: FakeHub) -> None:
    first = fake_hub.add_github_repo("acme/lib", {"lib.py": b"v = 1\n"}, readme="# lib 1\n", tags=["v1.0.0"])
    second = fake_hub.add_github_repo("acme/lib", {"lib.py": b"v = 2\n"}, readme="# lib 2\n")
    head = github.repo(repo_ref("acme/lib"))
    assert (head.sha, head.git_tags, head.readme) == (second.head_sha, [], "# lib 2\n")
    tagged = github.repo(parse_source_url("https://github.com/acme/lib/tree/v1.0.0"))
    assert (tagged.sha, tagged.git_tags, tagged.readme) == (first.head_sha, ["v1.0.0"], "# lib 1\n")
    assert fake_hub.count(f"^/github-api/repos/acme/lib/git/trees/{first.head_sha}$") == 1


def test_an_archive_is_streamed_through_githubs_redirect(github: GitHubSource, fake_hub: FakeHub) -> None:
    repo = fake_hub.add_github_repo("acme/lib", {"lib.py": b"v = 1\n"}, readme="# lib\n")
    data = b"".join(github.iter_archive(repo_ref("acme/lib"), repo.head_sha))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.read(f"acme-lib-{repo.head_sha[:7]}/lib.py") == b"v = 1\n"
    with pytest.raises(SourceNotFound):
        b"".join(github.iter_archive(repo_ref("acme/lib"), "0" * 40))


@pytest.mark.parametrize("location", ["http://codeload.github.com/x.zip", "https://evil.invalid/x.zip"])
def test_an_archive_redirect_goes_only_to_githubs_archive_host_over_https(github: GitHubSource, fake_hub: FakeHub,
                                                                          location: str) -> None:
    fake_hub.inject("/zipball/", status=302, headers={"Location": location})
    with pytest.raises(SourceError, match="another host"):
        b"".join(github.iter_archive(repo_ref(), "main"))


def test_an_archive_on_the_archive_host_is_fetched_without_our_token(
        fake_hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    sent: list[httpx.Request] = []
    source = GitHubSource(fake_hub.github_api_url, "ghp_secret", retries=0, archive_hosts=("codeload.example",))
    fake_hub.inject("/zipball/", status=302, headers={"Location": "https://codeload.example/a/b/legacy.zip/abc"})

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=b"PK archive", request=request)

    real_send = source._http().send
    monkeypatch.setattr(source._http(), "send", lambda request, **kw: answer(request)
                        if request.url.host == "codeload.example" else real_send(request, **kw))
    assert b"".join(source.iter_archive(repo_ref(), "main")) == b"PK archive"
    assert "authorization" not in sent[0].headers


def test_hub_ref_is_refused(github: GitHubSource) -> None:
    with pytest.raises(ValueError):
        github.repo(parse_source_url("https://huggingface.co/org/name"))


@pytest.mark.parametrize(("path", "weight"), [
    ("model.safetensors", True), ("a/b/PYTORCH_MODEL.BIN", True), ("m.gguf", True), ("x.onnx", True),
    ("tf_model.h5", True), ("ckpt/model.ckpt", True), ("flax.msgpack", True), ("w.pt", True), ("w.pth", True),
    ("train.py", False), ("binary_utils.py", False), ("README.md", False), ("bin/run.sh", False),
])
def test_is_weight_file(path: str, weight: bool) -> None:
    assert is_weight_file(path) is weight
