#!/usr/bin/env bash
# Cold start of each route-group function: from spawning the release binary that `make build`
# zips (target/x86_64-unknown-linux-gnu/release/<function>) to its first answered request, in plain HTTP mode,
# against a local PostgreSQL (no network round trip to AWS). 20 starts per function.
#
#   bench/cold-start.sh          (builds first unless SKIP_BUILD=1; DATABASE_URL or a throwaway cluster)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
RUNS="${RUNS:-20}"
if [ "${1:-}" != "--inner" ]; then
  if [ "${SKIP_BUILD:-}" != 1 ]; then scripts/build >/dev/null; fi
  # TARGET=x86_64-unknown-linux-gnu builds the helpers beside the zips' binaries.
  cargo build --release -q ${TARGET:+--target "$TARGET"} -p podium-tests --bin bench_http --bin bench_cold_start
  exec scripts/pg run -- "$0" --inner
fi
helpers="$CARGO_TARGET_DIR/${TARGET:+$TARGET/}release"
pgbin="$(dirname "$(command -v psql 2>/dev/null || ls /usr/lib/postgresql/*/bin/psql | sort -V | tail -1)")"
db_url="$(python3 -c 'import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/podium_cold")))' "$DATABASE_URL")"
"$pgbin/psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS podium_cold WITH (FORCE)" -c "CREATE DATABASE podium_cold"
event="$("$helpers/bench_http" setup "$db_url")"
# DB_QUERY="?sslmode=disable" measures without the TLS handshake to PostgreSQL.
export PODIUM_DATABASE_URL="$db_url${DB_QUERY:-}" PODIUM_JWT_SECRET=bench-secret
missing=00000000-0000-4000-8000-000000000000
echo "| function | first request | answer | median ms | min ms | max ms |"
echo "|---|---|---|---|---|---|"
# The binary each zip holds (cargo lambda keeps it beside the zips' build).
run() { "$helpers/bench_cold_start" "$1" "$CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/$1" "$2" "$RUNS"; }
run auth "/verify?token=not-a-token"
run users "/users/exists?email=nobody@example.com"
run events "/events/$event"
run admin "/events/admin/$event"
run projects "/projects/$missing"
"$pgbin/psql" -q "$DATABASE_URL" -c "DROP DATABASE IF EXISTS podium_cold WITH (FORCE)"
