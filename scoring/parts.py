"""Download parts of a model package: which files each part holds. One rule set, used by the package writer
(registry/package.py), the size cost (registry/lineage.py) and every door's `part` argument."""
from __future__ import annotations

import enum
from pathlib import PurePosixPath

WEIGHT_EXTENSIONS = frozenset({".safetensors", ".bin", ".h5", ".onnx", ".pt", ".pth", ".ckpt", ".msgpack", ".gguf",
                               ".tflite"})
# The "card" part: the model card, configs and tokenizer files a client needs to inspect or wire up a model.
CARD_EXTENSIONS = frozenset({".md", ".json", ".txt", ".yaml", ".yml", ".model", ".tiktoken"})
CARD_ALWAYS = frozenset({"README.md", "config.json"})
CARD_FILE_CAP = 32 * 1024**2  # a large tokenizer.json is ~10 MB; anything bigger is data, not a card


class PackagePart(str, enum.Enum):
    FULL = "full"  # every file
    WEIGHTS = "weights"  # weight files (WEIGHT_EXTENSIONS)
    CARD = "card"  # README.md, config.json, and other small card/config/tokenizer files


def is_weight(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in WEIGHT_EXTENSIONS


def in_part(part: PackagePart, path: str, size: int) -> bool:
    """Whether the file at `path` (of `size` bytes) belongs to `part`."""
    if part is PackagePart.FULL:
        return True
    if part is PackagePart.WEIGHTS:
        return is_weight(path)
    return path in CARD_ALWAYS or (not is_weight(path) and PurePosixPath(path).suffix.lower() in CARD_EXTENSIONS
                                   and size <= CARD_FILE_CAP)
