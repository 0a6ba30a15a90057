"""performance_claims: are the model's performance claims stated in checkable form?"""
from __future__ import annotations

from typing import Any

import re2

from scoring.evidence import Evidence, card_dataset_ids
from scoring.metrics.card import parse_card
from scoring.metrics.result import MetricResult
from scoring.sources.types import HubRepo

_METRIC_WORDS = re2.compile(
    r"(?i)\b(accuracy|acc|f1|f-1|bleu|rouge(-[1l2])?|wer|cer|perplexity|ppl|exact match|em|precision|recall|auc"
    r"|map|spearman|pearson|mse|rmse|mae|top-?[15]|mrr|ndcg(@\d+)?|chrf|meteor|bertscore|iou|psnr|ssim|fid"
    r"|pass@\d+|matthews|mcc)\b"
)
_BENCHMARKS = re2.compile(
    r"(?i)\b(glue|superglue|squad|mnli|sst-?2|qnli|qqp|rte|imagenet|coco|librispeech|common ?voice|mmlu|hellaswag"
    r"|arc|truthfulqa|gsm8k|humaneval|wikitext|cifar-?\d+|mteb|beir|winogrande|piqa|boolq|xnli|conll|ms ?marco"
    r"|natural questions|trivia ?qa|sts-?b|stsb|sick-r|fleurs|wmt\d*|cola|mrpc)\b"
)
_CITATION = re2.compile(
    r"(?i)arxiv\.org/(abs|pdf)/|\barxiv:\s*\d{4}\.\d{4,5}|doi\.org/10\."
    r"|@(article|inproceedings|misc|book|techreport)\s*\{|aclanthology\.org/|openreview\.net/"
)


KIND_SCORES = (0.0, 0.5, 0.75, 1.0)  # by number of kinds of checkable evidence present


def performance_claims(evidence: Evidence) -> MetricResult:
    """Score by how many kinds of checkable evidence back the card's claims: none 0, one 0.5, two 0.75,
    all three 1.0. The kinds:

    - structured results: the card YAML's `model-index` has at least one metric with a value;
    - a result table: a Markdown table naming an evaluation metric (accuracy, F1, BLEU, WER, ...) and a
      dataset (a known benchmark, one of the card's datasets, or a dataset of the model-index), or a table whose
      header names two or more known benchmarks, a column of scores each (GLUE's tasks: a benchmark implies
      its metric);
    - a cited paper: an arXiv / DOI / ACL Anthology / OpenReview link, an `arxiv:` id (card or hub tags),
      or a BibTeX entry.
    No card: 0. A conversion (an ONNX/GGUF/... export of one base model) whose card claims nothing has the
    weights, and so the claims, of the model it converts: that model's card is judged instead, and said so.
    """
    own = _judged(evidence.model)
    base = evidence.base_model
    if own.score > 0 or base is None:
        return own
    inherited = _judged(base)
    return MetricResult(inherited.score, f"no claims of its own ({own.explanation}); it converts "
                                         f"{base.ref.repo_id}, whose card has: {inherited.explanation}")


def _judged(model: HubRepo) -> MetricResult:
    """The kinds of checkable evidence in one repository's card (see `performance_claims`)."""
    if not model.card_text.strip() and not model.card_data:
        return MetricResult(0.0, "no model card = 0.00")
    values, index_datasets = _model_index(model.card_data.get("model-index"))
    card = parse_card(model.card_text)
    table_metrics = sorted({m.lower() for m in _matches(_METRIC_WORDS, card.table_text)} if card.has_table else set())
    table_datasets = _table_datasets(card.table_text, card_dataset_ids(model) + index_datasets)
    scored_benchmarks = any(len({m.lower() for m in _matches(_BENCHMARKS, header)}) >= 2
                            for header in card.table_headers)
    cited = bool(_CITATION.search(model.card_text)) or any(tag.startswith("arxiv:") for tag in model.tags)
    kinds = {
        "structured results": (values > 0, f"{values} model-index metric values"),
        "result table": (bool(table_metrics and table_datasets) or scored_benchmarks,
                         f"metrics {', '.join(table_metrics[:4]) or 'none'}; datasets "
                         f"{', '.join(sorted(set(table_datasets))[:4]) or 'none'}"),
        "cited paper": (cited, ""),
    }
    present = [name for name, (found, _) in kinds.items() if found]
    score = KIND_SCORES[len(present)]
    lines = [f"{name}: {'yes' if found else 'no'}" + (f" ({detail})" if detail else "")
             for name, (found, detail) in kinds.items()]
    return MetricResult(score, f"{'; '.join(lines)}; {len(present)} of 3 kinds = {score:.2f}")


def _model_index(index: Any) -> tuple[int, list[str]]:
    """(number of metric values, dataset names) in a `model-index` block of any shape (malformed parts skipped)."""
    values = 0
    datasets: list[str] = []
    for entry in index if isinstance(index, list) else []:
        results = entry.get("results") if isinstance(entry, dict) else None
        for result in results if isinstance(results, list) else []:
            if not isinstance(result, dict):
                continue
            metrics = result.get("metrics")
            values += sum(1 for m in metrics if isinstance(m, dict) and m.get("value") is not None) \
                if isinstance(metrics, list) else 0
            dataset = result.get("dataset")
            if isinstance(dataset, dict) and (dataset.get("name") or dataset.get("type")):
                datasets.append(str(dataset.get("name") or dataset.get("type")))
    return values, datasets


def _table_datasets(table_text: str, card_datasets: list[str]) -> list[str]:
    lowered = table_text.lower()
    named = [m.lower() for m in _matches(_BENCHMARKS, table_text)]
    named += [d for d in card_datasets if d.rsplit("/", 1)[-1].lower() in lowered]
    return named


def _matches(pattern: Any, text: str) -> list[str]:
    return [match.group(0) for match in pattern.finditer(text)]
