"""Strict parsing of the only URLs the registry ingests: Hugging Face models/datasets and GitHub repositories.

The registry never fetches a user-named host: a URL is reduced to a `SourceRef` (kind, owner, name, revision)
and the sources rebuild every request from that against their configured endpoint.  Anything unusual is
rejected with `InvalidSourceURL` and a reason, rather than normalised, so that no lookalike slips through.

Accepted forms (https only, host exactly as written, no port/userinfo/fragment):

- ``https://huggingface.co/ORG/NAME`` and ``https://huggingface.co/datasets/ORG/NAME``
- ``https://huggingface.co/NAME`` and ``https://huggingface.co/datasets/NAME``: legacy repos without an
  organisation (``gpt2``); the ref gets ``owner=""`` and ``repo_id == NAME``.
- each optionally followed by ``/tree/REV`` or ``/tree/REV/sub/path``
- ``https://github.com/OWNER/REPO`` (optionally ``.git``), optionally ``/tree/BRANCH[/sub/path]``; a branch
  containing ``/`` cannot be told from a path and is read as its first segment.
- one trailing ``/`` is tolerated.  A query string is ignored (it never influences what is fetched: the
  canonical URL drops it) but must still be plain printable ASCII.  Percent-encoding is not accepted at all.
"""
from __future__ import annotations

import ipaddress

import re2

from scoring.errors import InvalidSourceURL
from scoring.sources.types import SourceKind, SourceRef

MAX_URL_LENGTH = 2048
HF_HOST = "huggingface.co"
GITHUB_HOST = "github.com"

_NAME = re2.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}")
_REVISION = re2.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,254}")
_PATH_SEGMENT = re2.compile(r"[A-Za-z0-9._+=,~@-]{1,255}")

# First path segments that are Hugging Face / GitHub pages, not repository owners.
_HF_RESERVED = frozenset({
    "api", "spaces", "models", "docs", "organizations", "settings", "login", "join", "blog", "collections",
    "papers", "pricing", "tasks", "learn", "new", "search", "enterprise", "posts", "chat", "buckets", "kernels",
})
_GITHUB_RESERVED = frozenset({
    "orgs", "settings", "marketplace", "topics", "sponsors", "features", "about", "login", "explore",
    "collections", "trending", "apps", "users", "search", "notifications", "new", "organizations",
})


def parse_source_url(url: str) -> SourceRef:
    """Parse a Hugging Face or GitHub repository URL into a `SourceRef`, or raise `InvalidSourceURL`."""
    _check_characters(url)
    scheme, rest = _split_scheme(url)
    if scheme != "https":
        raise InvalidSourceURL(f"only https URLs are accepted, got scheme {scheme!r}")
    netloc, _, path_and_query = rest.partition("/")
    host = _check_host(netloc)
    path = path_and_query.split("?", 1)[0]
    segments = _split_path(path)
    if host == HF_HOST:
        return _parse_hugging_face(segments)
    return _parse_github(segments)


def _check_characters(url: str) -> None:
    """Reject over-long URLs and any byte that could smuggle a different meaning past the parser."""
    if not isinstance(url, str):
        raise InvalidSourceURL("URL must be a string")
    if len(url) > MAX_URL_LENGTH:
        raise InvalidSourceURL(f"URL longer than {MAX_URL_LENGTH} characters")
    if not url:
        raise InvalidSourceURL("URL is empty")
    for char in url:
        if not 0x21 <= ord(char) <= 0x7E:
            raise InvalidSourceURL("URL contains whitespace, control or non-ASCII characters")
    if "\\" in url:
        raise InvalidSourceURL("URL contains a backslash")
    if "%" in url:
        raise InvalidSourceURL("percent-encoded URLs are not accepted")
    if "#" in url:
        raise InvalidSourceURL("URL fragments are not accepted")


def _split_scheme(url: str) -> tuple[str, str]:
    """Split ``scheme://rest``; the ``//`` is mandatory so that ``https:host/x`` is not guessed at."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise InvalidSourceURL("URL must start with https://")
    return scheme.lower(), rest


def _check_host(netloc: str) -> str:
    """Return the lower-cased host when it is exactly one of the two allowed hosts."""
    if not netloc:
        raise InvalidSourceURL("URL has no host")
    if "@" in netloc:
        raise InvalidSourceURL("URLs with user information (user@host) are not accepted")
    if netloc.startswith("["):
        raise InvalidSourceURL("IP address hosts are not accepted")
    if ":" in netloc:
        raise InvalidSourceURL("URLs with an explicit port are not accepted")
    host = netloc.lower()
    if host in (HF_HOST, GITHUB_HOST):
        return host
    if _is_ip_literal(host):
        raise InvalidSourceURL("IP address hosts are not accepted")
    raise InvalidSourceURL(f"host {host!r} is not allowed (only {HF_HOST} and {GITHUB_HOST})")


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host.replace(".", "").isdigit()  # 2130706433, 127.1 and other shorthand forms
    return True


def _split_path(path: str) -> list[str]:
    """Split the path (without its leading ``/``) into segments, rejecting empty, ``.`` and ``..`` ones."""
    segments = path.split("/") if path else []
    if segments and segments[-1] == "":
        segments.pop()  # one trailing slash
    for segment in segments:
        if segment == "":
            raise InvalidSourceURL("URL path contains an empty segment (//)")
        if segment in (".", ".."):
            raise InvalidSourceURL("URL path contains a '.' or '..' segment")
    return segments


def _parse_hugging_face(segments: list[str]) -> SourceRef:
    if not segments:
        raise InvalidSourceURL("URL names no Hugging Face repository")
    kind: SourceKind = "hf_model"
    if segments[0] == "datasets":
        kind, segments = "hf_dataset", segments[1:]
        if not segments:
            raise InvalidSourceURL("URL names no Hugging Face dataset")
    elif segments[0] in _HF_RESERVED:
        raise InvalidSourceURL(f"'/{segments[0]}' URLs are not Hugging Face model or dataset repositories")
    owner, name, tail = _split_hf_repo(segments)
    if owner:
        _check_name(owner, "owner")
    _check_name(name, "repository name")
    revision, sub_path = _parse_tree_tail(tail)
    return SourceRef(kind=kind, owner=owner, name=name, revision=revision, path=sub_path)


def _split_hf_repo(segments: list[str]) -> tuple[str, str, list[str]]:
    """Tell ``ORG/NAME[/tree/...]`` from an organisation-less ``NAME[/tree/...]``."""
    if len(segments) == 1:
        return "", segments[0], []
    if len(segments) == 2 or (len(segments) >= 4 and segments[2] == "tree"):
        return segments[0], segments[1], segments[2:]
    if segments[1] == "tree":
        return "", segments[0], segments[1:]
    raise InvalidSourceURL("only /tree/REVISION may follow the repository in a Hugging Face URL")


def _parse_github(segments: list[str]) -> SourceRef:
    if len(segments) < 2:
        raise InvalidSourceURL("a GitHub URL must name OWNER/REPO")
    owner, name, tail = segments[0], segments[1], segments[2:]
    if owner.lower() in _GITHUB_RESERVED:
        raise InvalidSourceURL(f"'/{owner}' URLs are not GitHub repositories")
    if name.endswith(".git"):
        name = name[: -len(".git")]
    _check_name(owner, "owner")
    _check_name(name, "repository name")
    revision, sub_path = _parse_tree_tail(tail)
    return SourceRef(kind="github", owner=owner, name=name, revision=revision, path=sub_path)


def _parse_tree_tail(tail: list[str]) -> tuple[str | None, str | None]:
    """Parse what follows the repository: nothing, or ``tree/REV[/path...]``."""
    if not tail:
        return None, None
    if tail[0] != "tree" or len(tail) < 2:
        raise InvalidSourceURL("only /tree/REVISION may follow the repository")
    revision, path = tail[1], tail[2:]
    if not _REVISION.fullmatch(revision) or ".." in revision:
        raise InvalidSourceURL(f"invalid revision {revision!r}")
    for segment in path:
        if not _PATH_SEGMENT.fullmatch(segment):
            raise InvalidSourceURL(f"invalid path segment {segment!r}")
    return revision, "/".join(path) or None


def is_valid_name(value: str) -> bool:
    """Whether `value` is acceptable as an owner or repository name."""
    return bool(_NAME.fullmatch(value)) and ".." not in value


def _check_name(value: str, what: str) -> None:
    if not is_valid_name(value):
        raise InvalidSourceURL(f"invalid {what} {value!r}: expected [A-Za-z0-9][A-Za-z0-9._-]{{0,95}}")
