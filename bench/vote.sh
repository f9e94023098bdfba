#!/usr/bin/env bash
# The election benchmark: 70 mayors vote within ten seconds through gunicorn on 127.0.0.1.
#
#   bash bench/vote.sh
#   VOTERS=70 SPREAD=10 WORKERS=2 BALLOTS=10000 bash bench/vote.sh
#
# A fresh SQLite database in a temporary instance folder (bench/vote.py setup: the demo's cities
# and synthetic ones up to VOTERS, one mayor each, the election at the Zagreb summit in its
# voting phase); the portal served by gunicorn (WORKERS sync workers) on a free port of
# 127.0.0.1; every mayor signs in and opens the ballot, then all vote at random moments within
# SPREAD seconds (SPREAD=0: all at once), each choice and confirmation timed (p50, p99, max);
# then the database must hold exactly VOTERS ballots and register entries. Last, a burst: the
# same again with every vote let go at once, in a second fresh database; and the close of a
# round of BALLOTS ballots, timed. Exit status 1 when a target is missed. The server is stopped
# and the folder removed on exit (BENCH_KEEP=1 keeps it).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=$PWD/.venv/bin
VOTERS=${VOTERS:-70}
SPREAD=${SPREAD:-10}
WORKERS=${WORKERS:-2}
BALLOTS=${BALLOTS:-10000}
HOST=127.0.0.1

for name in VOTERS SPREAD WORKERS BALLOTS; do
    [[ ${!name} =~ ^[0-9]+$ ]] || { echo "vote bench: $name must be a whole number" >&2; exit 2; }
done
(( VOTERS >= 1 && WORKERS >= 1 && BALLOTS >= VOTERS )) \
    || { echo "vote bench: need VOTERS, WORKERS >= 1 and BALLOTS >= VOTERS" >&2; exit 2; }
for tool in "$BIN/flask" "$BIN/gunicorn" "$BIN/python"; do
    command -v "$tool" >/dev/null || { echo "vote bench: $tool not found (make install-dev)" >&2; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/b40-vote.XXXXXX")
SERVER=""

stop_server() {
    local i
    [[ -n $SERVER ]] || return 0
    kill -TERM "$SERVER" 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
}

cleanup() {
    stop_server
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "vote bench: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log() { printf '[vote bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# Nothing from the caller's environment may point the portal at another database.
unset DATABASE_URL RATELIMIT_STORAGE_URI FLASK_APP FLASK_DEBUG
while read -r name; do unset "$name"; done < <(compgen -e | grep '^SECRETARIAT_' || true)
SECRETARIAT_SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_hex(32))')
export SECRETARIAT_SECRET_KEY

fresh_database() {  # $1: a name for the instance folder
    export SECRETARIAT_INSTANCE_PATH=$WORK/$1
    mkdir -p "$SECRETARIAT_INSTANCE_PATH"
    "$BIN/flask" --app secretariat db upgrade >"$WORK/$1-upgrade.log" 2>&1 \
        || { cat "$WORK/$1-upgrade.log" >&2; exit 1; }
    "$BIN/python" bench/vote.py setup "$VOTERS"
}

serve() {
    PORT=$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$BIN/gunicorn" --workers "$WORKERS" --bind "$HOST:$PORT" --log-level warning \
        'secretariat:create_app()' >"$WORK/gunicorn.log" 2>&1 &
    SERVER=$!
    local i
    for i in $(seq 1 100); do
        "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "http://$HOST:$PORT/elections" 2>/dev/null && return 0
        kill -0 "$SERVER" 2>/dev/null || break
        sleep 0.2
    done
    cat "$WORK/gunicorn.log" >&2
    echo "vote bench: gunicorn did not answer" >&2
    exit 1
}

status=0
log "votes spread over ${SPREAD} s: fresh database, $VOTERS mayors"
fresh_database spread
serve
"$BIN/python" bench/vote.py fire "http://$HOST:$PORT" "$VOTERS" "$SPREAD" || status=1
stop_server
"$BIN/python" bench/vote.py check "$VOTERS" || status=1
"$BIN/python" bench/vote.py close "$BALLOTS" || status=1

log "a burst: every vote at once, in a fresh database"
fresh_database burst
serve
"$BIN/python" bench/vote.py fire "http://$HOST:$PORT" "$VOTERS" 0 || true  # reported, not a target
stop_server
"$BIN/python" bench/vote.py check "$VOTERS" || status=1
if grep -qi "traceback\|incident" "$WORK/gunicorn.log"; then
    echo "vote bench: the server logged errors" >&2
    status=1
fi
exit $status
