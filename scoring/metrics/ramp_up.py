"""ramp_up_time: how quickly a new engineer can start using the model, judged from its card."""
from __future__ import annotations

import re2

from scoring.evidence import Evidence
from scoring.library import standard_loading
from scoring.metrics.card import Card, parse_card
from scoring.metrics.result import MetricResult, points, summed

USAGE_HEADING = (
    r"\busage\b|how to (use|get started)|quick ?start|getting started|\bexamples?\b|\binference\b"
    r"|use (this|the) model"
)
SNIPPET_LANGUAGES = frozenset({"", "python", "py", "python3", "bash", "sh", "shell", "console", "pycon", "js",
                               "javascript", "ts", "typescript"})
MIN_DESCRIPTION_CHARS = 300

_INSTALL = re2.compile(r"(?i)\b(pip3?|conda|uv pip|poetry)\s+(install|add)\b|\b(npm|pnpm|yarn)\s+(i|install|add)\b")
_RUNNABLE_HINT = re2.compile(r"\bimport\b|from_pretrained|\bpipeline\(|\bpip3? install\b")


def ramp_up_time(evidence: Evidence) -> MetricResult:
    """Score = usage 0.25 + snippet 0.25 + install 0.15 + 0.35 * completeness, in [0, 1].

    - usage: a heading like "Usage", "How to use", "Quick start", "Example", "Inference";
    - snippet: a fenced block (python/shell/JavaScript/unlabeled) with an import, `from_pretrained`, `pipeline(`
      or pip; or, with none in the card, the model loads through its library's standard call (a known
      library_name and the file that call reads: the snippet the hub shows under "Use this model");
    - install: a `pip install` / `conda install` / `uv pip install` / `poetry add` / `npm install` command;
    - completeness: the share of six card fields present: license, language, datasets, pipeline_tag,
      library_name (card YAML or hub metadata), and >= 300 characters of prose.
    No card: 0.
    """
    model = evidence.model
    if not model.card_text.strip():
        return MetricResult(0.0, "no model card (README.md missing or empty) = 0.00")
    card = parse_card(model.card_text)
    usage = card.has_heading(USAGE_HEADING)
    snippets = _runnable_snippets(card)
    loading = None if snippets else standard_loading(model)
    present = _completeness_fields(evidence, card)
    snippet_detail = f"{snippets} code block(s)" if snippets else (f"none in the card; {loading}" if loading else "")
    items = [
        points("usage section", usage is not None, 0.25, f'"{usage}"' if usage else ""),
        points("runnable snippet", bool(snippets or loading), 0.25, snippet_detail),
        points("install instructions", bool(_INSTALL.search(model.card_text)), 0.15),
        (0.35 * len(present) / 6, f"card completeness: {len(present)}/6 ({', '.join(present) or 'none'}) "
                                  f"+{0.35 * len(present) / 6:.3f} of 0.35"),
    ]
    result = summed(items)
    if model.card_error:
        return MetricResult(result.score, f"card metadata unreadable ({model.card_error}); {result.explanation}")
    return result


def _runnable_snippets(card: Card) -> int:
    return sum(
        1 for block in card.code_blocks if block.language in SNIPPET_LANGUAGES and _RUNNABLE_HINT.search(block.code)
    )


def _completeness_fields(evidence: Evidence, card: Card) -> list[str]:
    model = evidence.model
    data = model.card_data
    checks = {
        "license": bool(data.get("license")),
        "language": bool(data.get("language")),
        "datasets": bool(data.get("datasets")),
        "pipeline_tag": bool(data.get("pipeline_tag") or model.pipeline_tag),
        "library_name": bool(data.get("library_name") or model.library_name),
        "description": len(card.prose.strip()) >= MIN_DESCRIPTION_CHARS,
    }
    return [name for name, present in checks.items() if present]
