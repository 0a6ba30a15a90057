"""Builders for test packages, and byte-level patches of a zip's central directory for hostile archives."""
from __future__ import annotations

import json
import struct
import zipfile
from pathlib import Path

# GLOBAL os.system, MARK, STRING, TUPLE, REDUCE, STOP: what `pickle.dumps` of a malicious __reduce__ looks like.
# Written as raw opcodes; the tests never unpickle anything.
EVIL_PICKLE = b"cos\nsystem\n(S'echo pwned'\ntR."
# PROTO 2, GLOBAL posix.system ... : found by its magic even under a name without a pickle extension.
EVIL_PICKLE_PROTO2 = b"\x80\x02cposix\nsystem\nq\x00X\x04\x00\x00\x00trueq\x01\x85q\x02Rq\x03."
CLEAN_PICKLE = b"\x80\x04K\x2a."  # PROTO 4, BININT1 42, STOP

CONFIG = {"model_type": "bert", "architectures": ["BertModel"], "hidden_size": 32}
# A company's card, written the way a team that means its model to be used writes one: license, datasets,
# evaluation results, usage with a runnable snippet. Its dataset and library are on the fake hub, so the rating
# reads them through the doors' tests.
README = """---
license: apache-2.0
version: 2.1.0
language:
- en
library_name: sentence-transformers
pipeline_tag: sentence-similarity
datasets:
- fakehub/tiny-reviews
model-index:
- name: tiny-model
  results:
  - task:
      type: text-classification
    dataset:
      name: tiny-reviews
      type: fakehub/tiny-reviews
    metrics:
    - type: accuracy
      value: 0.912
---
# Tiny model

A compact sentence encoder the applied-ML team fine-tuned to embed short English product reviews for
search and classification. It is small enough for a Raspberry Pi; this card says how to install and run it,
how it was trained and evaluated, and where it falls short.

## Usage

```bash
pip install sentence-transformers
```

```python
from sentence_transformers import SentenceTransformer

model = SentenceTransformer("tiny-model")
print(model.encode(["The battery lasts all day."]).shape)
```

## Training data

Fine-tuned for three epochs on [tiny-reviews](https://huggingface.co/datasets/fakehub/tiny-reviews).

## Evaluation

| dataset | accuracy | f1 |
|---|---|---|
| tiny-reviews (test) | 0.912 | 0.905 |

## Limitations

Reviews only; other domains and languages were not evaluated.
"""


def hf_files(**extra: bytes) -> dict[str, bytes]:
    """A small Hugging Face style repository: card, config, tokenizer and weights."""
    files = {"README.md": README.encode(), "config.json": json.dumps(CONFIG).encode(),
             "tokenizer.json": json.dumps({"vocab": {"a": 1}}).encode(), "vocab.txt": b"[PAD]\n[UNK]\na\n",
             "model.safetensors": bytes(range(256)) * 40, "onnx/model.onnx": b"\x08\x07" * 500,
             "scripts/train.py": b"print('train')\n"}
    files.update(extra)
    return files


def build_zip(path: Path, files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED, root: str = "") -> Path:
    with zipfile.ZipFile(path, "w", method) as archive:
        for name, data in files.items():
            archive.writestr(zipfile.ZipInfo(root + name), data, compress_type=method)
    return path


def central_offset(data: bytes, name: str) -> int:
    """Where the central directory record of `name` starts."""
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        name_length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46:position + 46 + name_length] == name.encode():
            return position
        position = data.find(b"PK\x01\x02", position + 4)
    raise KeyError(name)


def patch_central(path: Path, name: str, field_offset: int, fmt: str, value: int) -> None:
    """Overwrite one field of `name`'s central directory record (8 flags, 16 CRC, 20 packed size, 24 size,
    42 local header offset)."""
    data = bytearray(path.read_bytes())
    struct.pack_into(fmt, data, central_offset(bytes(data), name) + field_offset, value)
    path.write_bytes(bytes(data))
