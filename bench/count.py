"""How long counting a round takes: count() over 10,000 ballots among 5 candidates.

    .venv/bin/python bench/count.py

The ballots are drawn once (a fixed seed, each ballot one of the 5 candidates or blank), then
counted 20 times; the best run is printed, in milliseconds. Exits 1 if it is 100 ms or more,
so that counting stays instant for staff entering a paper round or closing an online one.
"""

import random
import sys
import time

from secretariat.elections.rules import BLANK, count

BALLOTS = 10_000
CANDIDATES = [str(i) for i in range(1, 6)]
RUNS = 20
LIMIT_MS = 100.0


def main() -> int:
    rng = random.Random(40)  # noqa: S311 - benchmark ballots, not a secret
    ballots = rng.choices([*CANDIDATES, BLANK], k=BALLOTS)
    best = float("inf")
    for _ in range(RUNS):
        started = time.perf_counter()
        count(CANDIDATES, ballots, 1)
        best = min(best, time.perf_counter() - started)
    best_ms = best * 1000
    verdict = "ok" if best_ms < LIMIT_MS else "too slow"
    print(
        f"count(): {BALLOTS:,} ballots, {len(CANDIDATES)} candidates, "
        f"best of {RUNS}: {best_ms:.2f} ms (limit {LIMIT_MS:.0f} ms) {verdict}"
    )
    return 0 if best_ms < LIMIT_MS else 1


if __name__ == "__main__":
    sys.exit(main())
