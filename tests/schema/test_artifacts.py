"""Ingest, read, enumerate, search, update and delete artifacts through GraphQL against the fake hub."""
import base64

import pytest

from registry.model import Artifact, ArtifactType
from tests.conftest import MINILM_CODE, MINILM_DATASET, MINILM_URL, nodes

FIELDS = "artifactId id type name sourceUrl version readme sizeBytes createdBy files { path size sha256 }"
INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { %s } "
          "errors { code message details } } }" % FIELDS)


def ingest(gql, url=MINILM_URL, type_="MODEL", name=None, code_url=MINILM_CODE, datasets=(MINILM_DATASET,)):
    links = {"codeUrl": code_url, "datasetUrls": list(datasets)} if type_ == "MODEL" else {}
    return gql(INGEST, i={"type": type_, "url": url, "name": name, **links})["data"]["ingestArtifact"]


def ingested(gql, **kwargs):
    payload = ingest(gql, **kwargs)
    assert payload["errors"] == [], payload
    return payload["artifact"]


def count_all(gql):
    return len(gql("{ artifacts(first: 100) { edges { node { artifactId } } } }")["data"]["artifacts"]["edges"])


def codes(result):
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


def test_ingest_a_hub_model_records_metadata_without_weights(gql, fake_hub):
    artifact = ingested(gql)
    assert artifact["type"] == "MODEL"
    assert artifact["name"] == "all-MiniLM-L6-v2"
    assert artifact["sourceUrl"] == MINILM_URL
    assert artifact["version"] == "1.0.0"
    assert "sentence-transformers" in artifact["readme"]
    assert artifact["createdBy"] == "ece30861defaultadminuser"
    weights = {f["path"]: f for f in artifact["files"]}["model.safetensors"]
    assert weights["size"] > 80_000_000 and len(weights["sha256"]) == 64
    assert artifact["sizeBytes"] == sum(f["size"] for f in artifact["files"])
    assert base64.b64decode(artifact["id"]).decode() == f"Artifact:{artifact['artifactId']}"


def test_ingest_honours_a_given_name_and_reads_it_back(gql):
    artifact = ingested(gql, name="team/minilm: tuned")
    read = gql("query($id: String!) { artifact(id: $id) { name } }", id=artifact["artifactId"])
    assert read["data"]["artifact"]["name"] == "team/minilm: tuned"
    by_name = gql('query($n: String!) { artifactsByName(name: $n) { edges { node { artifactId } } } }',
                  n="team/minilm: tuned")
    assert nodes(by_name, "artifactsByName") == [{"artifactId": artifact["artifactId"]}]


def test_ids_are_unique_and_the_same_source_twice_conflicts(gql):
    first = ingested(gql)
    again = ingest(gql)
    assert again["artifact"] is None and again["errors"][0]["code"] == "CONFLICT"
    other = ingested(gql, name="second copy")
    assert other["artifactId"] != first["artifactId"]


@pytest.mark.parametrize("url, type_", [
    ("https://huggingface.co:8443/sentence-transformers/all-MiniLM-L6-v2", "MODEL"),
    ("https://user:pw@huggingface.co/sentence-transformers/all-MiniLM-L6-v2", "MODEL"),
    ("https://127.0.0.1/sentence-transformers/all-MiniLM-L6-v2", "MODEL"),
    ("https://169.254.169.254/latest/meta-data", "MODEL"),
    ("https://evil.example.com/sentence-transformers/all-MiniLM-L6-v2", "MODEL"),
    ("https://huggingface.co/sentence-transformers/../all-MiniLM-L6-v2", "MODEL"),
    ("https://huggingface.co/datasets/stanfordnlp/imdb", "MODEL"),
    (MINILM_URL, "CODE"),
    ("not a url", "DATASET"),
])
def test_bad_urls_are_refused_and_store_nothing(gql, fake_hub, url, type_):
    before = len(fake_hub.requests)
    payload = ingest(gql, url=url, type_=type_)
    assert payload["artifact"] is None
    assert payload["errors"][0]["code"] == "INVALID_INPUT", payload
    assert count_all(gql) == 0
    assert len(fake_hub.requests) == before  # refused before any upstream request


@pytest.mark.parametrize("name", ["x" * 10_000, "nul\x00name", ""])
def test_bad_names_are_refused(gql, name):
    payload = ingest(gql, name=name)
    assert payload["errors"][0]["code"] == "INVALID_INPUT"
    assert count_all(gql) == 0


def test_a_missing_repository_is_not_found(gql):
    payload = ingest(gql, url="https://huggingface.co/nobody/no-such-model")
    assert payload["errors"][0]["code"] == "NOT_FOUND"


def test_bad_type_is_a_validation_error(gql):
    result = gql(INGEST, i={"type": "WEIGHTS", "url": MINILM_URL})
    assert result["data"] is None and "WEIGHTS" in result["errors"][0]["message"]


def test_read_by_id_node_name_and_regex(gql):
    artifact = ingested(gql)
    artifact_id = artifact["artifactId"]
    node = gql('query($id: ID!) { node(id: $id) { ... on Artifact { artifactId name } } }', id=artifact["id"])
    assert node["data"]["node"] == {"artifactId": artifact_id, "name": "all-MiniLM-L6-v2"}
    for regex in ("^all-Mini", "(?i)^ALL-mini", "MiniLM-L6", "sentence embeddings|semantic search"):
        found = gql('query($r: String!) { searchArtifacts(regex: $r) { edges { node { artifactId } } } }', r=regex)
        assert nodes(found, "searchArtifacts") == [{"artifactId": artifact_id}], regex
    none = gql('{ searchArtifacts(regex: "^zzz-nothing") { edges { node { artifactId } } } }')
    assert nodes(none, "searchArtifacts") == []
    typed = gql('{ searchArtifacts(regex: "MiniLM", types: [DATASET]) { edges { node { artifactId } } } }')
    assert nodes(typed, "searchArtifacts") == []


@pytest.mark.parametrize("regex", [r"(a)\1", "(?<=x)y", "a{100000}", "x" * 600])
def test_regexes_re2_rejects_are_clear_errors(gql, regex):
    result = gql('query($r: String!) { searchArtifacts(regex: $r) { edges { node { artifactId } } } }', r=regex)
    assert codes(result) == ["INVALID_INPUT"], result


def test_unknown_and_malformed_ids(gql):
    assert gql('{ artifact(id: "does-not-exist") { name } }')["data"]["artifact"] is None
    assert codes(gql('{ artifact(id: "../etc/passwd") { name } }')) == ["INVALID_INPUT"]
    assert gql('{ node(id: "QXJ0aWZhY3Q6bm9wZQ==") { id } }')["data"]["node"] is None
    assert gql('{ node(id: "garbage") { id } }')["errors"]


def test_enumerate_pages_through_everything_once(app, gql):
    registry = app.state.registry
    admin = registry.metadata.get_user("ece30861defaultadminuser")
    made = set()
    for i in range(45):
        kind = ArtifactType.DATASET if i % 3 == 0 else ArtifactType.MODEL
        artifact = Artifact(id=f"bulk-{i:03d}", type=kind, name=f"bulk-{i}", readme=f"item {i}")
        registry.artifacts.store_new(admin, artifact)
        made.add(artifact.id)
    seen, after, pages = [], None, 0
    while True:
        page = gql("query($a: String) { artifacts(first: 20, after: $a) { edges { cursor node { artifactId } } "
                   "pageInfo { hasNextPage endCursor } } }", a=after)["data"]["artifacts"]
        seen += [e["node"]["artifactId"] for e in page["edges"]]
        pages += 1
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(made) and len(seen) == 45
    assert pages == 3
    datasets = gql("{ artifacts(first: 100, types: [DATASET]) { edges { node { type } } } }")["data"]["artifacts"]
    assert [e["node"]["type"] for e in datasets["edges"]] == ["DATASET"] * 15
    # resuming after any edge continues right after that edge
    first = gql("{ artifacts(first: 5) { edges { cursor node { artifactId } } } }")["data"]["artifacts"]["edges"]
    resumed = gql("query($a: String) { artifacts(first: 2, after: $a) { edges { node { artifactId } } } }",
                  a=first[1]["cursor"])["data"]["artifacts"]["edges"]
    assert [e["node"]["artifactId"] for e in resumed] == [e["node"]["artifactId"] for e in first[2:4]]


@pytest.mark.parametrize("args", ['first: 0', 'first: 101', 'after: "garbage!"', 'after: "eyJjIjpudWxsLCJzIjo5OTl9"'])
def test_bad_paging_arguments(gql, args):
    assert codes(gql("{ artifacts(%s) { edges { cursor } } }" % args)) == ["INVALID_INPUT"]


def test_update_adds_a_version_under_the_same_name(gql, fake_hub):
    artifact = ingested(gql)
    update = ("mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { artifactId name "
              "sourceUrl version } errors { code } } }")
    renamed = gql(update, i={"artifactId": artifact["artifactId"], "url": MINILM_URL + "/tree/main",
                             "name": "renamed"})["data"]["updateArtifact"]
    assert [e["code"] for e in renamed["errors"]] == ["INVALID_INPUT"]  # name and id must match: no rename
    updated = gql(update, i={"artifactId": artifact["artifactId"], "url": MINILM_URL + "/tree/main",
                             "name": artifact["name"]})["data"]["updateArtifact"]
    assert updated["errors"] == []
    new = updated["artifact"]
    assert new["artifactId"] != artifact["artifactId"] and new["name"] == artifact["name"]
    assert (new["version"], new["sourceUrl"]) == ("1.0.1", MINILM_URL + "/tree/main")  # no tag: the next patch

    def actions(artifact_id: str) -> list[str]:
        trail = gql('query($id: String!) { auditTrail(artifactId: $id) { action } }', id=artifact_id)
        return [e["action"] for e in trail["data"]["auditTrail"]]

    assert actions(artifact["artifactId"]) == ["CREATE", "UPDATE"]
    assert actions(new["artifactId"]) == ["CREATE"]


def test_delete_removes_the_artifact(gql):
    artifact = ingested(gql)
    deleted = gql('mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { deletedId errors { code } } }',
                  id=artifact["artifactId"])
    assert deleted["data"]["deleteArtifact"] == {"deletedId": artifact["artifactId"], "errors": []}
    gone = gql('query($id: String!) { artifact(id: $id) { name } }', id=artifact["artifactId"])
    assert gone["data"]["artifact"] is None
    again = gql('mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { errors { code } } }',
                id=artifact["artifactId"])
    assert again["data"]["deleteArtifact"]["errors"] == [{"code": "NOT_FOUND"}]


def test_each_step_is_refused_without_its_permission(gql, make_user):
    artifact = ingested(gql)
    artifact_id, global_id = artifact["artifactId"], artifact["id"]
    downloader = make_user("downloader", "DOWNLOAD")
    searcher = make_user("searcher", "SEARCH")
    assert ingest(searcher)["errors"][0]["code"] == "PERMISSION_DENIED"
    for query in ('{ artifact(id: "%s") { name } }' % artifact_id,
                  '{ artifactsByName(name: "all-MiniLM-L6-v2") { edges { node { name } } } }',
                  '{ searchArtifacts(regex: "Mini") { edges { node { name } } } }',
                  '{ artifactsByVersion(query: "^1.0.0") { edges { node { name } } } }',
                  '{ artifacts { edges { cursor } } }',
                  '{ node(id: "%s") { id } }' % global_id):
        assert codes(downloader(query)) == ["PERMISSION_DENIED"], query
        assert not searcher(query).get("errors"), query
    refused = searcher('mutation { deleteArtifact(input: {artifactId: "%s"}) { errors { code } } }' % artifact_id)
    assert refused["data"]["deleteArtifact"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    assert gql('{ artifact(id: "%s") { name } }' % artifact_id)["data"]["artifact"]["name"] == "all-MiniLM-L6-v2"


def test_uploader_deletes_only_their_own_artifacts(gql, make_user):
    artifact = ingested(gql)
    uploader = make_user("up", "UPLOAD", "SEARCH")
    refused = uploader('mutation { deleteArtifact(input: {artifactId: "%s"}) { errors { code } } }'
                       % artifact["artifactId"])
    assert refused["data"]["deleteArtifact"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    own = ingested(uploader, name="mine")
    done = uploader('mutation { deleteArtifact(input: {artifactId: "%s"}) { deletedId } }' % own["artifactId"])
    assert done["data"]["deleteArtifact"]["deletedId"] == own["artifactId"]


def test_audit_trail_records_actions_and_its_own_reading(gql):
    artifact = ingested(gql)
    query = 'query($id: String!) { auditTrail(artifactId: $id) { action username artifactName artifactType } }'
    first = gql(query, id=artifact["artifactId"])["data"]["auditTrail"]
    assert first == [{"action": "CREATE", "username": "ece30861defaultadminuser",
                      "artifactName": "all-MiniLM-L6-v2", "artifactType": "MODEL"}]
    second = gql(query, id=artifact["artifactId"])["data"]["auditTrail"]
    assert [e["action"] for e in second] == ["CREATE", "AUDIT"]
