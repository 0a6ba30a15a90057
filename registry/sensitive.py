"""Sensitive models and their JavaScript monitors (the course's security track).

Any user with the UPLOAD permission may mark a model sensitive or not, and attach (or replace), read or remove its
monitor: zero or one program per model, at most `Settings.monitor_max_program_bytes` of UTF-8. The monitor runs
before every download of the model while the model is sensitive (registry/download.py); a program attached to a
model that is not sensitive waits until it is. Every change is audited (SENSITIVE_CHANGED, MONITOR_CHANGED).

Only models: packages, and so downloads, are model business (datasets and code are not stored).
"""
from __future__ import annotations

import hashlib

from registry.audit import AuditService
from registry.auth import require
from registry.errors import InvalidInput, NotFound
from registry.model import Artifact, ArtifactType, AuditAction, Monitor, Permission, User, utcnow
from registry.monitor import check_program
from registry.ports import ArtifactStore, MonitorStore
from registry.settings import Settings
from registry.validation import check_artifact_id


class SensitiveModels:
    def __init__(self, settings: Settings, artifacts: ArtifactStore, monitors: MonitorStore,
                 audit: AuditService) -> None:
        self._settings = settings
        self._artifacts = artifacts
        self._monitors = monitors
        self._audit = audit

    def set_sensitive(self, actor: User, artifact_id: str, sensitive: bool) -> Artifact:
        require(actor, Permission.UPLOAD)
        model = self._model(artifact_id)
        if model.sensitive is sensitive:
            return model
        changed = model.model_copy(update={"sensitive": sensitive, "updated_at": utcnow()})
        self._artifacts.replace_artifact(changed)
        self._audit.record(actor, changed, AuditAction.SENSITIVE_CHANGED,
                           "marked sensitive" if sensitive else "marked not sensitive")
        return changed

    def monitor(self, actor: User, artifact_id: str) -> Monitor | None:
        require(actor, Permission.UPLOAD)
        return self._monitors.get_monitor(self._model(artifact_id).id)

    def put_monitor(self, actor: User, artifact_id: str, program: str) -> Monitor:
        """Attach or replace the model's monitor (InvalidInput / TooLarge for a program that is not one)."""
        require(actor, Permission.UPLOAD)
        if not isinstance(program, str):
            raise InvalidInput("the monitor program is JavaScript source text")
        text = check_program(program, self._settings.monitor_max_program_bytes)
        model = self._model(artifact_id)
        monitor = Monitor(artifact_id=model.id, program=text, sha256=hashlib.sha256(text.encode()).hexdigest(),
                          updated_by=actor.username)
        self._monitors.put_monitor(monitor)
        self._audit.record(actor, model, AuditAction.MONITOR_CHANGED, f"monitor attached (sha256 {monitor.sha256})")
        return monitor

    def remove_monitor(self, actor: User, artifact_id: str) -> None:
        """Remove the model's monitor; NotFound when it has none."""
        require(actor, Permission.UPLOAD)
        model = self._model(artifact_id)
        if self._monitors.get_monitor(model.id) is None:
            raise NotFound(f"model {artifact_id!r} has no monitor")
        self._monitors.delete_monitor(model.id)
        self._audit.record(actor, model, AuditAction.MONITOR_CHANGED, "monitor removed")

    def _model(self, artifact_id: str) -> Artifact:
        artifact = self._artifacts.get_artifact(check_artifact_id(artifact_id))
        if artifact is None:
            raise NotFound(f"no artifact {artifact_id!r}")
        if artifact.type is not ArtifactType.MODEL:
            raise InvalidInput(f"artifact {artifact_id!r} is a {artifact.type.value}; only models are sensitive")
        return artifact
