"""Scheduled jobs of applications: documents no application kept are removed after a day."""

import time

from sqlalchemy import select

from secretariat import uploads
from secretariat.applications.models import Application
from secretariat.extensions import db

ORPHAN_AFTER_SECONDS = uploads.PENDING_FOR_SECONDS


def remove_orphan_documents() -> int:
    """PDFs kept for a form that was never sent (every upload also sweeps those, so this is the
    second line), and any in place that no application names (a process killed mid-request)."""
    removed = uploads.sweep_pending()
    cutoff = time.time() - ORPHAN_AFTER_SECONDS
    old = [p for p in uploads.folder().iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
    for start in range(0, len(old), 500):
        batch = {path.name: path for path in old[start : start + 500]}
        kept = set(
            db.session.scalars(
                select(Application.document_file).where(Application.document_file.in_(batch))
            )
        )
        for name, path in batch.items():
            if name not in kept:
                path.unlink(missing_ok=True)
                removed += 1
    return removed


JOBS = [
    {
        "id": "applications.orphan_documents",
        "func": remove_orphan_documents,
        "trigger": "interval",
        "hours": 6,
    },
]
