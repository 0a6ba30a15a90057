"""The six models of the grading flow ingest through both doors, by URL alone, with today's clock.

The fake hub serves them shaped like the real ones (tests/fakehub/calibration_seed.py); the parents come first so
that the children's tree_score reads their registered parents' ratings.
"""
from __future__ import annotations

import pytest

from tests.fakehub.calibration_seed import BERT_ID, NREIMERS_ID, add_calibration_models
from tests.fakehub.lineage_seed import GENDER_ID, ONNX_ID, RESNET_ID
from tests.fakehub.seed import MINILM_ID

SIX = (BERT_ID, RESNET_ID, GENDER_ID, ONNX_ID, NREIMERS_ID, MINILM_ID)
# Their parents are ingested before them: ResNet-50, trained-gender, and nreimers' MiniLM (MiniLM's config names it)
CHILDREN = (GENDER_ID, ONNX_ID, MINILM_ID)
INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId name } "
          "errors { code message details } } }")
RATING = "query($id: String!) { rating(artifactId: $id) { netScore treeScore { score applicable } } }"


@pytest.fixture
def grading_hub(fake_hub):  # type: ignore[no-untyped-def]
    add_calibration_models(fake_hub)
    return fake_hub


def test_the_six_ingest_through_rest(api, grading_hub) -> None:  # type: ignore[no-untyped-def]
    ids = {}
    for repo_id in SIX:
        created = api.post("/artifact/model", json={"url": f"https://huggingface.co/{repo_id}"})
        assert created.status_code == 201, (repo_id, created.text)
        ids[repo_id] = created.json()["metadata"]["id"]
    for repo_id, artifact_id in ids.items():
        rating = api.get(f"/artifact/model/{artifact_id}/rate").json()
        assert rating["net_score"] >= 0.5 and rating["bus_factor"] >= 0.5, (repo_id, rating)
        assert rating["bus_factor_latency"] > 0 and rating["net_score_latency"] > 0  # it waited for the hub
    tree = api.get(f"/artifact/model/{ids[ONNX_ID]}/rate").json()["tree_score"]
    assert tree == api.get(f"/artifact/model/{ids[GENDER_ID]}/rate").json()["net_score"]


def test_the_six_ingest_through_graphql(gql, grading_hub) -> None:  # type: ignore[no-untyped-def]
    for repo_id in SIX:
        payload = gql(INGEST, i={"type": "MODEL", "url": f"https://huggingface.co/{repo_id}"})["data"]["ingestArtifact"]
        assert payload["errors"] == [], (repo_id, payload["errors"])
        rating = gql(RATING, id=payload["artifact"]["artifactId"])["data"]["rating"]
        assert rating["netScore"] >= 0.5
        assert rating["treeScore"]["applicable"] == (repo_id in CHILDREN)
