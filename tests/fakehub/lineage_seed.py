"""A real lineage chain on the fake hub: microsoft/resnet-50 -> crangana/trained-gender -> trained-gender-ONNX.

Shaped like what those repositories declare: the fine-tune's card names ``base_model: microsoft/resnet-50`` and
its config keeps ``_name_or_path``; the ONNX export's card names ``base_model: crangana/trained-gender``
(library transformers.js) and ships onnx/ weights in three precisions.  ResNet-50's card names the
imagenet-1k dataset and links the original GitHub repository.  Weight sizes are size-only (never served).

The cards follow the real ones: ResNet-50's card by the Hugging Face team (usage snippet, BibTeX), the Trainer's
generated card of the fine-tune (model-index with its accuracy, hyperparameters, training results), the ONNX
export's Transformers.js card. Each model has its hub commit history (fixed dates, two years old or more), and
microsoft and onnx-community are organizations.

Not part of the baseline seeds: tests call `add_resnet_chain(fake_hub)` (the `fake_hub` fixture's reset
removes it again).  Three GitHub repositories serve the license check: MIT, GPL-3.0 and an unrecognised one.
"""
from __future__ import annotations

import json

from tests.fakehub.repos import FakeHubCommit, FileContent
from tests.fakehub.server import FakeHub, utc

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
    "license: apache-2.0\ntags:\n- vision\n- image-classification\ndatasets:\n- imagenet-1k\nwidget:\n"
    "- src: https://huggingface.co/datasets/mishig/sample_images/resolve/main/tiger.jpg\n  example_title: Tiger",
    """# ResNet-50 v1.5

ResNet model pre-trained on ImageNet-1k at resolution 224x224. It was introduced in the paper [Deep Residual
Learning for Image Recognition](https://arxiv.org/abs/1512.03385) by He et al. and first released in
[this repository](https://github.com/KaimingHe/deep-residual-networks).

Disclaimer: The team releasing ResNet did not write a model card for this model so this model card has been written
by the Hugging Face team.

## Model description

ResNet (Residual Network) is a convolutional neural network that democratized the concepts of residual learning and
skip connections. This enables to train much deeper models.

This is ResNet v1.5, which differs from the original model: in the bottleneck blocks which require downsampling, v1
has stride = 2 in the first 1x1 convolution, whereas v1.5 has stride = 2 in the 3x3 convolution. This difference
makes ResNet50 v1.5 slightly more accurate (~0.5% top1) than v1, but comes with a small performance drawback (~5%
imgs/sec) according to [Nvidia](https://catalog.ngc.nvidia.com/orgs/nvidia/resources/resnet_50_v1_5_for_pytorch).

## Intended uses & limitations

You can use the raw model for image classification. See the [model hub](https://huggingface.co/models?search=resnet)
to look for fine-tuned versions on a task that interests you.

### How to use

Here is how to use this model to classify an image of the COCO 2017 dataset into one of the 1,000 ImageNet classes:

```python
from transformers import AutoImageProcessor, ResNetForImageClassification
import torch
from datasets import load_dataset

dataset = load_dataset("huggingface/cats-image")
image = dataset["test"]["image"][0]

processor = AutoImageProcessor.from_pretrained("microsoft/resnet-50")
model = ResNetForImageClassification.from_pretrained("microsoft/resnet-50")

inputs = processor(image, return_tensors="pt")

with torch.no_grad():
    logits = model(**inputs).logits

# model predicts one of the 1000 ImageNet classes
predicted_label = logits.argmax(-1).item()
print(model.config.id2label[predicted_label])
```

For more code examples, we refer to the
[documentation](https://huggingface.co/docs/transformers/main/en/model_doc/resnet).

### BibTeX entry and citation info

```bibtex
@inproceedings{he2016deep,
  title={Deep residual learning for image recognition},
  author={He, Kaiming and Zhang, Xiangyu and Ren, Shaoqing and Sun, Jian},
  booktitle={Proceedings of the IEEE conference on computer vision and pattern recognition},
  pages={770--778},
  year={2016}
}
```""")

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
    "metrics:\n- accuracy\nmodel-index:\n- name: trained-gender\n  results:\n  - task:\n"
    "      name: Image Classification\n"
    "      type: image-classification\n    dataset:\n      name: imagefolder\n      type: imagefolder\n"
    "      config: default\n      split: train\n      args: default\n    metrics:\n    - name: Accuracy\n"
    "      type: accuracy\n      value: 0.9263",
    """<!-- This model card has been generated automatically according to the information the Trainer had access to. You
should probably proofread and complete it, then remove this comment. -->

# trained-gender

This model is a fine-tuned version of [microsoft/resnet-50](https://huggingface.co/microsoft/resnet-50) on the
imagefolder dataset.
It achieves the following results on the evaluation set:
- Loss: 0.2137
- Accuracy: 0.9263

## Model description

More information needed

## Intended uses & limitations

More information needed

## Training and evaluation data

More information needed

## Training procedure

### Training hyperparameters

The following hyperparameters were used during training:
- learning_rate: 5e-05
- train_batch_size: 32
- eval_batch_size: 32
- seed: 42
- gradient_accumulation_steps: 4
- total_train_batch_size: 128
- optimizer: Adam with betas=(0.9,0.999) and epsilon=1e-08
- lr_scheduler_type: linear
- lr_scheduler_warmup_ratio: 0.1
- num_epochs: 3

### Training results

| Training Loss | Epoch | Step | Validation Loss | Accuracy |
|:-------------:|:-----:|:----:|:---------------:|:--------:|
| 0.4811        | 0.99  | 53   | 0.3112          | 0.8841   |
| 0.2975        | 2.0   | 107  | 0.2321          | 0.9170   |
| 0.2384        | 2.97  | 159  | 0.2137          | 0.9263   |


### Framework versions

- Transformers 4.41.2
- Pytorch 2.3.0+cu121
- Datasets 2.19.2
- Tokenizers 0.19.1""")

ONNX_FILES: dict[str, FileContent] = {
    "config.json": _json({"_name_or_path": GENDER_ID, "architectures": ["ResNetForImageClassification"],
                          "model_type": "resnet"}),
    "preprocessor_config.json": _PREPROCESSOR,
    "quantize_config.json": _json({"per_channel": True, "reduce_range": True}),
    "onnx/model.onnx": 94_298_113,
    "onnx/model_fp16.onnx": 47_196_311,
    "onnx/model_quantized.onnx": 23_843_729,
}
ONNX_CARD = _card(f"base_model: {GENDER_ID}\nlibrary_name: transformers.js", f"""\
https://huggingface.co/{GENDER_ID} with ONNX weights to be compatible with Transformers.js.

## Usage (Transformers.js)

If you haven't already, you can install the [Transformers.js](https://huggingface.co/docs/transformers.js) JavaScript
library from [NPM](https://www.npmjs.com/package/@huggingface/transformers) using:
```bash
npm i @huggingface/transformers
```

**Example:** Classify an image.
```js
import {{ pipeline }} from '@huggingface/transformers';

const classifier = await pipeline('image-classification', '{ONNX_ID}');
const output = await classifier('https://huggingface.co/datasets/Xenova/transformers.js-docs/resolve/main/tiger.jpg');
```

---

Note: Having a separate repo for ONNX weights is intended to be a temporary solution until WebML gains more
traction. If you would like to make your models web-ready, we recommend converting to ONNX using
[🤗 Optimum](https://huggingface.co/docs/optimum/index) and structuring your repo like this one (with ONNX weights
located in a subfolder named `onnx`).""")

# Who committed to each model on the hub, as the hub lists it ("system" makes every repository's first commit).
HISTORIES: dict[str, list[FakeHubCommit]] = {
    RESNET_ID: [
        FakeHubCommit(["system"], utc(2022, 3, 16), "initial commit"),
        FakeHubCommit(["nielsr"], utc(2022, 3, 16), "Add model"),
        FakeHubCommit(["nielsr"], utc(2022, 3, 18), "Update README.md"),
        FakeHubCommit(["osanseviero"], utc(2022, 6, 27), "Add widget examples"),
        FakeHubCommit(["Narsil"], utc(2022, 10, 4), "Adding `safetensors` variant of this model"),
        FakeHubCommit(["amyeroberts"], utc(2023, 3, 28), "Add TF weights"),
        FakeHubCommit(["nielsr"], utc(2024, 2, 13), "Update preprocessor_config.json"),
    ],
    GENDER_ID: [
        FakeHubCommit(["crangana"], utc(2024, 6, 10, 9), "Training in progress, epoch 1"),
        FakeHubCommit(["crangana"], utc(2024, 6, 10, 10), "Training in progress, epoch 2"),
        FakeHubCommit(["crangana"], utc(2024, 6, 10, 11), "End of training"),
    ],
    ONNX_ID: [
        FakeHubCommit(["Xenova"], utc(2024, 6, 12), "Upload folder using huggingface_hub"),
        FakeHubCommit(["Xenova"], utc(2024, 6, 12, 13), "Update README.md"),
    ],
}
CREATED = {RESNET_ID: utc(2022, 3, 16), GENDER_ID: utc(2024, 6, 10), ONNX_ID: utc(2024, 6, 12)}
ORGANIZATIONS = {"microsoft": ("Microsoft", 5_420), "onnx-community": ("ONNX Community", 37)}

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
        history = HISTORIES[repo_id]
        fake.add_model(repo_id, files, card=card, library_name=library, pipeline_tag="image-classification",
                       commits=history, created_at=CREATED[repo_id], last_modified=history[-1].date)
    for name, (fullname, members) in ORGANIZATIONS.items():
        fake.add_organization(name, fullname, members, verified=True)
    fake.add_github_repo(RESNET_CODE, dict(RESNET_CODE_FILES), license="MIT", description="Deep Residual Learning")
    fake.add_github_repo(GPL_CODE, {"train.py": b"print('fine-tune')\n"}, license="GPL-3.0")
    fake.add_github_repo(UNKNOWN_LICENSE_CODE, {"train.py": b"print('fine-tune')\n"}, license="NOASSERTION")
