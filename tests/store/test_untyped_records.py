"""Artifacts stored before sources were typed load as typed records, on SQLite and on DynamoDB (moto's server).

Until then an artifact's source and content scan were one untyped dict, `metadata`, in the JSON body the stores
keep. The bodies below are written as that code wrote them (the scan with its computed verdict, a hub model the
performance workload registered, a key of the scan's predecessor); `Artifact` migrates them when a store reads
them back, and a store writing the record again writes the typed shape.
"""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import pytest
from pydantic import PrivateAttr

from registry.model import (Artifact, ArtifactStatus, ArtifactType, ContentFinding, ContentScan, FindingSeverity,
                            GitHubSource, HubSource, Source, UploadSource, WorkloadSource)
from registry.ports import MetadataStore

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)

SCAN_JSON = {"scanner": "picklescan 0.0.26", "scanned_files": ["pytorch_model.bin"],
             "findings": [{"file": "pytorch_model.bin", "global_name": "acme.heads.Head", "severity": "suspicious",
                           "detail": None}],
             "scanned_at": "2025-01-01T00:00:00Z", "verdict": "suspicious"}
SCAN = ContentScan(scanner="picklescan 0.0.26", scanned_files=["pytorch_model.bin"], scanned_at=T0,
                   findings=[ContentFinding(file="pytorch_model.bin", global_name="acme.heads.Head",
                                            severity=FindingSeverity.SUSPICIOUS)])

HUB_CARD = {"license": "apache-2.0", "base_model": "org/base", "datasets": ["org/reviews"]}

# (untyped metadata as stored, the typed source it is read as, the scan it is read as)
CASES: dict[str, tuple[dict[str, Any], Source | None, ContentScan | None]] = {
    "hub, mirrored": (
        {"source": "huggingface", "repo_id": "org/bert", "card_data": HUB_CARD, "config": {"model_type": "bert"},
         "adapter_config": None, "tags": ["license:apache-2.0", "fill-mask"], "downloads": 12, "likes": 3,
         "library_name": "transformers", "pipeline_tag": "fill-mask", "registered_by": "performance workload",
         "content_scan": SCAN_JSON},
        HubSource(repo_id="org/bert", card_data=HUB_CARD, config={"model_type": "bert"},
                  tags=["license:apache-2.0", "fill-mask"], downloads=12, likes=3, library_name="transformers",
                  pipeline_tag="fill-mask", registered_by="performance workload"),
        SCAN),
    "github": (
        {"source": "github", "repo_id": "org/code", "license": "MIT", "default_branch": "trunk", "stars": 7,
         "description": "training code"},
        GitHubSource(repo_id="org/code", license="MIT", default_branch="trunk", stars=7,
                     description="training code"),
        None),
    "upload": (
        {"source": "upload", "root": "tiny-model/", "config": None, "config_error": "config.json is not JSON",
         "adapter_config": {"base_model_name_or_path": "org/base"}, "card_data": {}, "card_error": "bad YAML",
         "content_scan": SCAN_JSON, "pickle_findings": []},
        UploadSource(root="tiny-model/", config_error="config.json is not JSON", card_error="bad YAML",
                     adapter_config={"base_model_name_or_path": "org/base"}),
        SCAN),
    "workload seed": ({"source": "workload"}, WorkloadSource(), None),
    "no source": ({}, None, None),
}


class WrittenBefore(Artifact):
    """An artifact whose store body is the JSON the code before typed sources wrote (the stores write
    `model_dump_json()` as the body)."""

    _body: str = PrivateAttr(default="")

    def model_dump_json(self, **_: Any) -> str:  # type: ignore[override]
        return self._body


def written_before(untyped: dict[str, Any]) -> WrittenBefore:
    body = {"id": "old-1", "type": "model", "name": "org/old", "source_url": None, "version": "1.0.0",
            "revision": None, "readme": "# old", "files": [{"path": "pytorch_model.bin", "size": 10}],
            "package_sha256": None, "parts": {}, "metadata": untyped, "parent_urls": [], "status": "ready",
            "sensitive": False, "created_at": "2025-01-01T00:00:00Z", "updated_at": "2025-01-01T00:00:00Z",
            "created_by": "alice"}
    record = WrittenBefore.model_validate(body)
    record._body = json.dumps(body)
    return record


@pytest.mark.parametrize("case", CASES)
def test_an_untyped_record_loads_typed(metadata: MetadataStore, case: str):
    untyped, source, scan = CASES[case]
    metadata.create_artifact(written_before(untyped))

    loaded = metadata.get_artifact("old-1")

    assert loaded is not None and type(loaded) is Artifact and loaded.status is ArtifactStatus.READY
    assert (loaded.source, loaded.content_scan) == (source, scan)
    assert (loaded.name, loaded.readme, loaded.created_by, loaded.created_at) == ("org/old", "# old", "alice", T0)


@pytest.mark.parametrize("case", ["hub, mirrored", "upload"])
def test_an_untyped_record_written_again_is_stored_typed(metadata: MetadataStore, case: str):
    metadata.create_artifact(written_before(CASES[case][0]))
    loaded = metadata.get_artifact("old-1")
    assert loaded is not None

    metadata.replace_artifact(loaded.model_copy(update={"sensitive": True}))

    again = metadata.get_artifact("old-1")
    assert again == loaded.model_copy(update={"sensitive": True})
    assert "metadata" not in json.loads(again.model_dump_json())


def test_typed_records_are_stored_as_they_are(metadata: MetadataStore):
    typed = Artifact(id="new-1", type=ArtifactType.MODEL, name="org/new", status=ArtifactStatus.READY,
                     source=CASES["hub, mirrored"][1], content_scan=SCAN)
    metadata.create_artifact(typed)
    assert metadata.get_artifact("new-1") == typed
