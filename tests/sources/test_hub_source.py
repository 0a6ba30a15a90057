"""HubSource against the fake hub: the real all-MiniLM-L6-v2 repo, edge-case repos and injected faults."""
from __future__ import annotations

import socket
from pathlib import Path

import pytest

from scoring.errors import InvalidSourceURL, SourceNotFound, SourceRateLimited, SourceUnavailable
from scoring.sources.hub import HubSource, parse_front_matter
from scoring.sources.types import SourceRef
from scoring.sources.url import parse_source_url
from tests.fakehub import FakeHub
from tests.fakehub.seed import (ADAPTER_ID, BAD_CONFIG_ID, BAD_YAML_ID, BARE_ID, DATASET_ID, GATED_ID, MINILM_ID,
                                MISSING_ID, MULTI_FORMAT_ID, NO_CARD_ID, TAGGED_ID, WEIGHT_SIZE, minilm_weight_path)

WEIGHT_DOWNLOAD = r"/resolve/.*\.(safetensors|bin|onnx|h5|pt|ckpt|pth|msgpack|gguf)$"


@pytest.fixture
def hub(fake_hub: FakeHub) -> HubSource:
    return HubSource(fake_hub.hf_endpoint, None, timeout=5, retries=2, backoff=0)


def model(repo_id: str) -> SourceRef:
    return parse_source_url(f"https://huggingface.co/{repo_id}")


def test_minilm_snapshot_has_real_card_config_and_weight_metadata(hub: HubSource, fake_hub: FakeHub) -> None:
    repo = hub.fetch(model(MINILM_ID))

    model_dir = minilm_weight_path().parent
    assert repo.card_text == (model_dir / "README.md").read_text()
    assert repo.card_data["license"] == "apache-2.0"
    assert "s2orc" in repo.card_data["datasets"]
    assert repo.card_error is None
    assert repo.config is not None and repo.config["model_type"] == "bert"
    assert repo.config["hidden_size"] == 384
    assert repo.adapter_config is None and repo.config_error is None
    weights = {f.path: f for f in repo.files}["model.safetensors"]
    assert weights.size == WEIGHT_SIZE == minilm_weight_path().stat().st_size
    assert weights.sha256 == fake_hub.hub_repos[("model", MINILM_ID)].files["model.safetensors"].sha256
    assert {"vocab.txt", "1_Pooling/config.json", "tokenizer.json"} <= {f.path for f in repo.files}
    assert repo.library_name == "sentence-transformers"
    assert repo.pipeline_tag == "sentence-similarity"
    assert "license:apache-2.0" in repo.tags
    assert repo.downloads > 1_000_000 and repo.likes > 1000
    assert repo.sha == fake_hub.hub_repos[("model", MINILM_ID)].sha
    assert repo.created_at is not None and repo.created_at.year == 2022
    assert repo.git_tags == [] and not repo.gated


def test_fetch_never_downloads_weights(hub: HubSource, fake_hub: FakeHub) -> None:
    hub.fetch(model(MINILM_ID))
    hub.fetch(model(MULTI_FORMAT_ID))

    assert fake_hub.count(WEIGHT_DOWNLOAD) == 0
    downloaded = sorted(r.path.rsplit("/", 1)[-1] for r in fake_hub.requests if "/resolve/" in r.path)
    assert downloaded == ["README.md", "README.md", "config.json", "config.json"]


def test_multi_format_weights_are_listed_with_their_sizes(hub: HubSource) -> None:
    files = {f.path: f for f in hub.fetch(model(MULTI_FORMAT_ID)).files}
    assert files["pytorch_model.bin"].size == 438_000_000
    assert files["onnx/model.onnx"].size == 436_000_000
    assert files["model.safetensors"].sha256 is not None


def test_dataset(hub: HubSource) -> None:
    repo = hub.fetch(parse_source_url(f"https://huggingface.co/datasets/{DATASET_ID}"))
    assert repo.ref.kind == "hf_dataset"
    assert repo.card_data["license"] == "cc-by-4.0"
    assert sum(f.size for f in repo.files if f.path.endswith(".parquet")) == 1_234_567 + 123_456
    assert repo.library_name is None and repo.config is None


def test_model_without_card(hub: HubSource) -> None:
    repo = hub.fetch(model(NO_CARD_ID))
    assert (repo.card_text, repo.card_data, repo.card_error) == ("", {}, None)
    assert repo.config is not None


def test_malformed_front_matter_keeps_the_text_and_says_why(hub: HubSource) -> None:
    repo = hub.fetch(model(BAD_YAML_ID))
    assert "Broken front matter" in repo.card_text
    assert repo.card_data == {}
    assert repo.card_error is not None and "malformed YAML" in repo.card_error


def test_config_that_is_not_json(hub: HubSource) -> None:
    repo = hub.fetch(model(BAD_CONFIG_ID))
    assert repo.config is None
    assert repo.config_error is not None and "not valid JSON" in repo.config_error
    assert repo.card_data == {"license": "apache-2.0"}


def test_gated_repo_metadata_is_read_but_files_are_not(hub: HubSource) -> None:
    repo = hub.fetch(model(GATED_ID))
    assert repo.gated
    assert repo.card_text == "" and repo.config is None
    assert repo.card_error is not None and "README.md could not be read" in repo.card_error


def test_git_tags(hub: HubSource) -> None:
    assert hub.fetch(model(TAGGED_ID)).git_tags == ["v1.2.0", "2.0.0"]


def test_only_the_tags_at_the_commit_read_are_its_tags(hub: HubSource, fake_hub: FakeHub) -> None:
    first = fake_hub.add_model("acme/moving", {"config.json": b'{"a": 1}'}, card="# one\n", git_tags=["v1.0.0"])
    second = fake_hub.add_model("acme/moving", {"config.json": b'{"a": 2}'}, card="# two\n", git_tags=["v1.1.0"])
    fake_hub.add_model("acme/moving", {"config.json": b'{"a": 3}'}, card="# three\n")  # untagged head
    head = hub.fetch(model("acme/moving"))
    assert head.git_tags == [] and head.card_text == "# three\n"
    tagged = hub.fetch(parse_source_url("https://huggingface.co/acme/moving/tree/v1.1.0"))
    assert (tagged.sha, tagged.git_tags, tagged.card_text) == (second.sha, ["v1.1.0"], "# two\n")
    pinned = hub.fetch(parse_source_url(f"https://huggingface.co/acme/moving/tree/{first.sha}"))
    assert (pinned.sha, pinned.git_tags, pinned.config) == (first.sha, ["v1.0.0"], {"a": 1})
    assert b"".join(hub.iter_file(pinned.ref, "config.json")) == b'{"a": 1}'  # the files of that commit


def test_adapter_config(hub: HubSource) -> None:
    repo = hub.fetch(model(ADAPTER_ID))
    assert repo.adapter_config is not None and repo.adapter_config["peft_type"] == "LORA"
    assert repo.card_data["base_model"] == MINILM_ID


def test_model_without_organisation(hub: HubSource, fake_hub: FakeHub) -> None:
    repo = hub.fetch(model(BARE_ID))
    assert repo.ref.repo_id == BARE_ID and repo.card_data == {"license": "mit"}
    assert fake_hub.count(f"^/api/models/{BARE_ID}$") == 1


def test_revision_from_the_url(hub: HubSource, fake_hub: FakeHub) -> None:
    assert hub.fetch(parse_source_url(f"https://huggingface.co/{TAGGED_ID}/tree/v1.2.0")).git_tags
    assert fake_hub.count(f"/api/models/{TAGGED_ID}/revision/v1.2.0$") == 1
    with pytest.raises(SourceNotFound):
        hub.fetch(parse_source_url(f"https://huggingface.co/{TAGGED_ID}/tree/v9"))


def test_missing_repo_is_not_found(hub: HubSource, fake_hub: FakeHub) -> None:
    with pytest.raises(SourceNotFound):
        hub.fetch(model(MISSING_ID))
    assert fake_hub.count("/api/models/") == 1  # a 404 is not retried


def test_server_errors_are_retried_then_unavailable(hub: HubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject(f"^/api/models/{MINILM_ID}$", status=503)
    with pytest.raises(SourceUnavailable) as caught:
        hub.fetch(model(MINILM_ID))
    assert "503" in str(caught.value)
    assert fake_hub.count(f"^/api/models/{MINILM_ID}$") == 3  # 1 + retries=2


def test_a_transient_error_is_survived(hub: HubSource, fake_hub: FakeHub) -> None:
    fault = fake_hub.inject("/resolve/main/config.json$|/refs$", status=502, times=2)
    repo = hub.fetch(model(NO_CARD_ID))
    assert repo.config is not None and fault.hits == 2


def test_timeout_is_unavailable(fake_hub: FakeHub) -> None:
    fake_hub.inject(f"^/api/models/{MINILM_ID}$", delay=3)
    hub = HubSource(fake_hub.hf_endpoint, None, timeout=0.3, retries=1, backoff=0)
    with pytest.raises(SourceUnavailable, match="timed out"):
        hub.fetch(model(MINILM_ID))
    assert fake_hub.count(f"^/api/models/{MINILM_ID}$") == 2


def test_refs_request_has_a_timeout_too(fake_hub: FakeHub) -> None:
    fake_hub.inject("/refs$", delay=3)
    hub = HubSource(fake_hub.hf_endpoint, None, timeout=0.3, retries=0, backoff=0)
    with pytest.raises(SourceUnavailable, match="timed out"):
        hub.fetch(model(TAGGED_ID))


def test_rate_limit_is_not_retried(hub: HubSource, fake_hub: FakeHub) -> None:
    fake_hub.inject("^/api/models/", status=429, headers={"Retry-After": "30"})
    with pytest.raises(SourceRateLimited) as caught:
        hub.fetch(model(MINILM_ID))
    assert caught.value.retry_after == 30
    assert fake_hub.count("^/api/models/") == 1


def test_unreachable_hub_is_unavailable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hub = HubSource(f"http://127.0.0.1:{port}", None, timeout=1, retries=0, backoff=0)
    with pytest.raises(SourceUnavailable, match="cannot reach"):
        hub.fetch(model(MINILM_ID))


def test_token_is_sent_as_bearer(fake_hub: FakeHub) -> None:
    HubSource(fake_hub.hf_endpoint, "hf_secret", retries=0).fetch(model(NO_CARD_ID))
    assert {r.headers.get("authorization") for r in fake_hub.requests} == {"Bearer hf_secret"}


def test_iter_file_streams_a_small_file(hub: HubSource) -> None:
    data = b"".join(hub.iter_file(model(MINILM_ID), "config.json"))
    assert data == (minilm_weight_path().parent / "config.json").read_bytes()


def test_iter_file_streams_real_weights_from_disk(hub: HubSource) -> None:
    chunks = hub.iter_file(model(MINILM_ID), "model.safetensors", chunk_size=4096)
    first = next(chunks)
    chunks.close()
    with Path(minilm_weight_path()).open("rb") as handle:
        assert first == handle.read(len(first))


def test_iter_file_errors(hub: HubSource) -> None:
    with pytest.raises(SourceNotFound):
        list(hub.iter_file(model(MINILM_ID), "no-such-file.json"))
    with pytest.raises(SourceNotFound):
        list(hub.iter_file(model(MULTI_FORMAT_ID), "pytorch_model.bin"))  # size-only: never served
    for path in ("../../api/models/x", "/etc/passwd", "a//b", "a\\b", ""):
        with pytest.raises(InvalidSourceURL):
            list(hub.iter_file(model(MINILM_ID), path))


def test_github_ref_is_refused(hub: HubSource) -> None:
    with pytest.raises(ValueError):
        hub.fetch(parse_source_url("https://github.com/o/r"))


@pytest.mark.parametrize(("card", "data", "error"), [
    ("# Title only", {}, None),
    ("---\n---\nbody", {}, None),
    ("---\nlicense: mit\n---\nbody", {"license": "mit"}, None),
    ("\ufeff---\r\nlicense: mit\r\n---\r\n", {"license": "mit"}, None),
    ("---\nlicense: mit\nbody never closed", {}, "not closed"),
    ("---\n- a\n- b\n---\n", {}, "not a mapping"),
    ("---\nkey: [unclosed\n---\n", {}, "malformed YAML"),
    ("---\nx: !!python/object/apply:os.system ['true']\n---\n", {}, "malformed YAML"),
    ("---\nx: " + "a" * 70_000 + "\n---\n", {}, "larger than"),
])
def test_parse_front_matter(card: str, data: dict[str, object], error: str | None) -> None:
    parsed, reason = parse_front_matter(card)
    assert parsed == data
    assert (reason is None) if error is None else (reason is not None and error in reason)


def test_oversized_card_is_not_downloaded(hub: HubSource, fake_hub: FakeHub) -> None:
    fake_hub.add_model("fakehub/huge-card", {"README.md": 3_000_000, "config.json": b"[1, 2]"})
    repo = hub.fetch(model("fakehub/huge-card"))
    assert repo.card_error is not None and "larger than" in repo.card_error
    assert repo.config is None and repo.config_error == "config.json is not a JSON object"
    assert fake_hub.count("/resolve/.*/README.md$") == 0
