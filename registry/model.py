"""Domain records shared by services and stores. Plain pydantic models: no framework types."""
from __future__ import annotations

import enum
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class ArtifactType(str, enum.Enum):
    MODEL = "model"
    DATASET = "dataset"
    CODE = "code"


class ArtifactStatus(str, enum.Enum):
    PENDING = "pending"  # blobs and metadata being written; never shown to readers
    READY = "ready"


class Permission(str, enum.Enum):
    UPLOAD = "upload"
    SEARCH = "search"
    DOWNLOAD = "download"
    ADMIN = "admin"


class AuditAction(str, enum.Enum):
    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DOWNLOAD = "DOWNLOAD"
    RATE = "RATE"
    AUDIT = "AUDIT"
    # Beyond the REST spec's five (SPEC_AUDIT_ACTIONS): GraphQL shows them, the REST audit list leaves them out.
    DELETE = "DELETE"
    DOWNLOAD_REFUSED = "DOWNLOAD_REFUSED"  # the monitor or the content scan refused a download
    INGEST_REFUSED = "INGEST_REFUSED"  # the rating gate or the content scan refused an ingest, update or upload
    SENSITIVE_CHANGED = "SENSITIVE_CHANGED"
    MONITOR_CHANGED = "MONITOR_CHANGED"


# The actions the REST spec's ArtifactAuditEntry can carry.
SPEC_AUDIT_ACTIONS = frozenset({AuditAction.CREATE, AuditAction.UPDATE, AuditAction.DOWNLOAD, AuditAction.RATE,
                                AuditAction.AUDIT})


class FileEntry(BaseModel):
    path: str
    size: int = Field(ge=0)
    sha256: str | None = None
    blob_id: str | None = None  # git object id where the hub/GitHub gives one


class FindingSeverity(str, enum.Enum):
    """How bad one import found in a pickle is, in picklescan's own classification (its SafetyLevel)."""

    SUSPICIOUS = "suspicious"  # outside picklescan's known-safe list, not known to run code: stored and shown
    DANGEROUS = "dangerous"  # known to run code or reach the OS (os.system, builtins.eval, subprocess.*): refused
    UNSCANNABLE = "unscannable"  # a pickle-capable file the scanner could not read: nothing shows it safe, refused


class ContentVerdict(str, enum.Enum):
    CLEAN = "clean"  # no finding
    SUSPICIOUS = "suspicious"  # only suspicious findings: accepted, shown to every reader
    UNSAFE = "unsafe"  # a dangerous or unscannable finding: refused


REFUSED_SEVERITIES = frozenset({FindingSeverity.DANGEROUS, FindingSeverity.UNSCANNABLE})


class ContentFinding(BaseModel):
    """One thing the scan found: `global_name` is the "module.name" a pickle in `file` imports on load (None for an
    unscannable file); `detail` says more (why a file could not be scanned, or that its stream is malformed)."""

    file: str
    global_name: str | None = None
    severity: FindingSeverity
    detail: str | None = None


class ContentScan(BaseModel):
    """The malicious-content scan of an artifact's files (`Artifact.content_scan`).

    `scanned_files` are the package paths read as pickles (by extension or by the pickle PROTO opcode; torch zips
    and .npz are scanned inside). Pickles are disassembled by picklescan, never loaded. An upload or hub mirror
    whose verdict is `unsafe` is refused with UNSAFE_CONTENT; a `suspicious` one is stored with its findings.
    """

    scanner: str
    scanned_files: list[str] = Field(default_factory=list)
    findings: list[ContentFinding] = Field(default_factory=list)
    scanned_at: datetime = Field(default_factory=utcnow)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def verdict(self) -> ContentVerdict:
        severities = {finding.severity for finding in self.findings}
        if severities & REFUSED_SEVERITIES:
            return ContentVerdict.UNSAFE
        return ContentVerdict.SUSPICIOUS if severities else ContentVerdict.CLEAN

    @property
    def refused(self) -> list[ContentFinding]:
        """The findings that make the content unsafe."""
        return [finding for finding in self.findings if finding.severity in REFUSED_SEVERITIES]


class HubSource(BaseModel):
    """What ingest recorded of a Hugging Face model or dataset (registry/sourcing.py): its card's front matter and
    configs, which lineage reads again (registry/lineage.py stored_repo), and the hub's own listing fields."""

    kind: Literal["huggingface"] = "huggingface"
    repo_id: str
    card_data: dict[str, Any] = Field(default_factory=dict)
    config: dict[str, Any] | None = None
    adapter_config: dict[str, Any] | None = None
    tags: list[str] = Field(default_factory=list)
    downloads: int = 0
    likes: int = 0
    library_name: str | None = None
    pipeline_tag: str | None = None
    registered_by: str | None = None  # who registered it other than ingest (the performance workload: not rated)


class GitHubSource(BaseModel):
    """What ingest recorded of a GitHub repository (code, or a dataset kept on GitHub)."""

    kind: Literal["github"] = "github"
    repo_id: str  # owner/name
    license: str | None = None  # the SPDX id GitHub detected
    default_branch: str = "main"
    stars: int = 0
    description: str | None = None


class UploadSource(BaseModel):
    """What finalize recorded of an uploaded package (registry/package.py): its card's front matter and configs,
    read as a hub repository's are, and why any of them could not be read."""

    kind: Literal["upload"] = "upload"
    root: str = ""  # the top folder stripped from the zip's paths ("name/") or ""
    card_data: dict[str, Any] = Field(default_factory=dict)
    card_error: str | None = None
    config: dict[str, Any] | None = None
    config_error: str | None = None
    adapter_config: dict[str, Any] | None = None


class WorkloadSource(BaseModel):
    """A model the performance workload seeds (registry/workload.py): no upstream, no package, no rating."""

    kind: Literal["workload"] = "workload"


# Where an artifact came from, told apart by `kind`; None for a record built without a source (tests, tools).
Source = Annotated[HubSource | GitHubSource | UploadSource | WorkloadSource, Field(discriminator="kind")]


_UNTYPED_SCAN_KEY = "content_scan"  # the scan's key in an untyped record's metadata


class Artifact(BaseModel):
    """One version of an artifact: a registry's unit is name + version (each version its own record and id)."""

    id: str
    type: ArtifactType
    name: str
    source_url: str | None = None  # None for uploaded packages
    version: str = "1.0.0"  # semver, normalised (registry/version.py); unique per type and name
    # The commit (hub or GitHub) the source was read at: downloads and re-ratings read exactly it again. None for
    # uploaded packages (their sha256 pins them).
    revision: str | None = None
    readme: str = ""
    files: list[FileEntry] = Field(default_factory=list)
    package_sha256: str | None = None  # the stored zip bundle, content-addressed
    parts: dict[str, str] = Field(default_factory=dict)  # download part name -> sha256 of that part's zip
    source: Source | None = None
    content_scan: ContentScan | None = None  # None until its files are stored and scanned
    # Canonical source URLs of the artifacts this one declares it derives from or depends on (base models,
    # training datasets, code). Indexed by the stores so descendants are found without a scan.
    parent_urls: list[str] = Field(default_factory=list)
    status: ArtifactStatus = ArtifactStatus.PENDING
    sensitive: bool = False  # downloads run the artifact's monitor program first, and are kept in its history
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    created_by: str = ""

    @property
    def size_bytes(self) -> int:
        return sum(f.size for f in self.files)

    @model_validator(mode="before")
    @classmethod
    def _untyped_metadata(cls, data: Any) -> Any:
        """Records stored before sources were typed (store bodies are this model's JSON) kept the source and the
        scan in one dict, `metadata`: {"source": <kind>, <that source's fields>, "content_scan": <scan>}. Keys no
        record has a field for (the scan's predecessor, "pickle_findings") were never read and are dropped."""
        if not isinstance(data, dict) or "metadata" not in data:
            return data
        data = dict(data)
        metadata = dict(data.pop("metadata") or {})
        scan = metadata.pop(_UNTYPED_SCAN_KEY, None)
        if scan is not None:
            data.setdefault("content_scan", scan)
        kind = metadata.pop("source", None)
        if kind is not None:
            data.setdefault("source", {**metadata, "kind": kind})
        return data


class ArtifactView(Artifact):
    """A record to answer with, never to change (ArtifactStore.get_artifact_view): the embedded store hands one
    parsed instance to every request that reads it. Its fields refuse assignment; its lists, dicts and nested
    models must not be changed in place either. A use case that changes a record reads it with `get_artifact`."""

    model_config = ConfigDict(frozen=True)


class User(BaseModel):
    model_config = ConfigDict(frozen=True)  # stores may hand one instance to many requests (store/sqlite.py)

    username: str
    password_hash: str
    permissions: frozenset[Permission] = frozenset()
    created_at: datetime = Field(default_factory=utcnow)
    # Set when the password changes; tokens issued before it are refused (stores keep users as JSON bodies).
    credentials_changed_at: datetime | None = None

    @property
    def is_admin(self) -> bool:
        return Permission.ADMIN in self.permissions


class Token(BaseModel):
    token_hash: str  # sha256 of the bearer secret; the secret itself is never stored
    username: str
    issued_at: datetime = Field(default_factory=utcnow)
    uses: int = 0


class AuditEntry(BaseModel):
    artifact_id: str
    artifact_type: ArtifactType
    artifact_name: str
    username: str
    is_admin: bool = False
    action: AuditAction
    at: datetime = Field(default_factory=utcnow)
    detail: str | None = None  # why: a refusal's reason, the new sensitivity, the monitor's sha256


class Upload(BaseModel):
    """A pending package upload: the client sends bytes to `staging_key`, then finalizes."""

    id: str
    name: str
    username: str
    max_bytes: int
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    # The id the finalized model gets, chosen when the upload is requested: a retried finalize (an answer lost,
    # a crash) finds the registration it made instead of making a second one.
    artifact_id: str | None = None
    version: str | None = None  # the caller's version (normalised); None: the card's, else the next patch


class MirrorState(str, enum.Enum):
    RUNNING = "running"
    FAILED = "failed"


class MirrorJob(BaseModel):
    """A mirror of an ingested artifact's files running in the background (registry/mirror.py), kept in the store
    so that every process answers alike: `owner` (one random token per attempt) holds it until `lease_until`,
    renewing it as it makes progress. A failed job keeps its error until `lease_until`, then may be retried."""

    artifact_id: str
    owner: str
    state: MirrorState = MirrorState.RUNNING
    lease_until: datetime
    started_at: datetime = Field(default_factory=utcnow)
    error_code: str | None = None  # the failure's ErrorCode value
    error: str | None = None


class Monitor(BaseModel):
    """The JavaScript program a sensitive model runs before each download (zero or one per artifact)."""

    artifact_id: str
    program: str
    sha256: str
    updated_by: str
    updated_at: datetime = Field(default_factory=utcnow)


class DownloadRecord(BaseModel):
    """One download of an artifact: who, when, which part, and whether it was allowed (the monitor's verdict for a
    sensitive model: its exit code and output are kept, capped)."""

    artifact_id: str
    artifact_name: str
    username: str
    part: str
    allowed: bool
    uploader: str = ""  # the artifact's created_by: who may read the history once the artifact is deleted
    outcome: str  # "allowed", "allowed by the monitor", "refused by the monitor (exit 3)", ...
    exit_code: int | None = None
    stdout: str | None = None
    at: datetime = Field(default_factory=utcnow)


class OperationKind(str, enum.Enum):
    IDEMPOTENCY = "idempotency"  # a mutation's idempotency key and, once it committed, its result
    TRANSACTION = "transaction"  # a group transaction (registry/transactions.py)


class Operation(BaseModel):
    """A versioned record of a multi-step operation: an idempotency key or a group transaction.

    Every change is a compare-and-set on `version` (OperationStore.put_operation), and the final one is written in
    the same atomic commit as the artifacts it concerns (Guard.record), so "done" is never recorded without them.
    `owner`/`lease_until` name the attempt working on it; past the lease another attempt may take over.
    """

    key: str
    kind: OperationKind
    username: str
    version: int = 1
    state: str
    owner: str | None = None
    lease_until: float | None = None  # epoch seconds
    fingerprint: str = ""
    body: dict[str, Any] = Field(default_factory=dict)
    result: dict[str, Any] | None = None
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime

    def next(self, **changes: Any) -> "Operation":
        """The record's next version with `changes` applied (what a compare-and-set writes)."""
        return self.model_copy(update={**changes, "version": self.version + 1})
