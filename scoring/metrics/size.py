"""size_score: does ONE copy of the model's weights fit each deployment device's memory budget?"""
from __future__ import annotations

from collections import defaultdict

import re2

from scoring.evidence import Evidence
from scoring.metrics.result import DEVICES, Device, SizeResult, clamp
from scoring.sources.types import RepoFile

MB = 1_000_000
# (full score at or below, zero score at or above), in bytes of weights; linear in between.
DEVICE_BUDGETS: dict[Device, tuple[int, int]] = {
    "raspberry_pi": (200 * MB, 1_000 * MB),
    "jetson_nano": (500 * MB, 2_000 * MB),
    "desktop_pc": (2_000 * MB, 16_000 * MB),
    "aws_server": (16_000 * MB, 128_000 * MB),
}
# Weight formats, most preferred first: one copy is read from the first format the repository has.
FORMAT_EXTENSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("safetensors", (".safetensors",)),
    ("pytorch", (".bin", ".pt", ".pth", ".ckpt")),
    ("tensorflow", (".h5", ".keras", ".tflite", ".pb")),
    ("flax", (".msgpack",)),
    ("onnx", (".onnx", ".onnx_data", ".onnx.data")),
    ("gguf", (".gguf", ".ggml")),
    ("rust", (".ot",)),
)
# Training-state files that share weight extensions but are not needed to run the model.
_NOT_WEIGHTS = re2.compile(r"(?i)(^|/)(training_args|optimizer|scheduler|scaler|rng_state[^/]*)\.(bin|pt|pth)$")
_SHARD = re2.compile(r"-\d{5}-of-\d{5}")
_EXPORT_DIRS = frozenset({"openvino", "coreml"})  # exported copies beside the real weights (own formats)


def size_score(evidence: Evidence) -> SizeResult:
    """Per device: 1 if one copy of the weights <= full, 0 if >= zero, linear in between (DEVICE_BUDGETS).

    One copy: the files of the first weight format present (safetensors, pytorch, tensorflow, flax, onnx,
    gguf, rust) — never the same weights in several formats. Within that format, in each folder, shards
    (`-00001-of-00003`) add up and other files are alternative variants (fp16, quantizations), of which
    the largest counts; the root folder's copy is used when it has one, else the folders' copies add up
    (diffusers-style components). Training state (optimizer, scheduler, training_args) and openvino/coreml
    exports are ignored. No weight file listed: every device 0.
    """
    chosen = _one_copy(evidence.model.files)
    if chosen is None:
        return SizeResult({device: 0.0 for device in DEVICES}, "no weight files listed: size unknown = 0 on all")
    weight_format, total, counted = chosen
    scores = {device: _device_score(total, *DEVICE_BUDGETS[device]) for device in DEVICES}
    per_device = ", ".join(f"{device} {score:.2f}" for device, score in scores.items())
    return SizeResult(
        scores,
        f"one copy = {total / MB:.1f} MB of {weight_format} weights ({_describe(counted)}); linear between each "
        f"device's full/zero budget: {per_device}",
    )


def _device_score(size: int, full_at: int, zero_at: int) -> float:
    if size <= full_at:
        return 1.0
    return clamp((zero_at - size) / (zero_at - full_at))


def _one_copy(files: list[RepoFile]) -> tuple[str, int, list[str]] | None:
    by_format = _weights_by_format(files)
    for weight_format, _ in FORMAT_EXTENSIONS:
        if by_format.get(weight_format):
            total, counted = _copy_size(by_format[weight_format])
            return weight_format, total, counted
    return None


def _weights_by_format(files: list[RepoFile]) -> dict[str, list[RepoFile]]:
    grouped: dict[str, list[RepoFile]] = defaultdict(list)
    for file in files:
        folders = file.path.lower().split("/")[:-1]
        if _NOT_WEIGHTS.search(file.path) or _EXPORT_DIRS & set(folders):
            continue
        weight_format = next((name for name, exts in FORMAT_EXTENSIONS if file.path.lower().endswith(exts)), None)
        if weight_format:
            grouped[weight_format].append(file)
    return grouped


def _copy_size(files: list[RepoFile]) -> tuple[int, list[str]]:
    """Bytes and paths of one copy among one format's files (see `size_score`)."""
    by_folder: dict[str, list[RepoFile]] = defaultdict(list)
    for file in files:
        by_folder[file.path.rpartition("/")[0]].append(file)
    folders = [""] if "" in by_folder else sorted(by_folder)
    total, counted = 0, []
    for folder in folders:
        size, paths = _largest_variant(by_folder[folder])
        total += size
        counted += paths
    return total, counted


def _largest_variant(files: list[RepoFile]) -> tuple[int, list[str]]:
    variants: dict[str, list[RepoFile]] = defaultdict(list)
    for file in files:
        variants[_SHARD.sub("", file.path)].append(file)
    best = max(variants.values(), key=lambda shards: (sum(max(f.size, 0) for f in shards), shards[0].path))
    return sum(max(f.size, 0) for f in best), sorted(f.path for f in best)


def _describe(paths: list[str]) -> str:
    return ", ".join(paths) if len(paths) <= 3 else f"{', '.join(paths[:3])} and {len(paths) - 3} more"
