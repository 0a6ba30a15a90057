"""tree_score: the trust inherited from the model's parents in the lineage graph."""
from __future__ import annotations

import math

from scoring.evidence import Evidence
from scoring.metrics.result import MetricResult, clamp

ROOT_TREE_SCORE = 1.0


def tree_score(evidence: Evidence) -> MetricResult:
    """Score = mean of the parents' net scores (supplied by the caller from their stored ratings), in [0, 1].

    A root model (no parent) inherits no risk from ancestors: it scores 1.0 and is marked not applicable,
    so it enters neither the net score nor the ingest gate. Non-finite parent scores are ignored and the
    others are clamped to [0, 1]; if none is usable the model is treated as a root.
    """
    usable = [clamp(score) for score in evidence.parent_scores if math.isfinite(score)]
    ignored = len(evidence.parent_scores) - len(usable)
    note = f" ({ignored} non-finite parent score(s) ignored)" if ignored else ""
    if not usable:
        return MetricResult(ROOT_TREE_SCORE, f"no parent in the lineage graph{note}: root model = "
                                             f"{ROOT_TREE_SCORE:g} (not applicable)", applicable=False)
    score = sum(usable) / len(usable)
    listed = ", ".join(f"{value:.2f}" for value in usable[:10])
    return MetricResult(score, f"mean of {len(usable)} parent net score(s) [{listed}]{note} = {score:.2f}")
