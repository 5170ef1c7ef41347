#!/usr/bin/env bash
# The cut-over rehearsal at the real data's scale (3365 users, 217 events, 767 projects, ~4100
# attendee links, 2300 votes, 1266 referrals): the backfill tests' data set is imported into a
# database of ours, handed back to the original's schema with `migrate unadopt` (so the dump is
# one the original would have), dumped with pg_dump -Fc, and `scripts/rehearse-cutover` runs on
# that dump; its report (each step's seconds) is printed.
#
#   bench/rehearsal.sh        (a throwaway cluster of its own; NO_JOURNEY=1 passes through)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build -q -p migrate -p backfill --example write_dataset
work="$(mktemp -d)"
trap 'scripts/pg stop --dir "$work/pg" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
"$CARGO_TARGET_DIR/debug/examples/write_dataset" "$work/csv" >/dev/null
server="$(env -u DATABASE_URL scripts/pg start --dir "$work/pg")"
psql="$(ls /usr/lib/postgresql/*/bin/psql 2>/dev/null | sort -V | tail -1)"; psql="${psql:-psql}"
pg_dump="$(dirname "$psql")/pg_dump"; [ -x "$pg_dump" ] || pg_dump=pg_dump
"$psql" -q -X -d "$server" -c "CREATE DATABASE scale"
url="${server%/*}/scale"
PODIUM_DATABASE_URL="$url" "$CARGO_TARGET_DIR/debug/migrate" up >/dev/null
PODIUM_DATABASE_URL="$url" "$CARGO_TARGET_DIR/debug/backfill" --from csv "$work/csv" >/dev/null
PODIUM_DATABASE_URL="$url" "$CARGO_TARGET_DIR/debug/migrate" unadopt --archive "$work/scale-archive.jsonl" >/dev/null
"$pg_dump" -Fc -f "$work/scale.dump" -d "$url"
echo "dump of the original's schema at real scale: $(du -h "$work/scale.dump" | cut -f1)"
scripts/rehearse-cutover "$work/scale.dump"
