"""Metrics of the model's linked GitHub repository: bus_factor, code_quality, reviewedness."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import re2

from scoring.evidence import CodeEvidence, Evidence
from scoring.metrics.result import MetricResult, clamp, points, summed
from scoring.sources.types import GitHubRepo

COVERAGE = 0.5  # CHAOSS: the fewest contributors covering 50% of commits
RECENCY_STEPS: tuple[tuple[int, float], ...] = ((180, 1.0), (365, 0.8), (730, 0.5))
RECENCY_STALE = 0.25  # last activity older than two years
RECENCY_UNKNOWN = 0.5
MIN_README_CHARS = 500

_BOT = re2.compile(r"(?i)\[bot\]$|-bot$|^dependabot|^github-actions")
_TEST_PATH = re2.compile(
    r"(?i)(^|/)(tests?|testing|spec)(/|$)|(^|/)test_[^/]*\.py$|_test\.(py|go|rs|js|ts)$|\.(spec|test)\.[jt]sx?$"
)
_CI_PATH = re2.compile(
    r"(?i)^\.github/workflows/[^/]+\.ya?ml$|^\.travis\.yml$|^\.circleci/|^\.gitlab-ci\.yml$|^azure-pipelines\.yml$"
    r"|^jenkinsfile$|^\.buildkite/"
)
_LINT_FILES = frozenset({
    ".flake8", ".pylintrc", "pylintrc", "ruff.toml", ".ruff.toml", ".pre-commit-config.yaml", "mypy.ini",
    ".mypy.ini", "tox.ini", ".editorconfig", ".golangci.yml", ".clang-format", "rustfmt.toml", ".rubocop.yml",
    ".eslintrc", ".eslintrc.js", ".eslintrc.json", ".eslintrc.yml", "eslint.config.js", ".prettierrc",
})
_PACKAGING_FILES = frozenset({
    "setup.py", "pyproject.toml", "setup.cfg", "requirements.txt", "environment.yml", "pipfile", "package.json",
    "cargo.toml", "go.mod", "pom.xml", "build.gradle", "cmakelists.txt",
})


def bus_factor(evidence: Evidence) -> MetricResult:
    """Score = (1 - 0.5^k) * recency, in [0, 1); 0 when nothing is known.

    k is the CHAOSS contributor absence factor: the fewest authors whose commits cover >= 50% of the recorded
    recent commits (bots excluded), or, with no recent commit, of the all-time contributions. Each extra
    person needed to cover half the work halves the remaining risk: k=1 0.5, k=2 0.75, k=3 0.875, ...
    recency, from the newest commit or push: <= 180 days 1.0, <= 365 0.8, <= 730 0.5, older 0.25, unknown 0.5.
    """
    code = evidence.code
    if code is None:
        return MetricResult(0.0, "no linked code repository: nothing known about its contributors = 0.00")
    counts, basis = _author_counts(code)
    if not counts:
        return MetricResult(0.0, f"no contributor data ({_unavailable(evidence, code)}) = 0.00")
    k = absence_factor(counts)
    recency, recency_note = _recency(code, evidence.gathered_at)
    score = clamp((1 - 0.5 ** k) * recency)
    top = ", ".join(f"{login} {n}" for login, n in counts.most_common(3))
    return MetricResult(
        score,
        f"{basis}: {sum(counts.values())} by {len(counts)} authors (top: {top}); absence factor k={k} "
        f"(fewest authors covering 50%); (1 - 0.5^k) * recency {recency:g} "
        f"({recency_note}) = {score:.2f}",
    )


def absence_factor(counts: Counter[str]) -> int:
    """The fewest contributors whose contributions cover at least half of all contributions (0 if none)."""
    total = sum(counts.values())
    covered = 0
    for k, (_, n) in enumerate(counts.most_common(), start=1):
        covered += n
        if covered >= COVERAGE * total:
            return k
    return 0


def _author_counts(code: CodeEvidence) -> tuple[Counter[str], str]:
    commits = [c for c in code.commits or [] if c.author and not _BOT.search(c.author)]
    if commits:
        return Counter(c.author for c in commits if c.author), "recent commits"
    contributors = [c for c in code.contributors or [] if c.contributions > 0 and not _BOT.search(c.login)]
    return Counter({c.login: c.contributions for c in contributors}), "all-time contributions"


def _recency(code: CodeEvidence, now: datetime) -> tuple[float, str]:
    dates = [c.date for c in code.commits or [] if c.date is not None]
    if code.repo is not None and code.repo.pushed_at is not None:
        dates.append(code.repo.pushed_at)
    if not dates:
        return RECENCY_UNKNOWN, "last activity unknown"
    age = (as_utc(now) - max(as_utc(d) for d in dates)).days
    weight = next((w for days, w in RECENCY_STEPS if age <= days), RECENCY_STALE)
    return weight, f"last activity {age} days ago"


def as_utc(moment: datetime) -> datetime:
    """An aware datetime (naive ones are taken as UTC), so recorded dates from any source compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def code_quality(evidence: Evidence) -> MetricResult:
    """Score = tests 0.25 + CI 0.2 + lint config 0.15 + packaging 0.2 + README 0.2 (0.1 if short), halved
    when the repository is archived; in [0, 1]. Read from the repository's file tree and metadata only.

    tests: a tests/ or test/ folder or test_*.py / *_test.* files; CI: GitHub Actions workflows, Travis,
    CircleCI, GitLab CI, Azure Pipelines, Jenkins; lint: flake8/pylint/ruff/mypy/pre-commit/tox/eslint configs;
    packaging: setup.py, pyproject.toml, requirements.txt, package.json, Cargo.toml, go.mod, ...;
    README: >= 500 characters. No linked repository, or its metadata unavailable: 0.
    """
    code = evidence.code
    if code is None:
        return MetricResult(0.0, "no linked code repository = 0.00")
    if code.repo is None:
        return MetricResult(0.0, f"repository metadata unavailable ({_unavailable(evidence, code)}) = 0.00")
    result = summed(_code_quality_items(code.repo))
    if code.repo.archived:
        return MetricResult(result.score / 2, f"{result.explanation}; archived repository: halved "
                                              f"= {result.score / 2:.2f}")
    return result


def _code_quality_items(repo: GitHubRepo) -> list[tuple[float, str]]:
    paths = [f.path for f in repo.tree]
    names = {path.rsplit("/", 1)[-1].lower() for path in paths}
    root_names = {path.lower() for path in paths if "/" not in path}
    readme_chars = len(repo.readme.strip())
    readme_points = 0.2 if readme_chars >= MIN_README_CHARS else (0.1 if readme_chars else 0.0)
    return [
        points("tests", any(_TEST_PATH.search(path) for path in paths), 0.25),
        points("CI", any(_CI_PATH.search(path) for path in paths), 0.2),
        points("lint config", bool(names & _LINT_FILES), 0.15, ", ".join(sorted(names & _LINT_FILES))),
        points("packaging", bool(root_names & _PACKAGING_FILES), 0.2, ", ".join(sorted(root_names & _PACKAGING_FILES))),
        (readme_points, f"README: {readme_chars} chars +{readme_points:g} of 0.2"),
    ]


def reviewedness(evidence: Evidence) -> MetricResult:
    """Score = lines added by merged PRs approved by someone other than their author / lines added by all
    merged PRs recorded (non-weight files), in [0, 1]; -1 (not applicable) when no GitHub repository is linked.

    When the recorded PRs carry no line counts, the share of merged PRs that were approved is used instead.
    Commits pushed without a PR are not visible in the recorded evidence, so a repository with no merged PR
    scores 0 (its code did not go through review). PR data unavailable: 0.
    """
    code = evidence.code
    if code is None:
        return MetricResult(-1.0, "no linked GitHub repository = -1 (not applicable)", applicable=False)
    if code.pull_requests is None:
        return MetricResult(0.0, f"pull requests unavailable ({_unavailable(evidence, code)}) = 0.00")
    merged = [pr for pr in code.pull_requests if pr.merged]
    if not merged:
        return MetricResult(0.0, f"no merged pull request among {len(code.pull_requests)} recorded: "
                                 "code reached the repository without review = 0.00")
    total_lines = sum(max(pr.additions, 0) for pr in merged)
    reviewed = [pr for pr in merged if pr.approved_by_other]
    if total_lines > 0:
        reviewed_lines = sum(max(pr.additions, 0) for pr in reviewed)
        score = reviewed_lines / total_lines
        return MetricResult(score, f"{reviewed_lines} of {total_lines} lines added by {len(merged)} merged PRs "
                                   f"came through {len(reviewed)} PRs approved by a non-author = {score:.2f}")
    score = len(reviewed) / len(merged)
    return MetricResult(score, f"line counts unknown: {len(reviewed)} of {len(merged)} merged PRs approved by a "
                               f"non-author = {score:.2f}")


def _unavailable(evidence: Evidence, code: CodeEvidence) -> str:
    failures = evidence.failures_of("github.")
    if failures:
        return "; ".join(f"{f.source} {f.kind}: {f.reason}" for f in failures)
    return f"nothing recorded for {code.url}"
