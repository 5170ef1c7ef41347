#!/usr/bin/env bash
# A full backfill at the real data's scale (3365 users, 217 events, 767 projects, 1266 referrals,
# ~4100 attendee links, 2300 votes, collaborators) from a local fake Airtable limited to 5
# requests per second, next to the time that limit alone forces; then the same from CSV.
# Uses DATABASE_URL, or starts a throwaway PostgreSQL (scripts/pg).
#
#   BUSY=1 bench/backfill.sh   the same under load: two CPU-burning processes run throughout (on
#                              this 2-core machine), and the fake holds each request 0-80 ms
#                              before it counts it as arrived.
#   JITTER=1 bench/backfill.sh the fake holds requests (before counting them) and answers (after)
#                              by uneven delays of hundreds of ms (0-600 ms); with BUSY=1 too,
#                              these replace its 0-80 ms.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --quiet --release -p backfill --example bench_backfill
burners=()
if [ -n "${BUSY:-}" ]; then
  for _ in 1 2; do
    ( while :; do :; done ) &
    burners+=("$!")
  done
  trap 'kill "${burners[@]}" 2>/dev/null || true' EXIT
fi
scripts/pg run -- cargo run --quiet --release -p backfill --example bench_backfill
