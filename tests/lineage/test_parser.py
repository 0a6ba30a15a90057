"""declared_parents: structured metadata -> typed edges with canonical source URLs (pure)."""
from typing import Any

import pytest

from scoring.lineage import declared_parent_urls, declared_parents, hub_model_url
from scoring.sources.types import GitHubRepo, HubRepo, RepoFile, SourceRef

SELF = SourceRef(kind="hf_model", owner="acme", name="child")
HF = "https://huggingface.co/"


def repo(card: dict[str, Any] | None = None, config: dict[str, Any] | None = None,
         adapter: dict[str, Any] | None = None, text: str = "", files: tuple[str, ...] = ()) -> HubRepo:
    return HubRepo(ref=SELF, card_data=card or {}, config=config, adapter_config=adapter, card_text=text,
                   files=[RepoFile(path=p, size=1) for p in files])


def edges(r: HubRepo) -> list[tuple[str, str, str]]:
    return [(e.relation, e.target, e.origin) for e in declared_parents(r)]


def test_card_base_model_without_relation_is_a_finetune():
    assert edges(repo({"base_model": "microsoft/resnet-50"})) == [
        ("finetune", HF + "microsoft/resnet-50", "card.base_model")]


@pytest.mark.parametrize("relation", ["finetune", "adapter", "quantized", "merge", "Quantized "])
def test_an_explicit_relation_wins(relation):
    found = edges(repo({"base_model": "org/base", "base_model_relation": relation}))
    assert found == [(relation.strip().lower(), HF + "org/base", "card.base_model")]


def test_an_invalid_relation_is_inferred_instead():
    assert edges(repo({"base_model": "org/base", "base_model_relation": "cousin"}))[0][0] == "finetune"


def test_several_base_models_are_a_merge_and_keep_their_order():
    found = edges(repo({"base_model": ["org/a", "org/b", "gpt2"]}))
    assert found == [("merge", HF + "org/a", "card.base_model"), ("merge", HF + "org/b", "card.base_model"),
                     ("merge", HF + "gpt2", "card.base_model")]


def test_gguf_files_or_a_quantization_config_make_it_quantized():
    assert edges(repo({"base_model": "org/a"}, files=("model-Q4_K_M.gguf",)))[0][0] == "quantized"
    assert edges(repo({"base_model": "org/a"}, config={"quantization_config": {"bits": 4}}))[0][0] == "quantized"


def test_adapter_config_declares_an_adapter_and_makes_the_card_base_an_adapter():
    adapter = {"base_model_name_or_path": "org/base", "peft_type": "LORA"}
    assert edges(repo(adapter=adapter)) == [("adapter", HF + "org/base", "adapter_config")]
    assert edges(repo({"base_model": "org/base"}, adapter=adapter)) == [
        ("adapter", HF + "org/base", "card.base_model")]


@pytest.mark.parametrize("key", ["_name_or_path", "base_model", "base_model_name_or_path"])
def test_config_keys_declare_a_base_model(key):
    assert edges(repo(config={key: "org/base"})) == [("base_model", HF + "org/base", f"config.{key}")]


@pytest.mark.parametrize("value", ["./model", "/tmp/x", "../up/model", "C:\\models\\bert", "~/m", "", "   ", 42, None,
                                   "models/bert-base", "org/name/extra", "https://github.com/o/r",
                                   "https://huggingface.co/org/name/tree/main", "org/na me", "org/" + "x" * 300,
                                   "acme/child", "https://huggingface.co/acme/child", "http://huggingface.co/o/n",
                                   [["nested/list"]], {"a": 1}, "datasets/org/data"])
def test_local_paths_malformed_ids_other_hosts_and_the_model_itself_are_ignored(value):
    assert declared_parents(repo({"base_model": value}, config={"_name_or_path": value})) == []


def test_a_full_hub_url_is_accepted_as_an_id():
    assert hub_model_url("https://huggingface.co/org/base") == HF + "org/base"
    assert hub_model_url(" org/base ") == HF + "org/base"


def test_datasets_and_code_links_become_typed_dependencies():
    text = ("Trained on https://huggingface.co/datasets/org/extra. Code: https://github.com/org/trainer.\n"
            "```\ngit clone https://github.com/org/in-a-code-block\n```\n")
    found = edges(repo({"datasets": ["org/faces", "imagenet-1k", "free text, not an id"]}, text=text))
    assert found == [("fine_tuning_dataset", HF + "datasets/org/faces", "card.datasets"),
                     ("fine_tuning_dataset", HF + "datasets/imagenet-1k", "card.datasets"),
                     ("fine_tuning_dataset", HF + "datasets/org/extra", "card.datasets"),
                     ("code", "https://github.com/org/trainer", "card.links")]


def test_each_target_once_the_first_declaration_wins():
    found = edges(repo({"base_model": "org/base"}, config={"_name_or_path": "org/base", "base_model": "ORG/BASE"},
                       adapter={"base_model_name_or_path": "org/base"}))
    assert found == [("adapter", HF + "org/base", "card.base_model")]


def test_parent_urls_for_ingest_and_none_for_github_repositories():
    assert declared_parent_urls(repo({"base_model": "org/base", "datasets": "org/d"})) == [
        HF + "org/base", HF + "datasets/org/d"]
    github = GitHubRepo(ref=SourceRef(kind="github", owner="o", name="r"), full_name="o/r")
    assert declared_parent_urls(github) == []
