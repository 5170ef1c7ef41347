#!/usr/bin/env bash
# Requests per second and p50/p99 latency of the three hot routes of the `events` function,
# served over plain HTTP from a release build, at $CONNS connections (8), on an event with 50
# projects, next to `pgbench -S` (select-only) against the same PostgreSQL with the same number
# of clients, in the same session. Prints a markdown table for BENCHMARKS.md.
#
#   bench/http.sh            (DATABASE_URL: use that server; otherwise a throwaway cluster)
#   CONNS=8 SECS=10 bench/http.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CONNS="${CONNS:-8}" SECS="${SECS:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

if [ "${1:-}" != "--inner" ]; then
  cargo build --release -q -p events -p podium-tests --bin events --bin bench_http
  exec scripts/pg run -- "$0" --inner
fi

bin="$CARGO_TARGET_DIR/release"
pgbin="$(dirname "$(command -v pgbench 2>/dev/null || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)")"
admin_url="$DATABASE_URL"
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" podium_bench)"
pgbench_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" podium_pgbench)"
for db in podium_bench podium_pgbench; do
  "$pgbin/psql" -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done

event="$("$bin/bench_http" setup "$db_url")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
PORT="$port" PODIUM_DATABASE_URL="$db_url" PODIUM_JWT_SECRET=bench-secret PODIUM_DATABASE_POOL_SIZE="$CONNS" \
  RUST_LOG=warn "$bin/events" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
base="http://127.0.0.1:$port"
for _ in $(seq 100); do curl -sf "$base/events/$event" >/dev/null && break; sleep 0.1; done

echo "| route | connections | requests/s | p50 ms | p99 ms | failed |"
echo "|---|---|---|---|---|---|"
"$bin/bench_http" load "GET /events/{id}" "$base" "/events/$event" "$CONNS" "$SECS"
"$bin/bench_http" load "GET /events/{id}/projects?leaderboard=true" "$base" "/events/$event/projects?leaderboard=true" "$CONNS" "$SECS"
"$bin/bench_http" load vote "$base" "/events/vote" "$CONNS" "$SECS"

"$pgbin/pgbench" -q -i -s 10 "$pgbench_url" >/dev/null 2>&1
tps="$("$pgbin/pgbench" -S -c "$CONNS" -j 2 -T "$SECS" "$pgbench_url" 2>/dev/null | awk '/^tps/ {print $3; exit}')"
lat="$("$pgbin/pgbench" -S -c "$CONNS" -j 2 -T 3 "$pgbench_url" 2>/dev/null | awk '/latency average/ {print $4; exit}')"
echo "| pgbench -S (select-only) | $CONNS | ${tps%.*} | avg $lat | | |"
