"""Turn the wrk outputs of one bench/run.sh run into a table, on the terminal and in markdown.

    python bench/report.py RUN_DIR OUT_MD

RUN_DIR holds manifest.tsv (one line per wrk run, in the order run: key, label, url, response
bytes, wrk output file, CPU seconds the server's workers used during the run, key of the
ceiling the run is compared with), meta.txt (lines about the run) and queries.md (the SQL
statement counts and the N+1 check). Runs whose key is their own ceiling key are ceilings
(`ceiling`: users, `ceiling-members`: cities), measured before and after every slice of a
page; a slice's ratio is its requests/s over the mean of its ceiling's two runs around it, and
a page's ratio is the mean over its slices. When a ceiling's runs differ by more than DRIFT,
the machine was not quiet during the run and the report says so.

Ceilings: `ceiling` (users), `ceiling-members` (cities), `ceiling-reports` (a published
activity report: its stored page and revision list).

Targets: every listing page (staff users, member directory, a group page) and the published
report pages (/reports/<year> in both languages, and the /reports list) at least RATIO_TARGET
of its ceiling's requests/s; the member directory pages and the city page at p99 <= P99_TARGET_MS
(the membership issue's target, with the statement count of the directory independent of its
rows, from queries.md). If RUN_DIR holds report_facts.md (bench/report_facts.py: the statements
and time of compiling each term's report facts, the PDF's timings), it is added to OUT_MD.
"""

import re
import statistics
import sys
from pathlib import Path

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
LATENCY = re.compile(r"^\s*(50|99)(?:\.000)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
RPS = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
TOTAL = re.compile(r"^\s*(\d+) requests in", re.M)
NON_2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
RATIO_TARGET = 0.5  # the project's target: a listing at least half its ceiling's throughput
P99_TARGET_MS = 50.0  # the membership and working-groups issues' target for their public pages
DRIFT = 0.10  # the ceiling runs of one benchmark should agree within 10%
N_PLUS_ONE = re.compile(r"^N\+1 check, [\w ]+: \*\*(MET|NOT MET)\*\*", re.M)


def is_listing(key: str) -> bool:
    """The pages the ratio target applies to: the staff users listing, the member directory and
    a group's page (its member cities)."""
    return key.startswith(("users", "members", "group"))


def is_report(key: str) -> bool:
    """The published activity report pages: /reports/<year> (en, tr) and the /reports list."""
    return key.startswith("report")


def has_ratio_target(key: str) -> bool:
    """The pages the ratio target applies to: the listings, and the published report pages
    (the activity reports issue: at least RATIO_TARGET of their bare ceiling)."""
    return is_listing(key) or is_report(key)


def has_p99_target(key: str) -> bool:
    """The pages with a latency target: the directory, a city page (membership issue), a group
    page and the calendar of all groups, plain and gzipped (working-groups issue)."""
    return key.startswith(("members", "calendar")) or key in ("city", "group")


def parse(text: str) -> dict:
    rps = RPS.search(text)
    if rps is None:
        raise ValueError("no Requests/sec line in the wrk output")
    latency = {m.group(1): float(m.group(2)) * UNITS[m.group(3)] for m in LATENCY.finditer(text)}
    non_2xx = NON_2XX.search(text)
    socket = SOCKET.search(text)
    total = TOTAL.search(text)
    return {
        "rps": float(rps.group(1)),
        "requests": int(total.group(1)) if total else 0,
        "p50": latency.get("50"),
        "p99": latency.get("99"),
        "errors": (int(non_2xx.group(1)) if non_2xx else 0)
        + (sum(int(n) for n in socket.groups()) if socket else 0),
    }


def ms(value, digits: int = 1) -> str:
    return "?" if value is None else f"{value:.{digits}f} ms"


def ratio(numerator, denominator) -> str:
    return f"{numerator / denominator:.2f}" if numerator and denominator else "?"


def verdict(met: bool) -> str:
    return "**MET**" if met else "**NOT MET**"


def cpu_ms(runs: list[dict]) -> float | None:
    """Server CPU milliseconds per request over these runs (both workers together)."""
    requests = sum(r["requests"] for r in runs)
    return 1000 * sum(r["cpu"] for r in runs) / requests if requests else None


def load(run: Path) -> list[dict]:
    runs = []
    for line in (run / "manifest.tsv").read_text().splitlines():
        key, label, url, size, output, cpu, reference = line.split("\t")
        entry = {
            "key": key,
            "label": label,
            "url": url,
            "bytes": int(size),
            "cpu": float(cpu),
            "reference": reference,
        }
        entry |= parse(Path(output).read_text())
        entry["cpu_ms"] = 1000 * entry["cpu"] / entry["requests"] if entry["requests"] else None
        runs.append(entry)
    return runs


def is_ceiling(run: dict) -> bool:
    return run["key"] == run["reference"]


def slices(runs: list[dict]) -> tuple[dict[str, list[dict]], list[dict]]:
    """The runs of each ceiling, and every page run with the ratio to its ceiling's runs around it."""
    ceilings: dict[str, list[dict]] = {}
    for run in runs:
        if is_ceiling(run):
            ceilings.setdefault(run["key"], []).append(run)
    measured = []
    for index, run in enumerate(runs):
        if is_ceiling(run):
            continue
        neighbours = runs[max(index - 1, 0) : index] + runs[index + 1 : index + 2]
        around = [other for other in neighbours if other["key"] == run["reference"]]
        around = around or ceilings[run["reference"]]
        reference = statistics.mean(other["rps"] for other in around)
        ceiling_p99 = statistics.mean(other["p99"] for other in around)
        measured.append(run | {"ratio": run["rps"] / reference, "ceiling_p99": ceiling_p99})
    return ceilings, measured


def by_page(measured: list[dict]) -> list[dict]:
    """One row a page (first-seen order): mean requests/s and ratio over its slices."""
    pages: dict[str, list[dict]] = {}
    for run in measured:
        pages.setdefault(run["key"], []).append(run)
    return [
        {
            "key": key,
            "label": runs[0]["label"],
            "reference": runs[0]["reference"],
            "bytes": runs[0]["bytes"],
            "rps": statistics.mean(r["rps"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "p99_max": max(r["p99"] for r in runs),
            "ceiling_p99": statistics.median(r["ceiling_p99"] for r in runs),
            "ratio": statistics.mean(r["ratio"] for r in runs),
            "ratio_min": min(r["ratio"] for r in runs),
            "ratio_max": max(r["ratio"] for r in runs),
            "cpu_ms": cpu_ms(runs),
            "errors": sum(r["errors"] for r in runs),
        }
        for key, runs in pages.items()
    ]


def drift_of(runs: list[dict]) -> float:
    mean = statistics.mean(r["rps"] for r in runs)
    return (max(r["rps"] for r in runs) - min(r["rps"] for r in runs)) / mean


def print_table(header: list[str], table: list[list[str]]) -> None:
    widths = [max(len(header[i]), *(len(r[i]) for r in table)) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for r in table:
        cells = zip(r, widths, strict=True)
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells)))


def markdown(header: list[str], table: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    return lines + ["| " + " | ".join(r) + " |" for r in table]


HEADER = [
    "page",
    "requests/s",
    "p50",
    "p99",
    "our/ceiling",
    "ratio range",
    "server CPU/request",
    "CPU ratio",
    "bytes",
    "errors",
]
VERDICT_HEADER = [
    "page",
    f"our/ceiling >= {RATIO_TARGET}",
    f"p99 <= {P99_TARGET_MS:.0f} ms",
    "p99 worst slice",
    "its ceiling's p99, same moments",
]


def figures(ceilings: dict[str, list[dict]], pages: list[dict]) -> list[list[str]]:
    """The main table: each ceiling, followed by the pages compared with it."""
    table = []
    for key, runs in ceilings.items():
        table.append(
            [
                f"{runs[0]['label']} (mean of {len(runs)} runs)",
                f"{statistics.mean(r['rps'] for r in runs):.0f}",
                ms(statistics.median(r["p50"] for r in runs)),
                ms(statistics.median(r["p99"] for r in runs)),
                "1",
                "",
                ms(cpu_ms(runs), 2),
                "1",
                str(runs[0]["bytes"]),
                str(sum(r["errors"] for r in runs)),
            ]
        )
        table += [
            [
                page["label"],
                f"{page['rps']:.0f}",
                ms(page["p50"]),
                ms(page["p99"]),
                f"{page['ratio']:.2f}",
                f"{page['ratio_min']:.2f}-{page['ratio_max']:.2f}",
                ms(page["cpu_ms"], 2),
                ratio(cpu_ms(runs), page["cpu_ms"]),
                str(page["bytes"]),
                str(page["errors"]),
            ]
            for page in pages
            if page["reference"] == key
        ]
    return table


def targets(pages: list[dict]) -> list[list[str]]:
    """The targets, page by page: the ratio for listings and report pages, p99 for the directory,
    the city, group and calendar pages."""
    rows = []
    for page in pages:
        listing, timed = has_ratio_target(page["key"]), has_p99_target(page["key"])
        if not (listing or timed):
            continue
        rows.append(
            [
                page["label"],
                f"{verdict(page['ratio'] >= RATIO_TARGET)} ({page['ratio']:.2f})"
                if listing
                else f"not a listing ({page['ratio']:.2f})",
                f"{verdict(page['p99'] <= P99_TARGET_MS)} ({ms(page['p99'])})" if timed else "-",
                ms(page["p99_max"]) if timed else "-",
                ms(page["ceiling_p99"]) if timed else "-",
            ]
        )
    return rows


def summary(ceilings: dict[str, list[dict]], pages: list[dict], queries: Path) -> list[str]:
    """The notes under the tables: the ceilings' runs, how to read them, the targets as a whole."""
    notes = [
        f"{runs[0]['label']}: runs in order {', '.join(format(r['rps'], '.0f') for r in runs)} "
        f"requests/s (spread {drift_of(runs):.0%} of their mean)."
        for runs in ceilings.values()
    ]
    notes.append(
        "A page's ratio is the mean, over its slices, of its requests/s over the mean of its "
        "ceiling's two runs just before and after that slice; the range is the lowest and "
        "highest slice. Server CPU/request is the CPU time (user + system) the page's two "
        "gunicorn workers used during its runs, divided by the requests served: the page's own "
        "cost, which a busy machine disturbs less than requests/s; CPU ratio is its ceiling's CPU "
        "per request over the page's, the throughput ratio a CPU-bound server would reach. "
        "p99 is the median over the page's slices (the worst slice beside it); with 16 "
        "connections on 2 sync workers it is mostly queueing, about 8 requests' service time, "
        "so it moves with the machine's load: the ceiling's p99 of the same moments shows what "
        "the machine allowed."
    )
    for name, prefix in (
        ("staff users", "users"),
        ("member directory", "members"),
        ("group page", "group"),
        ("published reports", "report"),
    ):
        group = [page for page in pages if page["key"].startswith(prefix)]
        if group:
            worst = min(group, key=lambda page: page["ratio"])
            met = all(page["ratio"] >= RATIO_TARGET for page in group)
            notes.append(
                f"Ratio target, {name} (every such page at least {RATIO_TARGET:.0%} of its "
                f"ceiling's requests/s): {verdict(met)}; the slowest, {worst['label']}, is at "
                f"{worst['ratio']:.2f} of the ceiling."
            )
    timed = [page for page in pages if has_p99_target(page["key"])]
    if timed:
        p99_met = all(page["p99"] <= P99_TARGET_MS for page in timed)
        worst = max(timed, key=lambda page: page["p99"])
        found = N_PLUS_ONE.findall(queries.read_text()) if queries.exists() else []
        no_n_plus_one = bool(found) and all(verdict_ == "MET" for verdict_ in found)
        notes.append(
            f"Latency target, member directory, city page, group page and calendar (p99 <= "
            f"{P99_TARGET_MS:.0f} ms each): {verdict(p99_met)}; the slowest, {worst['label']}, "
            f"at {ms(worst['p99'])}. No query per row in any listing: "
            f"{verdict(no_n_plus_one) if found else '**not measured**'}. "
            f"The targets as a whole: {verdict(p99_met and no_n_plus_one)}."
        )
    for runs in ceilings.values():
        if drift_of(runs) > DRIFT:
            notes.append(
                f"**WARNING: the {runs[0]['label']} runs spread {drift_of(runs):.0%} "
                f"(> {DRIFT:.0%}): the machine was busy during the run; trust the ratios more "
                "than the absolute figures (p99 included), and check the ratio ranges.**"
            )
    return notes


def main(run_dir: str, out_md: str) -> int:
    run = Path(run_dir)
    ceilings, measured = slices(load(run))
    pages = by_page(measured)
    table = figures(ceilings, pages)
    verdicts = targets(pages)
    queries = run / "queries.md"
    notes = summary(ceilings, pages, queries)
    errors = sum(r["errors"] for runs in ceilings.values() for r in runs)
    errors += sum(p["errors"] for p in pages)
    if errors:
        notes.append(
            f"**WARNING: {errors} non-2xx responses or socket errors; the figures are suspect.**"
        )

    print_table(HEADER, table)
    print()
    print_table(VERDICT_HEADER, [[cell.replace("**", "") for cell in r] for r in verdicts])
    print()
    for note in notes:
        print(note.replace("**", ""))

    md = ["# Benchmark: the listing and report pages against bare ceilings", "", "```"]
    md += [(run / "meta.txt").read_text().strip(), "```", "", *markdown(HEADER, table), ""]
    md += ["## Targets", "", *markdown(VERDICT_HEADER, verdicts), ""]
    for note in notes:
        md += [note, ""]
    facts = run / "report_facts.md"
    if facts.exists():
        md += [
            "## Activity reports: compiling the facts, the PDF",
            "",
            facts.read_text().strip(),
            "",
        ]
    if queries.exists():
        md += ["## SQL statements per request", "", queries.read_text().strip(), ""]
    Path(out_md).parent.mkdir(parents=True, exist_ok=True)
    Path(out_md).write_text("\n".join(md))
    return 1 if errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
