"""arnir0/Tiny-LLM shaped as the hub lists it: the same nine files at their sizes, for the performance workload.

The file list, the LFS files and the sizes follow the hub's listing of the repository (commit b784a70, Nov 2024):
.gitattributes 1.52 kB, Inferencecode.py 930 B, README.md 1.39 kB, config.json 602 B, model.safetensors 26 MB
(LFS), special_tokens_map.json 411 B, tokenizer.json 1.84 MB, tokenizer.model 500 kB (LFS), tokenizer_config.json
930 B. The bytes are made here, deterministically (the tests have no internet): config.json holds the model's real
configuration (LlamaForCausalLM, hidden 192, one layer, vocabulary 32,000); model.safetensors is a valid safetensors
file of that architecture's tensors in F16 (12,988,992 parameters: 25,977,984 bytes of weights after its header),
filled with seeded pseudo-random bytes; the tokenizer files are the Llama tokenizer's sizes; the texts are
written for this fixture. The weights and the tokenizer model are written once per process to a temporary
directory and served from disk.
"""
from __future__ import annotations

import atexit
import json
import random
import shutil
import struct
import tempfile
from datetime import datetime, timezone
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from tests.fakehub.repos import FileContent

if TYPE_CHECKING:
    from tests.fakehub.server import FakeHub

TINY_LLM_ID = "arnir0/Tiny-LLM"
TINY_LLM_URL = f"https://huggingface.co/{TINY_LLM_ID}"
_NOV_3_2024 = datetime(2024, 11, 3, 12, 0, tzinfo=timezone.utc)

_CONFIG = {"architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
           "bos_token_id": 1, "eos_token_id": 2, "head_dim": 96, "hidden_act": "silu", "hidden_size": 192,
           "initializer_range": 0.02, "intermediate_size": 1024, "max_position_embeddings": 1024,
           "mlp_bias": False, "model_type": "llama", "num_attention_heads": 2, "num_hidden_layers": 1,
           "num_key_value_heads": 1, "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None,
           "rope_theta": 10000.0, "tie_word_embeddings": False, "torch_dtype": "float32",
           "transformers_version": "4.46.1", "use_cache": True, "vocab_size": 32000}

CARD = """---
license: mit
datasets:
- HuggingFaceFW/fineweb
pipeline_tag: text-generation
---
# Tiny-LLM

A tiny language model of about 13 million parameters in the Llama architecture (one decoder layer, hidden size
192, a 32,000-token vocabulary), trained on a sample of FineWeb. It is meant for experiments, teaching and tests
of tooling, not for real text generation.

## Usage

```python
from transformers import AutoModelForCausalLM, AutoTokenizer

tokenizer = AutoTokenizer.from_pretrained("arnir0/Tiny-LLM")
model = AutoModelForCausalLM.from_pretrained("arnir0/Tiny-LLM")
inputs = tokenizer("Once upon a time", return_tensors="pt")
print(tokenizer.decode(model.generate(**inputs, max_new_tokens=20)[0]))
```

See `Inferencecode.py` for a complete example.

## Limitations

The model is far too small to be accurate: expect fluent-looking but meaningless text.
"""

INFERENCE_CODE = """from transformers import AutoModelForCausalLM, AutoTokenizer

model_name = "arnir0/Tiny-LLM"
tokenizer = AutoTokenizer.from_pretrained(model_name)
model = AutoModelForCausalLM.from_pretrained(model_name)

prompt = "The weather today is"
inputs = tokenizer(prompt, return_tensors="pt")
outputs = model.generate(**inputs, max_new_tokens=40, do_sample=True, top_k=50, top_p=0.95, temperature=0.8)
print(tokenizer.decode(outputs[0], skip_special_tokens=True))
"""

SPECIAL_TOKENS = {"bos_token": {"content": "<s>", "lstrip": False, "normalized": False, "rstrip": False,
                                "single_word": False},
                  "eos_token": {"content": "</s>", "lstrip": False, "normalized": False, "rstrip": False,
                                "single_word": False},
                  "unk_token": {"content": "<unk>", "lstrip": False, "normalized": False, "rstrip": False,
                                "single_word": False}}

TOKENIZER_JSON_BYTES = 1_842_767
TOKENIZER_MODEL_BYTES = 499_723


def tensor_shapes() -> dict[str, list[int]]:
    """The model's tensors, from its configuration."""
    hidden, inner, vocab, head = _CONFIG["hidden_size"], _CONFIG["intermediate_size"], _CONFIG["vocab_size"], 96
    kv = _CONFIG["num_key_value_heads"] * head
    layer = "model.layers.0"
    return {"lm_head.weight": [vocab, hidden], "model.embed_tokens.weight": [vocab, hidden],
            f"{layer}.input_layernorm.weight": [hidden], f"{layer}.mlp.down_proj.weight": [hidden, inner],
            f"{layer}.mlp.gate_proj.weight": [inner, hidden], f"{layer}.mlp.up_proj.weight": [inner, hidden],
            f"{layer}.post_attention_layernorm.weight": [hidden],
            f"{layer}.self_attn.k_proj.weight": [kv, hidden], f"{layer}.self_attn.o_proj.weight": [hidden, hidden],
            f"{layer}.self_attn.q_proj.weight": [hidden, hidden], f"{layer}.self_attn.v_proj.weight": [kv, hidden],
            "model.norm.weight": [hidden]}


def _safetensors(path: Path) -> None:
    """A valid safetensors file: an 8-byte header length, the JSON header, then every tensor's F16 bytes."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, shape in tensor_shapes().items():
        size = 2
        for dimension in shape:
            size *= dimension
        header[name] = {"dtype": "F16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)  # the format pads the header to 8 bytes
    rng = random.Random(0x71A1)
    with path.open("wb") as out:
        out.write(struct.pack("<Q", len(encoded)) + encoded)
        while offset > 0:
            block = min(offset, 1 << 20)
            out.write(rng.randbytes(block))
            offset -= block


def _filler(size: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(size)


def _tokenizer_json() -> bytes:
    """Valid JSON of the Llama tokenizer.json's size: a BPE vocabulary of 32,000 made-up pieces, padded."""
    vocab = {f"\u2581tok{index}": index for index in range(_CONFIG["vocab_size"])}
    body = json.dumps({"version": "1.0", "model": {"type": "BPE", "vocab": vocab, "merges": []}}).encode()
    padding = TOKENIZER_JSON_BYTES - len(body) - len(b',"padding":""}') + 1
    return body[:-1] + b',"padding":"' + b"x" * padding + b'"}'


@cache
def _directory() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="fakehub-tiny-llm-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    _safetensors(folder / "model.safetensors")
    (folder / "tokenizer.model").write_bytes(_filler(TOKENIZER_MODEL_BYTES, 0x70C))
    return folder


def tiny_llm_files() -> dict[str, FileContent]:
    """Every file of the repository: weights and tokenizer model from disk, the rest in memory."""
    folder = _directory()
    gitattributes = "".join(f"*.{ext} filter=lfs diff=lfs merge=lfs -text\n" for ext in (
        "7z", "arrow", "bin", "bz2", "ckpt", "ftz", "gz", "h5", "joblib", "tflite", "mlmodel", "model", "msgpack",
        "npy", "npz", "onnx", "ot", "parquet", "pb", "pickle", "pkl", "pt", "pth", "rar", "safetensors", "tar",
        "tgz", "wasm", "xz", "zip", "zst", "tfevents*"))
    return {
        ".gitattributes": gitattributes.encode(),
        "Inferencecode.py": INFERENCE_CODE.encode(),
        "README.md": CARD.encode(),
        "config.json": json.dumps(_CONFIG, indent=2).encode(),
        "model.safetensors": folder / "model.safetensors",
        "special_tokens_map.json": json.dumps(SPECIAL_TOKENS, indent=2).encode(),
        "tokenizer.json": _tokenizer_json(),
        "tokenizer.model": folder / "tokenizer.model",
        "tokenizer_config.json": json.dumps({"add_bos_token": True, "add_eos_token": False, "bos_token": "<s>",
                                             "clean_up_tokenization_spaces": False, "eos_token": "</s>",
                                             "legacy": False, "model_max_length": 1024, "pad_token": None,
                                             "padding_side": "right", "sp_model_kwargs": {},
                                             "tokenizer_class": "LlamaTokenizer", "unk_token": "<unk>",
                                             "use_default_system_prompt": False}, indent=2).encode(),
    }


def add_tiny_llm(fake: "FakeHub") -> None:
    """Register the repository on a fake hub (tests and benchmarks that run the performance workload)."""
    files = tiny_llm_files()
    card = files.pop("README.md")
    fake.add_model(TINY_LLM_ID, files, card=card.decode(), downloads=985, likes=13, library_name=None,
                   pipeline_tag="text-generation", created_at=_NOV_3_2024, last_modified=_NOV_3_2024)
