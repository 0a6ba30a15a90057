"""The web UI's first load of a model page (issue 10). Prints figures; asserts nothing.

A registry of 1,000 artifacts (999 stored directly, plus all-MiniLM-L6-v2 ingested from the fake hub so the page
has a real rating and lineage) served by uvicorn; headless Debian Chromium (Playwright) opens the model page with
an empty cache and a signed-in session. Figures: bytes transferred (every response's transfer size, from the
browser's Resource Timing) and time to interactive (navigation start until the rating table is drawn and the
main thread is next idle). Goals: <= 300 KB and <= 1 s on this machine.
"""
from __future__ import annotations

import json
import shutil
import sys
import tempfile
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from registry.model import Artifact, ArtifactType, Permission, User  # noqa: E402
from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME, Settings  # noqa: E402
from app.factory import create_app  # noqa: E402
from bench.harness.servers import quiet_request_logs  # noqa: E402
from tests.browser.conftest import CHROMIUM_FLAGS, INGEST, LOGIN  # noqa: E402
from tests.conftest import MINILM_CODE, MINILM_DATASET, MINILM_URL  # noqa: E402
from tests.fakehub.fixture import shared_fake_hub  # noqa: E402
from tests.servers import free_port, uvicorn_server  # noqa: E402

ARTIFACTS = 1000
RUNS = 5
BENCH_USER = User(username="bench", password_hash="-", permissions=frozenset(Permission))

# Resolves once the rating table is on the page and the main thread has gone idle after drawing it.
INTERACTIVE = """() => new Promise((resolve) => {
  const ready = () => [...document.querySelectorAll("caption")].some((c) => c.textContent.startsWith("Every score"));
  const idle = () => requestIdleCallback(() => resolve(performance.now()));
  if (ready()) return idle();
  new MutationObserver((_, observer) => { if (ready()) { observer.disconnect(); idle(); } })
    .observe(document.body, { childList: true, subtree: true });
})"""
TRANSFERRED = """() => performance.getEntriesByType("navigation").concat(performance.getEntriesByType("resource"))
  .reduce((sum, entry) => sum + entry.transferSize, 0)"""


def graphql(http: httpx.Client, query: str, token: str = "", **variables: object) -> dict:
    headers = {"X-Authorization": f"bearer {token}"} if token else {}
    return http.post("/graphql", json={"query": query, "variables": variables}, headers=headers).json()["data"]


def seeded_app(data_dir: Path, port: int):  # type: ignore[no-untyped-def]
    fake = shared_fake_hub()
    settings = Settings(environment="test", data_dir=data_dir, hf_endpoint=fake.hf_endpoint,
                        github_api_url=fake.github_api_url, hf_token=None, github_token=None,
                        public_url=f"http://127.0.0.1:{port}")
    app = create_app(settings)
    quiet_request_logs()
    artifacts = app.state.registry.artifacts
    for i in range(ARTIFACTS - 1):
        kind = (ArtifactType.MODEL, ArtifactType.DATASET, ArtifactType.CODE)[i % 3]
        artifacts.store_new(BENCH_USER, Artifact(id=f"bench-{i:05d}", type=kind, name=f"artifact-{i}",
                                                 readme=f"artifact {i} for the UI benchmark"))
    return app


def main() -> None:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        sys.exit("Debian's chromium is needed (./run bench installs it)")
    port = free_port()
    with tempfile.TemporaryDirectory() as workdir, uvicorn_server(seeded_app(Path(workdir), port), port) as url:
        with httpx.Client(base_url=url, timeout=120) as http:
            token = graphql(http, LOGIN, i={"username": DEFAULT_ADMIN_USERNAME,
                                            "password": DEFAULT_ADMIN_PASSWORD})["authenticate"]["token"]
            created = graphql(http, INGEST, token, i={"type": "MODEL", "url": MINILM_URL, "codeUrl": MINILM_CODE,
                                                      "datasetUrls": [MINILM_DATASET]})["ingestArtifact"]
        model_id = created["artifact"]["artifactId"]
        session = json.dumps({"token": token, "username": DEFAULT_ADMIN_USERNAME, "uses": 0, "issuedAt": 0})
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_FLAGS)
            figures = []
            for _ in range(RUNS):
                context = browser.new_context()  # an empty cache every run: a first load
                context.add_init_script(f"sessionStorage.setItem('registry.session', {json.dumps(session)})")
                page = context.new_page()
                page.goto(f"{url}/#/artifact/{model_id}")
                interactive_ms = page.evaluate(INTERACTIVE)
                figures.append((page.evaluate(TRANSFERRED), interactive_ms))
                context.close()
            browser.close()
    kilobytes = sorted(f[0] / 1024 for f in figures)
    times = sorted(f[1] for f in figures)
    print(f"UI first load of a model page, registry of {ARTIFACTS} artifacts, {RUNS} cold runs:")
    print(f"  transferred  {kilobytes[len(kilobytes) // 2]:.1f} KB median (goal <= 300 KB)")
    print(f"  interactive  {times[len(times) // 2]:.0f} ms median, {times[-1]:.0f} ms worst (goal <= 1000 ms)")


if __name__ == "__main__":
    main()
