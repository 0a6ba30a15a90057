"""Metrics of the model's code repository: code_quality and reviewedness.

The code is what the caller or the card links, else the repository of the model's library (`library_name`):
code_quality rates library code too (it is the code a user runs), reviewedness does not (a library's review
practice says nothing of how this model's own code was written; with no code of its own the spec's -1 applies).
"""
from __future__ import annotations

import re2

from scoring.evidence import CodeEvidence, Evidence
from scoring.metrics.result import MetricResult, points, summed
from scoring.sources.types import GitHubRepo

MIN_README_CHARS = 500

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


def code_quality(evidence: Evidence) -> MetricResult:
    """Score = tests 0.25 + CI 0.2 + lint config 0.15 + packaging 0.2 + README 0.2 (0.1 if short), halved
    when the repository is archived; in [0, 1]. Read from the repository's file tree and metadata only.

    tests: a tests/ or test/ folder or test_*.py / *_test.* files; CI: GitHub Actions workflows, Travis,
    CircleCI, GitLab CI, Azure Pipelines, Jenkins; lint: flake8/pylint/ruff/mypy/pre-commit/tox/eslint configs;
    packaging: setup.py, pyproject.toml, requirements.txt, package.json, Cargo.toml, go.mod, ...;
    README: >= 500 characters. Library code (no code linked; the repository of the model's library_name) is
    rated the same way, since it is the code a user runs, and the explanation says so. No code at all, or its
    metadata unavailable: 0.
    """
    code = evidence.code
    if code is None:
        return MetricResult(0.0, "no linked code repository and no known library = 0.00")
    if code.repo is None:
        return MetricResult(0.0, f"{code.label}: repository metadata unavailable "
                                 f"({_unavailable(evidence, code)}) = 0.00")
    result = summed(_code_quality_items(code.repo))
    score, explanation = result.score, result.explanation
    if code.repo.archived:
        score, explanation = score / 2, f"{explanation}; archived repository: halved = {score / 2:.2f}"
    return MetricResult(score, f"{code.label}: {explanation}")


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
    scores 0 (its code did not go through review). PR data unavailable: 0. Library code (the card links no
    code; see the module docstring) is not the model's own: -1 (not applicable), as with no repository.
    """
    code = evidence.code
    if code is None:
        return MetricResult(-1.0, "no linked GitHub repository = -1 (not applicable)", applicable=False)
    if code.origin == "library":
        return MetricResult(-1.0, f"no code repository of the model's own is linked; {code.label} is how the "
                                  "model is run, and its reviews say nothing of this model's code = -1 "
                                  "(not applicable)", applicable=False)
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
