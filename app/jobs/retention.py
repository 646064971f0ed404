"""The daily retention run on the RQ cron: a thin wrapper around the retention service."""

from __future__ import annotations

import logging

from app.jobs.context import job_context
from app.services import retention

log = logging.getLogger(__name__)


@job_context
def run_retention() -> int:
    """Apply the retention schedule; returns how many people, texts and audit rows it changed."""
    report = retention.run_retention(dry_run=False)
    for line in report.lines():
        log.info("retention: %s", line)  # counts and ids only
    return (
        sum(len(ids) for ids in report.people.values()) + len(report.texts) + len(report.audit_rows)
    )
