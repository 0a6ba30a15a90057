"""REST fixtures: fake-hub models that pass the rating gate through their card alone, and spec-checked clients."""
from __future__ import annotations

from typing import Any

import pytest

from registry.settings import DEFAULT_ADMIN_PASSWORD, DEFAULT_ADMIN_USERNAME
from tests.fakehub.seed import DATASET_ID, MINILM_GITHUB, minilm_files
from tests.rest.spec import SpecClient

HUB = "https://huggingface.co"
LINKED_ID = "acme/minilm-linked"  # MiniLM whose card links its code and a dataset the fake hub holds
TUNED_ID = "acme/minilm-tuned"  # the same, declaring LINKED_ID as its base model
DATASET_URL = f"{HUB}/datasets/{DATASET_ID}"
CODE_URL = f"https://github.com/{MINILM_GITHUB}"


def add_linked_model(fake_hub: Any, repo_id: str, base_model: str | None = None) -> str:
    """Register MiniLM's files under `repo_id` with a card naming the dataset (YAML) and the code (prose), which
    is what the gate needs when REST ingest passes no links.  Returns the model's URL."""
    files = minilm_files()
    body = files["README.md"].decode().split("---", 2)[2]  # type: ignore[union-attr]
    base = f"base_model: {base_model}\n" if base_model else ""
    files["README.md"] = (f"---\nlanguage: en\nlicense: apache-2.0\nlibrary_name: sentence-transformers\n{base}"
                          f"datasets:\n- {DATASET_ID}\npipeline_tag: sentence-similarity\n---\n\n"
                          f"Training code: {CODE_URL}\n{body}").encode()
    fake_hub.add_model(repo_id, files, downloads=5_000, likes=40, library_name="sentence-transformers",
                       pipeline_tag="sentence-similarity")
    return f"{HUB}/{repo_id}"


def login(http: Any) -> str:
    response = SpecClient(http).put("/authenticate", json={
        "user": {"name": DEFAULT_ADMIN_USERNAME, "is_admin": True}, "secret": {"password": DEFAULT_ADMIN_PASSWORD}})
    assert response.status_code == 200, response.text
    token: str = response.json()
    return token


@pytest.fixture
def linked_url(fake_hub) -> str:
    return add_linked_model(fake_hub, LINKED_ID)


@pytest.fixture
def tuned_url(fake_hub, linked_url) -> str:
    return add_linked_model(fake_hub, TUNED_ID, base_model=LINKED_ID)


@pytest.fixture
def api(client) -> SpecClient:
    """The admin, through the app in-process; every response is checked against the spec."""
    return SpecClient(client, login(client))
