"""The rating gate at ingest, stored ratings, re-rating and version search through GraphQL."""
from tests.conftest import MINILM_URL, nodes
from tests.fakehub.seed import MULTI_FORMAT_ID, NO_CARD_ID
from tests.schema.test_artifacts import codes, count_all, ingest, ingested

RATING = ("query($id: String!) { rating(artifactId: $id) { name netScore netScoreLatency evidenceTime "
          "rampUpTime { score latencySeconds explanation } busFactor { score } license { score explanation } "
          "reviewedness { score applicable } treeScore { score applicable } "
          "sizeScore { raspberryPi jetsonNano desktopPc awsServer } } }")


def test_a_model_without_card_or_license_is_refused_with_its_failing_metrics(gql):
    payload = ingest(gql, url=f"https://huggingface.co/{NO_CARD_ID}", code_url=None, datasets=())
    assert payload["artifact"] is None
    error = payload["errors"][0]
    assert error["code"] == "DISQUALIFIED"
    failing = {f["metric"]: f for f in error["details"]["failures"]}
    assert failing["license"]["value"] == 0 and "no recognisable license" in failing["license"]["reason"]
    assert "no model card" in failing["ramp_up_time"]["reason"]
    assert count_all(gql) == 0


def test_all_minilm_is_ingested_from_its_card_alone(gql):
    """Its card links no code: the library that runs it (sentence-transformers) is the code evidence."""
    payload = ingest(gql, code_url=None, datasets=())
    assert payload["errors"] == [], payload


def test_ingested_model_has_a_stored_rating_that_reads_back_identically(gql):
    artifact = ingested(gql)
    first = gql(RATING, id=artifact["artifactId"])["data"]["rating"]
    assert first["name"] == "all-MiniLM-L6-v2"
    assert 0.5 <= first["netScore"] <= 1 and first["netScoreLatency"] >= 0
    assert first["license"]["score"] == 1.0 and "Apache" in first["license"]["explanation"]
    assert first["treeScore"]["applicable"] is False
    assert set(first["sizeScore"]) == {"raspberryPi", "jetsonNano", "desktopPc", "awsServer"}
    assert gql(RATING, id=artifact["artifactId"])["data"]["rating"] == first  # a snapshot, not recomputed
    trail = gql('query($id: String!) { auditTrail(artifactId: $id) { action } }', id=artifact["artifactId"])
    assert [e["action"] for e in trail["data"]["auditTrail"]] == ["CREATE", "RATE", "RATE"]


def test_rating_a_dataset_is_invalid(gql, fake_hub):
    dataset = ingested(gql, url="https://huggingface.co/datasets/fakehub/tiny-reviews", type_="DATASET",
                       code_url=None)
    assert codes(gql(RATING, id=dataset["artifactId"])) == ["INVALID_INPUT"]


def test_rerating_gathers_fresh_evidence(gql, fake_hub):
    artifact = ingested(gql)
    before = gql(RATING, id=artifact["artifactId"])["data"]["rating"]["evidenceTime"]
    result = gql('mutation($id: String!) { rateArtifact(input: {artifactId: $id}) { rating { netScore evidenceTime } '
                 'errors { code } } }', id=artifact["artifactId"])["data"]["rateArtifact"]
    assert result["errors"] == [] and result["rating"]["evidenceTime"] > before
    assert gql(RATING, id=artifact["artifactId"])["data"]["rating"]["evidenceTime"] == result["rating"]["evidenceTime"]


def test_an_update_refused_by_the_gate_keeps_the_previous_version(gql):
    artifact = ingested(gql)
    refused = gql("mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { name } "
                  "errors { code details } } }",
                  i={"artifactId": artifact["artifactId"], "url": f"https://huggingface.co/{MULTI_FORMAT_ID}",
                     "codeUrl": None, "datasetUrls": []})["data"]["updateArtifact"]
    assert refused["artifact"] is None and refused["errors"][0]["code"] == "DISQUALIFIED"
    kept = gql('query($id: String!) { artifact(id: $id) { name sourceUrl } }', id=artifact["artifactId"])
    assert kept["data"]["artifact"] == {"name": "all-MiniLM-L6-v2", "sourceUrl": MINILM_URL}


def test_version_search_uses_git_tags(gql, fake_hub):
    for repo, tags in (("acme/reviews-a", ["v1.2.0"]), ("acme/reviews-b", ["v1.2.5", "2.0.0"]),
                       ("acme/reviews-c", ["release"])):
        fake_hub.add_dataset(repo, {"data.csv": b"a,b\n"}, card="# reviews\n", git_tags=tags)
        ingested(gql, url=f"https://huggingface.co/datasets/{repo}", type_="DATASET", code_url=None)
    query = 'query($q: String!) { artifactsByVersion(query: $q) { edges { node { name version } } } }'

    def names(q):
        result = gql(query, q=q)
        assert "errors" not in result, result
        return sorted(a["name"] for a in nodes(result, "artifactsByVersion"))

    assert names("1.2.0") == ["reviews-a"]
    assert names("1.0.0") == ["reviews-c"]
    assert names("~1.2.0") == ["reviews-a"]
    assert names("^1.0.0") == ["reviews-a", "reviews-c"]
    assert names("1.0.0-2.0.0") == ["reviews-a", "reviews-b", "reviews-c"]
    assert codes(gql(query, q="not-a-version")) == ["INVALID_INPUT"]


def test_the_stored_evidence_recomputes_the_stored_rating(app, gql):
    artifact = ingested(gql)
    registry = app.state.registry
    stored = registry.metadata.get_rating(artifact["artifactId"])
    again = registry.ratings.recompute(stored)
    original = stored["rating"]
    assert again.net_score == original["net_score"]
    for name, metric in again.scalar_metrics().items():
        assert (metric.score, metric.explanation) == (original[name]["score"], original[name]["explanation"]), name
    assert again.size_score.device_scores() == {d: original["size_score"][d] for d in again.size_score.device_scores()}


def test_an_artifact_carries_its_rating_and_lineage(gql, fake_hub):
    model = ingested(gql)
    dataset = ingested(gql, url="https://huggingface.co/datasets/fakehub/tiny-reviews", type_="DATASET")
    query = ("query($id: String!) { artifact(id: $id) { rating { netScore } lineage(depth: 1) { rootId "
             "nodes { artifactId external } edges { from to relation } } } }")
    read = gql(query, id=model["artifactId"])["data"]["artifact"]
    assert read["rating"]["netScore"] >= 0.5
    assert read["lineage"]["rootId"] == model["artifactId"]
    linked = {e["from"]: e["relation"] for e in read["lineage"]["edges"]}
    assert linked[dataset["artifactId"]] == "fine_tuning_dataset"  # the dataset ingest linked, now registered
    assert gql(query, id=dataset["artifactId"])["data"]["artifact"]["rating"] is None
