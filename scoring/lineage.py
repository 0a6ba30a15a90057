"""Lineage parsing: the parents and dependencies a Hugging Face repository declares in its structured metadata.

Pure: reads a `HubRepo` (card front matter, config.json, adapter_config.json, file list, card prose) and returns
typed edges whose targets are canonical source URLs (the same form `SourceRef.canonical_url` gives a registered
artifact), so the registry can resolve them against what it has ingested — now or later.

Where each edge comes from (first declaration of a target wins, in this order):

| source | relation |
|---|---|
| card `base_model` (string or list) | card `base_model_relation` when valid, else inferred (below) |
| adapter_config.json `base_model_name_or_path` | `adapter` |
| config.json `base_model`, `base_model_name_or_path`, `_name_or_path` | `base_model` (kind not declared) |
| card `datasets` and dataset links in the card's prose | `fine_tuning_dataset` |
| GitHub links in the card's prose | `code` |

Inferred relation of a card's base model, as the Hub infers it: an adapter_config.json makes it `adapter`;
several base models make it `merge`; a GGUF file or a config `quantization_config` makes it `quantized`;
otherwise `finetune`.  Local paths ("./model", "/tmp/x", "C:\\x"), URLs of other hosts, malformed ids and the
repository itself are ignored.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from scoring.errors import InvalidSourceURL
from scoring.evidence import card_code_urls, card_dataset_urls
from scoring.sources.types import GitHubRepo, HubRepo, SourceRef
from scoring.sources.url import parse_source_url

Relation = Literal["base_model", "finetune", "adapter", "quantized", "merge", "fine_tuning_dataset", "code"]
MODEL_RELATIONS: tuple[Relation, ...] = ("finetune", "adapter", "quantized", "merge")
MAX_DECLARED_EDGES = 64  # a card listing more parents than this is noise; the graph stays bounded
DEPENDENCY_RELATIONS: tuple[Relation, ...] = ("fine_tuning_dataset", "code")
# Weights only an export holds (ONNX, GGUF/GGML, TFLite, Core ML), and weights a model is trained in.
EXPORT_WEIGHT_SUFFIXES = (".onnx", ".onnx_data", ".gguf", ".ggml", ".tflite", ".mlmodel")
TRAINED_WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".h5", ".keras", ".msgpack")
_CONFIG_KEYS = ("base_model", "base_model_name_or_path", "_name_or_path")
_MAX_ID_LENGTH = 200


class DeclaredEdge(BaseModel):
    """One declared parent or dependency: `target` (a canonical source URL) relates to the repo as `relation`."""

    model_config = ConfigDict(frozen=True)

    relation: Relation
    target: str
    origin: str  # where it was declared: "card.base_model", "adapter_config", "config._name_or_path", ...


def declared_parents(repo: HubRepo) -> list[DeclaredEdge]:
    """Every parent (base models) and dependency (datasets, code) the repository declares, each target once."""
    candidates = [*_card_base_models(repo), *_adapter_base(repo), *_config_bases(repo),
                  *_linked("fine_tuning_dataset", "card.datasets", card_dataset_urls(repo)),
                  *_linked("code", "card.links", card_code_urls(repo))]
    own = _identity(repo.ref)
    seen: set[str] = {own}
    edges: list[DeclaredEdge] = []
    for edge in candidates:
        key = edge.target.lower()
        if key not in seen:
            seen.add(key)
            edges.append(edge)
    return edges[:MAX_DECLARED_EDGES]


def converted_from(repo: HubRepo) -> str | None:
    """The canonical URL of the model this repository is a conversion of, else None.

    A conversion (an ONNX, GGUF, TFLite or Core ML export) holds export-format weights only and declares exactly
    one base model: it has the same weights as that model, so that model's card documents it too.
    """
    paths = [file.path.lower() for file in repo.files]
    if not any(path.endswith(EXPORT_WEIGHT_SUFFIXES) for path in paths) or \
            any(path.endswith(TRAINED_WEIGHT_SUFFIXES) for path in paths):
        return None
    bases = {edge.target for edge in declared_parents(repo) if edge.relation not in DEPENDENCY_RELATIONS}
    return bases.pop() if len(bases) == 1 else None


def declared_parent_urls(repo: HubRepo | GitHubRepo) -> list[str]:
    """The targets of `declared_parents` (what ingest stores as `Artifact.parent_urls`); none for GitHub repos."""
    return [edge.target for edge in declared_parents(repo)] if isinstance(repo, HubRepo) else []


def hub_model_url(value: Any) -> str | None:
    """The canonical URL of a Hub model named by `value` ("org/name", "name" or a huggingface.co URL), else None.

    The id goes through the registry's strict URL parser, so reserved pages ("models/x"), ``..``, local paths,
    revisions and anything that is not a plain model id are rejected rather than guessed at.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_ID_LENGTH:
        return None
    url = text if text.startswith("https://huggingface.co/") else f"https://huggingface.co/{text}"
    ref = _parse(url)
    if ref is None or ref.kind != "hf_model" or ref.revision is not None:
        return None
    return ref.canonical_url


def _card_base_models(repo: HubRepo) -> list[DeclaredEdge]:
    declared = repo.card_data.get("base_model")
    values = declared if isinstance(declared, list) else [declared]
    urls = [url for url in (hub_model_url(value) for value in values) if url]
    relation = _card_relation(repo, len(urls))
    return [DeclaredEdge(relation=relation, target=url, origin="card.base_model") for url in urls]


def _card_relation(repo: HubRepo, count: int) -> Relation:
    explicit = repo.card_data.get("base_model_relation")
    if isinstance(explicit, str) and explicit.strip().lower() in MODEL_RELATIONS:
        return explicit.strip().lower()  # type: ignore[return-value]  # checked against MODEL_RELATIONS
    if repo.adapter_config is not None:
        return "adapter"
    if count > 1:
        return "merge"
    if _looks_quantized(repo):
        return "quantized"
    return "finetune"


def _looks_quantized(repo: HubRepo) -> bool:
    if repo.config is not None and isinstance(repo.config.get("quantization_config"), dict):
        return True
    return any(file.path.lower().endswith(".gguf") for file in repo.files)


def _adapter_base(repo: HubRepo) -> list[DeclaredEdge]:
    config = repo.adapter_config or {}
    url = hub_model_url(config.get("base_model_name_or_path"))
    return [DeclaredEdge(relation="adapter", target=url, origin="adapter_config")] if url else []


def _config_bases(repo: HubRepo) -> list[DeclaredEdge]:
    config = repo.config or {}
    edges = []
    for key in _CONFIG_KEYS:
        url = hub_model_url(config.get(key))
        if url:
            edges.append(DeclaredEdge(relation="base_model", target=url, origin=f"config.{key}"))
    return edges


def _linked(relation: Relation, origin: str, urls: list[str]) -> list[DeclaredEdge]:
    """Dataset and code links, re-parsed strictly so that only canonical repository URLs become edges."""
    edges = []
    for url in urls:
        ref = _parse(url)
        if ref is not None and ref.revision is None:
            edges.append(DeclaredEdge(relation=relation, target=ref.canonical_url, origin=origin))
    return edges


def _identity(ref: SourceRef) -> str:
    """The repository's own canonical URL without a revision, lower-cased (self-references are dropped)."""
    return SourceRef(kind=ref.kind, owner=ref.owner, name=ref.name).canonical_url.lower()


def _parse(url: str) -> SourceRef | None:
    try:
        return parse_source_url(url)
    except InvalidSourceURL:
        return None
