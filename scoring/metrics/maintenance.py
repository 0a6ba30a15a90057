"""bus_factor: how many people the upkeep of the model a user runs rests on.

The people are read from the model artifact itself (its repository's commit authors on the Hub, and whether an
organization owns it), from the code linked to it, and from the library that runs it; see `bus_factor`.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timezone

import re2

from scoring.evidence import CodeEvidence, Evidence
from scoring.metrics.result import MetricResult

COVERAGE = 0.5  # CHAOSS: the fewest contributors covering 50% of the contributions
PASS_MARK = 0.5  # staleness never moves a score across this line
ORGANIZATION_MEMBERS_COUNTED = 2  # members show write access, not work on this model: at most two count
LIBRARY_PEOPLE_COUNTED = 1  # a library keeps the model runnable; its people do not maintain this model
RECENCY_STEPS: tuple[tuple[int, float], ...] = ((365, 1.0), (730, 0.9))
RECENCY_STALE = 0.8  # last activity older than two years, or unknown
# Automated authors: GitHub apps, the hub's own "system" commits, the hub's safetensors conversion bot.
_BOT = re2.compile(r"(?i)\[bot\]$|[-_]bot$|^dependabot|^github-actions|^sfconvertbot$|^system$")


@dataclass(frozen=True)
class _Part:
    """One piece of evidence about the people: who it names (at most `cap` of them count when not already
    named), how many unnamed people it adds, and what it says."""

    people: frozenset[str]
    extra: int
    note: str
    cap: int | None = None


def bus_factor(evidence: Evidence) -> MetricResult:
    """Score = 1 - 0.5^(k/2) for the k people the model's upkeep rests on, then staleness trims the margin above
    0.5: 0.5 + (score - 0.5) * r when the score is above 0.5. In [0, 1): one person 0.29, two 0.5 (the pass
    mark: one may leave), four 0.75, six 0.88.

    k = |A ∪ C| + L + O (logins compared case-insensitively across the hub and GitHub):
    - A: the model repository's commit authors on the Hub (the hub's "system" commits and bots excluded);
    - C: the key contributors of code linked by the caller or the card: the fewest people covering >= 50% of
      its contributions (CHAOSS contributor absence factor; all-time contributors, else its recent commits);
    - L: 1 when the code is the repository of the model's library (library_name) and its key contributors name
      someone not in A: the library keeps the model runnable, its people do not maintain this model;
    - O: the other members of the organization owning the model: min(2, members - 1); 0 for a user.
    r, from the newest activity of the model repository or its code: <= 365 days 1.0, <= 730 days 0.9, older
    or unknown 0.8 (a finished model is not an abandoned one: idleness alone never takes a score below 0.5).

    An uploaded package has no hub history: it is scored from code of its own (C) alone, and is not applicable
    (left out of the net score and the gate) without one. Nothing known because every read failed: 0.
    """
    if evidence.origin == "package" and (evidence.code is None or evidence.code.origin == "library"):
        return MetricResult(0.0, "uploaded package: no hub history of who made it and no code repository of its "
                                 "own linked, so who maintains it is not in the evidence (not applicable)",
                            applicable=False)
    parts = [part for part in (_model_authors(evidence), _organization(evidence), _code_people(evidence)) if part]
    named: set[str] = set()
    k = 0
    for part in parts:
        new = len(part.people - named)
        k += part.extra + (new if part.cap is None else min(new, part.cap))
        named |= part.people
    notes = "; ".join(part.note for part in parts) or "no evidence"
    if k == 0:
        return MetricResult(0.0, f"{notes}: nobody known to maintain the model = 0.00")
    raw = 1 - 0.5 ** (k / 2)
    recency, recency_note = _recency(evidence)
    score = raw if raw <= PASS_MARK else PASS_MARK + (raw - PASS_MARK) * recency
    return MetricResult(score, f"{notes}; k = {k}: 1 - 0.5^(k/2) = {raw:.2f}; {recency_note}: margin above "
                               f"{PASS_MARK:g} x {recency:g} = {score:.2f}")


def key_people(counts: Counter[str]) -> list[str]:
    """The fewest contributors, most active first, whose contributions cover at least half of all of them
    (their number is the CHAOSS contributor absence factor)."""
    total = sum(counts.values())
    covered = 0
    people = []
    for login, n in counts.most_common():
        if covered >= COVERAGE * total:
            break
        people.append(login)
        covered += n
    return people


def _is_bot(login: str) -> bool:
    return bool(_BOT.search(login))


def _model_authors(evidence: Evidence) -> _Part | None:
    if evidence.origin == "package":
        return _Part(frozenset(), 0, "uploaded package: no hub history")
    if evidence.model_commits is None:
        return _Part(frozenset(), 0, f"model commits not read ({_failures(evidence, 'hub.commits')})")
    counts = Counter(author.lower() for commit in evidence.model_commits for author in commit.authors
                     if not _is_bot(author))
    top = ", ".join(f"{login} {n}" for login, n in counts.most_common(5))
    return _Part(frozenset(counts), 0, f"model repository on the hub: {_count(len(evidence.model_commits), 'commit')}"
                                       f" by {_count(len(counts), 'person', 'people')} "
                                       f"({top or 'none but automated ones'})")


def _organization(evidence: Evidence) -> _Part | None:
    namespace = evidence.namespace
    if evidence.origin == "package" or not evidence.model.ref.owner:
        return None
    if namespace is None:
        return _Part(frozenset(), 0, f"namespace not read ({_failures(evidence, 'hub.namespace')})")
    if namespace.kind == "user":
        return _Part(frozenset(), 0, f"owned by the user {namespace.name}")
    others = min(ORGANIZATION_MEMBERS_COUNTED, max(0, (namespace.members or 1) - 1))
    shown = f"{namespace.members} members" if namespace.members is not None else "members not shown"
    return _Part(frozenset(), others, f"owned by the organization {namespace.name} ({shown}): +{others}")


def _code_people(evidence: Evidence) -> _Part | None:
    code = evidence.code
    if code is None:
        return None
    counts, basis = _contributions(code)
    if not counts:
        return _Part(frozenset(), 0, f"{code.label}: no contributor data ({_failures(evidence, 'github.')})")
    key = key_people(counts)
    library = code.origin == "library"
    role = f", counted as at most {LIBRARY_PEOPLE_COUNTED} more person" if library else ""
    return _Part(frozenset(key), 0, f"{code.label}: {_count(len(key), 'key person', 'key people')} "
                                    f"({', '.join(key[:5])}) cover 50% of {sum(counts.values())} {basis}{role}",
                 cap=LIBRARY_PEOPLE_COUNTED if library else None)


def _contributions(code: CodeEvidence) -> tuple[Counter[str], str]:
    contributors = [c for c in code.contributors or [] if c.contributions > 0 and not _is_bot(c.login)]
    if contributors:
        return Counter({c.login.lower(): c.contributions for c in contributors}), "all-time contributions"
    commits = [c.author for c in code.commits or [] if c.author and not _is_bot(c.author)]
    return Counter(author.lower() for author in commits), "recent commits"


def _recency(evidence: Evidence) -> tuple[float, str]:
    dates = [commit.date for commit in evidence.model_commits or [] if commit.date is not None]
    if evidence.model.last_modified is not None:
        dates.append(evidence.model.last_modified)
    code = evidence.code
    if code is not None:
        dates += [c.date for c in code.commits or [] if c.date is not None]
        if code.repo is not None and code.repo.pushed_at is not None:
            dates.append(code.repo.pushed_at)
    if not dates:
        return RECENCY_STALE, "last activity unknown"
    age = (as_utc(evidence.gathered_at) - max(as_utc(d) for d in dates)).days
    return next((w for days, w in RECENCY_STEPS if age <= days), RECENCY_STALE), f"last activity {age} days ago"


def as_utc(moment: datetime) -> datetime:
    """An aware datetime (naive ones are taken as UTC), so recorded dates from any source compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _failures(evidence: Evidence, prefix: str) -> str:
    failures = evidence.failures_of(prefix)
    return "; ".join(f"{f.source} {f.kind}: {f.reason}" for f in failures) or "nothing recorded"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"
