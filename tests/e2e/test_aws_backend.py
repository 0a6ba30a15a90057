"""The whole registry on REGISTRY_BACKEND=aws: DynamoDB on moto's server, S3 on SeaweedFS, through GraphQL.

Uploads go straight to S3 with the presigned POST the registry hands out, downloads come from presigned GETs;
SeaweedFS checks those signatures, so this is the flow a Lambda deployment uses."""
from __future__ import annotations

import hashlib
import io
import uuid
import zipfile

import httpx
import pytest
from fastapi.testclient import TestClient

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from app.factory import build_registry, create_app
from registry.ports import package_keys
from tests.conftest import GraphQL, nodes
from tests.package.zips import build_zip, hf_files
from tests.schema.test_artifacts import ingested
from tests.schema.test_package import DOWNLOAD, FINALIZE
from tests.servers import TEST_ACCESS_KEY, TEST_SECRET_KEY

pytestmark = pytest.mark.aws
TICKET = ('mutation($n: String!, $s: Float) { requestUpload(input: {name: $n, size: $s}) { ticket { uploadId url '
          'method fields } } }')


@pytest.fixture
def aws_gql(settings, seaweed, moto_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", TEST_ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", TEST_SECRET_KEY)
    aws = settings.model_copy(update={"backend": "aws", "s3_endpoint_url": seaweed.url, "aws_region": seaweed.region,
                                      "dynamodb_endpoint_url": moto_url, "s3_bucket": f"e2e-{uuid.uuid4().hex[:12]}",
                                      "dynamodb_table_prefix": f"e2e{uuid.uuid4().hex[:8]}"})
    registry = build_registry(aws)
    registry.metadata.ensure_tables()  # type: ignore[attr-defined]
    registry.blobs.ensure_bucket()  # type: ignore[attr-defined]
    with TestClient(create_app(aws, registry)) as client:
        anonymous = GraphQL(client)
        yield anonymous.as_user(anonymous.login(DEFAULT_ADMIN_USERNAME, DEFAULT_ADMIN_PASSWORD)), registry
    registry.blobs.reset()


def test_ingest_search_upload_download_delete_on_aws(aws_gql, tmp_path):
    gql, registry = aws_gql
    model = ingested(gql)
    found = nodes(gql('{ searchArtifacts(regex: "MiniLM") { edges { node { artifactId } } } }'), "searchArtifacts")
    assert found == [{"artifactId": model["artifactId"]}]

    package = build_zip(tmp_path / "package.zip", hf_files()).read_bytes()
    ticket = gql(TICKET, n="acme/aws-model", s=len(package))["data"]["requestUpload"]["ticket"]
    assert ticket["method"] == "POST" and ticket["url"].startswith(registry.settings.s3_endpoint_url)
    too_big = httpx.post(ticket["url"], data=ticket["fields"], files={"file": ("p.zip", package + b"x" * 10)})
    assert too_big.status_code == 400  # S3 enforces the ticket's content-length range itself
    sent = httpx.post(ticket["url"], data=ticket["fields"], files={"file": ("package.zip", package)})
    assert sent.status_code in (200, 204), sent.text
    done = gql(FINALIZE, u=ticket["uploadId"], h=hashlib.sha256(package).hexdigest())["data"]["finalizeUpload"]
    assert done["errors"] == [], done
    artifact_id = done["artifact"]["artifactId"]

    link = gql(DOWNLOAD, id=artifact_id, p="FULL")["data"]["requestDownload"]["download"]
    assert link["url"].startswith(registry.settings.s3_endpoint_url)  # a presigned GET, not through the API
    assert httpx.get(link["url"]).content == package
    tampered = link["url"].replace("X-Amz-Signature=", "X-Amz-Signature=0")
    assert httpx.get(tampered).status_code == 403
    # The registry never sees these bytes: the link was the delivery, recorded and audited once.
    history = gql('query($id: String!) { downloadHistory(artifactId: $id) { edges { node { allowed } } } }',
                  id=artifact_id)["data"]["downloadHistory"]["edges"]
    trail = gql('query($id: String!) { auditTrail(artifactId: $id) { action } }', id=artifact_id)
    assert history == [{"node": {"allowed": True}}]
    assert [e["action"] for e in trail["data"]["auditTrail"]].count("DOWNLOAD") == 1
    envelope = gql.client.get(f"/artifacts/model/{artifact_id}", headers={"X-Authorization": f"bearer {gql.token}"})
    assert envelope.json()["data"]["download_url"] == f"http://testserver/download/{artifact_id}"  # with the token

    keys = package_keys(registry.metadata.get_artifact(artifact_id))
    gql('mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { deletedId } }', id=artifact_id)
    assert not any(registry.blobs.exists(k) for k in keys)
    assert gql("mutation { resetRegistry { ok } }")["data"]["resetRegistry"]["ok"] is True


def test_code_downloads_through_a_presigned_redirect_and_versions_are_indexed_on_aws(aws_gql, fake_hub):
    gql, registry = aws_gql
    first = fake_hub.add_github_repo("acme/aws-tools", {"tool.py": b"print(1)\n"}, readme="# tools\n", tags=["v1.4.0"])
    code = ingested(gql, url="https://github.com/acme/aws-tools", type_="CODE")
    assert code["version"] == "1.4.0"
    fake_hub.add_github_repo("acme/aws-tools", {"tool.py": b"print(2)\n"}, readme="# tools\n", tags=["v1.5.0"])
    update = gql('mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { artifact { version } } }',
                 i={"artifactId": code["artifactId"], "url": "https://github.com/acme/aws-tools"})
    assert update["data"]["updateArtifact"]["artifact"]["version"] == "1.5.0"
    searched = nodes(gql('{ artifactsByVersion(query: "~1.4.0") { edges { node { artifactId } } } }'),
                     "artifactsByVersion")
    assert searched == [{"artifactId": code["artifactId"]}]
    headers = {"X-Authorization": f"bearer {gql.token}"}
    answer = gql.client.get(f"/download/{code['artifactId']}", headers=headers, follow_redirects=False)
    assert answer.status_code == 307 and answer.headers["location"].startswith(registry.settings.s3_endpoint_url)
    archive = zipfile.ZipFile(io.BytesIO(httpx.get(answer.headers["location"]).content))
    assert archive.read(f"acme-aws-tools-{first.head_sha[:7]}/tool.py") == b"print(1)\n"  # the pinned commit
