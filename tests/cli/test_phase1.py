"""The Phase-1 NDJSON CLI against the fake hub."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from cli.phase1 import UrlLine, parse_url_file, phase1_line
from cli.phase1 import main as cli_main
from cli.phase1 import run as main
from scoring.rating import rate
from scoring.sources.github import GitHubSource
from scoring.sources.hub import HubSource
from tests.fakehub.seed import DATASET_ID, MINILM_GITHUB, MINILM_ID, MISSING_ID, MULTI_FORMAT_ID
from tests.scoring.test_rating import rich_evidence

PHASE1_KEYS = [
    "name", "category", "net_score", "net_score_latency", "ramp_up_time", "ramp_up_time_latency", "bus_factor",
    "bus_factor_latency", "performance_claims", "performance_claims_latency", "license", "license_latency",
    "size_score", "size_score_latency", "dataset_and_code_score", "dataset_and_code_score_latency", "dataset_quality",
    "dataset_quality_latency", "code_quality", "code_quality_latency",
]
URL_FILE = (f"https://github.com/{MINILM_GITHUB}, https://huggingface.co/datasets/{DATASET_ID}, "
            f"https://huggingface.co/{MINILM_ID}\n"
            "\n"
            f",,https://huggingface.co/{MULTI_FORMAT_ID}/tree/main\n"
            f",,https://huggingface.co/{MISSING_ID}\n")


def test_a_line_has_the_phase1_keys_in_order_and_integer_milliseconds() -> None:
    line = phase1_line(rate(rich_evidence()))
    assert list(line)[:len(PHASE1_KEYS)] == PHASE1_KEYS
    assert list(line)[len(PHASE1_KEYS):] == ["reproducibility", "reproducibility_latency", "reviewedness",
                                             "reviewedness_latency", "tree_score", "tree_score_latency"]
    assert all(isinstance(value, int) for key, value in line.items() if key.endswith("_latency"))
    assert line["name"] == "tiny-model" and line["category"] == "MODEL"
    assert set(line["size_score"]) == {"raspberry_pi", "jetson_nano", "desktop_pc", "aws_server"}


def test_parse_url_file_allows_blanks_and_skips_lines_without_a_model() -> None:
    assert parse_url_file("a, b, c\n,,m\n\nonly-code,,\nm2\n") == [
        UrlLine("a", "b", "c"), UrlLine(None, None, "m"), UrlLine(None, None, "m2")]


def check_line(line: str, name: str) -> dict[str, object]:
    data = json.loads(line)
    assert list(data)[:len(PHASE1_KEYS)] == PHASE1_KEYS
    assert data["name"] == name and data["category"] == "MODEL"
    assert all(isinstance(v, int) for k, v in data.items() if k.endswith("_latency"))
    return data


def test_prints_one_line_per_model_in_order_and_reports_failures(  # type: ignore[no-untyped-def]
        fake_hub, tmp_path: Path) -> None:
    url_file = tmp_path / "urls.txt"
    url_file.write_text(URL_FILE)
    out, err = io.StringIO(), io.StringIO()
    hub = HubSource(fake_hub.hf_endpoint, None, timeout=5, retries=0, backoff=0)
    github = GitHubSource(fake_hub.github_api_url, None, timeout=5, retries=0, backoff=0)
    status = main([str(url_file)], hub=hub, github=github, out=out, err=err)
    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    minilm = check_line(lines[0], "all-MiniLM-L6-v2")
    assert minilm["license"] == 1.0 and minilm["code_quality"] > 0
    check_line(lines[1], "multi-format")
    assert status == 1 and MISSING_ID in err.getvalue()


def test_usage_and_unreadable_files_exit_1(tmp_path: Path) -> None:
    err = io.StringIO()
    hub, github = object(), object()
    assert main([], hub=hub, github=github, err=err) == 1 and "usage" in err.getvalue()  # type: ignore[arg-type]
    assert main([str(tmp_path / "missing.txt")], hub=hub, github=github,  # type: ignore[arg-type]
                err=err) == 1 and "cannot read" in err.getvalue()


def test_module_entry_point_reads_the_settings(fake_hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f",,https://huggingface.co/{MULTI_FORMAT_ID}\n")
    env = os.environ | {"HF_ENDPOINT": fake_hub.hf_endpoint, "GITHUB_API_URL": fake_hub.github_api_url}
    done = subprocess.run([sys.executable, "-m", "cli.phase1", str(url_file)], capture_output=True, text=True,
                          env=env, cwd=Path(__file__).resolve().parents[2], timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    check_line(done.stdout.strip(), "multi-format")


def test_sources_come_from_the_settings_and_non_model_urls_are_refused(  # type: ignore[no-untyped-def]
        fake_hub, tmp_path: Path, capsys) -> None:
    url_file = tmp_path / "urls.txt"
    url_file.write_text(f",,https://huggingface.co/datasets/{DATASET_ID}\n,,https://huggingface.co/{MULTI_FORMAT_ID}\n")
    assert cli_main([str(url_file)]) == 1  # HF_ENDPOINT / GITHUB_API_URL point at the fake hub
    captured = capsys.readouterr()
    check_line(captured.out.strip(), "multi-format")
    assert "not a Hugging Face model URL" in captured.err
