"""LineageService details on an in-memory store: caps, stale index entries, cost parts, license sources."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from registry.errors import InvalidInput, TooLarge
from registry.lineage import LineageDirection, LineageService, external_id, model_license
from registry.model import Artifact, ArtifactStatus, ArtifactType, FileEntry, HubSource, Permission, UploadSource, User
from scoring.compat import check_compatibility
from scoring.evidence import Evidence
from scoring.license import FAMILY_SCORES, LicenseFamily
from scoring.metrics.licensing import license_metric
from scoring.sources.types import GitHubRepo, HubRepo, RepoFile, SourceRef
from tests.lineage.memory import HF, MemoryArtifacts, MemoryStore, hub_model

ADMIN = User(username="admin", password_hash="x", permissions=frozenset({Permission.ADMIN}))


class OneRepoGitHub:
    """Answers every repository with the same license."""

    def __init__(self, license_spdx: str | None) -> None:
        self.license_spdx = license_spdx

    def repo(self, ref: SourceRef) -> GitHubRepo:
        return GitHubRepo(ref=ref, full_name=ref.repo_id, license_spdx=self.license_spdx)


def service(*artifacts: Artifact, github: object = None, **options: int) -> LineageService:
    store = MemoryStore(artifacts)
    return LineageService(store, MemoryArtifacts(store), github, **options)  # type: ignore[arg-type]


def test_a_graph_beyond_the_node_cap_is_refused():
    fan = [hub_model("base", "org/base", []), *(hub_model(f"c{i}", f"org/c{i}", ["org/base"]) for i in range(5))]
    with pytest.raises(TooLarge):
        service(*fan, max_nodes=4).graph(ADMIN, "base", 1, LineageDirection.DESCENDANTS)
    assert len(service(*fan, max_nodes=6).graph(ADMIN, "base", 1, LineageDirection.DESCENDANTS).nodes) == 6


def test_stored_parent_urls_the_metadata_no_longer_explains_still_count_with_their_kind():
    child = hub_model("child", "org/child", [])
    child.parent_urls = [HF + "datasets/org/data", "https://github.com/org/code", HF + "org/base", "not a url"]
    base = hub_model("base", "org/base", [])
    graph = service(child, base).graph(ADMIN, "child", 1, LineageDirection.ANCESTORS)
    assert {(e.parent_id, e.relation, e.source) for e in graph.edges} == {
        (external_id(HF + "datasets/org/data"), "fine_tuning_dataset", "parent_urls"),
        (external_id("https://github.com/org/code"), "code", "parent_urls"),
        ("base", "base_model", "parent_urls")}
    down = service(child, base).graph(ADMIN, "base", 1, LineageDirection.DESCENDANTS)
    assert [(e.parent_id, e.child_id, e.relation) for e in down.edges] == [("base", "child", "base_model")]


def test_a_url_resolves_to_the_newest_version_of_each_name_both_ways():
    old_base, new_base = hub_model("base-1", "org/base", []), hub_model("base-2", "org/base", [])
    new_base.version = "1.1.0"
    old_child = hub_model("child-1", "org/child", ["org/base"])
    new_child = hub_model("child-2", "org/child", ["org/base"])
    new_child.version = "2.0.0"
    everything = service(old_base, new_base, old_child, new_child)
    up = everything.graph(ADMIN, "child-1", 1, LineageDirection.ANCESTORS)
    assert [(e.parent_id, e.child_id) for e in up.edges] == [("base-2", "child-1")]
    down = everything.graph(ADMIN, "base-1", 1, LineageDirection.DESCENDANTS)
    assert [(e.parent_id, e.child_id) for e in down.edges] == [("base-1", "child-2")]


def test_cost_parts_and_unknown_artifacts():
    model = hub_model("m", "org/m", [])
    model.files = [FileEntry(path="model.safetensors", size=4_000_000), FileEntry(path="config.json", size=500),
                   FileEntry(path="tokenizer.json", size=2_000_000), FileEntry(path="data.csv", size=9)]
    lineage = service(model)
    assert lineage.cost(ADMIN, "m", "weights")["m"].standalone_mb == 4.0
    assert lineage.cost(ADMIN, "m", "card")["m"].standalone_mb == 2.0005
    assert lineage.cost(ADMIN, "m", "full", True)["m"].total_mb == 6.000509
    with pytest.raises(InvalidInput):
        lineage.cost(ADMIN, "m", "shards")


def test_the_model_license_is_read_by_the_rule_the_license_metric_uses():
    def with_source(files: tuple[str, ...] = (), **source: Any) -> Artifact:
        return Artifact(id="m", type=ArtifactType.MODEL, name="m", source=HubSource(repo_id="acme/m", **source),
                        files=[FileEntry(path=path, size=10) for path in files], status=ArtifactStatus.READY)

    assert model_license(with_source(card_data={"license": ["mit", "apache-2.0"]})) == "MIT AND Apache-2.0"
    assert model_license(with_source(card_data={"license": " mit "}, tags=["license:gpl"])) == "MIT"
    assert model_license(with_source(tags=["license:cc-by-4.0", "vision"])) == "CC-BY-4.0"
    assert model_license(with_source()) is None
    assert model_license(with_source(files=("LICENSE", "model.safetensors"))) == "other"


def test_a_model_licensed_only_by_a_license_file_gets_consistent_answers():
    """The license metric and the license check read the same declaration: a custom license whose terms are in a
    LICENSE file scores as one to review by hand, and the check will not call it compatible unreviewed."""
    card = "# A model\n\nWeights for a classifier.\n"
    repo = HubRepo(ref=SourceRef(kind="hf_model", owner="acme", name="m"), card_text=card,
                   files=[RepoFile(path="LICENSE", size=1000), RepoFile(path="model.safetensors", size=10)])
    metric = license_metric(Evidence(model=repo, gathered_at=datetime.now(timezone.utc)))
    artifact = Artifact(id="m", type=ArtifactType.MODEL, name="m", readme=card,
                        source_url="https://huggingface.co/acme/m", source=HubSource(repo_id="acme/m"),
                        files=[FileEntry(path="LICENSE", size=1000), FileEntry(path="model.safetensors", size=10)],
                        status=ArtifactStatus.READY)
    verdict = check_compatibility(model_license(artifact), "MIT")
    assert metric.score == FAMILY_SCORES[LicenseFamily.CUSTOM_LINKED] and "LICENSE file" in metric.explanation
    assert not verdict.compatible and verdict.model_license == "other" and "custom" in verdict.reason


def test_license_checks_are_for_models_and_github_repositories():
    dataset = Artifact(id="d", type=ArtifactType.DATASET, name="d", status=ArtifactStatus.READY)
    model = hub_model("m", "org/m", [])
    assert isinstance(model.source, HubSource)
    model.source.card_data["license"] = "apache-2.0"
    lineage = service(dataset, model, github=OneRepoGitHub("MIT"))
    with pytest.raises(InvalidInput):
        lineage.license_check(ADMIN, "d", "https://github.com/org/code")
    with pytest.raises(InvalidInput):
        lineage.license_check(ADMIN, "m", "https://example.com/org/code")
    verdict = lineage.license_check(ADMIN, "m", "https://github.com/org/code")
    assert verdict.compatible and (verdict.model_license, verdict.repo_license) == ("Apache-2.0", "MIT")


def test_an_uploaded_package_declares_parents_from_its_card_and_configs():
    upload = Artifact(id="pkg-1", type=ArtifactType.MODEL, name="pkg", status=ArtifactStatus.READY,
                      source=UploadSource(card_data={"base_model": "org/base"},
                                          adapter_config={"base_model_name_or_path": "org/base"}))
    base = hub_model("base", "org/base", [])
    graph = service(upload, base).graph(ADMIN, "pkg-1", 2, LineageDirection.BOTH)
    assert [(e.parent_id, e.child_id, e.relation) for e in graph.edges] == [("base", "pkg-1", "adapter")]
