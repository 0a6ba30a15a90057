"""Company packages end to end through GraphQL and the local transfer routes."""
import hashlib
import io
import zipfile

from registry.settings import DEFAULT_ADMIN_USERNAME
from tests.package.zips import build_zip, hf_files

REQUEST = ('mutation($n: String!, $s: Float) { requestUpload(input: {name: $n, size: $s}) { ticket { uploadId url '
           'method maxBytes } errors { code message } } }')
FINALIZE = ('mutation($u: String!, $h: String!) { finalizeUpload(input: {uploadId: $u, sha256: $h}) { artifact { '
            'artifactId name type sourceUrl files { path size sha256 } } errors { code message } } }')
DOWNLOAD = ('mutation($id: String!, $p: PackagePart!) { requestDownload(input: {artifactId: $id, part: $p}) { '
            'download { url filename sha256 size } errors { code message } } }')


def upload(gql, tmp_path, name="acme/tiny-bert", files=None):
    package = build_zip(tmp_path / "package.zip", files or hf_files()).read_bytes()
    ticket = gql(REQUEST, n=name, s=len(package))["data"]["requestUpload"]
    assert ticket["errors"] == [], ticket
    ticket = ticket["ticket"]
    assert ticket["method"] == "PUT"
    put = gql.client.put(ticket["url"].replace("http://testserver", ""), content=package)
    assert put.status_code == 200, put.text
    done = gql(FINALIZE, u=ticket["uploadId"], h=hashlib.sha256(package).hexdigest())["data"]["finalizeUpload"]
    return package, done


def fetch(gql, url, **headers):
    return gql.client.get(url.replace("http://testserver", ""),
                          headers={"X-Authorization": f"bearer {gql.token}", **headers})


def test_upload_finalize_and_download_whole_and_parts(gql, tmp_path):
    package, done = upload(gql, tmp_path)
    assert done["errors"] == []
    artifact = done["artifact"]
    assert artifact["name"] == "acme/tiny-bert" and artifact["type"] == "MODEL" and artifact["sourceUrl"] is None
    manifest = {f["path"]: f for f in artifact["files"]}
    assert manifest["model.safetensors"]["sha256"] == hashlib.sha256(hf_files()["model.safetensors"]).hexdigest()

    link = gql(DOWNLOAD, id=artifact["artifactId"], p="FULL")["data"]["requestDownload"]["download"]
    body = fetch(gql, link["url"])
    assert body.status_code == 200 and body.content == package
    assert hashlib.sha256(body.content).hexdigest() == link["sha256"] and link["size"] == len(package)
    ranged = fetch(gql, link["url"], Range="bytes=10-19")
    assert ranged.status_code == 206 and ranged.content == package[10:20]

    weights = gql(DOWNLOAD, id=artifact["artifactId"], p="WEIGHTS")["data"]["requestDownload"]["download"]
    names = zipfile.ZipFile(io.BytesIO(fetch(gql, weights["url"]).content)).namelist()
    assert sorted(names) == ["model.safetensors", "onnx/model.onnx"]
    card = gql(DOWNLOAD, id=artifact["artifactId"], p="CARD")["data"]["requestDownload"]["download"]
    assert "README.md" in zipfile.ZipFile(io.BytesIO(fetch(gql, card["url"]).content)).namelist()

    trail = gql('query($id: String!) { auditTrail(artifactId: $id) { action } }', id=artifact["artifactId"])
    assert [e["action"] for e in trail["data"]["auditTrail"]].count("DOWNLOAD") >= 3


def test_a_wrong_hash_registers_nothing(gql, tmp_path):
    package = build_zip(tmp_path / "p.zip", hf_files()).read_bytes()
    ticket = gql(REQUEST, n="x", s=len(package))["data"]["requestUpload"]["ticket"]
    gql.client.put(ticket["url"].replace("http://testserver", ""), content=package)
    done = gql(FINALIZE, u=ticket["uploadId"], h="0" * 64)["data"]["finalizeUpload"]
    assert done["artifact"] is None and done["errors"][0]["code"] == "INVALID_INPUT"
    assert gql("{ artifacts { edges { cursor } } }")["data"]["artifacts"]["edges"] == []


def test_a_zip_with_a_traversal_entry_is_refused(gql, tmp_path):
    _, done = upload(gql, tmp_path, files={**hf_files(), "../evil.sh": b"rm -rf /"})
    assert done["artifact"] is None and done["errors"][0]["code"] == "INVALID_INPUT"


def test_the_same_package_twice_conflicts(gql, tmp_path):
    assert upload(gql, tmp_path)[1]["errors"] == []
    again = upload(gql, tmp_path, name="copy")[1]
    assert again["errors"][0]["code"] == "CONFLICT"


def test_permissions_on_upload_and_download(gql, make_user, tmp_path):
    _, done = upload(gql, tmp_path)
    artifact_id = done["artifact"]["artifactId"]
    searcher = make_user("searcher", "SEARCH")
    refused = searcher(REQUEST, n="mine", s=10)["data"]["requestUpload"]
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
    no_download = searcher(DOWNLOAD, id=artifact_id, p="FULL")["data"]["requestDownload"]
    assert no_download["errors"][0]["code"] == "PERMISSION_DENIED"
    downloader = make_user("downloader", "DOWNLOAD")
    link = downloader(DOWNLOAD, id=artifact_id, p="FULL")["data"]["requestDownload"]
    assert link["errors"] == []
    assert fetch(downloader, link["download"]["url"]).status_code == 200
    signed = link["download"]["url"].replace("http://testserver", "")
    assert "user=downloader" in signed and gql.client.get(signed).status_code == 200  # no header: the link suffices
    forged = gql.client.get(signed.replace("user=downloader", f"user={DEFAULT_ADMIN_USERNAME}"))
    assert forged.status_code == 403 and forged.json()["code"] == "LINK_INVALID"
    unsigned = gql.client.get(f"/download/{artifact_id}")
    assert unsigned.status_code == 403 and unsigned.json()["code"] == "AUTHENTICATION_FAILED"


def test_deleting_an_uploaded_model_removes_its_blobs(app, gql, tmp_path):
    _, done = upload(gql, tmp_path)
    artifact_id = done["artifact"]["artifactId"]
    stored = app.state.registry.metadata.get_artifact(artifact_id)
    from registry.ports import package_keys

    keys = package_keys(stored)
    assert len(keys) == 3 and all(app.state.registry.blobs.exists(k) for k in keys)
    gql('mutation($id: String!) { deleteArtifact(input: {artifactId: $id}) { deletedId } }', id=artifact_id)
    assert not any(app.state.registry.blobs.exists(k) for k in keys)


def test_a_hub_model_is_mirrored_on_its_first_download(gql, fake_hub):
    from tests.fakehub.seed import WEIGHT_SIZE
    from tests.schema.test_artifacts import ingested

    artifact = ingested(gql)
    weights_sha = {f["path"]: f["sha256"] for f in artifact["files"]}["model.safetensors"]
    before = fake_hub.count(r"/resolve/.*model\.safetensors$")
    link = gql(DOWNLOAD, id=artifact["artifactId"], p="WEIGHTS")["data"]["requestDownload"]
    assert link["errors"] == [], link
    assert fake_hub.count(r"/resolve/.*model\.safetensors$") == before + 1  # fetched once, at the first download
    archive = zipfile.ZipFile(io.BytesIO(fetch(gql, link["download"]["url"]).content))
    with archive.open("model.safetensors") as weights:
        data = weights.read()
    assert len(data) == WEIGHT_SIZE and hashlib.sha256(data).hexdigest() == weights_sha
    again = gql(DOWNLOAD, id=artifact["artifactId"], p="FULL")["data"]["requestDownload"]
    assert again["errors"] == [] and fake_hub.count(r"/resolve/.*model\.safetensors$") == before + 1


def test_a_dataset_downloads_at_the_commit_ingest_recorded(gql, fake_hub):
    from tests.schema.test_artifacts import ingested

    fake_hub.add_dataset("acme/changing", {"data.csv": b"a,b\n1,2\n"}, card="# changing\n")
    artifact = ingested(gql, url="https://huggingface.co/datasets/acme/changing", type_="DATASET")
    fake_hub.add_dataset("acme/changing", {"data.csv": b"a,b\n1,3\n"}, card="# changing\n")  # a new commit since
    link = gql(DOWNLOAD, id=artifact["artifactId"], p="FULL")["data"]["requestDownload"]
    assert link["errors"] == [], link
    body = fetch(gql, link["download"]["url"])
    assert body.status_code == 200 and hashlib.sha256(body.content).hexdigest() == link["download"]["sha256"]
    assert zipfile.ZipFile(io.BytesIO(body.content)).read("data.csv") == b"a,b\n1,2\n"  # the pinned bytes


def test_code_from_github_downloads_as_the_archive_of_its_commit(gql, fake_hub):
    from tests.schema.test_artifacts import ingested

    fake_hub.add_github_repo("acme/trainer", {"train.py": b"print(1)\n"}, readme="# trainer\n")
    code = ingested(gql, url="https://github.com/acme/trainer", type_="CODE")
    pinned = fake_hub.github_repos["acme/trainer"].head_sha
    fake_hub.add_github_repo("acme/trainer", {"train.py": b"print(2)\n"}, readme="# trainer\n")  # pushed since
    link = gql(DOWNLOAD, id=code["artifactId"], p="FULL")["data"]["requestDownload"]
    assert link["errors"] == [], link
    archive = zipfile.ZipFile(io.BytesIO(fetch(gql, link["download"]["url"]).content))
    assert archive.read(f"acme-trainer-{pinned[:7]}/train.py") == b"print(1)\n"  # GitHub's archive, as it makes it
    assert fake_hub.count(f"/zipball/{pinned}$") == 1 and fake_hub.count(f"/_codeload/.*/{pinned}$") == 1
