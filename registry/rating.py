"""Ratings in the registry: evidence gathered once, the lineage parents' scores handed in, rated, and judged by
the stored gate policy; stored with the evidence it came from.

The stored form is {"rating": Rating JSON, "evidence": Evidence JSON, "links": the caller's links}, so
`recompute` can rate again offline from exactly what was recorded and get the same scores and explanations.

The gate policy is a registry-wide setting (registry/ports.py SettingStore): admins change it, every change is
audited, and a change never rewrites stored ratings — it decides only what the next ingest lets in.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from registry import events
from registry.auth import require
from registry.errors import Disqualified, InvalidInput
from registry.model import ArtifactType, AuditAction, AuditEntry, Permission, User, utcnow
from registry.ports import AuditStore, SettingStore
from registry.sourcing import upstream_errors
from scoring.evidence import Evidence
from scoring.gather import GitHubReader, HubReader, gather_evidence
from scoring.rating import DEFAULT_POLICY, DEFAULT_WEIGHTS, GateFailure, GatePolicy, Rating, Weights, gate, rate
from scoring.sources.types import HubRepo, SourceRef
from scoring.sources.url import parse_source_url

POLICY_SETTING = "gate-policy"
POLICY_AUDIT_ID = "gate-policy"  # the audit trail of the policy's changes (admins read it like an artifact's)


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
    """A rating and the gate's verdict on it under the policy in force when it was made."""

    evidence: Evidence
    rating: Rating
    links: Links
    failures: list[GateFailure]

    @property
    def admitted(self) -> bool:
        return not self.failures

    def stored_form(self) -> dict[str, Any]:
        return {"rating": self.rating.model_dump(mode="json"), "evidence": self.evidence.model_dump(mode="json"),
                "links": {"code_url": self.links.code_url, "dataset_urls": list(self.links.dataset_urls)}}

    def refusal(self) -> Disqualified:
        """The error a refused ingest answers with: every failing metric, and the full rating (so a user sees
        every score and its reason, not only the failing ones)."""
        names = ", ".join(f"{f.metric}={f.value:.2f} (needs {f.threshold:g})" for f in self.failures)
        error = Disqualified(f"{self.rating.model_id} does not meet the gate policy on: {names}",
                             failures=[f.model_dump() for f in self.failures], net_score=self.rating.net_score,
                             rating=self.rating.model_dump(mode="json"))
        error.rating = self.rating
        return error


def stored_rating(stored: dict[str, Any]) -> Rating:
    return Rating.model_validate(stored["rating"])


def stored_evidence(stored: dict[str, Any]) -> Evidence:
    return Evidence.model_validate(stored["evidence"])


def stored_links(stored: dict[str, Any]) -> Links:
    links = stored.get("links") or {}
    return Links(links.get("code_url"), tuple(links.get("dataset_urls") or ()))


class RatingService:
    def __init__(self, hub: HubReader, github: GitHubReader, settings: SettingStore, audit: AuditStore,
                 timeout: float, weights: Weights = DEFAULT_WEIGHTS) -> None:
        self._hub = hub
        self._github = github
        self._settings = settings
        self._audit = audit
        self._timeout = timeout
        self._weights = weights

    def gather(self, model: SourceRef | HubRepo, links: Links) -> Evidence:
        """All the I/O of a rating, concurrently: a hub model by reference, or an uploaded package's contents.
        Raises NotFound / UpstreamError when a hub model itself cannot be read."""
        with upstream_errors():
            return gather_evidence(model, self._hub, self._github, code_url=links.code_url,
                                   dataset_urls=links.dataset_urls, timeout=self._timeout)

    def judge(self, evidence: Evidence, links: Links, parent_scores: Sequence[float] = ()) -> Assessment:
        """Rate the evidence — with the registered parents' net scores (tree_score), worked out by the caller from
        the parents it records — and apply the gate policy in force."""
        if parent_scores:
            evidence = evidence.model_copy(update={"parent_scores": list(parent_scores)})
        rating = rate(evidence, self._weights)
        return Assessment(evidence, rating, links, gate(rating, self.policy()))

    def recompute(self, stored: dict[str, Any]) -> Rating:
        """Rate the stored evidence again, offline."""
        return rate(stored_evidence(stored), self._weights)

    # the gate policy -------------------------------------------------------------------------------------------
    def policy(self) -> GatePolicy:
        stored = self._settings.get_setting(POLICY_SETTING)
        return GatePolicy.model_validate(stored["policy"]) if stored else DEFAULT_POLICY

    def read_policy(self, actor: User) -> tuple[GatePolicy, str | None, Any]:
        """(policy, who last changed it, when): anyone who may search reads the rule that decides what gets in."""
        require(actor, Permission.SEARCH)
        stored = self._settings.get_setting(POLICY_SETTING)
        if not stored:
            return DEFAULT_POLICY, None, None
        return GatePolicy.model_validate(stored["policy"]), stored.get("updated_by"), stored.get("updated_at")

    def change_policy(self, actor: User, thresholds: dict[str, float], net_score_gated: bool,
                      net_score_threshold: float) -> GatePolicy:
        """Admins only; audited. Stored ratings are not touched: the policy decides what the next ingest admits."""
        require(actor, Permission.ADMIN)
        try:
            policy = GatePolicy(thresholds=thresholds, net_score_gated=net_score_gated,
                                net_score_threshold=net_score_threshold)
        except ValidationError as exc:
            raise InvalidInput(f"invalid gate policy: {exc.errors()[0]['msg']}") from None
        now = utcnow()
        self._settings.put_setting(POLICY_SETTING, {"policy": policy.model_dump(), "updated_by": actor.username,
                                                    "updated_at": now.isoformat()})
        self._audit.append_audit(AuditEntry(artifact_id=POLICY_AUDIT_ID, artifact_type=ArtifactType.MODEL,
                                            artifact_name="gate policy", username=actor.username,
                                            is_admin=actor.is_admin, action=AuditAction.UPDATE, at=now))
        events.emit("policy.changed", by=actor.username, policy=policy.model_dump())
        return policy
