"""reproducibility: would the card's demo code run? Judged by static analysis only; code is never executed.

"Runs" is approximated by four static checks on a Python snippet from the card:
1. it parses (`ast.parse`);
2. every imported top-level module is a known library (the standard library, the model's `library_name`,
   or `KNOWN_LIBRARIES`: the packages model cards use), so `pip install` of well-known names would satisfy it;
3. it loads this model: a string constant equal to the model's id, an id the hub answers with this model
   (a legacy alias such as ``bert-base-uncased``), or its hub URL;
4. it reads no undefined name: every name it loads is a builtin or bound somewhere in the snippet (imports,
   assignments, definitions, parameters, loop/with/except targets, comprehensions), flow-insensitively.
"""
from __future__ import annotations

import ast
import builtins
import sys
from dataclasses import dataclass

import re2

from scoring.evidence import Evidence
from scoring.library import standard_loading
from scoring.metrics.card import CodeBlock, parse_card
from scoring.metrics.result import MetricResult
from scoring.sources.types import HubRepo

KNOWN_LIBRARIES = frozenset({
    "transformers", "sentence_transformers", "torch", "torchvision", "torchaudio", "tensorflow", "keras", "jax",
    "flax", "optax", "numpy", "scipy", "pandas", "sklearn", "datasets", "evaluate", "tokenizers", "accelerate",
    "peft", "trl", "diffusers", "huggingface_hub", "safetensors", "onnxruntime", "optimum", "timm", "open_clip",
    "PIL", "cv2", "requests", "soundfile", "librosa", "matplotlib", "tqdm", "bitsandbytes", "sentencepiece",
    "spacy", "nltk", "gensim", "fasttext", "xgboost", "lightgbm", "ultralytics", "gradio", "openai", "vllm",
    "llama_cpp", "ctransformers", "einops", "setfit", "span_marker", "flair", "speechbrain", "nemo", "espnet",
    "fairseq", "keras_nlp", "keras_hub", "tf_keras", "mlx", "mlx_lm", "gliner", "pyannote", "whisper",
    "faster_whisper", "paddle", "paddlenlp", "stable_baselines3", "gymnasium", "gym", "sample_factory",
    "rl_zoo3", "unsloth", "auto_gptq", "awq", "openvino", "coremltools", "IPython", "yaml", "pydantic",
})
PYTHON_LANGUAGES = frozenset({"python", "py", "python3", "pycon", "ipython", "py3"})
MAX_BLOCKS = 20
MAX_BLOCK_CHARS = 20_000
MAX_FIXABLE_UNDEFINED = 3  # more undefined names than this is not a mechanical fix
STANDARD_LOADING_SCORE = 0.5  # the spec's "runs after [an agent] debugging it": one standard call to write

_PYTHONISH = re2.compile(r"(?m)^\s*(import |from \S+ import |>>> )|from_pretrained\(|pipeline\(")
_BUILTIN_NAMES = frozenset(dir(builtins)) | {"__file__", "__name__"}


@dataclass(frozen=True)
class SnippetVerdict:
    score: float
    reason: str


def reproducibility(evidence: Evidence) -> MetricResult:
    """Score in {0, 0.5, 1} for the best Python snippet in the card (each block alone, and all in order):

    1 — parses unchanged, imports only known libraries, loads this model's id, no undefined name;
    0.5 — after mechanical fixes: removing notebook syntax (`!pip`, `%magic`, `>>>` prompts, indentation),
      substituting this model's id into a loading call that names another model, or defining at most 3
      undefined names (the rest of the checks pass);
    0 — no Python code, unparseable even after the fixes, unknown imports, no model loaded, or more than
      3 undefined names. The code is never executed (see the module docstring).
    A model that loads through its library's standard call (scoring.library.standard_loading) scores at least
    0.5 — it runs once someone (the spec's agent) writes that one call — even when its card has no code.
    """
    model = evidence.model
    blocks = _python_blocks(parse_card(model.card_text).code_blocks)
    candidates = [(f"block {i + 1} of {len(blocks)}", code) for i, code in enumerate(blocks)]
    if len(blocks) > 1:
        candidates.append((f"all {len(blocks)} blocks in order", "\n".join(blocks)))
    verdicts = [(label, judge_snippet(code, model)) for label, code in candidates]
    label, best = max(verdicts, key=lambda item: item[1].score) if verdicts else ("", None)
    found = (f"best of {len(candidates)} snippet(s): {label}: {best.reason}" if best
             else "no Python demo code in the card")
    score = best.score if best else 0.0
    loading = standard_loading(model)
    if loading and score < STANDARD_LOADING_SCORE:
        return MetricResult(STANDARD_LOADING_SCORE, f"{found}; runs once its library's standard call is written: "
                                                    f"{loading} = {STANDARD_LOADING_SCORE:g}")
    return MetricResult(score, f"{found} = {score:g}")


def _python_blocks(blocks: tuple[CodeBlock, ...]) -> list[str]:
    python = [
        b.code for b in blocks
        if b.language in PYTHON_LANGUAGES or (b.language == "" and _PYTHONISH.search(b.code))
    ]
    return [code[:MAX_BLOCK_CHARS] for code in python[:MAX_BLOCKS]]


def judge_snippet(code: str, model: HubRepo) -> SnippetVerdict:
    """The static verdict for one snippet (see the module docstring for what "runs" means here)."""
    fixes: list[str] = []
    tree = _parse(code)
    if tree is None:
        tree = _parse(_mechanically_fixed(code))
        if tree is None:
            return SnippetVerdict(0.0, "does not parse, even without notebook syntax")
        fixes.append("notebook/doctest syntax removed")
    unknown = sorted(_imported_modules(tree) - KNOWN_LIBRARIES - _stdlib() - _model_library(model))
    if unknown:
        return SnippetVerdict(0.0, f"imports unknown libraries: {', '.join(unknown[:5])}")
    ids = _model_ids(model)
    constants = {node.value.strip().lower() for node in ast.walk(tree)
                 if isinstance(node, ast.Constant) and isinstance(node.value, str)}
    if not constants & ids:
        if not _loads_some_model(tree):
            return SnippetVerdict(0.0, f"never loads {model.ref.repo_id}")
        fixes.append(f"substitute {model.ref.repo_id} for the model it loads")
    undefined = _undefined_names(tree)
    if len(undefined) > MAX_FIXABLE_UNDEFINED:
        return SnippetVerdict(0.0, f"{len(undefined)} undefined names ({', '.join(undefined[:5])})")
    if undefined:
        fixes.append(f"define {', '.join(undefined)}")
    if fixes:
        return SnippetVerdict(0.5, "runs after mechanical fixes: " + "; ".join(fixes))
    return SnippetVerdict(1.0, f"parses, known imports, loads {model.ref.repo_id}, no undefined names: runs unchanged")


def _parse(code: str) -> ast.Module | None:
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def _mechanically_fixed(code: str) -> str:
    """Drop notebook shell/magic lines, keep only the input of doctest sessions, remove common indentation."""
    lines = code.splitlines()
    if any(line.lstrip().startswith(">>>") for line in lines):
        lines = [_without_prompt(line.lstrip()) for line in lines if line.lstrip().startswith((">>>", "..."))]
    lines = [line for line in lines if not line.lstrip().startswith(("!", "%"))]
    indent = min((len(line) - len(line.lstrip()) for line in lines if line.strip()), default=0)
    return "\n".join(line[indent:] for line in lines)


def _without_prompt(line: str) -> str:
    rest = line[3:]
    return rest[1:] if rest.startswith(" ") else rest


def _imported_modules(tree: ast.Module) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module.split(".")[0])
    return modules


def _stdlib() -> frozenset[str]:
    return frozenset(sys.stdlib_module_names)


def _model_library(model: HubRepo) -> set[str]:
    library = model.library_name or model.card_data.get("library_name")
    return {library.replace("-", "_")} if isinstance(library, str) else set()


def _model_ids(model: HubRepo) -> set[str]:
    ids = {model.ref.repo_id.lower(), *(alias.lower() for alias in model.aliases)}
    return ids | {f"https://huggingface.co/{repo_id}" for repo_id in ids}


def _loads_some_model(tree: ast.Module) -> bool:
    """A call whose first argument is a string constant: `X.from_pretrained("id")`, `pipeline(model="id")`..."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        args = list(node.args) + [kw.value for kw in node.keywords if kw.arg in ("model", "model_name", "repo_id")]
        if any(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in args):
            return True
    return False


def _undefined_names(tree: ast.Module) -> list[str]:
    """Names read but bound nowhere in the snippet and not builtins (flow-insensitive); [] after `import *`."""
    if any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree)):
        return []
    bound = set(_BUILTIN_NAMES)
    loaded: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loaded.append(node.id)
        elif isinstance(node, ast.Name):
            bound.add(node.id)
        else:
            bound.update(_bound_by(node))
    return sorted({name for name in loaded if name not in bound})


def _bound_by(node: ast.AST) -> set[str]:
    """Names a non-Name node binds: imports, definitions, parameters, except/match captures, globals."""
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.arg):
        return {node.arg}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    if isinstance(node, (ast.Global, ast.Nonlocal)):
        return set(node.names)
    if isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
        return {node.name}
    if isinstance(node, ast.MatchMapping) and node.rest:
        return {node.rest}
    return set()
