"""Turn the wrk outputs of one bench/run.sh run into a table, on the terminal and in markdown.

    python bench/report.py RUN_DIR OUT_MD

RUN_DIR holds manifest.tsv (one line per wrk run, in the order run: key, label, url,
response bytes, wrk output file, CPU seconds the server's workers used during the run), meta.txt (lines about the run) and queries.md (the SQL
statement counts). Runs whose key is "ceiling" are the ceiling, measured before and after
every slice of a page; a slice's ratio is its requests/s over the mean of the two ceiling
runs around it, and a page's ratio is the mean over its slices. When the ceiling runs differ by more than DRIFT, the machine was not quiet during the
run and the report says so.
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
TARGET = 0.5  # the project's target: at least half the ceiling's throughput
DRIFT = 0.10  # the ceiling runs of one benchmark should agree within 10%


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


def cpu_ms(runs: list[dict]) -> float | None:
    """Server CPU milliseconds per request over these runs (both workers together)."""
    requests = sum(r["requests"] for r in runs)
    return 1000 * sum(r["cpu"] for r in runs) / requests if requests else None


def load(run: Path) -> list[dict]:
    runs = []
    for line in (run / "manifest.tsv").read_text().splitlines():
        key, label, url, size, output, cpu = line.split("\t")
        run = {"key": key, "label": label, "url": url, "bytes": int(size), "cpu": float(cpu)}
        run |= parse(Path(output).read_text())
        run["cpu_ms"] = 1000 * run["cpu"] / run["requests"] if run["requests"] else None
        runs.append(run)
    return runs


def slices(runs: list[dict]) -> tuple[list[dict], list[dict]]:
    """The ceiling runs, and every page run with the ratio to the ceiling runs around it."""
    ceilings = [run for run in runs if run["key"] == "ceiling"]
    measured = []
    for index, run in enumerate(runs):
        if run["key"] == "ceiling":
            continue
        neighbours = runs[max(index - 1, 0) : index] + runs[index + 1 : index + 2]
        around = [other for other in neighbours if other["key"] == "ceiling"] or ceilings
        reference = statistics.mean(other["rps"] for other in around)
        measured.append(run | {"ratio": run["rps"] / reference})
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
            "bytes": runs[0]["bytes"],
            "rps": statistics.mean(r["rps"] for r in runs),
            "p50": statistics.median(r["p50"] for r in runs),
            "p99": statistics.median(r["p99"] for r in runs),
            "ratio": statistics.mean(r["ratio"] for r in runs),
            "ratio_min": min(r["ratio"] for r in runs),
            "ratio_max": max(r["ratio"] for r in runs),
            "cpu_ms": cpu_ms(runs),
            "errors": sum(r["errors"] for r in runs),
        }
        for key, runs in pages.items()
    ]


def main(run_dir: str, out_md: str) -> int:
    run = Path(run_dir)
    ceilings, measured = slices(load(run))
    pages = by_page(measured)
    mean = statistics.mean(r["rps"] for r in ceilings)
    drift = (max(r["rps"] for r in ceilings) - min(r["rps"] for r in ceilings)) / mean

    header = [
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
    table = [
        [
            f"ceiling (mean of {len(ceilings)} runs)",
            f"{mean:.0f}",
            ms(statistics.median(r["p50"] for r in ceilings)),
            ms(statistics.median(r["p99"] for r in ceilings)),
            "1",
            "",
            ms(cpu_ms(ceilings), 2),
            "1",
            str(ceilings[0]["bytes"]),
            str(sum(r["errors"] for r in ceilings)),
        ]
    ]
    for page in pages:
        table.append(
            [
                page["label"],
                f"{page['rps']:.0f}",
                ms(page["p50"]),
                ms(page["p99"]),
                f"{page['ratio']:.2f}",
                f"{page['ratio_min']:.2f}-{page['ratio_max']:.2f}",
                ms(page["cpu_ms"], 2),
                ratio(cpu_ms(ceilings), page["cpu_ms"]),
                str(page["bytes"]),
                str(page["errors"]),
            ]
        )

    widths = [max(len(header[i]), *(len(r[i]) for r in table)) for i in range(len(header))]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    for r in table:
        cells = zip(r, widths, strict=True)
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells)))

    listings = [page for page in pages if page["key"].startswith("users")]
    worst = min(listings, key=lambda page: page["ratio"])
    met = all(page["ratio"] >= TARGET for page in listings)
    ceiling_runs = ", ".join(f"{r['rps']:.0f}" for r in ceilings)
    notes = [
        f"Ceiling runs, in order: {ceiling_runs} requests/s (spread {drift:.0%} of their mean). "
        "A page's ratio is the mean, over its slices, of its requests/s over the mean of the "
        "two ceiling runs just before and after that slice; the range is the lowest and "
        "highest slice. Server CPU/request is the CPU time (user + system) the page's two "
        "gunicorn workers used during its runs, divided by the requests served: the page's own "
        "cost, which a busy machine disturbs less than requests/s; CPU ratio is the ceiling's CPU "
        "per request over the page's, the throughput ratio a CPU-bound server would reach.",
        f"Target (every listing page at least {TARGET:.0%} of the ceiling's requests/s): "
        f"**{'MET' if met else 'NOT MET'}**; the slowest listing, {worst['label']}, is at "
        f"{worst['ratio']:.2f} of the ceiling.",
    ]
    errors = sum(r["errors"] for r in ceilings) + sum(p["errors"] for p in pages)
    if drift > DRIFT:
        notes.append(
            f"**WARNING: the ceiling runs spread {drift:.0%} (> {DRIFT:.0%}): the machine was "
            "busy during the run; trust the ratios more than the absolute figures, and check "
            "the ratio ranges.**"
        )
    if errors:
        notes.append(
            f"**WARNING: {errors} non-2xx responses or socket errors; the figures are suspect.**"
        )
    print()
    for note in notes:
        print(note.replace("**", ""))

    md = ["# Benchmark: the listing page against a bare ceiling", "", "```"]
    md += [(run / "meta.txt").read_text().strip(), "```", ""]
    md += ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    md += ["| " + " | ".join(r) + " |" for r in table]
    md += [""]
    for note in notes:
        md += [note, ""]
    queries = run / "queries.md"
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
