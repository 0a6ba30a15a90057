"""Browser tests: Debian's headless Chromium driven by Playwright against a real uvicorn server of the app on
the fake hub. No browser is downloaded: the executable is the system's `chromium` (./run test installs it).

Each test gets a fresh browser context (no shared session); a failing test leaves a screenshot of its page in
build/browser-screenshots/ (BROWSER_SCREENSHOTS=all keeps one of every test).
"""
from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from app.factory import create_app
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME, Settings
from tests.conftest import MINILM_CODE, MINILM_DATASET, MINILM_URL
from tests.servers import free_port, uvicorn_server

ROOT = Path(__file__).resolve().parents[2]

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
AXE = ROOT / "client" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "browser-screenshots"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

LOGIN = ("mutation($i: AuthenticateInput!) { authenticate(input: $i) { token errors { code } } }")
INGEST = ("mutation($i: IngestArtifactInput!) { ingestArtifact(input: $i) { artifact { artifactId } "
          "errors { code message } } }")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


class Registry:
    """The running server: its URL, an admin token for seeding, and the seeded model's id."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = httpx.Client(base_url=url, timeout=60)
        self.token = self.graphql(LOGIN, i={"username": DEFAULT_ADMIN_USERNAME,
                                            "password": DEFAULT_ADMIN_PASSWORD})["authenticate"]["token"]
        self.model_id = ""

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        headers = {"X-Authorization": f"bearer {self.token}"} if getattr(self, "token", None) else {}
        body = self.http.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()
        assert "errors" not in body, body
        return body["data"]

    def ingest_minilm(self, name: str = "all-MiniLM-L6-v2") -> str:
        payload = self.graphql(INGEST, i={"type": "MODEL", "url": MINILM_URL, "name": name, "codeUrl": MINILM_CODE,
                                          "datasetUrls": [MINILM_DATASET]})["ingestArtifact"]
        assert payload["errors"] == [], payload
        return str(payload["artifact"]["artifactId"])


@pytest.fixture(scope="module")
def registry(fake_hub_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    fake_hub_server.reset()
    port = free_port()
    settings = Settings(environment="test", backend="local", data_dir=tmp_path_factory.mktemp("browser") / "data",
                        hf_endpoint=fake_hub_server.hf_endpoint, github_api_url=fake_hub_server.github_api_url,
                        hf_token=None, github_token=None, upstream_timeout_seconds=5, upstream_retries=1,
                        public_url=f"http://127.0.0.1:{port}")
    with uvicorn_server(create_app(settings), port=port) as url:
        server = Registry(url)
        server.model_id = server.ingest_minilm()
        yield server
        server.http.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium per module. Not per session: Playwright's sync API keeps an asyncio loop running in the main
    thread while it lives, which would break every later test that runs a loop of its own (Mangum, anyio.run)."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (./run test installs it with apt-get)")
    if not AXE.is_file():
        pytest.fail("axe-core is not installed in client/node_modules (./run test runs npm ci)")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, registry: Registry, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(base_url=registry.url, accept_downloads=True)
    context.add_init_script(path=str(AXE))  # runs before the page's scripts, outside its CSP
    context.set_default_timeout(30_000)
    tab = context.new_page()
    problems: list[str] = []
    tab.on("pageerror", lambda error: problems.append(str(error)))
    yield tab
    report = getattr(request.node, "report_call", None)
    if (report is not None and report.failed) or os.environ.get("BROWSER_SCREENSHOTS") == "all":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    context.close()
    assert problems == [], f"uncaught errors in the page: {problems}"


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now (id, impact and the offending nodes)."""
    result = page.evaluate("async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}}))"
                           ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help, "
                           "nodes: v.nodes.map(n => n.target.join(' '))}))", WCAG_AA)
    return list(result)


def sign_in(page: Any, username: str = DEFAULT_ADMIN_USERNAME, password: str = DEFAULT_ADMIN_PASSWORD) -> None:
    page.goto("/#/signin")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#account")).to_contain_text(f"Signed in as {username}")


def build_package(path: Path) -> Path:
    from tests.package.zips import build_zip, hf_files

    return build_zip(path, hf_files())
