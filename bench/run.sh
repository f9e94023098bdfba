#!/usr/bin/env bash
# The listing-page benchmark: the portal's /staff/users and public /members against bare Flask
# ceilings, in one run.
#
#   make bench                              # or: bash bench/run.sh
#   SCALE=10000 DURATION=10 ROUNDS=2 bash bench/run.sh
#
# Builds a fresh SQLite database in a temporary instance folder (the demo network and users +
# SCALE synthetic member cities and SCALE synthetic delegates), serves the portal and
# bench/ceiling.py with gunicorn (2 workers each) on 127.0.0.1, signs in as the demo admin,
# runs wrk against each page in turn with its ceiling (users, cities or report) measured before and
# after it, prints a table and the targets' verdicts, and writes them to bench/out/latest.md
# (also the SQL statements per page, the planning job's time, and bench/report_facts.py:
# compiling every term's activity-report facts and the report's PDF, on a copy of the database)
# (raw wrk outputs in bench/out/raw/).
# Everything stays on 127.0.0.1, every wait is bounded, and both servers are stopped on exit.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
BIN=$ROOT/.venv/bin
OUT=$ROOT/bench/out

SCALE=${SCALE:-10000}
DURATION=${DURATION:-10}       # seconds of wrk per page, split over the rounds
ROUNDS=${ROUNDS:-2}            # passes over the pages, each page's ratio is taken per pass
WARMUP=${WARMUP:-1}            # seconds of wrk per page before measuring, not counted
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
WORKERS=2
ADMIN_EMAIL=secretary@b40.example
HOST=127.0.0.1

for name in SCALE DURATION ROUNDS WARMUP THREADS CONNECTIONS; do
    [[ ${!name} =~ ^[0-9]+$ ]] || { echo "bench: $name must be a whole number (seconds for DURATION, WARMUP)" >&2; exit 2; }
done
(( DURATION >= 1 && ROUNDS >= 1 && THREADS >= 1 && CONNECTIONS >= THREADS )) \
    || { echo "bench: need DURATION, ROUNDS >= 1 and CONNECTIONS >= THREADS >= 1" >&2; exit 2; }

for tool in "$BIN/flask" "$BIN/gunicorn" "$BIN/python" wrk curl; do
    command -v "$tool" >/dev/null || {
        echo "bench: $tool not found$([[ $tool == wrk || $tool == curl ]] && echo " (Debian: apt-get install $tool)")" >&2
        exit 1
    }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/b40-bench.XXXXXX")
PIDS=()

stop_servers() {
    local pid i
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        for i in $(seq 1 50); do          # up to 5 s for a graceful stop, then KILL
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
}

cleanup() {
    stop_servers
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then
        echo "bench: kept $WORK" >&2
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
RUN_START=$(now)
log() { printf '[bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# --- a fresh database --------------------------------------------------------------------
# Nothing from the caller's environment may point the portal elsewhere (DATABASE_URL would
# send the demo load into a real database) or change what is measured.
unset DATABASE_URL RATELIMIT_STORAGE_URI FLASK_APP FLASK_DEBUG
while read -r name; do unset "$name"; done < <(compgen -e | grep '^SECRETARIAT_' || true)
export SECRETARIAT_INSTANCE_PATH=$WORK/instance
SECRETARIAT_SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(32))')
export SECRETARIAT_SECRET_KEY
mkdir -p "$SECRETARIAT_INSTANCE_PATH" "$WORK/raw"
DATABASE=$SECRETARIAT_INSTANCE_PATH/b40.sqlite

log "database in $SECRETARIAT_INSTANCE_PATH"
start=$(now)
"$BIN/flask" --app secretariat db upgrade >"$WORK/upgrade.log" 2>&1 \
    || { cat "$WORK/upgrade.log" >&2; exit 1; }
UPGRADE_SECONDS=$(since "$start")
log "db upgrade: ${UPGRADE_SECONDS} s"

start=$(now)
"$BIN/flask" --app secretariat demo --scale "$SCALE" >"$WORK/demo.log" 2>&1 \
    || { cat "$WORK/demo.log" >&2; exit 1; }
DEMO_SECONDS=$(since "$start")
read -r USERS CITIES < <("$BIN/python" -c 'import sqlite3, sys; print(*sqlite3.connect(sys.argv[1]).execute("SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM cities WHERE status = '"'active'"')").fetchone())' "$DATABASE")
log "flask demo --scale $SCALE: ${DEMO_SECONDS} s ($USERS users, $CITIES active member cities)"

PASSWORD=$("$BIN/python" -c 'from secretariat.demo import DEMO_PASSWORD; print(DEMO_PASSWORD)')

# --- SQL statements per request (in-process, before the servers start) ---------------------
log "counting SQL statements per page"
"$BIN/python" bench/query_count.py >"$WORK/queries.md" 2>"$WORK/queries.log" \
    || { cat "$WORK/queries.log" >&2; exit 1; }

# --- the planning job for every group (in-process, on a copy of the database) ------------
log "timing the planning job for every group"
"$BIN/python" bench/plan.py "$DATABASE" >"$WORK/plan.md" 2>"$WORK/plan.log" \
    || { cat "$WORK/plan.log" >&2; exit 1; }
cat "$WORK/plan.md"

# The machine's load before the servers start, read before report_facts.py: its ~1 min of
# PDF rendering would otherwise count in the 1-minute figure.
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)

# --- compiling every term's report facts, and the PDF (in-process, on a copy) ------------
log "compiling every term's report facts, timing the PDF"
"$BIN/python" bench/report_facts.py "$DATABASE" >"$WORK/report_facts.md" 2>"$WORK/report_facts.log" \
    || { cat "$WORK/report_facts.log" >&2; exit 1; }
cat "$WORK/report_facts.md"

# --- the two servers ---------------------------------------------------------------------
read -r PORTAL_PORT CEILING_PORT < <("$BIN/python" - <<'EOF'
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))
for s in sockets:
    s.close()
EOF
)
PORTAL=http://$HOST:$PORTAL_PORT
CEILING=http://$HOST:$CEILING_PORT

"$BIN/gunicorn" -w "$WORKERS" -b "$HOST:$PORTAL_PORT" 'secretariat:create_app()' \
    >"$WORK/portal.log" 2>&1 &
PIDS+=($!)
CEILING_DATABASE=$DATABASE "$BIN/gunicorn" -w "$WORKERS" -b "$HOST:$CEILING_PORT" \
    --chdir "$ROOT/bench" 'ceiling:app' >"$WORK/ceiling.log" 2>&1 &
PIDS+=($!)

wait_for() {  # url pid logfile: up to 30 s for an answer
    local i
    for i in $(seq 1 150); do
        if curl -s -o /dev/null --max-time 2 "$1"; then return 0; fi
        if ! kill -0 "$2" 2>/dev/null; then
            echo "bench: the server for $1 died:" >&2; cat "$3" >&2; return 1
        fi
        sleep 0.2
    done
    echo "bench: no answer from $1 after 30 s:" >&2; cat "$3" >&2; return 1
}
wait_for "$PORTAL/" "${PIDS[0]}" "$WORK/portal.log"
wait_for "$CEILING/" "${PIDS[1]}" "$WORK/ceiling.log"
log "portal on $PORTAL, ceiling on $CEILING ($WORKERS gunicorn workers each)"

COOKIE=$("$BIN/python" bench/sign_in.py "$PORTAL" "$ADMIN_EMAIL" "$PASSWORD")
log "signed in as $ADMIN_EMAIL"

# --- the pages ---------------------------------------------------------------------------
# Each page has its ceiling: the staff pages (and the home page) the users ceiling, the member
# pages the cities ceiling, the published activity reports (and their list) the report ceiling
# (bench/ceiling.py /reports/2025: the stored page of the latest snapshot, the revision list).
# The ceiling is measured before and after every page
# (Cu A Cu B Cu ... Cu Cm M Cm N Cm ...), for a shorter time, and the pages are visited ROUNDS
# times, so each slice of a page is compared with its ceiling of the same few seconds: a
# machine that gets busier or quieter during the run moves both sides of the ratio alike, and
# the rounds show how far the ratio itself wanders.
# key | label | url | headers (yes: the session cookie, gzip: Accept-Encoding) | gunicorn master pid
# | key of its ceiling
declare -A CEILINGS=(
    [ceiling]="ceiling|ceiling: users (bare Flask, 50 rows)|$CEILING/|no|${PIDS[1]}|ceiling"
    [ceiling-members]="ceiling-members|ceiling: cities (bare Flask, 50 rows)|$CEILING/members|no|${PIDS[1]}|ceiling-members"
    [ceiling-reports]="ceiling-reports|ceiling: published report (bare Flask, stored HTML)|$CEILING/reports/2025|no|${PIDS[1]}|ceiling-reports"
)
PAGES=(
    "users|/staff/users (page 1, 50 rows)|$PORTAL/staff/users|yes|${PIDS[0]}|ceiling"
    "users-p100|/staff/users?page=100|$PORTAL/staff/users?page=100|yes|${PIDS[0]}|ceiling"
    "users-q|/staff/users?q=delegate0042|$PORTAL/staff/users?q=delegate0042|yes|${PIDS[0]}|ceiling"
    "home|/ (home, anonymous)|$PORTAL/|no|${PIDS[0]}|ceiling"
    "members|/members (page 1, 50 rows, anonymous)|$PORTAL/members|no|${PIDS[0]}|ceiling-members"
    "members-tr|/members?lang=tr (Turkish order)|$PORTAL/members?lang=tr|no|${PIDS[0]}|ceiling-members"
    "members-q|/members?q=synthetic city 00042|$PORTAL/members?q=synthetic%20city%2000042|no|${PIDS[0]}|ceiling-members"
    "city|/members/istanbul (city page)|$PORTAL/members/istanbul|no|${PIDS[0]}|ceiling-members"
    "group|/working-groups/local-climate-action (group page, 50 member rows)|$PORTAL/working-groups/local-climate-action|no|${PIDS[0]}|ceiling-members"
    "calendar|/calendar.ics (every group's sessions)|$PORTAL/calendar.ics|no|${PIDS[0]}|ceiling-members"
    "calendar-gzip|/calendar.ics, gzip (as calendar apps ask)|$PORTAL/calendar.ics|gzip|${PIDS[0]}|ceiling-members"
    "report|/reports/2025 (published report, anonymous)|$PORTAL/reports/2025|no|${PIDS[0]}|ceiling-reports"
    "report-tr|/reports/2025?lang=tr|$PORTAL/reports/2025?lang=tr|no|${PIDS[0]}|ceiling-reports"
    "reports|/reports (the published reports, anonymous)|$PORTAL/reports|no|${PIDS[0]}|ceiling-reports"
)
SLICE=$(( DURATION / ROUNDS > 2 ? DURATION / ROUNDS : 2 ))
CEILING_SLICE=$(( (SLICE * 6 + 9) / 10 > 2 ? (SLICE * 6 + 9) / 10 : 2 ))

# CPU time (user + system, clock ticks) the workers of one gunicorn master have used so far:
# the server's own cost per request, which a busy machine disturbs less than requests/s.
worker_ticks() {
    local pid total=0
    for pid in $(pgrep -P "$1"); do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
CLK_TCK=$(getconf CLK_TCK)

declare -A WARMED=()
RUN=0
LAST=
measure() {  # "key|label|url|cookie|master pid|ceiling key" seconds
    local key label url cookie master reference headers code size rows output ticks
    IFS='|' read -r key label url cookie master reference <<<"$1"
    headers=()
    case $cookie in
        yes) headers=(-H "Cookie: $COOKIE") ;;
        gzip) headers=(-H "Accept-Encoding: gzip") ;;  # as calendar apps ask for a feed
    esac
    RUN=$((RUN + 1))
    output=$WORK/raw/$(printf '%02d' "$RUN")-$key.txt

    # The page must answer 200 (not a redirect to sign-in) before it is measured.
    code=$(curl -s -o "$WORK/$key.html" -w '%{http_code}' --max-time 10 "${headers[@]}" "$url")
    if [[ $code != 200 ]]; then
        echo "bench: $url answered HTTP $code, not 200" >&2
        exit 1
    fi
    size=$(wc -c <"$WORK/$key.html")
    rows=$(grep -c '<tr>' "$WORK/$key.html" || true)

    if [[ $WARMUP != 0 && -z ${WARMED[$key]:-} ]]; then
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "${headers[@]}" "$url" >/dev/null
        WARMED[$key]=1
    fi
    log "wrk ${2}s: $label ($size bytes, $((rows > 0 ? rows - 1 : 0)) rows)"
    ticks=$(worker_ticks "$master")
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" --timeout 10s --latency \
        "${headers[@]}" "$url" >"$output"
    ticks=$(( $(worker_ticks "$master") - ticks ))
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "/${url#http://*/}" "$size" "$output" \
        "$(awk -v t="$ticks" -v hz="$CLK_TCK" 'BEGIN { printf "%.3f", t / hz }')" "$reference" \
        >>"$WORK/manifest.tsv"
    LAST=$key
}

: >"$WORK/manifest.tsv"
for round in $(seq 1 "$ROUNDS"); do
    log "round $round of $ROUNDS"
    for page in "${PAGES[@]}"; do
        reference=${page##*|}
        [[ $LAST == "$reference" ]] || measure "${CEILINGS[$reference]}" "$CEILING_SLICE"
        measure "$page" "$SLICE"
        measure "${CEILINGS[$reference]}" "$CEILING_SLICE"
    done
done

stop_servers

# --- the report --------------------------------------------------------------------------
cat >"$WORK/meta.txt" <<EOF
date:        $(date '+%Y-%m-%d %H:%M %Z')
load avg:    $LOADAVG (1/5/15 min, before report_facts.py and the servers started)
machine:     $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
python:      $("$BIN/python" -c 'import platform, sqlite3; print(platform.python_version(), "/ SQLite", sqlite3.sqlite_version)')
scale:       SCALE=$SCALE -> $USERS users, $CITIES active member cities
demo load:   flask demo --scale $SCALE took $DEMO_SECONDS s (db upgrade $UPGRADE_SECONDS s)
run time:    $(since "$RUN_START") s from the start to this report
servers:     gunicorn -w $WORKERS (sync workers), portal and ceiling side by side on 127.0.0.1
load:        wrk -t$THREADS -c$CONNECTIONS --latency, one page at a time: $ROUNDS rounds; in each, every page ${SLICE}s with its ceiling ${CEILING_SLICE}s before and after it (${WARMUP}s warm-up per URL, once)
EOF

rm -rf "$OUT/raw"
mkdir -p "$OUT/raw"
cp "$WORK"/raw/*.txt "$OUT/raw/"
echo
status=0
"$BIN/python" bench/report.py "$WORK" "$OUT/latest.md" || status=$?
echo
cat "$WORK/plan.md"
echo
cat "$WORK/report_facts.md"
echo
echo "SQL statements per request:"
sed -n '/^|/p; /^N+1 check/p' "$WORK/queries.md" | sed 's/\*\*//g'
echo
echo "Written to bench/out/latest.md (whole run: $(since "$RUN_START") s)"
exit "$status"
