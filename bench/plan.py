"""Time the scheduler's planning job for every active group, on a copy of the bench database.

    .venv/bin/python bench/plan.py PATH/b40.sqlite

The demo has planned every group's next session already, so the copy first loses every
regular session still ahead; then plan_sessions() runs (and commits) three times: the first
plans every group's next session, the second and third find nothing to do (the idempotent run
a scheduler makes every hour). Prints a markdown line per run with its wall time.
"""

import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from secretariat import create_app
from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.working_groups import sessions as operations
from secretariat.working_groups.models import GroupStatus, WorkingGroup


def main(database: str) -> int:
    folder = Path(tempfile.mkdtemp(prefix="b40-plan-"))
    try:
        copy = folder / "b40.sqlite"
        with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        with sqlite3.connect(copy) as connection:
            connection.execute(
                "DELETE FROM group_sessions WHERE kind = 'regular' AND starts_at > ?",
                (utcnow().strftime("%Y-%m-%d %H:%M:%S"),),
            )
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"})
        with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
            groups = db.session.scalar(
                select(func.count(WorkingGroup.id)).where(WorkingGroup.status == GroupStatus.ACTIVE)
            )
            print(f"Planning job, {groups} active groups (SQLite, one process):")
            print()
            print("| run | sessions planned | wall time |")
            print("|---|---:|---:|")
            for run in ("first (every group)", "second (nothing to do)", "third"):
                started = time.perf_counter()
                planned = operations.plan_sessions()
                db.session.commit()
                took = time.perf_counter() - started
                print(f"| {run} | {planned} | {took * 1000:.0f} ms |")
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
