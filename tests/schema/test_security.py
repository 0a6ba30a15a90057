"""Issue 11 through the public doors (GraphQL, REST, GET /download): content scans, sensitive models and monitors,
download history, one audit entry per download, trails of deleted artifacts, refusals, passwords, search counts."""
from __future__ import annotations

import os
import pickle

import pytest

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.conftest import GraphQL
from tests.fakehub.seed import NO_CARD_ID, minilm_files
from tests.package.pickles import CustomHead, malicious, torch_zip
from tests.package.zips import hf_files
from tests.schema.test_artifacts import ingested
from tests.schema.test_package import DOWNLOAD, upload

PASSWORD = "pass-word-123"
SET_SENSITIVE = ("mutation($i: SetSensitiveInput!) { setSensitive(input: $i) { artifact { artifactId sensitive } "
                 "errors { code message } } }")
PUT_MONITOR = ("mutation($i: PutMonitorInput!) { putMonitor(input: $i) { monitor { program sha256 updatedBy "
               "updatedAt } errors { code message } } }")
REMOVE_MONITOR = ("mutation($i: RemoveMonitorInput!) { removeMonitor(input: $i) { deletedId "
                  "errors { code message } } }")
HISTORY = ("query($id: String!, $first: Int!, $after: String) { downloadHistory(artifactId: $id, first: $first, "
           "after: $after) { edges { node { username part allowed outcome exitCode stdout at } cursor } "
           "pageInfo { hasNextPage endCursor } } }")
TRAIL = "query($id: String!) { auditTrail(artifactId: $id) { action username detail } }"
CHANGE_PASSWORD = ("mutation($i: ChangePasswordInput!) { changePassword(input: $i) { user { username } "
                   "errors { code message } } }")
# Refuses downloads by "mallory" (printing why), allows everyone else.
GATEKEEPER = ("const [model, uploader, downloader, zip] = process.argv.slice(2);\n"
              "if (downloader === 'mallory') { console.log(`${downloader} may not download ${model} of ${uploader}`);"
              " process.exit(4); }\n"
              "console.log('cleared ' + downloader);")


def get(gql: GraphQL, url: str, **headers: str):
    """GET one of this server's URLs (a signed link: no token header unless given)."""
    return gql.client.get(url.replace("http://testserver", ""), headers=headers)


def link(gql: GraphQL, artifact_id: str, part: str = "FULL") -> dict:
    payload = gql(DOWNLOAD, id=artifact_id, p=part)["data"]["requestDownload"]
    assert payload["errors"] == [], payload
    return payload["download"]


def trail_actions(gql: GraphQL, artifact_id: str) -> list[str]:
    return [e["action"] for e in gql(TRAIL, id=artifact_id)["data"]["auditTrail"]]


@pytest.fixture
def package(gql, tmp_path) -> tuple[bytes, str]:
    data, done = upload(gql, tmp_path, name="acme/secret-model")
    assert done["errors"] == [], done
    return data, done["artifact"]["artifactId"]


def test_one_download_is_one_audit_entry_and_one_history_record(gql, package):
    data, artifact_id = package
    url = link(gql, artifact_id)["url"]
    assert "DOWNLOAD" not in trail_actions(gql, artifact_id)  # asking for a link downloads nothing
    response = get(gql, url)
    assert response.status_code == 200 and response.content == data
    assert trail_actions(gql, artifact_id).count("DOWNLOAD") == 1
    history = gql(HISTORY, id=artifact_id, first=10, after=None)["data"]["downloadHistory"]["edges"]
    assert [(e["node"]["username"], e["node"]["allowed"]) for e in history] == [(DEFAULT_ADMIN_USERNAME, True)]


def test_a_sensitive_models_monitor_decides_every_download(gql, make_user, package):
    data, artifact_id = package
    owner, alice, mallory = make_user("owner", "UPLOAD", "SEARCH"), make_user("alice", "DOWNLOAD", "SEARCH"), \
        make_user("mallory", "DOWNLOAD", "SEARCH")
    assert owner(SET_SENSITIVE, i={"artifactId": artifact_id, "sensitive": True})["data"]["setSensitive"][
        "artifact"] == {"artifactId": artifact_id, "sensitive": True}
    monitor = owner(PUT_MONITOR, i={"artifactId": artifact_id, "program": GATEKEEPER})["data"]["putMonitor"]
    assert monitor["errors"] == [] and monitor["monitor"]["updatedBy"] == "owner"

    allowed = get(alice, link(alice, artifact_id)["url"])
    assert allowed.status_code == 200 and allowed.content == data
    refused = get(mallory, link(mallory, artifact_id)["url"])
    assert refused.status_code == 403 and refused.json()["code"] == "MONITOR_REJECTED"
    assert f"mallory may not download acme/secret-model of {DEFAULT_ADMIN_USERNAME}" in refused.json()["detail"]
    with_header = mallory.client.get(f"/download/{artifact_id}", headers={"X-Authorization": f"bearer {mallory.token}"})
    assert with_header.status_code == 403 and with_header.json()["code"] == "MONITOR_REJECTED"

    history = gql(HISTORY, id=artifact_id, first=10, after=None)["data"]["downloadHistory"]["edges"]
    assert [(e["node"]["username"], e["node"]["allowed"], e["node"]["exitCode"]) for e in history] == [
        ("alice", True, 0), ("mallory", False, 4), ("mallory", False, 4)]
    assert history[0]["node"]["stdout"] == "cleared alice\n"
    denied = alice(HISTORY, id=artifact_id, first=10, after=None)
    assert denied["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"  # not the uploader, not an admin
    actions = trail_actions(gql, artifact_id)
    assert actions.count("DOWNLOAD") == 1 and actions.count("DOWNLOAD_REFUSED") == 2
    assert {"SENSITIVE_CHANGED", "MONITOR_CHANGED"} <= set(actions)
    rest = gql.client.get(f"/artifact/model/{artifact_id}/audit", headers={"X-Authorization": f"bearer {gql.token}"})
    assert {e["action"] for e in rest.json()} <= {"CREATE", "UPDATE", "DOWNLOAD", "RATE", "AUDIT"}
    assert [e["action"] for e in rest.json()].count("DOWNLOAD") == 1


def test_the_monitor_is_read_and_managed_with_the_upload_permission(gql, make_user, package):
    _, artifact_id = package
    owner, reader = make_user("owner", "UPLOAD", "SEARCH"), make_user("reader", "SEARCH", "DOWNLOAD")
    query = "query($id: String!) { artifact(id: $id) { sensitive monitor { program updatedBy } } }"
    assert owner(query, id=artifact_id)["data"]["artifact"] == {"sensitive": False, "monitor": None}
    owner(PUT_MONITOR, i={"artifactId": artifact_id, "program": "process.exit(0)"})
    assert owner(query, id=artifact_id)["data"]["artifact"]["monitor"] == {"program": "process.exit(0)",
                                                                           "updatedBy": "owner"}
    hidden = reader(query, id=artifact_id)
    assert hidden["data"]["artifact"]["monitor"] is None
    assert hidden["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    for mutation, field in ((PUT_MONITOR, "putMonitor"), (SET_SENSITIVE, "setSensitive")):
        variables = {"artifactId": artifact_id, "program": "1"} if field == "putMonitor" else {
            "artifactId": artifact_id, "sensitive": True}
        assert reader(mutation, i=variables)["data"][field]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert owner(REMOVE_MONITOR, i={"artifactId": artifact_id})["data"]["removeMonitor"] == {
        "deletedId": artifact_id, "errors": []}
    again = owner(REMOVE_MONITOR, i={"artifactId": artifact_id})["data"]["removeMonitor"]
    assert again["errors"][0]["code"] == "NOT_FOUND"


def test_rest_routes_for_sensitive_models_monitors_and_history(client, gql, package):
    _, artifact_id = package
    auth = {"X-Authorization": f"bearer {gql.token}"}
    base = f"/artifact/model/{artifact_id}"
    assert client.put(f"{base}/sensitive", json={"sensitive": True}, headers=auth).json() == {
        "id": artifact_id, "name": "acme/secret-model", "sensitive": True}
    assert client.put(f"{base}/sensitive", json={"sensitive": "yes"}, headers=auth).status_code == 400
    assert client.get(f"{base}/monitor", headers=auth).status_code == 404
    put = client.put(f"{base}/monitor", json={"program": "console.log('ok')"}, headers=auth)
    assert put.status_code == 200 and put.json()["program"] == "console.log('ok')"
    assert client.get(f"{base}/monitor", headers=auth).json()["sha256"] == put.json()["sha256"]
    assert client.delete(f"{base}/monitor", headers=auth).json() == {"id": artifact_id, "removed": True}
    assert client.get(f"{base}/monitor").status_code == 403  # no token
    for _ in range(3):
        assert client.get(f"/download/{artifact_id}", headers=auth).status_code == 200
    first = client.get(f"{base}/download-history", params={"limit": 2}, headers=auth)
    assert len(first.json()) == 2 and "offset" in first.headers
    rest = client.get(f"{base}/download-history", params={"limit": 2, "offset": first.headers["offset"]},
                      headers=auth)
    assert len(rest.json()) == 1 and "offset" not in rest.headers
    assert rest.json()[0]["outcome"] == "allowed (sensitive, no monitor attached)"
    scan = client.get(f"/artifact/model/{artifact_id}/content-scan", headers=auth).json()
    assert scan["artifact_id"] == artifact_id and scan["scan"]["verdict"] == "clean"
    assert client.get(f"/artifact/dataset/{artifact_id}/content-scan", headers=auth).status_code == 404


def test_a_deleted_artifacts_trail_and_history_stay_readable_by_admins(gql, make_user, package):
    _, artifact_id = package
    get(gql, link(gql, artifact_id)["url"])
    reader = make_user("reader", "SEARCH")
    assert "CREATE" in trail_actions(reader, artifact_id)
    gql('mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { deletedId } }', id=artifact_id)
    assert trail_actions(gql, artifact_id) == ["CREATE", "DOWNLOAD", "AUDIT", "DELETE"]
    gone = reader(TRAIL, id=artifact_id)
    assert gone["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    auth = {"X-Authorization": f"bearer {gql.token}"}
    rest = gql.client.get(f"/artifact/model/{artifact_id}/audit", headers=auth)
    # DELETE is GraphQL's only: it is not one of the spec's five actions
    assert rest.status_code == 200 and [e["action"] for e in rest.json()] == ["CREATE", "DOWNLOAD", "AUDIT", "AUDIT"]
    assert gql.client.get(f"/artifact/dataset/{artifact_id}/audit", headers=auth).status_code == 404
    history = gql(HISTORY, id=artifact_id, first=5, after=None)["data"]["downloadHistory"]["edges"]
    assert len(history) == 1


def test_refused_ingests_are_audited_for_admins(gql, client, make_user, tmp_path):
    auth = {"X-Authorization": f"bearer {gql.token}"}
    card_less = f"https://huggingface.co/{NO_CARD_ID}"
    assert client.post("/artifact/model", json={"url": card_less}, headers=auth).status_code == 424  # no card
    _, done = upload(gql, tmp_path, name="acme/trojan", files={**hf_files(), "pytorch_model.bin": torch_zip(
        malicious(os.system, "true"))})
    assert done["errors"][0]["code"] == "UNSAFE_CONTENT"
    query = "{ refusals(first: 5) { edges { node { artifactName action username detail } } } }"
    gated, unsafe = [e["node"] for e in gql(query)["data"]["refusals"]["edges"]]
    assert (gated["artifactName"], gated["action"], gated["username"]) == (card_less, "INGEST_REFUSED",
                                                                           DEFAULT_ADMIN_USERNAME)
    assert gated["detail"].startswith("DISQUALIFIED: ")
    assert unsafe["artifactName"] == "acme/trojan" and unsafe["detail"].startswith("UNSAFE_CONTENT: ")
    assert "posix.system" in unsafe["detail"]
    uploader = make_user("uploader", "UPLOAD", "SEARCH")
    assert uploader(query)["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_a_suspicious_hub_model_shows_its_scan_and_its_rating_says_so(gql, fake_hub):
    files = {path: data for path, data in minilm_files().items() if path != "model.safetensors"}
    files["pytorch_model.bin"] = torch_zip(pickle.dumps(CustomHead(), protocol=2))
    fake_hub.add_model("acme/minilm-custom-head", files, downloads=5_000, likes=40,
                       library_name="sentence-transformers", pipeline_tag="sentence-similarity")
    model = ingested(gql, url="https://huggingface.co/acme/minilm-custom-head")
    query = ("query($id: String!) { artifact(id: $id) { contentScan { verdict scannedFiles findings { file "
             "globalName severity detail } scanner scannedAt } rating { netScoreExplanation } } }")
    before = gql(query, id=model["artifactId"])["data"]["artifact"]
    assert before["contentScan"] is None and "Content scan" not in before["rating"]["netScoreExplanation"]
    assert get(gql, link(gql, model["artifactId"], "WEIGHTS")["url"]).status_code == 200  # the mirror scans it
    after = gql(query, id=model["artifactId"])["data"]["artifact"]
    scan = after["contentScan"]
    assert scan["verdict"] == "SUSPICIOUS" and scan["scannedFiles"] == ["pytorch_model.bin"]
    assert {(f["file"], f["severity"]) for f in scan["findings"]} == {("pytorch_model.bin", "SUSPICIOUS")}
    finding = scan["findings"][0]["globalName"]
    assert f"pytorch_model.bin imports {finding}" in after["rating"]["netScoreExplanation"]


def test_change_password_own_and_as_admin(gql, client, make_user):
    ann = make_user("ann", "SEARCH")
    wrong = ann(CHANGE_PASSWORD, i={"currentPassword": "not it", "newPassword": "a-much-better-secret-42"})
    assert wrong["data"]["changePassword"]["errors"][0] == {"code": "INVALID_INPUT",
                                                            "message": "the current password is wrong"}
    weak = ann(CHANGE_PASSWORD, i={"currentPassword": PASSWORD, "newPassword": "password1234"})
    assert weak["data"]["changePassword"]["errors"][0]["code"] == "INVALID_INPUT"
    done = ann(CHANGE_PASSWORD, i={"currentPassword": PASSWORD, "newPassword": "a-much-better-secret-42"})
    assert done["data"]["changePassword"] == {"user": {"username": "ann"}, "errors": []}
    assert ann("{ me { username } }")["errors"][0]["extensions"]["code"] == "AUTHENTICATION_FAILED"  # token died
    ann = ann.as_user(GraphQL(client).login("ann", "a-much-better-secret-42"))
    other = ann(CHANGE_PASSWORD, i={"username": DEFAULT_ADMIN_USERNAME, "newPassword": "a-much-better-secret-42"})
    assert other["data"]["changePassword"]["errors"][0]["code"] == "PERMISSION_DENIED"
    reset = gql(CHANGE_PASSWORD, i={"username": "ann", "newPassword": "admin-chosen-secret-77"})
    assert reset["data"]["changePassword"]["errors"] == []
    token = GraphQL(client).login("ann", "admin-chosen-secret-77")
    response = client.put("/user/password", json={"current_password": "admin-chosen-secret-77",
                                                  "new_password": "she-chose-this-one-99"},
                          headers={"X-Authorization": f"bearer {token}"})
    assert response.status_code == 200 and response.json()["name"] == "ann"
    assert GraphQL(client).login("ann", "she-chose-this-one-99")
    assert GraphQL(client).login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)  # untouched


def test_searches_count_appearances_and_listings_do_not(app, gql, client, tmp_path):
    _, first = upload(gql, tmp_path, name="acme/alpha")
    (tmp_path / "beta").mkdir()
    _, second = upload(gql, tmp_path / "beta", name="acme/beta", files=hf_files(**{"notes.txt": b"beta"}))
    ids = [first["artifact"]["artifactId"], second["artifact"]["artifactId"]]
    counts = app.state.registry.metadata.search_appearances
    gql('{ artifacts { edges { cursor } } }')
    auth = {"X-Authorization": f"bearer {gql.token}"}
    client.post("/artifacts", json=[{"name": "*"}, {"name": "acme/alpha"}], headers=auth)
    assert counts(ids) == {}
    gql('{ searchArtifacts(regex: "acme/") { edges { cursor } } }')
    gql('{ artifactsByName(name: "acme/alpha") { edges { cursor } } }')
    client.post("/artifact/byRegEx", json={"regex": "beta"}, headers=auth)
    client.get("/artifact/byName/acme/beta", headers=auth)
    client.post("/artifacts", json=[{"name": "acme/alpha"}], headers=auth)
    assert counts(ids) == {ids[0]: 3, ids[1]: 3}
