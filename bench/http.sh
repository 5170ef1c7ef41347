#!/usr/bin/env bash
# Requests per second and p50/p99 latency of the hot routes, served over plain HTTP from release
# builds of the `events` and `users` functions (pool of $CONNS connections), at $CONNS
# connections, on an event with 50 projects and 60 000 attending voters, next to `pgbench -S`
# (select-only) against the same PostgreSQL with the same number of clients, in the same run.
# Reads are driven by wrk (Debian's `wrk`, installed when missing and apt-get is there); ballots
# by bench_http (tests/bench_http.rs), since each needs its own voter's token and body (every
# voter casts three single-project ballots). Everything shares the machine's cores.
# Prints a markdown table for BENCHMARKS.md, with each route's share of pgbench's rate.
#
#   bench/http.sh            (DATABASE_URL: use that server; otherwise a throwaway cluster)
#   CONNS=8 SECS=10 bench/http.sh
#   SENTRY_RATE=1.0 bench/http.sh   (the functions report to a local fake Sentry, tracing that
#                                    share of requests; bench/sentry.sh runs the comparison)
set -euo pipefail
cd "$(dirname "$0")/.."
export CONNS="${CONNS:-8}" SECS="${SECS:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"

if [ "${1:-}" != "--inner" ]; then
  if ! command -v wrk >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
    else
      echo "bench/http.sh needs wrk (https://github.com/wg/wrk)" >&2; exit 2
    fi
  fi
  # TARGET=x86_64-unknown-linux-gnu builds beside `make build`'s binaries (reusing its work).
  cargo build --release -q ${TARGET:+--target "$TARGET"} -p events -p users -p podium-tests --bin events --bin users --bin bench_http
  exec scripts/pg run -- "$0" --inner
fi

bin="$CARGO_TARGET_DIR/${TARGET:+$TARGET/}release"
pgbin="$(dirname "$(command -v pgbench 2>/dev/null || ls /usr/lib/postgresql/*/bin/pgbench | sort -V | tail -1)")"
admin_url="$DATABASE_URL"
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" podium_bench)"
pgbench_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/"+sys.argv[2])))' "$admin_url" podium_pgbench)"
for db in podium_bench podium_pgbench; do
  "$pgbin/psql" -q "$admin_url" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
done

event="$("$bin/bench_http" setup "$db_url")"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
events_port="$(free_port)"; users_port="$(free_port)"
export PODIUM_DATABASE_URL="$db_url" PODIUM_JWT_SECRET=bench-secret PODIUM_DATABASE_POOL_SIZE="$CONNS" RUST_LOG=warn
export PODIUM_METRICS="${PODIUM_METRICS:-prometheus}" PODIUM_METRICS_PORT=0
sentry_pid=
if [ -n "${SENTRY_RATE:-}" ]; then
  sentry_port="$(free_port)"
  "$bin/bench_http" fake-sentry "$sentry_port" > /tmp/podium-bench-sentry.count & sentry_pid=$!
  export PODIUM_SENTRY_DSN="http://benchkey@127.0.0.1:$sentry_port/1" PODIUM_SENTRY_TRACES_SAMPLE_RATE="$SENTRY_RATE"
fi
PORT="$events_port" "$bin/events" & events_pid=$!
PORT="$users_port" "$bin/users" & users_pid=$!
trap 'kill $events_pid $users_pid $sentry_pid 2>/dev/null || true' EXIT
base="http://127.0.0.1:$events_port"
users_base="http://127.0.0.1:$users_port"
for _ in $(seq 100); do curl -sf "$base/events/$event" >/dev/null && curl -s -o /dev/null "$users_base/users/exists?email=a@b.co" && break; sleep 0.1; done
token="$("$bin/bench_http" token user5@bench.example)"

"$pgbin/pgbench" -q -i -s 10 "$pgbench_url" >/dev/null 2>&1
tps="$("$pgbin/pgbench" -S -c "$CONNS" -j 2 -T "$SECS" "$pgbench_url" 2>/dev/null | awk '/^tps/ {print $3; exit}')"
lat="$("$pgbin/pgbench" -S -c "$CONNS" -j 2 -T 3 "$pgbench_url" 2>/dev/null | awk '/latency average/ {print $4; exit}')"

ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.2f", v}'; }
row() { # name url [header]
  local out
  if [ -n "${3:-}" ]; then
    out="$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H "$3" "$2")"
  else
    out="$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$2")"
  fi
  local rps p50 p99 bad
  rps="$(awk '/^Requests\/sec/ {printf "%d", $2}' <<<"$out")"
  p50="$(awk '$1 == "50%" {print $2}' <<<"$out" | ms)"
  p99="$(awk '$1 == "99%" {print $2}' <<<"$out" | ms)"
  bad="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
  echo "| $1 | $CONNS | $rps | $p50 | $p99 | ${bad:-0} | $(awk -v a="$rps" -v b="$tps" 'BEGIN {printf "%.1f %%", 100*a/b}') |"
}

echo "| route | connections | requests/s | p50 ms | p99 ms | failed | of pgbench -S |"
echo "|---|---|---|---|---|---|---|"
row "GET /events/{id}" "$base/events/$event"
row "GET /users/current" "$users_base/users/current" "authorization: Bearer $token"
row "GET /events/{id}/projects?leaderboard=true" "$base/events/$event/projects?leaderboard=true"
"$bin/bench_http" load vote "$base" "/events/vote" "$CONNS" "$SECS" | sed 's/ |$/ | |/'
echo "| pgbench -S (select-only) | $CONNS | ${tps%.*} | avg $lat | | | 100 % |"
if [ -n "$sentry_pid" ]; then
  kill "$events_pid" "$users_pid" 2>/dev/null || true; wait "$events_pid" "$users_pid" 2>/dev/null || true
  kill -TERM "$sentry_pid"; wait "$sentry_pid" 2>/dev/null || true
  echo "envelopes the fake Sentry took (rate $SENTRY_RATE): $(cat /tmp/podium-bench-sentry.count)"
fi
