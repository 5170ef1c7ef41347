#!/usr/bin/env bash
# Hostile request bodies against the release `auth` and `users` binaries (plain HTTP, a local
# PostgreSQL): each function's peak resident memory (VmHWM) after start, after 20 ordinary
# requests, and after 20 hostile 2 MB bodies (two million `[`; 400 000 nested `{"a":`), with the
# hostile requests' median latency.
#
#   bench/hostile.sh        (DATABASE_URL, or a throwaway cluster; needs curl and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
if [ "${1:-}" != "--inner" ]; then
  cargo build --release -q -p auth -p users
  cargo build -q -p migrate
  exec scripts/pg run -- "$0" --inner
fi
pgbin="$(dirname "$(command -v psql 2>/dev/null || ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)")"
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/podium_hostile")))' "$DATABASE_URL")"
"$pgbin/psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS podium_hostile WITH (FORCE)" -c "CREATE DATABASE podium_hostile"
PODIUM_DATABASE_URL="$db_url" "$CARGO_TARGET_DIR/debug/migrate" up >/dev/null
work="$(mktemp -d)"; trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -c "print('['*2000000, end='')" >"$work/brackets.json"
python3 -c "print('{\"a\":'*400000, end='')" >"$work/objects.json"
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
printf '| function | route | start (KiB) | after 20 ordinary (KiB) | after 20 hostile (KiB) | hostile p50 (ms) |\n|---|---|---|---|---|---|\n'
port=18600
for spec in "auth POST /request-login?redirect= {\"email\":\"a@example.com\"}" "users POST /users/ {\"email\":\"b@example.com\",\"first_name\":\"B\"}"; do
  set -- $spec
  name="$1" method="$2" path="$3" ordinary="$4"
  port=$((port + 1))
  PORT=$port PODIUM_DATABASE_URL="$db_url" PODIUM_JWT_SECRET=bench PODIUM_LOG_LEVEL=error \
    "$CARGO_TARGET_DIR/release/$name" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.05; done
  start="$(hwm "$pid")"
  for _ in $(seq 20); do
    curl -s -o /dev/null -X "$method" -H 'content-type: application/json' --data-binary "$ordinary" "http://127.0.0.1:$port$path"
  done
  ordinary_hwm="$(hwm "$pid")"
  times=()
  for i in $(seq 20); do
    body="$work/brackets.json"; [ $((i % 2)) -eq 0 ] && body="$work/objects.json"
    t="$(curl -s -o /dev/null -w '%{time_total}' -X "$method" -H 'content-type: application/json' --data-binary "@$body" "http://127.0.0.1:$port$path")"
    times+=("$t")
  done
  median="$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)] * 1000}')"
  printf '| %s | %s %s | %s | %s | %s | %s |\n' "$name" "$method" "$path" "$start" "$ordinary_hwm" "$(hwm "$pid")" "$median"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
