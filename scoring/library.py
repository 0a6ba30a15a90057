"""The code a user runs when a model's card links none: the repository of the library the model is made for.

The hub names that library in the model's `library_name` (from the card's YAML, or inferred by the hub from the
files). Loading the model means running that library's code, so when the card and the caller link no code of
the model's own, the library's repository is the code evidence, labelled as library code wherever it is used.
The table is documented in docs/ratings.md (a test checks that the two agree).

`standard_loading` tells whether the model loads through its library's standard entry point (the call the hub
shows under "Use this model"): the library is one of `STANDARD_LOADERS` and the file it reads is in the repository.
"""
from __future__ import annotations

from scoring.sources.types import HubRepo

# library_name on the hub -> the library's GitHub repository (owner/name)
LIBRARY_REPOSITORIES: dict[str, str] = {
    "transformers": "huggingface/transformers",
    "sentence-transformers": "UKPLab/sentence-transformers",
    "diffusers": "huggingface/diffusers",
    "peft": "huggingface/peft",
    "timm": "huggingface/pytorch-image-models",
    "transformers.js": "huggingface/transformers.js",
    "setfit": "huggingface/setfit",
    "open_clip": "mlfoundations/open_clip",
    "span-marker": "tomaarsen/SpanMarkerNER",
    "gliner": "urchade/GLiNER",
    "flair": "flairNLP/flair",
    "spacy": "explosion/spaCy",
    "speechbrain": "speechbrain/speechbrain",
    "nemo": "NVIDIA/NeMo",
    "espnet": "espnet/espnet",
    "pyannote-audio": "pyannote/pyannote.audio",
    "fairseq": "facebookresearch/fairseq",
    "fasttext": "facebookresearch/fastText",
    "keras": "keras-team/keras",
    "tf-keras": "keras-team/tf-keras",
    "keras-hub": "keras-team/keras-hub",
    "fastai": "fastai/fastai",
    "stable-baselines3": "DLR-RM/stable-baselines3",
    "ml-agents": "Unity-Technologies/ml-agents",
    "ultralytics": "ultralytics/ultralytics",
    "mlx": "ml-explore/mlx",
    "gguf": "ggml-org/llama.cpp",
    "onnx": "microsoft/onnxruntime",
    "paddlenlp": "PaddlePaddle/PaddleNLP",
    "adapter-transformers": "adapter-hub/adapters",
}


def library_name(model: HubRepo) -> str | None:
    """The model's library as the hub reports it, else as its card's YAML declares it (lower-cased)."""
    declared = model.library_name or model.card_data.get("library_name")
    return declared.strip().lower() if isinstance(declared, str) and declared.strip() else None


def library_code_url(model: HubRepo) -> str | None:
    """The GitHub URL of the model's library (LIBRARY_REPOSITORIES), or None for an unknown or missing library."""
    repository = LIBRARY_REPOSITORIES.get(library_name(model) or "")
    return f"https://github.com/{repository}" if repository else None


# library_name -> (a file the library's standard loader reads, the call a user writes), for the libraries whose
# models load with one generic call given only the model's id.
STANDARD_LOADERS: dict[str, tuple[str, str]] = {
    "transformers": ("config.json", "transformers.pipeline / AutoModel.from_pretrained"),
    "sentence-transformers": ("modules.json", "SentenceTransformer(id)"),
    "diffusers": ("model_index.json", "DiffusionPipeline.from_pretrained"),
    "timm": ("config.json", "timm.create_model('hf-hub:' + id)"),
    "peft": ("adapter_config.json", "PeftModel / AutoPeftModel.from_pretrained"),
    "transformers.js": ("config.json", "pipeline(task, id) in transformers.js"),
}


def standard_loading(model: HubRepo) -> str | None:
    """How the model loads with its library's standard call, e.g. "transformers.pipeline / ... (reads
    config.json)"; None when its library has no such call or the file that call reads is missing."""
    loader = STANDARD_LOADERS.get(library_name(model) or "")
    if loader is None or loader[0] not in {file.path for file in model.files}:
        return None
    return f"{loader[1]} (reads {loader[0]})"
