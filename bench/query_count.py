"""Count the SQL statements each benchmarked page issues, inside one real request each.

Run with the same environment as the benchmark (SECRETARIAT_INSTANCE_PATH pointing at the
demo database, SECRETARIAT_SECRET_KEY set):  .venv/bin/python bench/query_count.py
Prints one markdown table row per page: page, rows listed, statements, the statements.
"""

import re
import sys

from sqlalchemy import event

from secretariat import create_app
from secretariat.demo import DEMO_PASSWORD
from secretariat.extensions import db

ADMIN = "secretary@b40.example"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
ROW = re.compile(r"<tr>\s*<td><a href=\"/staff/users/\d+\"")
PAGES = [
    ("/staff/users", "page 1"),
    ("/staff/users?page=100", "page 100"),
    ("/staff/users?q=delegate0042", "search, several hits"),
    ("/staff/users?q=delegate00042", "search, one hit"),
    ("/", "home"),
]


def main() -> int:
    app = create_app({"RATELIMIT_ENABLED": False})
    statements: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cursor, sql, params, context, many: statements.append(sql),
        )
    client = app.test_client()
    html = client.get("/sign-in").get_data(as_text=True)
    token = TOKEN.search(html).group(1)
    answer = client.post(
        "/sign-in", data={"email": ADMIN, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 302:
        print(f"sign-in failed: HTTP {answer.status_code}", file=sys.stderr)
        return 1
    print("| URL | what | rows listed | SQL statements |")
    print("|---|---|---:|---:|")
    details = []
    for url, what in PAGES:
        client.get(url)  # warm: first-request work (pool connect, pragmas) is not counted
        statements.clear()
        response = client.get(url)
        if response.status_code != 200:
            print(f"{url}: HTTP {response.status_code}", file=sys.stderr)
            return 1
        rows = len(ROW.findall(response.get_data(as_text=True)))
        shown = rows if url.startswith("/staff/users") else "-"
        print(f"| `{url}` | {what} | {shown} | {len(statements)} |")
        details.append((url, list(statements)))
    print()
    for url, sqls in details:
        print(f"{url}:")
        for sql in sqls:
            print("    " + " ".join(sql.split())[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
