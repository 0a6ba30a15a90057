"""Rating models for the registry: gather evidence, rate, gate; stored with the evidence it came from.

The stored form is {"rating": Rating JSON, "evidence": Evidence JSON}, so `recompute` can rate again offline
from exactly what was recorded and get the same scores and explanations.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from registry.errors import Disqualified, InvalidInput
from registry.sourcing import upstream_errors
from scoring.evidence import Evidence
from scoring.gather import GitHubReader, HubReader, gather_evidence
from scoring.lineage import declared_parents
from scoring.rating import DEFAULT_WEIGHTS, Rating, Weights, gate, rate
from scoring.sources.types import SourceRef
from scoring.sources.url import parse_source_url
from registry.ports import ArtifactStore, RatingStore

# Net scores of a model's registered lineage parents, from the model's hub metadata (wired to the lineage graph).
ParentScores = Callable[[Evidence], list[float]]
DEPENDENCY_RELATIONS = ("fine_tuning_dataset", "code")


@dataclass(frozen=True)
class Links:
    """Code and datasets the caller links to a model, besides those its card names."""

    code_url: str | None = None
    dataset_urls: tuple[str, ...] = ()

    def canonical_urls(self) -> list[str]:
        """The linked code and datasets as lineage dependencies (they must have passed `checked`)."""
        return [parse_source_url(u).canonical_url for u in (self.code_url, *self.dataset_urls) if u]

    def checked(self) -> "Links":
        with upstream_errors():
            if self.code_url and parse_source_url(self.code_url).kind != "github":
                raise InvalidInput("the code URL must be a GitHub repository URL")
            for url in self.dataset_urls:
                if parse_source_url(url).kind not in ("hf_dataset", "github"):
                    raise InvalidInput(f"{url} is not a Hugging Face dataset or GitHub URL")
        return self


@dataclass(frozen=True)
class Assessment:
    evidence: Evidence
    rating: Rating
    links: Links

    def stored_form(self) -> dict[str, Any]:
        return {"rating": self.rating.model_dump(mode="json"), "evidence": self.evidence.model_dump(mode="json"),
                "links": {"code_url": self.links.code_url, "dataset_urls": list(self.links.dataset_urls)}}


def stored_rating(stored: dict[str, Any]) -> Rating:
    return Rating.model_validate(stored["rating"])


def stored_links(stored: dict[str, Any]) -> Links:
    links = stored.get("links") or {}
    return Links(links.get("code_url"), tuple(links.get("dataset_urls") or ()))


class RatingService:
    def __init__(self, hub: HubReader, github: GitHubReader, timeout: float, weights: Weights = DEFAULT_WEIGHTS,
                 parent_scores: ParentScores | None = None) -> None:
        self._hub = hub
        self._github = github
        self._timeout = timeout
        self._weights = weights
        self._parent_scores = parent_scores

    def assess(self, ref: SourceRef, links: Links) -> Assessment:
        """Gather evidence (all I/O, concurrently) and rate it. Raises NotFound/UpstreamError for the model."""
        with upstream_errors():
            evidence = gather_evidence(ref, self._hub, self._github, code_url=links.code_url,
                                       dataset_urls=links.dataset_urls, timeout=self._timeout)
        if self._parent_scores is not None:
            evidence = evidence.model_copy(update={"parent_scores": self._parent_scores(evidence)})
        return Assessment(evidence, rate(evidence, self._weights), links)

    def admit(self, ref: SourceRef, links: Links) -> Assessment:
        """Assess and apply the ingest gate: Disqualified (nothing stored) lists each failing metric."""
        assessment = self.assess(ref, links)
        failures = gate(assessment.rating)
        if failures:
            names = ", ".join(f"{f.metric}={f.value:.2f}" for f in failures)
            raise Disqualified(f"{ref.repo_id} does not meet the 0.5 bar on: {names}",
                               failures=[f.model_dump() for f in failures],
                               net_score=assessment.rating.net_score)
        return assessment

    def recompute(self, stored: dict[str, Any]) -> Rating:
        """Rate the stored evidence again, offline."""
        return rate(Evidence.model_validate(stored["evidence"]), self._weights)


def registered_parent_scores(artifacts: ArtifactStore, ratings: RatingStore) -> ParentScores:
    """tree_score's input: the stored net scores of the model's registered base models (not its datasets/code)."""

    def scores(evidence: Evidence) -> list[float]:
        urls = [e.target for e in declared_parents(evidence.model) if e.relation not in DEPENDENCY_RELATIONS]
        result: list[float] = []
        for parents in artifacts.find_by_source(urls).values():
            for parent in parents:
                stored = ratings.get_rating(parent.id)
                if stored is not None:
                    result.append(stored_rating(stored).net_score)
        return result

    return scores
