"""Calibration models: the fake hub's copies of models a practitioner knows, shaped like the real ones.

Card texts follow the real cards (abridged), file lists carry the real files and sizes, the hub commit histories
name the people who made the commits, the organizations show member counts, and the GitHub repositories carry
contributors, commits and reviewed pull requests like the real ones. Every date is fixed and at least two years
before the suite was written (2024-11-30 or earlier), so a verdict can never move with the clock.

- google-bert/bert-base-uncased, also answered as ``bert-base-uncased`` (the hub's legacy alias); its datasets
  bookcorpus and wikipedia (legacy ids the hub redirects too) and its code google-research/bert;
- openai/whisper-tiny with its original code openai/whisper (LibriSpeech appears only as its evaluation set);
- sentence-transformers/all-MiniLM-L6-v2 (seed.py: the real repository), with five of its card's datasets as the
  hub has them (two missing, two legacy ids), and the library that runs it, UKPLab/sentence-transformers;
- nreimers/MiniLM-L6-H384-uncased: one person's layer-pruned base model, with the Hub's "model documentation"
  card (the template version of its card), run by transformers;
- microsoft/resnet-50 -> crangana/trained-gender -> onnx-community/trained-gender-ONNX (lineage_seed.py), with
  imagenet-1k (gated) and the libraries huggingface/transformers and huggingface/transformers.js;
- parvk11/audience_classifier_model: the course reference's low model, the hub's empty card template, no license;
- a single-person fine-tune with the Trainer's auto-generated card "on an unknown dataset" (one commit);
- a card-less model with no license (one upload of a raw checkpoint).

`add_calibration_models(fake)` registers them (not part of the baseline: the `fake_hub` fixture's reset removes
them). It replaces UKPLab/sentence-transformers with a fixed-date history for the time of the test.
"""
from __future__ import annotations

import json
from datetime import datetime

from tests.fakehub.lineage_seed import add_resnet_chain
from tests.fakehub.repos import FakeCommit, FakeHubCommit, FakePull, FileContent
from tests.fakehub.seed import MINILM_GITHUB
from tests.fakehub.server import FakeHub, utc

BERT_ID = "google-bert/bert-base-uncased"
BERT_ALIAS = "bert-base-uncased"
WHISPER_ID = "openai/whisper-tiny"
NREIMERS_ID = "nreimers/MiniLM-L6-H384-uncased"
AUDIENCE_ID = "parvk11/audience_classifier_model"
FINETUNE_ID = "jdoe-ml/distilbert-imdb-sentiment"  # one person, one commit, the Trainer's generated card
CARDLESS_ID = "mlhobbyist/final-model"  # no card, no license, a raw checkpoint
BERT_CODE = "google-research/bert"
WHISPER_CODE = "openai/whisper"
TRANSFORMERS_CODE = "huggingface/transformers"
TRANSFORMERS_JS_CODE = "huggingface/transformers.js"
BOOKCORPUS_ID = "bookcorpus/bookcorpus"
LATEST = utc(2024, 11, 30)  # no fixture date is later than this


def add_calibration_models(fake: FakeHub) -> None:
    """Register every calibration model, its datasets, organizations and code (see the module docstring)."""
    add_resnet_chain(fake)
    _add_organizations(fake)
    _add_datasets(fake)
    _add_code(fake)
    _add_bert(fake)
    _add_whisper(fake)
    _add_small_models(fake)


def _json(value: object) -> bytes:
    return json.dumps(value, indent=2).encode()


def _card(front_matter: str, body: str) -> str:
    return f"---\n{front_matter}\n---\n\n{body}\n"


def _commits(*entries: tuple[str, datetime, str]) -> list[FakeHubCommit]:
    return [FakeHubCommit([author], date, title) for author, date, title in entries]


# --- organizations and datasets -------------------------------------------------------------------------------

def _add_organizations(fake: FakeHub) -> None:
    fake.add_organization("google-bert", "BERT community", 6, verified=True)
    fake.add_organization("openai", "OpenAI", 31, verified=True)


_DATASET_USE = "```python\nfrom datasets import load_dataset\n\nds = load_dataset(\"{id}\")\n```\n"


def _add_datasets(fake: FakeHub) -> None:
    fake.add_dataset(BOOKCORPUS_ID, {"data/train-00000-of-00010.parquet": 480_000_000}, card=_card(
        "annotations_creators:\n- no-annotation\nlanguage:\n- en\nlicense:\n- unknown\nsize_categories:\n"
        "- 10M<n<100M\ntask_categories:\n- text-generation\n- fill-mask\npretty_name: BookCorpus",
        "# Dataset Card for BookCorpus\n\n## Dataset Description\n\nBooks are a rich source of both fine-grained "
        "information, how a character, an object or a scene looks like, as well as high-level semantics, what "
        "someone is thinking, feeling and how these states evolve through a story. This work aims to align books "
        "to their movie releases in order to provide rich descriptive explanations for visual content that go "
        "semantically far beyond the captions available in current datasets.\n\n## Dataset Structure\n\n"
        "### Data Fields\n\n- `text`: a sentence of a book.\n\n### Licensing Information\n\n"
        "The books were collected from Smashwords; their licenses were not recorded.\n"),
        created_at=utc(2022, 3, 2), last_modified=utc(2024, 5, 6))
    fake.add_alias("bookcorpus", BOOKCORPUS_ID, "dataset")
    fake.add_dataset("legacy-datasets/wikipedia", {"data/20220301.en/train-00000-of-00041.parquet": 20_300_000_000},
                     card=_card("language:\n- en\nlicense:\n- cc-by-sa-3.0\n- gfdl\nsize_categories:\n- n>1M\n"
                                "task_categories:\n- text-generation\n- fill-mask\npretty_name: Wikipedia",
                                "# Dataset Card for Wikipedia\n\nWikipedia dataset containing cleaned articles of all "
                                "languages. The datasets are built from the Wikipedia dump "
                                "(https://dumps.wikimedia.org/) with one split per language. Each example contains "
                                "the content of one full Wikipedia article with cleaning to strip markdown and "
                                "unwanted sections (references, etc.).\n\n## Usage\n\n"
                                + _DATASET_USE.format(id="wikipedia") + "\n## Licensing Information\n\nMost of "
                                "Wikipedia's text is jointly licensed under CC BY-SA 3.0 and the GFDL.\n"),
                     created_at=utc(2022, 3, 2), last_modified=utc(2024, 3, 11))
    fake.add_alias("wikipedia", "legacy-datasets/wikipedia", "dataset")
    fake.add_dataset("ILSVRC/imagenet-1k", {"data/train_images_0.tar.gz": 29_261_436_971}, gated="manual",
                     tags=["task_categories:image-classification", "size_categories:1M<n<10M", "license:other"],
                     card=_card("license: other\nsize_categories:\n- 1M<n<10M\ntask_categories:\n"
                                "- image-classification\npretty_name: ImageNet",
                                "# Dataset Card for ImageNet\n\nILSVRC 2012, commonly known as ImageNet.\n"),
                     created_at=utc(2022, 5, 2), last_modified=utc(2024, 7, 1))
    fake.add_alias("imagenet-1k", "ILSVRC/imagenet-1k", "dataset")
    fake.add_dataset("openslr/librispeech_asr", {"all/test.clean/0000.parquet": 346_663_984}, card=_card(
        "language:\n- en\nlicense:\n- cc-by-4.0\nsize_categories:\n- 100K<n<1M\ntask_categories:\n"
        "- automatic-speech-recognition\npretty_name: LibriSpeech",
        "# Dataset Card for librispeech_asr\n\nLibriSpeech is a corpus of approximately 1000 hours of 16kHz read "
        "English speech, prepared by Vassil Panayotov with the assistance of Daniel Povey. The data is derived from "
        "read audiobooks from the LibriVox project, and has been carefully segmented and aligned.\n\n## Usage\n\n"
        + _DATASET_USE.format(id="openslr/librispeech_asr")), created_at=utc(2022, 3, 2),
        last_modified=utc(2024, 8, 12))
    fake.add_alias("librispeech_asr", "openslr/librispeech_asr", "dataset")
    _add_minilm_datasets(fake)


def _add_minilm_datasets(fake: FakeHub) -> None:
    """The first five datasets of all-MiniLM-L6-v2's card as the hub has them: s2orc and gooaq are not there
    under those ids, ms_marco and yahoo_answers_topics are legacy ids of moved repositories."""
    fake.add_dataset("flax-sentence-embeddings/stackexchange_xml", {"title_body/train.jsonl.gz": 1_610_000_000},
                     card=_card("license: cc-by-sa-4.0\nlanguage:\n- en\nsize_categories:\n- 10M<n<100M\n"
                                "task_categories:\n- question-answering",
                                "# Stack Exchange question pairs\n\nPairs of (title, body), (title, answer) and "
                                "(body, answer) from the Stack Exchange XML dumps, collected during the JAX/Flax "
                                "community week to train sentence embedding models on question-answer "
                                "relationships across all Stack Exchange sites.\n"),
                     created_at=utc(2021, 7, 12), last_modified=utc(2022, 7, 11))
    fake.add_dataset("microsoft/ms_marco", {"v1.1/train-00000-of-00001.parquet": 302_000_000}, card=_card(
        "language:\n- en\nlicense: other\nlicense_link: https://microsoft.github.io/msmarco/\nsize_categories:\n"
        "- 1M<n<10M\ntask_categories:\n- question-answering",
        "# Dataset Card for MS MARCO\n\nStarting with a paper released at NIPS 2016, MS MARCO is a collection of "
        "datasets focused on deep learning in search. The first dataset was a question answering dataset featuring "
        "100,000 real Bing questions and a human generated answer. Since then we released a 1,000,000 question "
        "dataset, a natural language generation dataset, a passage ranking dataset, keyphrase extraction dataset, "
        "crawling dataset, and a conversational search.\n\n## Usage\n\n"
        + _DATASET_USE.format(id="microsoft/ms_marco")), created_at=utc(2022, 3, 2), last_modified=utc(2024, 1, 4))
    fake.add_alias("ms_marco", "microsoft/ms_marco", "dataset")
    fake.add_dataset("community-datasets/yahoo_answers_topics", {"data/train-00000-of-00002.parquet": 396_000_000},
                     card=_card("language:\n- en\nlicense:\n- unknown\nsize_categories:\n- 1M<n<10M\n"
                                "task_categories:\n- text-classification",
                                "# Dataset Card for Yahoo Answers Topics\n\nThe Yahoo! Answers topic "
                                "classification dataset is constructed using the 10 largest main categories. Each "
                                "class contains 140,000 training samples and 6,000 testing samples, so the total "
                                "number of training samples is 1,400,000 and testing samples 60,000. From all the "
                                "answers and other meta-information, only the best answer content and the main "
                                "category information were used.\n"),
                     created_at=utc(2022, 3, 2), last_modified=utc(2024, 1, 16))
    fake.add_alias("yahoo_answers_topics", "community-datasets/yahoo_answers_topics", "dataset")


# --- code -----------------------------------------------------------------------------------------------------

def _history(contributors: dict[str, int], first: datetime, last: datetime, count: int = 40) -> list[FakeCommit]:
    """About `count` commits from `first` to `last`, shared among contributors in proportion to their work."""
    total = sum(contributors.values())
    authors = [login for login, n in contributors.items() for _ in range(max(1, round(count * n / total)))]
    step = (last - first) / max(1, len(authors) - 1)
    return [FakeCommit(author=login, date=first + step * i, message=f"Change {i}") for i, login in enumerate(authors)]


def _pulls(first: int, maintainer: str, authors: list[str], closed: datetime, reviewed: int, unreviewed: int,
           unmerged: int) -> list[FakePull]:
    """Closed PRs (newest around `closed`): `reviewed` merged after `maintainer` approved them, `unreviewed`
    merged without an approving review, `unmerged` closed without merging."""
    plan = ["reviewed"] * reviewed + ["unreviewed"] * unreviewed + ["unmerged"] * unmerged
    pulls = []
    for i, kind in enumerate(plan):
        author = authors[i % len(authors)]
        pulls.append(FakePull(number=first + i, author=author, merged=kind != "unmerged",
                              files={f"src/module_{i % 7}.py": 12 + 5 * (i % 9), f"tests/test_{i % 7}.py": 6},
                              reviews=[(maintainer, "APPROVED")] if kind == "reviewed" else [],
                              closed_at=utc(closed.year, closed.month, 1 + i % 27)))
    return pulls


_TRANSFORMERS = {
    "sgugger": 1717, "patrickvonplaten": 1262, "ydshieh": 1003, "LysandreJik": 939, "thomwolf": 811,
    "ArthurZucker": 712, "amyeroberts": 651, "julien-c": 528, "NielsRogge": 471, "stas00": 352, "Rocketknight1": 341,
    "younesbelkada": 298, "gante": 287, "zucchini-nlp": 201, "Cyrilvallez": 192, "molbap": 177, "stevhliu": 176,
    "SunMarc": 161, "muellerzr": 148, "Narsil": 141, "qubvel": 130, "mfuntowicz": 120, "yonigozlan": 110,
    "aymeric-roucher": 101, "VictorSanh": 95, "mrm8488": 80, "lewtun": 78, "dependabot[bot]": 77,
}
_PYTHON_PROJECT = {".github/workflows/tests.yml": b"name: tests\non: [push, pull_request]\n",
                   ".pre-commit-config.yaml": b"repos: []\n", "pyproject.toml": b"[project]\n"}


def _readme(title: str, text: str) -> str:
    return f"# {title}\n\n{text}\n\n## Installation\n\n```\npip install {title.lower()}\n```\n" + (
        "\n## Contributing\n\nWe welcome contributions: read CONTRIBUTING.md, open an issue to discuss a change, "
        "then a pull request with tests. Every pull request is reviewed by a maintainer and must pass the test "
        "suite and the style checks before it is merged.\n")


def _add_code(fake: FakeHub) -> None:
    fake.add_github_repo(TRANSFORMERS_CODE, {
        **_PYTHON_PROJECT, "setup.py": b"from setuptools import setup\nsetup()\n", ".circleci/config.yml": b"jobs:\n",
        "src/transformers/__init__.py": b"__version__ = '4.46.3'\n", "src/transformers/modeling_utils.py": 254_000,
        "tests/test_modeling_common.py": 210_000, "utils/check_repo.py": 41_000,
    }, readme=_readme("Transformers", "State-of-the-art pretrained models for inference and training: text, "
                                      "vision, audio, video and multimodal models, in PyTorch, TensorFlow and JAX."),
        license="Apache-2.0", description="Transformers: the model-definition framework", stars=136_000,
        forks=27_400, created_at=utc(2018, 10, 29), pushed_at=LATEST, contributors=_TRANSFORMERS,
        commits=_history(_TRANSFORMERS, utc(2024, 6, 1), LATEST),
        pulls=_pulls(34_000, "ArthurZucker", list(_TRANSFORMERS)[:12], LATEST, reviewed=26, unreviewed=3, unmerged=1),
        tags=["v4.46.3", "v4.46.2"])
    js_people = {"xenova": 1512, "whitphx": 64, "kungfooman": 38, "dependabot[bot]": 31, "fs-eire": 12}
    fake.add_github_repo(TRANSFORMERS_JS_CODE, {
        ".github/workflows/tests.yml": b"name: tests\n", ".prettierrc": b"{}\n", "package.json": b"{}\n",
        "src/transformers.js": 1_200, "src/pipelines.js": 140_000, "tests/pipelines.test.js": 38_000,
    }, readme=_readme("Transformers.js", "State-of-the-art Machine Learning for the web. Run Transformers directly "
                                         "in your browser, with no need for a server."),
        license="Apache-2.0", stars=12_400, forks=780, created_at=utc(2023, 2, 13), pushed_at=utc(2024, 11, 20),
        contributors=js_people, commits=_history(js_people, utc(2024, 1, 5), utc(2024, 11, 20)),
        pulls=_pulls(900, "xenova", ["whitphx", "kungfooman", "fs-eire"], utc(2024, 11, 1), reviewed=9,
                     unreviewed=14, unmerged=7))
    fake.add_github_repo(BERT_CODE, {
        "__init__.py": b"", "modeling.py": 37_000, "modeling_test.py": 9_000, "tokenization.py": 12_000,
        "tokenization_test.py": 4_000, "optimization.py": 6_000, "optimization_test.py": 1_700,
        "run_classifier.py": 34_000, "run_pretraining.py": 18_000, "run_squad.py": 46_000,
        "extract_features.py": 13_000, "create_pretraining_data.py": 16_000,
        "requirements.txt": b"tensorflow >= 1.11.0\n",
        "CONTRIBUTING.md": b"# How to Contribute\n", "multilingual.md": 14_000,
    }, readme=_readme("BERT", "TensorFlow code and pre-trained models for BERT: Bidirectional Encoder Representations "
                              "from Transformers, a method of pre-training language representations which obtains "
                              "state-of-the-art results on a wide array of NLP tasks."),
        license="Apache-2.0", description="TensorFlow code and pre-trained models for BERT", stars=38_400,
        forks=9_700, created_at=utc(2018, 10, 25), pushed_at=utc(2020, 3, 11),
        contributors={"jacobdevlin-google": 68, "hsm207": 3, "abhishekraok": 2, "imcaspar": 2, "qwfy": 1,
                      "slavpetrov": 1, "0xflotus": 1, "ywkim": 1, "eric-haibin-lin": 1},
        commits=_history({"jacobdevlin-google": 68, "hsm207": 3, "imcaspar": 2}, utc(2018, 10, 31), utc(2020, 3, 11)),
        pulls=_pulls(300, "jacobdevlin-google", ["hsm207", "abhishekraok", "imcaspar", "qwfy", "ywkim"],
                     utc(2020, 3, 1), reviewed=8, unreviewed=2, unmerged=20))
    whisper_people = {"jongwook": 158, "ryanheise": 9, "EliEron": 6, "Jiang-Stan": 4, "vickianand": 4,
                      "jibinmathew69": 3, "petterreinholdtsen": 3, "glangford": 3}
    fake.add_github_repo(WHISPER_CODE, {
        **_PYTHON_PROJECT, "setup.py": b"from setuptools import setup\nsetup()\n", "requirements.txt": b"torch\n",
        "whisper/__init__.py": 6_000, "whisper/model.py": 11_000, "whisper/transcribe.py": 25_000,
        "tests/test_transcribe.py": 1_500, "tests/test_tokenizer.py": 900,
    }, readme=_readme("Whisper", "Whisper is a general-purpose speech recognition model. It is trained on a large "
                                 "dataset of diverse audio and is also a multitasking model that can perform "
                                 "multilingual speech recognition, speech translation, and language identification."),
        license="MIT", description="Robust Speech Recognition via Large-Scale Weak Supervision", stars=72_000,
        forks=8_600, created_at=utc(2022, 9, 16), pushed_at=utc(2024, 9, 30), contributors=whisper_people,
        commits=_history(whisper_people, utc(2023, 3, 1), utc(2024, 9, 30)),
        pulls=_pulls(2_100, "jongwook", ["ryanheise", "EliEron", "Jiang-Stan", "vickianand"], utc(2024, 9, 1),
                     reviewed=11, unreviewed=6, unmerged=13))
    _replace_sentence_transformers(fake)


def _replace_sentence_transformers(fake: FakeHub) -> None:
    """UKPLab/sentence-transformers as seed.py has it, with its commits and PRs at fixed dates."""
    seeded = fake.github_repos[MINILM_GITHUB.lower()]
    people = dict(seeded.contributors)
    fake.add_github_repo(MINILM_GITHUB, {k: v for k, v in seeded.files.items() if k != "README.md"},
                         readme=(seeded.readme or b"").decode(), license=seeded.license_spdx,
                         description=seeded.description, stars=seeded.stars, forks=seeded.forks,
                         created_at=seeded.created_at, pushed_at=utc(2024, 11, 28), contributors=people,
                         commits=_history(people, utc(2024, 1, 8), utc(2024, 11, 28)),
                         pulls=_pulls(3_000, "tomaarsen", ["kddubey", "milistu", "ir2718", "pesuchin"],
                                      utc(2024, 11, 1), reviewed=10, unreviewed=2, unmerged=3),
                         tags=list(seeded.tags))


# --- models ---------------------------------------------------------------------------------------------------

BERT_CARD = _card(
    "language: en\ntags:\n- exbert\nlicense: apache-2.0\ndatasets:\n- bookcorpus\n- wikipedia",
    """# BERT base model (uncased)

Pretrained model on English language using a masked language modeling (MLM) objective. It was introduced in
[this paper](https://arxiv.org/abs/1810.04805) and first released in
[this repository](https://github.com/google-research/bert). This model is uncased: it does not make a difference
between english and English.

Disclaimer: The team releasing BERT did not write a model card for this model so this model card has been written by
the Hugging Face team.

## Model description

BERT is a transformers model pretrained on a large corpus of English data in a self-supervised fashion. This means it
was pretrained on the raw texts only, with no humans labeling them in any way, with an automatic process to generate
inputs and labels from those texts. It was pretrained with two objectives: masked language modeling and next
sentence prediction.

## Model variations

| Model | #params | Language |
|------------------------|--------------------------------|-------|
| [`bert-base-uncased`](https://huggingface.co/bert-base-uncased) | 110M   | English |
| [`bert-large-uncased`](https://huggingface.co/bert-large-uncased)              | 340M    | English |
| [`bert-base-cased`](https://huggingface.co/bert-base-cased)        | 110M    | English |

## Intended uses & limitations

You can use the raw model for either masked language modeling or next sentence prediction, but it's mostly intended
to be fine-tuned on a downstream task.

### How to use

You can use this model directly with a pipeline for masked language modeling:

```python
>>> from transformers import pipeline
>>> unmasker = pipeline('fill-mask', model='bert-base-uncased')
>>> unmasker("Hello I'm a [MASK] model.")
[{'sequence': "[CLS] hello i'm a fashion model. [SEP]", 'score': 0.1073, 'token': 4827, 'token_str': 'fashion'}]
```

Here is how to use this model to get the features of a given text in PyTorch:

```python
from transformers import BertTokenizer, BertModel
tokenizer = BertTokenizer.from_pretrained('bert-base-uncased')
model = BertModel.from_pretrained("bert-base-uncased")
text = "Replace me by any text you'd like."
encoded_input = tokenizer(text, return_tensors='pt')
output = model(**encoded_input)
```

## Training data

The BERT model was pretrained on [BookCorpus](https://yknzhu.wixsite.com/mbweb), a dataset consisting of 11,038
unpublished books and [English Wikipedia](https://en.wikipedia.org/wiki/English_Wikipedia) (excluding lists, tables
and headers).

## Training procedure

The model was trained on 4 cloud TPUs in Pod configuration (16 TPU chips total) for one million steps with a batch
size of 256. The sequence length was limited to 128 tokens for 90% of the steps and 512 for the remaining 10%.

## Evaluation results

When fine-tuned on downstream tasks, this model achieves the following results:

Glue test results:

| Task | MNLI-(m/mm) | QQP  | QNLI | SST-2 | CoLA | STS-B | MRPC | RTE  | Average |
|:----:|:-----------:|:----:|:----:|:-----:|:----:|:-----:|:----:|:----:|:-------:|
|      | 84.6/83.4   | 71.2 | 90.5 | 93.5  | 52.1 | 85.8  | 88.9 | 66.4 | 79.6    |

### BibTeX entry and citation info

```bibtex
@article{DBLP:journals/corr/abs-1810-04805,
  author    = {Jacob Devlin and Ming{-}Wei Chang and Kenton Lee and Kristina Toutanova},
  title     = {{BERT:} Pre-training of Deep Bidirectional Transformers for Language Understanding},
  journal   = {CoRR},
  volume    = {abs/1810.04805},
  year      = {2018},
}
```""")

BERT_FILES: dict[str, FileContent] = {
    "config.json": _json({"architectures": ["BertForMaskedLM"], "model_type": "bert", "hidden_size": 768,
                          "num_hidden_layers": 12, "vocab_size": 30522}),
    "model.safetensors": 440_449_768, "pytorch_model.bin": 440_473_133, "tf_model.h5": 536_063_208,
    "flax_model.msgpack": 438_064_459, "rust_model.ot": 534_240_408, "model.onnx": 532_091_246,
    "coreml/fill-mask/float32_model.mlpackage/Data/com.apple.CoreML/weights/weight.bin": 531_833_856,
    "tokenizer.json": b'{"version": "1.0"}', "tokenizer_config.json": b'{"do_lower_case": true}',
    "vocab.txt": 231_508, "LICENSE": b"Apache License, Version 2.0\n",
}


def _add_bert(fake: FakeHub) -> None:
    fake.add_model(BERT_ID, BERT_FILES, card=BERT_CARD, library_name="transformers", pipeline_tag="fill-mask",
                   downloads=52_000_000, likes=2_100, created_at=utc(2022, 3, 2), last_modified=utc(2024, 2, 19),
                   commits=_commits(
                       ("system", utc(2018, 11, 14), "initial commit"),
                       ("julien-c", utc(2018, 11, 14, 13), "Upload pytorch_model.bin"),
                       ("thomwolf", utc(2019, 9, 26), "Update config.json"),
                       ("julien-c", utc(2020, 2, 18), "Migrate model card from transformers-repo"),
                       ("lysandre", utc(2020, 6, 2), "Add TF weights"),
                       ("patrickvonplaten", utc(2020, 12, 11), "Upload flax_model.msgpack"),
                       ("sgugger", utc(2021, 4, 26), "Add tokenizer_config.json"),
                       ("osanseviero", utc(2022, 6, 15), "Add widget examples"),
                       ("Narsil", utc(2022, 11, 7), "Adding `safetensors` variant of this model"),
                       ("ybelkada", utc(2023, 3, 9), "Add Core ML conversion"),
                       ("lysandre", utc(2023, 3, 10), "Update README.md"),
                       ("ArthurZ", utc(2023, 9, 18), "Update tokenizer.json"),
                       ("lysandre", utc(2024, 2, 19), "Update README.md"),
                   ))
    fake.add_alias(BERT_ALIAS, BERT_ID)


WHISPER_CARD = _card(
    "language:\n- en\n- zh\n- de\n- es\n- ru\n- ko\n- fr\n- ja\n- pt\n- tr\n- pl\ntags:\n- audio\n"
    "- automatic-speech-recognition\n- hf-asr-leaderboard\nmodel-index:\n- name: whisper-tiny\n  results:\n"
    "  - task:\n      name: Automatic Speech Recognition\n      type: automatic-speech-recognition\n"
    "    dataset:\n      name: LibriSpeech (clean)\n      type: librispeech_asr\n      config: clean\n"
    "      split: test\n    metrics:\n    - name: Test WER\n      type: wer\n      value: 7.54\n"
    "  - task:\n      name: Automatic Speech Recognition\n      type: automatic-speech-recognition\n"
    "    dataset:\n      name: LibriSpeech (other)\n      type: librispeech_asr\n      config: other\n"
    "      split: test\n    metrics:\n    - name: Test WER\n      type: wer\n      value: 17.15\n"
    "  - task:\n      name: Automatic Speech Recognition\n      type: automatic-speech-recognition\n"
    "    dataset:\n      name: Common Voice 11.0\n      type: mozilla-foundation/common_voice_11_0\n"
    "      config: hi\n      split: test\n    metrics:\n    - name: Test WER\n      type: wer\n      value: 141\n"
    "pipeline_tag: automatic-speech-recognition\nlicense: apache-2.0",
    """# Whisper

Whisper is a pre-trained model for automatic speech recognition (ASR) and speech translation. Trained on 680k hours
of labelled data, Whisper models demonstrate a strong ability to generalise to many datasets and domains **without**
the need for fine-tuning.

Whisper was proposed in the paper [Robust Speech Recognition via Large-Scale Weak
Supervision](https://arxiv.org/abs/2212.04356) by Alec Radford et al from OpenAI. The original code repository can
be found [here](https://github.com/openai/whisper).

**Disclaimer**: Content for this model card has partly been written by the Hugging Face team, and parts of it were
copied and pasted from the original model card.

## Model details

Whisper is a Transformer based encoder-decoder model, also referred to as a _sequence-to-sequence_ model. It was
trained on 680k hours of labelled speech data annotated using large-scale weak supervision.

| Size | Parameters | English-only | Multilingual |
|------|------------|--------------|--------------|
| tiny | 39 M | [✓](https://huggingface.co/openai/whisper-tiny.en) | [✓](https://huggingface.co/openai/whisper-tiny) |
| base | 74 M | [✓](https://huggingface.co/openai/whisper-base.en) | [✓](https://huggingface.co/openai/whisper-base) |

# Usage

To transcribe audio samples, the model has to be used alongside a
[`WhisperProcessor`](https://huggingface.co/docs/transformers/model_doc/whisper#transformers.WhisperProcessor).

## Transcription

```python
>>> from transformers import WhisperProcessor, WhisperForConditionalGeneration
>>> from datasets import load_dataset

>>> # load model and processor
>>> processor = WhisperProcessor.from_pretrained("openai/whisper-tiny")
>>> model = WhisperForConditionalGeneration.from_pretrained("openai/whisper-tiny")
>>> model.config.forced_decoder_ids = None

>>> # load dummy dataset and read audio files
>>> ds = load_dataset("hf-internal-testing/librispeech_asr_dummy", "clean", split="validation")
>>> sample = ds[0]["audio"]
>>> rate = sample["sampling_rate"]
>>> input_features = processor(sample["array"], sampling_rate=rate, return_tensors="pt").input_features

>>> # generate token ids
>>> predicted_ids = model.generate(input_features)
>>> # decode token ids to text
>>> transcription = processor.batch_decode(predicted_ids, skip_special_tokens=True)
[' Mr. Quilter is the apostle of the middle classes and we are glad to welcome his gospel.']
```

## Evaluation

This code snippet shows how to evaluate Whisper Tiny on
[LibriSpeech test-clean](https://huggingface.co/datasets/librispeech_asr):

```python
>>> from datasets import load_dataset
>>> from transformers import WhisperForConditionalGeneration, WhisperProcessor
>>> import torch
>>> from evaluate import load

>>> librispeech_test_clean = load_dataset("librispeech_asr", "clean", split="test")

>>> processor = WhisperProcessor.from_pretrained("openai/whisper-tiny")
>>> model = WhisperForConditionalGeneration.from_pretrained("openai/whisper-tiny").to("cuda")

>>> def map_to_pred(batch):
>>>     audio = batch["audio"]
>>>     rate = audio["sampling_rate"]
>>>     input_features = processor(audio["array"], sampling_rate=rate, return_tensors="pt").input_features
>>>     batch["reference"] = processor.tokenizer._normalize(batch['text'])
>>>     with torch.no_grad():
>>>         predicted_ids = model.generate(input_features.to("cuda"))[0]
>>>     transcription = processor.decode(predicted_ids)
>>>     batch["prediction"] = processor.tokenizer._normalize(transcription)
>>>     return batch

>>> result = librispeech_test_clean.map(map_to_pred)

>>> wer = load("wer")
>>> print(100 * wer.compute(references=result["reference"], predictions=result["prediction"]))
7.547098647858638
```

## Training Data

The models are trained on 680,000 hours of audio and the corresponding transcripts collected from the internet. 65%
of this data (or 438,000 hours) represents English-language audio and matched English transcripts, roughly 18% (or
126,000 hours) represents non-English audio and English transcripts, while the final 17% (or 117,000 hours)
represents non-English audio and the corresponding transcript.

## Performance and Limitations

Our studies show that, over many existing ASR systems, the models exhibit improved robustness to accents, background
noise, technical language, as well as zero shot translation from multiple languages into English.

### BibTeX entry and citation info

```bibtex
@misc{radford2022whisper,
  doi = {10.48550/ARXIV.2212.04356},
  url = {https://arxiv.org/abs/2212.04356},
  author = {Radford, Alec and Kim, Jong Wook and Xu, Tao and Brockman, Greg and McLeavey, Christine and
            Sutskever, Ilya},
  title = {Robust Speech Recognition via Large-Scale Weak Supervision},
  publisher = {arXiv},
  year = {2022},
}
```""")

WHISPER_FILES: dict[str, FileContent] = {
    "config.json": _json({"architectures": ["WhisperForConditionalGeneration"], "model_type": "whisper",
                          "d_model": 384, "encoder_layers": 4, "decoder_layers": 4}),
    "generation_config.json": _json({"max_length": 448}), "preprocessor_config.json": _json({"feature_size": 80}),
    "model.safetensors": 151_061_672, "pytorch_model.bin": 151_097_209, "tf_model.h5": 151_322_920,
    "flax_model.msgpack": 151_009_838, "tokenizer.json": b'{"version": "1.0"}', "vocab.json": 835_550,
    "merges.txt": 493_869, "normalizer.json": 52_666, "added_tokens.json": 34_604,
    "special_tokens_map.json": b"{}", "tokenizer_config.json": b"{}",
}


def _add_whisper(fake: FakeHub) -> None:
    fake.add_model(WHISPER_ID, WHISPER_FILES, card=WHISPER_CARD, library_name="transformers",
                   pipeline_tag="automatic-speech-recognition", downloads=1_100_000, likes=340,
                   created_at=utc(2022, 9, 26), last_modified=utc(2024, 2, 29), commits=_commits(
                       ("system", utc(2022, 9, 26), "initial commit"),
                       ("ArthurZ", utc(2022, 9, 26, 15), "Upload WhisperForConditionalGeneration"),
                       ("sanchit-gandhi", utc(2022, 10, 5), "Update README.md"),
                       ("patrickvonplaten", utc(2022, 12, 2), "Upload generation_config.json"),
                       ("ArthurZ", utc(2023, 1, 10), "Update tokenizer"),
                       ("sanchit-gandhi", utc(2023, 3, 1), "Add TF weights"),
                       ("ybelkada", utc(2023, 7, 18), "Adding `safetensors` variant of this model"),
                       ("sanchit-gandhi", utc(2023, 9, 15), "Update generation_config.json"),
                       ("reach-vb", utc(2024, 2, 29), "Update README.md"),
                   ))


NREIMERS_CARD = _card("license: mit", """# Model Card for MiniLM: 6 Layer Version

# Model Details

## Model Description

This is a 6 layer version of
[microsoft/MiniLM-L12-H384-uncased](https://huggingface.co/microsoft/MiniLM-L12-H384-uncased/)
by keeping only every second layer.

- **Developed by:** Nils Reimers
- **Shared by [Optional]:** Nils Reimers
- **Model type:** Feature Extraction
- **Language(s) (NLP):** More information needed
- **License:** MIT
- **Parent Model:** [microsoft/MiniLM-L12-H384-uncased](https://huggingface.co/microsoft/MiniLM-L12-H384-uncased/)
- **Resources for more information:** More information needed.

# Uses

## Direct Use

This model can be used for the task of feature extraction.

## Out-of-Scope Use

The model should not be used to intentionally create hostile or alienating environments for people.

# Bias, Risks, and Limitations

Significant research has explored bias and fairness issues with language models (see, e.g.,
[Sheng et al. (2021)](https://aclanthology.org/2021.acl-long.330.pdf) and
[Bender et al. (2021)](https://dl.acm.org/doi/pdf/10.1145/3442188.3445922)). Predictions generated by the model may
include disturbing and harmful stereotypes across protected classes; identity characteristics; and sensitive, social,
and occupational groups.

# Training Details

## Training Data

More information needed

# Evaluation

## Results

More information needed

# How to Get Started with the Model

Use the code below to get started with the model.

<details>
<summary> Click to expand </summary>

```python
from transformers import AutoTokenizer, AutoModel

tokenizer = AutoTokenizer.from_pretrained("nreimers/MiniLM-L6-H384-uncased")
model = AutoModel.from_pretrained("nreimers/MiniLM-L6-H384-uncased")
```
</details>""")

AUDIENCE_CARD = _card("library_name: transformers\ntags: []", """# Model Card for Model ID

<!-- Provide a quick summary of what the model is/does. -->

## Model Details

### Model Description

<!-- Provide a longer summary of what this model is. -->

This is the model card of a 🤗 transformers model that has been pushed on the Hub. This model card has been
automatically generated.

- **Developed by:** [More Information Needed]
- **Funded by [optional]:** [More Information Needed]
- **Model type:** [More Information Needed]
- **Language(s) (NLP):** [More Information Needed]
- **License:** [More Information Needed]
- **Finetuned from model [optional]:** [More Information Needed]

## Uses

### Direct Use

[More Information Needed]

## Bias, Risks, and Limitations

[More Information Needed]

## How to Get Started with the Model

Use the code below to get started with the model.

[More Information Needed]

## Training Details

### Training Data

[More Information Needed]

## Evaluation

### Results

[More Information Needed]

## Citation [optional]

**BibTeX:**

[More Information Needed]""")

FINETUNE_CARD = _card(
    "library_name: transformers\nlicense: apache-2.0\nbase_model: distilbert/distilbert-base-uncased\ntags:\n"
    "- generated_from_trainer\nmodel-index:\n- name: distilbert-imdb-sentiment\n  results: []",
    """<!-- This model card has been generated automatically according to the information the Trainer had access to. You
should probably proofread and complete it, then remove this comment. -->

# distilbert-imdb-sentiment

This model is a fine-tuned version of
[distilbert/distilbert-base-uncased](https://huggingface.co/distilbert/distilbert-base-uncased) on an unknown dataset.
It achieves the following results on the evaluation set:
- Loss: 0.2291

## Model description

More information needed

## Intended uses & limitations

More information needed

## Training and evaluation data

More information needed

## Training procedure

### Training hyperparameters

The following hyperparameters were used during training:
- learning_rate: 2e-05
- train_batch_size: 16
- eval_batch_size: 16
- seed: 42
- optimizer: Use adamw_torch with betas=(0.9,0.999) and epsilon=1e-08
- lr_scheduler_type: linear
- num_epochs: 2

### Training results

| Training Loss | Epoch | Step | Validation Loss |
|:-------------:|:-----:|:----:|:---------------:|
| 0.2841        | 1.0   | 1563 | 0.2378          |
| 0.1702        | 2.0   | 3126 | 0.2291          |


### Framework versions

- Transformers 4.44.2
- Pytorch 2.4.0+cu121
- Datasets 2.21.0
- Tokenizers 0.19.1""")

_DISTILBERT_CONFIG = {"architectures": ["DistilBertForSequenceClassification"], "model_type": "distilbert",
                      "id2label": {"0": "NEGATIVE", "1": "POSITIVE"}}
_TOKENIZER = {"tokenizer.json": b'{"version": "1.0"}', "tokenizer_config.json": b"{}", "vocab.txt": 231_508,
              "special_tokens_map.json": b"{}"}


def _add_small_models(fake: FakeHub) -> None:
    """nreimers' base model, the course's low model, a one-commit fine-tune and a card-less upload."""
    fake.add_model(NREIMERS_ID, {"config.json": _json({"architectures": ["BertModel"], "model_type": "bert",
                                                       "hidden_size": 384, "num_hidden_layers": 6}),
                                 "pytorch_model.bin": 90_891_565, "tf_model.h5": 91_005_696, **_TOKENIZER},
                   card=NREIMERS_CARD, library_name="transformers", pipeline_tag="feature-extraction",
                   downloads=410_000, likes=38, created_at=utc(2022, 3, 2), last_modified=utc(2022, 11, 15),
                   commits=_commits(("system", utc(2021, 5, 25), "initial commit"),
                                    ("nreimers", utc(2021, 5, 25, 13), "Add model"),
                                    ("nreimers", utc(2021, 5, 25, 14), "Update README.md"),
                                    ("nazneen", utc(2022, 11, 15), "model documentation (#1)")))
    fake.add_model(AUDIENCE_ID, {"config.json": _json(_DISTILBERT_CONFIG), "model.safetensors": 267_832_560,
                                 **_TOKENIZER},
                   card=AUDIENCE_CARD, library_name="transformers", pipeline_tag="text-classification",
                   downloads=12, created_at=utc(2024, 9, 20), last_modified=utc(2024, 9, 20),
                   commits=_commits(("parvk11", utc(2024, 9, 20), "Upload DistilBertForSequenceClassification"),
                                    ("parvk11", utc(2024, 9, 20, 13), "Upload tokenizer")))
    fake.add_model(FINETUNE_ID, {"config.json": _json({**_DISTILBERT_CONFIG,
                                                       "_name_or_path": "distilbert/distilbert-base-uncased"}),
                                 "model.safetensors": 267_832_560, "training_args.bin": 5_240, **_TOKENIZER},
                   card=FINETUNE_CARD, library_name="transformers", pipeline_tag="text-classification",
                   downloads=3, created_at=utc(2024, 8, 14), last_modified=utc(2024, 8, 14),
                   commits=_commits(("jdoe-ml", utc(2024, 8, 14), "End of training")))
    fake.add_model(CARDLESS_ID, {"model.pt": 402_653_184}, downloads=0, created_at=utc(2024, 4, 2),
                   last_modified=utc(2024, 4, 2),
                   commits=_commits(("mlhobbyist", utc(2024, 4, 2), "Upload model.pt")))
