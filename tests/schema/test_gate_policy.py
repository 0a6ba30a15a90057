"""Issue 9 through the doors: one model one rating (aliases), refusals that carry the full rating, the gate policy
(stored, audited, admins only, never rewriting stored ratings), previews that store nothing, and packages rated
from their own contents."""
from __future__ import annotations

import hashlib

import pytest

from tests.fakehub.calibration_seed import BERT_ALIAS, BERT_ID, CARDLESS_ID, add_calibration_models
from tests.fakehub.seed import NO_CARD_ID
from tests.package.zips import build_zip, hf_files
from tests.schema.test_package import FINALIZE, REQUEST

INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId name sourceUrl } "
          "rating { netScore busFactor { score explanation } license { score } } errors { code message details } } }")
POLICY = ("{ gatePolicy { netScoreGated netScoreThreshold updatedBy thresholds { metric threshold } } }")
UPDATE_POLICY = ("mutation($i: UpdateGatePolicyInput!) { updateGatePolicy(input: $i) { policy { netScoreGated "
                 "thresholds { metric threshold } updatedBy } errors { code message } } }")
PREVIEW = ("query($i: PreviewRatingInput!) { previewRating(input: $i) { admitted rating { name netScore "
           "license { score explanation } } failures { metric value threshold reason } } }")
GATED = ("ramp_up_time", "bus_factor", "performance_claims", "license", "dataset_and_code_score", "code_quality",
         "reproducibility", "size_score")
PERMISSIVE = {"thresholds": [{"metric": metric, "threshold": 0.0} for metric in GATED], "netScoreGated": False}


@pytest.fixture
def hub(fake_hub):  # type: ignore[no-untyped-def]
    add_calibration_models(fake_hub)
    return fake_hub


def ingest(gql, url: str) -> dict:  # type: ignore[no-untyped-def]
    return gql(INGEST, i={"type": "MODEL", "url": url})["data"]["ingestArtifact"]


def test_an_alias_is_the_same_model_stored_under_its_canonical_id(gql, client, hub) -> None:
    first = ingest(gql, f"https://huggingface.co/{BERT_ALIAS}")
    assert first["errors"] == [] and first["artifact"]["sourceUrl"] == f"https://huggingface.co/{BERT_ID}"
    assert first["artifact"]["name"] == "bert-base-uncased" and first["rating"]["busFactor"]["score"] >= 0.8
    again = ingest(gql, f"https://huggingface.co/{BERT_ID}")
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"] and again["artifact"] is None
    rest = client.post("/artifact/model", json={"url": f"https://huggingface.co/{BERT_ALIAS}"},
                       headers={"X-Authorization": f"bearer {gql.token}"})
    assert rest.status_code == 409


def test_a_refusal_carries_every_score_through_both_doors(gql, client, hub) -> None:
    refused = ingest(gql, f"https://huggingface.co/{CARDLESS_ID}")
    error = refused["errors"][0]
    assert error["code"] == "DISQUALIFIED" and refused["artifact"] is None
    assert refused["rating"]["license"]["score"] == 0.0 and refused["rating"]["netScore"] < 0.5
    assert {f["metric"] for f in error["details"]["failures"]} >= {"license", "net_score"}
    assert all(f["threshold"] == 0.5 for f in error["details"]["failures"])
    response = client.post("/artifact/model", json={"url": f"https://huggingface.co/{NO_CARD_ID}"},
                           headers={"X-Authorization": f"bearer {gql.token}"})
    body = response.json()
    assert response.status_code == 424 and body["code"] == "DISQUALIFIED"
    rating = body["details"]["rating"]
    assert {"ramp_up_time", "bus_factor", "license", "size_score", "net_score"} <= set(rating)
    assert rating["license"]["explanation"] and rating["net_score"] == body["details"]["net_score"]


def test_the_policy_is_read_by_all_changed_by_admins_audited_and_never_rewrites_ratings(app, gql, make_user, hub):
    default = gql(POLICY)["data"]["gatePolicy"]
    assert default["netScoreGated"] and default["netScoreThreshold"] == 0.5 and default["updatedBy"] is None
    assert {t["threshold"] for t in default["thresholds"]} == {0.5}
    accepted = ingest(gql, f"https://huggingface.co/{BERT_ID}")
    stored = gql("query($id: String!) { rating(artifactId: $id) { netScore } }",
                 id=accepted["artifact"]["artifactId"])["data"]["rating"]
    uploader = make_user("uploader", "UPLOAD", "SEARCH")
    denied = uploader(UPDATE_POLICY, i=PERMISSIVE)["data"]["updateGatePolicy"]
    assert [e["code"] for e in denied["errors"]] == ["PERMISSION_DENIED"]
    assert ingest(uploader, f"https://huggingface.co/{CARDLESS_ID}")["errors"][0]["code"] == "DISQUALIFIED"

    changed = gql(UPDATE_POLICY, i=PERMISSIVE)["data"]["updateGatePolicy"]
    assert changed["errors"] == [] and changed["policy"]["updatedBy"] == "ece30861defaultadminuser"
    assert gql(POLICY)["data"]["gatePolicy"]["netScoreGated"] is False
    assert ingest(uploader, f"https://huggingface.co/{CARDLESS_ID}")["errors"] == []  # the new rule lets it in
    again = gql("query($id: String!) { rating(artifactId: $id) { netScore } }",
                id=accepted["artifact"]["artifactId"])["data"]["rating"]
    assert again == stored  # the stored rating was not rewritten
    trail = app.state.registry.metadata.list_audit("gate-policy")
    assert [(e.action.value, e.username) for e in trail] == [("UPDATE", "ece30861defaultadminuser")]


def test_a_policy_with_an_unknown_metric_or_a_bad_threshold_is_refused(gql) -> None:
    for thresholds in ([{"metric": "stars", "threshold": 0.5}], [{"metric": "license", "threshold": 1.5}]):
        result = gql(UPDATE_POLICY, i={"thresholds": thresholds})["data"]["updateGatePolicy"]
        assert [e["code"] for e in result["errors"]] == ["INVALID_INPUT"]
    assert gql(POLICY)["data"]["gatePolicy"]["updatedBy"] is None


def test_a_preview_rates_without_storing_anything(gql, hub) -> None:
    preview = gql(PREVIEW, i={"url": f"https://huggingface.co/{CARDLESS_ID}"})["data"]["previewRating"]
    assert preview["admitted"] is False and preview["rating"]["netScore"] < 0.5
    assert {f["metric"] for f in preview["failures"]} >= {"license"}
    good = gql(PREVIEW, i={"url": f"https://huggingface.co/{BERT_ID}"})["data"]["previewRating"]
    assert good["admitted"] is True and good["failures"] == []
    listed = gql("{ artifacts { edges { cursor } } }")["data"]["artifacts"]["edges"]
    assert listed == []
    neither = gql(PREVIEW, i={})
    assert neither["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


def test_an_uploaded_package_is_rated_previewed_and_gated_like_a_hub_model(gql, tmp_path, hub) -> None:
    good = build_zip(tmp_path / "good.zip", hf_files()).read_bytes()
    ticket = gql(REQUEST, n="tiny-model", s=len(good))["data"]["requestUpload"]["ticket"]
    gql.client.put(ticket["url"], content=good)
    digest = hashlib.sha256(good).hexdigest()
    preview = gql(PREVIEW, i={"uploadId": ticket["uploadId"], "sha256": digest})["data"]["previewRating"]
    assert preview["admitted"] is True and preview["rating"]["license"]["score"] == 1.0
    done = gql(FINALIZE, u=ticket["uploadId"], h=digest)["data"]["finalizeUpload"]
    assert done["errors"] == []
    rating = gql("query($id: String!) { rating(artifactId: $id) { busFactor { applicable explanation } "
                 "datasetQuality { score } } }", id=done["artifact"]["artifactId"])["data"]["rating"]
    assert rating["busFactor"]["applicable"] is False and "package" in rating["busFactor"]["explanation"]
    assert rating["datasetQuality"]["score"] > 0  # its card's dataset was read from the hub
    rerated = gql("mutation($id: String!) { rateArtifact(input: {artifactId: $id}) { rating { netScore } "
                  "errors { code } } }", id=done["artifact"]["artifactId"])["data"]["rateArtifact"]
    assert rerated["errors"] == [] and rerated["rating"]["netScore"] >= 0.5

    junk = build_zip(tmp_path / "junk.zip", {"weights.bin": bytes(2048), "README.md": b"# x"}).read_bytes()
    ticket = gql(REQUEST, n="junk", s=len(junk))["data"]["requestUpload"]["ticket"]
    gql.client.put(ticket["url"], content=junk)
    refused = gql(FINALIZE, u=ticket["uploadId"], h=hashlib.sha256(junk).hexdigest())["data"]["finalizeUpload"]
    assert [e["code"] for e in refused["errors"]] == ["DISQUALIFIED"] and refused["artifact"] is None
    assert gql('{ artifactsByName(name: "junk") { edges { cursor } } }')["data"]["artifactsByName"]["edges"] == []
