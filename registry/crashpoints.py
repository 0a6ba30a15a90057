"""Named crash points for the fault tests: the process dies on the spot, as under `kill -9`.

A write passes `reach(settings, "finalize.after_blobs")` at each step whose interruption leaves a distinct state
(claims taken, blobs stored, a PENDING record, a commit made but not answered). With `REGISTRY_CRASH_POINT` naming
that point the process exits at once, without unwinding (no `finally`, no rollback), so the tests can check what a
restart and the sweeper make of it. Production refuses the setting (registry/settings.py); unset, this is one
comparison.
"""
from __future__ import annotations

import os

from registry.settings import Settings

EXIT_CODE = 86  # what the fault tests expect from a process that crashed on purpose

POINTS = (
    "ingest.after_claim",  # the identity claimed, nothing written
    "ingest.after_create",  # a PENDING record and its rating written
    "ingest.after_commit",  # committed, the client not answered
    "finalize.after_blobs",  # the package and its parts stored, no record
    "finalize.after_commit",  # committed, the staging copy still there, the client not answered
    "upload.mid_stream",  # part of an upload body in a temporary file
    "delete.after_commit",  # the record gone, its blobs still stored
    "reset.after_begin",  # the epoch odd, nothing wiped yet
    "reset.after_metadata",  # the metadata wiped, the blobs not
    "transaction.after_prepare",  # every operation of a group staged (PENDING records, blobs), nothing committed
)


def reach(settings: Settings, point: str) -> None:
    """Exit the process now if `point` is the configured crash point."""
    if settings.crash_point == point:
        os._exit(EXIT_CODE)
