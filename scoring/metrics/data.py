"""dataset_and_code_score and dataset_quality: is the training data (and code) documented, linked and good?"""
from __future__ import annotations

import re2

from scoring.evidence import Evidence, card_code_urls, card_dataset_ids
from scoring.license import LicenseFamily, normalize_license
from scoring.metrics.card import parse_card
from scoring.metrics.result import MetricResult, points, summed
from scoring.sources.types import HubRepo

TRAINING_DATA_HEADING = r"training data|\bdatasets?\b|data sources?"
DATASET_USE_HEADING = r"\buses?\b|usage|how to use|intended use|direct use|loading|quick ?start"
MIN_DATASET_CARD_CHARS = 300

_NOT_ON_THE_HUB = ("not_found", "invalid_url")  # failures that mean "no such hub dataset", not "try again"
_TRAINING_CODE = re2.compile(r"(?i)(^|/)[^/]*train[^/]*\.(py|ipynb|sh)$")


def dataset_and_code_score(evidence: Evidence) -> MetricResult:
    """Score = datasets documented 0.25 + a dataset linked and readable 0.25 + code linked 0.25
    + code available 0.25, in [0, 1].

    - datasets documented: the card YAML lists `datasets`, the caller linked one, or the card has a
      "Training data" / "Dataset" heading (for a conversion, the card of the model it converts counts too:
      the data is that model's);
    - dataset readable: at least one linked dataset was fetched from the hub;
    - code linked: a GitHub repository was given by the caller or is linked anywhere in the card;
    - code available: the model's code was read (linked, or the repository of its library_name, which is the
      code that runs it), or the model repository holds a training script.
    """
    model = evidence.model
    documented = [(repo, card_dataset_ids(repo), parse_card(repo.card_text).has_heading(TRAINING_DATA_HEADING))
                  for repo in (model, evidence.base_model) if repo is not None]
    repo, declared, heading = next((entry for entry in documented if entry[1] or entry[2]), documented[0])
    readable = [d.url for d in evidence.datasets if d.repo is not None]
    scripts = [f.path for f in model.files if _TRAINING_CODE.search(f.path)]
    code = evidence.code
    links = [code.url] if code is not None and code.origin == "caller" else card_code_urls(model)
    code_available = code is not None and code.repo is not None
    documented_detail = f"{len(declared)} in card YAML" if declared else (f'"{heading}"' if heading else "")
    if documented_detail and repo is not model:
        documented_detail += f" of {repo.ref.repo_id}, which it converts"
    return summed([
        points("datasets documented", bool(declared or evidence.datasets or heading), 0.25, documented_detail),
        points("dataset readable", bool(readable), 0.25, _fetched_detail(evidence, readable)),
        points("code linked", bool(links), 0.25, ", ".join(links[:2])),
        points("code available", code_available or bool(scripts), 0.25,
               f"{code.label} read" if code and code_available else ", ".join(scripts[:3])),
    ])


def _fetched_detail(evidence: Evidence, readable: list[str]) -> str:
    failed = evidence.failures_of("dataset:")
    parts = [f"{len(readable)} of {len(evidence.datasets)} fetched"] if evidence.datasets else []
    parts += [f"{f.source} {f.kind}: {f.reason}" for f in failed[:2]]
    return "; ".join(parts)


def dataset_quality(evidence: Evidence) -> MetricResult:
    """Score = mean over the linked datasets that could be read of (card 0.25 + license 0.25 + size 0.25
    + use 0.25), in [0, 1].

    With no dataset on the hub to rate (none linked, or the linked ones do not exist there: a local
    "imagefolder", a web page) the metric is not applicable, like reviewedness without a repository: the
    missing link already costs dataset_and_code_score. A linked dataset that could not be read now (timeout,
    5xx, rate limit) scores 0 with the reason: it exists, and nothing is known of it.

    - card: >= 300 characters of dataset card prose;
    - license: the dataset's license (YAML or `license:` tag) normalizes to a known license family;
    - size: `size_categories` / `dataset_info` in the YAML, a `size_categories:` tag, or file sizes listed;
    - use: a "Uses" / "Usage" / "How to use" heading or a `load_dataset(` call in the card.
    """
    read = [d.repo for d in evidence.datasets if d.repo is not None]
    if not read:
        failures = evidence.failures_of("dataset:")
        reasons = "; ".join(f"{f.source} {f.kind}: {f.reason}" for f in failures[:3])
        if any(f.kind not in _NOT_ON_THE_HUB for f in failures):
            return MetricResult(0.0, f"no linked dataset could be read ({reasons}) = 0.00")
        what = f"the linked datasets are not on the hub ({reasons})" if reasons else "no dataset linked"
        return MetricResult(0.0, f"{what}: no dataset to rate; the missing link counts in dataset_and_code_score "
                                 "(not applicable)", applicable=False)
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
