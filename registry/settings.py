"""The one settings object. Environment variables are read here and nowhere else."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_ADMIN_USERNAME = "ece30861defaultadminuser"
# The course's published default admin password: the only default secret the registry has. Stored only hashed.
DEFAULT_ADMIN_PASSWORD = "correcthorsebatterystaple123(!__+@**(A'\"`;DROP TABLE artifacts;"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_", extra="ignore", populate_by_name=True)

    environment: Literal["development", "test", "production"] = "development"
    backend: Literal["local", "aws"] = "local"
    data_dir: Path = Path("./data")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, validation_alias=AliasChoices("PORT", "REGISTRY_PORT"))
    public_url: str = Field(default="", description="Base URL clients reach this server at (for upload/download links)")
    ui_origin: str = Field(default="", description="Origin of the web UI when it is served elsewhere (S3): the one "
                           "origin CORS admits; empty for the same-origin UI of ./run serve")

    hf_endpoint: str = Field(default="https://huggingface.co", validation_alias=AliasChoices("HF_ENDPOINT"))
    hf_token: str | None = Field(default=None, validation_alias=AliasChoices("HF_TOKEN"))
    github_api_url: str = Field(default="https://api.github.com", validation_alias=AliasChoices("GITHUB_API_URL"))
    github_token: str | None = Field(default=None, validation_alias=AliasChoices("GITHUB_TOKEN"))
    upstream_timeout_seconds: float = 15.0
    upstream_retries: int = 3

    aws_region: str = Field(default="us-east-2", validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))
    s3_endpoint_url: str | None = Field(default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL_S3"))
    dynamodb_endpoint_url: str | None = Field(default=None, validation_alias=AliasChoices("AWS_ENDPOINT_URL_DYNAMODB"))
    s3_bucket: str = "trustworthy-model-registry-artifacts"
    dynamodb_table_prefix: str = "tmr"

    admin_username: str = DEFAULT_ADMIN_USERNAME
    admin_password: str = DEFAULT_ADMIN_PASSWORD
    # The course's autograder logs in with the published password, so a deployment may keep it, but only when it
    # says so: production refuses to start with it otherwise.
    allow_default_admin_password: bool = False
    token_max_uses: int = 1000
    token_ttl_seconds: int = 10 * 3600
    # Token uses a process reserves from the store at once (registry/tokens.py); None: 64 on the embedded store,
    # 1 on AWS (Lambda freezes a process between invocations, so it could not give unspent uses back).
    token_reservation_block: int | None = None

    max_page_size: int = 100
    max_name_length: int = 512
    max_regex_length: int = 512
    max_upload_bytes: int = 5 * 1024**3
    presign_ttl_seconds: int = 900
    # HMAC key of the embedded store's signed download links (registry/signing.py). Required in production with
    # the embedded store; elsewhere a random key is kept in a 0600 file in the data directory.
    download_signing_key: SecretStr | None = None
    # Mirrors of ingested artifacts' files, made on their first download (registry/mirror.py): up to this many
    # bytes a mirror runs within the request; a bigger one runs in the background while the link answers 202 with
    # Retry-After. None: 128 MiB on the embedded store, 32 MiB on AWS (API Gateway gives a request 30 s).
    mirror_inline_max_bytes: int | None = None
    mirror_workers: int = Field(default=2, ge=1)  # background mirrors running at once in a process
    mirror_lease_seconds: float = 60.0  # a background mirror that shows no progress for this long is taken over
    mirror_retry_after_seconds: int = 5  # the Retry-After of a pending mirror, and how long a failure is shown
    zip_max_entries: int = 10_000
    zip_max_total_bytes: int = 20 * 1024**3
    zip_max_ratio: float = 200.0

    # JS monitors of sensitive models (registry/monitor.py): bounds of one run, and the hosts they may reach
    # ("host" or "host:port", e.g. REGISTRY_MONITOR_ALLOWED_HOSTS='["audit.acme.example:443"]').
    monitor_timeout_seconds: float = 10.0
    monitor_memory_mb: int = 128
    monitor_max_output_bytes: int = 64 * 1024
    # Well under max_request_body_bytes, so a program at the cap still fits in a request (JSON-escaped) and an
    # oversized one is refused with TOO_LARGE naming this cap rather than by the body cap.
    monitor_max_program_bytes: int = 64 * 1024
    monitor_allowed_hosts: list[str] = Field(default_factory=list)
    # Monitors running at once (each is a Node process of up to monitor_memory_mb of heap): more downloads of
    # sensitive models wait for a slot, so a burst of them cannot exhaust the machine's memory.
    monitor_max_concurrent: int = Field(default=4, ge=1)

    # The performance workload (registry/workload.py): caps on what one run may ask for.
    workload_max_clients: int = 200
    workload_max_models: int = 1000
    workload_max_seconds: float = 600.0

    # Writes that survive faults (docs/high-assurance.md). A writer's claims, upload finalizes, idempotency keys
    # and executing transactions are leased for `write_lease_seconds` (renewed while the writer works); past the
    # lease, a dead writer's work is taken over or swept. The sweeper runs at start and then every interval
    # (0: never, for the Lambda handler, which runs it on a schedule instead).
    write_lease_seconds: float = 60.0
    reset_drain_seconds: float = 10.0  # how long a reset waits for in-flight writes before fencing them off
    sweep_interval_seconds: float = 300.0
    checkpoint_interval_seconds: float = 30.0  # SQLite's log folded and truncated between sweeps
    sweep_batch: int = 1000  # at most this many items of each kind per sweep (a Lambda run has 29 s)
    idempotency_ttl_seconds: int = 24 * 3600
    max_transaction_operations: int = 20  # one DynamoDB TransactWriteItems holds at most 100 items
    transaction_ttl_seconds: int = 24 * 3600
    # Store faults answer 503 within seconds: botocore's timeouts and attempts, and how long a store that stopped
    # answering is not asked again (every request answers at once meanwhile).
    store_connect_timeout_seconds: float = 2.0
    store_read_timeout_seconds: float = 4.0
    store_max_attempts: int = 2
    store_cooldown_seconds: float = 5.0
    # The bulkhead for upstream (hub, GitHub) work: its own threads, a bounded queue, and how long a queued ingest
    # waits for a thread before it is refused with UPSTREAM_BUSY.
    upstream_workers: int = 8
    upstream_queue: int = 16
    upstream_queue_seconds: float = 5.0
    # glibc malloc arenas of the server process (app/memory.py): few keep resident memory steady under load (0: the
    # C library's default).
    malloc_arenas: int = 2
    # Scratch space of finalize and mirroring (package-*/mirror-* folders the sweeper cleans); default: under the
    # data directory for the embedded store, the system temp directory for AWS.
    work_dir: Path | None = None
    # Test hook (fault tests): the process exits at once when it reaches this named point (registry/crashpoints.py).
    crash_point: str | None = None

    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    max_request_body_bytes: int = 256 * 1024  # every door but the streaming package upload

    @field_validator("ui_origin")
    @classmethod
    def _origin_only(cls, value: str) -> str:
        parts = urlsplit(value)
        if value and (parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query
                      or parts.fragment or "@" in parts.netloc):
            raise ValueError("REGISTRY_UI_ORIGIN is an origin: scheme://host[:port], without a path")
        return value

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> "Settings":
        if self.environment != "production":
            return self
        if self.crash_point:
            raise ValueError("REGISTRY_CRASH_POINT is a test hook; production refuses it")
        if self.backend == "local" and not self.public_url:
            raise ValueError("REGISTRY_PUBLIC_URL must be set in production")
        if self.backend == "local" and self.download_signing_key is None:
            raise ValueError("REGISTRY_DOWNLOAD_SIGNING_KEY must be set in production with the embedded store")
        if self.admin_password == DEFAULT_ADMIN_PASSWORD and not self.allow_default_admin_password:
            raise ValueError("production refuses the published default admin password: set REGISTRY_ADMIN_PASSWORD,"
                             " or REGISTRY_ALLOW_DEFAULT_ADMIN_PASSWORD=true to keep it on purpose")
        return self

    @property
    def token_block(self) -> int:
        """The token reservation block in force (see `token_reservation_block`)."""
        if self.token_reservation_block is not None:
            return self.token_reservation_block
        return 64 if self.backend == "local" else 1

    @property
    def mirror_inline_bytes(self) -> int:
        """The inline mirror cap in force (see `mirror_inline_max_bytes`)."""
        if self.mirror_inline_max_bytes is not None:
            return self.mirror_inline_max_bytes
        return (128 if self.backend == "local" else 32) * 1024**2

    def base_url(self, request_base_url: str) -> str:
        """Where clients reach this server: the configured public URL, else the URL the request came to."""
        return (self.public_url or request_base_url).rstrip("/")

    @property
    def scratch_dir(self) -> Path:
        """Where finalize and mirroring unpack packages (created on demand)."""
        if self.work_dir is not None:
            return self.work_dir
        if self.backend == "local":
            return self.data_dir / "work"
        return Path(tempfile.gettempdir()) / "registry-work"

    @property
    def is_development(self) -> bool:
        return self.environment == "development"
