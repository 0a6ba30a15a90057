"""Lineage, cost and license check end to end: GraphQL -> services -> SQLite store, against the fake hub,
on the microsoft/resnet-50 -> crangana/trained-gender -> onnx-community/trained-gender-ONNX chain."""
from __future__ import annotations

import re

import pytest

from registry.lineage import external_id
from tests.fakehub.lineage_seed import (CHAIN, GENDER_ID, GPL_CODE, MISSING_CODE, ONNX_ID, RESNET_CODE, RESNET_ID,
                                        UNKNOWN_LICENSE_CODE, add_resnet_chain, github_url, hub_url)

INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId updatedAt } "
          "errors { code message } } }")
LINEAGE = ("query($id: String!, $depth: Int, $dir: LineageDirection) { lineage(artifactId: $id, depth: $depth, "
           "direction: $dir) { rootId depth nodes { artifactId name type sourceUrl external source } "
           "edges { from to relation source } } }")
COST = ("query($id: String!, $part: PackagePart, $deps: Boolean) { cost(artifactId: $id, part: $part, "
        "withDependencies: $deps) { artifactId name standaloneMb totalMb external note } }")
LICENSE = ("query($id: String!, $url: String!) { licenseCheck(artifactId: $id, githubUrl: $url) "
           "{ compatible reason modelLicense repoLicense } }")
NODE_ID = re.compile(r"^[a-zA-Z0-9-]+$")
WEIGHTS = (".safetensors", ".bin", ".h5", ".msgpack", ".onnx")


@pytest.fixture
def chain(fake_hub):
    add_resnet_chain(fake_hub)
    return fake_hub


def ingest(gql, url: str, type_: str = "MODEL") -> dict:
    payload = gql(INGEST, i={"type": type_, "url": url})["data"]["ingestArtifact"]
    assert payload["errors"] == [], payload
    return payload["artifact"]


def ingest_chain(gql, order=CHAIN) -> dict[str, str]:
    return {repo_id: ingest(gql, hub_url(repo_id))["artifactId"] for repo_id in order}


def lineage(gql, artifact_id: str, direction: str = "BOTH", depth: int = 3) -> dict:
    result = gql(LINEAGE, id=artifact_id, depth=depth, dir=direction)
    assert "errors" not in result, result
    return result["data"]["lineage"]


def edges(graph: dict) -> set[tuple[str, str, str]]:
    return {(e["from"], e["to"], e["relation"]) for e in graph["edges"]}


def nodes(graph: dict) -> dict[str, dict]:
    return {n["artifactId"]: n for n in graph["nodes"]}


def codes(result: dict) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in result.get("errors") or []]


def fixture_bytes(fake, repo_id: str, weights_only: bool = False) -> int:
    files = fake.hub_repos[("model", repo_id)].files.values()
    return sum(f.size for f in files if not weights_only or f.path.endswith(WEIGHTS))


def test_the_real_chain_ancestors_of_the_onnx_export(lgql, chain):
    ids = ingest_chain(lgql)
    graph = lineage(lgql, ids[ONNX_ID], "ANCESTORS")
    assert graph["rootId"] == ids[ONNX_ID] and graph["depth"] == 3
    assert (ids[RESNET_ID], ids[GENDER_ID], "finetune") in edges(graph)
    assert (ids[GENDER_ID], ids[ONNX_ID], "finetune") in edges(graph)
    found = nodes(graph)
    assert found[ids[RESNET_ID]]["sourceUrl"] == hub_url(RESNET_ID) and not found[ids[RESNET_ID]]["external"]
    assert found[ids[ONNX_ID]]["source"] == "registry" and found[ids[GENDER_ID]]["source"] == "card.base_model"
    externals = {n["sourceUrl"]: n for n in graph["nodes"] if n["external"]}
    assert set(externals) == {"https://huggingface.co/datasets/imagefolder", "https://huggingface.co/datasets/"
                              "imagenet-1k", github_url(RESNET_CODE)}
    assert externals[github_url(RESNET_CODE)]["type"] == "CODE"
    assert externals[github_url(RESNET_CODE)]["name"] == RESNET_CODE
    assert (externals[github_url(RESNET_CODE)]["artifactId"], ids[RESNET_ID], "code") in edges(graph)
    assert all(NODE_ID.match(n["artifactId"]) for n in graph["nodes"])


def test_descendants_and_both_directions(lgql, chain):
    ids = ingest_chain(lgql)
    down = lineage(lgql, ids[RESNET_ID], "DESCENDANTS")
    assert edges(down) == {(ids[RESNET_ID], ids[GENDER_ID], "finetune"), (ids[GENDER_ID], ids[ONNX_ID], "finetune")}
    assert lineage(lgql, ids[RESNET_ID], "DESCENDANTS", depth=1)["nodes"] == [
        n for n in down["nodes"] if n["artifactId"] in (ids[RESNET_ID], ids[GENDER_ID])]
    both = lineage(lgql, ids[GENDER_ID], "BOTH", depth=1)
    assert {ids[RESNET_ID], ids[GENDER_ID], ids[ONNX_ID]} <= set(nodes(both))
    assert lineage(lgql, ids[GENDER_ID], depth=0)["nodes"] == [
        {"artifactId": ids[GENDER_ID], "name": "trained-gender", "type": "MODEL", "sourceUrl": hub_url(GENDER_ID),
         "external": False, "source": "registry"}]


def test_a_parent_ingested_after_its_child_resolves_without_reingesting_the_child(lgql, chain):
    ids = ingest_chain(lgql, (GENDER_ID, ONNX_ID))
    before = lineage(lgql, ids[ONNX_ID], "ANCESTORS")
    placeholder = external_id(hub_url(RESNET_ID))
    assert nodes(before)[placeholder] == {"artifactId": placeholder, "name": RESNET_ID, "type": "MODEL",
                                          "sourceUrl": hub_url(RESNET_ID), "external": True,
                                          "source": "card.base_model"}
    child = lgql("query($id: String!) { artifact(id: $id) { updatedAt } }", id=ids[GENDER_ID])["data"]["artifact"]
    resnet = ingest(lgql, hub_url(RESNET_ID))["artifactId"]
    after = lineage(lgql, ids[ONNX_ID], "ANCESTORS")
    assert placeholder not in nodes(after)
    assert (resnet, ids[GENDER_ID], "finetune") in edges(after)
    assert edges(lineage(lgql, resnet, "DESCENDANTS", depth=1)) == {(resnet, ids[GENDER_ID], "finetune")}
    again = lgql("query($id: String!) { artifact(id: $id) { updatedAt } }", id=ids[GENDER_ID])["data"]["artifact"]
    assert again == child


def test_cost_is_the_sum_of_the_fixture_files_each_dependency_once(lgql, chain):
    ids = ingest_chain(lgql)
    code = ingest(lgql, github_url(RESNET_CODE), "CODE")["artifactId"]
    resnet, gender = fixture_bytes(chain, RESNET_ID), fixture_bytes(chain, GENDER_ID)
    code_bytes = sum(len(v) for v in chain.github_repos[RESNET_CODE.lower()].files.values())
    alone = lgql(COST, id=ids[GENDER_ID])["data"]["cost"]
    assert alone == [{"artifactId": ids[GENDER_ID], "name": "trained-gender", "standaloneMb": gender / 1e6,
                      "totalMb": gender / 1e6, "external": False, "note": None}]
    entries = {e["artifactId"]: e for e in lgql(COST, id=ids[GENDER_ID], deps=True)["data"]["cost"]}
    assert entries[ids[GENDER_ID]]["totalMb"] == pytest.approx((gender + resnet + code_bytes) / 1e6, abs=1e-9)
    assert entries[ids[RESNET_ID]]["totalMb"] == pytest.approx((resnet + code_bytes) / 1e6, abs=1e-9)
    assert entries[code]["standaloneMb"] == entries[code]["totalMb"] == pytest.approx(code_bytes / 1e6)
    externals = [e for e in entries.values() if e["external"]]
    assert len(externals) == 2 and all(e["totalMb"] == 0 and "counted as 0" in e["note"] for e in externals)
    assert ids[ONNX_ID] not in entries  # a descendant is not a dependency
    weights = {e["artifactId"]: e for e in lgql(COST, id=ids[ONNX_ID], part="WEIGHTS", deps=True)["data"]["cost"]}
    expected = sum(fixture_bytes(chain, repo_id, weights_only=True) for repo_id in CHAIN)
    assert weights[ids[ONNX_ID]]["totalMb"] == pytest.approx(expected / 1e6, abs=1e-9)
    assert weights[code]["standaloneMb"] == 0


def test_cost_refuses_an_unknown_part(lgql, chain):
    ids = ingest_chain(lgql, (RESNET_ID,))
    refused = lgql(COST, id=ids[RESNET_ID], part="everything")
    assert refused["data"] is None and "PackagePart" in refused["errors"][0]["message"]


@pytest.mark.parametrize(("code_repo", "compatible", "repo_license"), [
    (RESNET_CODE, True, "MIT"),
    (GPL_CODE, True, "GPL-3.0-only"),
    (UNKNOWN_LICENSE_CODE, False, "NOASSERTION"),
])
def test_license_check_against_github_repositories(lgql, chain, code_repo, compatible, repo_license):
    ids = ingest_chain(lgql, (GENDER_ID,))
    verdict = lgql(LICENSE, id=ids[GENDER_ID], url=github_url(code_repo))["data"]["licenseCheck"]
    assert verdict["compatible"] is compatible and verdict["reason"]
    assert (verdict["modelLicense"], verdict["repoLicense"]) == ("Apache-2.0", repo_license)


def test_license_check_of_a_model_without_a_license_says_why(lgql, chain):
    ids = ingest_chain(lgql, (ONNX_ID,))
    verdict = lgql(LICENSE, id=ids[ONNX_ID], url=github_url(RESNET_CODE))["data"]["licenseCheck"]
    assert verdict == {"compatible": False, "modelLicense": None, "repoLicense": "MIT",
                       "reason": "the model declares no license: it cannot be assessed, so it is not compatible"}


def test_license_check_not_found_is_distinct_from_an_unreachable_github(lgql, chain):
    ids = ingest_chain(lgql, (GENDER_ID,))
    assert codes(lgql(LICENSE, id=ids[GENDER_ID], url=github_url(MISSING_CODE))) == ["NOT_FOUND"]
    chain.inject(f"/repos/{GPL_CODE}", status=503)
    assert codes(lgql(LICENSE, id=ids[GENDER_ID], url=github_url(GPL_CODE))) == ["UPSTREAM_ERROR"]
    assert codes(lgql(LICENSE, id=ids[GENDER_ID], url=hub_url(RESNET_ID))) == ["INVALID_INPUT"]
    assert codes(lgql(LICENSE, id="no-such-artifact", url=github_url(GPL_CODE))) == ["NOT_FOUND"]


def test_reads_need_the_search_permission_and_a_sane_depth(lgql, chain, registry):
    ids = ingest_chain(lgql, (RESNET_ID,))
    assert codes(lgql(LINEAGE, id=ids[RESNET_ID], depth=-1, dir="BOTH")) == ["INVALID_INPUT"]
    assert lineage(lgql, ids[RESNET_ID], depth=1000)["depth"] == 10
    lgql("mutation($i: RegisterUserInput!) { registerUser(input: $i) { errors { code } } }",
         i={"username": "uploader", "password": "pass-word-123", "permissions": ["UPLOAD"]})
    uploader = lgql.as_user(type(lgql)(lgql.client).login("uploader", "pass-word-123"))
    for query, variables in ((LINEAGE, {"depth": 1, "dir": "BOTH"}), (COST, {}),
                             (LICENSE, {"url": github_url(RESNET_CODE)})):
        assert codes(uploader(query, id=ids[RESNET_ID], **variables)) == ["PERMISSION_DENIED"]
