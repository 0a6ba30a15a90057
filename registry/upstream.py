"""The upstream clients, configured from settings (used by the app factory and the CLI)."""
from __future__ import annotations

from registry.settings import Settings
from scoring.sources.github import GitHubSource
from scoring.sources.hub import HubSource


def build_sources(settings: Settings) -> tuple[HubSource, GitHubSource]:
    """Both clients create their HTTP sessions lazily, on first use."""
    timeout, retries = settings.upstream_timeout_seconds, settings.upstream_retries
    return (HubSource(settings.hf_endpoint, settings.hf_token, timeout=timeout, retries=retries),
            GitHubSource(settings.github_api_url, settings.github_token, timeout=timeout, retries=retries))
