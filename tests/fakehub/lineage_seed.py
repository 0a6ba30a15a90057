"""A real lineage chain on the fake hub: microsoft/resnet-50 -> crangana/trained-gender -> trained-gender-ONNX.

Shaped like what those repositories declare: the fine-tune's card names ``base_model: microsoft/resnet-50`` and
its config keeps ``_name_or_path``; the ONNX export's card names ``base_model: crangana/trained-gender``
(library transformers.js) and ships onnx/ weights in three precisions.  ResNet-50's card names the
imagenet-1k dataset and links the original GitHub repository.  Weight sizes are size-only (never served).

Not part of the baseline seeds: tests call `add_resnet_chain(fake_hub)` (the `fake_hub` fixture's reset
removes it again).  Three GitHub repositories serve the license check: MIT, GPL-3.0 and an unrecognised one.
"""
from __future__ import annotations

import json

from tests.fakehub.repos import FileContent
from tests.fakehub.server import FakeHub

RESNET_ID = "microsoft/resnet-50"
GENDER_ID = "crangana/trained-gender"
ONNX_ID = "onnx-community/trained-gender-ONNX"
RESNET_CODE = "KaimingHe/deep-residual-networks"
GPL_CODE = "lineage-fixtures/gpl-trainer"
UNKNOWN_LICENSE_CODE = "lineage-fixtures/custom-license"
MISSING_CODE = "lineage-fixtures/no-such-repo"

CHAIN = (RESNET_ID, GENDER_ID, ONNX_ID)


def hub_url(repo_id: str) -> str:
    return f"https://huggingface.co/{repo_id}"


def github_url(full_name: str) -> str:
    return f"https://github.com/{full_name}"


def _json(value: object) -> bytes:
    return json.dumps(value, indent=2).encode()


def _card(front_matter: str, body: str) -> str:
    return f"---\n{front_matter}\n---\n\n{body}\n"


_PREPROCESSOR = _json({"crop_pct": 0.875, "do_normalize": True, "do_resize": True, "size": {"shortest_edge": 224},
                       "image_processor_type": "ConvNextImageProcessor", "resample": 3})

RESNET_FILES: dict[str, FileContent] = {
    "config.json": _json({"architectures": ["ResNetForImageClassification"], "model_type": "resnet",
                          "depths": [3, 4, 6, 3], "hidden_sizes": [256, 512, 1024, 2048], "num_channels": 3}),
    "preprocessor_config.json": _PREPROCESSOR,
    "model.safetensors": 102_469_840,
    "pytorch_model.bin": 102_540_417,
    "tf_model.h5": 102_907_216,
    "flax_model.msgpack": 102_395_034,
}
RESNET_CARD = _card(
    "license: apache-2.0\ntags:\n- vision\n- image-classification\ndatasets:\n- imagenet-1k",
    "# ResNet-50 v1.5\n\nResNet model pre-trained on ImageNet-1k at resolution 224x224. It was introduced in the "
    "paper Deep Residual Learning for Image Recognition by He et al. and first released in "
    "[this repository](https://github.com/KaimingHe/deep-residual-networks).\n")

GENDER_FILES: dict[str, FileContent] = {
    "config.json": _json({"_name_or_path": RESNET_ID, "architectures": ["ResNetForImageClassification"],
                          "id2label": {"0": "female", "1": "male"}, "label2id": {"female": 0, "male": 1},
                          "model_type": "resnet", "problem_type": "single_label_classification"}),
    "preprocessor_config.json": _PREPROCESSOR,
    "model.safetensors": 94_371_112,
    "training_args.bin": 5_304,
}
GENDER_CARD = _card(
    f"license: apache-2.0\nbase_model: {RESNET_ID}\ntags:\n- generated_from_trainer\ndatasets:\n- imagefolder\n"
    "metrics:\n- accuracy",
    "# trained-gender\n\nThis model is a fine-tuned version of microsoft/resnet-50 on the imagefolder dataset.\n")

ONNX_FILES: dict[str, FileContent] = {
    "config.json": _json({"_name_or_path": GENDER_ID, "architectures": ["ResNetForImageClassification"],
                          "model_type": "resnet"}),
    "preprocessor_config.json": _PREPROCESSOR,
    "quantize_config.json": _json({"per_channel": True, "reduce_range": True}),
    "onnx/model.onnx": 94_298_113,
    "onnx/model_fp16.onnx": 47_196_311,
    "onnx/model_quantized.onnx": 23_843_729,
}
ONNX_CARD = _card(f"base_model: {GENDER_ID}\nlibrary_name: transformers.js",
                  f"https://huggingface.co/{GENDER_ID} with ONNX weights to be compatible with Transformers.js.\n")

RESNET_CODE_FILES: dict[str, bytes | int] = {
    "prototxt/ResNet-50-deploy.prototxt": b"name: \"ResNet-50\"\n" * 40,
    "README.md": b"# Deep Residual Networks\n",
}


def add_resnet_chain(fake: FakeHub, models: tuple[str, ...] = CHAIN) -> None:
    """Register the chain's models (all, or the ones named) and the license-check GitHub repositories."""
    cards = {RESNET_ID: (RESNET_FILES, RESNET_CARD, "transformers"),
             GENDER_ID: (GENDER_FILES, GENDER_CARD, "transformers"),
             ONNX_ID: (ONNX_FILES, ONNX_CARD, "transformers.js")}
    for repo_id in models:
        files, card, library = cards[repo_id]
        fake.add_model(repo_id, files, card=card, library_name=library, pipeline_tag="image-classification")
    fake.add_github_repo(RESNET_CODE, dict(RESNET_CODE_FILES), license="MIT", description="Deep Residual Learning")
    fake.add_github_repo(GPL_CODE, {"train.py": b"print('fine-tune')\n"}, license="GPL-3.0")
    fake.add_github_repo(UNKNOWN_LICENSE_CODE, {"train.py": b"print('fine-tune')\n"}, license="NOASSERTION")
