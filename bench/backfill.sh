#!/usr/bin/env bash
# A full backfill at the real data's scale (3365 users, 217 events, 767 projects, 1266 referrals,
# ~4100 attendee links, 2300 votes, collaborators) from a local fake Airtable limited to 5
# requests per second, next to the time that limit alone forces; then the same from CSV.
# Uses DATABASE_URL, or starts a throwaway PostgreSQL (scripts/pg).
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/pg run -- cargo run --quiet --release -p backfill --example bench_backfill
