"""Compile every term's report facts on a copy of the bench database, and time the report's PDF.

    .venv/bin/python bench/report_facts.py PATH/b40.sqlite

Inside an app context (a test request context on PUBLIC_URL, as the CLI has) on a copy of the
database, for each term 1..5:

- counts the SQL statements compile_facts(term, now) issues (an SQLAlchemy
  `before_cursor_execute` listener), and checks that every run of a term issues the same number;
- times it, RUNS times (best and median). Before each run the session is emptied
  (rollback + expunge_all) and the term read again, uncounted and untimed, so no run is served
  from the identity map of the one before: every run pays what a request (or the publishing
  step) pays.

Then the PDF: document.freeze's cost is mostly render_pdf, so for PDF_TERM (term 4, 2025) in each
language it times render_body (the article, as freeze renders it: address, checksum, revision)
and render_pdf(render_document(body, language, title), base_url=PUBLIC_URL) PDF_RUNS times, and
reports the PDF's bytes. Finally one whole document.freeze of that term (a revision 2, both
languages, rolled back: the copy keeps no new snapshot).

Prints two markdown tables (and a line of verdicts) to stdout: the targets are the same statement
count for every term whatever it holds, and under MAX_SECONDS each.
"""

import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from sqlalchemy import event, select

from secretariat import create_app
from secretariat.database import utcnow
from secretariat.extensions import db
from secretariat.presidency.models import Term
from secretariat.reports import document, queries
from secretariat.reports.compilation import compile_facts
from secretariat.reports.pdf import PdfUnavailable, render_pdf

TERMS = (1, 2, 3, 4, 5)
RUNS = 5
PDF_TERM = 4
PDF_RUNS = 3
MAX_SECONDS = 1.0
SHAPE = 70  # characters of a statement shown where the counts differ


def fresh_term(number: int) -> Term:
    """The term, read into an emptied session: nothing of an earlier run stays in its identity map."""
    db.session.rollback()
    db.session.expunge_all()
    return db.session.scalar(select(Term).where(Term.number == number))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


def compile_table(statements: list[str]) -> tuple[list[str], bool, bool]:
    now = utcnow()
    lines = [
        f"Compiling a term's report facts (`compile_facts(term)`, SQLite, one process, "
        f"{RUNS} runs each, the session emptied before each):",
        "",
        "| term | year | cities joined in the window | withdrawn | sessions held "
        "| SQL statements | best | median |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    counts, slowest, issued = set(), 0.0, {}
    for number in TERMS:
        times, per_run, facts = [], [], None
        for _ in range(RUNS):
            term = fresh_term(number)
            statements.clear()
            started = time.perf_counter()
            facts = compile_facts(term, now)
            times.append(time.perf_counter() - started)
            per_run.append(len(statements))
            issued[number] = [shape(sql) for sql in statements]
        held = sum(year.regular + year.extra for year in facts.groups)
        shown = str(per_run[0]) if len(set(per_run)) == 1 else "/".join(map(str, per_run))
        counts.update(per_run)
        slowest = max(slowest, statistics.median(times))
        lines.append(
            f"| {number} | {facts.year} | {len(facts.joined)} | {len(facts.withdrawn)} | {held} "
            f"| {shown} | {ms(min(times))} | {ms(statistics.median(times))} |"
        )
    most = max(issued.values(), key=len)
    # fixed: no term issues a statement the fullest term does not (nothing per row); a term
    # without indicators or without an election only skips those reads
    fixed = all(not (Counter(shapes) - Counter(most)) for shapes in issued.values())
    fast = slowest < MAX_SECONDS
    lines += [
        "",
        f"A fixed set of statements whatever the term holds: **{'MET' if fixed else 'NOT MET'}** "
        f"(at most {len(most)}; {', '.join(map(str, sorted(counts)))} over the terms, fewer "
        "where a term has no indicator or no election to read). "
        f"Under {MAX_SECONDS:.0f} s each: **{'MET' if fast else 'NOT MET'}** "
        f"(the slowest term's median {ms(slowest)}).",
    ]
    if len(counts) > 1:
        lines += ["", *differences(issued)]
    return lines, fixed, fast


def shape(sql: str) -> str:
    """A statement, short: its first words, enough to tell which read it is."""
    return " ".join(sql.split())[:SHAPE]


def differences(issued: dict[int, list[str]]) -> list[str]:
    """What each term issues beyond, or short of, the term issuing the most statements."""
    most = max(issued, key=lambda number: len(issued[number]))
    lines = [f"Where the counts differ (against term {most}, {len(issued[most])} statements):"]
    for number, shapes in issued.items():
        missing, extra = (
            Counter(issued[most]) - Counter(shapes),
            Counter(shapes) - Counter(issued[most]),
        )
        if not missing and not extra:
            continue
        lines.append(f"- term {number} ({len(shapes)}):")
        lines += [
            f"    - without `{sql}…`" + (f" ×{n}" if n > 1 else "") for sql, n in missing.items()
        ]
        lines += [f"    - with `{sql}…`" + (f" ×{n}" if n > 1 else "") for sql, n in extra.items()]
    return lines


def pdf_table(app) -> list[str]:
    term = fresh_term(PDF_TERM)
    facts = compile_facts(term)
    report = queries.report_of(term)
    texts = document.texts_of(report)
    checksum = document.checksum_of({"facts": facts.as_json(), "texts": texts.as_json()})
    lines = [
        f"The report's PDF, term {PDF_TERM} ({facts.year}): `render_pdf(render_document("
        f"render_body(facts, texts, language, ...), language, title), base_url=PUBLIC_URL)`, "
        f"{PDF_RUNS} runs each ({len(facts.joined)} cities joined, "
        f"{sum(len(year.sessions) for year in facts.groups)} session lines):",
        "",
        "| language | render_body best | render_pdf best | render_pdf median | HTML bytes "
        "| PDF bytes |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for language in ("en", "tr"):
        frame = {
            "address": document.address_of(facts.year, 1),
            "checksum": checksum,
            "revision": 1,
            "reason": "",
        }
        bodies, pdfs, pdf = [], [], b""
        for _ in range(PDF_RUNS):
            started = time.perf_counter()
            body = document.render_body(facts, texts, language, **frame)
            bodies.append(time.perf_counter() - started)
            html = document.render_document(body, language, document.title_of(facts, language))
            started = time.perf_counter()
            try:
                pdf = render_pdf(html, base_url=app.config["PUBLIC_URL"])
            except PdfUnavailable as problem:
                lines.append(f"| {language} | {ms(min(bodies))} | not made: {problem} | | | |")
                break
            pdfs.append(time.perf_counter() - started)
        else:
            lines.append(
                f"| {language} | {ms(min(bodies))} | {ms(min(pdfs))} "
                f"| {ms(statistics.median(pdfs))} | {len(html.encode())} | {len(pdf)} |"
            )

    term = fresh_term(PDF_TERM)
    report = queries.report_of(term)
    started = time.perf_counter()
    snapshot = document.freeze(report, None, "bench: a correction, rolled back")
    took = time.perf_counter() - started
    sizes = f"{snapshot.pdf_en_size} + {snapshot.pdf_tr_size}"
    db.session.rollback()
    lines += [
        "",
        f"One whole `document.freeze` of term {PDF_TERM} (revision 2, compile + both pages + both "
        f"PDFs + the insert, rolled back): {ms(took)}, PDF bytes {sizes}.",
    ]
    return lines


def main(database: str) -> int:
    folder = Path(tempfile.mkdtemp(prefix="b40-report-facts-"))
    try:
        copy = folder / "b40.sqlite"
        with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{copy}"})
        statements: list[str] = []
        with app.test_request_context(base_url=app.config["PUBLIC_URL"]):
            event.listen(
                db.engine,
                "before_cursor_execute",
                lambda conn, cursor, sql, params, context, many: statements.append(sql),
            )
            fresh_term(1)  # first-use work (pool connect, pragmas) is not counted
            compile_lines, _, _ = compile_table(statements)
            print("\n".join(compile_lines))
            print()
            print("\n".join(pdf_table(app)))
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
