"""The web UI in headless Chromium: every flow a user has, axe-core's WCAG 2.1 AA check on every page, and the
keyboard alone. The tests share one server (seeded with all-MiniLM-L6-v2) and run in file order: the reset
test comes last."""
from __future__ import annotations

import hashlib
import re

from playwright.sync_api import expect

from registry.settings import DEFAULT_ADMIN_USERNAME
from tests.browser.conftest import axe_violations, build_package, sign_in
from tests.fakehub.tiny_llm import add_tiny_llm
from tests.conftest import MINILM_CODE, MINILM_DATASET, MINILM_URL
from tests.fakehub.seed import NO_CARD_ID


def nav(page, label):
    return page.get_by_role("navigation", name="Main").get_by_role("link", name=label, exact=True)


def test_signed_out_the_ui_asks_to_sign_in_and_shows_the_dashboard(page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    assert axe_violations(page) == []
    nav(page, "Dashboard").click()
    expect(page.get_by_role("heading", level=1, name="System health")).to_be_visible()
    expect(page.get_by_role("table", name="Components")).to_be_visible()
    expect(page.get_by_text("Sign in as an administrator to read the logs.")).to_be_visible()
    assert axe_violations(page) == []


def test_wrong_password_is_explained_and_the_username_is_kept(page):
    page.goto("/#/signin")
    page.get_by_label("Username").fill(DEFAULT_ADMIN_USERNAME)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("username or password is wrong")
    assert "Traceback" not in alert.inner_text()
    expect(page.get_by_label("Username")).to_have_value(DEFAULT_ADMIN_USERNAME)


def test_browse_and_search_by_regex_name_and_version(page, registry):
    sign_in(page)
    expect(page.get_by_role("table", name=re.compile("Artifacts, page 1"))).to_be_visible()
    assert axe_violations(page) == []
    for mode, text in [("Regular expression (name or README)", "(?i)minilm"), ("Exact name", "all-MiniLM-L6-v2"),
                       ("Version range", "~1.0.0")]:
        page.get_by_label("Search by").select_option(label=mode)
        page.get_by_label("Search for").fill(text)
        page.get_by_role("button", name="Search", exact=True).click()
        expect(page.get_by_role("status").filter(has_text="on page 1")).to_be_visible()
        expect(page.get_by_role("link", name="all-MiniLM-L6-v2")).to_be_visible()
    page.get_by_label("Search for").fill("no-such-model-anywhere")
    page.get_by_label("Search by").select_option(label="Exact name")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_text("No artifacts match.")).to_be_visible()


def test_model_page_shows_every_metric_and_the_lineage(page, registry):
    sign_in(page)
    page.get_by_role("link", name="all-MiniLM-L6-v2").click()
    expect(page.get_by_role("heading", level=1, name="all-MiniLM-L6-v2")).to_be_visible()
    scores = page.get_by_role("table", name=re.compile("Every score"))
    for metric in ["Net score", "Ramp-up time", "Bus factor", "Performance claims", "License", "Dataset and code",
                   "Dataset quality", "Code quality", "Reproducibility", "Reviewedness", "Tree score",
                   "Size on Raspberry Pi", "Size on AWS server"]:
        expect(scores.get_by_role("rowheader", name=metric, exact=True)).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Rating bars: net score"))).to_be_visible()
    lineage = page.locator("section", has=page.get_by_role("heading", name="Lineage"))
    expect(lineage.locator("svg.lineage-chart")).to_be_visible()
    expect(lineage.get_by_role("listitem").first).to_be_visible()
    assert axe_violations(page) == []


def test_lineage_nodes_navigate_to_their_artifact(page, registry):
    created = registry.graphql("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { "
                               "name } errors { code } } }", i={"type": "DATASET", "url": MINILM_DATASET})
    dataset = created["ingestArtifact"]["artifact"]["name"]
    sign_in(page)
    page.goto(f"/#/artifact/{registry.model_id}")
    relations = page.locator("ul.edge-list")
    expect(relations).to_contain_text("(external)")  # declared parents the registry does not hold
    graph_node = page.locator("svg.lineage-chart").get_by_role("link", name=re.compile(re.escape(dataset)))
    expect(graph_node).to_be_visible()
    graph_node.click()
    expect(page.get_by_role("heading", level=1, name=dataset)).to_be_visible()


def test_cost_license_check_and_rerate(page, registry):
    sign_in(page)
    page.goto(f"/#/artifact/{registry.model_id}")
    page.get_by_role("button", name="Show size").click()
    expect(page.get_by_role("table", name="Download size in MB")).to_contain_text("MB")
    page.get_by_label("GitHub repository").fill(MINILM_CODE)
    page.get_by_role("button", name="Check the licenses").click()
    expect(page.get_by_role("status").filter(has_text=re.compile("^(Compatible|Not compatible):"))).to_be_visible()
    page.get_by_role("button", name="Re-rate with fresh evidence").click()
    expect(page.get_by_text(re.compile(r"^Re-rated: net score \d\.\d\d\.$"))).to_be_visible()


def test_ingest_shows_the_rating_or_the_gate_reasons(page, registry):
    sign_in(page)
    nav(page, "Ingest").click()
    page.get_by_label("URL", exact=True).fill(f"https://huggingface.co/{NO_CARD_ID}")
    page.get_by_label("Name (optional)").fill("card-less")
    page.get_by_role("button", name="Ingest", exact=True).click()
    expect(page.get_by_role("heading", name="Why the gate refuses this model")).to_be_visible()
    expect(page.locator("ul.failures")).to_contain_text("license")
    expect(page.get_by_label("Name (optional)")).to_have_value("card-less")  # nothing typed is lost
    page.get_by_label("URL", exact=True).fill(MINILM_URL)
    page.get_by_label("Code repository (optional, models)").fill(MINILM_CODE)
    page.get_by_label("Training datasets (optional, models)").fill(MINILM_DATASET)
    page.get_by_label("Name (optional)").fill("minilm-with-code")
    page.get_by_role("button", name="Ingest", exact=True).click()
    expect(page.get_by_text("minilm-with-code was added.")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("Every score"))).to_be_visible()
    assert axe_violations(page) == []


def test_invalid_input_is_explained_in_words_and_kept(page, registry):
    sign_in(page)
    page.goto("/#/ingest")
    page.get_by_label("URL", exact=True).fill("https://example.com/not/a/hub/model")
    page.get_by_role("button", name="Ingest", exact=True).click()
    alert = page.get_by_role("alert").filter(has_text="not valid")
    expect(alert).to_be_visible()
    assert "Traceback" not in alert.inner_text() and "Error:" not in alert.inner_text()
    expect(page.get_by_label("URL", exact=True)).to_have_value("https://example.com/not/a/hub/model")


def test_upload_with_progress_then_download(page, registry, tmp_path):
    package = build_package(tmp_path / "tiny.zip")
    sign_in(page)
    nav(page, "Upload").click()
    assert axe_violations(page) == []
    page.get_by_label("Model name").fill("acme-tiny-bert")
    page.get_by_label("Version (optional)").fill("3.0.0")
    page.get_by_label("Package (zip)").set_input_files(str(package))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("p.status").filter(has_text="acme-tiny-bert 3.0.0 was uploaded and registered.")
           ).to_be_visible()
    expect(page.locator("#upload-progress")).to_have_js_property("value", 100)
    expect(page.locator("#upload-percent")).to_have_text("100%")
    assert axe_violations(page) == []

    page.get_by_role("link", name="Open its page").click()
    expect(page.get_by_role("heading", level=1, name="acme-tiny-bert")).to_be_visible()
    for part, label in [("FULL", "Full package"), ("WEIGHTS", "Weights only")]:
        page.get_by_label("Part").nth(1).select_option(label=label)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Download").click()
        saved = download_info.value.path()
        expect(page.locator("p.status").filter(has_text=re.compile("^Download started: "))).to_be_visible()
        data = open(saved, "rb").read()
        assert data[:2] == b"PK", part
        if part == "FULL":
            assert hashlib.sha256(data).hexdigest() == hashlib.sha256(package.read_bytes()).hexdigest()


def test_an_artifact_page_shows_its_version_and_links_its_history(page, registry, fake_hub_server):
    repo = "acme/ui-history"
    fake_hub_server.add_dataset(repo, {"data.csv": b"v,1\n"}, card="# history\n", git_tags=["v1.0.0"])
    first = registry.graphql("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { "
                             "artifactId } errors { code } } }", i={"type": "DATASET",
                                                                    "url": f"https://huggingface.co/datasets/{repo}"})
    old_id = first["ingestArtifact"]["artifact"]["artifactId"]
    pushed = fake_hub_server.add_dataset(repo, {"data.csv": b"v,2\n"}, card="# history\n", git_tags=["v1.1.0"])
    registry.graphql("mutation($i: UpdateArtifactInput!) { updateArtifact(input: $i) { errors { code } } }",
                     i={"artifactId": old_id, "url": f"https://huggingface.co/datasets/{repo}"})
    sign_in(page)
    page.goto(f"/#/artifact/{old_id}")
    expect(page.get_by_role("heading", level=1, name="ui-history")).to_be_visible()
    history = page.get_by_role("table", name="Versions of ui-history, newest first")
    expect(history.get_by_role("row").nth(2)).to_contain_text("1.0.0 (this version)")
    assert axe_violations(page) == []
    page.locator("#newer-version").get_by_role("link", name="1.1.0").click()
    expect(history.get_by_role("row").nth(1)).to_contain_text("1.1.0 (this version)")
    expect(page.locator("dl.facts")).to_contain_text(pushed.sha[:12])
    history.get_by_role("link", name="1.0.0").click()
    expect(page.locator("#newer-version")).to_be_visible()
    assert axe_violations(page) == []


def test_admin_registers_users_and_reads_the_audit_trail(page, registry):
    sign_in(page)
    nav(page, "Admin").click()
    expect(page.get_by_role("table", name="Users")).to_contain_text(DEFAULT_ADMIN_USERNAME)
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill("a-long-passphrase-42")
    page.get_by_label("Download").check()
    page.get_by_role("button", name="Register the user").click()
    expect(page.get_by_role("table", name="Users")).to_contain_text("ada")
    page.get_by_label("Artifact id").fill(registry.model_id)
    page.get_by_role("button", name="Show the audit trail").click()
    expect(page.get_by_role("table", name=re.compile("Audit trail of"))).to_contain_text("create")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Delete user ada").click()
    dialog = page.get_by_role("dialog", name="Delete this user?")
    expect(dialog).to_be_visible()
    assert axe_violations(page) == []
    dialog.get_by_role("button", name="Delete ada").click()
    expect(page.get_by_role("table", name="Users")).not_to_contain_text("ada")


def test_admins_change_the_gate_policy_with_the_keyboard(page, registry):
    sign_in(page)
    nav(page, "Admin").click()
    policy = page.get_by_role("region", name="Gate policy")
    expect(policy.get_by_text("The default rule")).to_be_visible()
    license_threshold = policy.get_by_label("license", exact=True)
    expect(license_threshold).to_have_value("0.5")
    license_threshold.fill("0.8")
    policy.get_by_label("Gate the net score too").focus()
    page.keyboard.press("Space")  # unchecks it, from the keyboard alone
    policy.get_by_role("button", name="Save the policy").press("Enter")
    expect(policy.get_by_role("status")).to_contain_text("The gate policy was saved")
    expect(policy.get_by_text(re.compile("Last changed by ece30861defaultadminuser"))).to_be_visible()
    saved = registry.graphql("{ gatePolicy { netScoreGated thresholds { metric threshold } } }")
    assert saved["gatePolicy"]["netScoreGated"] is False
    assert {"metric": "license", "threshold": 0.8} in saved["gatePolicy"]["thresholds"]
    assert axe_violations(page) == []
    registry.graphql("mutation { updateGatePolicy(input: {}) { errors { code } } }")  # back to the default rule


def test_dashboard_shows_components_traffic_and_logs(page, registry):
    sign_in(page)
    nav(page, "Dashboard").click()
    expect(page.get_by_role("table", name="Components")).to_contain_text("Metadata store")
    expect(page.get_by_role("img", name=re.compile("Requests per minute"))).to_be_visible()
    page.get_by_text("Show the numbers per minute").click()
    expect(page.get_by_role("table", name="Requests and errors per minute")).to_be_visible()
    expect(page.get_by_role("table", name="The newest log entries first")).to_be_visible()
    expect(page.get_by_label(re.compile("Refresh every"))).to_be_checked()
    assert axe_violations(page) == []


def test_an_admin_runs_the_performance_workload_from_the_dashboard(page, registry, fake_hub_server):
    add_tiny_llm(fake_hub_server)
    sign_in(page)
    nav(page, "Dashboard").click()
    expect(page.get_by_role("heading", name="Performance workload")).to_be_visible()
    page.get_by_label("Models in the registry besides Tiny-LLM").fill("3")
    page.get_by_label("Clients downloading Tiny-LLM at once").fill("3")
    page.get_by_role("button", name="Run the performance workload").click()
    results = page.get_by_role("table", name="Performance workload results")
    expect(results).to_contain_text("3 succeeded", timeout=180_000)
    expect(page.get_by_role("img", name=re.compile("Download latencies of 3 clients"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Finished")).to_be_visible()
    assert axe_violations(page) == []


def test_keyboard_alone_signs_in_searches_and_opens_a_model(page, registry):
    page.goto("/#/signin")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    focused = []
    for _ in range(12):
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
        if focused[-1] == "signin-username":
            break
    assert focused[-1] == "signin-username", focused
    page.keyboard.type(DEFAULT_ADMIN_USERNAME)
    page.keyboard.press("Tab")
    page.keyboard.type("correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;")
    page.keyboard.press("Enter")
    expect(page.locator("#account")).to_contain_text(f"Signed in as {DEFAULT_ADMIN_USERNAME}")
    expect(page.get_by_role("link", name="all-MiniLM-L6-v2")).to_be_visible()
    # Tab from the page heading to the first result (its focus is visible) and open it with Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "all-MiniLM-L6-v2":
            break
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="all-MiniLM-L6-v2")).to_be_focused()


def test_reset_asks_first_and_then_empties_the_registry(page, registry):
    sign_in(page)
    page.goto("/#/admin")
    page.get_by_role("button", name="Reset the registry…").click()
    dialog = page.get_by_role("dialog", name="Reset the registry?")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert registry.graphql("{ artifacts(first: 5) { edges { cursor } } }")["artifacts"]["edges"]
    page.get_by_role("button", name="Reset the registry…").click()
    page.get_by_role("dialog").get_by_role("button", name="Reset everything").click()
    expect(page.get_by_text("The registry was reset.")).to_be_visible()
    registry.token = ""
    registry.token = registry.graphql(
        "mutation($i: AuthenticateInput!) { authenticate(input: $i) { token } }",
        i={"username": DEFAULT_ADMIN_USERNAME,
           "password": "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"})["authenticate"]["token"]
    assert registry.graphql("{ artifacts(first: 5) { edges { cursor } } }")["artifacts"]["edges"] == []
