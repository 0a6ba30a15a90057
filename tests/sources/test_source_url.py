"""parse_source_url: the accepted forms, and a table of hostile URLs that must all be refused."""
from __future__ import annotations

import pytest

from scoring.errors import InvalidSourceURL
from scoring.sources.url import parse_source_url

VALID = [
    # url, kind, owner, name, revision, path
    ("https://huggingface.co/google-bert/bert-base-uncased", "hf_model", "google-bert", "bert-base-uncased", None,
     None),
    ("https://huggingface.co/openai/whisper-tiny/tree/main", "hf_model", "openai", "whisper-tiny", "main", None),
    ("https://huggingface.co/openai/whisper-tiny/tree/main/", "hf_model", "openai", "whisper-tiny", "main", None),
    ("https://huggingface.co/org/model/tree/v1.0/sub/dir", "hf_model", "org", "model", "v1.0", "sub/dir"),
    ("https://huggingface.co/parvk11/audience_classifier_model", "hf_model", "parvk11", "audience_classifier_model",
     None, None),
    ("https://huggingface.co/datasets/bookcorpus/bookcorpus", "hf_dataset", "bookcorpus", "bookcorpus", None, None),
    ("https://huggingface.co/datasets/org/data/tree/refs-convert", "hf_dataset", "org", "data", "refs-convert",
     None),
    ("https://huggingface.co/gpt2", "hf_model", "", "gpt2", None, None),
    ("https://huggingface.co/gpt2/", "hf_model", "", "gpt2", None, None),
    ("https://huggingface.co/gpt2/tree/main", "hf_model", "", "gpt2", "main", None),
    ("https://huggingface.co/datasets/squad", "hf_dataset", "", "squad", None, None),
    ("https://huggingface.co/org/tree", "hf_model", "org", "tree", None, None),
    ("https://huggingface.co/org/tree/tree/main", "hf_model", "org", "tree", "main", None),
    ("https://HuggingFace.co/Org/Name", "hf_model", "Org", "Name", None, None),
    ("HTTPS://huggingface.co/org/name", "hf_model", "org", "name", None, None),
    ("https://huggingface.co/org/name?library=transformers", "hf_model", "org", "name", None, None),
    ("https://github.com/google-research/bert", "github", "google-research", "bert", None, None),
    ("https://github.com/google-research/bert.git", "github", "google-research", "bert", None, None),
    ("https://github.com/google-research/bert/", "github", "google-research", "bert", None, None),
    ("https://github.com/owner/repo/tree/dev", "github", "owner", "repo", "dev", None),
    ("https://github.com/owner/repo/tree/main/src/pkg", "github", "owner", "repo", "main", "src/pkg"),
    ("https://github.com/owner/re.po_x-1", "github", "owner", "re.po_x-1", None, None),
    ("https://huggingface.co/org/" + "n" * 96, "hf_model", "org", "n" * 96, None, None),
]

HOSTILE = [
    # scheme
    ("http://huggingface.co/org/name", "https"),
    ("ftp://huggingface.co/org/name", "https"),
    ("javascript:alert(1)", "https://"),
    ("huggingface.co/org/name", "https://"),
    ("//huggingface.co/org/name", "https"),
    ("https:/huggingface.co/org/name", "https://"),
    ("https:huggingface.co/org/name", "https://"),
    # hosts
    ("https://huggingface.co.evil.com/org/name", "not allowed"),
    ("https://evil.com/huggingface.co/org/name", "not allowed"),
    ("https://huggingface.com/org/name", "not allowed"),
    ("https://www.huggingface.co/org/name", "not allowed"),
    ("https://huggingface.co./org/name", "not allowed"),
    ("https://github.com.evil.com/owner/repo", "not allowed"),
    ("https://api.github.com/repos/owner/repo", "not allowed"),
    ("https://gist.github.com/owner/repo", "not allowed"),
    ("https://raw.githubusercontent.com/owner/repo/main/x", "not allowed"),
    ("https://xn--huggingface-xyz.co/org/name", "not allowed"),
    ("https://xn--gthub-n4a.com/owner/repo", "not allowed"),
    ("https://hugginGface.co\u0430/org/name", "non-ASCII"),
    ("https://hսggingface.co/org/name", "non-ASCII"),
    ("https://127.0.0.1/org/name", "IP"),
    ("https://2130706433/org/name", "IP"),
    ("https://127.1/org/name", "IP"),
    ("https://[::1]/org/name", "IP"),
    ("https://169.254.169.254/latest/meta-data", "IP"),
    ("https:///org/name", "no host"),
    # userinfo and ports
    ("https://user@huggingface.co/org/name", "user"),
    ("https://user:pass@huggingface.co/org/name", "user"),
    ("https://huggingface.co@evil.com/org/name", "user"),
    ("https://evil.com@huggingface.co/org/name", "user"),
    ("https://huggingface.co:443/org/name", "port"),
    ("https://huggingface.co:8080/org/name", "port"),
    ("https://github.com:22/owner/repo", "port"),
    # traversal and encodings
    ("https://huggingface.co/org/../name", "'..'"),
    ("https://huggingface.co/org/./name", "'.'"),
    ("https://huggingface.co/../../etc/passwd", "'..'"),
    ("https://github.com/owner/repo/tree/main/../../x", "'..'"),
    ("https://huggingface.co/org%2Fname", "percent"),
    ("https://huggingface.co/org/%2e%2e/name", "percent"),
    ("https://huggingface.co/org/name%00", "percent"),
    ("https://github.com/owner/repo%2F..%2F..", "percent"),
    ("https://huggingface.co\\@evil.com/org/name", "backslash"),
    ("https://huggingface.co/org\\name", "backslash"),
    ("https://huggingface.co//org/name", "empty segment"),
    ("https://huggingface.co/org//name", "empty segment"),
    # whitespace and control characters
    (" https://huggingface.co/org/name", "whitespace"),
    ("https://huggingface.co/org/name ", "whitespace"),
    ("https://huggingface.co/org/na me", "whitespace"),
    ("https://huggingface.co/org/name\n", "whitespace"),
    ("https://huggingface.co/org/name\r\nHost: evil", "whitespace"),
    ("https://huggingface.co/org/\tname", "whitespace"),
    ("https://huggingface.co/org/name\x00", "whitespace"),
    ("https://huggingface.co/org/name\x7f", "whitespace"),
    ("https://huggingface.co/org/n\u200bame", "non-ASCII"),
    # fragments, length, emptiness
    ("https://huggingface.co/org/name#readme", "fragment"),
    ("https://huggingface.co/org/name?x=1#frag", "fragment"),
    ("https://huggingface.co/org/" + "a" * 2100, "longer than"),
    ("", "empty"),
    ("https://huggingface.co", "no Hugging Face repository"),
    ("https://huggingface.co/", "no Hugging Face repository"),
    ("https://huggingface.co/datasets", "no Hugging Face dataset"),
    ("https://github.com/owner", "OWNER/REPO"),
    ("https://github.com/", "OWNER/REPO"),
    # names
    ("https://huggingface.co/-org/name", "invalid owner"),
    ("https://huggingface.co/org/.hidden", "invalid repository name"),
    ("https://huggingface.co/org/_name", "invalid repository name"),
    ("https://huggingface.co/org/na..me", "invalid repository name"),
    ("https://huggingface.co/org/" + "n" * 97, "invalid repository name"),
    ("https://huggingface.co/org/na$me", "invalid repository name"),
    ("https://huggingface.co/org/na'me", "invalid repository name"),
    ("https://github.com/own;er/repo", "invalid owner"),
    ("https://github.com/owner/.git", "invalid repository name"),
    # pages that are not repositories, and unsupported sub-pages
    ("https://huggingface.co/spaces/org/app", "not Hugging Face model or dataset"),
    ("https://huggingface.co/api/models/org/name", "not Hugging Face model or dataset"),
    ("https://huggingface.co/docs/hub", "not Hugging Face model or dataset"),
    ("https://huggingface.co/org/name/blob/main/config.json", "only /tree/REVISION"),
    ("https://huggingface.co/org/name/resolve/main/model.bin", "only /tree/REVISION"),
    ("https://huggingface.co/org/name/discussions", "only /tree/REVISION"),
    ("https://huggingface.co/org/name/tree", "only /tree/REVISION"),
    ("https://huggingface.co/org/name/tree/ma..in", "invalid revision"),
    ("https://huggingface.co/org/name/tree/-main", "invalid revision"),
    ("https://huggingface.co/org/name/tree/main/a$b", "invalid path segment"),
    ("https://github.com/owner/repo/blob/main/README.md", "only /tree/REVISION"),
    ("https://github.com/owner/repo/issues", "only /tree/REVISION"),
    ("https://github.com/owner/repo/tree", "only /tree/REVISION"),
    ("https://github.com/orgs/owner", "not GitHub repositories"),
    ("https://github.com/settings/tokens", "not GitHub repositories"),
]


@pytest.mark.parametrize(("url", "kind", "owner", "name", "revision", "path"), VALID)
def test_accepted_urls(url: str, kind: str, owner: str, name: str, revision: str | None, path: str | None) -> None:
    ref = parse_source_url(url)
    assert (ref.kind, ref.owner, ref.name, ref.revision, ref.path) == (kind, owner, name, revision, path)


@pytest.mark.parametrize(("url", "reason"), HOSTILE)
def test_hostile_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(InvalidSourceURL) as caught:
        parse_source_url(url)
    assert reason.lower() in str(caught.value).lower()


def test_non_string_is_refused() -> None:
    with pytest.raises(InvalidSourceURL):
        parse_source_url(b"https://huggingface.co/org/name")  # type: ignore[arg-type]


def test_bare_model_repo_id_and_canonical_url() -> None:
    ref = parse_source_url("https://huggingface.co/gpt2/tree/main")
    assert ref.repo_id == "gpt2"
    assert parse_source_url("https://huggingface.co/org/name").repo_id == "org/name"


def test_canonical_url_drops_query_and_git_suffix() -> None:
    assert parse_source_url("https://huggingface.co/org/name?x=1").canonical_url == "https://huggingface.co/org/name"
    assert parse_source_url("https://github.com/o/r.git").canonical_url == "https://github.com/o/r"
