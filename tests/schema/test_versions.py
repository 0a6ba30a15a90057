"""Versions through the doors: tagged histories on the fake hub, uploads of several versions, the history of an
artifact, version search over it, re-rating at the pinned commit, and a background mirror's 202."""
from __future__ import annotations

import hashlib
import io
import zipfile
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.factory import create_app
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.conftest import GraphQL, nodes
from tests.package.zips import README, build_zip, hf_files
from tests.rest.conftest import add_linked_model
from tests.schema.test_artifacts import ingested

HISTORY = "acme/history"
HISTORY_URL = f"https://huggingface.co/datasets/{HISTORY}"
VERSIONED = "version revision artifactId"
UPDATE = ("mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { %s } errors { code message } }"
          " }" % VERSIONED)
HISTORY_QUERY = ("query($id: String!) { artifact(id: $id) { version versions(first: 10) { edges { node { %s } } } } }"
                 % VERSIONED)
BY_NAME = ("query($n: String!, $v: String, $all: Boolean!) { artifactsByName(name: $n, version: $v) { edges { node "
           "{ version } } } artifacts(allVersions: $all) { edges { node { name version } } } }")
BY_VERSION = "query($q: String!) { artifactsByVersion(query: $q) { edges { node { name version } } } }"
DOWNLOAD = ('mutation($id: String!) { requestDownload(input: {artifactId: $id}) { download { url sha256 } '
            'errors { code message details } } }')


def push(fake_hub, data: bytes, tags: list[str], card: str = "# history\n"):
    """A new commit of the dataset (the one before stays readable, as on the hub)."""
    return fake_hub.add_dataset(HISTORY, {"data.csv": data}, card=card, git_tags=tags)


def update(gql, artifact_id: str, url: str = HISTORY_URL, **fields):
    return gql(UPDATE, i={"artifactId": artifact_id, "url": url, **fields})["data"]["updateArtifact"]


def downloaded(gql, artifact_id: str) -> zipfile.ZipFile:
    link = gql(DOWNLOAD, id=artifact_id)["data"]["requestDownload"]
    assert link["errors"] == [], link
    body = gql.client.get(link["download"]["url"].replace("http://testserver", ""))
    assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == link["download"]["sha256"]
    return zipfile.ZipFile(io.BytesIO(body.content))


def test_a_tagged_history_becomes_versions_pinned_at_their_commits(gql, fake_hub):
    first = push(fake_hub, b"v,1\n", ["v1.0.0"])
    one = update(gql, ingested(gql, url=HISTORY_URL, type_="DATASET")["artifactId"])["artifact"]  # as it is: itself
    second = push(fake_hub, b"v,2\n", ["1.1", "v1.0.9"])  # the newest semver tag at the commit wins
    two = update(gql, one["artifactId"])["artifact"]
    push(fake_hub, b"v,3\n", [], card="---\nversion: 2.0.0\n---\n# history\n")  # no tag: the card's version
    three = update(gql, two["artifactId"])["artifact"]
    push(fake_hub, b"v,4\n", [])  # neither: the next patch
    four = update(gql, one["artifactId"])["artifact"]
    assert [(a["version"], a["revision"]) for a in (one, two)] == [("1.0.0", first.sha), ("1.1.0", second.sha)]
    assert (three["version"], four["version"]) == ("2.0.0", "2.0.1")
    assert update(gql, one["artifactId"])["artifact"]["artifactId"] == four["artifactId"]  # nothing new to record

    history = gql(HISTORY_QUERY, id=one["artifactId"])["data"]["artifact"]
    assert history["version"] == "1.0.0"  # an id names one version
    assert [n["version"] for n in nodes({"data": history}, "versions")] == ["2.0.1", "2.0.0", "1.1.0", "1.0.0"]
    assert downloaded(gql, one["artifactId"]).read("data.csv") == b"v,1\n"  # the old version, at its commit
    assert downloaded(gql, four["artifactId"]).read("data.csv") == b"v,4\n"

    found = gql(BY_NAME, n="history", v=None, all=False)["data"]
    assert [e["node"]["version"] for e in found["artifactsByName"]["edges"]] == ["2.0.1"]  # the newest by default
    assert [e["node"] for e in found["artifacts"]["edges"]] == [{"name": "history", "version": "2.0.1"}]
    ranged = gql(BY_NAME, n="history", v="^1.0.0", all=True)["data"]
    assert [e["node"]["version"] for e in ranged["artifactsByName"]["edges"]] == ["1.0.0", "1.1.0"]
    assert len(ranged["artifacts"]["edges"]) == 4

    def search(query: str) -> list[str]:
        return [e["node"]["version"] for e in gql(BY_VERSION, q=query)["data"]["artifactsByVersion"]["edges"]]

    assert search("1.1.0") == ["1.1.0"]
    assert search("1.0.0-2.0.0") == ["1.0.0", "1.1.0", "2.0.0"]
    assert search("~2.0.0") == ["2.0.0", "2.0.1"]
    assert search("^1.0.0") == ["1.0.0", "1.1.0"]


def test_tags_on_other_commits_are_not_the_version_and_a_url_revision_is_pinned(gql, fake_hub):
    tagged = push(fake_hub, b"v,1\n", ["v2.5.0"])
    push(fake_hub, b"v,2\n", [])  # the head has moved past the tag
    head = ingested(gql, url=HISTORY_URL, type_="DATASET", name="at-head")
    assert head["version"] == "1.0.0"
    at_tag = ingested(gql, url=f"{HISTORY_URL}/tree/v2.5.0", type_="DATASET", name="at-tag")
    assert (at_tag["version"], at_tag["sourceUrl"]) == ("2.5.0", f"{HISTORY_URL}/tree/v2.5.0")
    assert gql(HISTORY_QUERY, id=at_tag["artifactId"])["data"]["artifact"]["versions"]["edges"][0]["node"][
        "revision"] == tagged.sha  # its one version
    again = gql("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { errors { code message } } }",
                i={"type": "DATASET", "url": HISTORY_URL, "name": "at-head"})["data"]["ingestArtifact"]
    (error,) = again["errors"]
    assert error["code"] == "CONFLICT" and "version 1.0.0 is already registered" in error["message"]


REQUEST = ('mutation($n: String!, $s: Float, $v: String) { requestUpload(input: {name: $n, size: $s, version: $v}) '
           '{ ticket { uploadId url } errors { code message } } }')
FINALIZE = ('mutation($u: String!, $h: String!) { finalizeUpload(input: {uploadId: $u, sha256: $h}) { artifact { '
            'artifactId version } errors { code message } } }')


UNVERSIONED_CARD = README.replace("version: 2.1.0\n", "").encode()


def upload(gql, tmp_path, version=None, **extra: bytes):
    package = build_zip(tmp_path / "package.zip", hf_files(**{"README.md": UNVERSIONED_CARD, **extra})).read_bytes()
    ticket = gql(REQUEST, n="acme/versioned", s=len(package), v=version)["data"]["requestUpload"]
    if ticket["errors"]:
        return ticket
    gql.client.put(ticket["ticket"]["url"].replace("http://testserver", ""), content=package)
    return gql(FINALIZE, u=ticket["ticket"]["uploadId"], h=hashlib.sha256(package).hexdigest())["data"][
        "finalizeUpload"]


def test_uploads_take_a_version_or_the_next_patch_and_a_version_is_registered_once(gql, tmp_path):
    assert upload(gql, tmp_path)["artifact"]["version"] == "1.0.0"
    assert upload(gql, tmp_path, **{"notes.txt": b"2"})["artifact"]["version"] == "1.0.1"
    assert upload(gql, tmp_path, version="v2", **{"notes.txt": b"3"})["artifact"]["version"] == "2.0.0"
    refused = upload(gql, tmp_path, version="2.0.0", **{"notes.txt": b"4"})  # refused before any byte is sent
    assert refused["errors"][0]["code"] == "CONFLICT" and refused["ticket"] is None
    assert upload(gql, tmp_path, version="2.x", **{"notes.txt": b"5"})["errors"][0]["code"] == "INVALID_INPUT"
    carded = {"config.json": b'{"model_type": "bert", "version": "3.1.0"}'}
    assert upload(gql, tmp_path, **carded)["artifact"]["version"] == "3.1.0"  # the package declares its version
    again = upload(gql, tmp_path, **carded, **{"notes.txt": b"6"})
    (error,) = again["errors"]
    assert error["code"] == "CONFLICT" and "version 3.1.0 is already registered" in error["message"]
    assert upload(gql, tmp_path, version="3.2.0", **carded, **{"notes.txt": b"7"})["artifact"]["version"] == "3.2.0"


def test_rerating_reads_the_commit_the_model_was_ingested_at(gql, fake_hub):
    add_linked_model(fake_hub, "acme/minilm-pinned")
    pinned = fake_hub.hub_repos[("model", "acme/minilm-pinned")].sha
    model = ingested(gql, url="https://huggingface.co/acme/minilm-pinned")
    fake_hub.add_model("acme/minilm-pinned", {"config.json": b"{}"}, card="# gutted\n")  # a later commit
    fake_hub.clear_log()
    rated = gql('mutation($id: String!) { rateArtifact(input: {artifactId: $id}) { rating { netScore } errors { '
                'code } } }', id=model["artifactId"])["data"]["rateArtifact"]
    assert rated["errors"] == [] and rated["rating"]["netScore"] >= 0.5  # rated from the files it was ingested with
    assert fake_hub.count(f"^/api/models/acme/minilm-pinned/revision/{pinned}$") == 1
    assert fake_hub.count("^/api/models/acme/minilm-pinned$") == 0


@pytest.fixture
def background_client(settings):
    """The app with every mirror in the background (inline cap 0)."""
    app = create_app(settings.model_copy(update={"mirror_inline_max_bytes": 0}))
    with TestClient(app) as client:
        yield client


def test_a_background_mirror_answers_202_until_its_package_is_whole(background_client, fake_hub):
    gql = GraphQL(background_client)
    gql = gql.as_user(gql.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD))
    fake_hub.add_dataset("acme/large", {"data.csv": b"a,b\n1,2\n"}, card="# large\n")
    held = fake_hub.hold("^/datasets/acme/large/resolve/.*/data.csv$")  # the mirror's read of the data
    created = background_client.post("/artifact/dataset", headers={"X-Authorization": f"bearer {gql.token}"},
                                     json={"url": "https://huggingface.co/datasets/acme/large"})
    assert created.status_code == 201
    link = urlsplit(created.json()["data"]["download_url"])
    early = background_client.get(f"{link.path}?{link.query}")
    assert early.status_code == 202 and early.headers["Retry-After"] == "5"
    assert early.json()["code"] == "MIRROR_PENDING" and early.json()["details"] == {"retry_after_seconds": 5}
    asked = gql(DOWNLOAD, id=created.json()["metadata"]["id"])["data"]["requestDownload"]
    assert asked["download"] is None and asked["errors"][0]["code"] == "MIRROR_PENDING"
    assert asked["errors"][0]["details"] == {"retry_after_seconds": 5}

    held.set()
    assert background_client.app.state.registry.mirrors.wait_idle(30)
    done = background_client.get(f"{link.path}?{link.query}")
    assert done.status_code == 200 and zipfile.ZipFile(io.BytesIO(done.content)).read("data.csv") == b"a,b\n1,2\n"
