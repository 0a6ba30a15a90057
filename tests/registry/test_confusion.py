"""registry.confusion: a registry of real-looking popular models, planted impostors and bot-inflated downloads.

Organic traffic: many accounts, Poisson arrivals (exponential gaps), drawn from a seeded generator so the data
and the findings are the same on every run."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from registry.confusion import ArtifactRecord, DownloadEvent, audit, name_similarity, skeleton
from registry.model import Artifact, ArtifactType

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)


def record(full_name: str, days: int = 0, uploader: str = "ingest", type_: str = "model") -> ArtifactRecord:
    namespace, _, name = full_name.rpartition("/")
    return ArtifactRecord(id=full_name, type=type_, namespace=namespace or None, name=name,
                          created_at=T0 + timedelta(days=days), uploader=uploader)


def organic(artifact_id: str, accounts: int, downloads: int, rng: random.Random) -> list[DownloadEvent]:
    """People: `downloads` spread over `accounts`, arriving as a Poisson process (mean gap 20 minutes)."""
    at, events = T0 + timedelta(days=30), []
    for _ in range(downloads):
        at += timedelta(seconds=rng.expovariate(1 / 1200))
        events.append(DownloadEvent(artifact_id, f"user{rng.randrange(accounts)}", at))
    return events


def bots(artifact_id: str, accounts: int, downloads: int, every_seconds: float) -> list[DownloadEvent]:
    """A bot farm: round-robin over its accounts, one download every `every_seconds`, like clockwork."""
    return [DownloadEvent(artifact_id, f"bot{i % accounts}", T0 + timedelta(days=40, seconds=i * every_seconds))
            for i in range(downloads)]


POPULAR = {  # full name: (search appearances, accounts, downloads)
    "google-bert/bert-base-uncased": (9000, 400, 3000),
    "google-bert/bert-large-uncased": (2500, 150, 900),
    "google-bert/bert-base-cased": (2000, 120, 700),
    "sentence-transformers/all-MiniLM-L6-v2": (8000, 380, 2800),
    "sentence-transformers/all-mpnet-base-v2": (5000, 400, 1500),
    "openai-community/gpt2": (7000, 350, 2500),
    "meta-llama/Llama-2-7b-hf": (6000, 300, 2000),
    "FacebookAI/roberta-base": (4000, 250, 1200),
    "distilbert/distilbert-base-uncased": (4500, 260, 1300),
    "microsoft/deberta-v3-base": (3000, 200, 1000),
}
LEGITIMATE = {  # related, less popular, by other owners: none of them is an impostor
    "Xenova/bert-base-uncased": (400, 30, 120),  # an ONNX export that keeps the name
    "onnx-community/all-MiniLM-L6-v2-ONNX": (300, 25, 90),
    "sentence-transformers/all-MiniLM-L6-v2-onnx": (100, 8, 20),  # its own namespace's export
    "TheBloke/Llama-2-7B-GGUF": (900, 80, 400),
    "bert-large-uncased": (200, 12, 40),  # legacy id of a sibling model
    "textattack/bert-base-uncased-finetuned-sst2": (150, 10, 30),
    "acme/bert-base-cased": (10, 2, 3),
    "ProsusAI/finbert": (800, 60, 250),
}
IMPOSTORS = {  # full name: the artifact it imitates
    "googlebert/bert-base-uncased": "google-bert/bert-base-uncased",  # scope: dropped separator
    "goog1e-bert/bert-base-uncased": "google-bert/bert-base-uncased",  # scope: homoglyph
    "sentence-transformer/all-MiniLM-L6-v2": "sentence-transformers/all-MiniLM-L6-v2",  # scope: typo
    "bert-base-uncased-pro": "google-bert/bert-base-uncased",  # combosquatting (an upload)
    "distilbert-base-uncsed": "distilbert/distilbert-base-uncased",  # one-edit typo
    "gpt_2": "openai-community/gpt2",  # separator
    "meta-ll\u0430ma/Llama-2-7b-hf": "meta-llama/Llama-2-7b-hf",  # Cyrillic a in the namespace
    "base-roberta": "FacebookAI/roberta-base",  # reordered words
    "rnicrosoft/deberta-v3-base": "microsoft/deberta-v3-base",  # rn for m, and a bot-inflated download count
    "sentence_transformers/all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2",  # and a big bot farm
}


def registry() -> tuple[list[ArtifactRecord], dict[str, int], list[DownloadEvent]]:
    rng = random.Random(30861)
    artifacts, searches, events = [], {}, []
    for days, catalogue in ((0, POPULAR), (100, LEGITIMATE)):
        for name, (appearances, accounts, downloads) in catalogue.items():
            artifacts.append(record(name, days, uploader="ingest"))
            searches[name] = appearances
            events += organic(name, accounts, downloads, rng)
    for i, name in enumerate(IMPOSTORS):
        artifacts.append(record(name, 200 + i, uploader=f"mallory{i}" if "/" not in name else "ingest"))
        searches[name] = rng.randrange(0, 30)
        events += organic(name, 3, rng.randrange(0, 8), rng)
    events += bots("rnicrosoft/deberta-v3-base", accounts=3, downloads=5000, every_seconds=30)
    events += bots("sentence_transformers/all-mpnet-base-v2", accounts=300, downloads=900, every_seconds=10)
    return artifacts, searches, events


def test_planted_impostors_are_found_with_what_they_imitate():
    findings = audit(*registry())
    found = {f.artifact_id: f for f in findings}
    true_positives = set(found) & set(IMPOSTORS)
    precision = len(true_positives) / len(found)
    recall = len(true_positives) / len(IMPOSTORS)
    print(f"package confusion audit: precision {precision:.2f}, recall {recall:.2f}, {len(found)} findings")
    assert precision == 1.0, sorted(set(found) - set(IMPOSTORS))
    assert recall == 1.0, sorted(set(IMPOSTORS) - set(found))
    assert {name: found[name].imitates_id for name in IMPOSTORS} == IMPOSTORS
    assert all(0.5 <= f.score <= 1.0 for f in findings)


def test_bot_inflated_downloads_raise_the_score_and_are_named():
    artifacts, searches, events = registry()
    findings = {f.artifact_id: f for f in audit(artifacts, searches, events)}
    inflated = findings["rnicrosoft/deberta-v3-base"]
    kinds = {s.kind: s for s in inflated.signals}
    assert kinds["scope"].value == 1.0  # rn read as m
    assert kinds["few_accounts"].value > 0.99 and kinds["bot_regularity"].value == 1.0
    farm = {s.kind: s for s in findings["sentence_transformers/all-mpnet-base-v2"].signals}
    assert farm["bot_regularity"].value == 1.0 and "few_accounts" not in farm  # 300 accounts, but clockwork
    without_bots = [e for e in events if not e.username.startswith("bot")]
    calm = {f.artifact_id: f for f in audit(artifacts, searches, without_bots)}
    for name in ("rnicrosoft/deberta-v3-base", "sentence_transformers/all-mpnet-base-v2"):
        assert findings[name].score > calm[name].score
        assert not {"few_accounts", "burst", "bot_regularity"} & {s.kind for s in calm[name].signals}


def test_a_burst_from_many_accounts_is_anomalous_too():
    target, impostor = record("google-bert/bert-base-uncased"), record("googlebert/bert-base-uncased", 5)
    burst = [DownloadEvent(impostor.id, f"account{i}", T0 + timedelta(days=9, seconds=i * 7 + (i % 5) * 3))
             for i in range(200)]
    (finding,) = audit([target, impostor], {target.id: 5000}, burst)
    assert {s.kind: s.value for s in finding.signals}["burst"] == 1.0


def test_raw_download_counts_do_not_make_an_impostor_popular():
    """5000 downloads from 4 accounts outnumber the real model's 1000, yet organic popularity stays low."""
    artifacts, searches, events = registry()
    names = ("rnicrosoft/deberta-v3-base", "microsoft/deberta-v3-base")
    counts = {name: sum(e.artifact_id == name for e in events) for name in names}
    assert counts["rnicrosoft/deberta-v3-base"] > counts["microsoft/deberta-v3-base"]
    finding = next(f for f in audit(artifacts, searches, events) if f.artifact_id == "rnicrosoft/deberta-v3-base")
    assert {s.kind: s.value for s in finding.signals}["popularity_gap"] > 0.5


def test_each_finding_explains_itself():
    finding = next(f for f in audit(*registry()) if f.artifact_id == "goog1e-bert/bert-base-uncased")
    assert finding.imitates_name == "google-bert/bert-base-uncased"
    assert [s.kind for s in finding.signals][:3] == ["scope", "popularity_gap", "newer"]
    assert "imitates 'google-bert'" in finding.signals[0].detail


@pytest.mark.parametrize("candidate, target, kind", [
    ("googlebert/bert-base-uncased", "google-bert/bert-base-uncased", "scope"),
    ("Google-Bert/bert-base-uncased", "google-bert/bert-base-uncased", "scope"),
    ("bert-base-uncased", "google-bert/bert-base-uncased", "same_name_other_namespace"),
    ("org/BERT-Base-Uncased", "google-bert/bert-base-uncased", "same_name_other_namespace"),
    ("bert-base-uncasde", "google-bert/bert-base-uncased", "typo"),
    ("bert-base-uncased2", "google-bert/bert-base-uncased", "typo"),
    ("bert_base_uncased", "google-bert/bert-base-uncased", "separator"),
    ("bertbase-uncased", "google-bert/bert-base-uncased", "separator"),
    ("uncased-bert-base", "google-bert/bert-base-uncased", "reordered"),
    ("official-bert-base-uncased", "google-bert/bert-base-uncased", "affix"),
    ("b\u0435rt-base-uncased", "google-bert/bert-base-uncased", "homoglyph"),
    ("bert-base-unc\u0430sed", "google-bert/bert-base-uncased", "homoglyph"),
    ("bert-base-uncased", "someone/bert-base-uncased", "same_name_other_namespace"),
    ("ge\u00efst/gpt2", "geist/gpt2", "scope"),
])
def test_name_techniques(candidate, target, kind):
    signal = name_similarity(record(candidate, uploader="x"), record(target, uploader="y"))
    assert signal is not None and signal.kind == kind, signal


@pytest.mark.parametrize("candidate, target", [
    ("bert-large-uncased", "google-bert/bert-base-uncased"),
    ("bert-base-cased", "google-bert/bert-base-uncased"),
    ("onnx-community/bert-base-uncased-ONNX", "google-bert/bert-base-uncased"),
    ("TheBloke/Llama-2-7B-GGUF", "meta-llama/Llama-2-7b-hf"),
    ("intfloat/e5-large-v2", "intfloat/e5-base-v2"),
    ("someone/t5-small", "google/t5-base"),
    ("roberta-base", "FacebookAI/xlm-roberta-base"),
    ("gpt2", "openai-community/gpt2-xl"),
])
def test_related_names_are_not_confusion(candidate, target):
    signal = name_similarity(record(candidate, uploader="x"), record(target, uploader="y"))
    assert signal is None or signal.value <= 0.3, signal


def test_skeleton_folds_what_readers_cannot_tell_apart():
    assert skeleton("GoogIe_BERT") == skeleton("google-bert") == "google-bert"
    assert skeleton("rnicrosoft") == skeleton("microsoft")
    assert skeleton("m\u0435t\u0430-llama") == "meta-llama"
    assert skeleton("caf\u00e9") == "cafe"


def test_an_owner_never_imitates_itself():
    artifacts = [record("google-bert/bert-base-uncased"), record("google-bert/bert-base-uncasedd", 5)]
    assert audit(artifacts, {"google-bert/bert-base-uncased": 1000}, []) == []
    uploads = [record("tiny-model", uploader="alice"), record("tiny_model", 5, uploader="alice")]
    assert audit(uploads, {"tiny-model": 1000}, []) == []


def test_only_artifacts_of_the_same_type_are_compared():
    artifacts = [record("google-bert/bert-base-uncased"), record("googlebert/bert-base-uncased", 5, type_="dataset")]
    assert audit(artifacts, {"google-bert/bert-base-uncased": 1000}, []) == []


def test_the_more_popular_of_two_look_alikes_is_not_the_suspect():
    artifacts = [record("google-bert/bert-base-uncased"), record("googlebert/bert-base-uncased", 5)]
    (finding,) = audit(artifacts, {"google-bert/bert-base-uncased": 10, "googlebert/bert-base-uncased": 1000}, [])
    assert finding.artifact_id == "google-bert/bert-base-uncased"  # the popular copy wins; the other is flagged


def test_an_empty_or_unpopular_registry_has_no_findings():
    assert audit([], {}, []) == []
    artifacts = [record("google-bert/bert-base-uncased"), record("googlebert/bert-base-uncased", 5)]
    assert audit(artifacts, {}, []) == []  # nothing is more popular than anything


def test_records_from_registry_artifacts():
    hub = Artifact(id="1", type=ArtifactType.MODEL, name="bert-base-uncased", created_by="alice",
                   source_url="https://huggingface.co/google-bert/bert-base-uncased")
    legacy = Artifact(id="2", type=ArtifactType.MODEL, name="gpt2", source_url="https://huggingface.co/gpt2")
    upload = Artifact(id="3", type=ArtifactType.MODEL, name="acme/tiny-model", created_by="bob")
    code = Artifact(id="4", type=ArtifactType.CODE, name="transformers",
                    source_url="https://github.com/huggingface/transformers")
    broken = Artifact(id="5", type=ArtifactType.MODEL, name="x", source_url="not a url")
    assert (ArtifactRecord.from_artifact(hub).full_name, ArtifactRecord.from_artifact(hub).owner) == (
        "google-bert/bert-base-uncased", "ns:google-bert")
    assert ArtifactRecord.from_artifact(legacy).full_name == "gpt2"
    assert (ArtifactRecord.from_artifact(upload).namespace, ArtifactRecord.from_artifact(upload).owner) == (
        "acme", "ns:acme")
    assert ArtifactRecord.from_artifact(code).full_name == "transformers"
    assert ArtifactRecord.from_artifact(broken).owner == "user:"
