"""The trust metrics: each a pure function of `Evidence` (no I/O) whose docstring states its formula.

`SCALAR_METRICS` maps each metric's name (as in the REST ModelRating) to its function; `size_score` is
separate because it scores four devices. `METRIC_SOURCES` names the sources each metric reads (prefixes of
`Evidence.waits`), so that its latency counts the wait for them.
"""
from __future__ import annotations

from collections.abc import Callable

from scoring.evidence import Evidence
from scoring.metrics.claims import performance_claims
from scoring.metrics.code import code_quality, reviewedness
from scoring.metrics.data import dataset_and_code_score, dataset_quality
from scoring.metrics.licensing import license_metric
from scoring.metrics.lineage import tree_score
from scoring.metrics.maintenance import bus_factor
from scoring.metrics.ramp_up import ramp_up_time
from scoring.metrics.reproducibility import reproducibility
from scoring.metrics.result import DEVICES, Device, MetricResult, SizeResult
from scoring.metrics.size import size_score

SCALAR_METRICS: dict[str, Callable[[Evidence], MetricResult]] = {
    "ramp_up_time": ramp_up_time,
    "bus_factor": bus_factor,
    "performance_claims": performance_claims,
    "license": license_metric,
    "dataset_and_code_score": dataset_and_code_score,
    "dataset_quality": dataset_quality,
    "code_quality": code_quality,
    "reproducibility": reproducibility,
    "reviewedness": reviewedness,
    "tree_score": tree_score,
}

# The metrics that choose their evidence from the card (the code, the datasets) wait for the model too.
METRIC_SOURCES: dict[str, tuple[str, ...]] = {
    "ramp_up_time": ("model",),
    "bus_factor": ("model", "hub.", "github.repo", "github.contributors", "github.commits"),
    "performance_claims": ("model", "base_model"),
    "license": ("model", "base_model"),
    "dataset_and_code_score": ("model", "base_model", "dataset:", "github.repo"),
    "dataset_quality": ("model", "dataset:"),
    "code_quality": ("model", "github.repo"),
    "reproducibility": ("model",),
    "reviewedness": ("model", "github.pull_requests"),
    "tree_score": (),  # the parents' scores come from the caller's store, not from an upstream
    "size_score": ("model",),
}

__all__ = ["DEVICES", "Device", "METRIC_SOURCES", "MetricResult", "SCALAR_METRICS", "SizeResult", "size_score"]
