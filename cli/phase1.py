"""Phase-1 compatible scoring: one NDJSON rating per model of a URL file (`./run URL_FILE`,
`python -m cli.phase1 URL_FILE`), with the upstreams from the registry's settings.

Each line of URL_FILE is `code_url, dataset_url, model_url` (any may be blank); lines without a model URL
are skipped. Output keys follow the Phase-1 order (then the Phase-2 metrics), latencies in integer ms.
A model that cannot be rated is reported on stderr and makes the exit status 1; the others still print.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from registry.settings import Settings
from registry.upstream import build_sources
from scoring.errors import SourceError
from scoring.gather import GitHubReader, HubReader, gather_evidence
from scoring.rating import Rating, rate
from scoring.sources.url import parse_source_url

MAX_PARALLEL_MODELS = 4
PHASE1_ORDER = (  # Phase-1 NDJSON keys after name/category/net_score, in order; then the Phase-2 metrics
    "ramp_up_time", "bus_factor", "performance_claims", "license", "size_score", "dataset_and_code_score",
    "dataset_quality", "code_quality", "reproducibility", "reviewedness", "tree_score",
)


@dataclass(frozen=True)
class UrlLine:
    code_url: str | None
    dataset_url: str | None
    model_url: str


def parse_url_file(text: str) -> list[UrlLine]:
    """The model lines of a URL file: `code, dataset, model` with blanks allowed (missing fields are blank)."""
    lines = []
    for raw in text.splitlines():
        fields = [field.strip() for field in raw.split(",")]
        fields = [""] * (3 - len(fields)) + fields if len(fields) < 3 else fields[:3]
        code, dataset, model = fields
        if model:
            lines.append(UrlLine(code or None, dataset or None, model))
    return lines


def rate_line(line: UrlLine, hub: HubReader, github: GitHubReader) -> str:
    """One NDJSON line for one model (raises SourceError when the model itself cannot be read)."""
    ref = parse_source_url(line.model_url)
    if ref.kind != "hf_model":
        raise SourceError(f"{line.model_url} is not a Hugging Face model URL")
    evidence = gather_evidence(ref, hub, github, code_url=line.code_url,
                               dataset_urls=[line.dataset_url] if line.dataset_url else [])
    return json.dumps(phase1_line(rate(evidence)))


def phase1_line(rating: Rating) -> dict[str, Any]:
    """The Phase-1 NDJSON object: Phase-1 keys in order, then the Phase-2 metrics; latencies in integer
    milliseconds, scores rounded to 2 decimals."""
    line: dict[str, Any] = {"name": rating.name, "category": rating.category, "net_score": round(rating.net_score, 2),
                            "net_score_latency": _milliseconds(rating.net_score_latency)}
    entries = rating.entries()
    for name in PHASE1_ORDER:
        score, latency = entries[name]
        line[name] = {k: round(v, 2) for k, v in score.items()} if isinstance(score, dict) else round(score, 2)
        line[f"{name}_latency"] = _milliseconds(latency)
    return line


def _milliseconds(seconds: float) -> int:
    return round(seconds * 1000)


def run(argv: Sequence[str] | None, *, hub: HubReader, github: GitHubReader, out: TextIO | None = None,
        err: TextIO | None = None) -> int:
    """Run the CLI on `argv` (default: sys.argv[1:]) with the given upstream sources."""
    args = list(sys.argv[1:] if argv is None else argv)
    out, err = out or sys.stdout, err or sys.stderr
    if len(args) != 1:
        print("usage: ./run URL_FILE", file=err)
        return 1
    try:
        lines = parse_url_file(Path(args[0]).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        print(f"cannot read {args[0]}: {exc}", file=err)
        return 1
    status = 0
    with ThreadPoolExecutor(max_workers=MAX_PARALLEL_MODELS) as pool:
        futures = [pool.submit(rate_line, line, hub, github) for line in lines]
        for line, future in zip(lines, futures):
            try:
                print(future.result(), file=out, flush=True)
            except SourceError as exc:
                print(f"{line.model_url}: {exc}", file=err)
                status = 1
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """The command: upstream clients configured by the registry's settings (HF_ENDPOINT, GITHUB_API_URL ...)."""
    hub, github = build_sources(Settings())
    return run(argv, hub=hub, github=github)


if __name__ == "__main__":
    sys.exit(main())
