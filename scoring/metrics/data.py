"""dataset_and_code_score and dataset_quality: is the training data (and code) documented, linked and good?"""
from __future__ import annotations

import re2

from scoring.evidence import Evidence, card_dataset_ids
from scoring.license import LicenseFamily, normalize_license
from scoring.metrics.card import parse_card
from scoring.metrics.result import MetricResult, points, summed
from scoring.sources.types import HubRepo

TRAINING_DATA_HEADING = r"training data|\bdatasets?\b|data sources?"
DATASET_USE_HEADING = r"\buses?\b|usage|how to use|intended use|direct use|loading|quick ?start"
MIN_DATASET_CARD_CHARS = 300

_TRAINING_CODE = re2.compile(r"(?i)(^|/)[^/]*train[^/]*\.(py|ipynb|sh)$")


def dataset_and_code_score(evidence: Evidence) -> MetricResult:
    """Score = datasets documented 0.25 + a dataset linked and readable 0.25 + code linked 0.25
    + code available 0.25, in [0, 1].

    - datasets documented: the card YAML lists `datasets`, the caller linked one, or the card has a
      "Training data" / "Dataset" heading;
    - dataset readable: at least one linked dataset was fetched from the hub;
    - code linked: a GitHub repository was given by the caller or found in the card;
    - code available: that repository was read, or the model repository holds a training script.
    """
    model = evidence.model
    declared = card_dataset_ids(model)
    heading = parse_card(model.card_text).has_heading(TRAINING_DATA_HEADING)
    readable = [d.url for d in evidence.datasets if d.repo is not None]
    scripts = [f.path for f in model.files if _TRAINING_CODE.search(f.path)]
    code = evidence.code
    code_available = code is not None and code.repo is not None
    documented_detail = f"{len(declared)} in card YAML" if declared else (f'"{heading}"' if heading else "")
    return summed([
        points("datasets documented", bool(declared or evidence.datasets or heading), 0.25, documented_detail),
        points("dataset readable", bool(readable), 0.25, _fetched_detail(evidence, readable)),
        points("code linked", code is not None, 0.25, code.url if code else ""),
        points("code available", code_available or bool(scripts), 0.25,
               "repository read" if code_available else ", ".join(scripts[:3])),
    ])


def _fetched_detail(evidence: Evidence, readable: list[str]) -> str:
    failed = evidence.failures_of("dataset:")
    parts = [f"{len(readable)} of {len(evidence.datasets)} fetched"] if evidence.datasets else []
    parts += [f"{f.source} {f.kind}: {f.reason}" for f in failed[:2]]
    return "; ".join(parts)


def dataset_quality(evidence: Evidence) -> MetricResult:
    """Score = mean over the linked datasets that could be read of (card 0.25 + license 0.25 + size 0.25
    + use 0.25), in [0, 1]; 0 when no dataset is linked or none could be read.

    - card: >= 300 characters of dataset card prose;
    - license: the dataset's license (YAML or `license:` tag) normalizes to a known license family;
    - size: `size_categories` / `dataset_info` in the YAML, a `size_categories:` tag, or file sizes listed;
    - use: a "Uses" / "Usage" / "How to use" heading or a `load_dataset(` call in the card.
    """
    read = [d.repo for d in evidence.datasets if d.repo is not None]
    if not read:
        reasons = "; ".join(f"{f.source} {f.kind}: {f.reason}" for f in evidence.failures_of("dataset:")[:3])
        what = f"no linked dataset could be read ({reasons})" if reasons else "no linked dataset"
        return MetricResult(0.0, f"{what} = 0.00")
    results = [(repo.ref.repo_id, summed(_dataset_items(repo))) for repo in read]
    score = sum(result.score for _, result in results) / len(results)
    details = " | ".join(f"{repo_id}: {result.explanation}" for repo_id, result in results)
    return MetricResult(score, f"mean of {len(results)} dataset(s) = {score:.2f} [{details}]")


def _dataset_items(repo: HubRepo) -> list[tuple[float, str]]:
    card = parse_card(repo.card_text)
    data = repo.card_data
    tags = [tag.split(":", 1)[1] for tag in repo.tags if tag.startswith("license:")]
    raw_license = data.get("license") if isinstance(data.get("license"), str) else (tags[0] if tags else None)
    license_known = normalize_license(raw_license).family is not LicenseFamily.UNKNOWN
    sized = bool(data.get("size_categories") or data.get("dataset_info")
                 or any(tag.startswith("size_categories:") for tag in repo.tags)
                 or any(f.size > 0 for f in repo.files))
    used = card.has_heading(DATASET_USE_HEADING) is not None or "load_dataset(" in repo.card_text
    return [
        points("card", len(card.prose.strip()) >= MIN_DATASET_CARD_CHARS, 0.25),
        points("license", license_known, 0.25, str(raw_license) if raw_license else ""),
        points("size", sized, 0.25),
        points("use", used, 0.25),
    ]
