"""Count the SQL statements each benchmarked page issues, inside one real request each.

Run with the same environment as the benchmark (SECRETARIAT_INSTANCE_PATH pointing at the
demo database, SECRETARIAT_SECRET_KEY set):  .venv/bin/python bench/query_count.py

The staff pages are requested signed in as the demo admin, the public member pages
anonymously (as wrk requests them). Prints a markdown table (page, rows listed, statements,
statements besides the pager's COUNT(*), statements when the page comes from the kept pages),
the N+1 check, then every page's statements.

The public member pages are kept rendered per process (secretariat/cache.py): the counts in
"SQL statements" are those of a full render (the kept pages are emptied first), the last column
those of a page served from them (the stamp's SELECT only).

The N+1 check: a listing's statements, leaving out the pager's COUNT(*), must not depend on how
many rows it lists (1, 10 or 50). The COUNT(*) itself is left out because the pager skips it,
on purpose, when the first page is not full (secretariat/listing.py): a 1-row search issues
one statement fewer than a 50-row page, which is not a query per row. A listing issuing a
query per row would show 49 more statements on the 50-row page than on the 1-row one.
"""

import re
import sys

from sqlalchemy import event

from secretariat import cache, create_app
from secretariat.demo import DEMO_PASSWORD
from secretariat.extensions import db

ADMIN = "secretary@b40.example"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
USER_ROW = re.compile(r"<tr>\s*<td><a href=\"/staff/users/\d+\"")
CITY_ROW = re.compile(r"<tr>\s*<td><a href=\"/members/[^\"/?]+\"")
# The pager's total: Flask-SQLAlchemy counts the page's select wrapped in a subquery.
PAGER_COUNT = re.compile(r"^\s*SELECT count\(\*\) AS \w+\s+FROM \(SELECT ", re.I)
# url, what, signed in, listing group for the N+1 check (None: not a listing)
PAGES = [
    ("/staff/users", "page 1", True, "staff users"),
    ("/staff/users?page=100", "page 100", True, "staff users"),
    ("/staff/users?q=delegate0042", "search, several hits", True, "staff users"),
    ("/staff/users?q=delegate00042", "search, one hit", True, "staff users"),
    ("/", "home", True, None),
    ("/members", "page 1, English order", False, "member directory"),
    ("/members?lang=tr", "page 1, Turkish order", False, "member directory"),
    ("/members?page=2", "page 2", False, "member directory"),
    ("/members?q=synthetic%20city%200004", "search, several hits", False, "member directory"),
    ("/members?q=synthetic%20city%2000042", "search, one hit", False, "member directory"),
    ("/members/istanbul", "city page: a mayor, 2 working groups", False, None),
    ("/members/synthetic-city-00042", "city page: no mayor, no group", False, None),
    ("/working-groups", "the groups", False, None),
    ("/working-groups/local-climate-action", "group page 1", False, "group page"),
    (
        "/working-groups/local-climate-action?page=51",
        "group page 51, the last",
        False,
        "group page",
    ),
    ("/working-groups/synthetic-group-0005", "a synthetic group's page", False, "group page"),
    ("/calendar.ics", "every group's sessions, iCalendar", False, None),
    ("/reports", "the published reports", False, None),
    ("/reports/2025", "a published report, English", False, None),
    ("/reports/2025?lang=tr", "a published report, Turkish", False, None),
]

# Pages only a large enough --scale creates (flask demo makes scale // 100 synthetic groups):
# left out of the table, not a failure, below that scale.
SCALED = {"/working-groups/synthetic-group-0005"}


def admin_client(app):
    """A test client signed in as the demo admin, or None if the sign-in failed."""
    admin = app.test_client()
    html = admin.get("/sign-in").get_data(as_text=True)
    token = TOKEN.search(html).group(1)
    answer = admin.post(
        "/sign-in", data={"email": ADMIN, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 302:
        print(f"sign-in failed: HTTP {answer.status_code}", file=sys.stderr)
        return None
    return admin


def main() -> int:
    app = create_app({"RATELIMIT_ENABLED": False})
    statements: list[str] = []
    with app.app_context():
        event.listen(
            db.engine,
            "before_cursor_execute",
            lambda conn, cursor, sql, params, context, many: statements.append(sql),
        )
    admin = admin_client(app)
    if admin is None:
        return 1

    print(
        "| URL | what | signed in | rows listed | SQL statements | besides the pager's COUNT(*) "
        "| kept page |"
    )
    print("|---|---|---|---:|---:|---:|---:|")
    details = []
    groups: dict[str, list[tuple[str, int, int]]] = {}
    for url, what, signed_in, group in PAGES:
        # A fresh anonymous client per public page: no session cookie from an earlier ?lang=.
        client = admin if signed_in else app.test_client()
        client.get(url)  # warm: first-request work (pool connect, pragmas) is not counted
        with app.app_context():
            cache.forget_pages()  # count a full render
        statements.clear()
        response = client.get(url)
        if response.status_code == 404 and url in SCALED:
            print(
                f"| `{url}` | {what}: not in this database (a small --scale) | - | - | - | - | - |"
            )
            continue
        if response.status_code != 200:
            print(f"{url}: HTTP {response.status_code}", file=sys.stderr)
            return 1
        rendered = list(statements)
        statements.clear()
        again = client.get(url)
        kept: int | str = len(statements)
        if kept == len(rendered):
            kept = "-"  # rendered every time: signed in, or not a kept page
        elif again.get_data() != response.get_data():
            print(f"{url}: the kept page differs from the rendered one", file=sys.stderr)
            return 1
        statements[:] = rendered
        body = response.get_data(as_text=True)
        rows = len((USER_ROW if url.startswith("/staff/") else CITY_ROW).findall(body))
        besides = sum(1 for sql in statements if not PAGER_COUNT.match(sql))
        shown = rows if group else "-"
        print(
            f"| `{url}` | {what} | {'yes' if signed_in else 'no'} | {shown} "
            f"| {len(statements)} | {besides if group else '-'} | {kept} |"
        )
        if group:
            groups.setdefault(group, []).append((url, rows, besides))
        details.append((url, list(statements)))

    print()
    for group, pages in groups.items():
        counts = {besides for _, _, besides in pages}
        rows = sorted({rows for _, rows, _ in pages})
        if len(counts) == 1:
            print(
                f"N+1 check, {group}: **MET**, {counts.pop()} statements besides the pager's "
                f"COUNT(*) whether the page lists {', '.join(map(str, rows))} rows."
            )
        else:
            seen = ", ".join(f"`{url}` {rows} rows: {n}" for url, rows, n in pages)
            print(f"N+1 check, {group}: **NOT MET**, the statements vary with the rows ({seen}).")
    print()
    for url, sqls in details:
        print(f"{url}:")
        for sql in sqls:
            print("    " + " ".join(sql.split())[:160])
    return 0


if __name__ == "__main__":
    sys.exit(main())
