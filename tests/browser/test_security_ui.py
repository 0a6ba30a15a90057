"""The security pages of the web UI in headless Chromium: a model's content scan, sensitivity, monitor and download
history; downloads through the signed link (straight to disk, no token); password changes; the admin's refusals
and package-confusion audit. axe-core finds no WCAG 2.1 AA violation on any of them."""
from __future__ import annotations

import hashlib
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import Registry, axe_violations, sign_in
from tests.browser.test_ui import nav
from tests.package.zips import build_zip, hf_files

REQUEST = ("mutation($i: RequestUploadInput!) { requestUpload(input: $i) { ticket { uploadId url } "
           "errors { code } } }")
FINALIZE = ("mutation($i: FinalizeUploadInput!) { finalizeUpload(input: $i) { artifact { artifactId } "
            "errors { code } } }")
REGISTER = ("mutation($i: RegisterUserInput!) { registerUser(input: $i) { user { username } errors { code } } }")
REFUSE = "console.log('no downloads of ' + process.argv[2] + ' today'); process.exit(2);"


def upload(registry: Registry, path: Path, name: str) -> str:
    data = build_zip(path, hf_files(**{"origin.txt": name.encode()})).read_bytes()  # distinct bytes per name
    ticket = registry.graphql(REQUEST, i={"name": name, "size": len(data)})["requestUpload"]["ticket"]
    assert registry.http.put(ticket["url"].replace(registry.url, ""), content=data).status_code == 200
    done = registry.graphql(FINALIZE, i={"uploadId": ticket["uploadId"],
                                         "sha256": hashlib.sha256(data).hexdigest()})["finalizeUpload"]
    return str(done["artifact"]["artifactId"])


def register(registry: Registry, username: str, password: str, *permissions: str) -> None:
    assert registry.graphql(REGISTER, i={"username": username, "password": password,
                                         "permissions": list(permissions)})["registerUser"]["errors"] == []


def test_a_model_page_shows_its_scan_and_downloads_through_the_signed_link(page, registry, tmp_path):
    artifact_id = upload(registry, tmp_path / "open.zip", "acme/open-model")
    sign_in(page)
    page.goto(f"/#/artifact/{artifact_id}")
    expect(page.locator("#scan-verdict")).to_contain_text("Clean")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download", exact=True).click()
    download = download_info.value
    assert download.failure() is None and download.url.startswith(f"{registry.url}/download/{artifact_id}?")
    assert "signature=" in download.url and Path(download.path()).read_bytes()[:2] == b"PK"
    expect(page.locator("p.status").filter(has_text="Download started: acme_open-model.zip")).to_be_visible()
    page.reload()
    expect(page.get_by_role("table", name="Who downloaded this artifact")).to_contain_text("allowed")
    assert axe_violations(page) == []


def test_an_uploader_marks_a_model_sensitive_and_its_monitor_refuses(page, registry, tmp_path):
    artifact_id = upload(registry, tmp_path / "secret.zip", "acme/secret-model")
    sign_in(page)
    page.goto(f"/#/artifact/{artifact_id}")
    expect(page.locator("#monitor-current")).to_have_text("No monitor is attached.")
    page.get_by_label("Sensitive: run the monitor before every download").check()
    expect(page.get_by_text("The model is now sensitive.")).to_be_visible()
    page.get_by_label("Monitor program (JavaScript)").fill(REFUSE)
    page.get_by_role("button", name="Save the monitor").click()
    expect(page.locator("#monitor-current")).to_contain_text("attached by ece30861defaultadminuser")
    assert axe_violations(page) == []

    page.reload()
    expect(page.get_by_text("This model is sensitive")).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download", exact=True).click()
    assert download_info.value.failure() is not None  # the monitor refused: nothing was saved
    page.reload()
    history = page.get_by_role("table", name="Who downloaded this artifact")
    expect(history).to_contain_text("refused by the monitor: it exited with code 2")
    expect(history).to_contain_text("no downloads of acme/secret-model today")
    page.get_by_role("button", name="Remove the monitor").click()
    expect(page.locator("#monitor-current")).to_have_text("No monitor is attached.")
    assert axe_violations(page) == []


def test_a_user_changes_their_password_and_stays_signed_in(page, registry):
    register(registry, "grace", "first-secret-phrase-81", "SEARCH")
    sign_in(page, "grace", "first-secret-phrase-81")
    nav(page, "Account").click()
    assert axe_violations(page) == []
    page.get_by_label("Current password").fill("not-my-password-at-all")
    page.get_by_label("New password").fill("second-secret-phrase-27")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_role("alert")).to_contain_text("the current password is wrong")
    expect(page.locator("#account")).to_contain_text("Signed in as grace")
    page.get_by_label("Current password").fill("first-secret-phrase-81")
    page.get_by_label("New password").fill("second-secret-phrase-27")
    page.get_by_role("button", name="Change my password").click()
    expect(page.get_by_text("Your password was changed.")).to_be_visible()
    nav(page, "Browse").click()  # the session continues with a token for the new password
    expect(page.locator("#account")).to_contain_text("Signed in as grace")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "grace", "second-secret-phrase-27")
    assert axe_violations(page) == []


def test_an_admin_changes_a_password_and_reads_refusals_and_the_confusion_audit(page, registry, tmp_path):
    register(registry, "heidi", "quiet-first-phrase-63x", "SEARCH")
    for n, name in enumerate(["google-bert/bert-base-uncased", "googlebert/bert-base-uncased"]):
        upload(registry, tmp_path / f"p{n}.zip", name)
    registry.graphql('{ artifactsByName(name: "google-bert/bert-base-uncased") { edges { cursor } } }')
    sign_in(page)
    nav(page, "Admin").click()
    page.get_by_label("User", exact=True).fill("heidi")
    page.get_by_label("New password").fill("admin-set-phrase-for-her-4")
    page.get_by_role("button", name="Change the password").click()
    expect(page.get_by_text("Changed the password of heidi.")).to_be_visible()
    expect(page.get_by_role("table", name="Refused ingests and uploads")).to_be_visible()
    page.get_by_role("button", name="Run the package confusion audit").click()
    findings = page.get_by_role("table", name="Suspected package confusion")
    expect(findings).to_contain_text("googlebert/bert-base-uncased")
    expect(findings).to_contain_text("scope")
    assert axe_violations(page) == []
